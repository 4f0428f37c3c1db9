/**
 * Gather inputs from a local checkout (config, reports, diff, repository
 * files), run the pure core, and return the verdict. Shared by the CLI and
 * the Action; it holds no gate logic.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { loadConfig, type SdlcConfig } from '../core/config/index.js';
import { REPORT_KINDS, type ReportKind } from '../core/model/report.js';
import { discoveryDirs, kindGlobs, parseRouted, routeFiles, type Routing } from '../core/pipeline.js';
import type { ByteSource } from '../core/stream.js';
import { parseUnifiedDiff, type ChangeSet } from '../core/diff.js';
import { InputError, errorMessage } from '../core/errors.js';
import { runGatekeeper, type BaseInfo, type ReportFailure } from '../core/gatekeeper.js';
import type { ParsedReport } from '../core/model/report.js';
import { parseReport } from '../core/parsers/registry.js';
import type { Verdict } from '../core/verdict.js';
import { filesUnder, findFiles } from './files.js';
import { diffAgainst, isGitRepo, listFiles, resolveCommit, topLevel } from './git.js';

export const CONFIG_CANDIDATES = ['.sdlc.yml', '.sdlc.yaml', '.github/sdlc.yml'];

export interface ReportRequest {
  path: string;
  kind?: ReportKind;
  format?: string;
}

export interface LocalOptions {
  cwd: string;
  /** Config path; default: the first of CONFIG_CANDIDATES that exists. */
  config?: string;
  /** Explicit report files (instead of the config's globs and discovery). */
  reports?: ReportRequest[];
  /** Base ref for changed lines (git diff base...HEAD). */
  base?: string;
  /** A unified diff file, instead of --base. */
  diffFile?: string;
  /** Changed lines obtained elsewhere (a pull request's files from the API), instead of base and diffFile; `base` names the commit they are relative to. */
  changes?: { set: ChangeSet; base?: { ref?: string; sha?: string } };
  /** A previous `check --format json` output, for coverage drop. */
  baseVerdict?: string;
  /** A coverage report of the base commit, for coverage drop. */
  baseReport?: string;
  now?: Date;
  /** Told of each report's bytes as they are read. */
  onProgress?: (path: string, bytes: number, size: number) => void;
}

export interface LocalResult {
  config: SdlcConfig;
  configPath: string | undefined;
  verdict: Verdict;
  reports: ParsedReport[];
  failures: ReportFailure[];
  /** Discovered files that are not reports (skipped). */
  skipped: string[];
}

export async function readConfigFile(cwd: string, explicit?: string): Promise<{ config: SdlcConfig; path: string | undefined }> {
  if (explicit) {
    const p = resolve(cwd, explicit);
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (err) {
      throw new InputError(`cannot read config ${explicit}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
    return { config: loadConfig(text, explicit), path: explicit };
  }
  for (const c of CONFIG_CANDIDATES) {
    const text = await readFile(join(cwd, c), 'utf8').catch(() => undefined);
    if (text !== undefined) return { config: loadConfig(text, c), path: c };
  }
  return { config: loadConfig(undefined), path: undefined };
}

/** List the candidate files (config globs + discovery dirs) and route them; explicit reports replace both. */
export async function routeWorkspace(cwd: string, config: SdlcConfig, explicit?: ReportRequest[]): Promise<Routing> {
  if (explicit && explicit.length > 0) {
    const files = [...new Map(explicit.map((r) => [r.path, r])).values()].map((r) => ({
      path: r.path,
      discovered: false,
      ...(r.kind ? { kind: r.kind } : {}),
      ...(r.format ? { format: r.format } : {}),
    }));
    const listed = explicit.map((r) => r.path);
    return { files, searched: Object.fromEntries(REPORT_KINDS.map((k) => [k, listed])), configured: [] };
  }
  const globs = REPORT_KINDS.flatMap((k) => (kindGlobs(config, k) ?? []).map((g) => g.glob));
  const listed = new Set([...(await findFiles(cwd, globs)), ...(await filesUnder(cwd, discoveryDirs(config)))]);
  return routeFiles([...listed], config);
}

/** Open a workspace file for parsing: regular files only. */
async function openFile(cwd: string, rel: string): Promise<ByteSource> {
  const full = resolve(cwd, rel);
  const st = await stat(full);
  if (!st.isFile()) throw new InputError(`${rel}: not a regular file`);
  return createReadStream(full);
}

export async function evaluateLocal(opts: LocalOptions): Promise<LocalResult> {
  const cwd = resolve(opts.cwd);
  const { config, path: configPath } = await readConfigFile(cwd, opts.config);
  const routing = await routeWorkspace(cwd, config, opts.reports);
  const sizes = new Map<string, number>();
  const { reports, failures, skipped } = await parseRouted(
    routing,
    async (rel) => {
      const src = await openFile(cwd, rel);
      if (opts.onProgress) sizes.set(rel, (await stat(resolve(cwd, rel))).size);
      return src;
    },
    opts.onProgress ? { onBytes: (path, bytes) => opts.onProgress!(path, bytes, sizes.get(path) ?? 0) } : {},
  );
  const searched = routing.searched;

  const inGit = await isGitRepo(cwd);
  const repoRoot = inGit ? await topLevel(cwd) : cwd;
  let changes: ChangeSet | undefined;
  let base: BaseInfo | undefined;
  if (opts.changes) {
    changes = opts.changes.set;
    if (opts.changes.base?.ref || opts.changes.base?.sha) base = { ...opts.changes.base };
  } else if (opts.diffFile) {
    const text = await readFile(resolve(cwd, opts.diffFile), 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`cannot read diff ${opts.diffFile}: ${err.code ?? err.message}`);
    });
    changes = parseUnifiedDiff(text, opts.diffFile);
  } else if (opts.base) {
    if (!inGit) throw new InputError(`--base ${opts.base} needs a git repository (${cwd} is not one)`);
    const sha = await resolveCommit(cwd, opts.base);
    changes = parseUnifiedDiff(await diffAgainst(cwd, opts.base), `git diff ${opts.base}...HEAD`);
    base = { ref: opts.base, sha };
  }
  const baseCoverage = await readBaseCoverage(cwd, opts);
  if (baseCoverage) base = { ...base, ...baseCoverage };

  const repoFiles = inGit ? await listFiles(repoRoot) : undefined;
  const roots = [repoRoot, cwd, await realpath(repoRoot).catch(() => repoRoot)];
  if (process.env.GITHUB_WORKSPACE) roots.push(process.env.GITHUB_WORKSPACE);

  const verdict = runGatekeeper({
    config,
    reports,
    failures,
    searched,
    ...(changes ? { changes } : {}),
    ...(base ? { base } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    paths: { ...(repoFiles ? { repoFiles } : {}), roots },
    sourceLine: makeSourceLineReader(repoRoot),
  });
  return { config, configPath, verdict, reports, failures, skipped };
}

async function readBaseCoverage(cwd: string, opts: LocalOptions): Promise<Partial<BaseInfo> | undefined> {
  if (opts.baseVerdict) {
    const text = await readFile(resolve(cwd, opts.baseVerdict), 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`cannot read base verdict ${opts.baseVerdict}: ${err.code ?? err.message}`);
    });
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new InputError(`${opts.baseVerdict}: not JSON (${errorMessage(err)})`);
    }
    const gates = (data as { gates?: unknown }).gates;
    const cov = Array.isArray(gates) ? gates.find((g) => (g as { id?: unknown }).id === 'coverage') : undefined;
    const pct = (cov as { metrics?: { pct?: unknown } } | undefined)?.metrics?.pct;
    if (typeof pct !== 'number') throw new InputError(`${opts.baseVerdict}: not a verdict with a coverage percentage (sdlc-gate check --format json)`);
    const head = (data as { head?: { sha?: unknown } }).head;
    return { coveragePct: pct, ...(typeof head?.sha === 'string' ? { sha: head.sha } : {}) };
  }
  if (opts.baseReport) {
    const r = await parseReport(createReadStream(resolve(cwd, opts.baseReport)), { path: opts.baseReport, kind: 'coverage' });
    if (r.kind !== 'coverage') throw new InputError(`${opts.baseReport}: not a coverage report`);
    let total = 0;
    let covered = 0;
    for (const f of r.coverage.files.values()) {
      const l = f.lines;
      total += l.total;
      covered += l.covered;
    }
    if (total === 0) throw new InputError(`${opts.baseReport}: no instrumented lines`);
    return { coveragePct: (covered / total) * 100 };
  }
  return undefined;
}

/** Reads source lines for fingerprints, from repository files only, with a small cache. */
function makeSourceLineReader(root: string): (path: string, line: number) => string | undefined {
  const cache = new Map<string, string[] | null>();
  return (path, line) => {
    if (isAbsolute(path) || path.split('/').includes('..')) return undefined;
    let lines = cache.get(path);
    if (lines === undefined) {
      lines = null;
      try {
        const full = join(root, path);
        if (statSync(full).size <= 2 * 1024 * 1024) lines = readFileSync(full, 'utf8').split('\n');
      } catch {
        lines = null;
      }
      if (cache.size > 2000) cache.clear();
      cache.set(path, lines);
    }
    return lines ? lines[line - 1] : undefined;
  };
}
