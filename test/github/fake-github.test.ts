import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import type Nock from 'nock';
import yazl from 'yazl';
import {
  examplePayload,
  sendWebhook,
  signWebhook,
  startFakeGitHub,
  validateGitHubRequest,
  validateGitHubResponse,
  type FakeGitHub,
} from '../helpers/github/index.js';
// Types only: nock is imported (and starts intercepting) in the last block of this file.
import type * as NockHelpers from '../helpers/github/nock.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const OTHER = 'c'.repeat(40);

function annotation(i: number) {
  return { path: `src/f${i}.ts`, start_line: i + 1, end_line: i + 1, annotation_level: 'warning' as const, message: `finding ${i}` };
}

function annotations(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => annotation(from + i));
}

/** The status of an error thrown by Octokit (a RequestError), or the error itself when it has none. */
async function statusOf(p: Promise<unknown>): Promise<{ status: number; message: string; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status?: number; message: string; response?: { headers: Record<string, string> } };
    if (typeof err.status !== 'number') throw e;
    return { status: err.status, message: err.message, headers: err.response?.headers ?? {} };
  }
  throw new Error('expected the request to fail');
}

function makeZip(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name, { mtime: new Date(0) });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

function appJwt(appId: number, privateKey: string, nowMs = Date.now()): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iat = Math.floor(nowMs / 1000) - 60;
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iat, exp: iat + 600, iss: appId })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

describe('validateGitHubRequest', () => {
  const create = (body: Record<string, unknown>) => validateGitHubRequest({ method: 'POST', url: '/repos/acme/widgets/check-runs', body });
  const valid = {
    name: 'SDLC / coverage',
    head_sha: HEAD,
    status: 'completed',
    conclusion: 'success',
    completed_at: '2024-05-01T10:00:00Z',
    output: { title: 'Coverage 91.2 %', summary: 'ok', annotations: annotations(50) },
  };

  it('accepts a valid check run creation and names the operation', () => {
    const r = create(valid);
    expect(r).toEqual({
      ok: true,
      operationId: 'checks/create',
      method: 'POST',
      pathTemplate: '/repos/{owner}/{repo}/check-runs',
      pathParams: { owner: 'acme', repo: 'widgets' },
      documentationUrl: 'https://docs.github.com/rest/reference/checks#create-a-check-run',
    });
  });

  it('rejects 51 annotations in one request (the description says maxItems 50)', () => {
    const r = create({ ...valid, output: { ...valid.output, annotations: annotations(51) } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual(['body.output.annotations must NOT have more than 50 items (it has 51)']);
  });

  it('rejects a 65,536-character summary and accepts 65,535', () => {
    const long = create({ ...valid, output: { title: 't', summary: 'x'.repeat(65_536) } });
    expect(!long.ok && long.errors).toEqual(['body.output.summary must NOT have more than 65535 characters (it has 65536)']);
    expect(create({ ...valid, output: { title: 't', summary: 'x'.repeat(65_535) } }).ok).toBe(true);
    const text = create({ ...valid, output: { title: 't', summary: 's', text: 'x'.repeat(65_536) } });
    expect(!text.ok && text.errors).toEqual(['body.output.text must NOT have more than 65535 characters (it has 65536)']);
  });

  it('rejects an unknown conclusion, naming the allowed ones', () => {
    const r = create({ ...valid, conclusion: 'passed' });
    expect(!r.ok && r.errors).toEqual([
      'body.conclusion must be one of "action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out" (got "passed")',
    ]);
  });

  it('rejects a missing head_sha and a badly formed date', () => {
    const { head_sha: _drop, ...rest } = valid;
    const r = create(rest);
    expect(!r.ok && r.errors).toEqual(["body must have required property 'head_sha'"]);
    const d = create({ ...valid, completed_at: '2024-05-01 10:00' });
    expect(!d.ok && d.errors).toEqual(['body.completed_at must match format "date-time"']);
  });

  it('rejects an annotation without its level and message', () => {
    const r = create({ ...valid, output: { title: 't', summary: 's', annotations: [{ path: 'a.ts', start_line: 1, end_line: 1 }] } });
    expect(!r.ok && r.errors).toEqual([
      "body.output.annotations[0] must have required property 'annotation_level'",
      "body.output.annotations[0] must have required property 'message'",
    ]);
  });

  it('rejects unknown endpoints and methods', () => {
    expect(validateGitHubRequest({ method: 'POST', url: '/repos/acme/widgets/frobnicate' })).toEqual({
      ok: false,
      errors: ['GitHub has no POST /repos/{owner}/{repo}/frobnicate'],
    });
    expect(validateGitHubRequest({ method: 'PUT', url: '/repos/acme/widgets/check-runs', body: {} })).toEqual({
      ok: false,
      errors: ['GitHub has no PUT /repos/{owner}/{repo}/check-runs (it has POST)'],
    });
  });

  it('requires a conclusion when an update completes the check run (the anyOf of checks/update)', () => {
    const r = validateGitHubRequest({ method: 'PATCH', url: '/repos/acme/widgets/check-runs/5', body: { status: 'completed' } });
    expect(!r.ok && r.errors).toContain("body must have required property 'conclusion'");
    expect(validateGitHubRequest({ method: 'PATCH', url: '/repos/acme/widgets/check-runs/5', body: { status: 'completed', conclusion: 'neutral' } }).ok).toBe(true);
  });

  it('checks path and query parameters, including multi-segment ones', () => {
    const bad = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/check-runs/abc' });
    expect(!bad.ok && bad.errors).toEqual(['path parameter check_run_id must be integer']);
    const page = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/issues/3/comments?per_page=ten' });
    expect(!page.ok && page.errors).toEqual(['query parameter per_page must be integer']);
    const typo = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/pulls?per-page=5' });
    expect(!typo.ok && typo.errors).toEqual([
      'query parameter per-page is not one GET /repos/{owner}/{repo}/pulls accepts (state, head, base, sort, direction, per_page, page)',
    ]);
    expect(validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/pulls?per-page=5' }, { unknownQuery: 'ignore' }).ok).toBe(true);
    const status = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/commits/main/check-runs?status=done' });
    expect(!status.ok && status.errors).toEqual(['query parameter status must be one of "queued", "in_progress", "completed" (got "done")']);

    const ref = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/commits/feature%2Fx/check-runs?check_name=a' });
    expect(ref.ok && ref.pathParams).toEqual({ owner: 'acme', repo: 'widgets', ref: 'feature/x' });
    const raw = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/commits/feature/x/check-runs' });
    expect(raw.ok && raw.pathParams.ref).toBe('feature/x');
    const content = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/contents/config/.sdlc.yml?ref=main' });
    expect(content.ok && [content.operationId, content.pathParams.path]).toEqual(['repos/get-content', 'config/.sdlc.yml']);
    const tagRef = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/git/ref/tags/v1.2.0' });
    expect(tagRef.ok && [tagRef.operationId, tagRef.pathParams.ref]).toEqual(['git/get-ref', 'tags/v1.2.0']);
    const compare = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/compare/main...feature/x' });
    expect(compare.ok && [compare.operationId, compare.pathParams.basehead]).toEqual(['repos/compare-commits-with-basehead', 'main...feature/x']);
    const artifact = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/actions/artifacts/12/zip' });
    expect(artifact.ok && artifact.operationId).toBe('actions/download-artifact');
  });

  it('reports body properties GitHub would ignore, unless told not to', () => {
    const body = { ...valid, detail_url: 'https://ci.example/1' };
    const r = create(body);
    expect(!r.ok && r.errors).toEqual(['body.detail_url is not a property GitHub knows (GitHub would ignore it)']);
    expect(validateGitHubRequest({ method: 'POST', url: '/repos/acme/widgets/check-runs', body }, { unknownBodyProperties: 'ignore' }).ok).toBe(true);
    const nested = create({ ...valid, output: { title: 't', summary: 's', annotations: [{ ...annotation(0), line: 3 }] } });
    expect(!nested.ok && nested.errors).toEqual(['body.output.annotations[0].line is not a property GitHub knows (GitHub would ignore it)']);
  });

  it('reads raw JSON bodies and refuses bodies where GitHub takes none', () => {
    expect(validateGitHubRequest({ method: 'POST', url: '/repos/acme/widgets/issues/3/comments', body: '{"body":"hi"}' }).ok).toBe(true);
    const broken = validateGitHubRequest({ method: 'POST', url: '/repos/acme/widgets/issues/3/comments', body: '{"body":' });
    expect(!broken.ok && broken.errors.length).toBe(1);
    expect(!broken.ok && broken.errors[0]).toMatch(/^body is not JSON: /);
    const onGet = validateGitHubRequest({ method: 'GET', url: '/repos/acme/widgets/issues/3/comments', body: { body: 'hi' } });
    expect(!onGet.ok && onGet.errors).toEqual(['GET /repos/{owner}/{repo}/issues/{issue_number}/comments takes no request body']);
    const missing = validateGitHubRequest({ method: 'POST', url: '/repos/acme/widgets/git/refs' });
    expect(!missing.ok && missing.errors).toEqual(['POST /repos/{owner}/{repo}/git/refs requires a JSON body']);
    const form = validateGitHubRequest({
      method: 'POST',
      url: '/repos/acme/widgets/issues/3/comments',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: { body: 'hi' },
    });
    expect(!form.ok && form.errors).toEqual(['content-type application/x-www-form-urlencoded is not JSON']);
  });

  it('checks answers against the response schemas', () => {
    const r = validateGitHubResponse({ method: 'GET', url: '/repos/acme/widgets/git/ref/tags/v1', status: 200, body: { ref: 'refs/tags/v1', node_id: 'x', url: 'not a uri' } });
    expect(!r.ok && r.errors).toEqual(["git/get-ref 200 answer must have required property 'object'", 'git/get-ref 200 answer.url must match format "uri"']);
    // Error answers are checked too; a status the description does not document is not.
    const notFound = validateGitHubResponse({ method: 'GET', url: '/repos/acme/widgets/git/ref/tags/v1', status: 404, body: 'Not Found' });
    expect(!notFound.ok && notFound.errors).toEqual(['git/get-ref 404 answer must be object']);
    expect(validateGitHubResponse({ method: 'GET', url: '/repos/acme/widgets/git/ref/tags/v1', status: 500, body: 'anything' }).ok).toBe(true);
  });
});

describe('fake GitHub over HTTP', () => {
  let fake: FakeGitHub;
  let gh: Octokit;

  beforeAll(async () => {
    fake = await startFakeGitHub({ repos: [{ owner: 'acme', repo: 'widgets', headSha: BASE }] });
    gh = new Octokit({ baseUrl: fake.url, auth: 'ghs_test' });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  afterEach(() => {
    // Every request the tests send must be one GitHub accepts, and every answer must match GitHub's description.
    expect(fake.violations).toEqual([]);
  });

  const repo = { owner: 'acme', repo: 'widgets' };

  it('creates a check run, appends annotations on each update and replaces the output', async () => {
    const created = await gh.rest.checks.create({
      ...repo,
      name: 'SDLC / lint',
      head_sha: HEAD,
      status: 'in_progress',
      output: { title: 'Lint', summary: 'first', text: 'details', annotations: annotations(50) },
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: 'SDLC / lint', head_sha: HEAD, status: 'in_progress', conclusion: null, completed_at: null });
    expect(created.data.output.annotations_count).toBe(50);
    expect(created.data.app?.id).toBe(4242);

    await gh.rest.checks.update({ ...repo, check_run_id: created.data.id, output: { title: 'Lint', summary: 'second', annotations: annotations(50, 50) } });
    const done = await gh.rest.checks.update({
      ...repo,
      check_run_id: created.data.id,
      conclusion: 'failure',
      output: { title: 'Lint: 120 findings', summary: 'third', annotations: annotations(20, 100) },
    });
    expect(done.data).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'Lint: 120 findings', summary: 'third', text: null, annotations_count: 120 } });
    expect(done.data.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const [run] = fake.state.checkRuns(HEAD);
    expect(run?.annotations.map((a) => a.message)).toEqual(annotations(120).map((a) => a.message));
    expect(run?.updates).toBe(2);

    const listed = await gh.paginate(gh.rest.checks.listAnnotations, { ...repo, check_run_id: created.data.id, per_page: 50 });
    expect(listed.length).toBe(120);
    expect(listed[119]).toEqual({
      path: 'src/f119.ts',
      blob_href: `https://github.com/acme/widgets/blob/${HEAD}/src/f119.ts`,
      start_line: 120,
      end_line: 120,
      start_column: null,
      end_column: null,
      annotation_level: 'warning',
      title: null,
      message: 'finding 119',
      raw_details: null,
    });
    expect(fake.callsTo('checks/list-annotations').map((c) => c.url)).toEqual([
      '/repos/acme/widgets/check-runs/20000000001/annotations?per_page=50',
      `/repos/acme/widgets/check-runs/20000000001/annotations?per_page=50&page=2`,
      `/repos/acme/widgets/check-runs/20000000001/annotations?per_page=50&page=3`,
    ]);
  });

  it('lists check runs for a ref with the check_name, app_id and filter semantics of GitHub', async () => {
    const other = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' };
    fake.state.addCheckRun({ headSha: HEAD, name: 'build', app: other, conclusion: 'success' });
    const first = await gh.rest.checks.create({ ...repo, name: 'SDLC / verdict', head_sha: HEAD, status: 'queued' });
    const second = await gh.rest.checks.create({ ...repo, name: 'SDLC / verdict', head_sha: HEAD, conclusion: 'success' });
    await gh.rest.checks.create({ ...repo, name: 'SDLC / coverage', head_sha: HEAD, conclusion: 'neutral' });
    await gh.rest.checks.create({ ...repo, name: 'SDLC / verdict', head_sha: OTHER, conclusion: 'failure' });
    expect(second.data.id).toBe(first.data.id + 1);

    const latest = await gh.rest.checks.listForRef({ ...repo, ref: HEAD, check_name: 'SDLC / verdict' });
    expect(latest.data.total_count).toBe(1);
    expect(latest.data.check_runs.map((c) => c.id)).toEqual([second.data.id]);
    const all = await gh.rest.checks.listForRef({ ...repo, ref: HEAD, check_name: 'SDLC / verdict', filter: 'all' });
    expect(all.data.check_runs.map((c) => c.id)).toEqual([second.data.id, first.data.id]);
    const ours = await gh.rest.checks.listForRef({ ...repo, ref: HEAD, app_id: 4242 });
    expect(ours.data.check_runs.map((c) => c.name)).toEqual(['SDLC / coverage', 'SDLC / verdict']);
    const queued = await gh.rest.checks.listForRef({ ...repo, ref: HEAD, status: 'queued', filter: 'all' });
    expect(queued.data.check_runs.map((c) => c.id)).toEqual([first.data.id]);

    const page1 = await gh.rest.checks.listForRef({ ...repo, ref: HEAD, per_page: 2 });
    expect(page1.data.total_count).toBe(3);
    expect(page1.data.check_runs.length).toBe(2);
    expect(page1.headers.link).toBe(
      `<${fake.url}/repos/acme/widgets/commits/${HEAD}/check-runs?per_page=2&page=2>; rel="next", <${fake.url}/repos/acme/widgets/commits/${HEAD}/check-runs?per_page=2&page=2>; rel="last"`,
    );
    const page2 = await gh.rest.checks.listForRef({ ...repo, ref: HEAD, per_page: 2, page: 2 });
    expect(page2.data.check_runs.map((c) => c.name)).toEqual(['build']);
    expect(page2.headers.link).toBe(
      `<${fake.url}/repos/acme/widgets/commits/${HEAD}/check-runs?per_page=2&page=1>; rel="prev", <${fake.url}/repos/acme/widgets/commits/${HEAD}/check-runs?per_page=2&page=1>; rel="first"`,
    );

    // A branch name resolves through its ref; the repository's main branch points at BASE.
    const onMain = await gh.rest.checks.listForRef({ ...repo, ref: 'main' });
    expect(onMain.data.total_count).toBe(0);
    // Only the app that created a check run may update it.
    const foreign = fake.state.checkRuns(HEAD).find((c) => c.name === 'build');
    const refused = await statusOf(gh.rest.checks.update({ ...repo, check_run_id: foreign?.id ?? 0, conclusion: 'failure' }));
    expect(refused.status).toBe(403);
  });

  it('answers 422 with the validation errors, and records the violation', async () => {
    const r = await statusOf(
      gh.rest.checks.create({ ...repo, name: 'SDLC / lint', head_sha: HEAD, output: { title: 't', summary: 's', annotations: annotations(51) } }),
    );
    expect(r.status).toBe(422);
    expect(fake.violations).toEqual([
      {
        kind: 'request',
        method: 'POST',
        url: '/repos/acme/widgets/check-runs',
        operationId: 'checks/create',
        errors: ['body.output.annotations must NOT have more than 50 items (it has 51)'],
      },
    ]);
    expect(fake.calls.map((c) => [c.operationId, c.status])).toEqual([['checks/create', 422]]);
    expect(fake.state.checkRuns(HEAD)).toEqual([]);

    const unknown = await statusOf(gh.request('POST /repos/{owner}/{repo}/frobnicate', { ...repo }));
    expect(unknown.status).toBe(404);
    expect(fake.violations[1]?.errors).toEqual(['GitHub has no POST /repos/{owner}/{repo}/frobnicate']);

    const completedWithout = await statusOf(gh.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD, status: 'completed' }));
    expect(completedWithout.status).toBe(422);
    const shortSha = await statusOf(gh.rest.checks.create({ ...repo, name: 'x', head_sha: 'abc1234' }));
    expect([shortSha.status, shortSha.message]).toEqual([422, 'No commit found for SHA: abc1234 - https://docs.github.com/rest/reference/checks#create-a-check-run']);
    fake.violations.length = 0;
  });

  it('keeps one sticky comment: finds it by its marker, edits it in place, deletes it', async () => {
    fake.state.addPull({ number: 7, headSha: HEAD, baseSha: BASE, headRef: 'feature', baseRef: 'main' });
    for (let i = 0; i < 35; i++) fake.state.addComment(7, { body: `comment ${i}`, user: i % 2 ? 'octocat' : 'dependabot[bot]' });
    const marker = '<!-- sdlc-gatekeeper:sticky -->';
    const posted = await gh.rest.issues.createComment({ ...repo, issue_number: 7, body: `${marker}\nCoverage 80 %` });
    expect(posted.data.user?.login).toBe('sdlc-gatekeeper[bot]');
    expect(posted.data.performed_via_github_app?.id).toBe(4242);

    const all = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: 7, per_page: 10 });
    expect(all.length).toBe(36);
    expect(fake.callsTo('issues/list-comments').length).toBe(4);
    const mine = all.filter((c) => c.body?.startsWith(marker));
    expect(mine.map((c) => c.id)).toEqual([posted.data.id]);

    const edited = await gh.rest.issues.updateComment({ ...repo, comment_id: posted.data.id, body: `${marker}\nCoverage 85 %` });
    expect(edited.data.body).toBe(`${marker}\nCoverage 85 %`);
    expect(fake.state.comments(7).filter((c) => c.user.login === 'sdlc-gatekeeper[bot]').map((c) => c.body)).toEqual([`${marker}\nCoverage 85 %`]);

    const tooLong = await statusOf(gh.rest.issues.updateComment({ ...repo, comment_id: posted.data.id, body: 'x'.repeat(65_537) }));
    expect(tooLong.status).toBe(422);
    const deleted = await gh.rest.issues.deleteComment({ ...repo, comment_id: posted.data.id });
    expect(deleted.status).toBe(204);
    expect(fake.state.comments(7).length).toBe(35);
    expect((await statusOf(gh.rest.issues.listComments({ ...repo, issue_number: 8 }))).status).toBe(404);
  });

  it('creates annotated tags and refuses a ref that exists, like GitHub', async () => {
    const tag = await gh.rest.git.createTag({
      ...repo,
      tag: 'sdlc/validated/1',
      message: 'Validated by SDLC Gatekeeper',
      object: HEAD,
      type: 'commit',
    });
    expect(tag.status).toBe(201);
    expect(tag.data).toMatchObject({ tag: 'sdlc/validated/1', message: 'Validated by SDLC Gatekeeper', object: { sha: HEAD, type: 'commit' } });
    expect(tag.data.tagger.name).toBe('sdlc-gatekeeper[bot]');

    const ref = await gh.rest.git.createRef({ ...repo, ref: 'refs/tags/sdlc/validated/1', sha: tag.data.sha });
    expect(ref.data.object).toEqual({ type: 'tag', sha: tag.data.sha, url: `${fake.url}/repos/acme/widgets/git/tags/${tag.data.sha}` });
    const again = await statusOf(gh.rest.git.createRef({ ...repo, ref: 'refs/tags/sdlc/validated/1', sha: tag.data.sha }));
    expect([again.status, again.message]).toEqual([422, 'Reference already exists - https://docs.github.com/rest/git/refs#create-a-reference']);

    const got = await gh.rest.git.getRef({ ...repo, ref: 'tags/sdlc/validated/1' });
    expect(got.data.object.sha).toBe(tag.data.sha);
    const tagObject = await gh.rest.git.getTag({ ...repo, tag_sha: got.data.object.sha });
    expect(tagObject.data.object.sha).toBe(HEAD);
    expect((await statusOf(gh.rest.git.getRef({ ...repo, ref: 'tags/none' }))).status).toBe(404);
    expect((await statusOf(gh.rest.git.createRef({ ...repo, ref: 'v1', sha: HEAD }))).status).toBe(422);

    expect(fake.state.tags().map((t) => t.tag)).toEqual(['sdlc/validated/1']);
    expect(fake.state.refs()).toEqual({ 'refs/heads/main': BASE, 'refs/tags/sdlc/validated/1': tag.data.sha });
    // Check runs can be listed by the tag name too: it peels to the commit.
    await gh.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD, conclusion: 'success' });
    expect((await gh.rest.checks.listForRef({ ...repo, ref: 'tags/sdlc/validated/1' })).data.total_count).toBe(1);
  });

  it('records commit statuses, newest first, and combines them per context', async () => {
    await gh.rest.repos.createCommitStatus({ ...repo, sha: HEAD, state: 'pending', context: 'SDLC / verdict', description: 'Judging' });
    await gh.rest.repos.createCommitStatus({ ...repo, sha: HEAD, state: 'failure', context: 'SDLC / verdict', description: 'Coverage 71 % < 80 %' });
    await gh.rest.repos.createCommitStatus({ ...repo, sha: HEAD, state: 'success', context: 'ci/build', target_url: 'https://ci.example/9' });
    const list = await gh.rest.repos.listCommitStatusesForRef({ ...repo, ref: HEAD });
    expect(list.data.map((s) => [s.context, s.state])).toEqual([
      ['ci/build', 'success'],
      ['SDLC / verdict', 'failure'],
      ['SDLC / verdict', 'pending'],
    ]);
    const combined = await gh.rest.repos.getCombinedStatusForRef({ ...repo, ref: HEAD });
    expect([combined.data.state, combined.data.total_count]).toEqual(['failure', 2]);
    expect(fake.state.statuses(HEAD).map((s) => s.description)).toEqual(['Judging', 'Coverage 71 % < 80 %', null]);
    const long = await statusOf(gh.rest.repos.createCommitStatus({ ...repo, sha: HEAD, state: 'success', description: 'x'.repeat(141) }));
    expect(long.status).toBe(422);
  });

  it('serves pull requests, their files and diff, and finds them by head', async () => {
    const files = [
      { filename: 'src/a.ts', status: 'modified' as const, patch: '@@ -1,2 +1,3 @@\n line\n-old\n+new\n+more' },
      { filename: 'src/new.ts', status: 'added' as const, patch: '@@ -0,0 +1 @@\n+export {};' },
      { filename: 'logo.png', status: 'added' as const },
    ];
    fake.state.addPull({ number: 12, headSha: HEAD, baseSha: BASE, headRef: 'feature/x', baseRef: 'main', headRepoFullName: 'contributor/widgets', files });

    const pr = await gh.rest.pulls.get({ ...repo, pull_number: 12 });
    expect(pr.data).toMatchObject({ number: 12, additions: 3, deletions: 1, changed_files: 3 });
    expect([pr.data.head.sha, pr.data.head.label, pr.data.head.repo?.full_name, pr.data.head.repo?.fork]).toEqual([HEAD, 'contributor:feature/x', 'contributor/widgets', true]);
    expect([pr.data.base.sha, pr.data.base.repo.full_name]).toEqual([BASE, 'acme/widgets']);

    const diff = await gh.rest.pulls.get({ ...repo, pull_number: 12, mediaType: { format: 'diff' } });
    expect((diff.data as unknown as string).split('\n')).toEqual([
      'diff --git a/src/a.ts b/src/a.ts',
      expect.stringMatching(/^index [0-9a-f]{7}\.\.[0-9a-f]{7} 100644$/),
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,2 +1,3 @@',
      ' line',
      '-old',
      '+new',
      '+more',
      'diff --git a/src/new.ts b/src/new.ts',
      'new file mode 100644',
      expect.stringMatching(/^index 0000000\.\.[0-9a-f]{7}$/),
      '--- /dev/null',
      '+++ b/src/new.ts',
      '@@ -0,0 +1 @@',
      '+export {};',
      'diff --git a/logo.png b/logo.png',
      'new file mode 100644',
      expect.stringMatching(/^index 0000000\.\.[0-9a-f]{7}$/),
      'Binary files /dev/null and b/logo.png differ',
      '',
    ]);

    const listed = await gh.paginate(gh.rest.pulls.listFiles, { ...repo, pull_number: 12, per_page: 2 });
    expect(listed.map((f) => [f.filename, f.additions, f.deletions, f.patch])).toEqual([
      ['src/a.ts', 2, 1, files[0]?.patch],
      ['src/new.ts', 1, 0, files[1]?.patch],
      ['logo.png', 0, 0, undefined],
    ]);

    const byHead = await gh.rest.pulls.list({ ...repo, state: 'open', head: 'contributor:feature/x' });
    expect(byHead.data.map((p) => p.number)).toEqual([12]);
    expect((await gh.rest.pulls.list({ ...repo, state: 'open', head: 'acme:feature/x' })).data).toEqual([]);
    const bySha = await gh.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: HEAD });
    expect(bySha.data.map((p) => p.number)).toEqual([12]);

    const compare = await gh.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `main...${HEAD}` });
    expect([compare.data.status, compare.data.ahead_by, compare.data.files?.map((f) => f.filename)]).toEqual(['ahead', 1, ['src/a.ts', 'src/new.ts', 'logo.png']]);
    expect((await statusOf(gh.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `main...${OTHER}` }))).status).toBe(404);

    // A check run on the head of a fork pull request lists no pull requests, as on GitHub.
    const check = await gh.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD, conclusion: 'success' });
    expect(check.data.pull_requests).toEqual([]);
  });

  it('reads .sdlc.yml through the contents API, base64 or raw, and 404s a missing file', async () => {
    const yml = 'gates:\n  coverage:\n    min: 80\n';
    fake.state.addFile('main', '.sdlc.yml', yml);
    fake.state.addFile('main', 'config/extra.yml', 'x: 1\n');
    const file = await gh.rest.repos.getContent({ ...repo, path: '.sdlc.yml', ref: 'main' });
    const data = file.data as { type: string; encoding: string; content: string; size: number };
    expect([data.type, data.encoding, data.size]).toEqual(['file', 'base64', yml.length]);
    expect(Buffer.from(data.content, 'base64').toString('utf8')).toBe(yml);
    // The default branch is used without ?ref=, and a SHA finds the file through the branch that points at it.
    expect((await gh.rest.repos.getContent({ ...repo, path: '.sdlc.yml' })).status).toBe(200);
    expect((await gh.rest.repos.getContent({ ...repo, path: '.sdlc.yml', ref: BASE })).status).toBe(200);
    const raw = await gh.rest.repos.getContent({ ...repo, path: '.sdlc.yml', mediaType: { format: 'raw' } });
    expect(raw.data as unknown as string).toBe(yml);
    const dir = await gh.rest.repos.getContent({ ...repo, path: '' });
    expect((dir.data as { path: string; type: string }[]).map((e) => [e.path, e.type])).toEqual([
      ['.sdlc.yml', 'file'],
      ['config', 'dir'],
    ]);
    expect((await statusOf(gh.rest.repos.getContent({ ...repo, path: '.sdlc.yml', ref: 'feature' }))).status).toBe(404);
    expect((await statusOf(gh.rest.repos.getContent({ ...repo, path: 'missing.yml' }))).status).toBe(404);
  });

  it('lists a run’s artifacts and downloads one through a 302 to a short-lived URL', async () => {
    fake.state.addPull({ number: 3, headSha: HEAD, baseSha: BASE, headRef: 'feature', baseRef: 'main' });
    fake.state.addRun({ id: 901, headSha: HEAD, headBranch: 'feature', event: 'pull_request', pullRequests: [3] });
    const zip = await makeZip({ 'coverage/lcov.info': 'TN:\nSF:src/a.ts\nDA:1,1\nend_of_record\n' });
    const artifact = fake.state.addArtifact(901, 'sdlc-reports', zip);
    fake.state.addArtifact(901, 'other', await makeZip({ 'a.txt': 'a' }));

    const run = await gh.rest.actions.getWorkflowRun({ ...repo, run_id: 901 });
    expect([run.data.head_sha, run.data.event, run.data.pull_requests?.map((p) => p.number)]).toEqual([HEAD, 'pull_request', [3]]);
    const listed = await gh.rest.actions.listWorkflowRunArtifacts({ ...repo, run_id: 901, name: 'sdlc-reports' });
    expect(listed.data.total_count).toBe(1);
    expect(listed.data.artifacts[0]).toMatchObject({ id: artifact.id, name: 'sdlc-reports', size_in_bytes: zip.length, expired: false });

    const downloaded = await gh.rest.actions.downloadArtifact({ ...repo, artifact_id: artifact.id, archive_format: 'zip' });
    expect(Buffer.from(downloaded.data as ArrayBuffer).equals(zip)).toBe(true);
    expect(fake.calls.slice(-2).map((c) => [c.operationId, c.status, c.counted])).toEqual([
      ['actions/download-artifact', 302, true],
      ['fake/artifact-download', 200, false],
    ]);

    // The URL expires: storage answers 403 and the client has to ask the API again.
    const first = await fetch(`${fake.url}/repos/acme/widgets/actions/artifacts/${artifact.id}/zip`, { headers: { authorization: 'token x' }, redirect: 'manual' });
    expect(first.status).toBe(302);
    const location = first.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${fake.url}/_artifacts/[0-9a-f]{32}$`));
    fake.state.expireDownloadUrls();
    const stale = await fetch(location);
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain('<Code>AuthenticationFailed</Code>');
    const again = await gh.rest.actions.downloadArtifact({ ...repo, artifact_id: artifact.id, archive_format: 'zip' });
    expect(Buffer.from(again.data as ArrayBuffer).equals(zip)).toBe(true);

    const gone = fake.state.addArtifact(901, 'old', zip, { expired: true });
    const r = await statusOf(gh.rest.actions.downloadArtifact({ ...repo, artifact_id: gone.id, archive_format: 'zip' }));
    expect([r.status, r.message]).toEqual([410, 'Artifact has expired - https://docs.github.com/rest/actions/artifacts#download-an-artifact']);
  });

  it('expires download URLs after their lifetime on the fake clock', async () => {
    let clock = Date.parse('2024-05-01T10:00:00Z');
    const timed = await startFakeGitHub({ repos: [{ owner: 'acme', repo: 'widgets' }], now: () => clock, downloadUrlTtlMs: 60_000 });
    try {
      timed.state.addRun({ id: 5, headSha: HEAD });
      const a = timed.state.addArtifact(5, 'sdlc-reports', await makeZip({ 'x.txt': 'x' }));
      const res = await fetch(`${timed.url}/repos/acme/widgets/actions/artifacts/${a.id}/zip`, { headers: { authorization: 'token x' }, redirect: 'manual' });
      const url = res.headers.get('location') ?? '';
      clock += 59_000;
      expect((await fetch(url)).status).toBe(200);
      clock += 2_000;
      expect((await fetch(url)).status).toBe(403);
      expect(timed.violations).toEqual([]);
    } finally {
      await timed.close();
    }
  });

  it('performed + 502: GitHub did the write but the client saw an error', async () => {
    const rule = fake.fail({ method: 'POST', path: /\/check-runs$/, status: 502, performed: true });
    const r = await statusOf(gh.rest.checks.create({ ...repo, name: 'SDLC / verdict', head_sha: HEAD, conclusion: 'success' }));
    expect(r.status).toBe(502);
    expect([rule.hits, rule.remaining]).toEqual([1, 0]);
    expect(fake.state.checkRuns(HEAD).map((c) => c.name)).toEqual(['SDLC / verdict']);
    // A blind retry duplicates it; a client has to look before it creates again.
    await gh.rest.checks.create({ ...repo, name: 'SDLC / verdict', head_sha: HEAD, conclusion: 'success' });
    expect(fake.state.checkRuns(HEAD).length).toBe(2);
    expect(fake.calls.map((c) => [c.status, c.injected])).toEqual([
      [502, true],
      [201, false],
    ]);
  });

  it('hang: never answers, so the client must time out', async () => {
    fake.fail({ path: /\/pulls\/1$/, hang: true });
    fake.state.addPull({ number: 1, headSha: HEAD, baseSha: BASE, headRef: 'f', baseRef: 'main' });
    const started = Date.now();
    await expect(gh.rest.pulls.get({ ...repo, pull_number: 1, request: { signal: AbortSignal.timeout(300) } })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(25000);
    expect(fake.calls.map((c) => [c.operationId, c.status])).toEqual([['pulls/get', undefined]]);
    // The rule was used once: the next request is answered.
    expect((await gh.rest.pulls.get({ ...repo, pull_number: 1 })).status).toBe(200);
  });

  it('close() cuts a request that is still hanging', async () => {
    const other = await startFakeGitHub({ repos: [{ owner: 'acme', repo: 'widgets' }] });
    other.fail({ hang: true });
    const pending = fetch(`${other.url}/repos/acme/widgets`, { headers: { authorization: 'token x' } }).then(
      (r) => `answered ${r.status}`,
      () => 'cut',
    );
    for (let i = 0; i < 100 && other.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(other.calls.map((c) => [c.operationId, c.status])).toEqual([['repos/get', undefined]]);
    await other.close();
    expect(await pending).toBe('cut');
  });

  it('403 "Resource not accessible by integration" for writes without write permission', async () => {
    fake.state.setPermissions({ checks: 'read' });
    const r = await statusOf(gh.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD }));
    expect([r.status, r.message]).toEqual([403, 'Resource not accessible by integration - https://docs.github.com/rest/reference/checks#create-a-check-run']);
    expect(r.headers['x-accepted-github-permissions']).toBe('checks=write');
    expect((await gh.rest.checks.listForRef({ ...repo, ref: HEAD })).status).toBe(200);

    fake.state.addPull({ number: 4, headSha: HEAD, baseSha: BASE, headRef: 'f', baseRef: 'main' });
    fake.state.readOnly();
    expect((await statusOf(gh.rest.issues.createComment({ ...repo, issue_number: 4, body: 'hi' }))).status).toBe(403);
    expect((await statusOf(gh.rest.repos.createCommitStatus({ ...repo, sha: HEAD, state: 'success' }))).status).toBe(403);
    expect((await statusOf(gh.rest.git.createRef({ ...repo, ref: 'refs/tags/v1', sha: HEAD }))).status).toBe(403);
    expect((await gh.rest.pulls.get({ ...repo, pull_number: 4 })).status).toBe(200);
    expect(fake.state.comments(4)).toEqual([]);
    // Seeding the pull request created its head branch; no tag was created.
    expect(fake.state.refs()).toEqual({ 'refs/heads/main': BASE, 'refs/heads/f': HEAD });
  });

  it('429 with retry-after and rate-limit headers, once', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 30);
    fake.fail({ path: /check-runs/, status: 429, times: 2, headers: { 'retry-after': '7', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
    const r = await statusOf(gh.rest.checks.listForRef({ ...repo, ref: HEAD }));
    expect([r.status, r.headers['retry-after'], r.headers['x-ratelimit-remaining'], r.headers['x-ratelimit-reset']]).toEqual([429, '7', '0', reset]);
    expect((await statusOf(gh.rest.checks.listForRef({ ...repo, ref: HEAD }))).status).toBe(429);
    expect((await gh.rest.checks.listForRef({ ...repo, ref: HEAD })).status).toBe(200);
  });

  it('ETag and 304: a conditional request that matches does not count against the rate limit', async () => {
    const created = await gh.rest.checks.create({ ...repo, name: 'x', head_sha: HEAD, conclusion: 'success' });
    expect(created.headers['x-ratelimit-remaining']).toBe('4999');
    const got = await gh.rest.checks.get({ ...repo, check_run_id: created.data.id });
    const etag = got.headers.etag ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    expect([got.headers['x-ratelimit-used'], got.headers['x-ratelimit-remaining'], got.headers['x-ratelimit-limit'], got.headers['x-ratelimit-resource']]).toEqual([
      '2',
      '4998',
      '5000',
      'core',
    ]);
    const notModified = await statusOf(gh.rest.checks.get({ ...repo, check_run_id: created.data.id, headers: { 'if-none-match': etag } }));
    expect(notModified.status).toBe(304);
    expect(fake.rateLimited).toBe(2);
    const limits = await gh.rest.rateLimit.get();
    expect([limits.data.resources.core.used, limits.data.resources.core.remaining]).toEqual([2, 4998]);
    expect(fake.rateLimited).toBe(2);
    // A change makes the old ETag stale.
    await gh.rest.checks.update({ ...repo, check_run_id: created.data.id, output: { title: 't', summary: 'changed' } });
    const fresh = await gh.rest.checks.get({ ...repo, check_run_id: created.data.id, headers: { 'if-none-match': etag } });
    expect(fresh.status).toBe(200);
    expect(fake.rateLimited).toBe(4);
    expect(fake.calls.map((c) => c.counted)).toEqual([true, true, false, false, true, true]);
  });

  it('403 "API rate limit exceeded" once the limit is used up', async () => {
    fake.state.setRateLimit({ remaining: 1 });
    expect((await gh.rest.repos.get({ ...repo })).headers['x-ratelimit-remaining']).toBe('0');
    const r = await statusOf(gh.rest.repos.get({ ...repo }));
    expect([r.status, r.headers['x-ratelimit-remaining']]).toEqual([403, '0']);
    expect(r.message).toMatch(/^API rate limit exceeded for installation ID \d+\./);
  });

  it('authenticates: 401 without credentials; the app JWT only where GitHub takes it', async () => {
    const anonymous = new Octokit({ baseUrl: fake.url });
    expect((await statusOf(anonymous.rest.checks.listForRef({ ...repo, ref: HEAD }))).status).toBe(401);
    expect((await anonymous.rest.rateLimit.get()).status).toBe(200);

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const asApp = new Octokit({ baseUrl: fake.url, authStrategy: undefined, auth: appJwt(4242, privateKey) });
    const installation = await asApp.rest.apps.getRepoInstallation({ ...repo });
    const token = await asApp.rest.apps.createInstallationAccessToken({ installation_id: installation.data.id });
    expect(token.data.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect((await statusOf(asApp.rest.checks.listForRef({ ...repo, ref: HEAD }))).status).toBe(401);
    const wrongApp = new Octokit({ baseUrl: fake.url, auth: appJwt(1, privateKey) });
    expect((await statusOf(wrongApp.rest.apps.getRepoInstallation({ ...repo }))).status).toBe(401);
    expect((await statusOf(gh.rest.apps.getRepoInstallation({ ...repo }))).status).toBe(401);

    const asInstallation = new Octokit({ baseUrl: fake.url, auth: token.data.token });
    expect((await asInstallation.rest.repos.get({ ...repo })).data.default_branch).toBe('main');
  });

  it('lists workflow runs of the repository by head SHA, newest first', async () => {
    fake.state.addRun({ id: 910, headSha: HEAD, headBranch: 'feature', event: 'pull_request' });
    fake.state.addRun({ id: 911, headSha: HEAD, headBranch: 'feature', event: 'push' });
    fake.state.addRun({ id: 912, headSha: BASE, headBranch: 'main', event: 'push' });
    const byHead = await gh.rest.actions.listWorkflowRunsForRepo({ ...repo, head_sha: HEAD });
    expect(byHead.data.total_count).toBe(2);
    expect(byHead.data.workflow_runs.map((r) => r.id)).toEqual([911, 910]);
    const pushes = await gh.rest.actions.listWorkflowRunsForRepo({ ...repo, event: 'push', branch: 'main' });
    expect(pushes.data.workflow_runs.map((r) => [r.id, r.head_sha])).toEqual([[912, BASE]]);
  });

  it('serves a GitHub App through Probot: installation token by JWT, then the API with the token', async () => {
    const { ProbotOctokit } = await import('probot');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const installationId = fake.state.repo('acme/widgets').installationId;
    const octokit = new ProbotOctokit({ baseUrl: fake.url, auth: { appId: 4242, privateKey, installationId } });
    const created = await octokit.rest.checks.create({ ...repo, name: 'SDLC / verdict', head_sha: HEAD, conclusion: 'success' });
    expect(created.status).toBe(201);
    await octokit.rest.checks.get({ ...repo, check_run_id: created.data.id });
    expect(fake.calls.map((c) => [c.operationId, c.status])).toEqual([
      ['apps/create-installation-access-token', 201],
      ['checks/create', 201],
      ['checks/get', 200],
    ]);
    const token = fake.state.issuedTokens[0];
    expect(fake.calls[1]?.headers.authorization).toBe(`token ${token}`);
    expect(fake.calls[0]?.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('answers 501 for an endpoint GitHub has but the fake does not serve, and records it', async () => {
    const r = await statusOf(gh.rest.repos.listBranches({ ...repo }));
    expect(r.status).toBe(501);
    expect(fake.violations.map((v) => [v.kind, v.operationId])).toEqual([['unsupported', 'repos/list-branches']]);
    fake.violations.length = 0;
  });
});

describe('webhooks', () => {
  it('signs like GitHub (the test vector of GitHub’s webhook documentation)', () => {
    expect(signWebhook("It's a Secret to Everybody", 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(signWebhook("It's a Secret to Everybody", Buffer.from('Hello, World!'))).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('loads real example payloads and deep-merges overrides', () => {
    const plain = examplePayload<{ action: string; number: number; pull_request: { head: { sha: string; ref: string }; base: { sha: string } }; repository: { full_name: string; owner: { login: string; id: number } } }>('pull_request', 'opened');
    const p = examplePayload<typeof plain>('pull_request', 'opened', {
      repository: { full_name: 'acme/widgets', owner: { login: 'acme' } },
      pull_request: { head: { sha: HEAD } },
    });
    expect(p.action).toBe('opened');
    expect([p.repository.full_name, p.repository.owner.login, p.pull_request.head.sha]).toEqual(['acme/widgets', 'acme', HEAD]);
    // Untouched fields keep the example's values; the cached example is not modified.
    expect([p.repository.owner.id, p.pull_request.head.ref, p.pull_request.base.sha]).toEqual([
      plain.repository.owner.id,
      plain.pull_request.head.ref,
      plain.pull_request.base.sha,
    ]);
    expect(examplePayload<typeof plain>('pull_request', 'opened').repository.full_name).toBe(plain.repository.full_name);
    expect(plain.repository.full_name).not.toBe('acme/widgets');
    expect(examplePayload<{ workflow_run: { id: number } }>('workflow_run', 'completed').workflow_run.id).toBeGreaterThan(0);
    expect(() => examplePayload('pull_request', 'frobnicated')).toThrow(/no webhook example 0 for pull_request\.frobnicated/);
    expect(() => examplePayload('nope')).toThrow(/no webhook examples for event "nope"/);
  });

  it('posts a delivery over HTTP with GitHub’s headers and a signature that verifies', async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ headers: req.headers, body });
        const ok = req.headers['x-hub-signature-256'] === signWebhook('s3cret', body);
        res.writeHead(ok ? 202 : 401).end(ok ? 'accepted' : 'bad signature');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
    try {
      const payload = examplePayload('check_run', 'rerequested');
      const res = await sendWebhook(url, { event: 'check_run', payload, secret: 's3cret', deliveryId: 'd-1' });
      expect([res.status, res.body, res.deliveryId]).toEqual([202, 'accepted', 'd-1']);
      expect(seen[0]?.headers['x-github-event']).toBe('check_run');
      expect(seen[0]?.headers['x-github-delivery']).toBe('d-1');
      expect(seen[0]?.headers['content-type']).toBe('application/json');
      expect(seen[0]?.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
      expect(JSON.parse(seen[0]?.body ?? '')).toEqual(payload);
      const forged = await sendWebhook(url, { event: 'check_run', payload, secret: 'wrong' });
      expect(forged.status).toBe(401);
      await expect(sendWebhook('http://example.com/hook', { event: 'ping', payload: {}, secret: 's' })).rejects.toThrow(/only posts to local servers/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

// Last in this file: importing nock intercepts every HTTP request of the process from then on.
describe('nock validation', () => {
  let nock: typeof Nock;
  let helpers: typeof NockHelpers;
  const api = 'https://api.github.com';
  const gh = new Octokit({ auth: 'ghs_test' });
  const checkRun = (n: number) => ({ owner: 'acme', repo: 'widgets', name: 'SDLC / lint', head_sha: HEAD, output: { title: 't', summary: 's', annotations: annotations(n) } });

  beforeAll(async () => {
    nock = (await import('nock')).default;
    helpers = await import('../helpers/github/nock.js');
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });

  it('installOpenApiValidation checks every request nock intercepts for api.github.com', async () => {
    const v = helpers.installOpenApiValidation();
    try {
      nock(api).post('/repos/acme/widgets/check-runs').times(2).reply(201, { id: 1 });
      nock(api).get('/repos/acme/widgets/commits/main/check-runs').query({ per_page: '100' }).reply(200, { total_count: 0, check_runs: [] });
      await gh.rest.checks.create(checkRun(50));
      await gh.rest.checks.listForRef({ owner: 'acme', repo: 'widgets', ref: 'main', per_page: 100 });
      expect([v.checked, v.violations]).toEqual([2, []]);
      expect(() => v.assertValid()).not.toThrow();

      await gh.rest.checks.create(checkRun(51));
      expect(v.violations).toEqual([
        { method: 'POST', url: '/repos/acme/widgets/check-runs', errors: ['body.output.annotations must NOT have more than 50 items (it has 51)'] },
      ]);
      expect(() => v.assertValid()).toThrow(
        'requests GitHub would refuse:\nPOST /repos/acme/widgets/check-runs\n  - body.output.annotations must NOT have more than 50 items (it has 51)',
      );
      expect(v.violations).toEqual([]);
    } finally {
      v.uninstall();
    }
    nock(api).post('/repos/acme/widgets/check-runs').reply(201, { id: 2 });
    await gh.rest.checks.create(checkRun(51));
    expect(v.checked).toBe(3);
  });

  it('validateNockRequests checks the requests of one scope', async () => {
    const scope = nock(api).post('/repos/acme/widgets/frobnicate').reply(200, {});
    const v = helpers.validateNockRequests(scope);
    await gh.request('POST /repos/{owner}/{repo}/frobnicate', { owner: 'acme', repo: 'widgets' });
    expect(v.violations).toEqual([{ method: 'POST', url: '/repos/acme/widgets/frobnicate', errors: ['GitHub has no POST /repos/{owner}/{repo}/frobnicate'] }]);
    expect(scope.isDone()).toBe(true);
  });

  it('githubReply answers 422 to a request GitHub would refuse', async () => {
    nock(api).post('/repos/acme/widgets/check-runs').times(2).reply(helpers.githubReply(201, { id: 3 }));
    expect((await gh.rest.checks.create(checkRun(1))).data).toEqual({ id: 3 });
    const r = await statusOf(gh.rest.checks.create({ ...checkRun(1), conclusion: 'passed' as 'success' }));
    expect(r.status).toBe(422);
    expect(r.message).toContain('body.conclusion must be one of');
  });
});
