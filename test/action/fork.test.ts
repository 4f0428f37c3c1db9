/**
 * A pull request from a fork (and Dependabot's) runs with a read-only token:
 * GitHub answers 403 to every write. The Action uploads nothing, writes the
 * job summary and the workflow-command annotations, and fails the step only
 * when the gates fail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';
import { OWNER, REPO, pullRequestEvent, runDist, runInProcess } from './harness.js';
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

function forkPull(config: string, number: number, headRepo = 'contributor/widgets') {
  const ws = makeWorkspace({ config });
  fake.state.addPull({ number, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'patch-1', baseRef: 'main', headRepoFullName: headRepo, files: ws.files });
  fake.state.readOnly();
  return {
    ws,
    spec: {
      workspace: ws.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'patch-1', headRepo }),
      sha: ws.headSha,
      apiUrl: fake.url,
    },
  };
}

/** Every write the Action tried, with GitHub's answer. */
function writes() {
  return fake.calls.filter((c) => c.method !== 'GET').map((c) => [c.operationId, c.status]);
}

describe('the bundled Action on a pull request from a fork', () => {
  it('passing gates: uploads nothing, annotates, summarises, exits 0', async () => {
    const { ws, spec } = forkPull(PASSING_CONFIG, 21);
    const run = await runDist(spec);
    expect(fake.violations).toEqual([]);
    expect(run.code).toBe(0);
    expect(writes()).toEqual([
      ['checks/create', 403],
      ['repos/create-commit-status', 403],
    ]);
    expect(fake.state.checkRuns(ws.headSha)).toEqual([]);
    expect(fake.state.statuses(ws.headSha)).toEqual([]);
    expect(fake.state.comments(21)).toEqual([]);
    expect(run.outputs.outcome).toBe('pass');
    expect(run.summary).toContain('### SDLC verdict: ✅ pass');
    expect(run.summary).toContain('the token may not write to acme/widgets (a pull request from a fork): nothing was published');
    expect(run.summary).toContain('Annotations: 1 of 1 error, 3 of 3 warnings.');

    const { commands, stoppedAtEnd } = runnerCommands(run.stdout + run.stderr);
    expect(stoppedAtEnd).toBe(false);
    expect(commands.map((c) => [c.command, c.properties.file, c.properties.line])).toEqual([
      ['warning', undefined, undefined],
      ['error', PRICING, '27'],
      ['warning', PRICING, '20'],
      ['warning', PRICING, '33'],
      ['warning', PRICING, '33'],
    ]);
    expect(commands[0]!.data).toMatch(/^Not published: the token may not write to acme\/widgets \(a pull request from a fork\)/);
  }, 60_000);

  it('failing gates: the same, and the step fails once for the gates', async () => {
    const { spec } = forkPull(FAILING_CONFIG, 22);
    const run = await runDist(spec);
    expect(fake.violations).toEqual([]);
    expect(run.code).toBe(1);
    expect(run.outputs.outcome).toBe('fail');
    const { commands } = runnerCommands(run.stdout + run.stderr);
    const plain = commands.filter((c) => c.properties.file === undefined);
    expect(plain.map((c) => c.command)).toEqual(['warning', 'error']);
    expect(plain[1]!.data).toBe('SDLC verdict: fail: Coverage 71.92 % < 80 %; Changed-line coverage 83.33 % (5/6) < 85 %; Lint: 1 error, 2 warnings on changed lines (max 0 errors)');
    expect(commands.filter((c) => c.properties.file !== undefined)).toHaveLength(4);
  }, 60_000);
});

describe('a read-only token in the runner (in process)', () => {
  it("Dependabot's pull request (same repository, read-only token) is told apart from a fork", async () => {
    const { spec } = forkPull(PASSING_CONFIG, 23, `${OWNER}/${REPO}`);
    const run = await runInProcess(spec);
    expect(run.code).toBe(0);
    expect(run.result.readOnly).toBe(true);
    expect(run.summary).toContain('the token may not write to acme/widgets (a read-only token): nothing was published');
    expect(fake.state.comments(23)).toEqual([]);
  }, 60_000);

  it('keeps to 10 annotations per level, reserving one error for the failure, and says how many it left out', async () => {
    const messages = Array.from({ length: 14 }, (_, i) => ({ ruleId: 'no-restricted-syntax', severity: 2, message: `finding ${i + 1}`, line: 26 + (i % 8), column: 1 }));
    const eslint = JSON.stringify([{ filePath: `/ci/${PRICING}`, messages, suppressedMessages: [], errorCount: 14, fatalErrorCount: 0, warningCount: 0, fixableErrorCount: 0, fixableWarningCount: 0, usedDeprecatedRules: [] }]);
    const ws = makeWorkspace({ config: FAILING_CONFIG, eslint });
    fake.state.addPull({ number: 24, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'p', baseRef: 'main', headRepoFullName: 'contributor/widgets', files: ws.files });
    fake.state.readOnly();
    const run = await runInProcess({
      workspace: ws.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 24, headSha: ws.headSha, baseSha: ws.baseSha, headRepo: 'contributor/widgets' }),
      sha: ws.headSha,
      apiUrl: fake.url,
    });
    expect(run.code).toBe(1);
    const { commands } = runnerCommands(run.stdout);
    const errors = commands.filter((c) => c.command === 'error');
    expect(errors).toHaveLength(10);
    // The lint gate orders its findings by line: 1 and 9 are on line 26, 2 and 10 on 27...
    expect(errors.slice(0, 9).map((c) => c.data)).toEqual([1, 9, 2, 10, 3, 11, 4, 12, 5].map((n) => `finding ${n}`));
    expect(errors[9]!.properties.file).toBeUndefined();
    expect(commands.filter((c) => c.command === 'warning').map((c) => c.properties.line)).toEqual([undefined, '20']);
    expect(run.summary).toContain('Annotations: 9 of 14 errors, 1 of 1 warning; 5 left out (GitHub shows at most 10 per level and step; the summary above lists them).');
  }, 60_000);
});
