/**
 * The runner in process (runner.ts, as dist/index.js runs it) against the
 * fake GitHub: report and config inputs, errors, switches, and where changed
 * lines come from.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { pullChanges } from '../../src/action/changes.js';
import type { GitHubClient } from '../../src/github/client.js';
import { git } from '../helpers/cli.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';
import { OWNER, REPO, pullRequestEvent, pushEvent, runInProcess } from './harness.js';
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

function prSpec(ws: ReturnType<typeof makeWorkspace>, number: number, inputs: Record<string, string> = {}, baseSha = ws.baseSha) {
  fake.state.addPull({ number, headSha: ws.headSha, baseSha, headRef: 'feature', baseRef: 'main', files: ws.files });
  return { workspace: ws.dir, eventName: 'pull_request', event: pullRequestEvent({ number, headSha: ws.headSha, baseSha }), sha: ws.headSha, apiUrl: fake.url, inputs };
}

describe('report and config inputs', () => {
  it('reads only the reports the input names', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const run = await runInProcess(prSpec(ws, 41, { reports: 'coverage/lcov.info\nreports/junit.xml', checks: 'false', comment: 'false' }));
    expect(run.code).toBe(1);
    const lint = run.result.verdict!.gates.find((g) => g.id === 'lint')!;
    expect([lint.outcome, lint.reports]).toEqual(['fail', []]);
    expect(run.result.verdict!.gates.find((g) => g.id === 'tests')!.reports).toEqual(['reports/junit.xml']);
    expect(run.outputs['gate-lint']).toBe('fail');
    expect(fake.calls).toEqual([]);
  }, 60_000);

  it('an input glob that matches nothing is an error naming the input', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const run = await runInProcess(prSpec(ws, 42, { reports: 'build/*.xml, out/lcov.info' }));
    expect(run.result.failure).toBe('input reports: no file matches build/*.xml, out/lcov.info');
    expect(run.outputs).toEqual({});
  });

  it('an input glob the matcher cannot use is an error naming it', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const run = await runInProcess(prSpec(ws, 42, { reports: 'reports/!(junit).xml' }));
    expect(run.result.failure).toMatch(/^input reports: "reports\/!\(junit\)\.xml": .*negated extglob/);
    expect(run.outputs).toEqual({});
  });

  it('reads the config the input names', async () => {
    const ws = makeWorkspace({ extra: { 'ci/gates.yml': PASSING_CONFIG } });
    const run = await runInProcess(prSpec(ws, 43, { config: 'ci/gates.yml', checks: 'false', comment: 'false' }));
    expect(run.code).toBe(0);
    expect(run.outputs.outcome).toBe('pass');
  }, 60_000);

  it('an invalid config fails the step and completes the check runs as failures naming the problem', async () => {
    const ws = makeWorkspace({ config: 'gates:\n  coverage:\n    min: 180\n' });
    const run = await runInProcess(prSpec(ws, 44));
    expect(run.code).toBe(1);
    expect(run.result.failure).toMatch(/^gates\.coverage\.min: .* at \.sdlc\.yml:3:10$/);
    const runs = fake.state.checkRuns(ws.headSha);
    expect(runs.map((r) => [r.name, r.conclusion, r.output.title]).sort()).toEqual(
      ['coverage', 'lint', 'patch_coverage', 'security', 'tests', 'verdict'].map((k) => [`SDLC / ${k}`, 'failure', 'Invalid .sdlc.yml']),
    );
    expect(runs[0]!.output.summary).toContain('gates.coverage.min');
    expect(fake.violations).toEqual([]);
  }, 60_000);
});

describe('switches', () => {
  it('checks off: the comment is posted, and the annotations go out as workflow commands', async () => {
    const ws = makeWorkspace({ config: FAILING_CONFIG });
    const run = await runInProcess(prSpec(ws, 45, { checks: 'false', 'fail-on': 'never' }));
    expect(run.code).toBe(0);
    expect(fake.state.checkRuns(ws.headSha)).toEqual([]);
    expect(fake.state.comments(45)).toHaveLength(1);
    expect(run.summary).toContain('- check runs off (input checks); comment created');
    const { commands } = runnerCommands(run.stdout);
    expect(commands.map((c) => [c.command, c.properties.line])).toEqual([
      ['error', '27'],
      ['warning', '20'],
      ['warning', '33'],
      ['warning', '33'],
    ]);
  }, 60_000);

  it('a publishing failure other than a refusal fails the step, after the summary and annotations', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    fake.fail({ method: 'GET', path: /check-runs/, status: 404, times: Infinity });
    const run = await runInProcess(prSpec(ws, 46));
    expect(run.code).toBe(1);
    expect(run.result.failure).toMatch(/^publishing to GitHub failed: Not Found/);
    expect(run.summary).toContain('### SDLC verdict: ✅ pass');
    expect(run.summary).toContain('Annotations: 1 of 1 error, 3 of 3 warnings.');
    expect(run.outputs.outcome).toBe('pass');
  }, 60_000);
});

describe('changed lines', () => {
  it('an explicit base the checkout does not have is an error naming the input', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const run = await runInProcess(prSpec(ws, 47, { base: 'release/9' }));
    expect(run.result.failure).toMatch(/^input base: release\/9 cannot be compared in the checkout \(git: unknown revision "release\/9"/);
  });

  it('an explicit base the checkout has is compared locally', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    git(ws.dir, 'tag', 'v1', ws.baseSha);
    const run = await runInProcess(prSpec(ws, 48, { base: 'v1', checks: 'false', comment: 'false' }));
    expect(run.code).toBe(0);
    expect(run.result.verdict!.base).toEqual({ ref: 'v1', sha: ws.baseSha });
    expect(run.outputs['patch-coverage']).toBe('83.33');
  }, 60_000);

  it('verdict-only without a token and without the base commit cannot know the changed lines', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const spec = prSpec(ws, 49, { mode: 'verdict-only', 'github-token': '' }, 'b'.repeat(40));
    const run = await runInProcess(spec);
    expect(run.result.failure).toBe('input github-token: empty, and the base commit is not in the checkout: the changed lines can only come from GitHub');
  });

  it('a push compares with the commit before it when the checkout has it, and says so when it does not', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    const inputs = { checks: 'false', tags: 'false' };
    const known = await runInProcess({ workspace: ws.dir, eventName: 'push', event: pushEvent({ before: ws.baseSha, after: ws.headSha }), sha: ws.headSha, ref: 'refs/heads/main', apiUrl: fake.url, inputs });
    expect(known.outputs['patch-coverage']).toBe('83.33');
    const unknown = await runInProcess({ workspace: ws.dir, eventName: 'push', event: pushEvent({ before: 'a'.repeat(40), after: ws.headSha }), sha: ws.headSha, ref: 'refs/heads/main', apiUrl: fake.url, inputs });
    expect(unknown.outputs['patch-coverage']).toBe('');
    expect(unknown.outputs['gate-patch_coverage']).toBe('neutral');
    expect(unknown.stdout).toContain(`the commit before the push (${'a'.repeat(12)}) is not in the checkout: no changed lines`);
    expect(unknown.summary).toContain('No base commit compared');
    expect(fake.calls).toEqual([]);
  }, 60_000);
});

describe('pullChanges', () => {
  /** A client answering the files list and the .diff from fixed data, recording the requests. */
  function client(files: unknown[], diff: string | Error) {
    const routes: string[] = [];
    const c = {
      request: async (route: string, params: { mediaType?: { format?: string } }) => {
        routes.push(`${route}${params.mediaType?.format ? ` (${params.mediaType.format})` : ''}`);
        if (route.endsWith('/files')) return { data: files };
        if (diff instanceof Error) throw diff;
        return { data: diff };
      },
    };
    return { client: c as unknown as GitHubClient, routes };
  }

  const pricingPatch = () => makeWorkspace().files.find((f) => f.filename === PRICING)!.patch!;

  it('reads the whole diff when GitHub left a text file’s patch out', async () => {
    const ws = makeWorkspace();
    const diff = git(ws.dir, 'diff', ws.baseSha, ws.headSha);
    const { client: c, routes } = client([{ filename: PRICING, status: 'modified', changes: 11 }], diff);
    const ch = await pullChanges(c, { owner: OWNER, repo: REPO }, { number: 5, baseRef: 'main', baseSha: ws.baseSha });
    expect(routes).toEqual(['GET /repos/{owner}/{repo}/pulls/{pull_number}/files', 'GET /repos/{owner}/{repo}/pulls/{pull_number} (diff)']);
    expect(ch.set.files.get(PRICING)!.added).toEqual([
      [19, 20],
      [25, 33],
    ]);
    expect(ch.incomplete).toBeUndefined();
    expect(ch.source).toBe(`the diff of pull request #5 (${PRICING}: GitHub left out its patch (too large))`);
  });

  it('says the changed lines are incomplete when the diff cannot be read either', async () => {
    const files = [
      { filename: PRICING, status: 'modified', changes: 11, patch: pricingPatch() },
      { filename: 'big.js', status: 'modified', changes: 40_000 },
      { filename: 'logo.png', status: 'added', changes: 0 },
    ];
    const { client: c } = client(files, Object.assign(new Error('Sorry, the diff exceeded the maximum number of lines (20000)'), { status: 406 }));
    const ch = await pullChanges(c, { owner: OWNER, repo: REPO }, { number: 6, baseRef: 'main', baseSha: 'b'.repeat(40) });
    expect(ch.incomplete).toBe('big.js: GitHub left out its patch (too large), and its .diff could not be read either (Sorry, the diff exceeded the maximum number of lines (20000)): lines of such files are not judged');
    expect(ch.set.files.get(PRICING)!.added).toEqual([
      [19, 20],
      [25, 33],
    ]);
    expect(ch.set.files.get('logo.png')!.binary).toBe(true);
    expect(ch.base).toEqual({ ref: 'main', sha: 'b'.repeat(40) });
  });

  it('the runner warns, and says in the summary, when the changed lines are incomplete', async () => {
    const ws = makeWorkspace({ config: PASSING_CONFIG });
    // GitHub lists at most 3000 files; a pull request with more must be read as a .diff, which here fails.
    const generated = Array.from({ length: 3000 }, (_, i) => ({ filename: `gen/f${i}.txt`, status: 'added' as const, patch: '@@ -0,0 +1 @@\n+x' }));
    fake.state.addPull({ number: 50, headSha: ws.headSha, baseSha: 'b'.repeat(40), headRef: 'f', baseRef: 'main', files: [...ws.files, ...generated] });
    // GitHub answers 406 for a diff that is too large (the client retries it before giving up).
    const rule = fake.fail({ method: 'GET', path: /\/pulls\/50$/, status: 406, times: Infinity, body: { message: 'Sorry, the diff exceeded the maximum number of files (300).' } });
    const run = await runInProcess({
      workspace: ws.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 50, headSha: ws.headSha, baseSha: 'b'.repeat(40) }),
      sha: ws.headSha,
      apiUrl: fake.url,
      inputs: { mode: 'verdict-only' },
    });
    expect(rule.hits).toBeGreaterThanOrEqual(1);
    expect(fake.callsTo('pulls/list-files')).toHaveLength(30);
    expect(run.code).toBe(0);
    const warning = 'Changed lines are incomplete: the pull request has 3000 or more files, more than GitHub lists, and its .diff could not be read either (Sorry, the diff exceeded the maximum number of files (300).';
    const { commands } = runnerCommands(run.stdout);
    expect(commands.filter((c) => c.command === 'warning' && c.properties.file === undefined).map((c) => c.data.slice(0, warning.length))).toEqual([warning]);
    expect(run.summary).toContain('Changed lines are incomplete: the pull request has 3000 or more files');
    expect(run.outputs['patch-coverage']).toBe('83.33');
    expect(JSON.parse(readFileSync(run.outputs['verdict-json']!, 'utf8')).pullRequest).toEqual({ number: 50, headSha: ws.headSha, headRepository: 'acme/widgets' });
  }, 60_000);
});
