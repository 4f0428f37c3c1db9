/**
 * Fetching a workflow run's report artifact for the GitHub App, into memory
 * only, and opening it with the checks of `zip.ts`.
 *
 * - The run's artifacts are listed (`GET .../actions/runs/{run_id}/artifacts`,
 *   100 per page, every page) and the one with the wanted name is taken
 *   (default `sdlc-reports`); when a re-run left several, the newest
 *   (`created_at`, then the highest id).
 * - Refused before downloading: none with that name (`not-found`), an expired
 *   one (`expired`), one whose `size_in_bytes` is over `maxDownloadBytes`
 *   (`too-large`).
 * - Downloaded with `GET .../actions/artifacts/{artifact_id}/zip`, which
 *   answers 302 to a short-lived storage URL that the client follows. When
 *   that URL answers 403, 404 or 410 (it expired between the two requests),
 *   the API is asked once more for a fresh one.
 * - The body is read as a stream when the client hands one over
 *   (`parseSuccessResponseBody: false`): reading stops, and the artifact is
 *   refused, as soon as more than `maxDownloadBytes` arrive, whatever
 *   `Content-Length` and `size_in_bytes` claimed.
 *
 * Only `client.request(route, params)` is used, so any Octokit works
 * (`GitHubClient`: Probot's `context.octokit`, @octokit/rest).
 */
import type { GitHubClient } from './client.js';
import { ArtifactError, openZip, type ZipArchive, type ZipLimits } from './zip.js';

export { ArtifactError, DEFAULT_ZIP_LIMITS, openZip } from './zip.js';
export type { ArtifactReason, SkippedEntry, ZipArchive, ZipEntryInfo, ZipLimits } from './zip.js';


export const DEFAULT_ARTIFACT_NAME = 'sdlc-reports';

export interface DownloadLimits extends ZipLimits {
  /** Bytes of the zip itself, as listed and as downloaded. */
  maxDownloadBytes: number;
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

export interface ArtifactRef {
  owner: string;
  repo: string;
  runId: number;
  /** Artifact name; default `sdlc-reports`. */
  name?: string;
}

export interface ArtifactInfo {
  id: number;
  name: string;
  sizeInBytes: number;
  createdAt: string | undefined;
}

export interface ArtifactArchive extends ZipArchive {
  artifact: ArtifactInfo;
}

const PER_PAGE = 100;
/** A run cannot hold more artifacts than this many pages; a server that keeps paging is refused. */
const MAX_PAGES = 100;

interface ListedArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
  created_at?: string | null;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isListedArtifact(a: unknown): a is ListedArtifact {
  if (typeof a !== 'object' || a === null) return false;
  const o = a as Record<string, unknown>;
  return (
    typeof o.id === 'number' &&
    Number.isSafeInteger(o.id) &&
    typeof o.name === 'string' &&
    typeof o.size_in_bytes === 'number' &&
    o.size_in_bytes >= 0 &&
    typeof o.expired === 'boolean'
  );
}

function createdTime(a: ListedArtifact): number {
  const t = a.created_at ? Date.parse(a.created_at) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

async function listRunArtifacts(client: GitHubClient, ref: ArtifactRef, name: string): Promise<ListedArtifact[]> {
  const where = `${ref.owner}/${ref.repo} run ${ref.runId}`;
  const found: ListedArtifact[] = [];
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) throw new ArtifactError('api-error', `listing the artifacts of ${where} did not end after ${MAX_PAGES} pages`);
    let res: { data: unknown };
    try {
      res = await client.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', {
        owner: ref.owner,
        repo: ref.repo,
        run_id: ref.runId,
        name,
        per_page: PER_PAGE,
        page,
      });
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) {
        throw new ArtifactError('not-found', `workflow run ${where} was not found, or the app cannot see it (404)`, { status });
      }
      throw new ArtifactError('api-error', `listing the artifacts of ${where} failed: ${messageOf(err)}`, status === undefined ? {} : { status });
    }
    const data = res.data as { total_count?: unknown; artifacts?: unknown } | null;
    if (typeof data !== 'object' || data === null || !Array.isArray(data.artifacts)) {
      throw new ArtifactError('api-error', `listing the artifacts of ${where} gave an answer without an artifacts list`);
    }
    const artifacts: unknown[] = data.artifacts;
    for (const a of artifacts) {
      if (typeof a === 'object' && a !== null && (a as { name?: unknown }).name === name) {
        if (!isListedArtifact(a)) throw new ArtifactError('api-error', `artifact "${name}" of ${where} is listed without a usable id, size or expiry`);
        found.push(a);
      }
    }
    const total = typeof data.total_count === 'number' ? data.total_count : undefined;
    if (artifacts.length < PER_PAGE || (total !== undefined && page * PER_PAGE >= total)) break;
  }
  return found;
}

/** Read a response body, refusing it as soon as it passes `max` bytes. */
async function readBody(data: unknown, headers: Record<string, unknown>, max: number, what: string): Promise<Uint8Array> {
  const tooLarge = (n: number | string): ArtifactError => new ArtifactError('too-large', `${what} is larger than the download limit of ${max} bytes (${n})`);
  const declared = Number(headers['content-length']);
  const cancel = async (): Promise<void> => {
    const d = data as { cancel?: () => Promise<void>; destroy?: () => void } | null;
    try {
      if (typeof d?.cancel === 'function') await d.cancel();
      else if (typeof d?.destroy === 'function') d.destroy();
    } catch {
      // Nothing more to read from it either way.
    }
  };
  if (Number.isFinite(declared) && declared > max) {
    await cancel();
    throw tooLarge(`Content-Length ${declared}`);
  }
  if (data instanceof ArrayBuffer) {
    if (data.byteLength > max) throw tooLarge(`${data.byteLength} bytes`);
    return new Uint8Array(data);
  }
  if (ArrayBuffer.isView(data)) {
    if (data.byteLength > max) throw tooLarge(`${data.byteLength} bytes`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const take = (chunk: unknown): void => {
    if (!(chunk instanceof Uint8Array)) throw new ArtifactError('download-failed', `${what}: the download gave a body that is not bytes`);
    size += chunk.byteLength;
    if (size > max) throw tooLarge(`more than ${max} bytes arrived`);
    chunks.push(chunk);
  };
  try {
    if (data && typeof (data as ReadableStream<Uint8Array>).getReader === 'function') {
      const reader = (data as ReadableStream<Uint8Array>).getReader();
      try {
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          take(r.value);
        }
      } catch (err) {
        await reader.cancel().catch(() => undefined);
        throw err;
      }
    } else if (data && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      for await (const chunk of data as AsyncIterable<unknown>) take(chunk);
    } else {
      throw new ArtifactError('download-failed', `${what}: the download did not answer with zip bytes (got ${typeof data === 'string' ? 'text' : typeof data})`);
    }
  } catch (err) {
    if (err instanceof ArtifactError) throw err;
    throw new ArtifactError('download-failed', `${what}: the download broke off: ${messageOf(err)}`);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/**
 * Find a run's report artifact, download it into memory and open it. Every
 * refusal is an `ArtifactError` with a `reason`.
 */
export async function downloadArtifact(client: GitHubClient, ref: ArtifactRef, limits: Partial<DownloadLimits> = {}): Promise<ArtifactArchive> {
  const name = ref.name ?? DEFAULT_ARTIFACT_NAME;
  const { maxDownloadBytes = DEFAULT_MAX_DOWNLOAD_BYTES, ...zipLimits } = limits;
  const where = `${ref.owner}/${ref.repo} run ${ref.runId}`;
  const found = await listRunArtifacts(client, ref, name);
  if (found.length === 0) throw new ArtifactError('not-found', `workflow run ${where} has no artifact named "${name}"`);
  const artifact = [...found].sort((a, b) => createdTime(b) - createdTime(a) || b.id - a.id)[0]!;
  const what = `artifact "${name}" (id ${artifact.id}) of ${where}`;
  if (artifact.expired) {
    throw new ArtifactError('expired', `${what} has expired: artifacts are deleted after their retention period; re-run the workflow to upload it again`);
  }
  if (artifact.size_in_bytes > maxDownloadBytes) {
    throw new ArtifactError('too-large', `${what} is ${artifact.size_in_bytes} bytes, over the download limit of ${maxDownloadBytes} bytes`);
  }

  let bytes: Uint8Array | undefined;
  for (let attempt = 1; bytes === undefined; attempt++) {
    let res: { status: number; data: unknown; headers: Record<string, unknown> };
    try {
      res = await client.request('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}', {
        owner: ref.owner,
        repo: ref.repo,
        artifact_id: artifact.id,
        archive_format: 'zip',
        request: { parseSuccessResponseBody: false },
      });
    } catch (err) {
      const status = statusOf(err);
      const expiredUrl = status === 403 || status === 404 || status === 410;
      if (expiredUrl && attempt === 1) continue;
      if (status === 410) throw new ArtifactError('expired', `${what} could not be downloaded: it is gone (HTTP 410)`, { status });
      throw new ArtifactError(
        'download-failed',
        `${what} could not be downloaded${expiredUrl ? ', even with a fresh download URL' : ''}: ${status === undefined ? '' : `HTTP ${status}, `}${messageOf(err)}`,
        status === undefined ? {} : { status },
      );
    }
    if (res.status !== 200) {
      throw new ArtifactError('download-failed', `${what} could not be downloaded: the API answered ${res.status}`, { status: res.status });
    }
    bytes = await readBody(res.data, res.headers, maxDownloadBytes, what);
  }
  let archive: ZipArchive;
  try {
    archive = await openZip(bytes, zipLimits);
  } catch (err) {
    if (!(err instanceof ArtifactError)) throw err;
    throw new ArtifactError(err.reason, `${what}: ${err.message}`, { scope: err.scope, ...(err.entry !== undefined ? { entry: err.entry } : {}) });
  }
  return Object.assign(archive, {
    artifact: { id: artifact.id, name: artifact.name, sizeInBytes: artifact.size_in_bytes, createdAt: artifact.created_at ?? undefined },
  });
}
