/**
 * The in-process JobQueue: one instance, no Redis (`npm start` without
 * REDIS_URL). Jobs live in memory only: a restart loses the waiting ones
 * (GitHub's next event or a re-run brings them back); run replicas with
 * REDIS_URL (bullmq.ts) when that matters.
 *
 * Semantics (bullmq.ts keeps the same ones across processes):
 * - per key (installation, repository, head SHA) at most one job runs and at
 *   most one waits. A job for a key that has a waiting job is folded into it
 *   (mergeJobs) and `enqueue` answers 'coalesced'; a delivery already folded
 *   into the waiting or the running job answers 'duplicate'. A job for a key
 *   that is running waits behind it;
 * - at most `concurrency` jobs run at once; waiting jobs start in the order
 *   they started waiting (a retry waits again from the end);
 * - a RetryableError schedules the job again after the backoff of
 *   common.ts (attempt + 1); when a newer event for the key is already
 *   waiting, the failed job is folded into it instead (mergeJobs(failed,
 *   newer): the newer event's fields win, the earlier arrival time is
 *   kept; it runs as the newer job, with that job's attempt count and
 *   without the backoff: a newer event is a new reason to try). The last attempt
 *   runs with `finalAttempt` set; a failure then, or any other error, fails
 *   the job (logged, counted);
 * - close(): no new job starts and enqueue throws; running jobs get
 *   `graceMs` to finish, then their signal is aborted and they get
 *   `abortWaitMs` to stop. A job stopped that way is 'released': in memory
 *   it is lost, which close() logs with its key and deliveries.
 */
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

interface Waiting {
  job: GateJob;
  attempt: number;
  /** Not before (ms since epoch): the backoff of a retry. */
  readyAt: number;
}

interface Running {
  job: GateJob;
  attempt: number;
  controller: AbortController;
  done: Promise<void>;
}

/** A promise that resolves after `ms` and a way to cancel its timer. */
function pause(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export class MemoryQueue implements JobQueue {
  private readonly waiting = new Map<string, Waiting>();
  private readonly running = new Map<string, Running>();
  private readonly policy: RetryPolicy;
  private readonly log: QueueLogger;
  private readonly observer: QueueObserver;
  private readonly random: () => number;
  private readonly graceMs: number;
  private readonly abortWaitMs: number;
  private processor: JobProcessor | undefined;
  private concurrency = DEFAULT_CONCURRENCY;
  private closing = false;
  private closed: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: QueueOptions = {}) {
    this.policy = retryPolicy(opts);
    this.log = opts.log ?? silentLogger;
    this.observer = opts.observer ?? {};
    this.random = opts.random ?? Math.random;
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.abortWaitMs = opts.abortWaitMs ?? DEFAULT_ABORT_WAIT_MS;
  }

  async enqueue(job: GateJob): Promise<EnqueueResult> {
    if (this.closing) throw new Error('the job queue is closed');
    const result = this.add(job);
    this.observer.enqueued?.(job, result);
    this.log.debug?.({ ...jobFields(job), enqueue: result }, `job ${result}`);
    if (result === 'queued') this.pump();
    return result;
  }

  private add(job: GateJob): EnqueueResult {
    const waiting = this.waiting.get(job.key);
    const running = this.running.get(job.key);
    if ((waiting && hasDelivery(waiting.job, job.deliveryId)) || (running && hasDelivery(running.job, job.deliveryId))) return 'duplicate';
    if (waiting) {
      waiting.job = mergeJobs(waiting.job, job);
      return 'coalesced';
    }
    this.waiting.set(job.key, { job, attempt: 1, readyAt: 0 });
    return 'queued';
  }

  async start(processor: JobProcessor, opts: { concurrency?: number } = {}): Promise<void> {
    if (this.processor) throw new Error('the job queue was already started');
    if (this.closing) throw new Error('the job queue is closed');
    this.concurrency = checkConcurrency(opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.processor = processor;
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.size;
  }

  /** Jobs running now. */
  runningCount(): number {
    return this.running.size;
  }

  async ready(): Promise<boolean> {
    return !this.closing;
  }

  /** Resolves once nothing waits and nothing runs. */
  idle(): Promise<void> {
    if (this.waiting.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Start what can start; arm a timer for the earliest retry that cannot yet. */
  private pump(): void {
    if (!this.processor || this.closing) return;
    const now = Date.now();
    let nextAt = Infinity;
    for (const [key, w] of this.waiting) {
      if (this.running.size >= this.concurrency) break;
      if (this.running.has(key)) continue;
      if (w.readyAt > now) {
        nextAt = Math.min(nextAt, w.readyAt);
        continue;
      }
      this.waiting.delete(key);
      this.run(w, this.processor);
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    if (nextAt !== Infinity && this.running.size < this.concurrency) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, nextAt - now));
    }
  }

  private run(w: Waiting, processor: JobProcessor): void {
    const controller = new AbortController();
    const startedAt = Date.now();
    const { job, attempt } = w;
    const entry: Running = { job, attempt, controller, done: Promise.resolve() };
    this.running.set(job.key, entry);
    this.observer.started?.(job, attempt);
    const ctx = contextFor(controller.signal, this.log, job, attempt, this.policy);
    entry.done = (async () => {
      let outcome: JobOutcome = 'failed';
      try {
        await processor(job, ctx);
        outcome = 'completed';
      } catch (err) {
        outcome = this.afterFailure(entry, err);
      } finally {
        this.running.delete(job.key);
        this.observer.finished?.(job, outcome, Date.now() - startedAt, attempt);
        this.pump();
        if (this.waiting.size === 0 && this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    })();
  }

  private afterFailure(entry: Running, err: unknown): JobOutcome {
    const { job, attempt } = entry;
    const fields = { ...jobFields(job, attempt), err: errorText(err) };
    if (entry.controller.signal.aborted) {
      this.log.warn({ ...fields, deliveries: job.deliveries ?? [job.deliveryId] }, 'job stopped by shutdown; the in-memory queue does not keep it');
      return 'released';
    }
    const retryable = asRetryable(err);
    if (retryable && attempt < this.policy.maxAttempts) {
      const delay = retryDelayMs(attempt, this.policy, retryable.retryAfterMs, this.random);
      const newer = this.waiting.get(job.key);
      if (newer) {
        newer.job = mergeJobs(job, newer.job);
      } else {
        this.waiting.set(job.key, { job, attempt: attempt + 1, readyAt: Date.now() + delay });
      }
      this.log.warn({ ...fields, retryInMs: delay }, `attempt ${attempt} of ${this.policy.maxAttempts} failed; retrying`);
      return 'retried';
    }
    this.log.error(fields, retryable ? `attempt ${attempt} of ${this.policy.maxAttempts} failed; no attempts left` : 'job failed');
    return 'failed';
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const settled = () => Promise.all([...this.running.values()].map((r) => r.done)).then(() => undefined);
    if (this.running.size > 0) {
      const grace = pause(this.graceMs);
      await Promise.race([settled(), grace.promise]);
      grace.cancel();
    }
    if (this.running.size > 0) {
      this.log.warn({ running: [...this.running.keys()] }, `${this.running.size} job(s) still running after ${this.graceMs} ms: stopping them`);
      for (const r of this.running.values()) r.controller.abort(new Error('shutting down'));
      const wait = pause(this.abortWaitMs);
      await Promise.race([settled(), wait.promise]);
      wait.cancel();
    }
    if (this.running.size > 0) this.log.error({ running: [...this.running.keys()] }, `${this.running.size} job(s) did not stop`);
    if (this.waiting.size > 0) this.log.warn({ waiting: [...this.waiting.keys()] }, `${this.waiting.size} waiting job(s) dropped at shutdown`);
  }
}
