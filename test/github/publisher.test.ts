/**
 * Publisher unit tests: GitHub mocked with nock, every request checked
 * against GitHub's REST description (installOpenApiValidation).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import type { ProbotOctokit } from 'probot';
import { loadConfig } from '../../src/core/config/load.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import { CoverageBuilder } from '../../src/core/model/coverage.js';
import type { Finding } from '../../src/core/model/findings.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { COMMENT_MARKER, commentBody, type Annotation } from '../../src/core/render/check.js';
import type { Verdict } from '../../src/core/verdict.js';
import type { GitHubClient } from '../../src/github/client.js';
import { Publisher, PublishError, type GitHubTarget, type PublishSwitches } from '../../src/github/publisher.js';
import { installOpenApiValidation } from '../helpers/github/nock.js';

const API = 'https://api.github.com';
const SHA = '3f1e2d4c5b6a79880123456789abcdef01234567';
const OTHER = '9999999999999999999999999999999999999999';
const TARGET: GitHubTarget = { owner: 'acme', repo: 'widgets', headSha: SHA };
const RUN_URL = 'https://github.com/acme/widgets/actions/runs/77';

// ---------------------------------------------------------------- verdicts

const LINT_ONLY_OTHERS_OFF = 'gates:\n  coverage: {enabled: false}\n  patch_coverage: {enabled: false}\n  security: {enabled: false}\n  tests: {enabled: false}\n';

function lintFindings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => ({
    tool: 'eslint',
    ruleId: i % 2 ? 'no-unused-vars' : 'eqeqeq',
    message: `problem ${i}`,
    level: i % 2 ? 'error' : 'warning',
    severity: i % 2 ? 'high' : 'medium',
    path: `src/f${i % 7}.ts`,
    line: i + 1,
  }));
}

function reports(lint: number): ParsedReport[] {
  const b = new CoverageBuilder();
  const f = b.file('src/f0.ts');
  for (let l = 1; l <= 10; l++) f.addLine(l, l <= 9 ? 1 : 0);
  return [
    { kind: 'coverage', path: 'coverage/lcov.info', format: 'lcov', coverage: b.build(), warnings: [] },
    { kind: 'lint', path: 'eslint.json', format: 'eslint-json', findings: { findings: lintFindings(lint), tools: ['eslint'] }, warnings: [] },
    { kind: 'security', path: 'trivy.json', format: 'trivy-json', findings: { findings: [], tools: ['trivy'] }, warnings: [] },
    { kind: 'tests', path: 'junit.xml', format: 'junit', tests: { total: 4, passed: 4, failed: 0, errored: 0, skipped: 0, problems: [] }, warnings: [] },
  ];
}

function verdictWith(lint: number, yaml = ''): Verdict {
  return runGatekeeper({ config: loadConfig(yaml), reports: reports(lint), head: { sha: SHA }, now: new Date('2025-06-01T00:00:00Z') });
}

// ---------------------------------------------------------------- a scripted GitHub

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

type Answer = [number, unknown?, Record<string, string>?];
type Route = (c: Call) => Answer | undefined;

/** Intercepts every request to api.github.com; `route` answers (undefined: 599, which fails the test). */
function github(route: Route): Call[] {
  const calls: Call[] = [];
  const scope = nock(API).persist();
  for (const m of ['get', 'post', 'patch', 'delete'] as const) {
    scope[m](() => true).reply(function (uri, body) {
      const u = new URL(uri, API);
      const call: Call = { method: m.toUpperCase(), path: decodeURIComponent(u.pathname), query: u.searchParams, body: body === '' ? undefined : body };
      calls.push(call);
      const a = route(call);
      if (!a) return [599, { message: `unexpected ${call.method} ${call.path}` }];
      return [a[0], (a[1] ?? '') as nock.Body, a[2] ?? {}];
    });
  }
  return calls;
}

/** Check runs as GitHub stores them, answering list/create/update/annotations. */
class Runs {
  next = 5001;
  runs: { id: number; name: string; external_id: string | null; status: string; conclusion: string | null; annotations: Annotation[]; app: { id: number } }[] = [];

  route: Route = (c) => {
    if (c.method === 'GET' && c.path === `/repos/acme/widgets/commits/${SHA}/check-runs`) {
      const per = Number(c.query.get('per_page') ?? 30);
      const page = Number(c.query.get('page') ?? 1);
      const all = [...this.runs].reverse();
      return [200, { total_count: all.length, check_runs: all.slice((page - 1) * per, page * per).map((r) => this.shape(r)) }];
    }
    if (c.method === 'POST' && c.path === '/repos/acme/widgets/check-runs') {
      const r = { id: this.next++, name: c.body.name, external_id: c.body.external_id ?? null, status: c.body.status ?? 'queued', conclusion: c.body.conclusion ?? null, annotations: [...(c.body.output?.annotations ?? [])], app: { id: 15368 } };
      this.runs.push(r);
      return [201, this.shape(r)];
    }
    const m = /^\/repos\/acme\/widgets\/check-runs\/(\d+)(\/annotations)?$/.exec(c.path);
    const r = m && this.runs.find((x) => x.id === Number(m[1]));
    if (r && c.method === 'PATCH' && !m[2]) {
      if (c.body.status) r.status = c.body.status;
      if (c.body.conclusion) r.conclusion = c.body.conclusion;
      r.annotations.push(...(c.body.output?.annotations ?? []));
      return [200, this.shape(r)];
    }
    if (r && c.method === 'GET' && m[2]) {
      const per = Number(c.query.get('per_page') ?? 30);
      const page = Number(c.query.get('page') ?? 1);
      return [200, r.annotations.slice((page - 1) * per, page * per).map((a) => ({ ...a, blob_href: 'x', start_column: null, end_column: null, title: a.title ?? null, raw_details: a.raw_details ?? null }))];
    }
    return undefined;
  };

  shape(r: Runs['runs'][number]) {
    return { id: r.id, name: r.name, external_id: r.external_id, status: r.status, conclusion: r.conclusion, head_sha: SHA, app: r.app, output: { annotations_count: r.annotations.length } };
  }
}

const octokit = () => new Octokit({ auth: 'test-token', log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });

function publisher(yaml = '', switches: Partial<PublishSwitches> = {}, target: Partial<GitHubTarget> = {}) {
  const warnings: string[] = [];
  const p = new Publisher({
    octokit: octokit(),
    target: { ...TARGET, ...target },
    config: loadConfig(yaml),
    switches,
    runUrl: RUN_URL,
    log: { info: () => {}, warn: (...a: unknown[]) => warnings.push(a.map(String).join(' ')) },
  });
  return { p, warnings };
}

const summarize = (calls: Call[]) => calls.map((c) => `${c.method} ${c.path}${c.body?.output?.annotations ? ` [${c.body.output.annotations.length}]` : ''}`);

let validation: ReturnType<typeof installOpenApiValidation>;
beforeAll(() => {
  nock.disableNetConnect();
  validation = installOpenApiValidation();
});
afterEach(() => {
  nock.cleanAll();
  validation.assertValid();
});
afterAll(() => {
  validation.uninstall();
  nock.enableNetConnect();
});

// ---------------------------------------------------------------- tests

describe('Publisher: check runs and API economy', () => {
  it('publishes 0 findings with 7 requests: one list, one completing create per gate and for the verdict', async () => {
    const runs = new Runs();
    const calls = github(runs.route);
    const { p } = publisher();
    const result = await p.publish(verdictWith(0));
    expect(summarize(calls)).toEqual([
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      ...Array.from({ length: 6 }, () => 'POST /repos/acme/widgets/check-runs'),
    ]);
    expect(result).toEqual({
      checkRuns: [
        { key: 'coverage', id: 5001 },
        { key: 'patch_coverage', id: 5002 },
        { key: 'lint', id: 5003 },
        { key: 'security', id: 5004 },
        { key: 'tests', id: 5005 },
        { key: 'verdict', id: 5006 },
      ],
      usedStatuses: false,
      apiCalls: 7,
    });
    const creates = calls.filter((c) => c.method === 'POST');
    expect(creates.map((c) => [c.body.name, c.body.external_id, c.body.status, c.body.conclusion, c.body.details_url])).toEqual([
      ['SDLC / coverage', `sdlc:coverage:${SHA}`, 'completed', 'success', RUN_URL],
      ['SDLC / patch_coverage', `sdlc:patch_coverage:${SHA}`, 'completed', 'neutral', RUN_URL],
      ['SDLC / lint', `sdlc:lint:${SHA}`, 'completed', 'success', RUN_URL],
      ['SDLC / security', `sdlc:security:${SHA}`, 'completed', 'success', RUN_URL],
      ['SDLC / tests', `sdlc:tests:${SHA}`, 'completed', 'success', RUN_URL],
      ['SDLC / verdict', `sdlc:verdict:${SHA}`, 'completed', 'success', RUN_URL],
    ]);
    expect(creates.every((c) => c.body.head_sha === SHA)).toBe(true);
    expect(creates[0]!.body.output.title).toBe('Coverage 90 % >= 80 %');
    expect(calls[0]!.query.get('per_page')).toBe('100');
  });

  it('sends 120 annotations in 3 annotation-carrying requests (50 + 50 + 20) on the same check run: 9 requests', async () => {
    const runs = new Runs();
    const calls = github(runs.route);
    const { p } = publisher();
    const result = await p.publish(verdictWith(120));
    expect(result.apiCalls).toBe(9);
    expect(summarize(calls)).toEqual([
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs [50]',
      'PATCH /repos/acme/widgets/check-runs/5003 [50]',
      'PATCH /repos/acme/widgets/check-runs/5003 [20]',
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs',
    ]);
    const lint = runs.runs.find((r) => r.name === 'SDLC / lint')!;
    expect(lint.annotations).toHaveLength(120);
    expect(lint.conclusion).toBe('failure');
    // Errors (failure) first, then warnings, each in the gate's order.
    expect(lint.annotations.slice(0, 60).every((a) => a.annotation_level === 'failure')).toBe(true);
    expect(lint.annotations.slice(60).every((a) => a.annotation_level === 'warning')).toBe(true);
    // The gate sorts by level, then path, then line: the first error is problem 7 (src/f0.ts:8).
    expect(lint.annotations[0]).toMatchObject({ path: 'src/f0.ts', start_line: 8, end_line: 8, message: 'problem 7', title: 'eslint: no-unused-vars' });
    expect(lint.annotations[59]).toMatchObject({ path: 'src/f6.ts', start_line: 112, message: 'problem 111' });
    // Every update repeats the output's title and summary, which GitHub requires with annotations.
    const patches = calls.filter((c) => c.method === 'PATCH');
    expect(patches.every((c) => c.body.output.title === 'Lint: 60 errors, 60 warnings (max 0 errors)' && c.body.output.summary.length > 0)).toBe(true);
  });

  it('caps 5,000 findings at max_annotations 200 (the gate carries 1,000): 4 annotation requests, 10 in all, overflow in the summary', async () => {
    const runs = new Runs();
    const calls = github(runs.route);
    const { p } = publisher('comment:\n  max_annotations: 200\n');
    const result = await p.publish(verdictWith(5000));
    expect(result.apiCalls).toBe(10);
    expect(summarize(calls).filter((s) => s.endsWith(']'))).toEqual([
      'POST /repos/acme/widgets/check-runs [50]',
      'PATCH /repos/acme/widgets/check-runs/5003 [50]',
      'PATCH /repos/acme/widgets/check-runs/5003 [50]',
      'PATCH /repos/acme/widgets/check-runs/5003 [50]',
    ]);
    const create = calls.find((c) => c.method === 'POST' && c.body.name === 'SDLC / lint')!;
    expect(create.body.output.summary).toContain('200 of 1000 annotations are shown (comment.max_annotations: 200, most important first); 800 more are not annotated.');
    expect(create.body.output.summary).toContain('4000 more counted findings are not listed or annotated (a gate carries the first 1000).');
    expect(create.body.output.summary.length).toBeLessThanOrEqual(65535);
    expect(create.body.output.text.length).toBeLessThanOrEqual(65535);
    expect(runs.runs.find((r) => r.name === 'SDLC / lint')!.annotations.every((a) => a.annotation_level === 'failure')).toBe(true);
  });

  it('adds the comment (list + create) and the tag (lookup + tag object + ref) with the exact request count', async () => {
    const runs = new Runs();
    const calls = github((c) => {
      if (c.path === '/repos/acme/widgets/issues/7/comments' && c.method === 'GET') return [200, []];
      if (c.path === '/repos/acme/widgets/issues/7/comments' && c.method === 'POST') return [201, { id: 901, body: c.body.body }];
      if (c.path === '/repos/acme/widgets/git/ref/tags/sdlc/implementation/fail/3f1e2d4') return [404, { message: 'Not Found' }];
      if (c.path === '/repos/acme/widgets/git/tags') return [201, { sha: 'aaaa000000000000000000000000000000000001', object: { sha: SHA, type: 'commit' } }];
      if (c.path === '/repos/acme/widgets/git/refs') return [201, { ref: c.body.ref, object: { sha: c.body.sha, type: 'tag' } }];
      return runs.route(c);
    });
    const { p } = publisher('comment:\n  max_annotations: 200\n', { tags: true }, { pullNumber: 7, branch: 'main', defaultBranch: 'main' });
    const result = await p.publish(verdictWith(120));
    expect(result.apiCalls).toBe(9 + 2 + 3);
    expect(result.comment).toEqual({ id: 901, action: 'created' });
    expect(result.tag).toEqual({ name: 'sdlc/implementation/fail/3f1e2d4', action: 'created' });
    const tagCall = calls.find((c) => c.path === '/repos/acme/widgets/git/tags')!;
    expect(tagCall.body).toMatchObject({ tag: 'sdlc/implementation/fail/3f1e2d4', object: SHA, type: 'commit' });
    expect(tagCall.body.message.startsWith('SDLC verdict: fail\nPhase: implementation\n')).toBe(true);
    expect(calls.find((c) => c.path === '/repos/acme/widgets/git/refs')!.body).toEqual({ ref: 'refs/tags/sdlc/implementation/fail/3f1e2d4', sha: 'aaaa000000000000000000000000000000000001' });
    const posted = calls.find((c) => c.method === 'POST' && c.path.endsWith('/issues/7/comments'))!;
    expect(posted.body.body.trimEnd().endsWith(COMMENT_MARKER)).toBe(true);
  });

  it('reuses the check runs start() created: no second list, updates instead of creates', async () => {
    const runs = new Runs();
    const calls = github(runs.route);
    const { p } = publisher(LINT_ONLY_OTHERS_OFF);
    await p.start('Waiting for the reports');
    expect(summarize(calls)).toEqual([`GET /repos/acme/widgets/commits/${SHA}/check-runs`, 'POST /repos/acme/widgets/check-runs', 'POST /repos/acme/widgets/check-runs']);
    expect(calls.slice(1).map((c) => [c.body.name, c.body.status, c.body.output.title, c.body.started_at !== undefined])).toEqual([
      ['SDLC / lint', 'in_progress', 'Waiting for the reports', true],
      ['SDLC / verdict', 'in_progress', 'Waiting for the reports', true],
    ]);
    calls.length = 0;
    const result = await p.publish(runGatekeeper({ config: loadConfig(LINT_ONLY_OTHERS_OFF), reports: reports(3), head: { sha: SHA } }));
    expect(summarize(calls)).toEqual(['PATCH /repos/acme/widgets/check-runs/5001 [3]', 'PATCH /repos/acme/widgets/check-runs/5002']);
    expect(result.apiCalls).toBe(2);
    expect(runs.runs.map((r) => [r.name, r.status, r.conclusion])).toEqual([
      ['SDLC / lint', 'completed', 'failure'],
      ['SDLC / verdict', 'completed', 'failure'],
    ]);
  });

  it('updates the check runs a previous run made, and does not send annotations they already carry', async () => {
    const runs = new Runs();
    const calls = github(runs.route);
    await publisher(LINT_ONLY_OTHERS_OFF).p.publish(runGatekeeper({ config: loadConfig(LINT_ONLY_OTHERS_OFF), reports: reports(3), head: { sha: SHA } }));
    expect(runs.runs).toHaveLength(2);
    calls.length = 0;
    // The re-run finds one more problem.
    const result = await publisher(LINT_ONLY_OTHERS_OFF).p.publish(runGatekeeper({ config: loadConfig(LINT_ONLY_OTHERS_OFF), reports: reports(4), head: { sha: SHA } }));
    expect(summarize(calls)).toEqual([
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      'GET /repos/acme/widgets/check-runs/5001/annotations',
      'PATCH /repos/acme/widgets/check-runs/5001 [1]',
      'PATCH /repos/acme/widgets/check-runs/5002',
    ]);
    expect(result.checkRuns).toEqual([
      { key: 'lint', id: 5001 },
      { key: 'verdict', id: 5002 },
    ]);
    expect(runs.runs).toHaveLength(2);
    expect(runs.runs[0]!.annotations.map((a) => a.message).sort()).toEqual(['problem 0', 'problem 1', 'problem 2', 'problem 3']);
  });

  it('completes a check run left in progress for a gate the verdict no longer has, as neutral', async () => {
    const runs = new Runs();
    runs.runs.push({ id: 4000, name: 'SDLC / tests', external_id: `sdlc:tests:${SHA}`, status: 'in_progress', conclusion: null, annotations: [], app: { id: 15368 } });
    const calls = github(runs.route);
    await publisher(LINT_ONLY_OTHERS_OFF).p.publish(runGatekeeper({ config: loadConfig(LINT_ONLY_OTHERS_OFF), reports: reports(0), head: { sha: SHA } }));
    expect(summarize(calls).at(-1)).toBe('PATCH /repos/acme/widgets/check-runs/4000');
    expect(calls.at(-1)!.body).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'Not evaluated' } });
  });
});

describe('Publisher: failures', () => {
  it('does not duplicate a create GitHub performed before answering 502: it lists again and finds it', async () => {
    const runs = new Runs();
    let failed = false;
    const calls = github((c) => {
      const a = runs.route(c);
      if (!failed && c.method === 'POST' && c.body.name === 'SDLC / lint') {
        failed = true;
        return [502, { message: 'Server Error' }];
      }
      return a;
    });
    const { p, warnings } = publisher(LINT_ONLY_OTHERS_OFF);
    const result = await p.publish(runGatekeeper({ config: loadConfig(LINT_ONLY_OTHERS_OFF), reports: reports(60), head: { sha: SHA } }));
    expect(summarize(calls)).toEqual([
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      'POST /repos/acme/widgets/check-runs [50]',
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      'PATCH /repos/acme/widgets/check-runs/5001 [10]',
      'POST /repos/acme/widgets/check-runs',
    ]);
    expect(runs.runs.map((r) => [r.name, r.annotations.length])).toEqual([
      ['SDLC / lint', 60],
      ['SDLC / verdict', 0],
    ]);
    expect(result.checkRuns).toEqual([
      { key: 'lint', id: 5001 },
      { key: 'verdict', id: 5002 },
    ]);
    expect(warnings[0]).toContain('creating check run SDLC / lint failed (502');
  });

  it('retries a create GitHub did not perform, after checking', async () => {
    const runs = new Runs();
    let failed = false;
    const calls = github((c) => {
      if (!failed && c.method === 'POST' && c.body.name === 'SDLC / verdict') {
        failed = true;
        return [503, { message: 'Service Unavailable' }];
      }
      return runs.route(c);
    });
    const result = await publisher(LINT_ONLY_OTHERS_OFF).p.publish(runGatekeeper({ config: loadConfig(LINT_ONLY_OTHERS_OFF), reports: reports(0), head: { sha: SHA } }));
    expect(summarize(calls)).toEqual([
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      'POST /repos/acme/widgets/check-runs',
      'POST /repos/acme/widgets/check-runs',
      `GET /repos/acme/widgets/commits/${SHA}/check-runs`,
      'POST /repos/acme/widgets/check-runs',
    ]);
    expect(runs.runs.map((r) => r.name)).toEqual(['SDLC / lint', 'SDLC / verdict']);
    expect(result.apiCalls).toBe(5);
  });

  it('gives up after 3 uncertain creates that GitHub never performed', async () => {
    const runs = new Runs();
    github((c) => (c.method === 'POST' ? [500, { message: 'boom' }] : runs.route(c)));
    await expect(publisher(LINT_ONLY_OTHERS_OFF).p.publish(verdictWith(0, LINT_ONLY_OTHERS_OFF))).rejects.toMatchObject({ status: 500 });
    expect(runs.runs).toHaveLength(0);
  });

  it('publishes commit statuses when creating a check run answers 403', async () => {
    const statuses: Call[] = [];
    const calls = github((c) => {
      if (c.method === 'GET') return [200, { total_count: 0, check_runs: [] }];
      if (c.path === '/repos/acme/widgets/check-runs') return [403, { message: 'Resource not accessible by integration' }];
      if (c.path === `/repos/acme/widgets/statuses/${SHA}`) {
        statuses.push(c);
        return [201, { id: statuses.length, state: c.body.state, context: c.body.context }];
      }
      return undefined;
    });
    const { p, warnings } = publisher();
    const v = verdictWith(3);
    v.gates[0]!.summary = `${'x'.repeat(200)} long summary`;
    const result = await p.publish(v);
    expect(result.usedStatuses).toBe(true);
    expect(result.checkRuns).toEqual([]);
    expect(result.apiCalls).toBe(1 + 1 + 6);
    expect(summarize(calls).slice(0, 2)).toEqual([`GET /repos/acme/widgets/commits/${SHA}/check-runs`, 'POST /repos/acme/widgets/check-runs']);
    expect(statuses.map((s) => [s.body.context, s.body.state, s.body.target_url])).toEqual([
      ['SDLC / coverage', 'success', RUN_URL],
      ['SDLC / patch_coverage', 'success', RUN_URL],
      ['SDLC / lint', 'failure', RUN_URL],
      ['SDLC / security', 'success', RUN_URL],
      ['SDLC / tests', 'success', RUN_URL],
      ['SDLC / verdict', 'failure', RUN_URL],
    ]);
    expect(statuses[0]!.body.description).toHaveLength(140);
    expect(statuses[1]!.body.description.startsWith('neutral: ')).toBe(true);
    expect(statuses[2]!.body.description).toBe('Lint: 1 error, 2 warnings (max 0 errors)');
    expect(warnings[0]).toContain('publishing commit statuses instead');
    // Later calls go straight to statuses.
    calls.length = 0;
    await p.abort('failure', 'Configuration error', '.sdlc.yml:3: unknown key');
    expect(summarize(calls)).toEqual(Array.from({ length: 6 }, () => `POST /repos/acme/widgets/statuses/${SHA}`));
    expect(calls[0]!.body).toMatchObject({ state: 'failure', description: 'Configuration error: .sdlc.yml:3: unknown key' });
  });

  it('reports a token that may write neither check runs nor statuses', async () => {
    github((c) => (c.method === 'GET' ? [200, { total_count: 0, check_runs: [] }] : [403, { message: 'Resource not accessible by integration' }]));
    const err = await publisher().p.publish(verdictWith(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toContain('the token can write neither check runs nor commit statuses');
    expect(((err as Error).cause as { status?: number }).status).toBe(403);
  });

  it('does not take a rate-limit 403 for a missing permission', async () => {
    github((c) =>
      c.method === 'GET'
        ? [200, { total_count: 0, check_runs: [] }]
        : [403, { message: 'API rate limit exceeded for installation ID 1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }],
    );
    await expect(publisher().p.publish(verdictWith(0))).rejects.toMatchObject({ status: 403 });
  });
});

describe('Publisher: abort', () => {
  it('completes every enabled check run with the reason', async () => {
    const runs = new Runs();
    const calls = github(runs.route);
    const { p } = publisher(LINT_ONLY_OTHERS_OFF);
    await p.abort('neutral', 'No reports', 'The workflow run uploaded no sdlc-reports artifact.');
    expect(summarize(calls)).toEqual([`GET /repos/acme/widgets/commits/${SHA}/check-runs`, 'POST /repos/acme/widgets/check-runs', 'POST /repos/acme/widgets/check-runs']);
    expect(calls[1]!.body).toMatchObject({
      name: 'SDLC / lint',
      status: 'completed',
      conclusion: 'neutral',
      output: { title: 'No reports', summary: 'The workflow run uploaded no sdlc-reports artifact.' },
    });
    expect(p.apiCalls).toBe(3);
  });
});

describe('Publisher: sticky comment', () => {
  const bot = { login: 'github-actions[bot]', type: 'Bot' };
  const human = { login: 'octocat', type: 'User' };

  function comments(existing: { id: number; body: string; user: typeof bot }[]) {
    const runs = new Runs();
    const calls = github((c) => {
      if (c.path === '/repos/acme/widgets/issues/7/comments' && c.method === 'GET') return [200, existing];
      if (c.path === '/repos/acme/widgets/issues/7/comments' && c.method === 'POST') return [201, { id: 990, body: c.body.body }];
      if (/^\/repos\/acme\/widgets\/issues\/comments\/\d+$/.test(c.path)) return c.method === 'DELETE' ? [204] : [200, { id: Number(c.path.split('/').at(-1)), body: c.body.body }];
      return runs.route(c);
    });
    return calls;
  }
  const commentCalls = (calls: Call[]) => summarize(calls).filter((s) => s.includes('/issues/'));

  it('mode update: edits our comment in place, ignoring a person quoting the marker', async () => {
    const calls = comments([
      { id: 11, body: `old verdict\n\n${COMMENT_MARKER}\n`, user: bot },
      { id: 12, body: `I saw ${COMMENT_MARKER}`, user: human },
    ]);
    const { p } = publisher('', {}, { pullNumber: 7 });
    const r = await p.publish(verdictWith(2));
    expect(r.comment).toEqual({ id: 11, action: 'updated' });
    expect(commentCalls(calls)).toEqual(['GET /repos/acme/widgets/issues/7/comments', 'PATCH /repos/acme/widgets/issues/comments/11']);
    expect(calls.find((c) => c.method === 'PATCH' && c.path.includes('/comments/'))!.body.body).toBe(commentBody(verdictWith(2), { runUrl: RUN_URL }));
  });

  it('mode update: makes no edit when the body is the same', async () => {
    const calls = comments([{ id: 11, body: commentBody(verdictWith(2), { runUrl: RUN_URL }), user: bot }]);
    const r = await publisher('', {}, { pullNumber: 7 }).p.publish(verdictWith(2));
    expect(r.comment).toEqual({ id: 11, action: 'unchanged' });
    expect(commentCalls(calls)).toEqual(['GET /repos/acme/widgets/issues/7/comments']);
  });

  it('mode new: deletes the old comment and posts anew', async () => {
    const calls = comments([{ id: 11, body: `old\n${COMMENT_MARKER}`, user: bot }]);
    const r = await publisher('comment:\n  mode: new\n', {}, { pullNumber: 7 }).p.publish(verdictWith(2));
    expect(r.comment).toEqual({ id: 990, action: 'recreated' });
    expect(commentCalls(calls)).toEqual(['GET /repos/acme/widgets/issues/7/comments', 'DELETE /repos/acme/widgets/issues/comments/11', 'POST /repos/acme/widgets/issues/7/comments']);
  });

  it('mode off: no comment request at all', async () => {
    const calls = comments([]);
    const r = await publisher('comment:\n  mode: off\n', {}, { pullNumber: 7 }).p.publish(verdictWith(2));
    expect(r.comment).toEqual({ action: 'skipped' });
    expect(commentCalls(calls)).toEqual([]);
  });

  it('only_on_change: skips the edit when the gate table is the same, edits when it changed', async () => {
    // Same table (2 lint findings both times), different details (messages).
    const before = verdictWith(2);
    before.gates.find((g) => g.id === 'lint')!.findings![0]!.message = 'an older message';
    let calls = comments([{ id: 11, body: commentBody(before, { runUrl: RUN_URL }), user: bot }]);
    let r = await publisher('comment:\n  only_on_change: true\n', {}, { pullNumber: 7 }).p.publish(verdictWith(2));
    expect(r.comment).toEqual({ id: 11, action: 'unchanged' });
    expect(commentCalls(calls)).toEqual(['GET /repos/acme/widgets/issues/7/comments']);
    nock.cleanAll();
    // One more finding changes the table.
    calls = comments([{ id: 11, body: commentBody(before, { runUrl: RUN_URL }), user: bot }]);
    r = await publisher('comment:\n  only_on_change: true\n', {}, { pullNumber: 7 }).p.publish(verdictWith(3));
    expect(r.comment).toEqual({ id: 11, action: 'updated' });
    expect(commentCalls(calls)).toEqual(['GET /repos/acme/widgets/issues/7/comments', 'PATCH /repos/acme/widgets/issues/comments/11']);
  });

  it('skips the comment when the comment switch is off, and without a pull request', async () => {
    const calls = comments([]);
    expect((await publisher('', { comment: false }, { pullNumber: 7 }).p.publish(verdictWith(0))).comment).toEqual({ action: 'skipped' });
    expect((await publisher('', {}, {}).p.publish(verdictWith(0))).comment).toBeUndefined();
    expect(commentCalls(calls)).toEqual([]);
  });

  it('keeps the marker last when the comment is cut to 65,536 characters', async () => {
    const calls = comments([]);
    const v = verdictWith(0);
    v.warnings = [];
    v.gates[0]!.reasons = Array.from({ length: 20 }, () => 'r'.repeat(5000));
    const r = await publisher('', {}, { pullNumber: 7 }).p.publish(v);
    expect(r.comment!.action).toBe('created');
    const body = calls.find((c) => c.method === 'POST' && c.path.endsWith('/comments'))!.body.body as string;
    expect(body.length).toBeLessThanOrEqual(65536);
    expect(body.trimEnd().endsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('more lines not shown: [see the full report](https://github.com/acme/widgets/actions/runs/77)');
  });
});

describe('Publisher: tags', () => {
  const NAME = 'sdlc/implementation/pass/3f1e2d4';
  const REF = `/repos/acme/widgets/git/ref/tags/${NAME}`;

  function tags(route: Route) {
    const runs = new Runs();
    return github((c) => route(c) ?? runs.route(c));
  }
  const tagCalls = (calls: Call[]) => summarize(calls).filter((s) => s.includes('/git/'));
  const pub = (yaml = '', target: Partial<GitHubTarget> = { branch: 'main', defaultBranch: 'main' }) => publisher(yaml, { tags: true }, target);

  it('reports an annotated tag at the same commit as exists (ref lookup + tag object read)', async () => {
    const calls = tags((c) => {
      if (c.path === REF) return [200, { ref: `refs/tags/${NAME}`, object: { type: 'tag', sha: 'ta9' } }];
      if (c.path === '/repos/acme/widgets/git/tags/ta9') return [200, { sha: 'ta9', tag: NAME, object: { type: 'commit', sha: SHA } }];
      return undefined;
    });
    const r = await pub().p.publish(verdictWith(0));
    expect(r.tag).toEqual({ name: NAME, action: 'exists' });
    expect(tagCalls(calls)).toEqual([`GET ${REF}`, 'GET /repos/acme/widgets/git/tags/ta9']);
  });

  it('reports a tag at another commit as a conflict and never moves it', async () => {
    const calls = tags((c) => (c.path === REF ? [200, { ref: `refs/tags/${NAME}`, object: { type: 'commit', sha: OTHER } }] : undefined));
    const { p, warnings } = pub();
    const r = await p.publish(verdictWith(0));
    expect(r.tag).toEqual({ name: NAME, action: 'conflict', detail: `tag ${NAME} already points at 999999999999, not 3f1e2d4c5b6a; it was left where it is` });
    expect(tagCalls(calls)).toEqual([`GET ${REF}`]);
    expect(warnings).toContain(r.tag!.detail);
  });

  it('reads again a tag a concurrent run created between our lookup and our create', async () => {
    let lookups = 0;
    const calls = tags((c) => {
      if (c.path === REF) return ++lookups === 1 ? [404, { message: 'Not Found' }] : [200, { ref: `refs/tags/${NAME}`, object: { type: 'commit', sha: SHA } }];
      if (c.path === '/repos/acme/widgets/git/tags') return [201, { sha: 'tb1', object: { sha: SHA, type: 'commit' } }];
      if (c.path === '/repos/acme/widgets/git/refs') return [422, { message: 'Reference already exists' }];
      return undefined;
    });
    const r = await pub().p.publish(verdictWith(0));
    expect(r.tag).toEqual({ name: NAME, action: 'exists' });
    expect(tagCalls(calls)).toEqual([`GET ${REF}`, 'POST /repos/acme/widgets/git/tags', 'POST /repos/acme/widgets/git/refs', `GET ${REF}`]);
  });

  it('tags only the default branch when tagging.branches is empty, looking it up when not given', async () => {
    const calls = tags((c) => (c.path === '/repos/acme/widgets' ? [200, { default_branch: 'trunk' }] : undefined));
    const r = await pub('', { branch: 'main' }).p.publish(verdictWith(0));
    expect(r.tag).toEqual({ name: '', action: 'skipped', detail: 'branch main is not the default branch (trunk); list it in tagging.branches to tag it' });
    expect(summarize(calls).filter((s) => !s.includes('check-runs'))).toEqual(['GET /repos/acme/widgets']);
  });

  it('tags branches matching tagging.branches, and skips others, disabled tagging and a missing branch', async () => {
    const calls = tags((c) => {
      if (c.path === '/repos/acme/widgets/git/ref/tags/rel/release/2.x') return [404, { message: 'Not Found' }];
      if (c.path === '/repos/acme/widgets/git/tags') return [201, { sha: 'tc1', object: { sha: SHA, type: 'commit' } }];
      if (c.path === '/repos/acme/widgets/git/refs') return [201, { ref: c.body.ref, object: { sha: 'tc1', type: 'tag' } }];
      return undefined;
    });
    const yaml = 'tagging:\n  template: "rel/{branch}"\n  branches: ["release/*"]\n';
    expect((await pub(yaml, { branch: 'release/2.x' }).p.publish(verdictWith(0))).tag).toEqual({ name: 'rel/release/2.x', action: 'created' });
    expect((await pub(yaml, { branch: 'feature/x' }).p.publish(verdictWith(0))).tag).toEqual({ name: '', action: 'skipped', detail: 'branch feature/x is not in tagging.branches' });
    expect((await pub('tagging:\n  enabled: false\n').p.publish(verdictWith(0))).tag).toEqual({ name: '', action: 'skipped', detail: 'tagging.enabled is false' });
    expect((await pub('', {}).p.publish(verdictWith(0))).tag).toEqual({ name: '', action: 'skipped', detail: 'no branch: only commits pushed to a branch are tagged' });
    expect((await publisher('', {}, { branch: 'main' }).p.publish(verdictWith(0))).tag).toBeUndefined();
    expect(tagCalls(calls)).toEqual(['GET /repos/acme/widgets/git/ref/tags/rel/release/2.x', 'POST /repos/acme/widgets/git/tags', 'POST /repos/acme/widgets/git/refs']);
  });

  it('skips the tag, with the reason, when the token may not write contents', async () => {
    tags((c) => {
      if (c.path === REF) return [404, { message: 'Not Found' }];
      if (c.path === '/repos/acme/widgets/git/tags') return [403, { message: 'Resource not accessible by integration' }];
      return undefined;
    });
    const r = await pub().p.publish(verdictWith(0));
    expect(r.tag).toEqual({ name: NAME, action: 'skipped', detail: 'no permission to create tags (403: Resource not accessible by integration)' });
  });
});

describe('client types', () => {
  it('takes Probot’s client as well as @octokit/rest (checked when the test compiles)', () => {
    const probot: InstanceType<typeof ProbotOctokit> extends GitHubClient ? 'fits' : 'does not fit' = 'fits';
    const rest: Octokit extends GitHubClient ? 'fits' : 'does not fit' = 'fits';
    expect([probot, rest]).toEqual(['fits', 'fits']);
  });
});

describe('OpenAPI validation', () => {
  it('checked every request above against GitHub’s REST description', () => {
    // afterEach asserts none was invalid; this asserts the hook saw them.
    expect(validation.checked).toBeGreaterThan(150);
  });
});
