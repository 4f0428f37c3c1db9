/**
 * The committed bundle, dist/index.js, run as the runner runs it, against
 * the fake GitHub (every request checked against GitHub's REST description).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';
import { OWNER, REPO, pullRequestEvent, pushEvent, runDist } from './harness.js';
import { runnerCommands } from './workflow-commands.js';
import { FAILING_CONFIG, PASSING_CONFIG, PRICING, makeWorkspace } from './workspace.js';

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

describe('the bundled Action on a pull request', () => {
  it('publishes a check run per gate, the verdict run and one comment, and sets the outputs and the summary', async () => {
    const ws = makeWorkspace({ config: FAILING_CONFIG });
    fake.state.addPull({ number: 7, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'feature', baseRef: 'main', files: ws.files });
    const run = await runDist({
      workspace: ws.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 7, headSha: ws.headSha, baseSha: ws.baseSha }),
      sha: ws.headSha,
      apiUrl: fake.url,
    });
    expect(fake.violations).toEqual([]);
    expect(run.code).toBe(1);

    expect(run.outputs).toEqual({
      outcome: 'fail',
      'verdict-json': `${ws.dir}/sdlc-verdict/verdict.json`,
      coverage: '71.92',
      'patch-coverage': '83.33',
      'gate-coverage': 'fail',
      'gate-patch_coverage': 'fail',
      'gate-lint': 'fail',
      'gate-security': 'disabled',
      'gate-tests': 'pass',
    });

    const runs = fake.state.checkRuns(ws.headSha);
    expect(runs.map((r) => [r.name, r.conclusion]).sort()).toEqual([
      ['SDLC / coverage', 'failure'],
      ['SDLC / lint', 'failure'],
      ['SDLC / patch_coverage', 'failure'],
      ['SDLC / tests', 'success'],
      ['SDLC / verdict', 'failure'],
    ]);
    const lint = runs.find((r) => r.name === 'SDLC / lint')!;
    const annotations = fake.state.annotations(lint.id);
    expect(annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      [PRICING, 27, 'failure'],
      [PRICING, 33, 'warning'],
      [PRICING, 33, 'warning'],
    ]);
    const patch = runs.find((r) => r.name === 'SDLC / patch_coverage')!;
    expect(fake.state.annotations(patch.id).map((a) => [a.path, a.start_line, a.end_line, a.annotation_level])).toEqual([[PRICING, 20, 20, 'warning']]);

    const comments = fake.state.comments(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('### SDLC verdict: ❌ fail');
    expect(comments[0]!.body).toContain('| Changed-line coverage | ❌ fail | 83.33 % (5/6) | &gt;= 85 % |');
    expect(comments[0]!.body.trimEnd().endsWith('<!-- sdlc-gatekeeper:comment -->')).toBe(true);
    expect(fake.state.tags()).toEqual([]);

    expect(run.summary).toContain('### SDLC verdict: ❌ fail');
    expect(run.summary).toContain('| Coverage | ❌ fail | 71.92 % | &gt;= 80 % |');
    expect(run.summary).toContain('- 5 check runs; comment created');
    expect(run.summary).toContain('Annotations are on the check runs.');

    // The only command the runner acts on: the failure, once.
    const { commands, stoppedAtEnd } = runnerCommands(run.stdout + run.stderr);
    expect(stoppedAtEnd).toBe(false);
    expect(commands.map((c) => c.command)).toEqual(['error']);
    expect(commands[0]!.data).toBe('SDLC verdict: fail: Coverage 71.92 % < 80 %; Changed-line coverage 83.33 % (5/6) < 85 %; Lint: 1 error, 2 warnings on changed lines (max 0 errors)');

    const verdict = JSON.parse(readFileSync(run.outputs['verdict-json']!, 'utf8')) as { outcome: string; base: unknown; gates: { id: string; metrics: Record<string, unknown> }[] };
    expect(verdict.outcome).toBe('fail');
    expect(verdict.base).toEqual({ ref: ws.baseSha, sha: ws.baseSha });
    expect(verdict.gates.find((g) => g.id === 'patch_coverage')!.metrics).toMatchObject({ total: 6, covered: 5 });
  }, 90_000);

  it('a second run on the same commit updates the same check runs and the one comment', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    fake.state.addPull({ number: 8, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'feature', baseRef: 'main', files: ws.files });
    const spec = {
      workspace: ws.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 8, headSha: ws.headSha, baseSha: ws.baseSha }),
      sha: ws.headSha,
      apiUrl: fake.url,
    };
    const first = await runDist(spec);
    expect(first.code).toBe(0);
    const ids = fake.state.checkRuns(ws.headSha).map((r) => r.id).sort();
    const second = await runDist(spec);
    expect(second.code).toBe(0);
    expect(fake.state.checkRuns(ws.headSha).map((r) => r.id).sort()).toEqual(ids);
    expect(ids).toHaveLength(5);
    expect(fake.state.comments(8)).toHaveLength(1);
    expect(second.summary).toContain('comment unchanged');
    expect(fake.callsTo('checks/create')).toHaveLength(5);
    expect(fake.violations).toEqual([]);
  }, 90_000);

  it('reads the changed lines from the pull request files API when the checkout lacks the base commit', async () => {
    const ws = makeWorkspace({ config: FAILING_CONFIG });
    fake.state.addPull({ number: 9, headSha: ws.headSha, baseSha: 'b'.repeat(40), headRef: 'feature', baseRef: 'main', files: ws.files });
    const run = await runDist({
      workspace: ws.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 9, headSha: ws.headSha, baseSha: 'b'.repeat(40) }),
      sha: ws.headSha,
      apiUrl: fake.url,
    });
    expect(fake.violations).toEqual([]);
    expect(fake.callsTo('pulls/list-files')).toHaveLength(1);
    expect(run.outputs['patch-coverage']).toBe('83.33');
    expect(run.stdout).toContain(`changed lines: from the files of pull request #9`);
    const verdict = JSON.parse(readFileSync(run.outputs['verdict-json']!, 'utf8')) as { base: unknown };
    expect(verdict.base).toEqual({ ref: 'main', sha: 'b'.repeat(40) });
    // Octokit's request log is for debug runs only.
    expect(run.stdout).not.toContain('GET /repos/acme/widgets/pulls/9/files');
  }, 90_000);
});

describe('the bundled Action on a push to the default branch', () => {
  it('tags the commit and posts no comment', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const run = await runDist({
      workspace: ws.dir,
      eventName: 'push',
      event: pushEvent({ before: ws.baseSha, after: ws.headSha }),
      sha: ws.headSha,
      ref: 'refs/heads/main',
      apiUrl: fake.url,
    });
    expect(fake.violations).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.outcome).toBe('pass');
    expect(fake.state.tags().map((t) => [t.tag, t.object.sha])).toEqual([[`sdlc/implementation/pass/${ws.headSha.slice(0, 7)}`, ws.headSha]]);
    expect(fake.callsTo('issues/create-comment')).toHaveLength(0);
    expect(fake.state.checkRuns(ws.headSha)).toHaveLength(5);
    expect(run.summary).toContain(`tag \`sdlc/implementation/pass/${ws.headSha.slice(0, 7)}\` created`);
  }, 90_000);
});
