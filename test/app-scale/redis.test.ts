/**
 * The App's Redis connections (src/app/queue/redis.ts, over ioredis):
 * REDIS_URL parsing and the options made from it (TLS for rediss://), a
 * round trip against the real Redis, reconnecting after the server dropped
 * the connection, a clear error (logged once, not thrown) when Redis cannot
 * be reached, and Bottleneck's cluster mode on ioredis (two limiters on two
 * connections sharing one concurrency limit, as two replicas would).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { RedisClient, createRedis, parseRedisUrl, redactRedisUrl, redisOptions } from '../../src/app/queue/redis.js';
import { REDIS_URL, cleanPrefix, redisSuite, uniquePrefix, waitFor } from './support.js';

const redisUp = await redisSuite('Redis client tests');
const suite = redisUp ? describe : describe.skip;

const closers: (() => unknown)[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const p of prefixes.splice(0)) await cleanPrefix(p);
});

function client(url = REDIS_URL, opts: ConstructorParameters<typeof RedisClient>[1] = {}): RedisClient {
  const c = new RedisClient(url, opts);
  closers.push(() => c.close());
  return c;
}

describe('parseRedisUrl and redisOptions', () => {
  it('reads host, port, TLS, credentials and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, tls: false });
    expect(parseRedisUrl('rediss://default:p%40ss@cache.example.com:6380/3')).toEqual({ host: 'cache.example.com', port: 6380, tls: true, username: 'default', password: 'p@ss', db: 3 });
    expect(parseRedisUrl('redis://:secret@[::1]')).toEqual({ host: '::1', port: 6379, tls: false, password: 'secret' });
    expect(() => parseRedisUrl('http://localhost:6379')).toThrow('REDIS_URL must start with redis:// or rediss://, not http://');
    expect(() => parseRedisUrl('redis://localhost/cache')).toThrow('REDIS_URL database must be a number, not "cache"');
    expect(() => parseRedisUrl('localhost:6379')).toThrow('REDIS_URL must start with redis:// or rediss://, not localhost:');
  });

  it('refuses a URL that is not redis:// or rediss:// before connecting', () => {
    expect(() => new RedisClient('http://localhost:6379')).toThrow('REDIS_URL must start with redis:// or rediss://, not http://');
    expect(() => createRedis('localhost:6379')).toThrow('REDIS_URL must start with redis:// or rediss://, not localhost:');
  });

  it('turns the URL into ioredis options', () => {
    expect(redisOptions('rediss://default:p%40ss@cache.example.com:6380/3', { name: 'sdlc-queue', connectTimeoutMs: 750 })).toEqual({
      host: 'cache.example.com',
      port: 6380,
      username: 'default',
      password: 'p@ss',
      db: 3,
      tls: { servername: 'cache.example.com' },
      connectionName: 'sdlc-queue',
      connectTimeout: 750,
      maxRetriesPerRequest: 3,
      lazyConnect: false,
    });
    const plain = redisOptions('redis://redis:6379');
    expect(plain.tls).toBeUndefined();
    expect(plain.connectTimeout).toBe(5000);
    // BullMQ workers must wait for the connection however long.
    expect(redisOptions('redis://redis:6379', { blocking: true }).maxRetriesPerRequest).toBeNull();
    // No SNI for an IP address.
    expect(redisOptions('rediss://10.0.0.5:6380').tls).toEqual({});
  });

  it('hides the password in logs', () => {
    expect(redactRedisUrl('redis://user:hunter2@redis:6379/0')).toBe('redis://user:***@redis:6379/0');
    expect(redactRedisUrl('redis://redis:6379')).toBe('redis://redis:6379');
  });
});

describe('rediss://', () => {
  it('opens a TLS connection naming the host (SNI)', async () => {
    let server!: Server;
    const sockets: Socket[] = [];
    const hello = new Promise<Buffer>((resolve) => {
      server = createServer((socket) => {
        sockets.push(socket);
        socket.once('data', (chunk: Buffer) => resolve(chunk));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    });
    const port = (server.address() as { port: number }).port;
    const c = client(`rediss://localhost:${port}`, { connectTimeoutMs: 2000 });
    void c.ping(2000);
    const bytes = await hello;
    // A TLS handshake record (0x16, version 3.x) carrying the server name.
    expect([bytes[0], bytes[1]]).toEqual([0x16, 0x03]);
    expect(bytes.includes(Buffer.from('localhost'))).toBe(true);
  });
});

suite('RedisClient against Redis', () => {
  it('round-trips values, scripts and error replies', async () => {
    const prefix = uniquePrefix('rt');
    prefixes.push(prefix);
    const c = client(REDIS_URL, { name: 'sdlc-test' });
    expect(await c.call('SET', `${prefix}:s`, 'naïve ✓', 'NX', 'EX', 60)).toBe('OK');
    expect(await c.call('SET', `${prefix}:s`, 'again', 'NX', 'EX', 60)).toBeNull();
    expect(await c.call('GET', `${prefix}:s`)).toBe('naïve ✓');
    expect(await c.call('GET', `${prefix}:missing`)).toBeNull();
    expect(await c.call('INCRBY', `${prefix}:n`, 41)).toBe(41);
    expect(await c.eval("return {1, 'two', redis.call('GET', KEYS[1]), ARGV[1]}", [`${prefix}:s`], ['x'])).toEqual([1, 'two', 'naïve ✓', 'x']);
    await expect(c.call('INCR', `${prefix}:s`)).rejects.toThrow('ERR value is not an integer or out of range');
    expect(await c.call('CLIENT', 'GETNAME')).toBe('sdlc-test');
    expect(await c.ping()).toBe(true);
  });

  it('connects again after the server dropped the connection', async () => {
    const c = client();
    const admin = client();
    const id = (await c.call('CLIENT', 'ID')) as number;
    expect(await admin.call('CLIENT', 'KILL', 'ID', id)).toBe(1);
    const again = await waitFor('a new connection', async () => (await c.call('CLIENT', 'ID')) as number);
    expect(again).not.toBe(id);
    expect(typeof again).toBe('number');
    expect(await c.ping()).toBe(true);
  });
});

describe('unreachable Redis', () => {
  it('answers false to ping, fails commands with the connection error, and logs it once', async () => {
    const logged: Error[] = [];
    const c = client('redis://127.0.0.1:1', { connectTimeoutMs: 500, log: (err) => logged.push(err) });
    const started = Date.now();
    expect(await c.ping(500)).toBe(false);
    await expect(c.call('PING')).rejects.toThrow(/^Redis at 127\.0\.0\.1:1 is unreachable: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    expect(Date.now() - started).toBeLessThan(5000);
    // ioredis keeps retrying; the outage is logged once.
    await new Promise((r) => setTimeout(r, 300));
    expect(logged.map((e) => e.message)).toEqual(['connect ECONNREFUSED 127.0.0.1:1']);
  });
});

suite('Bottleneck cluster mode on ioredis', () => {
  it('makes two limiters on two connections share one concurrency limit', async () => {
    const prefix = uniquePrefix('bn');
    prefixes.push(prefix);
    const connections = [0, 1].map(() => new Bottleneck.IORedisConnection({ Redis, client: createRedis(REDIS_URL, { name: 'sdlc-throttle' }) }));
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
