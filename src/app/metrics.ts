/**
 * The App's Prometheus metrics (prom-client), served at /metrics by every
 * process (web and worker).
 *
 *   sdlc_queue_depth                    jobs waiting or delayed (the HPA signal)
 *   sdlc_jobs_running                   jobs running in this process
 *   sdlc_jobs_enqueued_total{result}    queued | coalesced | duplicate
 *   sdlc_jobs_total{outcome}            completed | retried | failed | released | deferred
 *   sdlc_job_duration_seconds{outcome}  one run of a job
 *   sdlc_webhook_to_check_seconds       first webhook of a job -> its checks published (completed runs)
 *   sdlc_webhooks_total{event,outcome}  accepted | duplicate | bad_signature | bad_request | too_large | unsupported_media | error
 *   sdlc_webhook_ack_seconds            webhook received -> answered
 *   sdlc_github_api_calls_total{status} requests to GitHub by answer class (2xx, 3xx, 4xx, 5xx, network)
 *   sdlc_github_rate_limit_waits_total{kind}  primary | secondary
 * plus prom-client's default process metrics (sdlc_process_*, sdlc_nodejs_*).
 *
 * `appMetrics` is the process's instance; GitHub client code can count
 * through `countGitHubCall` / `countRateLimitWait` without holding it.
 * Tests make their own with `new AppMetrics()`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GateJob } from './jobs.js';
import type { JobOutcome, QueueObserver } from './queue/common.js';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'bad_signature' | 'bad_request' | 'too_large' | 'unsupported_media' | 'error';

export interface QueueGauges {
  depth(): Promise<number>;
  runningCount?(): number;
}

export class AppMetrics {
  readonly registry = new Registry();
  private queueSource: QueueGauges | undefined;

  readonly queueDepth: Gauge;
  readonly jobsRunning: Gauge;
  readonly enqueued: Counter<'result'>;
  readonly jobs: Counter<'outcome'>;
  readonly jobDuration: Histogram<'outcome'>;
  readonly webhookToCheck: Histogram;
  readonly webhooks: Counter<'event' | 'outcome'>;
  readonly webhookAck: Histogram;
  readonly githubCalls: Counter<'status'>;
  readonly rateLimitWaits: Counter<'kind'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const source = (): QueueGauges | undefined => this.queueSource;
    this.queueDepth = new Gauge({
      name: 'sdlc_queue_depth',
      help: 'Jobs waiting or delayed in the queue (shared by all replicas with Redis).',
      registers,
      async collect() {
        const q = source();
        if (!q) return;
        try {
          this.set(await q.depth());
        } catch {
          // Unreachable Redis: /readyz says so; keep the last value.
        }
      },
    });
    this.jobsRunning = new Gauge({
      name: 'sdlc_jobs_running',
      help: 'Jobs running in this process.',
      registers,
      collect() {
        const n = source()?.runningCount?.();
        if (n !== undefined) this.set(n);
      },
    });
    this.enqueued = new Counter({ name: 'sdlc_jobs_enqueued_total', help: 'Jobs handed to the queue, by result.', labelNames: ['result'], registers });
    this.jobs = new Counter({ name: 'sdlc_jobs_total', help: 'Job runs, by outcome.', labelNames: ['outcome'], registers });
    this.jobDuration = new Histogram({
      name: 'sdlc_job_duration_seconds',
      help: 'Duration of one run of a job.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.webhookToCheck = new Histogram({
      name: 'sdlc_webhook_to_check_seconds',
      help: 'From the first webhook of a job to the end of its successful run.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    this.webhooks = new Counter({ name: 'sdlc_webhooks_total', help: 'Webhook deliveries, by event and outcome.', labelNames: ['event', 'outcome'], registers });
    this.webhookAck = new Histogram({
      name: 'sdlc_webhook_ack_seconds',
      help: 'From a webhook request to its answer.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.githubCalls = new Counter({ name: 'sdlc_github_api_calls_total', help: 'Requests to the GitHub API, by answer class.', labelNames: ['status'], registers });
    this.rateLimitWaits = new Counter({ name: 'sdlc_github_rate_limit_waits_total', help: 'GitHub rate-limit waits, by kind.', labelNames: ['kind'], registers });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'sdlc_' });
  }

  /** Where sdlc_queue_depth and sdlc_jobs_running come from. */
  watchQueue(source: QueueGauges): void {
    this.queueSource = source;
  }

  /** Hooks for a queue's `observer` option. */
  queueObserver(now: () => number = Date.now): QueueObserver {
    return {
      enqueued: (_job: GateJob, result) => this.enqueued.inc({ result }),
      finished: (job: GateJob, outcome: JobOutcome, durationMs: number) => {
        this.jobs.inc({ outcome });
        if (outcome === 'deferred') return;
        this.jobDuration.observe({ outcome }, durationMs / 1000);
        if (outcome === 'completed') this.webhookToCheck.observe(Math.max(0, now() - job.receivedAt) / 1000);
      },
    };
  }

  webhook(event: string, outcome: WebhookOutcome, seconds: number): void {
    this.webhooks.inc({ event: /^[a-z_]{1,50}$/.test(event) ? event : 'other', outcome });
    this.webhookAck.observe(seconds);
  }

  githubCall(status: number | undefined): void {
    this.githubCalls.inc({ status: status === undefined || status < 100 ? 'network' : `${Math.floor(status / 100)}xx` });
  }

  rateLimitWait(kind: 'primary' | 'secondary'): void {
    this.rateLimitWaits.inc({ kind });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** This process's metrics. */
export const appMetrics = new AppMetrics();

/** Count a request to GitHub (answer status, or undefined for a network error). */
export function countGitHubCall(status: number | undefined): void {
  appMetrics.githubCall(status);
}

export function countRateLimitWait(kind: 'primary' | 'secondary'): void {
  appMetrics.rateLimitWait(kind);
}
