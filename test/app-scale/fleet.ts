/**
 * A fleet for the end-to-end scaling test and the benchmark (bench/app.mjs
 * bundles this file): the fake GitHub with N repositories, each in its own
 * installation with one pull request whose CI run uploaded the `widgets`
 * sample's real reports (test/fixtures/app/widgets); the webhooks GitHub
 * would send for them, signed; the App's processes as child processes
 * (bundles of src/app/serve.ts, the same entry as `npm start`); and checks
 * of the outcome on the fake.
 *
 * Every pull request gets 10 deliveries: pull_request opened and
 * synchronize, workflow_run completed twice (a re-run of the workflow),
 * check_suite and check_run (SDLC / verdict) re-requested, and 3
 * redeliveries (the same X-GitHub-Delivery again) of the first three.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { FakeGitHub } from '../helpers/github/index.js';
import { examplePayload, sendWebhook } from '../helpers/github/index.js';
import { MAIN_SHA, prFiles, reportsZip, startAppGitHub, widgetsFile, type AppGitHub } from '../app/support.js';
import { bundle, freePort, startChild, waitFor, type Child } from './support.js';

export const APP_ID = 4242;
export const SECRET = 'fleet-webhook-secret';
export const GATE_CHECKS = ['SDLC / coverage', 'SDLC / patch_coverage', 'SDLC / lint', 'SDLC / security', 'SDLC / tests', 'SDLC / verdict'];

export interface FleetPr {
  owner: string;
  repo: string;
  fullName: string;
  repoId: number;
  installationId: number;
  number: number;
  sha: string;
  runId: number;
}

export interface Delivery {
  event: string;
  deliveryId: string;
  payload: unknown;
  /** The same delivery id was sent before. */
  redelivery: boolean;
  pr: FleetPr;
}

export interface Fleet {
  gh: AppGitHub;
  fake: FakeGitHub;
  prs: FleetPr[];
}

function shaOf(i: number, salt: string): string {
  return (salt + i.toString(16).padStart(8, '0')).padEnd(40, 'f').slice(0, 40);
}

/** The fake GitHub with `n` repositories (installations) and their pull requests, CI runs and artifacts. */
export async function startFleet(n: number): Promise<Fleet> {
  const gh = await startAppGitHub();
  const s = gh.fake.state;
  s.setRateLimit({ limit: 1_000_000, remaining: 1_000_000 });
  const config = widgetsFile('source-main/.sdlc.yml');
  const files = prFiles();
  const zip = await reportsZip('feature');
  const salt = randomBytes(8).toString('hex');
  const prs: FleetPr[] = [];
  for (let i = 0; i < n; i++) {
    const repo = `svc-${String(i).padStart(3, '0')}`;
    const fullName = `acme/${repo}`;
    const installationId = 81_000 + i;
    const record = s.addRepo({ owner: 'acme', repo, defaultBranch: 'main', headSha: MAIN_SHA, installationId });
    const sha = shaOf(i, salt);
    s.addFile('main', '.sdlc.yml', config, fullName);
    s.addFile(sha, '.sdlc.yml', config, fullName);
    s.addPull({ repo: fullName, number: 1, headSha: sha, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', files });
    const runId = 500_000 + i;
    s.addRun({ repo: fullName, id: runId, headSha: sha, headBranch: 'feature', event: 'pull_request', pullRequests: [1], name: 'CI' });
    s.addArtifact(runId, 'sdlc-reports', zip, { repo: fullName });
    prs.push({ owner: 'acme', repo, fullName, repoId: record.id, installationId, number: 1, sha, runId });
  }
  return { gh, fake: gh.fake, prs };
}

/** The 10 deliveries of one pull request (see the file comment). */
export function deliveriesFor(pr: FleetPr, tag: string): Delivery[] {
  const repository = { id: pr.repoId, name: pr.repo, full_name: pr.fullName, owner: { login: pr.owner } };
  const installation = { id: pr.installationId };
  const listed = [{ number: pr.number, head: { sha: pr.sha, ref: 'feature', repo: { id: pr.repoId } }, base: { ref: 'main', sha: MAIN_SHA, repo: { id: pr.repoId } } }];
  const pull = (action: string) =>
    examplePayload('pull_request', action, { repository, installation, pull_request: { number: pr.number, head: { sha: pr.sha, ref: 'feature', repo: { full_name: pr.fullName } } } });
  const run = () =>
    examplePayload('workflow_run', 'completed', {
      repository,
      installation,
      workflow_run: { id: pr.runId, name: 'CI', head_sha: pr.sha, head_branch: 'feature', event: 'pull_request', pull_requests: listed, head_repository: { full_name: pr.fullName } },
    });
  const id = (k: string) => `${tag}-${pr.repo}-${k}`;
  const fresh: Delivery[] = [
    { event: 'pull_request', deliveryId: id('opened'), payload: pull('opened'), redelivery: false, pr },
    { event: 'workflow_run', deliveryId: id('run-1'), payload: run(), redelivery: false, pr },
    { event: 'check_suite', deliveryId: id('suite'), payload: examplePayload('check_suite', 'rerequested', { repository, installation, check_suite: { head_sha: pr.sha, head_branch: 'feature', pull_requests: listed } }), redelivery: false, pr },
    { event: 'pull_request', deliveryId: id('sync'), payload: pull('synchronize'), redelivery: false, pr },
    { event: 'workflow_run', deliveryId: id('run-2'), payload: run(), redelivery: false, pr },
    { event: 'check_run', deliveryId: id('check'), payload: examplePayload('check_run', 'rerequested', { repository, installation, check_run: { name: 'SDLC / verdict', head_sha: pr.sha, pull_requests: listed } }), redelivery: false, pr },
    { event: 'pull_request', deliveryId: id('reopened'), payload: pull('reopened'), redelivery: false, pr },
  ];
  const again = fresh.slice(0, 3).map((d) => ({ ...d, redelivery: true }));
  return [...fresh, ...again];
}

/**
 * Every delivery of the fleet in one order: the pull requests' deliveries
 * interleaved (round robin), each redelivery after its original.
 */
export function plan(prs: FleetPr[], tag: string): Delivery[] {
  const per = prs.map((pr) => deliveriesFor(pr, tag));
  const out: Delivery[] = [];
  for (let k = 0; k < 10; k++) for (const list of per) out.push(list[k]!);
  return out;
}

export interface SendResult {
  delivery: Delivery;
  status: number;
  /** When the request started (performance.now()). */
  at: number;
  ms: number;
}

/** Send deliveries with `parallel` in flight; every answer and its latency. */
export async function sendAll(url: string, deliveries: Delivery[], parallel: number, onSent?: (done: number) => void | Promise<void>): Promise<SendResult[]> {
  const results: SendResult[] = new Array(deliveries.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const i = next++;
      const d = deliveries[i]!;
      const t0 = performance.now();
      const res = await sendWebhook(url, { event: d.event, payload: d.payload, secret: SECRET, deliveryId: d.deliveryId });
      results[i] = { delivery: d, status: res.status, at: t0, ms: performance.now() - t0 };
      done++;
      await onSent?.(done);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return results;
}

export interface PrOutcome {
  pr: FleetPr;
  checks: { name: string; status: string; conclusion: string | null }[];
  comments: number;
}

export function outcomeOf(fake: FakeGitHub, pr: FleetPr): PrOutcome {
  const runs = fake.state.checkRuns(pr.sha, pr.fullName);
  return {
    pr,
    checks: runs.map((r) => ({ name: r.name, status: r.status, conclusion: r.conclusion })).sort((a, b) => a.name.localeCompare(b.name)),
    comments: fake.state.comments(pr.number, pr.fullName).length,
  };
}

/** Whether a pull request has its checks completed and its comment. */
export function finished(o: PrOutcome): boolean {
  return o.checks.length >= GATE_CHECKS.length && o.checks.every((c) => c.status === 'completed') && o.comments >= 1;
}

export interface AppProcess {
  role: 'web' | 'worker' | 'all';
  child: Child;
  url: string;
}

export interface ProcessEnv {
  githubUrl: string;
  redisUrl?: string;
  prefix?: string;
  concurrency?: number;
  throttle?: boolean;
  extra?: NodeJS.ProcessEnv;
}

let key: string | undefined;
function privateKey(): string {
  key ??= generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  return key;
}

/** Start one App process (a bundle of src/app/serve.ts) and wait until /readyz answers 200. */
export async function startApp(role: AppProcess['role'], env: ProcessEnv): Promise<AppProcess> {
  const file = await bundle('src/app/serve.ts');
  const port = await freePort();
  const child = startChild(file, ['--role', role], {
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey(),
    WEBHOOK_SECRET: SECRET,
    GITHUB_API_URL: env.githubUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    WORKER_CONCURRENCY: String(env.concurrency ?? 8),
    JOB_LOCK_MS: '2000',
    STALLED_INTERVAL_MS: '500',
    JOB_RETRY_BASE_MS: '500',
    SHUTDOWN_GRACE_MS: '5000',
    GITHUB_THROTTLE: env.throttle === false ? 'off' : 'on',
    ...(env.redisUrl ? { REDIS_URL: env.redisUrl } : {}),
    ...(env.prefix ? { QUEUE_PREFIX: env.prefix } : {}),
    ...env.extra,
  });
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(
      `${role} process to be ready`,
      async () => {
        try {
          return (await fetch(`${url}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
    ),
    child.exited.then(({ code }) => {
      throw new Error(`${role} process exited (${code}) before it was ready:\n${child.lines.slice(-20).join('\n')}`);
    }),
  ]);
  return { role, child, url };
}

/** SIGTERM and wait for the exit. */
export async function stopApp(p: AppProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.proc.exitCode === null && p.child.proc.signalCode === null) p.child.proc.kill('SIGTERM');
  return p.child.exited;
}

/** JSON log lines of a process. */
export function jsonLines(p: AppProcess): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of p.child.lines) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return out;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export { REDIS_URL, cleanPrefix, parseMetrics, redisReachable, uniquePrefix } from './support.js';
