/**
 * downloadArtifact against GitHub's REST API, driven by a real @octokit/rest
 * client: simulated with nock (the API host, and a storage host that the
 * download answer redirects to), and with the fake GitHub server of
 * test/helpers/github (every request checked against GitHub's REST
 * description; download URLs that expire). The artifact served is the real zip
 * @actions/artifact built from jest's lcov.info and jest-junit's XML
 * (test/fixtures/zip/README.md).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { Octokit } from '@octokit/rest';
import { ArtifactError, downloadArtifact } from '../../src/github/artifacts.js';
import type { GitHubClient } from '../../src/github/client.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { parseRouted, routeFiles } from '../../src/core/pipeline.js';
import { coverageTotals } from '../../src/core/model/coverage.js';
import { ownFixture } from '../helpers/fixtures.js';

const API = 'https://api.github.com';
const STORAGE = 'https://productionresultssa3.blob.core.windows.net';
const RUNS = '/repos/octo/app/actions/runs/42/artifacts';
const ZIP = readFileSync(ownFixture('zip/sdlc-reports.zip'));

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function client(): Octokit {
  return new Octokit({ auth: 'ghs_test', userAgent: 'sdlc-gatekeeper-test', log: quiet });
}

let nextId = 1000;
function artifact(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (over.id as number | undefined) ?? nextId++;
  return {
    id,
    node_id: `MDg6QXJ0aWZhY3Qx${id}`,
    name,
    size_in_bytes: ZIP.length,
    url: `${API}/repos/octo/app/actions/artifacts/${id}`,
    archive_download_url: `${API}/repos/octo/app/actions/artifacts/${id}/zip`,
    expired: false,
    created_at: '2025-01-02T03:04:05Z',
    updated_at: '2025-01-02T03:04:05Z',
    expires_at: '2025-04-02T03:04:05Z',
    workflow_run: { id: 42, repository_id: 7, head_repository_id: 7, head_branch: 'main', head_sha: 'a'.repeat(40) },
    ...over,
  };
}

function listing(artifacts: Record<string, unknown>[], total = artifacts.length) {
  return { total_count: total, artifacts };
}

/** The API's list call for page `page`. */
function listCall(page = 1, name = 'sdlc-reports') {
  return nock(API).get(RUNS).query({ name, per_page: '100', page: String(page) });
}

/** The API's download call: 302 to a storage URL. */
function downloadCall(id: number, location: string) {
  return nock(API).get(`/repos/octo/app/actions/artifacts/${id}/zip`).reply(302, '', { Location: location });
}

function storage(path: string, status: number, body: Buffer | string = ZIP, headers: Record<string, string> = {}) {
  return nock(STORAGE)
    .get(path)
    .query(true)
    .reply(status, body, { 'Content-Type': status === 200 ? 'application/zip' : 'application/xml', ...headers });
}

async function refused(p: Promise<unknown>): Promise<ArtifactError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ArtifactError) return err;
    throw new Error(`expected an ArtifactError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a refusal, but it succeeded');
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('downloadArtifact', () => {
  it('finds the newest artifact of that name across pages, follows the redirect and parses its reports end to end', async () => {
    const older = artifact('sdlc-reports', { id: 7, created_at: '2025-01-02T03:04:05Z' });
    const newest = artifact('sdlc-reports', { id: 9, created_at: '2025-01-02T04:00:00Z' });
    const fillers = Array.from({ length: 100 }, (_, i) => artifact(`other-${i}`));
    listCall(1).reply(200, listing([...fillers.slice(0, 99), older], 102));
    listCall(2).reply(200, listing([newest, fillers[99]!], 102));
    downloadCall(9, `${STORAGE}/actions-results/abc/sdlc-reports.zip?sig=one&se=2025-01-02T04%3A01%3A00Z`);
    storage('/actions-results/abc/sdlc-reports.zip', 200);

    const archive = await downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 });
    expect(archive.artifact).toEqual({ id: 9, name: 'sdlc-reports', sizeInBytes: 2468, createdAt: '2025-01-02T04:00:00Z' });
    expect(archive.entries.map((e) => e.name)).toEqual(['empty', 'coverage/lcov.info', 'reports/junit.xml', 'README.txt']);

    const config = loadConfig(undefined);
    const routing = routeFiles(
      archive.entries.map((e) => e.name),
      config,
      { discoverAll: true, discoverLabel: 'artifact sdlc-reports' },
    );
    const set = await parseRouted(routing, (p) => archive.open(p));
    expect(set.failures).toEqual([]);
    expect(set.skipped.sort()).toEqual(['README.txt', 'empty']);
    expect(set.reports.map((r) => [r.path, r.format, r.kind])).toEqual([
      ['coverage/lcov.info', 'lcov', 'coverage'],
      ['reports/junit.xml', 'junit', 'tests'],
    ]);
    const cov = set.reports[0]!;
    if (cov.kind !== 'coverage') throw new Error('expected coverage');
    // jest printed Lines 71.92 % (41/57).
    expect(coverageTotals(cov.coverage.files.values()).lines).toEqual({ total: 57, covered: 41 });
    const tests = set.reports[1]!;
    if (tests.kind !== 'tests') throw new Error('expected tests');
    expect([tests.tests.total, tests.tests.passed, tests.tests.failed, tests.tests.errored, tests.tests.skipped]).toEqual([9, 4, 3, 1, 1]);
    expect(archive.refusal).toBeUndefined();
  });

  it('takes another artifact name, and the highest id when two were created at the same time', async () => {
    listCall(1, 'coverage').reply(200, listing([artifact('coverage', { id: 11 }), artifact('coverage', { id: 12 }), artifact('coverage', { id: 10 })]));
    downloadCall(12, `${STORAGE}/c/12.zip?sig=x`);
    storage('/c/12.zip', 200);
    const archive = await downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42, name: 'coverage' });
    expect(archive.artifact.id).toBe(12);
  });

  it('refuses a run without that artifact, naming it, and downloads nothing', async () => {
    listCall(1).reply(200, listing([]));
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect([err.reason, err.message]).toEqual(['not-found', 'workflow run octo/app run 42 has no artifact named "sdlc-reports"']);
  });

  it('ignores artifacts of other names even if the API did not filter them', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports-old'), artifact('SDLC-REPORTS')]));
    expect((await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }))).reason).toBe('not-found');
  });

  it('refuses an unknown run (404) as not found', async () => {
    listCall(1).reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect([err.reason, err.status]).toEqual(['not-found', 404]);
    expect(err.message).toBe('workflow run octo/app run 42 was not found, or the app cannot see it (404)');
  });

  it('refuses an expired artifact with the reason, without downloading it', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5, expired: true })]));
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect(err.reason).toBe('expired');
    expect(err.message).toBe(
      'artifact "sdlc-reports" (id 5) of octo/app run 42 has expired: artifacts are deleted after their retention period; re-run the workflow to upload it again',
    );
  });

  it('refuses an artifact listed over the download limit, without downloading it', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5, size_in_bytes: 512 * 1024 * 1024 + 1 })]));
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect([err.reason, err.message]).toEqual([
      'too-large',
      'artifact "sdlc-reports" (id 5) of octo/app run 42 is 536870913 bytes, over the download limit of 536870912 bytes',
    ]);
  });

  it('stops reading a download that is larger than it was listed', async () => {
    // A real HTTP server for the storage side (nock would buffer the whole
    // body): 200 chunks of 64 KiB (12.5 MiB), chunked, written only as fast
    // as the client reads them.
    let written = 0;
    const server = createServer(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/zip' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        written++;
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
      }
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    nock.enableNetConnect('127.0.0.1');
    try {
      listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5, size_in_bytes: 1000 })]));
      downloadCall(5, `http://127.0.0.1:${port}/big.zip?sig=x`);
      const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }, { maxDownloadBytes: 2000 }));
      expect([err.reason, err.message]).toEqual(['too-large', 'artifact "sdlc-reports" (id 5) of octo/app run 42 is larger than the download limit of 2000 bytes (more than 2000 bytes arrived)']);
      await new Promise((r) => setTimeout(r, 200));
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(100);
    } finally {
      nock.disableNetConnect();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a download whose Content-Length is over the limit before reading it', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5, size_in_bytes: 1000 })]));
    downloadCall(5, `${STORAGE}/big.zip?sig=x`);
    storage('/big.zip', 200, ZIP, { 'Content-Length': String(ZIP.length) });
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }, { maxDownloadBytes: 2000 }));
    expect([err.reason, err.message]).toEqual(['too-large', 'artifact "sdlc-reports" (id 5) of octo/app run 42 is larger than the download limit of 2000 bytes (Content-Length 2468)']);
  });

  it('asks the API again once when the download URL has expired (403), then reads the fresh one', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5 })]));
    downloadCall(5, `${STORAGE}/a/5.zip?sig=old`);
    nock(STORAGE)
      .get('/a/5.zip')
      .query({ sig: 'old' })
      .reply(403, '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>', {
        'Content-Type': 'application/xml',
      });
    downloadCall(5, `${STORAGE}/a/5.zip?sig=new`);
    nock(STORAGE).get('/a/5.zip').query({ sig: 'new' }).reply(200, ZIP, { 'Content-Type': 'application/zip' });
    const archive = await downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 });
    expect(archive.entries.length).toBe(4);
  });

  it.each([403, 404, 410])('gives up when the fresh URL answers %i too', async (status) => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5 })]));
    downloadCall(5, `${STORAGE}/a/5.zip?sig=old`);
    downloadCall(5, `${STORAGE}/a/5.zip?sig=new`);
    nock(STORAGE).get('/a/5.zip').query(true).times(2).reply(status, 'gone', { 'Content-Type': 'text/plain' });
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect([err.reason, err.status]).toEqual([status === 410 ? 'expired' : 'download-failed', status]);
    expect(err.message).toBe(
      status === 410
        ? 'artifact "sdlc-reports" (id 5) of octo/app run 42 could not be downloaded: it is gone (HTTP 410)'
        : `artifact "sdlc-reports" (id 5) of octo/app run 42 could not be downloaded, even with a fresh download URL: HTTP ${status}, gone`,
    );
  });

  it('does not retry a server error', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5 })]));
    nock(API).get('/repos/octo/app/actions/artifacts/5/zip').reply(500, { message: 'Server Error' });
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect([err.reason, err.status]).toEqual(['download-failed', 500]);
  });

  it('refuses a download that is not a zip, with the archive reason and the artifact named', async () => {
    listCall(1).reply(200, listing([artifact('sdlc-reports', { id: 5 })]));
    downloadCall(5, `${STORAGE}/a/5.zip?sig=x`);
    storage('/a/5.zip', 200, ZIP.subarray(0, 1000));
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect(err.reason).toBe('corrupt');
    expect(err.message).toMatch(/^artifact "sdlc-reports" \(id 5\) of octo\/app run 42: the artifact is not a readable zip archive: it is truncated or damaged/);
  });

  it('refuses listings of an unknown shape', async () => {
    listCall(1).reply(200, { total_count: 1, items: [] });
    expect((await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }))).reason).toBe('api-error');
    listCall(1).reply(200, listing([{ name: 'sdlc-reports', id: '5' }]));
    const err = await refused(downloadArtifact(client(), { owner: 'octo', repo: 'app', runId: 42 }));
    expect([err.reason, err.message]).toEqual(['api-error', 'artifact "sdlc-reports" of octo/app run 42 is listed without a usable id, size or expiry']);
  });

  it('works with any client that has request(), also one that hands over the whole body', async () => {
    const calls: string[] = [];
    const minimal = {
      request: async (route: string, params: object) => {
        calls.push(`${route} ${JSON.stringify(params)}`);
        if (route.includes('/runs/')) return { status: 200, data: listing([artifact('sdlc-reports', { id: 3 })]), headers: {} };
        return { status: 200, data: ZIP.buffer.slice(ZIP.byteOffset, ZIP.byteOffset + ZIP.length), headers: { 'content-type': 'application/zip' } };
      },
    };
    const archive = await downloadArtifact(minimal as unknown as GitHubClient, { owner: 'o', repo: 'r', runId: 1 });
    expect(archive.entries.length).toBe(4);
    expect(calls).toEqual([
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts {"owner":"o","repo":"r","run_id":1,"name":"sdlc-reports","per_page":100,"page":1}',
      'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format} {"owner":"o","repo":"r","artifact_id":3,"archive_format":"zip","request":{"parseSuccessResponseBody":false}}',
    ]);
  });
});

describe('downloadArtifact against the fake GitHub server', () => {
  const HEAD = 'd'.repeat(40);
  let fake: FakeGitHub;
  /** Added to the fake's clock while it serves the first storage request, or every one. */
  let skewFirstDownload = 0;
  let skewEveryDownload = 0;

  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    fake = await startFakeGitHub({
      repos: [{ owner: 'acme', repo: 'widgets' }],
      downloadUrlTtlMs: 60_000,
      now: () => {
        // While a storage request is served it is the last of fake.calls:
        // its clock runs ahead, so the URL handed out a moment ago has expired.
        const calls = fake?.calls ?? [];
        if (calls.at(-1)?.operationId !== 'fake/artifact-download') return Date.now();
        const nth = calls.filter((c) => c.operationId === 'fake/artifact-download').length;
        return Date.now() + (nth === 1 ? skewFirstDownload : 0) + skewEveryDownload;
      },
    });
  });

  afterEach(() => {
    expect(fake.violations).toEqual([]);
    fake.reset();
    skewFirstDownload = 0;
    skewEveryDownload = 0;
  });

  afterAll(async () => {
    await fake.close();
    nock.disableNetConnect();
  });

  function octokit(): Octokit {
    return new Octokit({ baseUrl: fake.url, auth: 'ghs_installation', log: quiet });
  }

  it('downloads the newest of two artifacts with the name (a re-run) and reads the real artifact', async () => {
    fake.state.addRun({ id: 77, headSha: HEAD });
    const first = fake.state.addArtifact(77, 'sdlc-reports', ZIP);
    fake.state.addArtifact(77, 'other', ZIP);
    const second = fake.state.addArtifact(77, 'sdlc-reports', ZIP);
    expect(second.id).toBeGreaterThan(first.id);
    const archive = await downloadArtifact(octokit(), { owner: 'acme', repo: 'widgets', runId: 77 });
    expect(archive.artifact.id).toBe(second.id);
    expect(archive.entries.map((e) => [e.name, e.size])).toEqual([
      ['empty', 0],
      ['coverage/lcov.info', 2280],
      ['reports/junit.xml', 5651],
      ['README.txt', 22],
    ]);
    expect(fake.calls.map((c) => [c.operationId, c.status])).toEqual([
      ['actions/list-workflow-run-artifacts', 200],
      ['actions/download-artifact', 302],
      ['fake/artifact-download', 200],
    ]);
    expect(fake.calls[0]!.url).toBe('/repos/acme/widgets/actions/runs/77/artifacts?name=sdlc-reports&per_page=100&page=1');
  });

  it('asks for a fresh URL once when the first one expired before it was read', async () => {
    fake.state.addRun({ id: 78, headSha: HEAD });
    const a = fake.state.addArtifact(78, 'sdlc-reports', ZIP);
    skewFirstDownload = 61_000;
    const archive = await downloadArtifact(octokit(), { owner: 'acme', repo: 'widgets', runId: 78 });
    expect(archive.artifact.id).toBe(a.id);
    expect(fake.calls.map((c) => [c.operationId, c.status])).toEqual([
      ['actions/list-workflow-run-artifacts', 200],
      ['actions/download-artifact', 302],
      ['fake/artifact-download', 403],
      ['actions/download-artifact', 302],
      ['fake/artifact-download', 200],
    ]);
  });

  it('gives up when the fresh URL has expired too', async () => {
    fake.state.addRun({ id: 79, headSha: HEAD });
    const a = fake.state.addArtifact(79, 'sdlc-reports', ZIP);
    skewEveryDownload = 61_000;
    const err = await refused(downloadArtifact(octokit(), { owner: 'acme', repo: 'widgets', runId: 79 }));
    expect([err.reason, err.status]).toEqual(['download-failed', 403]);
    expect(err.message).toBe(`artifact "sdlc-reports" (id ${a.id}) of acme/widgets run 79 could not be downloaded, even with a fresh download URL: HTTP 403, Unknown error`);
    expect(fake.callsTo('fake/artifact-download').length).toBe(2);
  });

  it('refuses an expired artifact from the listing, and a missing one, without asking for a download', async () => {
    fake.state.addRun({ id: 80, headSha: HEAD });
    const gone = fake.state.addArtifact(80, 'sdlc-reports', ZIP, { expired: true });
    const err = await refused(downloadArtifact(octokit(), { owner: 'acme', repo: 'widgets', runId: 80 }));
    expect([err.reason, err.message]).toEqual([
      'expired',
      `artifact "sdlc-reports" (id ${gone.id}) of acme/widgets run 80 has expired: artifacts are deleted after their retention period; re-run the workflow to upload it again`,
    ]);
    const missing = await refused(downloadArtifact(octokit(), { owner: 'acme', repo: 'widgets', runId: 80, name: 'coverage' }));
    expect(missing.reason).toBe('not-found');
    expect(fake.callsTo('actions/download-artifact')).toEqual([]);
  });
});
