/**
 * The two-workflow setup for pull requests from forks: the pull request's
 * run (read-only token) uses `mode: verdict-only` and uploads the verdict
 * JSON; a workflow_run workflow (write token, the base repository's code)
 * downloads it and runs `mode: publish-verdict`, which takes the commit and
 * the pull request from the workflow_run event, never from the file.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseVerdictFile, readVerdictFile, verdictFileJson } from '../../src/action/verdict-file.js';
import { tempDir } from '../helpers/cli.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';
import { OWNER, REPO, pullRequestEvent, runDist, runInProcess, workflowRunEvent } from './harness.js';
import { FAILING_CONFIG, PRICING, makeWorkspace } from './workspace.js';

const FORK = 'contributor/widgets';
let fake: FakeGitHub;

beforeAll(async () => {
  fake = await startFakeGitHub({ repos: [{ owner: OWNER, repo: REPO, defaultBranch: 'main' }] });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

interface Artifact {
  pullRequest: { number: number; headSha: string; headRepository?: string };
  outcome: string;
  gates: { id: string; outcome: string; findings?: unknown[] }[];
}

/** The pull request's run: verdict-only with the fork's read-only token. Returns the verdict file's JSON. */
async function verdictOnlyRun(number: number) {
  const ws = makeWorkspace({ config: FAILING_CONFIG });
  fake.state.addPull({ number, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'patch-1', baseRef: 'main', headRepoFullName: FORK, files: ws.files });
  fake.state.readOnly();
  const run = await runDist({
    workspace: ws.dir,
    eventName: 'pull_request',
    event: pullRequestEvent({ number, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'patch-1', headRepo: FORK }),
    sha: ws.headSha,
    apiUrl: fake.url,
    inputs: { mode: 'verdict-only' },
  });
  return { ws, run, artifact: JSON.parse(readFileSync(join(ws.dir, 'sdlc-verdict/verdict.json'), 'utf8')) as Artifact };
}

/** The publishing workflow's workspace: the downloaded artifact at the verdict-path, nothing else. */
function publishingWorkspace(artifact: unknown, path = 'sdlc-verdict/verdict.json'): string {
  const dir = tempDir('sdlc-publish-');
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), JSON.stringify(artifact));
  return dir;
}

describe('verdict-only then publish-verdict (bundled Action)', () => {
  it('publishes on the pull request the workflow_run event names, even when the artifact names another', async () => {
    const { ws, run, artifact } = await verdictOnlyRun(31);
    expect(run.code).toBe(1);
    expect(run.outputs.outcome).toBe('fail');
    // verdict-only talks to nobody when the checkout has the base commit.
    expect(fake.calls).toEqual([]);
    expect(artifact.pullRequest).toEqual({ number: 31, headSha: ws.headSha, headRepository: FORK });
    expect(artifact.gates.find((g) => g.id === 'lint')!.findings).toHaveLength(3);

    // Another open pull request, and an artifact tampered to point at it.
    const other = 'c'.repeat(40);
    fake.state.addPull({ number: 99, headSha: other, baseSha: ws.baseSha, headRef: 'other', baseRef: 'main' });
    fake.state.setPermissions({ checks: 'write', pull_requests: 'write', issues: 'write', statuses: 'write', contents: 'write' });
    const tampered = { ...artifact, pullRequest: { number: 99, headSha: other, headRepository: `${OWNER}/${REPO}` } };
    const dir = publishingWorkspace(tampered);

    const pub = await runDist({
      workspace: dir,
      eventName: 'workflow_run',
      event: workflowRunEvent({ runId: 777, headSha: ws.headSha, headBranch: 'patch-1', headRepo: FORK }),
      sha: 'd'.repeat(40),
      ref: 'refs/heads/main',
      apiUrl: fake.url,
      inputs: { mode: 'publish-verdict' },
    });
    expect(fake.violations).toEqual([]);
    expect(pub.code).toBe(1);
    expect(fake.state.checkRuns(ws.headSha).map((r) => [r.name, r.conclusion]).sort()).toEqual([
      ['SDLC / coverage', 'failure'],
      ['SDLC / lint', 'failure'],
      ['SDLC / patch_coverage', 'failure'],
      ['SDLC / tests', 'success'],
      ['SDLC / verdict', 'failure'],
    ]);
    expect(fake.state.checkRuns(other)).toEqual([]);
    expect(fake.state.comments(99)).toEqual([]);
    expect(fake.state.comments(31)).toHaveLength(1);
    expect(fake.state.comments(31)[0]!.body).toContain('| Lint | ❌ fail | 1 error, 2 warnings | &lt;= 0 errors |');
    const lint = fake.state.checkRuns(ws.headSha).find((r) => r.name === 'SDLC / lint')!;
    expect(fake.state.annotations(lint.id).map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      [PRICING, 27, 'failure'],
      [PRICING, 33, 'warning'],
      [PRICING, 33, 'warning'],
    ]);
    expect(pub.stdout).toContain(`the verdict file names pull request #99 at ${other}; ignored: the workflow_run event says #31 at ${ws.headSha}`);
    expect(pub.outputs.outcome).toBe('fail');
    expect(pub.outputs['verdict-json']).toBe(join(dir, 'sdlc-verdict/verdict.json'));
    expect(pub.summary).toContain(`Verdict of commit \`${ws.headSha.slice(0, 12)}\` on pull request #31: 5 check runs; comment created`);
  }, 90_000);
});

describe('publish-verdict (in process)', () => {
  async function publish(ws: { headSha: string }, artifact: unknown, inputs: Record<string, string> = {}, eventName = 'workflow_run') {
    const dir = publishingWorkspace(artifact);
    return runInProcess({
      workspace: dir,
      eventName,
      event: workflowRunEvent({ runId: 778, headSha: ws.headSha, headBranch: 'patch-1', headRepo: FORK }),
      sha: 'd'.repeat(40),
      ref: 'refs/heads/main',
      apiUrl: fake.url,
      inputs: { mode: 'publish-verdict', ...inputs },
    });
  }

  it('finds the pull request by head branch when GitHub will not list the commit’s pull requests', async () => {
    const { ws, artifact } = await verdictOnlyRun(32);
    fake.state.setPermissions({ checks: 'write', pull_requests: 'write', issues: 'write' });
    const rule = fake.fail({ method: 'GET', path: /\/commits\/[0-9a-f]{40}\/pulls/, status: 422, body: { message: `No commit found for SHA: ${ws.headSha}` } });
    const run = await publish(ws, artifact, { 'fail-on': 'never' });
    expect(rule.hits).toBe(1);
    expect(run.code).toBe(0);
    expect(fake.callsTo('pulls/list').map((c) => c.url)).toEqual([`/repos/acme/widgets/pulls?state=open&head=contributor%3Apatch-1&per_page=100&page=1`]);
    expect(fake.state.comments(32)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  }, 60_000);

  it('publishes only the check runs when no open pull request has that head', async () => {
    const { ws, artifact } = await verdictOnlyRun(33);
    fake.state.setPermissions({ checks: 'write', pull_requests: 'write', issues: 'write' });
    const run = await publish({ headSha: 'e'.repeat(40) }, artifact, { 'fail-on': 'never' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`no open pull request has head ${'e'.repeat(40)} from ${FORK}: publishing the check runs only`);
    expect(fake.state.checkRuns('e'.repeat(40))).toHaveLength(5);
    expect(fake.state.comments(33)).toEqual([]);
    expect(ws.headSha).not.toBe('e'.repeat(40));
  }, 60_000);

  it('refuses to run on another event, a missing file, and a file that contradicts itself', async () => {
    const { ws, artifact } = await verdictOnlyRun(34);
    const wrongEvent = await publish(ws, artifact, {}, 'pull_request_review');
    expect(wrongEvent.code).toBe(1);
    expect(wrongEvent.result.failure).toBe('input mode: publish-verdict runs on workflow_run events (this run is a pull_request_review event)');

    const missing = await publish(ws, artifact, { 'verdict-path': 'elsewhere/verdict.json' });
    expect(missing.result.failure).toBe(
      "verdict file elsewhere/verdict.json does not exist (the workflow's download step puts the verdict-only run's artifact there: see verdict-path)",
    );

    const lying = await publish(ws, { ...artifact, outcome: 'pass' });
    expect(lying.result.failure).toBe('verdict file sdlc-verdict/verdict.json: outcome pass contradicts its gates (fail)');
    expect(fake.callsTo('checks/create')).toEqual([]);
  }, 60_000);
});

describe('the verdict file', () => {
  it('round-trips a verdict: the file read back renders the same JSON', async () => {
    const { artifact } = await verdictOnlyRun(35);
    const again = verdictFileJson(parseVerdictFile(artifact).verdict, { pullRequest: parseVerdictFile(artifact).pullRequest! });
    expect(again).toEqual(artifact);
  }, 60_000);

  it('names the first field that does not fit the contract', () => {
    const base = { version: 1, outcome: 'pass', phase: 'implementation', changedFiles: 0, scopes: {}, gates: [], waivers: { applied: [], expired: [], stale: [] }, warnings: [] };
    expect(() => parseVerdictFile({ ...base, version: 2 })).toThrow('verdict file: version: unsupported version (this Action reads version 1)');
    expect(() => parseVerdictFile({ ...base, scopes: { 'a b': 1 } })).toThrow('verdict file: scopes: expected scope names (letters, digits, _ . -)');
    expect(() => parseVerdictFile({ ...base, base: { sha: '`rm -rf`' } })).toThrow('verdict file: base.sha: expected a commit SHA');
    const gate = { id: 'lint', outcome: 'pass', summary: 's', metrics: {}, informational: false, threshold: 't', reasons: [], reports: [] };
    expect(() => parseVerdictFile({ ...base, gates: [gate, gate] })).toThrow('verdict file: gate lint appears twice');
    expect(() => parseVerdictFile({ ...base, gates: [{ ...gate, findings: [{ tool: 't', ruleId: null, level: 'fatal' }] }] })).toThrow(
      /^verdict file: gates\[0\]\.findings\[0\]\.level: /,
    );
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(() => parseVerdictFile({ ...base, gates: [{ ...gate, metrics: deep }] })).toThrow('verdict file: gates[0].metrics: metrics: JSON too deep or too large');
    expect(parseVerdictFile({ ...base, gates: [gate] }).verdict.gates[0]!.name).toBe('Lint');
  });

  it('is read only as a regular JSON file', async () => {
    const dir = tempDir('sdlc-vf-');
    writeFileSync(join(dir, 'v.json'), '{"version": 1,');
    await expect(readVerdictFile(dir, 'v.json')).rejects.toThrow(/^verdict file v\.json: not JSON \(/);
    await expect(readVerdictFile(dir, '.')).rejects.toThrow('verdict file .: not a regular file');
  });
});
