/**
 * A small Redis client (RESP2 over node:net or node:tls) for the App's queue.
 *
 * Why not a driver package: BullMQ 6 leaves the Redis driver to the
 * application (ioredis and redis are optional peer dependencies, and
 * neither is installed), and Probot's Redis throttling wants ioredis too.
 * The App needs few commands, so it speaks the protocol itself and plugs
 * into both libraries through their documented driver-neutral seams:
 *
 * - BullMQ: `createBunRedisClient(raw)` adapts any client with Bun's
 *   RedisClient shape (`send(command, args)`, `connected`, `connect()`,
 *   `close()`, `duplicate()`, `onconnect` / `onclose` callbacks). RespSocket
 *   has that shape; BullMQ's adapter does the rest (Lua scripts with
 *   EVALSHA, MULTI/EXEC, blocking BZPOPMIN on its own connection,
 *   reconnects through `duplicate()`).
 * - Bottleneck (Probot's throttling, in cluster mode): `nodeRedisShim()` is
 *   the `redis` (node_redis 3) module surface Bottleneck.RedisConnection
 *   calls: `createClient`, `duplicate`, `multi([...]).exec(cb)`,
 *   `evalsha(..., cb)`, `publish`, `subscribe` / `unsubscribe` with
 *   `subscribe` and `message` events, `end`.
 * - The queue's own keys (per-key locks, delivery de-duplication, readiness):
 *   `RedisClient.call(command, ...args)`.
 *
 * Replies are decoded as RESP2 drivers do: simple and bulk strings as UTF-8
 * strings, integers as numbers, nil as null, arrays as arrays, an error
 * reply as an Error (rejecting the command, or as an element inside an EXEC
 * answer). URLs: `redis://[user:password@]host[:port][/db]`, `rediss://` for
 * TLS.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type RedisArg = string | number | Buffer;
export type RedisReply = string | number | null | Error | RedisReply[];

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

const CLOSED = 'Connection is closed.';

export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/** Incremental RESP2 reply parser. */
class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next complete reply, or undefined when more bytes are needed. */
  next(): { value: RedisReply } | undefined {
    const r = this.parse(0);
    if (!r) return undefined;
    this.buf = this.buf.subarray(r.end);
    return { value: r.value };
  }

  private line(at: number): { text: string; end: number } | undefined {
    const cr = this.buf.indexOf('\r\n', at, 'latin1');
    if (cr < 0) return undefined;
    return { text: this.buf.toString('utf8', at, cr), end: cr + 2 };
  }

  private parse(at: number): { value: RedisReply; end: number } | undefined {
    if (at >= this.buf.length) return undefined;
    const type = this.buf[at];
    const l = this.line(at + 1);
    if (!l) return undefined;
    switch (type) {
      case 0x2b: // +
        return { value: l.text, end: l.end };
      case 0x2d: // -
        return { value: new RedisReplyError(l.text), end: l.end };
      case 0x3a: // :
        return { value: Number(l.text), end: l.end };
      case 0x24: {
        // $
        const len = Number(l.text);
        if (len < 0) return { value: null, end: l.end };
        if (this.buf.length < l.end + len + 2) return undefined;
        return { value: this.buf.toString('utf8', l.end, l.end + len), end: l.end + len + 2 };
      }
      case 0x2a: {
        // *
        const n = Number(l.text);
        if (n < 0) return { value: null, end: l.end };
        const items: RedisReply[] = [];
        let end = l.end;
        for (let i = 0; i < n; i++) {
          const item = this.parse(end);
          if (!item) return undefined;
          items.push(item.value);
          end = item.end;
        }
        return { value: items, end };
      }
      default:
        throw new Error(`unexpected byte ${String(type)} in a Redis reply`);
    }
  }
}

function encode(command: string, args: readonly RedisArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Pending {
  resolve(v: RedisReply): void;
  reject(e: Error): void;
}

export interface RespSocketOptions {
  connectTimeoutMs?: number;
  /** `CLIENT SETNAME` after connecting. */
  name?: string;
}

/**
 * One Redis connection with Bun's RedisClient shape (see the file comment).
 * Commands are pipelined (those of one tick in one write): replies come
 * back in order. A connection that
 * closed stays closed (`duplicate()` makes a new one to the same server).
 * After SUBSCRIBE, pushed messages go to `onmessage`.
 */
export class RespSocket {
  connected = false;
  onconnect: (() => void) | undefined;
  onclose: ((err?: Error) => void) | undefined;
  onerror: ((err: Error) => void) | undefined;
  onmessage: ((channel: string, message: string) => void) | undefined;

  private socket: Socket | undefined;
  private readonly pending: Pending[] = [];
  private readonly parser = new ReplyParser();
  private connecting: Promise<void> | undefined;
  private done = false;
  private subscribed = false;
  private corked = false;

  constructor(
    readonly url: string,
    private readonly opts: RespSocketOptions = {},
  ) {}

  /** Closed (or failed to connect) for good. */
  get ended(): boolean {
    return this.done;
  }

  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.done) return Promise.reject(new Error(CLOSED));
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private open(): Promise<void> {
    const t = parseRedisUrl(this.url);
    return new Promise<void>((resolve, reject) => {
      const socket = t.tls ? tlsConnect({ host: t.host, port: t.port, servername: t.host }) : netConnect({ host: t.host, port: t.port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      const timer = setTimeout(() => socket.destroy(new Error(`Redis ${t.host}:${t.port}: no connection within ${this.opts.connectTimeoutMs ?? 5000} ms`)), this.opts.connectTimeoutMs ?? 5000);
      let settled = false;
      socket.once(t.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        this.connected = true;
        const hello: Promise<RedisReply>[] = [];
        if (t.password !== undefined) hello.push(this.send('AUTH', t.username ? [t.username, t.password] : [t.password]));
        if (t.db !== undefined) hello.push(this.send('SELECT', [t.db]));
        if (this.opts.name) hello.push(this.send('CLIENT', ['SETNAME', this.opts.name]));
        Promise.all(hello).then(
          () => {
            settled = true;
            resolve();
            this.onconnect?.();
          },
          (err: Error) => {
            settled = true;
            reject(err);
            socket.destroy();
          },
        );
      });
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(err);
        }
        this.onerror?.(err);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        const wasConnected = this.connected;
        this.connected = false;
        this.done = true;
        const err = new Error(CLOSED);
        for (const p of this.pending.splice(0)) p.reject(err);
        if (!settled) {
          settled = true;
          reject(err);
        }
        if (wasConnected) this.onclose?.(err);
      });
    });
  }

  private receive(chunk: Buffer): void {
    this.parser.push(chunk);
    for (;;) {
      let r: { value: RedisReply } | undefined;
      try {
        r = this.parser.next();
      } catch (err) {
        this.socket?.destroy(err as Error);
        return;
      }
      if (!r) return;
      const v = r.value;
      if (this.subscribed && Array.isArray(v) && (v[0] === 'message' || v[0] === 'pmessage')) {
        const [channel, message] = v[0] === 'message' ? [v[1], v[2]] : [v[2], v[3]];
        this.onmessage?.(String(channel), String(message));
        continue;
      }
      const p = this.pending.shift();
      if (!p) continue;
      if (v instanceof Error) p.reject(v);
      else p.resolve(v);
    }
  }

  send(command: string, args: readonly RedisArg[] = []): Promise<RedisReply> {
    if (!this.connected || !this.socket) return Promise.reject(new Error(CLOSED));
    const upper = command.toUpperCase();
    if (upper === 'SUBSCRIBE' || upper === 'PSUBSCRIBE') this.subscribed = true;
    const socket = this.socket;
    if (!this.corked) {
      // Commands sent in the same tick leave in one write.
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    return new Promise<RedisReply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encode(command, args));
    });
  }

  close(): void {
    this.done = true;
    this.socket?.destroy();
  }

  /** A new, unconnected socket to the same server. */
  async duplicate(): Promise<RespSocket> {
    return new RespSocket(this.url, this.opts);
  }
}

/**
 * A client for the queue's own commands: one connection, made again on the
 * next command after it dropped.
 */
export class RedisClient {
  private socket: RespSocket | undefined;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly opts: RespSocketOptions = {},
  ) {
    parseRedisUrl(url);
  }

  private async connection(): Promise<RespSocket> {
    if (this.closed) throw new Error(CLOSED);
    if (!this.socket || this.socket.ended) this.socket = new RespSocket(this.url, this.opts);
    const s = this.socket;
    s.onerror ??= () => {};
    await s.connect();
    return s;
  }

  async call(command: string, ...args: RedisArg[]): Promise<RedisReply> {
    const s = await this.connection();
    return s.send(command, args);
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
      // A dead connection is replaced by the next command.
      if (this.socket && !this.socket.connected) this.socket = undefined;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** EVAL of a Lua script (small scripts: no SCRIPT LOAD caching needed). */
  eval(lua: string, keys: readonly string[], args: readonly RedisArg[]): Promise<RedisReply> {
    return this.call('EVAL', lua, keys.length, ...keys, ...args);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}

type Callback = (err: Error | null, reply?: unknown) => void;

/**
 * The node_redis 3 client surface Bottleneck.RedisConnection uses, over a
 * RespSocket. Created through `nodeRedisShim(url).createClient()`.
 */
class NodeRedisLikeClient extends EventEmitter {
  ready = false;
  private readonly socket: RespSocket;

  constructor(private readonly url: string) {
    super();
    this.socket = new RespSocket(url, { name: 'sdlc-throttle' });
    this.socket.onmessage = (channel, message) => this.emit('message', channel, message);
    this.socket.onerror = (err) => this.emit('error', err);
    this.socket.onclose = (err) => {
      this.ready = false;
      if (err) this.emit('error', err);
      this.emit('end');
    };
    this.socket.connect().then(
      () => {
        this.ready = true;
        this.emit('ready');
      },
      (err: Error) => this.emit('error', err),
    );
  }

  duplicate(): NodeRedisLikeClient {
    return new NodeRedisLikeClient(this.url);
  }

  private run(command: string, args: RedisArg[], cb?: Callback): Promise<RedisReply> {
    const p = this.socket.send(command, args);
    p.then(
      (r) => cb?.(null, r),
      (e: Error) => cb?.(e),
    );
    return p;
  }

  multi(commands: (string | number)[][]) {
    const exec = (cb: Callback) => {
      const s = this.socket;
      const swallow = () => {};
      s.send('MULTI').catch(swallow);
      for (const [cmd, ...args] of commands) s.send(String(cmd), args).catch(swallow);
      s.send('EXEC').then(
        (replies) => cb(null, replies),
        (err: Error) => cb(err),
      );
    };
    return { exec, exec_atomic: exec };
  }

  evalsha(...args: unknown[]): boolean {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
    this.run('EVALSHA', args as RedisArg[], cb).catch(() => {});
    return true;
  }

  publish(channel: string, message: string, cb?: Callback): boolean {
    this.run('PUBLISH', [channel, message], cb).catch((err: Error) => this.emit('error', err));
    return true;
  }

  subscribe(channel: string, cb?: Callback): boolean {
    this.run('SUBSCRIBE', [channel]).then(
      () => {
        this.emit('subscribe', channel, 1);
        cb?.(null, channel);
      },
      (err: Error) => (cb ? cb(err) : this.emit('error', err)),
    );
    return true;
  }

  unsubscribe(channel: string, cb?: Callback): boolean {
    this.run('UNSUBSCRIBE', [channel]).then(
      () => cb?.(null, channel),
      (err: Error) => (cb ? cb(err) : this.emit('error', err)),
    );
    return true;
  }

  end(_flush?: boolean): void {
    this.ready = false;
    this.socket.close();
  }

  quit(cb?: Callback): boolean {
    this.end();
    cb?.(null, 'OK');
    return true;
  }
}

/** The `redis` module surface Bottleneck.RedisConnection calls (`Redis` option). */
export function nodeRedisShim(url: string): { createClient(): NodeRedisLikeClient } {
  parseRedisUrl(url);
  return { createClient: () => new NodeRedisLikeClient(url) };
}
