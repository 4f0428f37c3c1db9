/**
 * The front of the pipeline, shared by every adapter: decide which files feed
 * which gate (routing), then parse them (with failures kept, never thrown).
 * Adapters only list files and open byte streams: a workspace's files, or the
 * entries of a workflow artifact.
 */
import { compileGlob } from './config/glob.js';
import { asArray, type SdlcConfig } from './config/schema.js';
import { errorMessage, ReportParseError } from './errors.js';
import type { ReportFailure } from './gates/common.js';
import { REPORT_KINDS, type ParsedReport, type ReportKind } from './model/report.js';
import { parseReport, UnknownFormatError } from './parsers/registry.js';
import type { ParseLimits } from './parsers/types.js';
import type { ByteSource } from './stream.js';

export interface RoutedFile {
  path: string;
  /** The kind the config routes it to; absent for discovered files (kind from content). */
  kind?: ReportKind;
  format?: string;
  /** Found by discovery: an unknown format is skipped rather than an error. */
  discovered: boolean;
}

export interface Routing {
  files: RoutedFile[];
  /** What was searched per kind, for "no report found" messages. */
  searched: Partial<Record<ReportKind, string[]>>;
  /** Kinds the config routes explicitly (discovery does not feed them). */
  configured: ReportKind[];
}

export interface RouteOptions {
  /** Every file is a discovery candidate (an artifact), instead of those under `reports.discover`. */
  discoverAll?: boolean;
  /** Display name of where discovery looked, when discoverAll (e.g. "artifact sdlc-reports"). */
  discoverLabel?: string;
}

function cleanGlob(g: string): string {
  return g.replace(/^\.\//, '');
}

/** The globs a config gives a kind, or undefined when the kind is not configured. */
export function kindGlobs(config: SdlcConfig, kind: ReportKind): { glob: string; format?: string }[] | undefined {
  const sources = config.reports[kind];
  if (!sources) return undefined;
  const out: { glob: string; format?: string }[] = [];
  for (const s of sources) {
    if (typeof s === 'string') out.push({ glob: cleanGlob(s) });
    else for (const p of asArray(s.path)) out.push({ glob: cleanGlob(p), ...(s.format ? { format: s.format } : {}) });
  }
  return out;
}

/** Directory prefixes searched by discovery (`coverage/`, `reports/`). */
export function discoveryDirs(config: SdlcConfig): string[] {
  return config.reports.discover.map((d) => cleanGlob(d).replace(/\/+$/, '')).filter((d) => d && !d.startsWith('..') && !d.startsWith('/'));
}

/**
 * Route a list of repository-relative (or artifact-relative) file paths to
 * gate kinds. Pure: the caller lists the files.
 */
export function routeFiles(paths: readonly string[], config: SdlcConfig, opts: RouteOptions = {}): Routing {
  const files: RoutedFile[] = [];
  const searched: Partial<Record<ReportKind, string[]>> = {};
  const configured: ReportKind[] = [];
  const taken = new Set<string>();
  const sorted = [...new Set(paths)].sort();
  for (const kind of REPORT_KINDS) {
    const globs = kindGlobs(config, kind);
    if (!globs) continue;
    configured.push(kind);
    searched[kind] = globs.map((g) => g.glob);
    for (const g of globs) {
      const glob = compileGlob(g.glob);
      for (const p of sorted) {
        if (!glob.matches(p) || taken.has(`${p}\0${kind}`)) continue;
        taken.add(`${p}\0${kind}`);
        files.push({ path: p, kind, discovered: false, ...(g.format ? { format: g.format } : {}) });
      }
    }
  }
  const undiscovered = REPORT_KINDS.filter((k) => !configured.includes(k));
  if (undiscovered.length > 0) {
    const dirs = discoveryDirs(config);
    const label = opts.discoverAll ? [opts.discoverLabel ?? 'every file'] : dirs.map((d) => `${d}/**`);
    for (const k of undiscovered) searched[k] = label;
    const routed = new Set(files.map((f) => f.path));
    for (const p of sorted) {
      if (routed.has(p)) continue;
      if (opts.discoverAll || dirs.some((d) => p.startsWith(`${d}/`))) files.push({ path: p, discovered: true });
    }
  }
  return { files, searched, configured };
}

export interface ParseAllOptions {
  limits?: Partial<ParseLimits>;
  /** Told of each file's bytes as they are read. */
  onBytes?: (path: string, bytes: number) => void;
  signal?: AbortSignal;
}

export interface ParsedSet {
  reports: ParsedReport[];
  failures: ReportFailure[];
  /** Discovered files that are not reports. */
  skipped: string[];
}

/**
 * Parse every routed file. A file that cannot be opened or parsed becomes a
 * failure of the kinds it was meant for; discovered files of unknown formats
 * are skipped; discovered reports of a kind the config routes are ignored.
 */
export async function parseRouted(routing: Routing, open: (path: string) => ByteSource | Promise<ByteSource>, opts: ParseAllOptions = {}): Promise<ParsedSet> {
  const reports: ParsedReport[] = [];
  const failures: ReportFailure[] = [];
  const skipped: string[] = [];
  const configured = new Set(routing.configured);
  for (const f of routing.files) {
    if (opts.signal?.aborted) throw new Error('cancelled');
    let read = 0;
    try {
      const source = await open(f.path);
      const report = await parseReport(source, {
        path: f.path,
        ...(f.kind ? { kind: f.kind } : {}),
        ...(f.format ? { format: f.format } : {}),
        ...(opts.limits ? { limits: opts.limits } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onBytes
          ? {
              onBytes: (n: number) => {
                read += n;
                opts.onBytes!(f.path, read);
              },
            }
          : {}),
      });
      if (f.discovered && configured.has(report.kind)) continue;
      reports.push(report);
    } catch (err) {
      if (f.discovered && err instanceof UnknownFormatError) {
        skipped.push(f.path);
        continue;
      }
      const kinds = (f.kind ? [f.kind] : err instanceof ReportParseError ? err.kinds : undefined) as ReportKind[] | undefined;
      if (f.discovered && kinds && kinds.every((k) => configured.has(k))) continue;
      failures.push({ path: f.path, message: describeOpenError(f.path, err), ...(kinds ? { kinds } : {}) });
    }
  }
  return { reports, failures, skipped };
}

function describeOpenError(path: string, err: unknown): string {
  if (err instanceof ReportParseError) return err.message;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return `${path}: cannot be read (${code})`;
  return `${path}: ${errorMessage(err)}`;
}
