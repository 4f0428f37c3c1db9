/**
 * The unit of work of the GitHub App: evaluate and publish one commit.
 *
 * Webhook handlers only validate, de-duplicate and enqueue a GateJob; workers
 * process them. Jobs are keyed by (installation, repository, head SHA): at
 * most one runs per key at a time, and a newer event for the same key
 * coalesces with a job still waiting (see mergeJobs).
 */

export type JobReason = 'pull_request' | 'workflow_run' | 'rerequested' | 'push';

export interface GateJob {
  /** Serialisation and coalescing key: `<installation>/<owner>/<repo>@<sha>`. */
  key: string;
  /** X-GitHub-Delivery of the (latest) event that produced the job. */
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  headSha: string;
  reason: JobReason;
  /** Known when the event names the pull request (never taken from an artifact). */
  pullNumber?: number;
  /** The completed workflow run whose artifact holds the reports. */
  workflowRunId?: number;
  workflowName?: string;
  /** `owner/repo` the head commit lives in (differs from the base repository for forks). */
  headRepoFullName?: string;
  /** Pushed branch (push events), for tags. */
  branch?: string;
  /** When the first webhook of this job arrived (ms since epoch), for latency metrics. */
  receivedAt: number;
  /** Deliveries folded into this job. */
  deliveries?: string[];
}

export function jobKey(installationId: number, owner: string, repo: string, headSha: string): string {
  return `${installationId}/${owner.toLowerCase()}/${repo.toLowerCase()}@${headSha}`;
}

/** How much work a reason implies: a merged job does the most any of its events asked for. */
const STRENGTH: Record<JobReason, number> = { pull_request: 1, rerequested: 2, push: 3, workflow_run: 4 };

/**
 * Fold a newer event into a waiting job for the same key: the stronger
 * reason wins (evaluating beats only starting checks), fields known by
 * either are kept (the newer wins where both know one), the earliest
 * arrival time is kept for latency.
 */
export function mergeJobs(waiting: GateJob, newer: GateJob): GateJob {
  if (waiting.key !== newer.key) throw new Error(`cannot merge jobs for ${waiting.key} and ${newer.key}`);
  const stronger = STRENGTH[newer.reason] >= STRENGTH[waiting.reason] ? newer : waiting;
  return {
    ...waiting,
    ...definedOnly(newer),
    reason: stronger.reason,
    ...(stronger.workflowRunId !== undefined ? { workflowRunId: stronger.workflowRunId } : {}),
    ...(stronger.workflowName !== undefined ? { workflowName: stronger.workflowName } : {}),
    receivedAt: Math.min(waiting.receivedAt, newer.receivedAt),
    deliveries: [...new Set([...(waiting.deliveries ?? [waiting.deliveryId]), ...(newer.deliveries ?? [newer.deliveryId])])],
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type EnqueueResult = 'queued' | 'coalesced' | 'duplicate';

export interface JobLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface JobContext {
  /** Aborted on shutdown: stop at the next safe point and let the job be retried. */
  signal: AbortSignal;
  log: JobLogger;
  /** 1 for the first attempt. */
  attempt: number;
  /** No further retry will follow a failure of this attempt. */
  finalAttempt: boolean;
}

export type JobProcessor = (job: GateJob, ctx: JobContext) => Promise<void>;

/**
 * A queue of GateJobs: in-process for a single instance, BullMQ on Redis for
 * replicas. Both keep the same semantics: bounded concurrency, one running
 * job per key, coalescing of waiting jobs, retries with backoff for
 * retryable failures.
 */
export interface JobQueue {
  enqueue(job: GateJob): Promise<EnqueueResult>;
  /** Start processing with `concurrency` jobs at once. */
  start(processor: JobProcessor, opts?: { concurrency?: number }): Promise<void>;
  /** Jobs waiting (not running). */
  depth(): Promise<number>;
  /** Whether the backing store is reachable. */
  ready(): Promise<boolean>;
  /** Stop taking jobs; finish (or release for retry) the running ones. */
  close(): Promise<void>;
}

/** A failure worth retrying later (GitHub 5xx, rate limit, timeouts). */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
