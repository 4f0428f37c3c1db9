/**
 * The JobQueue on Redis (REDIS_URL), with BullMQ: any number of web and
 * worker processes share it, with the semantics of memory.ts.
 *
 * Keys (all under `<prefix>:<queue>:`, so one prefix holds everything):
 * BullMQ's own, plus per job key K (`<installation>/<owner>/<repo>@<sha>`)
 * `sdlc:gen:K` (a generation number) and `sdlc:lock:K` (the running lock).
 *
 * Coalescing: the BullMQ job id is `K#<gen>`. `enqueue` adds the job under
 * that id; BullMQ refuses a second job with the id of one that exists, so
 * when the id was taken the new event is folded into that job's data
 * (mergeJobs), with a compare-and-set in Lua that only succeeds while the
 * job is unclaimed. A worker claims a job (Lua: mark it claimed, bump the
 * generation, read its data) only once it holds the key's lock, so:
 * events before the claim merge into the job, and the run sees them; events
 * after it get the next id: a new waiting job, behind the running one.
 *
 * One running job per key: a worker takes `sdlc:lock:K` (SET NX PX, renewed
 * every third of its TTL while the job runs) before it claims. When another
 * replica holds it, the job goes back to delayed for a short, jittered while
 * (`busyDelayMs`), unclaimed (so it still coalesces), and is not charged an
 * attempt. A lock that cannot be renewed aborts the job's signal.
 *
 * Retries: the processor's errors are handled as in memory.ts. A retry is a
 * new enqueue of the job with attempt + 1 and the backoff as BullMQ delay
 * (so it coalesces with a newer waiting event like any job), then the
 * current BullMQ job completes. BullMQ's own attempts (3, 1 s exponential)
 * only cover failures of the queue's plumbing (Redis errors).
 *
 * Crashes: a worker that dies leaves an active job whose BullMQ lock
 * (`lockMs`) is not renewed; BullMQ's stalled-job check (every
 * `stalledIntervalMs`, on any live worker) moves it back to waiting and
 * another replica runs it (claiming again is harmless), once the dead
 * worker's key lock (same TTL) has expired. A job that stalls more than
 * 5 times is failed.
 *
 * close(): the worker stops taking jobs; running ones get `graceMs`, then
 * their signal is aborted; a job that stops then is 'released': enqueued
 * again at the same attempt for another replica. A job still running after
 * `abortWaitMs` more is left to BullMQ's stalled-job recovery (the worker
 * closes by force).
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { mergeJobs, type EnqueueResult, type GateJob, type JobProcessor, type JobQueue } from '../jobs.js';
import {
  DEFAULT_ABORT_WAIT_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_GRACE_MS,
  asRetryable,
  checkConcurrency,
  contextFor,
  errorText,
  hasDelivery,
  jobFields,
  retryDelayMs,
  retryPolicy,
  silentLogger,
  type JobOutcome,
  type QueueLogger,
  type QueueObserver,
  type QueueOptions,
  type RetryPolicy,
} from './common.js';
import { RedisClient, createRedis } from './redis.js';

export interface BullQueueOptions extends QueueOptions {
  redisUrl: string;
  /** Key prefix; default `sdlc`. */
  prefix?: string;
  /** BullMQ queue name; default `gate-jobs`. */
  queueName?: string;
  /** BullMQ job lock and key lock TTL; a crashed worker's job is taken over after about this long. Default 30 s. */
  lockMs?: number;
  /** How often live workers look for stalled jobs; default 15 s. */
  stalledIntervalMs?: number;
  /** How long a job waits when its key runs elsewhere (jittered 50-100 %); default 1 s. */
  busyDelayMs?: number;
  /** Generation counters expire after this long without an event; default 30 days. */
  generationTtlMs?: number;
}

/** What BullMQ stores as a job's data. */
interface Stored {
  job: GateJob;
  attempt: number;
  /** Tells `enqueue` whether the job under an id is its own. */
  token: string;
}

const CLAIMED = 'sdlcClaimed';

/** Fold new data into an unclaimed job: 1 done, 0 the data changed meanwhile, -1 claimed, -2 gone. */
const MERGE_LUA = `
if redis.call('HEXISTS', KEYS[1], '${CLAIMED}') == 1 then return -1 end
local cur = redis.call('HGET', KEYS[1], 'data')
if not cur then return -2 end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
return 1`;

/** Claim a job: mark it, move the key's generation past it, answer its data (nil when the job is gone). */
const CLAIM_LUA = `
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return nil end
if redis.call('HSETNX', KEYS[1], '${CLAIMED}', '1') == 1 then
  local g = tonumber(redis.call('GET', KEYS[2]) or '0')
  if g <= tonumber(ARGV[1]) then redis.call('SET', KEYS[2], tonumber(ARGV[1]) + 1, 'PX', ARGV[2]) end
end
return data`;

const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Active {
  job: GateJob;
  controller: AbortController;
  done: Promise<unknown>;
}

export class BullQueue implements JobQueue {
  readonly prefix: string;
  readonly queueName: string;
  readonly redis: RedisClient;
  private readonly redisUrl: string;
  /** The Worker's connection (BullMQ duplicates it for its blocking fetch). */
  private workerConn: Redis | undefined;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly policy: RetryPolicy;
  private readonly log: QueueLogger;
  private readonly observer: QueueObserver;
  private readonly random: () => number;
  private readonly graceMs: number;
  private readonly abortWaitMs: number;
  private readonly lockMs: number;
  private readonly stalledIntervalMs: number;
  private readonly busyDelayMs: number;
  private readonly generationTtlMs: number;
  private readonly workerId = randomUUID();
  private readonly active = new Map<string, Active>();
  /** Key-lock renewals of running jobs. */
  private readonly renewals = new Set<NodeJS.Timeout>();
  /** Handlers BullMQ is awaiting (bookkeeping after the processor included). */
  private readonly inflight = new Set<Promise<unknown>>();
  private processor: JobProcessor | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(opts: BullQueueOptions) {
    this.prefix = opts.prefix ?? 'sdlc';
    this.queueName = opts.queueName ?? 'gate-jobs';
    if (/[:\s]/.test(this.prefix) || /[:\s]/.test(this.queueName)) throw new Error('the queue prefix and name cannot contain ":" or spaces');
    this.policy = retryPolicy(opts);
    this.log = opts.log ?? silentLogger;
    this.observer = opts.observer ?? {};
    this.random = opts.random ?? Math.random;
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.abortWaitMs = opts.abortWaitMs ?? DEFAULT_ABORT_WAIT_MS;
    this.lockMs = opts.lockMs ?? 30_000;
    this.stalledIntervalMs = opts.stalledIntervalMs ?? 15_000;
    this.busyDelayMs = opts.busyDelayMs ?? 1_000;
    this.generationTtlMs = opts.generationTtlMs ?? 30 * 24 * 3600_000;
    if (!(this.lockMs >= 1000) || !(this.stalledIntervalMs >= 100)) throw new Error('lockMs must be at least 1000 and stalledIntervalMs at least 100');
    this.redisUrl = opts.redisUrl;
    this.redis = new RedisClient(opts.redisUrl, { name: 'sdlc-queue', log: (err) => this.log.warn({ err: errorText(err) }, 'Redis connection error') });
    // The Queue only adds and counts jobs: it shares the queue's own connection (and its short retries).
    this.queue = new Queue(this.queueName, { connection: this.redis.io, prefix: this.prefix });
    this.queue.on('error', (err: Error) => this.log.warn({ err: errorText(err) }, 'queue error'));
  }

  private base(): string {
    return `${this.prefix}:${this.queueName}`;
  }

  /** The BullMQ job id of generation `gen` of key `key`. */
  static jobId(key: string, gen: number): string {
    return `${key.replace(/%/g, '%25').replace(/:/g, '%3A')}#${gen}`;
  }

  private jobHash(id: string): string {
    return `${this.base()}:${id}`;
  }

  genKey(key: string): string {
    return `${this.base()}:sdlc:gen:${key}`;
  }

  lockKey(key: string): string {
    return `${this.base()}:sdlc:lock:${key}`;
  }

  async enqueue(job: GateJob): Promise<EnqueueResult> {
    if (this.closing) throw new Error('the job queue is closed');
    const result = await this.put(job, 1, 0, false);
    this.observer.enqueued?.(job, result);
    this.log.debug?.({ ...jobFields(job), enqueue: result }, `job ${result}`);
    return result;
  }

  /**
   * Add `job` as the key's waiting job, or fold it into the waiting one.
   * `retry`: the job is a failed run coming back (a newer waiting event wins
   * the merge and keeps its attempt count).
   */
  private async put(job: GateJob, attempt: number, delayMs: number, retry: boolean): Promise<EnqueueResult> {
    for (let round = 0; round < 20; round++) {
      const gen = Number((await this.redis.call('GET', this.genKey(job.key))) ?? '0');
      const id = BullQueue.jobId(job.key, gen);
      if (!retry && gen > 0) {
        // The delivery already reached the running job (the previous generation)?
        const previous = (await this.redis.call('HGET', this.jobHash(BullQueue.jobId(job.key, gen - 1)), 'data')) as string | null;
        if (previous !== null && hasDelivery((JSON.parse(previous) as Stored).job, job.deliveryId)) return 'duplicate';
      }
      const token = randomUUID();
      const mine: Stored = { job, attempt, token };
      await this.queue.add('gate', mine, {
        jobId: id,
        ...(delayMs > 0 ? { delay: delayMs } : {}),
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: true,
      });
      const current = (await this.redis.call('HGET', this.jobHash(id), 'data')) as string | null;
      if (current === null) continue; // finished between the add and the read: the id is free again
      const stored = JSON.parse(current) as Stored;
      if (stored.token === token) return 'queued';
      if (!retry && hasDelivery(stored.job, job.deliveryId)) return 'duplicate';
      const merged: Stored = retry
        ? { job: mergeJobs(job, stored.job), attempt: stored.attempt, token: stored.token }
        : { job: mergeJobs(stored.job, job), attempt: stored.attempt, token: stored.token };
      const r = await this.redis.eval(MERGE_LUA, [this.jobHash(id)], [current, JSON.stringify(merged)]);
      if (r === 1) return 'coalesced';
      // Claimed meanwhile (the generation moved on), changed, or gone: look again.
    }
    throw new Error(`could not enqueue ${job.key}: the waiting job kept changing`);
  }

  async start(processor: JobProcessor, opts: { concurrency?: number } = {}): Promise<void> {
    if (this.processor) throw new Error('the job queue was already started');
    if (this.closing) throw new Error('the job queue is closed');
    const concurrency = checkConcurrency(opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.processor = processor;
    this.workerConn = createRedis(this.redisUrl, { name: 'sdlc-worker', blocking: true });
    this.worker = new Worker(this.queueName, (job, token) => this.track(this.handle(job as Job<Stored>, token)), {
      connection: this.workerConn,
      prefix: this.prefix,
      concurrency,
      lockDuration: this.lockMs,
      stalledInterval: this.stalledIntervalMs,
      maxStalledCount: 5,
      drainDelay: 5,
    });
    this.worker.on('error', (err: Error) => this.log.warn({ err: errorText(err) }, 'worker error'));
    this.worker.on('stalled', (jobId: string) => this.log.warn({ bullJobId: jobId }, 'a stalled job was moved back to waiting'));
    await this.worker.waitUntilReady();
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const drop = () => this.inflight.delete(p);
    p.then(drop, drop);
    return p;
  }

  /** Runs one BullMQ job (see the file comment). */
  private async handle(bj: Job<Stored>, token: string | undefined): Promise<void> {
    const processor = this.processor!;
    const id = bj.id!;
    const key = bj.data.job.key;
    const lockToken = `${this.workerId}:${id}`;
    if (this.closing) {
      // Fetched while this worker shuts down (a blocking fetch already under way): hand it straight back, unstarted.
      await bj.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    if (!(await this.acquire(key, lockToken))) {
      const wait = Math.round(this.busyDelayMs / 2 + (this.random() * this.busyDelayMs) / 2);
      await bj.moveToDelayed(Date.now() + wait, token);
      this.observer.finished?.(bj.data.job, 'deferred', 0, bj.data.attempt);
      throw new DelayedError();
    }
    const controller = new AbortController();
    const renew: NodeJS.Timeout = setInterval(() => {
      this.redis.eval(RENEW_LUA, [this.lockKey(key)], [lockToken, this.lockMs]).then(
        (r) => {
          if (r !== 1 && !controller.signal.aborted) {
            this.log.error({ ...jobFields(bj.data.job) }, 'lost the key lock: stopping the job');
            controller.abort(new Error('lost the key lock'));
          }
        },
        (err: unknown) => this.log.warn({ ...jobFields(bj.data.job), err: errorText(err) }, 'could not renew the key lock'),
      );
    }, Math.max(200, Math.floor(this.lockMs / 3)));
    this.renewals.add(renew);
    try {
      const gen = Number(id.slice(id.lastIndexOf('#') + 1));
      const raw = (await this.redis.eval(CLAIM_LUA, [this.jobHash(id), this.genKey(key)], [gen, this.generationTtlMs])) as string | null;
      if (raw === null) return;
      const { job, attempt } = JSON.parse(raw) as Stored;
      const startedAt = Date.now();
      this.observer.started?.(job, attempt);
      const ctx = contextFor(controller.signal, this.log, job, attempt, this.policy);
      const run = processor(job, ctx);
      const entry: Active = { job, controller, done: run.catch(() => undefined) };
      this.active.set(id, entry);
      let outcome: JobOutcome = 'failed';
      try {
        await run;
        outcome = 'completed';
      } catch (err) {
        outcome = await this.afterFailure(job, attempt, controller.signal, err);
      } finally {
        this.active.delete(id);
        this.observer.finished?.(job, outcome, Date.now() - startedAt, attempt);
      }
      if (outcome === 'failed') throw new UnrecoverableError(`job ${job.key} failed`);
    } finally {
      clearInterval(renew);
      this.renewals.delete(renew);
      await this.redis.eval(RELEASE_LUA, [this.lockKey(key)], [lockToken]).catch((err: unknown) => this.log.warn({ key, err: errorText(err) }, 'could not release the key lock'));
    }
  }

  private async acquire(key: string, token: string): Promise<boolean> {
    const r = await this.redis.call('SET', this.lockKey(key), token, 'NX', 'PX', this.lockMs);
    if (r === 'OK') return true;
    // Our own lock from an earlier run of this job (it stalled and came back here).
    return (await this.redis.eval(RENEW_LUA, [this.lockKey(key)], [token, this.lockMs])) === 1;
  }

  private async afterFailure(job: GateJob, attempt: number, signal: AbortSignal, err: unknown): Promise<JobOutcome> {
    const fields = { ...jobFields(job, attempt), err: errorText(err) };
    if (signal.aborted) {
      await this.put(job, attempt, 0, true);
      this.log.warn(fields, 'job stopped early (shutdown or lost lock): handed back to the queue');
      return 'released';
    }
    const retryable = asRetryable(err);
    if (retryable && attempt < this.policy.maxAttempts) {
      const delay = retryDelayMs(attempt, this.policy, retryable.retryAfterMs, this.random);
      await this.put(job, attempt + 1, delay, true);
      this.log.warn({ ...fields, retryInMs: delay }, `attempt ${attempt} of ${this.policy.maxAttempts} failed; retrying`);
      return 'retried';
    }
    this.log.error(fields, retryable ? `attempt ${attempt} of ${this.policy.maxAttempts} failed; no attempts left` : 'job failed');
    return 'failed';
  }

  /** Jobs waiting or delayed (retries, jobs whose key runs elsewhere). */
  async depth(): Promise<number> {
    const c = await this.queue.getJobCounts('wait', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  /** Jobs running in this process. */
  runningCount(): number {
    return this.active.size;
  }

  async ready(): Promise<boolean> {
    return !this.closing && (await this.redis.ping());
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (worker) {
      await worker.pause(true);
      const settled = () => Promise.all([...this.active.values()].map((a) => a.done));
      if (this.active.size > 0 && !(await within(settled(), this.graceMs))) {
        this.log.warn({ running: [...this.active.values()].map((a) => a.job.key) }, `${this.active.size} job(s) still running after ${this.graceMs} ms: stopping them`);
        for (const a of this.active.values()) a.controller.abort(new Error('shutting down'));
      }
      const stopped = this.active.size === 0 || (await within(settled(), this.abortWaitMs));
      if (!stopped) this.log.error({ running: [...this.active.values()].map((a) => a.job.key) }, 'jobs did not stop: leaving them to stalled-job recovery');
      // Let the handlers finish their bookkeeping (re-enqueue, lock release) before the connections go.
      await within(Promise.allSettled([...this.inflight]), 2000);
      await worker.close(!stopped);
      // A job that ignored its signal keeps running here but gives up its key: the replica that recovers it may take the key when its lock expires.
      for (const r of this.renewals) clearInterval(r);
      this.renewals.clear();
    }
    await this.queue.close();
    this.redis.close();
    this.workerConn?.disconnect();
  }

  /** Remove every key of this queue (tests, and `prefix` clean-ups). */
  async obliterate(): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = (await this.redis.call('SCAN', cursor, 'MATCH', `${this.base()}:*`, 'COUNT', 500)) as [string, string[]];
      cursor = next;
      if (keys.length > 0) removed += (await this.redis.call('DEL', ...keys)) as number;
    } while (cursor !== '0');
    return removed;
  }
}

/** Whether `p` settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return r;
}
