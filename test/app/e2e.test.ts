/**
 * End to end over real HTTP: the App's real server (serve.ts, role `all`:
 * the web server, the in-memory queue and the worker in one process, with
 * Probot authenticating as the App through the fake GitHub's JWT and
 * installation-token endpoints) receives signed webhooks as GitHub sends
 * them (real payloads from @octokit/webhooks-examples, adjusted in
 * repository, SHA, pull request and installation fields), and the results
 * land in the fake GitHub: checks started on `pull_request`, completed with
 * annotations and one comment on `workflow_run`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serve, type Running } from '../../src/app/serve.js';
import { examplePayload, sendWebhook } from '../helpers/github/index.js';
import { FEATURE_SHA, INSTALLATION, MAIN_SHA, OWNER, REPO, prFiles, reportsZip, startAppGitHub, widgetsFile, type AppGitHub } from './support.js';

const APP_ID = 4242;
const SECRET = 'webhook secret for the e2e test';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let gh: AppGitHub;
let app: Running;
let repoId: number;

beforeAll(async () => {
  gh = await startAppGitHub();
  repoId = gh.fake.state.repo(`${OWNER}/${REPO}`).id;
  app = await serve({
    role: 'all',
    handleSignals: false,
    env: {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GITHUB_API_URL: gh.url,
      HOST: '127.0.0.1',
      PORT: '0',
      GITHUB_THROTTLE: 'off',
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      WORKER_CONCURRENCY: '2',
    },
  });
});

afterAll(async () => {
  await app?.close();
  await gh?.close();
});

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const repository = { id: 0, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER } };

describe('the App server', () => {
  it('pull_request then workflow_run: checks started, then completed with annotations and one comment', async () => {
    const s = gh.fake.state;
    const config = widgetsFile('source-main/.sdlc.yml');
    s.addFile('main', '.sdlc.yml', config);
    s.addFile(FEATURE_SHA, '.sdlc.yml', config);
    s.addPull({ number: 7, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', files: prFiles() });
    s.addRun({ id: 9001, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI', status: 'in_progress', conclusion: null });
    const hook = `${app.url}/api/github/webhooks`;

    const opened = examplePayload('pull_request', 'opened', {
      repository: { ...repository, id: repoId },
      installation: { id: INSTALLATION },
      number: 7,
      pull_request: { number: 7, head: { sha: FEATURE_SHA, ref: 'feature', repo: { full_name: `${OWNER}/${REPO}` } }, base: { sha: MAIN_SHA, ref: 'main' } },
    }, 1);
    const first = await sendWebhook(hook, { event: 'pull_request', payload: opened, secret: SECRET });
    expect(first.status).toBe(202);
    await until('the checks to start', () => s.checkRuns(FEATURE_SHA).length === 6);
    expect(s.checkRuns(FEATURE_SHA).map((r) => [r.status, r.output.title])).toEqual(Array.from({ length: 6 }, () => ['in_progress', 'Waiting for reports from workflow CI']));

    // CI finishes and uploads its reports.
    const run = s.runList.find((r) => r.id === 9001)!;
    run.status = 'completed';
    run.conclusion = 'success';
    s.addArtifact(9001, 'sdlc-reports', await reportsZip('feature'));
    const completed = examplePayload('workflow_run', 'completed', {
      repository: { ...repository, id: repoId },
      installation: { id: INSTALLATION },
      workflow_run: {
        id: 9001,
        name: 'CI',
        head_sha: FEATURE_SHA,
        head_branch: 'feature',
        event: 'pull_request',
        status: 'completed',
        conclusion: 'success',
        head_repository: { full_name: `${OWNER}/${REPO}` },
        pull_requests: [{ number: 7, head: { sha: FEATURE_SHA, ref: 'feature', repo: { id: repoId } }, base: { ref: 'main', repo: { id: repoId } } }],
      },
    });
    const second = await sendWebhook(hook, { event: 'workflow_run', payload: completed, secret: SECRET });
    expect(second.status).toBe(202);
    await until('the verdict', () => s.checkRuns(FEATURE_SHA).every((r) => r.status === 'completed') && s.comments(7).length === 1);

    const runs = Object.fromEntries(s.checkRuns(FEATURE_SHA).map((r) => [r.name, r]));
    expect(Object.keys(runs).sort()).toEqual(['SDLC / coverage', 'SDLC / lint', 'SDLC / patch_coverage', 'SDLC / security', 'SDLC / tests', 'SDLC / verdict']);
    expect(Object.fromEntries(Object.entries(runs).map(([n, r]) => [n, r.conclusion]))).toEqual({
      'SDLC / coverage': 'success',
      'SDLC / patch_coverage': 'failure',
      'SDLC / lint': 'failure',
      'SDLC / security': 'success',
      'SDLC / tests': 'success',
      'SDLC / verdict': 'failure',
    });
    expect(runs['SDLC / lint']!.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([['src/pricing.js', 24, 'failure']]);
    expect(runs['SDLC / patch_coverage']!.annotations.map((a) => [a.path, a.start_line, a.end_line])).toEqual([
      ['src/discount.js', 12, 13],
      ['src/pricing.js', 22, 22],
    ]);
    // The same check runs were started and completed: 6 creates in all.
    expect(gh.fake.callsTo('checks/create')).toHaveLength(6);
    expect(s.comments(7)).toHaveLength(1);
    // Probot exchanged its JWT for an installation token of the repository's installation.
    expect(new Set(gh.fake.callsTo('apps/create-installation-access-token').map((c) => c.params.installation_id))).toEqual(new Set([String(INSTALLATION)]));
    expect(gh.fake.violations).toEqual([]);

    // A redelivery of the same webhook does no extra work.
    const again = await sendWebhook(hook, { event: 'workflow_run', payload: completed, secret: SECRET, deliveryId: second.deliveryId });
    expect(again.status).toBe(200);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/sdlc_webhooks_total\{[^}]*outcome="duplicate"[^}]*\} 1/);
  }, 90_000);

  it('a webhook with a wrong signature is refused and makes no job', async () => {
    const before = gh.fake.calls.length;
    const payload = examplePayload('check_suite', 'rerequested', { repository: { ...repository, id: repoId }, installation: { id: INSTALLATION }, check_suite: { head_sha: FEATURE_SHA } });
    const res = await sendWebhook(`${app.url}/api/github/webhooks`, { event: 'check_suite', payload, secret: 'not the secret' });
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(gh.fake.calls.length).toBe(before);
  });
});
