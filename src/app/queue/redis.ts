/**
 * Redis connections for the App, made with ioredis from REDIS_URL
 * (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS).
 *
 * - BullMQ takes an ioredis client as its `connection`: the Queue shares the
 *   queue's own client, the Worker gets a `blocking` one
 *   (`maxRetriesPerRequest: null`, which BullMQ requires; it duplicates it
 *   for its blocking fetch).
 * - Probot's throttling in Bottleneck's cluster mode:
 *   `new Bottleneck.IORedisConnection({ Redis, client: createRedis(url) })`.
 * - The queue's own keys (per-key locks, generations, delivery
 *   de-duplication, readiness): `RedisClient.call` / `eval` / `ping`.
 *
 * Every client logs its connection errors (once per outage) instead of
 * throwing them, and reconnects on its own.
 */
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

export type RedisArg = string | number | Buffer;

export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
}

/** The parts of a `redis://` or `rediss://` URL. */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`REDIS_URL is not a URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`REDIS_URL must start with redis:// or rediss://, not ${u.protocol}//`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new Error(`REDIS_URL database must be a number, not "${db.slice(0, 50)}"`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host: host || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    tls: u.protocol === 'rediss:',
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
  };
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

export interface RedisConnectOptions {
  /** `CLIENT SETNAME`, to tell the App's connections apart in `CLIENT LIST`. */
  name?: string;
  /** Give up a connection attempt after this long; default 5 s. */
  connectTimeoutMs?: number;
  /** For BullMQ workers: commands wait for the connection to come back, however long (`maxRetriesPerRequest: null`). */
  blocking?: boolean;
  /** Connect on the first command instead of at once. */
  lazyConnect?: boolean;
  /** Connection errors (the first of each outage). */
  log?: (err: Error) => void;
}

/**
 * Without `blocking`, a command waits for at most 3 reconnection attempts
 * (under a second while Redis refuses connections) before it fails.
 */
const MAX_RETRIES_PER_REQUEST = 3;

/** ioredis options for `url` (throws on a URL that is not redis:// or rediss://). */
export function redisOptions(url: string, opts: RedisConnectOptions = {}): RedisOptions {
  const t = parseRedisUrl(url);
  return {
    host: t.host,
    port: t.port,
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.db !== undefined ? { db: t.db } : {}),
    ...(t.tls ? { tls: isIP(t.host) ? {} : { servername: t.host } } : {}),
    ...(opts.name ? { connectionName: opts.name } : {}),
    connectTimeout: opts.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: opts.blocking ? null : MAX_RETRIES_PER_REQUEST,
    lazyConnect: opts.lazyConnect ?? false,
  };
}

/** An ioredis client for `url` whose connection errors go to `opts.log`. */
export function createRedis(url: string, opts: RedisConnectOptions = {}): Redis {
  const client = new Redis(redisOptions(url, opts));
  let reported = false;
  client.on('ready', () => (reported = false));
  client.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    opts.log?.(err);
  });
  return client;
}

/**
 * The client for the queue's own commands: one lazily made connection,
 * reconnected by ioredis. A command that fails because Redis cannot be
 * reached says so, with the connection's error.
 */
export class RedisClient {
  readonly io: Redis;
  private lastError: Error | undefined;

  constructor(
    readonly url: string,
    opts: RedisConnectOptions = {},
  ) {
    this.io = createRedis(url, { lazyConnect: true, ...opts });
    this.io.on('error', (err: Error) => (this.lastError = err));
    this.io.on('ready', () => (this.lastError = undefined));
  }

  async call(command: string, ...args: RedisArg[]): Promise<unknown> {
    try {
      return await this.io.call(command, ...args);
    } catch (err) {
      if (this.lastError && this.io.status !== 'ready') {
        const { host, port } = this.io.options;
        throw new Error(`Redis at ${host}:${port} is unreachable: ${this.lastError.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** EVAL of a Lua script (small scripts: no SCRIPT LOAD caching needed). */
  eval(lua: string, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown> {
    return this.call('EVAL', lua, keys.length, ...keys, ...args);
  }

  /** PING within `timeoutMs`. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        this.call('PING'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        }),
      ]);
      return r === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.io.disconnect();
  }
}
