/**
 * Delivery de-duplication: GitHub (or someone pressing "Redeliver") can send
 * the same X-GitHub-Delivery again. The first one is handled; a repeat within
 * the TTL is answered 2xx and does nothing.
 *
 * The server marks a delivery only after its signature checked out (an
 * unsigned request must not be able to mark an id as seen), and forgets the
 * mark when handling it failed (answered 5xx), so GitHub's redelivery of a
 * failed delivery is handled.
 *
 * With Redis: `SET <prefix>:delivery:<id> 1 NX EX <ttl>`, shared by all
 * replicas. Without: an in-memory LRU (oldest evicted past `maxEntries`)
 * whose entries expire after the TTL.
 */
import type { RedisClient } from './redis.js';

export type DeliveryStatus = 'first' | 'duplicate';

export interface DeliveryDeduper {
  /** 'first' the first time `id` is seen within the TTL, 'duplicate' after. */
  dedupeDelivery(id: string): Promise<DeliveryStatus>;
  /** Forget `id` (its handling failed: a redelivery must do the work). */
  forgetDelivery(id: string): Promise<void>;
}

/** GitHub lets deliveries of the past 3 days be redelivered. */
export const DEFAULT_DELIVERY_TTL_SECONDS = 3 * 24 * 3600;
export const DEFAULT_MAX_DELIVERIES = 100_000;

function checkId(id: string): string {
  if (id.length === 0 || id.length > 200) throw new Error(`delivery id must have 1 to 200 characters, not ${id.length}`);
  return id;
}

export class MemoryDeduper implements DeliveryDeduper {
  /** id -> expiry (ms since epoch); Map order is insertion order, oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlSeconds = DEFAULT_DELIVERY_TTL_SECONDS,
    private readonly maxEntries = DEFAULT_MAX_DELIVERIES,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlSeconds > 0) || !Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('the delivery TTL and the entry limit must be positive');
  }

  async dedupeDelivery(id: string): Promise<DeliveryStatus> {
    checkId(id);
    const t = this.now();
    const expires = this.seen.get(id);
    if (expires !== undefined && expires > t) return 'duplicate';
    this.seen.delete(id);
    this.seen.set(id, t + this.ttlSeconds * 1000);
    // Evict expired entries from the old end, then the oldest past the limit.
    for (const [k, exp] of this.seen) {
      if (this.seen.size <= this.maxEntries && exp > t) break;
      this.seen.delete(k);
    }
    return 'first';
  }

  async forgetDelivery(id: string): Promise<void> {
    this.seen.delete(id);
  }

  get size(): number {
    return this.seen.size;
  }
}

export class RedisDeduper implements DeliveryDeduper {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlSeconds = DEFAULT_DELIVERY_TTL_SECONDS,
  ) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new Error('the delivery TTL must be a whole number of seconds >= 1');
  }

  key(id: string): string {
    return `${this.prefix}:delivery:${checkId(id)}`;
  }

  async dedupeDelivery(id: string): Promise<DeliveryStatus> {
    const r = await this.redis.call('SET', this.key(id), '1', 'NX', 'EX', this.ttlSeconds);
    return r === 'OK' ? 'first' : 'duplicate';
  }

  async forgetDelivery(id: string): Promise<void> {
    await this.redis.call('DEL', this.key(id));
  }
}
