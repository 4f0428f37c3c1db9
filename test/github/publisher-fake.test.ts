/**
 * Publisher and client against the fake GitHub over real HTTP: every request
 * validated against GitHub's REST description by the server, state kept
 * like GitHub keeps it (annotations appended, refs never moved).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { loadConfig } from '../../src/core/config/load.js';
import type { ChangeSet } from '../../src/core/diff.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { COMMENT_MARKER, checkRunPlan, markerCoveragePct, parseVerdictMarker } from '../../src/core/render/check.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createActionOctokit } from '../../src/github/client.js';
import { Publisher, type GitHubTarget, type PublishSwitches } from '../../src/github/publisher.js';
import { ownFixture, parseFile } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';

const SHA = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const BASE = 'ba5e0000ba5e0000ba5e0000ba5e0000ba5e0000';
const OTHER = '0the40000the40000the40000the40000the4000'.replace(/[^0-9a-f]/g, 'e');
const RUN_URL = 'https://github.com/acme/widgets/actions/runs/5';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let fake: FakeGitHub;
let real: ParsedReport[];

beforeAll(async () => {
  fake = await startFakeGitHub();
  // The server reads GitHub's 13 MB description on its first request: do it now, not inside a timed test.
  await new Octokit({ baseUrl: fake.url, auth: 'ghs_warmup', log: quiet }).request('GET /rate_limit');
  // Real reports: jest's lcov of test/fixtures/sample-js (41/57 lines), ESLint's JSON (5 errors, 4 warnings), jest-junit.
  real = [
    await parseFile(ownFixture('jest/lcov.info')),
    await parseFile(ownFixture('eslint/eslint.json')),
    await parseFile(ownFixture('junit/jest-junit.xml')),
  ];
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  fake.state.addRepo({ owner: 'acme', repo: 'widgets', defaultBranch: 'main', headSha: SHA });
  fake.state.addPull({ number: 7, headSha: SHA, baseSha: BASE, headRef: 'feature', baseRef: 'main' });
});

/** inventory.js is untested: every changed line of it is uncovered. */
const CHANGES: ChangeSet = {
  files: new Map([
    ['test/fixtures/sample-js/src/inventory.js', { path: 'test/fixtures/sample-js/src/inventory.js', status: 'modified', binary: false, added: [[1, 400]], hunks: [[1, 400]] }],
  ]),
};

/** The real reports judged with lint counting every finding (none is on a changed line); `gates` adds lines under `gates:`. */
function realVerdict(gates = ''): Verdict {
  return runGatekeeper({
    config: loadConfig(`gates:\n  lint:\n    filter: nofilter\n${gates}`),
    reports: real,
    changes: CHANGES,
    paths: { roots: ['/tmp/eslint-sample'], repoFiles: ['src/server.js', 'src/broken.js', 'test/fixtures/sample-js/src/inventory.js', 'test/fixtures/sample-js/src/cart.js', 'test/fixtures/sample-js/src/pricing.js', 'test/fixtures/sample-js/src/text.js'] },
    head: { sha: SHA },
    base: { ref: 'main', sha: BASE },
  });
}

/**
 * @octokit/rest with plugin-retry, as both real clients have it: a pooled
 * connection the server closed while idle fails at the network level and is
 * sent again (creates are not: the publisher marks them retries: 0).
 */
const RetryingOctokit = Octokit.plugin(retry);
function plainOctokit(): Octokit {
  return new RetryingOctokit({ baseUrl: fake.url, auth: 'ghs_test', log: quiet, retry: { retryAfterBaseValue: 10 } });
}

function publisher(opts: { yaml?: string; switches?: Partial<PublishSwitches>; target?: Partial<GitHubTarget>; octokit?: Pick<Octokit, 'request'> } = {}) {
  return new Publisher({
    octokit: opts.octokit ?? plainOctokit(),
    target: { owner: 'acme', repo: 'widgets', headSha: SHA, ...opts.target },
    config: loadConfig(opts.yaml ?? ''),
    ...(opts.switches ? { switches: opts.switches } : {}),
    runUrl: RUN_URL,
  });
}

describe('Publisher on the fake GitHub', () => {
  it('publishes a real verdict: check runs with their annotations, the comment and the tag, all valid', async () => {
    const v = realVerdict();
    const plan = checkRunPlan(v, { headSha: SHA, runUrl: RUN_URL });
    const p = publisher({ switches: { tags: true }, target: { pullNumber: 7, branch: 'main', defaultBranch: 'main' } });
    await p.start('SDLC Gatekeeper is reading the reports');
    expect(fake.state.checkRuns(SHA).map((r) => [r.name, r.status])).toEqual([
      ['SDLC / coverage', 'in_progress'],
      ['SDLC / patch_coverage', 'in_progress'],
      ['SDLC / lint', 'in_progress'],
      ['SDLC / security', 'in_progress'],
      ['SDLC / tests', 'in_progress'],
      ['SDLC / verdict', 'in_progress'],
    ]);
    const result = await p.publish(v);
    expect(fake.violations).toEqual([]);

    const runs = fake.state.checkRuns(SHA);
    expect(runs.map((r) => [r.name, r.status, r.conclusion, r.externalId])).toEqual([
      ['SDLC / coverage', 'completed', 'failure', `sdlc:coverage:${SHA}`],
      ['SDLC / patch_coverage', 'completed', 'failure', `sdlc:patch_coverage:${SHA}`],
      ['SDLC / lint', 'completed', 'failure', `sdlc:lint:${SHA}`],
      ['SDLC / security', 'completed', 'failure', `sdlc:security:${SHA}`],
      ['SDLC / tests', 'completed', 'failure', `sdlc:tests:${SHA}`],
      ['SDLC / verdict', 'completed', 'failure', `sdlc:verdict:${SHA}`],
    ]);
    expect(result.checkRuns.map((c) => c.id)).toEqual(runs.map((r) => r.id));
    // ESLint printed 9 problems (5 errors, 4 warnings): all annotated, errors first.
    const lint = runs.find((r) => r.name === 'SDLC / lint')!;
    expect(lint.annotations.map((a) => a.annotation_level)).toEqual([...Array(5).fill('failure'), ...Array(4).fill('warning')]);
    expect(lint.annotations[1]).toMatchObject({ path: 'src/server.js', start_line: 5, end_line: 5, start_column: 9, title: 'eslint: no-unused-vars' });
    // What GitHub holds is exactly what was planned.
    for (const entry of plan) {
      const run = runs.find((r) => r.name === entry.name)!;
      expect([entry.key, run.annotations]).toEqual([entry.key, entry.annotations]);
      expect(run.output.title).toBe(entry.title);
    }
    const patch = runs.find((r) => r.name === 'SDLC / patch_coverage')!;
    expect(patch.annotations.length).toBeGreaterThan(0);
    expect(patch.annotations.every((a) => a.path === 'test/fixtures/sample-js/src/inventory.js' && a.annotation_level === 'warning')).toBe(true);

    // A later run reads the base coverage back from the verdict check run: 41/57 lines.
    const got = await plainOctokit().request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner: 'acme', repo: 'widgets', check_run_id: result.checkRuns.at(-1)!.id });
    const marker = parseVerdictMarker(got.data.output.summary ?? '')!;
    expect(marker.head).toBe(SHA);
    expect(markerCoveragePct(marker)).toBe((41 * 100) / 57);

    expect(result.comment).toMatchObject({ action: 'created' });
    const comments = fake.state.comments(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.trimEnd().endsWith(COMMENT_MARKER)).toBe(true);
    expect(result.tag).toEqual({ name: 'sdlc/implementation/fail/c0ffee0', action: 'created' });
    expect(fake.state.tags().map((t) => [t.tag, t.object.sha])).toEqual([['sdlc/implementation/fail/c0ffee0', SHA]]);
    expect(fake.state.refs()['refs/tags/sdlc/implementation/fail/c0ffee0']).toBe(fake.state.tags()[0]!.sha);
    // start: 1 list + 6 creates; publish: 6 completes + 1 comment list + 1 create + 3 tag requests.
    expect(fake.calls).toHaveLength(7 + 6 + 2 + 3 + 1);
    expect(result.apiCalls).toBe(6 + 2 + 3);
  });

  it('updates the same check runs on a re-run (start, then publish): no new runs, no duplicated annotations, the tag exists', async () => {
    const opts = { switches: { tags: true }, target: { pullNumber: 7, branch: 'main', defaultBranch: 'main' } };
    await publisher(opts).publish(realVerdict());
    const first = fake.state.checkRuns(SHA);
    const rerun = publisher(opts);
    await rerun.start('Re-run: reading the reports');
    expect(fake.state.checkRuns(SHA).map((r) => [r.status, r.output.title])).toEqual(first.map(() => ['in_progress', 'Re-run: reading the reports']));
    const again = await rerun.publish(realVerdict());
    const second = fake.state.checkRuns(SHA);
    expect(fake.violations).toEqual([]);
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(second.map((r) => [r.status, r.conclusion])).toEqual(first.map((r) => [r.status, r.conclusion]));
    // GitHub appends annotations on every update: the ones already there were not sent again.
    expect(second.map((r) => r.annotations.length)).toEqual(first.map((r) => r.annotations.length));
    expect(second.map((r) => r.updates)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(fake.callsTo('checks/create')).toHaveLength(6);
    expect(again.comment).toMatchObject({ action: 'unchanged' });
    expect(again.tag).toEqual({ name: 'sdlc/implementation/fail/c0ffee0', action: 'exists' });
    expect(fake.state.comments(7)).toHaveLength(1);
    expect(fake.state.tags()).toHaveLength(1);
  });

  it('does not duplicate a check run GitHub created while answering 502', async () => {
    const rule = fake.fail({ method: 'POST', path: /\/check-runs$/, status: 502, performed: true, times: 1 });
    const result = await publisher().publish(realVerdict());
    expect(rule.hits).toBe(1);
    expect(fake.violations).toEqual([]);
    const runs = fake.state.checkRuns(SHA);
    expect(runs.map((r) => r.name)).toEqual(['SDLC / coverage', 'SDLC / patch_coverage', 'SDLC / lint', 'SDLC / security', 'SDLC / tests', 'SDLC / verdict']);
    expect(runs[0]!.conclusion).toBe('failure');
    expect(result.checkRuns[0]!.id).toBe(runs[0]!.id);
    expect(fake.callsTo('checks/list-for-ref')).toHaveLength(2);
    expect(fake.callsTo('checks/create')).toHaveLength(6);
  });

  it('publishes commit statuses when the token may not write checks', async () => {
    fake.state.setPermissions({ checks: 'read' });
    const result = await publisher().publish(realVerdict());
    expect(result.usedStatuses).toBe(true);
    expect(fake.violations).toEqual([]);
    expect(fake.state.checkRuns(SHA)).toEqual([]);
    const statuses = fake.state.statuses(SHA);
    expect(statuses.map((s) => [s.context, s.state, s.targetUrl])).toEqual([
      ['SDLC / coverage', 'failure', RUN_URL],
      ['SDLC / patch_coverage', 'failure', RUN_URL],
      ['SDLC / lint', 'failure', RUN_URL],
      ['SDLC / security', 'failure', RUN_URL],
      ['SDLC / tests', 'failure', RUN_URL],
      ['SDLC / verdict', 'failure', RUN_URL],
    ]);
    expect(statuses.every((s) => (s.description ?? '').length <= 140)).toBe(true);
    expect(statuses[0]!.description).toBe('Coverage 71.92 % < 80 %');
  });

  it('reports a tag at another commit as a conflict and leaves the ref where it was', async () => {
    fake.state.setRef('refs/tags/sdlc/implementation/fail/c0ffee0', OTHER);
    const result = await publisher({ switches: { tags: true }, target: { branch: 'main', defaultBranch: 'main' } }).publish(realVerdict());
    expect(result.tag).toMatchObject({ name: 'sdlc/implementation/fail/c0ffee0', action: 'conflict' });
    expect(fake.state.refs()['refs/tags/sdlc/implementation/fail/c0ffee0']).toBe(OTHER);
    expect(fake.state.tags()).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('keeps one comment: update edits it, new replaces it, off leaves it, only_on_change skips an unchanged table', async () => {
    fake.state.addComment(7, { body: `quoting ${COMMENT_MARKER}`, user: 'octocat' });
    const pr = { target: { pullNumber: 7 } };
    const created = await publisher(pr).publish(realVerdict());
    expect(created.comment).toMatchObject({ action: 'created' });
    const id = created.comment!.id;

    const updated = await publisher(pr).publish(realVerdict('  coverage:\n    min: 70\n'));
    expect(updated.comment).toEqual({ id, action: 'updated' });
    expect(fake.state.comments(7).map((c) => c.id)).toEqual([fake.state.comments(7)[0]!.id, id]);

    const same = await publisher({ ...pr, yaml: 'gates:\n  coverage:\n    min: 70\ncomment:\n  only_on_change: true\n' }).publish(realVerdict('  coverage:\n    min: 70\n'));
    expect(same.comment).toEqual({ id, action: 'unchanged' });

    const off = await publisher({ ...pr, yaml: 'comment:\n  mode: off\n' }).publish(realVerdict());
    expect(off.comment).toEqual({ action: 'skipped' });

    const renewed = await publisher({ ...pr, yaml: 'comment:\n  mode: new\n' }).publish(realVerdict());
    expect(renewed.comment!.action).toBe('recreated');
    const left = fake.state.comments(7);
    expect(left).toHaveLength(2);
    expect(left[0]!.body).toBe(`quoting ${COMMENT_MARKER}`);
    expect(left[1]!.id).toBe(renewed.comment!.id);
    expect(left[1]!.id).not.toBe(id);
    expect(fake.violations).toEqual([]);
  });

  it('stays within GitHub’s limits with 5,000 findings: every summary, text and annotation batch valid', async () => {
    const findings = Array.from({ length: 5000 }, (_, i) => ({
      tool: 'eslint',
      ruleId: 'max-len',
      message: `line ${i + 1} is ${'very '.repeat(40)}long`,
      level: 'error' as const,
      severity: 'high' as const,
      path: `src/module-${i % 50}.ts`,
      line: i + 1,
    }));
    const v = runGatekeeper({
      config: loadConfig(''),
      reports: [...real, { kind: 'lint', path: 'big.json', format: 'eslint-json', findings: { findings, tools: ['eslint'] }, warnings: [] }],
      head: { sha: SHA },
    });
    const result = await publisher({ yaml: 'comment:\n  max_annotations: 200\n', target: { pullNumber: 7 } }).publish(v);
    expect(fake.violations).toEqual([]);
    const lint = fake.state.checkRuns(SHA).find((r) => r.name === 'SDLC / lint')!;
    expect(lint.annotations).toHaveLength(200);
    expect((lint.output.summary ?? '').length).toBeLessThanOrEqual(65535);
    expect(lint.output.text!.length).toBeLessThanOrEqual(65535);
    expect(lint.output.text).toContain('more lines not shown: [see the full report](https://github.com/acme/widgets/actions/runs/5)');
    expect(fake.state.comments(7)[0]!.body.length).toBeLessThanOrEqual(65536);
    // 1 list + 6 creates + 3 lint updates + comment list + create.
    expect(result.apiCalls).toBe(1 + 6 + 3 + 2);
  }, 60_000);

  it('aborts: every enabled check run completed with the reason', async () => {
    const p = publisher({ yaml: 'gates:\n  lint: {enabled: false}\n' });
    await p.start('Waiting for the sdlc-reports artifact');
    await p.abort('neutral', 'No reports', 'The workflow run finished without an **sdlc-reports** artifact.');
    expect(fake.state.checkRuns(SHA).map((r) => [r.name, r.status, r.conclusion, r.output.title, r.output.summary])).toEqual(
      ['coverage', 'patch_coverage', 'security', 'tests', 'verdict'].map((k) => [
        `SDLC / ${k}`,
        'completed',
        'neutral',
        'No reports',
        'The workflow run finished without an **sdlc-reports** artifact.',
      ]),
    );
    expect(fake.violations).toEqual([]);
  });
});

describe('createActionOctokit on the fake GitHub', () => {
  const client = (extra: Partial<Parameters<typeof createActionOctokit>[0]> = {}) => {
    const warnings: string[] = [];
    const octokit = createActionOctokit({ token: 'ghs_test', baseUrl: fake.url, timeUnitMs: 1, log: { info: () => {}, warn: (m) => warnings.push(String(m)) }, ...extra });
    return { octokit, warnings };
  };
  const getRepo = (o: ReturnType<typeof client>['octokit']) => o.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'widgets' });

  it('retries a 5xx at most 3 times, then fails', async () => {
    fake.fail({ path: /^\/repos\/acme\/widgets$/, status: 502, times: 2 });
    const { octokit } = client();
    expect((await getRepo(octokit)).data.default_branch).toBe('main');
    expect(octokit.apiCounts).toMatchObject({ requests: 3, retries: 2, timeouts: 0, rateLimitWaits: 0 });

    fake.fail({ path: /^\/repos\/acme\/widgets$/, status: 503, times: 10 });
    const c2 = client();
    await expect(getRepo(c2.octokit)).rejects.toMatchObject({ status: 503 });
    expect(c2.octokit.apiCounts).toMatchObject({ requests: 4, retries: 3 });
  });

  it('never retries a create the publisher marked retries: 0', async () => {
    const rule = fake.fail({ method: 'POST', path: /\/check-runs$/, status: 500, times: 1 });
    const { octokit } = client();
    const others = '  coverage: {enabled: false}\n  patch_coverage: {enabled: false}\n  security: {enabled: false}\n  tests: {enabled: false}\n';
    const result = await publisher({ octokit, yaml: `gates:\n${others}` }).publish(realVerdict(others));
    expect(rule.hits).toBe(1);
    // list, create (500, not performed), list again, create, create (verdict)
    expect(fake.calls.map((c) => c.operationId)).toEqual(['checks/list-for-ref', 'checks/create', 'checks/list-for-ref', 'checks/create', 'checks/create']);
    expect(octokit.apiCounts.requests).toBe(5);
    expect(result.apiCalls).toBe(5);
    expect(fake.state.checkRuns(SHA)).toHaveLength(2);
  }, 20_000);

  it('does not duplicate a create GitHub performed but never answered (timeout)', async () => {
    const others = '  coverage: {enabled: false}\n  patch_coverage: {enabled: false}\n  security: {enabled: false}\n  tests: {enabled: false}\n';
    // Once untimed, so the server has compiled its validators for these operations; then from a clean state.
    await publisher({ yaml: `gates:\n${others}` }).publish(realVerdict(others));
    fake.reset();
    fake.state.addRepo({ owner: 'acme', repo: 'widgets', defaultBranch: 'main', headSha: SHA });
    const rule = fake.fail({ method: 'POST', path: /\/check-runs$/, hang: true, performed: true, times: 1 });
    const { octokit } = client({ timeoutMs: 500 });
    const result = await publisher({ octokit, yaml: `gates:\n${others}` }).publish(realVerdict(others));
    expect(rule.hits).toBe(1);
    expect(octokit.apiCounts.timeouts).toBe(1);
    expect(fake.calls.map((c) => c.operationId)).toEqual(['checks/list-for-ref', 'checks/create', 'checks/list-for-ref', 'checks/create']);
    const runs = fake.state.checkRuns(SHA);
    expect(runs.map((r) => [r.name, r.conclusion, r.annotations.length])).toEqual([
      ['SDLC / lint', 'failure', 9],
      ['SDLC / verdict', 'failure', 0],
    ]);
    expect(result.checkRuns.map((c) => c.id)).toEqual(runs.map((r) => r.id));
    expect(fake.violations).toEqual([]);
  }, 20_000);

  it('waits out a secondary rate limit as retry-after says, counting the wait', async () => {
    fake.fail({ path: /^\/repos\/acme\/widgets$/, status: 403, headers: { 'retry-after': '3' }, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' } });
    const { octokit, warnings } = client();
    expect((await getRepo(octokit)).status).toBe(200);
    expect(octokit.apiCounts).toMatchObject({ requests: 2, rateLimitWaits: 1, rateLimitRefusals: 0 });
    expect(warnings.filter((w) => w.startsWith('GitHub '))).toEqual(['GitHub secondary rate limit on GET /repos/{owner}/{repo}: waiting 3 s (wait 1 of at most 2)']);
  });

  it('waits for x-ratelimit-reset on a primary rate limit (429)', async () => {
    const reset = Math.floor(Date.now() / 1000) + 5;
    fake.fail({ path: /^\/repos\/acme\/widgets$/, status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
    const { octokit, warnings } = client();
    expect((await getRepo(octokit)).status).toBe(200);
    expect(octokit.apiCounts).toMatchObject({ requests: 2, rateLimitWaits: 1 });
    expect(warnings.find((w) => w.startsWith('GitHub '))).toMatch(/^GitHub primary rate limit on GET \/repos\/\{owner\}\/\{repo\}: waiting [5-7] s/);
  });

  it('refuses a wait longer than 60 s, and a third wait', async () => {
    fake.fail({ path: /^\/repos\/acme\/widgets$/, status: 403, headers: { 'retry-after': '120' }, body: { message: 'You have exceeded a secondary rate limit.' } });
    const a = client();
    await expect(getRepo(a.octokit)).rejects.toMatchObject({ status: 403 });
    expect(a.octokit.apiCounts).toMatchObject({ requests: 1, rateLimitWaits: 0, rateLimitRefusals: 1 });
    expect(a.warnings.find((w) => w.startsWith('GitHub '))).toBe('GitHub secondary rate limit on GET /repos/{owner}/{repo}: the wait (120 s) is longer than 60 s; giving up');

    fake.fail({ path: /^\/repos\/acme\/widgets$/, status: 403, times: 3, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit.' } });
    const b = client();
    await expect(getRepo(b.octokit)).rejects.toMatchObject({ status: 403 });
    expect(b.octokit.apiCounts).toMatchObject({ requests: 3, rateLimitWaits: 2, rateLimitRefusals: 1 });
  });

  it('ends a hung request with the per-request timeout, retried within the bound', async () => {
    fake.fail({ path: /^\/repos\/acme\/widgets$/, hang: true, times: 10 });
    const { octokit } = client({ timeoutMs: 150 });
    const started = Date.now();
    const err = (await getRepo(octokit).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('request timed out after 150 ms');
    expect(octokit.apiCounts).toMatchObject({ requests: 4, retries: 3, timeouts: 4 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('counts one request per call against what the server saw', async () => {
    const { octokit } = client();
    await getRepo(octokit);
    await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { owner: 'acme', repo: 'widgets', ref: SHA, per_page: 100 });
    expect(octokit.apiCounts.requests).toBe(fake.calls.length);
    expect(octokit.apiCounts.requests).toBe(2);
  });
});
