/**
 * What both queues (memory.ts, bullmq.ts) share: the retry policy and its
 * backoff, the outcome of a job run, the hooks metrics attach to, and the
 * job-scoped logger (every line carries the delivery id, repository, SHA
 * and job id).
 *
 * Retries: only a RetryableError is retried (the processor turns GitHub
 * 5xx, 429, rate limits and timeouts into one); any other error fails the
 * job at once. Attempt n (1-based) that failed waits
 *   exp = min(maxDelayMs, baseDelayMs * 2^(n-1)),  delay = exp/2 + random * exp/2
 * ("equal jitter": never less than half, so replicas that failed together
 * spread out), and at least the error's retryAfterMs (plus up to 10 %, at
 * most 1 s, of jitter) when GitHub said how long to wait. The attempt with
 * number maxAttempts is the final one (JobContext.finalAttempt).
 */
import { RetryableError, type GateJob, type JobContext, type JobLogger } from '../jobs.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 };

/** How long to wait after attempt `attempt` failed (see the file comment). */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp / 2 + (random() * exp) / 2);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > jittered) {
    return Math.round(retryAfterMs + random() * Math.min(1000, retryAfterMs * 0.1));
  }
  return jittered;
}

/** A RetryableError, also one from another copy of jobs.ts (a bundle). */
export function asRetryable(err: unknown): { retryAfterMs?: number } | undefined {
  if (err instanceof RetryableError) return err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {};
  if (err instanceof Error && err.name === 'RetryableError') {
    const after = (err as { retryAfterMs?: unknown }).retryAfterMs;
    return typeof after === 'number' ? { retryAfterMs: after } : {};
  }
  return undefined;
}

/**
 * How a run of a job ended:
 * - completed: the processor returned;
 * - retried: a RetryableError, and another attempt is scheduled;
 * - failed: any other error, or a RetryableError on the final attempt;
 * - released: stopped by shutdown (the signal was aborted), handed back to
 *   the queue without counting as an attempt;
 * - deferred (BullMQ only): another replica runs the same key; the job
 *   waits a little and is tried again (it did not start).
 */
export type JobOutcome = 'completed' | 'retried' | 'failed' | 'released' | 'deferred';

/** Hooks for metrics. */
export interface QueueObserver {
  enqueued?(job: GateJob, result: 'queued' | 'coalesced' | 'duplicate'): void;
  started?(job: GateJob, attempt: number): void;
  finished?(job: GateJob, outcome: JobOutcome, durationMs: number, attempt: number): void;
}

export interface QueueLogger extends JobLogger {
  debug?(obj: object, msg?: string): void;
}

export const silentLogger: QueueLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** The fields every log line about a job carries. */
export function jobFields(job: GateJob, attempt?: number): Record<string, unknown> {
  return {
    deliveryId: job.deliveryId,
    repository: `${job.owner}/${job.repo}`,
    sha: job.headSha,
    jobId: job.key,
    ...(attempt !== undefined ? { attempt } : {}),
  };
}

/** A logger that adds the job's fields to every line. */
export function jobLogger(base: QueueLogger, job: GateJob, attempt: number): JobLogger {
  const fields = jobFields(job, attempt);
  return {
    info: (obj, msg) => base.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => base.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => base.error({ ...fields, ...obj }, msg),
  };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Options both queues take. */
export interface QueueOptions {
  retry?: Partial<RetryPolicy>;
  /** close(): how long running jobs may finish before their signal is aborted; default 25 s. */
  graceMs?: number;
  /** close(): how long aborted jobs may take to stop after that; default 5 s. */
  abortWaitMs?: number;
  log?: QueueLogger;
  observer?: QueueObserver;
  /** Jitter source (tests). */
  random?: () => number;
}

export const DEFAULT_GRACE_MS = 25_000;
export const DEFAULT_ABORT_WAIT_MS = 5_000;
export const DEFAULT_CONCURRENCY = 4;

export function retryPolicy(opts: QueueOptions): RetryPolicy {
  const p = { ...DEFAULT_RETRY, ...opts.retry };
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) throw new Error(`retry.maxAttempts must be a whole number >= 1, not ${p.maxAttempts}`);
  if (!(p.baseDelayMs >= 0) || !(p.maxDelayMs >= p.baseDelayMs)) throw new Error('retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  return p;
}

export function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`concurrency must be a whole number from 1 to 1000, not ${n}`);
  return n;
}

/** Context for one attempt. */
export function contextFor(signal: AbortSignal, log: QueueLogger, job: GateJob, attempt: number, policy: RetryPolicy): JobContext {
  return { signal, log: jobLogger(log, job, attempt), attempt, finalAttempt: attempt >= policy.maxAttempts };
}

/** Whether `deliveryId` was already folded into `job`. */
export function hasDelivery(job: GateJob, deliveryId: string): boolean {
  return job.deliveryId === deliveryId || (job.deliveries?.includes(deliveryId) ?? false);
}
