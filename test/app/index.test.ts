/**
 * The Probot wiring of src/app/index.ts: the app function subscribes the
 * handlers, and the processor gets installation clients from Probot (app JWT
 * -> installation token) that reach the fake GitHub.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Probot, ProbotOctokit } from 'probot';
import sdlcApp, { appWithQueue, probotProcessor } from '../../src/app/index.js';
import type { EnqueueResult, GateJob, JobQueue } from '../../src/app/jobs.js';
import { examplePayload } from '../helpers/github/index.js';
import { FEATURE_SHA, INSTALLATION, MAIN_SHA, job, jobContext, prFiles, reportsZip, startAppGitHub, widgetsFile, type AppGitHub } from './support.js';

const APP_ID = 4242;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const silent = (): unknown => {
  const l = { level: 'silent', child: () => l, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
  return l;
};

let gh: AppGitHub;

beforeAll(async () => {
  gh = await startAppGitHub();
});

afterAll(async () => {
  await gh.close();
});

class ListQueue implements JobQueue {
  readonly jobs: GateJob[] = [];
  async enqueue(j: GateJob): Promise<EnqueueResult> {
    this.jobs.push(j);
    return 'queued';
  }
  async start(): Promise<void> {}
  async depth(): Promise<number> {
    return this.jobs.length;
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

describe('sdlcApp', () => {
  it('registers the handlers: a delivery becomes a job in the queue', async () => {
    const queue = new ListQueue();
    const probot = new Probot({ githubToken: 'x', log: silent() as never });
    await probot.load((app) => sdlcApp(app, { queue, now: () => 5 }));
    const payload = examplePayload('pull_request', 'opened', {
      repository: { name: 'widgets', full_name: 'acme/widgets', owner: { login: 'acme' } },
      installation: { id: INSTALLATION },
      pull_request: { number: 7, head: { sha: FEATURE_SHA, repo: { full_name: 'acme/widgets' } } },
    }, 1);
    await probot.receive({ id: 'd-1', name: 'pull_request', payload } as never);
    expect(queue.jobs.map((j) => [j.reason, j.key, j.pullNumber, j.receivedAt])).toEqual([['pull_request', `${INSTALLATION}/acme/widgets@${FEATURE_SHA}`, 7, 5]]);

    const other = new ListQueue();
    const probot2 = new Probot({ githubToken: 'x', log: silent() as never });
    await probot2.load(appWithQueue(other));
    await probot2.receive({ id: 'd-2', name: 'pull_request', payload } as never);
    expect(other.jobs).toHaveLength(1);
  });
});

describe('probotProcessor', () => {
  it('authenticates as the installation through Probot and publishes', async () => {
    const s = gh.fake.state;
    const config = widgetsFile('source-main/.sdlc.yml');
    s.addFile('main', '.sdlc.yml', config);
    s.addFile(FEATURE_SHA, '.sdlc.yml', config);
    s.addPull({ number: 7, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', files: prFiles() });
    s.addRun({ id: 9001, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI' });
    s.addArtifact(9001, 'sdlc-reports', await reportsZip('feature'));

    const probot = new Probot({
      appId: APP_ID,
      privateKey,
      baseUrl: gh.url,
      log: silent() as never,
      // Probot's write throttling (one write a second) only slows the test down.
      Octokit: ProbotOctokit.defaults({ throttle: { enabled: false } }),
    });
    await probotProcessor(probot, { appId: APP_ID })(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());

    expect(gh.fake.callsTo('apps/create-installation-access-token').map((c) => c.params.installation_id)).toEqual([String(INSTALLATION)]);
    const runs = s.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.status === 'completed' && r.app.id === APP_ID)).toBe(true);
    expect(s.comments(7)).toHaveLength(1);
    // Every request after the token exchange used the installation token.
    const issued = s.issuedTokens;
    expect(issued).toHaveLength(1);
    const repoCalls = gh.fake.calls.filter((c) => c.path.startsWith('/repos/'));
    expect(repoCalls.length).toBeGreaterThan(10);
    expect(repoCalls.every((c) => c.headers.authorization === `token ${issued[0]}`)).toBe(true);
    expect(gh.fake.violations).toEqual([]);
  });
});
