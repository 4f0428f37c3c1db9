/**
 * Webhook handlers: validate the payload, build a GateJob, enqueue it,
 * return. No GitHub API call and no parsing happens here, so a webhook is
 * answered at once; the worker (worker.ts) does the work.
 *
 * Events and the jobs they make:
 * - pull_request opened / synchronize / reopened -> `pull_request` (the
 *   worker starts the checks: "waiting for reports");
 * - workflow_run completed -> `workflow_run` (the worker evaluates the run's
 *   report artifact). The pull request is taken from `pull_requests` only
 *   when GitHub lists one of this repository whose head is the run's SHA;
 *   for forks the list is empty and the worker looks the pull request up by
 *   head SHA and head repository;
 * - check_run rerequested (only our own check runs: names starting with
 *   "SDLC /") and check_suite rerequested -> `rerequested`;
 * - push to a branch -> `push` (the worker checks `tagging.branches` once it
 *   has read the config: a handler cannot read it without an API call).
 *   Deleted branches and tag pushes make no job.
 *
 * Anything else (other events and actions, payloads without an installation
 * or with an unexpected shape) is ignored and answered 2xx. Identical
 * deliveries are de-duplicated before the handlers (the queue's wrapper).
 */
import type { Probot } from 'probot';
import { z } from 'zod';
import { jobKey, type GateJob, type JobQueue } from './jobs.js';

export const CHECK_NAME_PREFIX = 'SDLC /';

const sha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a commit SHA');
const login = z.string().min(1).max(100);
const installation = z.object({ id: z.number().int().positive() });
const repository = z.object({
  id: z.number().int().optional(),
  name: z.string().min(1).max(100),
  full_name: z.string().min(3).max(201).optional(),
  owner: z.object({ login: login.optional(), name: login.nullish() }),
  default_branch: z.string().min(1).optional(),
});
/** A pull request as listed in workflow_run / check_run / check_suite payloads. */
const listedPull = z.object({
  number: z.number().int().positive(),
  head: z.object({ sha: z.string().optional(), repo: z.object({ id: z.number().int() }).nullish() }),
  base: z.object({ repo: z.object({ id: z.number().int() }).nullish() }),
});

const pullRequestEvent = z.object({
  action: z.enum(['opened', 'synchronize', 'reopened']),
  installation,
  repository,
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha, repo: z.object({ full_name: z.string().min(3) }).nullable() }),
  }),
});

const workflowRunEvent = z.object({
  action: z.literal('completed'),
  installation,
  repository,
  workflow_run: z.object({
    id: z.number().int().positive(),
    name: z.string().nullish(),
    head_sha: sha,
    head_branch: z.string().nullish(),
    event: z.string(),
    pull_requests: z.array(listedPull).default([]),
    head_repository: z.object({ full_name: z.string().min(3) }).nullish(),
  }),
  workflow: z.object({ name: z.string() }).nullish(),
});

const checkRunEvent = z.object({
  action: z.literal('rerequested'),
  installation,
  repository,
  check_run: z.object({
    name: z.string(),
    head_sha: sha,
    pull_requests: z.array(listedPull).default([]),
  }),
});

const checkSuiteEvent = z.object({
  action: z.literal('rerequested'),
  installation,
  repository,
  check_suite: z.object({
    head_sha: sha,
    head_branch: z.string().nullish(),
    pull_requests: z.array(listedPull).default([]),
  }),
});

const pushEvent = z.object({
  installation,
  repository,
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().default(false),
});

export interface WebhookEvent {
  /** X-GitHub-Delivery. */
  id: string;
  /** X-GitHub-Event. */
  name: string;
  payload: unknown;
}

export type JobDecision = { job: GateJob } | { ignored: string };

type Repo = z.infer<typeof repository>;

function ownerOf(r: Repo): string | undefined {
  return r.owner.login ?? r.owner.name ?? undefined;
}

/** The first listed pull request of this repository whose head is `headSha`. */
function pullFromList(list: z.infer<typeof listedPull>[], repo: Repo, headSha: string): number | undefined {
  for (const p of list) {
    if (repo.id !== undefined && p.base.repo?.id !== undefined && p.base.repo.id !== repo.id) continue;
    if (p.head.sha !== undefined && p.head.sha !== headSha) continue;
    return p.number;
  }
  return undefined;
}

function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
    .join('; ');
}

/**
 * The job an event asks for, or why it is ignored. Pure: the handlers and
 * the tests call it with the delivery as GitHub sent it.
 */
export function jobFromEvent(event: WebhookEvent, receivedAt: number): JobDecision {
  const action = (event.payload as { action?: unknown } | null)?.action;
  const what = typeof action === 'string' ? `${event.name}.${action}` : event.name;
  const parse = <T>(schema: z.ZodType<T>): T | string => {
    const r = schema.safeParse(event.payload);
    if (r.success) return r.data;
    const hasInstallation = typeof (event.payload as { installation?: { id?: unknown } } | null)?.installation?.id === 'number';
    return hasInstallation ? `${what}: unexpected payload (${describeIssues(r.error)})` : `${what}: no installation in the payload`;
  };
  const base = (inst: { id: number }, repo: Repo, headSha: string): Omit<GateJob, 'reason'> | string => {
    const owner = ownerOf(repo);
    if (!owner) return `${what}: the repository has no owner login`;
    return {
      key: jobKey(inst.id, owner, repo.name, headSha),
      deliveryId: event.id,
      installationId: inst.id,
      owner,
      repo: repo.name,
      headSha,
      receivedAt,
    };
  };
  const done = (partial: Omit<GateJob, 'reason'> | string, rest: Pick<GateJob, 'reason'> & Partial<GateJob>): JobDecision =>
    typeof partial === 'string' ? { ignored: partial } : { job: { ...partial, ...stripUndefined(rest) } };

  switch (event.name) {
    case 'pull_request': {
      if (action !== 'opened' && action !== 'synchronize' && action !== 'reopened') return { ignored: `${what}: not an action that changes the head` };
      const p = parse(pullRequestEvent);
      if (typeof p === 'string') return { ignored: p };
      const pr = p.pull_request;
      return done(base(p.installation, p.repository, pr.head.sha), {
        reason: 'pull_request',
        pullNumber: pr.number,
        ...(pr.head.repo ? { headRepoFullName: pr.head.repo.full_name } : {}),
      });
    }
    case 'workflow_run': {
      if (action !== 'completed') return { ignored: `${what}: the run has not completed` };
      const p = parse(workflowRunEvent);
      if (typeof p === 'string') return { ignored: p };
      const run = p.workflow_run;
      const pullNumber = pullFromList(run.pull_requests, p.repository, run.head_sha);
      return done(base(p.installation, p.repository, run.head_sha), {
        reason: 'workflow_run',
        workflowRunId: run.id,
        workflowName: run.name ?? p.workflow?.name ?? `run ${run.id}`,
        ...(pullNumber !== undefined ? { pullNumber } : {}),
        ...(run.head_repository ? { headRepoFullName: run.head_repository.full_name } : {}),
        // Only a push run is about the branch itself (tags); a pull request run's head_branch may be a fork's.
        ...(run.event === 'push' && run.head_branch ? { branch: run.head_branch } : {}),
      });
    }
    case 'check_run': {
      if (action !== 'rerequested') return { ignored: `${what}: only re-requests are handled` };
      const p = parse(checkRunEvent);
      if (typeof p === 'string') return { ignored: p };
      if (!p.check_run.name.startsWith(CHECK_NAME_PREFIX)) return { ignored: `${what}: "${p.check_run.name.slice(0, 100)}" is not one of our check runs` };
      const pullNumber = pullFromList(p.check_run.pull_requests, p.repository, p.check_run.head_sha);
      return done(base(p.installation, p.repository, p.check_run.head_sha), {
        reason: 'rerequested',
        ...(pullNumber !== undefined ? { pullNumber } : {}),
      });
    }
    case 'check_suite': {
      if (action !== 'rerequested') return { ignored: `${what}: only re-requests are handled` };
      const p = parse(checkSuiteEvent);
      if (typeof p === 'string') return { ignored: p };
      const pullNumber = pullFromList(p.check_suite.pull_requests, p.repository, p.check_suite.head_sha);
      return done(base(p.installation, p.repository, p.check_suite.head_sha), {
        reason: 'rerequested',
        ...(pullNumber !== undefined ? { pullNumber } : {}),
      });
    }
    case 'push': {
      const p = parse(pushEvent);
      if (typeof p === 'string') return { ignored: p };
      if (!p.ref.startsWith('refs/heads/')) return { ignored: `push: ${p.ref.slice(0, 200)} is not a branch` };
      if (p.deleted || /^0+$/.test(p.after)) return { ignored: `push: ${p.ref.slice(0, 200)} was deleted` };
      const after = sha.safeParse(p.after);
      if (!after.success) return { ignored: 'push: unexpected payload (after: a commit SHA)' };
      return done(base(p.installation, p.repository, after.data), { reason: 'push', branch: p.ref.slice('refs/heads/'.length) });
    }
    default:
      return { ignored: `${what}: not an event the app handles` };
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The events the handlers subscribe to (and app.yml must list). */
export const HANDLED_EVENTS = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
  'workflow_run.completed',
  'check_run.rerequested',
  'check_suite.rerequested',
  'push',
] as const;

export interface HandlerOptions {
  /** Clock for `receivedAt` (tests). */
  now?: () => number;
}

/** Subscribe the handlers: each builds a job (or ignores the event) and enqueues it. */
export function registerHandlers(app: Probot, queue: JobQueue, opts: HandlerOptions = {}): void {
  const now = opts.now ?? Date.now;
  app.on([...HANDLED_EVENTS], async (context) => {
    const decision = jobFromEvent({ id: context.id, name: context.name, payload: context.payload }, now());
    if ('ignored' in decision) {
      context.log.debug({ deliveryId: context.id, event: context.name }, decision.ignored);
      return;
    }
    const job = decision.job;
    const fields = { deliveryId: job.deliveryId, repository: `${job.owner}/${job.repo}`, sha: job.headSha, jobId: job.key, reason: job.reason };
    try {
      const result = await queue.enqueue(job);
      context.log.info({ ...fields, enqueue: result }, `job ${result}`);
    } catch (err) {
      // Answered 5xx: GitHub marks the delivery failed and it can be redelivered.
      context.log.error({ ...fields, err }, 'could not enqueue the job');
      throw err;
    }
  });
}
