/**
 * The job processor against the fake GitHub over real HTTP, every request
 * checked against GitHub's REST description (a request GitHub would answer
 * 422 is recorded in `violations` and fails the test). The reports are the
 * `widgets` sample's real tool outputs (test/fixtures/app/widgets): the
 * expected numbers are the ones jest, ESLint and `sdlc-gate check` printed
 * for the same commits.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Octokit } from '@octokit/rest';
import { createProcessor } from '../../src/app/worker.js';
import { RetryableError } from '../../src/app/jobs.js';
import { parseVerdictMarker } from '../../src/core/render/check.js';
import { ownFixture } from '../helpers/fixtures.js';
import type { CheckRunRecord } from '../helpers/github/index.js';
import {
  FEATURE_SHA,
  INSTALLATION,
  MAIN_SHA,
  NEWER_SHA,
  OWNER,
  REPO,
  job,
  jobContext,
  prFiles,
  reportsZip,
  startAppGitHub,
  widgetsFile,
  zipOf,
  type AppGitHub,
} from './support.js';

const APP_ID = 4242; // the fake's app
const CHECKS = ['SDLC / coverage', 'SDLC / patch_coverage', 'SDLC / lint', 'SDLC / security', 'SDLC / tests', 'SDLC / verdict'];
const cliFeature = JSON.parse(widgetsFile('cli-verdict-feature.json')) as { gates: { id: string; outcome: string; metrics: Record<string, unknown> }[] };
const cliMain = JSON.parse(widgetsFile('cli-verdict-main.json')) as typeof cliFeature;
const CONFIG = widgetsFile('source-main/.sdlc.yml');

let gh: AppGitHub;

beforeEach(async () => {
  gh = await startAppGitHub();
});

afterEach(async () => {
  expect(gh.fake.violations).toEqual([]);
  await gh.close();
});

function processor() {
  return createProcessor({ getOctokit: () => gh.octokit(), appId: APP_ID, now: () => new Date('2026-01-01T00:00:00Z') });
}

/** PR #7 (feature -> main) with the real diff, the config on main, and CI run 9001 with its artifact. */
async function seedPullRequest(opts: { artifact?: Buffer | null; runId?: number } = {}) {
  const s = gh.fake.state;
  s.addFile('main', '.sdlc.yml', CONFIG);
  s.addFile(FEATURE_SHA, '.sdlc.yml', CONFIG);
  s.addPull({ number: 7, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', files: prFiles() });
  const runId = opts.runId ?? 9001;
  s.addRun({ id: runId, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI' });
  if (opts.artifact !== null) s.addArtifact(runId, 'sdlc-reports', opts.artifact ?? (await reportsZip('feature')));
}

function byName(runs: CheckRunRecord[]): Record<string, CheckRunRecord> {
  return Object.fromEntries(runs.map((r) => [r.name, r]));
}

function verdictOf(runs: CheckRunRecord[]) {
  const verdict = runs.find((r) => r.name === 'SDLC / verdict');
  const marker = parseVerdictMarker(verdict?.output.summary ?? '');
  if (!marker) throw new Error('no verdict marker in SDLC / verdict');
  return marker;
}

function metricsOf(cli: typeof cliFeature, id: string, drop: string[] = []): Record<string, unknown> {
  const m = { ...cli.gates.find((g) => g.id === id)!.metrics };
  for (const k of drop) delete m[k];
  return m;
}

describe('a pull request and its workflow run', () => {
  it('publishes one check run per gate with annotations, one comment and no tag', async () => {
    await seedPullRequest();
    const ctx = jobContext();
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7, headRepoFullName: 'acme/widgets' }), ctx);

    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs.map((r) => r.name).sort()).toEqual([...CHECKS].sort());
    const named = byName(runs);
    expect(Object.fromEntries(runs.map((r) => [r.name, [r.status, r.conclusion]]))).toEqual({
      // No verdict was published for the base commit: max_drop is not checked.
      'SDLC / coverage': ['completed', 'success'],
      'SDLC / patch_coverage': ['completed', 'failure'],
      'SDLC / lint': ['completed', 'failure'],
      'SDLC / security': ['completed', 'success'],
      'SDLC / tests': ['completed', 'success'],
      'SDLC / verdict': ['completed', 'failure'],
    });
    const ann = (name: string) => named[name]!.annotations.map((a) => [a.path, a.start_line, a.end_line, a.annotation_level]);
    expect(ann('SDLC / patch_coverage')).toEqual([
      ['src/discount.js', 12, 13, 'warning'],
      ['src/pricing.js', 22, 22, 'warning'],
    ]);
    expect(ann('SDLC / lint')).toEqual([['src/pricing.js', 24, 24, 'failure']]);
    expect(named['SDLC / lint']!.annotations[0]!.message).toContain("'note' is assigned a value but never used.");
    expect(ann('SDLC / security')).toEqual([
      ['src/discount.js', 6, 6, 'warning'],
      ['src/discount.js', 12, 12, 'warning'],
    ]);
    expect(ann('SDLC / tests')).toEqual([]);
    expect(named['SDLC / verdict']!.detailsUrl).toBe(`https://github.com/${OWNER}/${REPO}/actions/runs/9001`);

    // The same numbers as `sdlc-gate check` on the same reports and diff.
    const marker = verdictOf(runs);
    expect(marker.head).toBe(FEATURE_SHA);
    const metrics = Object.fromEntries(marker.gates.map((g) => [g.id, g.metrics]));
    expect(metrics.coverage).toEqual(metricsOf(cliFeature, 'coverage', ['base_pct', 'drop']));
    expect(metrics.patch_coverage).toEqual(metricsOf(cliFeature, 'patch_coverage'));
    expect(metrics.lint).toEqual(metricsOf(cliFeature, 'lint'));
    expect(metrics.security).toEqual(metricsOf(cliFeature, 'security'));
    expect(metrics.tests).toEqual(metricsOf(cliFeature, 'tests'));

    const comments = gh.fake.state.comments(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.user.type).toBe('Bot');
    expect(comments[0]!.body).toContain('<!-- sdlc-gatekeeper:comment -->');
    expect(comments[0]!.body).toContain('75 % (9/12)');
    expect(gh.fake.state.tags()).toEqual([]);
    expect(Object.keys(gh.fake.state.refs()).filter((r) => r.startsWith('refs/tags/'))).toEqual([]);

    // Config from the head commit (the pull request's own branch), changed lines from the files API.
    expect(gh.fake.callsTo('repos/get-content').map((c) => c.url)).toEqual([`/repos/${OWNER}/${REPO}/contents/.sdlc.yml?ref=${FEATURE_SHA}`]);
    expect(gh.fake.callsTo('pulls/list-files')).toHaveLength(1);

    // Every log line names the delivery, repository, SHA and job.
    expect(ctx.lines.length).toBeGreaterThan(5);
    for (const l of ctx.lines) {
      expect(l.obj).toMatchObject({ deliveryId: 'delivery-workflow_run', repository: 'acme/widgets', sha: FEATURE_SHA, jobId: `${INSTALLATION}/acme/widgets@${FEATURE_SHA}` });
    }
  });

  it('a second run on the same SHA updates the same check runs and the one comment', async () => {
    await seedPullRequest();
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const first = gh.fake.state.checkRuns(FEATURE_SHA);
    const firstComment = gh.fake.state.comments(7);

    gh.fake.state.addRun({ id: 9002, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI', runAttempt: 2 });
    gh.fake.state.addArtifact(9002, 'sdlc-reports', await reportsZip('feature'));
    await processor()(job('workflow_run', { workflowRunId: 9002, workflowName: 'CI', pullNumber: 7 }), jobContext());

    const second = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(second.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
    expect(second.every((r) => r.updates >= 1)).toBe(true);
    // Annotations are appended by GitHub on every update: the publisher does not send them twice.
    expect(byName(second)['SDLC / security']!.annotations).toHaveLength(2);
    expect(byName(second)['SDLC / verdict']!.detailsUrl).toBe(`https://github.com/${OWNER}/${REPO}/actions/runs/9002`);
    const comments = gh.fake.state.comments(7);
    expect(comments.map((c) => c.id)).toEqual(firstComment.map((c) => c.id));
    expect(gh.fake.callsTo('checks/create')).toHaveLength(6);
    expect(gh.fake.callsTo('issues/create-comment')).toHaveLength(1);
  });

  it('a 502 on a check run create that GitHub performed makes no duplicate', async () => {
    await seedPullRequest();
    const rule = gh.fake.fail({ method: 'POST', path: /\/check-runs$/, status: 502, performed: true, times: 1 });
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    expect(rule.hits).toBe(1);
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs.map((r) => r.name).sort()).toEqual([...CHECKS].sort());
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
  });

  it('the base commit’s published verdict gives the base coverage: max_drop is judged', async () => {
    // The push to main is evaluated first (its own artifact), which publishes SDLC / verdict on MAIN_SHA.
    const s = gh.fake.state;
    s.addFile('main', '.sdlc.yml', CONFIG);
    s.addRun({ id: 8001, headSha: MAIN_SHA, headBranch: 'main', event: 'push', name: 'CI' });
    s.addArtifact(8001, 'sdlc-reports', await reportsZip('main'));
    await processor()(job('workflow_run', { headSha: MAIN_SHA, workflowRunId: 8001, workflowName: 'CI', branch: 'main' }), jobContext());
    expect(verdictOf(s.checkRuns(MAIN_SHA)).gates.find((g) => g.id === 'coverage')!.metrics).toEqual(metricsOf(cliMain, 'coverage'));

    await seedPullRequest();
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const runs = s.checkRuns(FEATURE_SHA);
    const coverage = byName(runs)['SDLC / coverage']!;
    expect(coverage.conclusion).toBe('failure');
    expect(coverage.output.title).toBe('Coverage 77.41 % >= 70 %; dropped 1.52 points vs 1d86174 (max 1)');
    expect(verdictOf(runs).gates.find((g) => g.id === 'coverage')!.metrics).toEqual(metricsOf(cliFeature, 'coverage'));
    // Read from the check run: one list of the base commit's verdict check runs, no tag lookup.
    const lookups = gh.fake.callsTo('checks/list-for-ref').filter((c) => c.params.ref === MAIN_SHA && c.url.includes('check_name='));
    expect(lookups).toHaveLength(1);
    expect(gh.fake.callsTo('git/get-ref').filter((c) => c.url.includes('sdlc'))).toHaveLength(1); // the push's own tag lookup only
    // The push looked for its parent (MAIN_SHA is a root commit in the fake); the pull request has its base: no commit lookup.
    expect(gh.fake.callsTo('git/get-commit').map((c) => c.params.commit_sha)).toEqual([MAIN_SHA]);
  });
});

/** The push of MAIN_SHA evaluated with its own artifact: SDLC / verdict on MAIN_SHA says 78.94 %. */
async function evaluateMainPush() {
  const s = gh.fake.state;
  s.addFile('main', '.sdlc.yml', CONFIG);
  s.addRun({ id: 8001, headSha: MAIN_SHA, headBranch: 'main', event: 'push', name: 'CI' });
  s.addArtifact(8001, 'sdlc-reports', await reportsZip('main'));
  await processor()(job('workflow_run', { headSha: MAIN_SHA, workflowRunId: 8001, workflowName: 'CI', branch: 'main' }), jobContext());
}

/** FEATURE_SHA pushed to main with `parents` (the feature reports: 77.41 %), evaluated from its push run 8002. */
async function pushFeatureToMain(parents: string[], config = CONFIG, ctx = jobContext()) {
  const s = gh.fake.state;
  s.addCommit(FEATURE_SHA, parents);
  s.addFile(FEATURE_SHA, '.sdlc.yml', config);
  s.addRun({ id: 8002, headSha: FEATURE_SHA, headBranch: 'main', event: 'push', name: 'CI' });
  s.addArtifact(8002, 'sdlc-reports', await reportsZip('feature'));
  gh.fake.calls.length = 0;
  await processor()(job('workflow_run', { headSha: FEATURE_SHA, workflowRunId: 8002, workflowName: 'CI', branch: 'main' }), ctx);
}

/** FEATURE_SHA's SDLC / coverage check run, its text, and the coverage metrics of its verdict. */
function featureCoverage() {
  const runs = gh.fake.state.checkRuns(FEATURE_SHA);
  const coverage = byName(runs)['SDLC / coverage']!;
  return { coverage, text: `${coverage.output.summary ?? ''}\n${coverage.output.text ?? ''}`, metrics: verdictOf(runs).gates.find((g) => g.id === 'coverage')!.metrics };
}

/** The coverage gate's note when no base coverage is known, as the check run's markdown shows it. */
const NOT_CHECKED = '- max\\_drop not checked: no coverage is known for the base commit';

/** The base lookups of a job: the SDLC / verdict check runs listed for `sha`, and the tag refs read. */
function baseLookups(sha: string) {
  return {
    checkRuns: gh.fake.callsTo('checks/list-for-ref').filter((c) => c.params.ref === sha && c.url.includes('check_name=')).length,
    tags: gh.fake.callsTo('git/get-ref').filter((c) => c.params.ref?.includes(sha.slice(0, 7))).length,
  };
}

describe('max_drop on a push: the first parent is the base', () => {
  it('the parent’s published verdict gives the base coverage: a drop over max_drop fails', async () => {
    await evaluateMainPush();
    await pushFeatureToMain([MAIN_SHA]);
    const { coverage, metrics } = featureCoverage();
    expect(coverage.conclusion).toBe('failure');
    expect(coverage.output.title).toBe('Coverage 77.41 % >= 70 %; dropped 1.52 points vs 1d86174 (max 1)');
    // The same numbers as `sdlc-gate check --base-verdict` with the main verdict.
    expect(metrics).toEqual(metricsOf(cliFeature, 'coverage'));
    // One light commit read (not the REST commit with its diff), then the parent's verdict check run.
    expect(gh.fake.callsTo('git/get-commit').map((c) => c.params.commit_sha)).toEqual([FEATURE_SHA]);
    expect(gh.fake.calls.filter((c) => c.operationId === 'repos/get-commit')).toEqual([]);
    expect(baseLookups(MAIN_SHA)).toEqual({ checkRuns: 1, tags: 0 });
  });

  it('a drop within max_drop passes, saying by how much', async () => {
    await evaluateMainPush();
    await pushFeatureToMain([MAIN_SHA], CONFIG.replace('max_drop: 1\n', 'max_drop: 2\n'));
    const { coverage, metrics } = featureCoverage();
    expect(coverage.conclusion).toBe('success');
    expect(coverage.output.title).toBe('Coverage 77.41 % >= 70 %; -1.52 vs 1d86174');
    expect(metrics).toEqual(metricsOf(cliFeature, 'coverage'));
  });

  it('only the first parent of a merge commit counts', async () => {
    await evaluateMainPush();
    await pushFeatureToMain([MAIN_SHA, NEWER_SHA]);
    const { coverage } = featureCoverage();
    expect(coverage.output.title).toBe('Coverage 77.41 % >= 70 %; dropped 1.52 points vs 1d86174 (max 1)');
    expect(baseLookups(NEWER_SHA)).toEqual({ checkRuns: 0, tags: 0 });
  });

  it('a parent without a published verdict or tag: max_drop is not judged, with the note', async () => {
    gh.fake.state.addFile('main', '.sdlc.yml', CONFIG);
    const ctx = jobContext();
    await pushFeatureToMain([MAIN_SHA], CONFIG, ctx);
    const { coverage, text, metrics } = featureCoverage();
    expect(coverage.conclusion).toBe('success');
    expect(coverage.output.title).toBe('Coverage 77.41 % >= 70 %');
    expect(text).toContain(NOT_CHECKED);
    expect(metrics).toEqual(metricsOf(cliFeature, 'coverage', ['base_pct', 'drop']));
    // Looked for: the parent's verdict check run, then its tag under each outcome.
    expect(baseLookups(MAIN_SHA)).toEqual({ checkRuns: 1, tags: 3 });
    expect(ctx.lines.map((l) => l.msg)).toContain('no coverage is known for the base commit 1d86174');
  });

  it('a root commit has no base: not judged, nothing else looked up', async () => {
    const ctx = jobContext();
    await pushFeatureToMain([], CONFIG, ctx);
    const { coverage, text } = featureCoverage();
    expect(coverage.conclusion).toBe('success');
    expect(text).toContain(NOT_CHECKED);
    expect(gh.fake.callsTo('git/get-commit')).toHaveLength(1);
    expect(gh.fake.callsTo('checks/list-for-ref').filter((c) => c.url.includes('check_name='))).toEqual([]);
    expect(ctx.lines.map((l) => l.msg)).toContain('439c13b is a root commit: max_drop has no base commit');
  });

  it('a commit GitHub does not have (404) has no base either', async () => {
    const rule = gh.fake.fail({ method: 'GET', path: /\/git\/commits\//, status: 404, body: { message: 'Not Found' } });
    const ctx = jobContext();
    await pushFeatureToMain([MAIN_SHA], CONFIG, ctx);
    const { coverage, text } = featureCoverage();
    expect(rule.hits).toBe(1);
    expect(coverage.conclusion).toBe('success');
    expect(text).toContain(NOT_CHECKED);
    expect(baseLookups(MAIN_SHA)).toEqual({ checkRuns: 0, tags: 0 });
    expect(ctx.lines.map((l) => l.msg)).toContain('commit 439c13b was not found in acme/widgets: max_drop has no base commit');
  });

  it('a 503 on the commit read is retried like any other GitHub read', async () => {
    gh.fake.fail({ method: 'GET', path: /\/git\/commits\//, status: 503 });
    await expect(pushFeatureToMain([MAIN_SHA])).rejects.toThrow(RetryableError);
    // Nothing published: the retry evaluates again.
    expect(gh.fake.callsTo('checks/create')).toEqual([]);
  });

  it.each([
    ['without max_drop', CONFIG.replace('    max_drop: 1\n', '')],
    ['with the coverage gate off', CONFIG.replace('  coverage:\n', '  coverage:\n    enabled: false\n')],
  ])('%s: no commit is read and no base is looked up', async (_what, config) => {
    await evaluateMainPush();
    await pushFeatureToMain([MAIN_SHA], config);
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect(gh.fake.callsTo('git/get-commit')).toEqual([]);
    expect(baseLookups(MAIN_SHA)).toEqual({ checkRuns: 0, tags: 0 });
  });
});

describe('a push to the default branch', () => {
  it('is evaluated without a pull request (no comment) and tagged', async () => {
    const s = gh.fake.state;
    s.addFile('main', '.sdlc.yml', CONFIG);
    s.addRun({ id: 8001, headSha: MAIN_SHA, headBranch: 'main', event: 'push', name: 'CI' });
    s.addArtifact(8001, 'sdlc-reports', await reportsZip('main'));
    await processor()(job('workflow_run', { headSha: MAIN_SHA, workflowRunId: 8001, workflowName: 'CI', branch: 'main' }), jobContext());

    const runs = s.checkRuns(MAIN_SHA);
    expect(Object.fromEntries(runs.map((r) => [r.name, r.conclusion]))).toEqual({
      'SDLC / coverage': 'success',
      'SDLC / patch_coverage': 'neutral',
      'SDLC / lint': 'success',
      'SDLC / security': 'success',
      'SDLC / tests': 'success',
      'SDLC / verdict': 'success',
    });
    const marker = verdictOf(runs);
    for (const id of ['coverage', 'lint', 'security', 'tests']) expect(marker.gates.find((g) => g.id === id)!.metrics).toEqual(metricsOf(cliMain, id));
    const tags = s.tags();
    expect(tags.map((t) => [t.tag, t.object.sha])).toEqual([['sdlc/implementation/pass/1d86174', MAIN_SHA]]);
    expect(s.refs()['refs/tags/sdlc/implementation/pass/1d86174']).toBe(tags[0]!.sha);
    expect(tags[0]!.message).toContain('SDLC verdict: pass');
    expect(gh.fake.callsTo('issues/list-comments')).toHaveLength(0);
    // No pull request was looked for: a push run is about the branch.
    expect(gh.fake.callsTo('repos/list-pull-requests-associated-with-commit')).toHaveLength(0);
  });

  it('a push to a branch that is not tagged, with no pull request and no run, does nothing', async () => {
    gh.fake.state.addFile('main', '.sdlc.yml', CONFIG);
    await processor()(job('push', { headSha: MAIN_SHA, branch: 'experiment' }), jobContext());
    expect(gh.fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(gh.fake.state.checkRuns()).toEqual([]);
  });
});

describe('fork pull requests', () => {
  it('finds the pull request by head SHA and head repository, and reads the config from the base branch', async () => {
    const s = gh.fake.state;
    s.addFile('main', '.sdlc.yml', CONFIG);
    // The fork relaxes every gate on its branch: that must not count.
    s.addRepo({ owner: 'mallory', repo: 'widgets', fork: true, ownerType: 'User' });
    s.addFile(FEATURE_SHA, '.sdlc.yml', 'gates:\n  lint:\n    enabled: false\n  patch_coverage:\n    min: 0\n');
    // Another fork's pull request with the same head commit is not ours.
    s.addPull({ number: 8, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', headRepoFullName: 'eve/widgets', files: [] });
    s.addPull({ number: 9, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', headRepoFullName: 'mallory/widgets', files: prFiles() });
    s.addRun({ id: 9100, headSha: FEATURE_SHA, headBranch: 'feature', headRepoFullName: 'mallory/widgets', event: 'pull_request', pullRequests: [], name: 'CI' });
    s.addArtifact(9100, 'sdlc-reports', await reportsZip('feature'));
    // GitHub does not list pull requests for a commit that is only in a fork.
    gh.fake.fail({ method: 'GET', path: /\/commits\/[0-9a-f]{40}\/pulls/, status: 422, body: { message: `No commit found for SHA: ${FEATURE_SHA}` }, times: 1 });

    await processor()(job('workflow_run', { workflowRunId: 9100, workflowName: 'CI', headRepoFullName: 'mallory/widgets' }), jobContext());

    expect(gh.fake.callsTo('repos/get-content').map((c) => c.url)).toEqual([`/repos/${OWNER}/${REPO}/contents/.sdlc.yml?ref=main`]);
    const runs = byName(s.checkRuns(FEATURE_SHA));
    expect(runs['SDLC / lint']!.conclusion).toBe('failure');
    expect(runs['SDLC / patch_coverage']!.conclusion).toBe('failure');
    expect(s.comments(9)).toHaveLength(1);
    expect(s.comments(8)).toHaveLength(0);
    expect(gh.fake.callsTo('pulls/list')).toHaveLength(1);
  });
});

describe('what ends the checks without a verdict', () => {
  it('an invalid config fails SDLC / verdict, naming the file, line and key', async () => {
    await seedPullRequest();
    gh.fake.state.addFile(FEATURE_SHA, '.sdlc.yml', 'gates:\n  coverage:\n    min: 180\n');
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs.map((r) => [r.name, r.conclusion])).toEqual([['SDLC / verdict', 'failure']]);
    expect(runs[0]!.output.title).toBe('Invalid SDLC Gatekeeper config');
    expect(runs[0]!.output.summary).toContain('gates.coverage.min: expected number <= 100, got 180 at .sdlc.yml:3:10');
    expect(gh.fake.state.comments(7)).toEqual([]);
    expect(gh.fake.callsTo('actions/list-workflow-run-artifacts')).toHaveLength(0);
  });

  it('a config problem quoting backticks cannot close the code block that shows it', async () => {
    await seedPullRequest();
    gh.fake.state.addFile(FEATURE_SHA, '.sdlc.yml', 'gates:\n  coverage:\n    "```<b>x</b>": 1\n');
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const summary = gh.fake.state.checkRuns(FEATURE_SHA)[0]!.output.summary!;
    expect(summary).toContain('\n````\ngates.coverage.```<b>x</b>: unknown key "```<b>x</b>"');
    expect(summary.trimEnd().endsWith('at .sdlc.yml:3:5\n````')).toBe(true);
  });

  it('a run without the artifact ends every check neutral', async () => {
    await seedPullRequest({ artifact: null });
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs.map((r) => r.name).sort()).toEqual([...CHECKS].sort());
    for (const r of runs) {
      expect([r.status, r.conclusion, r.output.title]).toEqual(['completed', 'neutral', 'workflow CI completed without the sdlc-reports artifact']);
    }
  });

  it('... or failed when reports.required is set', async () => {
    await seedPullRequest({ artifact: null });
    gh.fake.state.addFile(FEATURE_SHA, '.sdlc.yml', CONFIG.replace('reports:\n', 'reports:\n  required: true\n'));
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    expect(new Set(runs.map((r) => r.conclusion))).toEqual(new Set(['failure']));
  });

  it('a run without the artifact leaves the checks alone while another run of the commit is still going', async () => {
    await seedPullRequest({ artifact: null });
    gh.fake.state.addRun({ id: 9005, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'Reports', status: 'in_progress', conclusion: null });
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    expect(gh.fake.state.checkRuns(FEATURE_SHA)).toEqual([]);
    expect(gh.fake.callsTo('actions/list-workflow-runs-for-repo').map((c) => c.url)).toHaveLength(1);
  });

  const hostile: [string, () => Promise<Buffer>, string][] = [
    [
      'zip slip (an entry named ../../.github/workflows/x.yml)',
      async () => {
        // yazl refuses ".." in names: the name is written with a placeholder of the same length, then patched.
        const zip = await zipOf({ 'lcov.info': readFileSync(ownFixture('app/widgets/reports/feature/lcov.info')), 'xx/xx/.github/workflows/x.yml': 'on: push\n' });
        return Buffer.from(zip.toString('latin1').split('xx/xx/.github').join('../../.github'), 'latin1');
      },
      'unsafe-name',
    ],
    ['a symbolic link', async () => zipOf({ 'lcov.info': 'TN:\n', 'passwd.json': '/etc/passwd' }, { mode: { 'passwd.json': 0o120777 } }), 'symlink'],
    [
      'a zip bomb (an lcov entry inflating 2000:1)',
      async () => zipOf({ 'lcov.info': `TN:\nSF:src/a.js\n${'DA:1,1\n'.repeat(3_000_000)}end_of_record\n` }),
      'ratio',
    ],
  ];
  for (const [what, make, reason] of hostile) {
    it(`${what}: every check neutral, saying why`, async () => {
      await seedPullRequest({ artifact: await make() });
      await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
      const runs = gh.fake.state.checkRuns(FEATURE_SHA);
      expect(runs.map((r) => r.name).sort()).toEqual([...CHECKS].sort());
      for (const r of runs) {
        expect(r.conclusion).toBe('neutral');
        expect(r.output.title).toBe(`The sdlc-reports artifact was not read (${reason})`);
        expect(r.output.summary).toContain('was refused, so no report was read');
      }
      expect(gh.fake.state.comments(7)).toEqual([]);
    });
  }
});

describe('a stale SHA', () => {
  it('completes its own check runs but leaves the pull request comment to the newer head', async () => {
    await seedPullRequest();
    const s = gh.fake.state;
    const ours = s.addComment(7, { body: 'newer verdict\n\n<!-- sdlc-gatekeeper:comment -->\n', user: 'sdlc-gatekeeper[bot]' });
    // The pull request moves on while the old SHA is being evaluated (after its files were read).
    const octokit = gh.octokit() as Octokit;
    octokit.hook.after('request', (_res, options) => {
      if (String(options.url).endsWith('/pulls/{pull_number}/files')) s.pullList.find((p) => p.number === 7)!.headSha = NEWER_SHA;
    });
    await createProcessor({ getOctokit: () => octokit, appId: APP_ID })(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());

    const runs = s.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect(s.comments(7)).toEqual([ours]);
    expect(gh.fake.calls.filter((c) => c.operationId?.startsWith('issues/'))).toEqual([]);
  });
});

describe('jobs without a run', () => {
  it('push to the default branch while CI runs: starts the checks on the pushed commit', async () => {
    const s = gh.fake.state;
    s.addFile('main', '.sdlc.yml', CONFIG);
    s.addRun({ id: 8001, headSha: MAIN_SHA, headBranch: 'main', event: 'push', name: 'CI', status: 'queued', conclusion: null });
    await processor()(job('push', { headSha: MAIN_SHA, branch: 'main' }), jobContext());
    const runs = s.checkRuns(MAIN_SHA);
    expect(runs.map((r) => [r.status, r.output.title])).toEqual(Array.from({ length: 6 }, () => ['in_progress', 'Waiting for reports from workflow CI']));
    expect(s.tags()).toEqual([]);
  });

  it('pull_request: starts every check, waiting for the workflow that is running', async () => {
    await seedPullRequest({ artifact: null });
    gh.fake.state.runList.find((r) => r.id === 9001)!.status = 'in_progress';
    await processor()(job('pull_request', { pullNumber: 7, headRepoFullName: 'acme/widgets' }), jobContext());
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs.map((r) => r.name).sort()).toEqual([...CHECKS].sort());
    for (const r of runs) expect([r.status, r.output.title]).toEqual(['in_progress', 'Waiting for reports from workflow CI']);
    expect(gh.fake.callsTo('actions/list-workflow-run-artifacts')).toHaveLength(0);
  });

  it('pull_request before any run: starts the checks, waiting for the artifact', async () => {
    await seedPullRequest({ artifact: null });
    gh.fake.state.runList.length = 0;
    await processor()(job('pull_request', { pullNumber: 7 }), jobContext());
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    expect(runs[0]!.output.title).toBe('Waiting for reports: no workflow run has uploaded the sdlc-reports artifact for this commit yet');
  });

  it('rerequested: evaluates the newest completed run that has the artifact', async () => {
    await seedPullRequest({ artifact: null });
    const s = gh.fake.state;
    s.addRun({ id: 9003, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI' });
    s.addArtifact(9003, 'sdlc-reports', await reportsZip('feature'));
    s.addRun({ id: 9004, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'Labeler' });
    await processor()(job('rerequested', { pullNumber: 7 }), jobContext());
    const runs = s.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    expect(byName(runs)['SDLC / lint']!.conclusion).toBe('failure');
    expect(byName(runs)['SDLC / verdict']!.detailsUrl).toBe(`https://github.com/${OWNER}/${REPO}/actions/runs/9003`);
    // 9004 (newest) and 9003 were asked for the artifact; 9001 was not needed.
    expect(gh.fake.callsTo('actions/list-workflow-run-artifacts').map((c) => c.params.run_id)).toEqual(['9004', '9003']);
    expect(s.comments(7)).toHaveLength(1);
  });

  it('rerequested when every run completed without the artifact: neutral', async () => {
    await seedPullRequest({ artifact: null });
    await processor()(job('rerequested', { pullNumber: 7 }), jobContext());
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    expect(runs.every((r) => r.conclusion === 'neutral' && r.output.title === 'workflow CI completed without the sdlc-reports artifact')).toBe(true);
  });
});

describe('report paths without a checkout', () => {
  it('coverage.ignore applies to files the pull request does not touch', async () => {
    await seedPullRequest();
    gh.fake.state.addFile(FEATURE_SHA, '.sdlc.yml', CONFIG.replace('    max_drop: 1\n', "    max_drop: 1\n    ignore: ['src/cart.js']\n"));
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const coverage = verdictOf(gh.fake.state.checkRuns(FEATURE_SHA)).gates.find((g) => g.id === 'coverage')!;
    // lcov.info: src/cart.js LF:12 LH:8 is left out of 24/31.
    expect([coverage.metrics.covered, coverage.metrics.total, coverage.metrics.ignored_files]).toEqual([16, 19, 1]);
  });

  it('reports written under a self-hosted runner’s workspace are matched through the changed files', async () => {
    const moved = (name: string) =>
      readFileSync(ownFixture(`app/widgets/reports/feature/${name}`), 'utf8').split('/home/runner/work/widgets/widgets/').join('/opt/actions-runner/_work/widgets/widgets/');
    const artifact = await zipOf({
      'lcov.info': readFileSync(ownFixture('app/widgets/reports/feature/lcov.info')),
      'eslint.json': moved('eslint.json'),
      'security.sarif': moved('security.sarif'),
      'junit.xml': readFileSync(ownFixture('app/widgets/reports/feature/junit.xml')),
    });
    expect(moved('eslint.json')).toContain('"filePath":"/opt/actions-runner/_work/widgets/widgets/src/pricing.js"');
    await seedPullRequest({ artifact });
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const runs = byName(gh.fake.state.checkRuns(FEATURE_SHA));
    expect(runs['SDLC / lint']!.annotations.map((a) => [a.path, a.start_line])).toEqual([['src/pricing.js', 24]]);
    expect(runs['SDLC / security']!.annotations.map((a) => [a.path, a.start_line])).toEqual([
      ['src/discount.js', 6],
      ['src/discount.js', 12],
    ]);
  });
});

describe('large pull requests', () => {
  it('a file whose patch GitHub leaves out (too large) sends the App to the .diff media type', async () => {
    await seedPullRequest();
    const octokit = gh.octokit() as Octokit;
    // GitHub omits `patch` for a file whose diff is too large, keeping its counts; the fake cannot, so the answer is edited.
    octokit.hook.after('request', (res, options) => {
      if (!String(options.url).endsWith('/pulls/{pull_number}/files')) return;
      const entry = (res.data as { filename: string; patch?: string; additions: number }[]).find((f) => f.filename === 'src/pricing.js')!;
      expect(entry.additions).toBe(11);
      delete entry.patch;
    });
    await createProcessor({ getOctokit: () => octokit, appId: APP_ID })(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    expect(gh.fake.callsTo('pulls/get').filter((c) => String(c.headers.accept).includes('diff'))).toHaveLength(1);
    const marker = verdictOf(gh.fake.state.checkRuns(FEATURE_SHA));
    expect(marker.gates.find((g) => g.id === 'patch_coverage')!.metrics).toEqual(metricsOf(cliFeature, 'patch_coverage'));
    expect(byName(gh.fake.state.checkRuns(FEATURE_SHA))['SDLC / patch_coverage']!.annotations.map((a) => [a.path, a.start_line])).toEqual([
      ['src/discount.js', 12],
      ['src/pricing.js', 22],
    ]);
  });

  it('when GitHub refuses the .diff too (406), the partial list is used and the verdict says so', async () => {
    await seedPullRequest();
    const octokit = gh.octokit() as Octokit;
    octokit.hook.after('request', (res, options) => {
      if (!String(options.url).endsWith('/pulls/{pull_number}/files')) return;
      delete (res.data as { filename: string; patch?: string }[]).find((f) => f.filename === 'src/pricing.js')!.patch;
    });
    // GitHub answers 406 to the .diff of a pull request over its diff limits; the JSON reads of the pull request pass.
    octokit.hook.wrap('request', async (request, options) => {
      if (String(options.url).endsWith('/pulls/{pull_number}') && (options.mediaType as { format?: string } | undefined)?.format === 'diff') {
        throw Object.assign(new Error('Sorry, the diff exceeded the maximum number of lines (20000)'), { status: 406 });
      }
      return request(options);
    });
    await createProcessor({ getOctokit: () => octokit, appId: APP_ID })(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    const runs = byName(gh.fake.state.checkRuns(FEATURE_SHA));
    // Without pricing.js's added lines: discount.js alone, lines 2, 5, 6, 8, 12, 13 of which 12-13 uncovered.
    const marker = verdictOf(Object.values(runs));
    expect(marker.gates.find((g) => g.id === 'patch_coverage')!.metrics).toMatchObject({ total: 6, covered: 4 });
    expect(runs['SDLC / verdict']!.output.summary).toContain('changed lines are incomplete (src/pricing.js: GitHub left out its patch (too large))');
  });

  it('more than 3000 files: the changed lines come from the .diff media type', async () => {
    const s = gh.fake.state;
    s.addFile('main', '.sdlc.yml', CONFIG);
    s.addFile(FEATURE_SHA, '.sdlc.yml', CONFIG);
    const generated = Array.from({ length: 3001 }, (_, i) => ({ filename: `docs/generated/page-${i}.md`, status: 'added' as const, patch: '@@ -0,0 +1 @@\n+generated' }));
    s.addPull({ number: 7, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', files: [...generated, ...prFiles()] });
    s.addRun({ id: 9001, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI' });
    s.addArtifact(9001, 'sdlc-reports', await reportsZip('feature'));
    await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());

    const diffs = gh.fake.callsTo('pulls/get').filter((c) => String(c.headers.accept).includes('diff'));
    expect(diffs).toHaveLength(1);
    expect(gh.fake.callsTo('pulls/list-files')).toHaveLength(30);
    const marker = verdictOf(s.checkRuns(FEATURE_SHA));
    // The four source files are beyond the files API's 3000: only the .diff has them.
    expect(marker.gates.find((g) => g.id === 'patch_coverage')!.metrics).toEqual({ ...metricsOf(cliFeature, 'patch_coverage'), files_changed: 3005 });
  });
});

describe('GitHub failures', () => {
  it('a 503 is retryable before the final attempt, and ends the checks neutral on it', async () => {
    await seedPullRequest();
    gh.fake.fail({ method: 'GET', path: /\/pulls\/7\/files/, status: 503, times: Infinity });
    const p = processor();
    const first = jobContext({ attempt: 1, finalAttempt: false });
    await expect(p(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), first)).rejects.toBeInstanceOf(RetryableError);
    expect(gh.fake.state.checkRuns(FEATURE_SHA)).toEqual([]);

    const last = jobContext({ attempt: 3, finalAttempt: true });
    await p(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), last);
    const runs = gh.fake.state.checkRuns(FEATURE_SHA);
    expect(runs).toHaveLength(6);
    for (const r of runs) {
      expect([r.conclusion, r.output.title]).toEqual(['neutral', 'GitHub was unavailable']);
      expect(r.output.summary).toContain('GitHub was unavailable: 503 Service Unavailable');
    }
    expect(last.lines.some((l) => l.level === 'error' && /giving up after 3 attempts/.test(l.msg ?? ''))).toBe(true);
  });

  it('a shutdown stops the job for a later retry, even on the final attempt, leaving the checks alone', async () => {
    await seedPullRequest();
    const stop = new AbortController();
    const octokit = gh.octokit() as Octokit;
    octokit.hook.after('request', (_res, options) => {
      if (String(options.url).endsWith('/pulls/{pull_number}/files')) stop.abort();
    });
    const ctx = jobContext({ signal: stop.signal, attempt: 3, finalAttempt: true });
    const err = await createProcessor({ getOctokit: () => octokit, appId: APP_ID })(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toBe('the worker is shutting down');
    expect(gh.fake.state.checkRuns(FEATURE_SHA)).toEqual([]);
    expect(gh.fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('a 429 carries the retry-after delay to the queue', async () => {
    await seedPullRequest();
    gh.fake.fail({ method: 'GET', path: /\/pulls\/7$/, status: 429, headers: { 'retry-after': '7' }, times: 1 });
    const err = await processor()(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).toBe(7000);
  });
});
