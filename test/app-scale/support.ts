/**
 * Shared pieces of the scaling tests: Redis on 127.0.0.1:6379 (reachability,
 * a unique key prefix per test run, clean-up), child processes running
 * bundles of our own sources (esbuild, packages left external, written under
 * .tmp/ in the repository so node_modules resolves and test helpers find
 * their fixtures), free ports, polling, deferred promises, and a recording
 * logger.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { RedisClient } from '../../src/app/queue/redis.js';
import { repoRoot } from '../helpers/fixtures.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers; in CI an unreachable Redis is an error, not a skip. */
export async function redisReachable(): Promise<boolean> {
  const c = new RedisClient(REDIS_URL, { connectTimeoutMs: 1000 });
  try {
    return await c.ping(1000);
  } finally {
    c.close();
  }
}

/** `describe` when Redis answers, else `describe.skip` with a message (and a failure in CI). */
export async function redisSuite(what: string): Promise<boolean> {
  const up = await redisReachable();
  if (!up) {
    if (process.env.CI) throw new Error(`${what}: Redis is unreachable at ${REDIS_URL}, and CI must run these tests (start Redis, e.g. the workflow's redis service)`);
    process.stderr.write(`\nSKIPPED ${what}: Redis is unreachable at ${REDIS_URL} (start redis-server, or set TEST_REDIS_URL)\n`);
  }
  return up;
}

export function uniquePrefix(tag: string): string {
  return `sdlctest-${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Delete every key of a test prefix (queue, deliveries, Bottleneck's throttling keys). */
export async function cleanPrefix(prefix: string): Promise<number> {
  const c = new RedisClient(REDIS_URL);
  let removed = 0;
  try {
    for (const pattern of [`${prefix}:*`, `b_*-${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = (await c.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
        cursor = next;
        if (keys.length > 0) removed += (await c.call('DEL', ...keys)) as number;
      } while (cursor !== '0');
    }
  } finally {
    c.close();
  }
  return removed;
}

const bundles = new Map<string, Promise<string>>();

/** An ESM bundle of `entry` (relative to the repository), packages external, under .tmp/app-scale/. */
export function bundle(entry: string): Promise<string> {
  let p = bundles.get(entry);
  if (!p) {
    const dir = join(repoRoot, '.tmp', 'app-scale', String(process.pid));
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `${entry.replace(/[^A-Za-z0-9]+/g, '_')}.mjs`);
    p = build({
      absWorkingDir: repoRoot,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
      sourcemap: false,
    }).then(() => outfile);
    bundles.set(entry, p);
  }
  return p;
}

export interface Child {
  proc: ChildProcess;
  /** stdout and stderr lines so far. */
  lines: string[];
  /** IPC messages so far. */
  messages: unknown[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first IPC message `pred` accepts. */
  message<T>(pred: (m: unknown) => boolean, timeoutMs?: number): Promise<T>;
}

export function startChild(file: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = fork(file, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const lines: string[] = [];
  const messages: unknown[] = [];
  const waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  const split = (buf: { rest: string }) => (chunk: Buffer) => {
    const parts = (buf.rest + chunk.toString('utf8')).split('\n');
    buf.rest = parts.pop() ?? '';
    lines.push(...parts);
  };
  proc.stdout!.on('data', split({ rest: '' }));
  proc.stderr!.on('data', split({ rest: '' }));
  proc.on('message', (m) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    lines,
    messages,
    exited,
    message<T>(pred: (m: unknown) => boolean, timeoutMs = 20_000): Promise<T> {
      const seen = messages.find(pred);
      if (seen !== undefined) return Promise.resolve(seen as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message from the child within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as T);
          },
        });
      });
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function recordingLog(): { lines: LogLine[]; debug(o: object, m?: string): void; info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Prometheus text -> `name{labels}` -> value (buckets left out). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '' || line.includes('_bucket{')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
