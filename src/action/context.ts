/**
 * The workflow run the Action is in, from the runner's environment
 * (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SHA,
 * GITHUB_REF, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID,
 * GITHUB_RUN_ATTEMPT, GITHUB_WORKSPACE) and the event payload. Only the
 * fields used are read, each checked for its type; everything in the payload
 * (titles, branch names) is untrusted text and is only ever passed as data.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../core/errors.js';

/** The event payload is the runner's file; anything much bigger is not one. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

const sha = z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/, 'expected a commit SHA');
const repoRef = z.object({ full_name: z.string().min(3).max(300), owner: z.object({ login: z.string().min(1).max(100) }).optional() });

const pullRequestEvent = z.object({
  number: z.number().int().positive(),
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha, ref: z.string().max(1024), repo: repoRef.nullable().optional() }),
    base: z.object({ sha, ref: z.string().max(1024), repo: repoRef.optional() }),
  }),
});

const pushEvent = z.object({
  ref: z.string().max(1024),
  before: z.string().max(64).optional(),
  after: z.string().max(64).optional(),
});

const workflowRunEvent = z.object({
  workflow_run: z.object({
    id: z.number().int(),
    head_sha: sha,
    head_branch: z.string().max(1024).nullable().optional(),
    event: z.string().max(100),
    name: z.string().max(1024).nullable().optional(),
    head_repository: repoRef.nullable().optional(),
  }),
});

const repositoryField = z.object({ repository: z.object({ default_branch: z.string().min(1).max(1024).optional() }).optional() });

export interface PullInfo {
  number: number;
  headSha: string;
  headRef: string;
  /** `owner/name`; undefined when the head repository was deleted. */
  headRepo: string | undefined;
  baseSha: string;
  baseRef: string;
  baseRepo: string | undefined;
}

export interface WorkflowRunInfo {
  id: number;
  headSha: string;
  headBranch: string | undefined;
  /** The event that triggered the run (pull_request, push...). */
  event: string;
  name: string | undefined;
  /** `owner/name` of the repository the head commit is in. */
  headRepo: string | undefined;
  headOwner: string | undefined;
}

export interface ActionContext {
  eventName: string;
  owner: string;
  repo: string;
  /** GITHUB_SHA: for pull_request, the merge commit that was checked out. */
  sha: string;
  ref: string;
  apiUrl: string;
  serverUrl: string;
  runId: string;
  runUrl: string | undefined;
  workspace: string;
  defaultBranch: string | undefined;
  pull?: PullInfo;
  push?: { branch: string | undefined; before: string | undefined };
  workflowRun?: WorkflowRunInfo;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new InputError(`${name} is not set: the Action runs inside a GitHub Actions workflow`);
  return v;
}

function readEvent(path: string | undefined): unknown {
  if (!path) return {};
  let text: string;
  try {
    if (statSync(path).size > MAX_EVENT_BYTES) throw new InputError(`GITHUB_EVENT_PATH: larger than ${MAX_EVENT_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read the event payload GITHUB_EVENT_PATH (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`the event payload GITHUB_EVENT_PATH is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

function parseEvent<T>(schema: z.ZodType<T>, payload: unknown, eventName: string): T {
  const r = schema.safeParse(payload);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputError(`the ${eventName} event payload: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

const ZERO_SHA = /^0+$/;

export function readContext(env: NodeJS.ProcessEnv): ActionContext {
  const eventName = required(env, 'GITHUB_EVENT_NAME');
  const full = required(env, 'GITHUB_REPOSITORY');
  const slash = full.indexOf('/');
  if (slash <= 0 || slash === full.length - 1 || full.indexOf('/', slash + 1) >= 0) throw new InputError(`GITHUB_REPOSITORY: expected owner/name, got ${JSON.stringify(full.slice(0, 100))}`);
  const sha = required(env, 'GITHUB_SHA');
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID ?? '';
  const attempt = env.GITHUB_RUN_ATTEMPT;
  const runUrl = /^\d+$/.test(runId) ? `${serverUrl}/${full}/actions/runs/${runId}${attempt && /^\d+$/.test(attempt) && attempt !== '1' ? `/attempts/${attempt}` : ''}` : undefined;
  const payload = readEvent(env.GITHUB_EVENT_PATH);
  const ctx: ActionContext = {
    eventName,
    owner: full.slice(0, slash),
    repo: full.slice(slash + 1),
    sha,
    ref: env.GITHUB_REF ?? '',
    apiUrl,
    serverUrl,
    runId,
    runUrl,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    defaultBranch: repositoryField.safeParse(payload).data?.repository?.default_branch,
  };

  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const e = parseEvent(pullRequestEvent, payload, eventName);
    const pr = e.pull_request;
    ctx.pull = {
      number: pr.number,
      headSha: pr.head.sha,
      headRef: pr.head.ref,
      headRepo: pr.head.repo?.full_name,
      baseSha: pr.base.sha,
      baseRef: pr.base.ref,
      baseRepo: pr.base.repo?.full_name,
    };
  } else if (eventName === 'push') {
    const e = parseEvent(pushEvent, payload, eventName);
    const before = e.before && !ZERO_SHA.test(e.before) ? e.before : undefined;
    ctx.push = { branch: e.ref.startsWith('refs/heads/') ? e.ref.slice('refs/heads/'.length) : undefined, before };
  } else if (eventName === 'workflow_run') {
    const w = parseEvent(workflowRunEvent, payload, eventName).workflow_run;
    ctx.workflowRun = {
      id: w.id,
      headSha: w.head_sha,
      headBranch: w.head_branch ?? undefined,
      event: w.event,
      name: w.name ?? undefined,
      headRepo: w.head_repository?.full_name,
      headOwner: w.head_repository?.owner?.login,
    };
  }
  return ctx;
}

/** The commit the verdict is about: a pull request's head (not the merge commit checked out), else GITHUB_SHA. */
export function headShaOf(ctx: ActionContext): string {
  return ctx.pull?.headSha ?? ctx.workflowRun?.headSha ?? ctx.sha;
}

/** The branch a push (or a run on a branch) is on; undefined for pull requests and tags. */
export function branchOf(ctx: ActionContext): string | undefined {
  if (ctx.pull) return undefined;
  if (ctx.push) return ctx.push.branch;
  return ctx.ref.startsWith('refs/heads/') ? ctx.ref.slice('refs/heads/'.length) : undefined;
}
