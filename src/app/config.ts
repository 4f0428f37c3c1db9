/**
 * Reading `.sdlc.yml` for the App, from the repository through the contents
 * API (the App has no checkout).
 *
 * - Files tried in order: `.sdlc.yml`, `.sdlc.yaml`, `.github/sdlc.yml`; none
 *   of them: all defaults (like the CLI).
 * - The ref is chosen by the caller: the head SHA for the repository's own
 *   branches, the base branch for pull requests from forks (an untrusted pull
 *   request must not relax its own gates).
 * - Organisation defaults follow Probot's `_extends` convention: a top-level
 *   `_extends: .github` (or `other-repo`, `owner/repo`, `owner/repo:path.yml`)
 *   puts that repository's config (default branch; the same file names unless a
 *   path is given) underneath. Mappings are merged key by key, the extending
 *   file winning; lists and scalars are taken whole from the extending file.
 *   Chains are followed up to MAX_EXTENDS files; a cycle is an error. The merge
 *   happens on the YAML data before validation, `_extends` is stripped before
 *   loading.
 * - Every problem is a ConfigError naming file, line, column and key: each
 *   file is validated on its own first (with `_extends` blanked out, so lines
 *   and columns stay those of the file), then the merged data is loaded.
 */
import { isMap, isPair, isScalar, parseDocument, stringify } from 'yaml';
import { loadConfig } from '../core/config/load.js';
import type { SdlcConfig } from '../core/config/schema.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { GitHubClient } from '../github/client.js';

export const CONFIG_FILES = ['.sdlc.yml', '.sdlc.yaml', '.github/sdlc.yml'] as const;

/** Files followed through `_extends` (the repository's own included). */
export const MAX_EXTENDS = 4;

const MAX_CONFIG_BYTES = 1024 * 1024;


export interface RepoRef {
  owner: string;
  repo: string;
  /** Branch, tag or SHA; absent: the repository's default branch. */
  ref?: string;
}

export interface RepoConfig {
  config: SdlcConfig;
  /** The repository's config file, when one exists. */
  file?: string;
  /** Files merged underneath, `owner/repo:path`, nearest first. */
  extended: string[];
}

interface FetchedFile {
  text: string;
  /** Display name used in messages. */
  display: string;
  owner: string;
  repo: string;
  path: string;
}

/** HTTP status of an Octokit error, when it has one. */
export function httpStatus(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function issueAt(file: string, path: string, message: string, line = 1, column = 1): ConfigIssue {
  return { path, message, location: { file, line, column } };
}

/** One file through the contents API: its text, or undefined when it does not exist. */
async function fetchFile(octokit: GitHubClient, at: RepoRef, path: string, display: string): Promise<string | undefined> {
  let data: unknown;
  try {
    ({ data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: at.owner,
      repo: at.repo,
      path,
      ...(at.ref ? { ref: at.ref } : {}),
    }));
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  }
  if (Array.isArray(data)) throw new ConfigError([issueAt(display, '', 'is a directory, not a file')]);
  const file = data as { type?: unknown; encoding?: unknown; content?: unknown; size?: unknown };
  if (file.type !== 'file') throw new ConfigError([issueAt(display, '', `is a ${String(file.type)}, not a file`)]);
  if (typeof file.size === 'number' && file.size > MAX_CONFIG_BYTES) {
    throw new ConfigError([issueAt(display, '', `the file is larger than ${MAX_CONFIG_BYTES} bytes`)]);
  }
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    throw new ConfigError([issueAt(display, '', `GitHub did not return the file's content (encoding ${String(file.encoding)})`)]);
  }
  return Buffer.from(file.content, 'base64').toString('utf8');
}

/** The first config file that exists, among `paths`. */
async function findFile(octokit: GitHubClient, at: RepoRef, paths: readonly string[], displayOf: (p: string) => string): Promise<FetchedFile | undefined> {
  for (const path of paths) {
    const display = displayOf(path);
    const text = await fetchFile(octokit, at, path, display);
    if (text !== undefined) return { text, display, owner: at.owner, repo: at.repo, path };
  }
  return undefined;
}

// owner (GitHub login rules) / repo : path ending in .yml or .yaml
const EXTENDS_RE = /^(?:([A-Za-z\d](?:[A-Za-z\d]|-(?=[A-Za-z\d])){0,38})\/)?([\w.-]{1,100})(?::([\w./-]{1,512}\.ya?ml))?$/;

interface ExtendsTarget {
  owner: string;
  repo: string;
  /** Explicit file; absent: CONFIG_FILES. */
  path?: string;
  /** Where `_extends` was written, for messages. */
  line: number;
  column: number;
}

interface SplitFile {
  /** The data of the file without `_extends` (undefined for an empty file). */
  data: unknown;
  /** The text with `_extends` blanked out, lines and columns unchanged. */
  stripped: string;
  extendsTo?: ExtendsTarget;
}

/**
 * Take `_extends` out of a config file. A file that does not parse is
 * returned as it is: loadConfig then reports its syntax error.
 */
function splitExtends(text: string, file: FetchedFile): SplitFile {
  if (!text.includes('_extends')) return { data: undefined, stripped: text };
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return { data: undefined, stripped: text };
  const pair = doc.contents.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === '_extends');
  if (!pair) return { data: undefined, stripped: text };
  const keyNode = pair.key as { range?: [number, number, number] };
  const valueNode = pair.value as { range?: [number, number, number]; value?: unknown } | null;
  const keyStart = keyNode.range?.[0] ?? 0;
  const pos = lineColumn(text, keyStart);
  const value = isScalar(valueNode) ? valueNode.value : undefined;
  if (typeof value !== 'string') {
    throw new ConfigError([issueAt(file.display, '_extends', 'expected a repository name such as .github or owner/repo:path.yml', pos.line, pos.column)]);
  }
  const m = EXTENDS_RE.exec(value.trim());
  if (!m) {
    throw new ConfigError([
      issueAt(file.display, '_extends', `"${value.slice(0, 80)}" is not a repository name such as .github or owner/repo:path.yml`, pos.line, pos.column),
    ]);
  }
  let stripped: string;
  if (doc.contents.flow) {
    // `{ _extends: x, ... }`: rewrite the mapping without it (rare; positions may move).
    doc.delete('_extends');
    stripped = doc.toString();
  } else {
    const end = valueNode?.range?.[1] ?? keyStart;
    stripped = text.slice(0, keyStart) + text.slice(keyStart, end).replace(/[^\n]/g, ' ') + text.slice(end);
  }
  doc.delete('_extends');
  return {
    data: doc.toJS(),
    stripped,
    extendsTo: { owner: m[1] ?? file.owner, repo: m[2]!, ...(m[3] ? { path: m[3] } : {}), line: pos.line, column: pos.column },
  };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` on top of `under`: mappings merged key by key, anything else taken from `over`. */
export function mergeConfigData(under: unknown, over: unknown): unknown {
  if (over === undefined) return under;
  if (!isPlainObject(under) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(under)) out[k] = v;
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeConfigData(out[k], v) : v;
  return { ...out };
}

/**
 * Read and validate the repository's config at `at.ref`, with the files it
 * extends merged underneath. Throws ConfigError for an invalid config (or an
 * `_extends` that names nothing readable); GitHub errors other than 404 are
 * thrown as they are, for the caller to retry.
 */
export async function readRepoConfig(octokit: GitHubClient, at: RepoRef): Promise<RepoConfig> {
  const own = await findFile(octokit, at, CONFIG_FILES, (p) => p);
  if (!own) return { config: loadConfig(undefined), extended: [] };
  const first = splitExtends(own.text, own);
  if (!first.extendsTo) return { config: loadConfig(own.text, own.display), file: own.path, extended: [] };

  // The chain, nearest first.
  const chain: { file: FetchedFile; split: SplitFile }[] = [{ file: own, split: first }];
  const seen = new Set([`${at.owner}/${at.repo}:${own.path}`.toLowerCase()]);
  for (let cur = chain[0]!; cur.split.extendsTo; ) {
    const target = cur.split.extendsTo;
    const where = (message: string) => new ConfigError([issueAt(cur.file.display, '_extends', message, target.line, target.column)]);
    if (chain.length >= MAX_EXTENDS) throw where(`more than ${MAX_EXTENDS} config files extend each other`);
    const paths = target.path ? [target.path] : CONFIG_FILES;
    const key = (p: string) => `${target.owner}/${target.repo}:${p}`;
    const found = await findFile(octokit, { owner: target.owner, repo: target.repo }, paths, key);
    if (!found) {
      throw where(`${target.owner}/${target.repo} has no ${paths.join(', ')} on its default branch (or the App is not installed on it)`);
    }
    if (seen.has(key(found.path).toLowerCase())) throw where(`${key(found.path)} is already part of this config (an _extends cycle)`);
    seen.add(key(found.path).toLowerCase());
    const next = { file: found, split: splitExtends(found.text, found) };
    chain.push(next);
    cur = next;
  }

  // Each file must be valid on its own: that locates a problem in its file.
  for (const { file, split } of chain) loadConfig(split.stripped, file.display);

  let merged: unknown = undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const { split, file } = chain[i]!;
    const data = split.extendsTo ? split.data : (parseDocument(file.text).toJS() as unknown);
    merged = mergeConfigData(merged, data ?? {});
  }
  const extended = chain.slice(1).map((c) => c.file.display);
  const config = loadConfig(stringify(merged ?? {}), `${own.display} (with ${extended.join(', ')})`);
  return { config, file: own.path, extended };
}
