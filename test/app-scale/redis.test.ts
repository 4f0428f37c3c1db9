/**
 * The RESP client (src/app/queue/redis.ts) against the real Redis: reply
 * types, pipelining order, large values split over many TCP chunks, errors,
 * reconnecting after the server dropped the connection, and the node_redis
 * surface Bottleneck's cluster mode runs on (two limiters on two
 * connections sharing one concurrency limit, as two replicas would).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import Bottleneck from 'bottleneck';
import { RedisClient, nodeRedisShim, parseRedisUrl, redactRedisUrl } from '../../src/app/queue/redis.js';
import { REDIS_URL, cleanPrefix, redisSuite, uniquePrefix } from './support.js';

const redisUp = await redisSuite('Redis client tests');
const suite = redisUp ? describe : describe.skip;

const closers: (() => unknown)[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const p of prefixes.splice(0)) await cleanPrefix(p);
});

function client(): RedisClient {
  const c = new RedisClient(REDIS_URL);
  closers.push(() => c.close());
  return c;
}

describe('parseRedisUrl', () => {
  it('reads host, port, TLS, credentials and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, tls: false });
    expect(parseRedisUrl('rediss://default:p%40ss@cache.example.com:6380/3')).toEqual({ host: 'cache.example.com', port: 6380, tls: true, username: 'default', password: 'p@ss', db: 3 });
    expect(parseRedisUrl('redis://:secret@[::1]')).toEqual({ host: '::1', port: 6379, tls: false, password: 'secret' });
    expect(() => parseRedisUrl('http://localhost:6379')).toThrow('REDIS_URL must start with redis:// or rediss://, not http://');
    expect(() => parseRedisUrl('redis://localhost/cache')).toThrow('REDIS_URL database must be a number, not "cache"');
    expect(() => parseRedisUrl('localhost:6379')).toThrow('REDIS_URL must start with redis:// or rediss://, not localhost:');
  });
  it('hides the password in logs', () => {
    expect(redactRedisUrl('redis://user:hunter2@redis:6379/0')).toBe('redis://user:***@redis:6379/0');
    expect(redactRedisUrl('redis://redis:6379')).toBe('redis://redis:6379');
  });
});

suite('RedisClient', () => {
  it('decodes every reply type and rejects error replies', async () => {
    const prefix = uniquePrefix('resp');
    prefixes.push(prefix);
    const c = client();
    expect(await c.call('SET', `${prefix}:s`, 'naïve ✓')).toBe('OK');
    expect(await c.call('GET', `${prefix}:s`)).toBe('naïve ✓');
    expect(await c.call('GET', `${prefix}:missing`)).toBeNull();
    expect(await c.call('INCRBY', `${prefix}:n`, 41)).toBe(41);
    expect(await c.call('RPUSH', `${prefix}:l`, 'a', '', 'c')).toBe(3);
    expect(await c.call('LRANGE', `${prefix}:l`, 0, -1)).toEqual(['a', '', 'c']);
    expect(await c.eval("return {1, 'two', {3}, redis.call('GET', KEYS[1])}", [`${prefix}:missing`], [])).toEqual([1, 'two', [3], null]);
    await expect(c.call('INCR', `${prefix}:s`)).rejects.toThrow('ERR value is not an integer or out of range');
    // An error inside a transaction is an element of the EXEC answer.
    await c.call('MULTI');
    await c.call('INCR', `${prefix}:s`);
    await c.call('INCR', `${prefix}:n`);
    const exec = (await c.call('EXEC')) as unknown[];
    expect(exec[0]).toBeInstanceOf(Error);
    expect((exec[0] as Error).message).toBe('ERR value is not an integer or out of range');
    expect(exec[1]).toBe(42);
    expect(await c.ping()).toBe(true);
  });

  it('keeps 2000 pipelined replies in order and carries a 4 MB value across chunks', async () => {
    const prefix = uniquePrefix('pipe');
    prefixes.push(prefix);
    const c = client();
    const replies = await Promise.all(Array.from({ length: 2000 }, () => c.call('INCR', `${prefix}:counter`)));
    expect(replies).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    const big = 'x€'.repeat(1_000_000);
    await c.call('SET', `${prefix}:big`, big);
    expect(await c.call('STRLEN', `${prefix}:big`)).toBe(4_000_000);
    expect(await c.call('GET', `${prefix}:big`)).toBe(big);
  });

  it('connects again after the server dropped the connection', async () => {
    const c = client();
    const admin = client();
    const id = (await c.call('CLIENT', 'ID')) as number;
    expect(await admin.call('CLIENT', 'KILL', 'ID', id)).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    const again = (await c.call('CLIENT', 'ID')) as number;
    expect(again).not.toBe(id);
    expect(typeof again).toBe('number');
  });

  it('answers false to ping when Redis is not there', async () => {
    const c = new RedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 500 });
    closers.push(() => c.close());
    expect(await c.ping(500)).toBe(false);
    await expect(c.call('PING')).rejects.toThrow(/ECONNREFUSED/);
  });
});

suite('nodeRedisShim with Bottleneck cluster mode', () => {
  it('makes two limiters on two connections share one concurrency limit', async () => {
    const prefix = uniquePrefix('bn');
    prefixes.push(prefix);
    const connections = [0, 1].map(() => new Bottleneck.RedisConnection({ Redis: nodeRedisShim(REDIS_URL), clientOptions: {} }));
    closers.push(() => Promise.all(connections.map((c) => c.disconnect(false))));
    // Ids like the App's throttling ids, so cleanPrefix finds the keys.
    const limiters = connections.map((connection) => new Bottleneck({ id: `octokit-write-${prefix}:1`, maxConcurrent: 1, minTime: 0, connection, clearDatastore: false }));
    await Promise.all(limiters.map((l) => l.ready()));
    let running = 0;
    let max = 0;
    const order: number[] = [];
    const work = (i: number) => async () => {
      running++;
      max = Math.max(max, running);
      await new Promise((r) => setTimeout(r, 30));
      order.push(i);
      running--;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => limiters[i % 2]!.schedule(work(i))));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(max).toBe(1);
    const c = client();
    const keys = ((await c.call('KEYS', `b_octokit-write-${prefix}:1_*`)) as string[]).sort();
    expect(keys).toContain(`b_octokit-write-${prefix}:1_settings`);
  });
});
