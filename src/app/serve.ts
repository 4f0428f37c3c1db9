/**
 * The App's processes: `serve({ role })`.
 *
 *   web     answers webhooks (server.ts): verifies, de-duplicates, enqueues
 *   worker  runs jobs from the queue (worker.ts's processor)
 *   all     both, in one process (`npm start`)
 *
 * Every role serves /healthz, /readyz and /metrics on PORT. With REDIS_URL
 * the queue is BullMQ (any number of web and worker replicas), delivery
 * de-duplication is shared in Redis, and Probot's GitHub throttling runs in
 * Bottleneck's cluster mode on the same Redis, so all replicas keep one rate
 * limit per installation. Without REDIS_URL only `all` can run (one
 * in-memory queue). Without APP_ID, the web and all roles open Probot's
 * setup flow (register the App from its manifest, app.yml) at
 * http://localhost:PORT, as `probot run` does; in production
 * (NODE_ENV=production) that is an error.
 *
 * Environment (docs/deploy.md has the full table): APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, WEBHOOK_PATH, GHE_HOST (+ GHE_PROTOCOL)
 * or GITHUB_API_URL, PORT, HOST, REDIS_URL, QUEUE_PREFIX,
 * WORKER_CONCURRENCY, JOB_MAX_ATTEMPTS, JOB_RETRY_BASE_MS, JOB_LOCK_MS,
 * STALLED_INTERVAL_MS, SHUTDOWN_GRACE_MS, DELIVERY_TTL_SECONDS,
 * GITHUB_THROTTLE, LOG_LEVEL, LOG_FORMAT, ROLE.
 *
 * SIGTERM / SIGINT: /readyz turns 503, the server stops accepting
 * connections and finishes the requests in flight, the worker stops taking
 * jobs and lets running ones finish for SHUTDOWN_GRACE_MS, then aborts them
 * (with Redis they go back to the queue for another replica), and the
 * process exits 0.
 *
 * Run directly: `node build/app/serve.js [--role web|worker|all]`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { Probot, ProbotOctokit } from 'probot';
import { z } from 'zod';
import { appWithQueue, probotProcessor } from './index.js';
import type { GateJob, JobProcessor, JobQueue } from './jobs.js';
import { appMetrics, type AppMetrics } from './metrics.js';
import { BullQueue } from './queue/bullmq.js';
import type { QueueLogger } from './queue/common.js';
import { MemoryDeduper, RedisDeduper, type DeliveryDeduper } from './queue/dedupe.js';
import { MemoryQueue } from './queue/memory.js';
import { createRedis, redactRedisUrl, type RedisClient } from './queue/redis.js';
import { DEFAULT_WEBHOOK_PATH, createAppServer, type AppServer } from './server.js';

export type Role = 'web' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['web', 'worker', 'all'];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  APP_ID: z.string().regex(/^\d+$/, 'a number').optional(),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  WEBHOOK_PATH: z.string().startsWith('/').default(DEFAULT_WEBHOOK_PATH),
  GHE_HOST: z
    .string()
    .regex(/^[a-z0-9.-]+(?::\d+)?$/i, 'a host name (no scheme, no path)')
    .optional(),
  GHE_PROTOCOL: z.enum(['https', 'http']).default('https'),
  GITHUB_API_URL: z.string().url().optional(),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." and "-"')
    .default('sdlc'),
  WORKER_CONCURRENCY: int(1, 1000).default(4),
  JOB_MAX_ATTEMPTS: int(1, 50).default(5),
  JOB_RETRY_BASE_MS: int(0, 3_600_000).default(5_000),
  JOB_LOCK_MS: int(1000, 3_600_000).default(30_000),
  STALLED_INTERVAL_MS: int(100, 3_600_000).default(15_000),
  SHUTDOWN_GRACE_MS: int(0, 3_600_000).default(25_000),
  DELIVERY_TTL_SECONDS: int(1, 30 * 24 * 3600).default(3 * 24 * 3600),
  GITHUB_THROTTLE: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  NODE_ENV: z.string().optional(),
});

export interface ServeConfig {
  appId?: number;
  privateKey?: string;
  webhookSecret?: string;
  webhookPath: string;
  /** REST API root. */
  baseUrl?: string;
  /** Web root for links (GitHub Enterprise Server). */
  webUrl?: string;
  port: number;
  host: string;
  redisUrl?: string;
  queuePrefix: string;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  lockMs: number;
  stalledIntervalMs: number;
  graceMs: number;
  deliveryTtlSeconds: number;
  throttle: boolean;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  production: boolean;
}

/** A PEM private key from PRIVATE_KEY (PEM, PEM with `\n` escapes, or base64 of a PEM) or PRIVATE_KEY_PATH. */
export function readPrivateKey(env: { PRIVATE_KEY?: string; PRIVATE_KEY_PATH?: string }, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string | undefined {
  let key = env.PRIVATE_KEY;
  if (key === undefined && env.PRIVATE_KEY_PATH) key = read(env.PRIVATE_KEY_PATH);
  if (key === undefined) return undefined;
  key = key.trim();
  if (!key.includes('-----BEGIN')) {
    const decoded = Buffer.from(key, 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) key = decoded.trim();
  }
  key = key.replace(/\\n/g, '\n');
  if (!/^-----BEGIN (RSA )?PRIVATE KEY-----\n[\s\S]+\n-----END (RSA )?PRIVATE KEY-----$/.test(key)) {
    throw new Error(`${env.PRIVATE_KEY !== undefined ? 'PRIVATE_KEY' : `PRIVATE_KEY_PATH (${env.PRIVATE_KEY_PATH})`} is not a PEM private key (the .pem file GitHub gave for the App)`);
  }
  return `${key}\n`;
}

/** The settings from the environment; throws with every problem found. */
export function readServeConfig(env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    throw new Error(`invalid environment:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = parsed.data;
  const privateKey = readPrivateKey(e);
  const production = e.NODE_ENV === 'production';
  const baseUrl = e.GITHUB_API_URL?.replace(/\/+$/, '') ?? (e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : undefined);
  return {
    ...(e.APP_ID ? { appId: Number(e.APP_ID) } : {}),
    ...(privateKey ? { privateKey } : {}),
    ...(e.WEBHOOK_SECRET ? { webhookSecret: e.WEBHOOK_SECRET } : {}),
    webhookPath: e.WEBHOOK_PATH,
    ...(baseUrl ? { baseUrl } : {}),
    ...(e.GHE_HOST ? { webUrl: `${e.GHE_PROTOCOL}://${e.GHE_HOST}` } : {}),
    port: e.PORT,
    host: e.HOST ?? 'localhost',
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    queuePrefix: e.QUEUE_PREFIX,
    concurrency: e.WORKER_CONCURRENCY,
    maxAttempts: e.JOB_MAX_ATTEMPTS,
    retryBaseMs: e.JOB_RETRY_BASE_MS,
    lockMs: e.JOB_LOCK_MS,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    graceMs: e.SHUTDOWN_GRACE_MS,
    deliveryTtlSeconds: e.DELIVERY_TTL_SECONDS,
    throttle: e.GITHUB_THROTTLE === 'on',
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (production ? 'json' : 'pretty'),
    production,
  };
}

export interface ServeOptions {
  role?: Role;
  env?: NodeJS.ProcessEnv;
  /** Replaces worker.ts's processor (tests). */
  processor?: (probot: Probot) => JobProcessor;
  metrics?: AppMetrics;
  /** Exit on SIGTERM / SIGINT after a graceful close; default true. */
  handleSignals?: boolean;
}

export interface Running {
  role: Role;
  /** `http://host:port` of the HTTP server. */
  url: string;
  server: AppServer | undefined;
  queue: JobQueue | undefined;
  probot: Probot | undefined;
  /** Graceful stop (idempotent). */
  close(): Promise<void>;
  /** Resolves once close() finished. */
  closed: Promise<void>;
}

type Throttle = { on: false } | { on: true; connection?: Bottleneck.IORedisConnection };

/** Longest rate-limit wait taken inside a job; a longer one fails the request and the queue retries the job after it. */
export const MAX_IN_JOB_WAIT_SECONDS = 60;

/**
 * ProbotOctokit with our throttling: off, per process, or in Bottleneck's
 * cluster mode on Redis (ids prefixed, so Apps sharing a Redis do not share
 * limits). A rate limit is waited out inside the job only when GitHub asks
 * for at most MAX_IN_JOB_WAIT_SECONDS and the request has waited fewer than
 * 2 times (each wait counted); otherwise the request fails, the processor
 * throws a RetryableError with GitHub's retry time, and the queue retries
 * the job then, without holding a worker slot meanwhile.
 */
export function appOctokit(throttle: Throttle, prefix: string, metrics: AppMetrics): typeof ProbotOctokit {
  type ThrottleOptions = { id?: string; [k: string]: unknown };
  const decide =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number): boolean => {
      if (retryAfter <= MAX_IN_JOB_WAIT_SECONDS && retryCount < 2) {
        metrics.rateLimitWait(kind);
        return true;
      }
      return false;
    };
  return ProbotOctokit.defaults((instance: { throttle?: ThrottleOptions } & Record<string, unknown>) => {
    const t: ThrottleOptions = { ...instance.throttle };
    if (!throttle.on) return { ...instance, throttle: { ...t, enabled: false } };
    const id = t.id ?? 'app';
    return {
      ...instance,
      throttle: {
        ...t,
        id: id.startsWith(`${prefix}:`) ? id : `${prefix}:${id}`,
        ...(throttle.connection ? { Bottleneck, connection: throttle.connection } : {}),
        onRateLimit: decide('primary'),
        onSecondaryRateLimit: decide('secondary'),
      },
    };
  }) as typeof ProbotOctokit;
}

/** fetch that counts every request to GitHub (token exchanges and retries included). */
function countingFetch(metrics: AppMetrics): typeof fetch {
  return async (input, init) => {
    try {
      const res = await fetch(input, init);
      metrics.githubCall(res.status);
      return res;
    } catch (err) {
      metrics.githubCall(undefined);
      throw err;
    }
  };
}

/** A queue that logs and counts what the handlers enqueue. */
function setupQueue(config: ServeConfig, role: Role, log: QueueLogger, metrics: AppMetrics): { queue: JobQueue & { runningCount(): number }; dedupe: DeliveryDeduper; redis?: RedisClient } {
  const common = {
    retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseMs, maxDelayMs: Math.max(config.retryBaseMs, 5 * 60_000) },
    graceMs: config.graceMs,
    log,
    observer: metrics.queueObserver(),
  };
  if (!config.redisUrl) {
    if (role !== 'all') throw new Error(`the ${role} role needs REDIS_URL: separate web and worker processes share the queue in Redis`);
    return { queue: new MemoryQueue(common), dedupe: new MemoryDeduper(config.deliveryTtlSeconds) };
  }
  const queue = new BullQueue({ ...common, redisUrl: config.redisUrl, prefix: config.queuePrefix, lockMs: config.lockMs, stalledIntervalMs: config.stalledIntervalMs });
  return { queue, dedupe: new RedisDeduper(queue.redis, config.queuePrefix, config.deliveryTtlSeconds), redis: queue.redis };
}

export async function serve(opts: ServeOptions = {}): Promise<Running> {
  const role = opts.role ?? 'all';
  if (!ROLES.includes(role)) throw new Error(`role must be one of ${ROLES.join(', ')}, not ${String(role)}`);
  const config = readServeConfig(opts.env ?? process.env);
  const metrics = opts.metrics ?? appMetrics;

  if (config.appId === undefined || config.privateKey === undefined) {
    if (role === 'worker') throw new Error('the worker role needs APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)');
    return setupFlow(config, role, opts.env ?? process.env);
  }
  if (role !== 'worker' && !config.webhookSecret) throw new Error(`the ${role} role needs WEBHOOK_SECRET (the App's webhook secret)`);

  const throttle: Throttle = !config.throttle
    ? { on: false }
    : config.redisUrl
      ? { on: true, connection: new Bottleneck.IORedisConnection({ Redis, client: createRedis(config.redisUrl, { name: 'sdlc-throttle' }) }) }
      : { on: true };
  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    ...(config.webhookSecret ? { secret: config.webhookSecret } : {}),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    logLevel: config.logLevel as 'info',
    logFormat: config.logFormat,
    Octokit: appOctokit(throttle, config.queuePrefix, metrics),
    request: { fetch: countingFetch(metrics) },
  });
  await probot.ready();
  const log = probot.log.child({ name: 'sdlc', role });
  if (throttle.on && throttle.connection) throttle.connection.on('error', (err: Error) => log.warn({ err: err.message }, 'throttling: Redis error'));

  const { queue, dedupe } = setupQueue(config, role, log, metrics);
  metrics.watchQueue(queue);
  const enqueueing: JobQueue = {
    enqueue: (job: GateJob) => queue.enqueue(job),
    start: () => Promise.reject(new Error('the handlers do not start the queue')),
    depth: () => queue.depth(),
    ready: () => queue.ready(),
    close: async () => {},
  };
  if (role !== 'worker') await probot.load(appWithQueue(enqueueing));

  const server = createAppServer({
    metrics,
    log,
    queue,
    ...(role !== 'worker' ? { webhooks: { probot, secret: config.webhookSecret!, dedupe, path: config.webhookPath } } : {}),
  });
  await server.listen(config.port, config.host);

  if (role !== 'web') {
    const processor = opts.processor ? opts.processor(probot) : probotProcessor(probot, { appId: config.appId, ...(config.webUrl ? { webUrl: config.webUrl } : {}) });
    await queue.start(processor, { concurrency: config.concurrency });
  }
  log.info(
    {
      url: server.url,
      queue: config.redisUrl ? `redis ${redactRedisUrl(config.redisUrl)} (prefix ${config.queuePrefix})` : 'in memory',
      concurrency: role === 'web' ? undefined : config.concurrency,
      github: config.baseUrl ?? 'https://api.github.com',
      throttle: throttle.on ? (throttle.connection ? 'redis' : 'process') : 'off',
    },
    `SDLC Gatekeeper App (${role}) listening`,
  );

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      log.info({}, 'shutting down');
      server.drain();
      await server.close(10_000);
      await queue.close();
      if (throttle.on && throttle.connection) await throttle.connection.disconnect(false);
      log.info({}, 'stopped');
      resolveClosed();
    })();
    return closing;
  };
  if (opts.handleSignals !== false) onSignals(close, log);
  return { role, url: server.url, server, queue, probot, close, closed };
}

function onSignals(close: () => Promise<void>, log: QueueLogger): void {
  const stop = (signal: string) => {
    log.info({ signal }, 'signal received');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** No credentials yet: Probot's setup flow (register the App from app.yml), as `probot run` does. */
async function setupFlow(config: ServeConfig, role: Role, env: NodeJS.ProcessEnv): Promise<Running> {
  if (config.production) throw new Error('APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required in production');
  const { run } = await import('probot');
  const server = await run(appWithQueue(new MemoryQueue()), { env: { ...env, PORT: String(config.port), HOST: config.host } });
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const close = () => {
    closing ??= server.stop().then(() => resolveClosed());
    return closing;
  };
  return { role, url: `http://${config.host}:${server.port}`, server: undefined, queue: undefined, probot: undefined, close, closed };
}

/** `--role <role>` (or ROLE) from the command line. */
export function roleFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Role {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  const value = i < 0 ? (env.ROLE ?? 'all') : argv[i]!.includes('=') ? argv[i]!.slice('--role='.length) : argv[i + 1];
  if (!ROLES.includes(value as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}, not ${String(value)}`);
  return value as Role;
}

/** Serve until a signal stops the process. */
export async function runService(role: Role): Promise<void> {
  const running = await serve({ role });
  await running.closed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runService(roleFromArgs(process.argv.slice(2))).catch((err: unknown) => {
    process.stderr.write(`sdlc-gatekeeper: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
