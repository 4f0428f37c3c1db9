import { matchAny } from '../config/glob.js';
import type { GateId, SdlcConfig } from '../config/schema.js';
import type { ChangeSet } from '../diff.js';
import type { Counts, CountsWithPct } from '../model/coverage.js';
import type { ParsedReport, ReportKind } from '../model/report.js';
import type { PathResolver } from '../paths.js';
import type { GateResult, Outcome } from '../verdict.js';

/** A report that could not be read: it fails its gate, never passes it. */
export interface ReportFailure {
  path: string;
  /** The kinds it was meant for (config route, `--kind`, or its format); absent: it fails every gate. */
  kinds?: readonly ReportKind[];
  message: string;
}

export interface BaseInfo {
  ref?: string;
  sha?: string;
  /** The base commit's project line coverage, percent, when known. */
  coveragePct?: number;
}

export interface EvaluationInput {
  config: SdlcConfig;
  reports: ParsedReport[];
  failures?: ReportFailure[];
  /** What was searched per kind, for "no report found" messages. */
  searched?: Partial<Record<ReportKind, string[]>>;
  /** The change under review; absent for a push or a CLI run without a base. */
  changes?: ChangeSet;
  base?: BaseInfo;
  head?: { sha?: string; ref?: string };
  /** "Today", for waiver expiry. */
  now?: Date;
  /** Text of a source line, for fingerprints of findings that moved. */
  sourceLine?: (path: string, line: number) => string | undefined;
}

/** What every gate evaluator receives. */
export interface GateContext {
  input: EvaluationInput;
  config: SdlcConfig;
  resolver: PathResolver;
  warnings: string[];
}

export const GATE_NAMES: Record<GateId, string> = {
  coverage: 'Coverage',
  patch_coverage: 'Changed-line coverage',
  lint: 'Lint',
  security: 'Security',
  tests: 'Tests',
};

/** The kind of report each gate reads. */
export const GATE_KIND: Record<GateId, ReportKind> = {
  coverage: 'coverage',
  patch_coverage: 'coverage',
  lint: 'lint',
  security: 'security',
  tests: 'tests',
};

/** "83.4", "79.99", "80": truncated (never rounded up across a threshold), at most 2 decimals. */
export function fmtPct(p: number): string {
  const t = Math.floor(p * 100 + 1e-9) / 100;
  return String(Number(t.toFixed(2)));
}

/**
 * Percentage for judging: `covered * 100 / total` is exact whenever the true
 * value is (57/100 gives 57, where `57/100*100` gives 56.99999999999999 and
 * would fail a 57 % threshold it meets).
 */
export function percentOf(c: Counts): number | null {
  return c.total === 0 ? null : (c.covered * 100) / c.total;
}

export function countsWithPercent(c: Counts): CountsWithPct {
  return { total: c.total, covered: c.covered, pct: percentOf(c) };
}

/** Tolerance for comparing percentages that come from different computations (e.g. a base verdict's JSON). */
export const PCT_EPSILON = 1e-9;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function reportsOf(input: EvaluationInput, kind: ReportKind): ParsedReport[] {
  return input.reports.filter((r) => r.kind === kind);
}

export function failuresOf(input: EvaluationInput, kind: ReportKind): ReportFailure[] {
  return (input.failures ?? []).filter((f) => f.kinds === undefined || f.kinds.includes(kind));
}

/** Outcome of a gate that would fail, softened when it is informational. */
export function failOutcome(informational: boolean): Outcome {
  return informational ? 'neutral' : 'fail';
}

/**
 * The shared front of every gate: unreadable reports and missing reports.
 * Returns a finished result when the gate cannot be judged on its reports.
 */
export function precheck(
  ctx: GateContext,
  id: GateId,
  informational: boolean,
  threshold: string,
): { result?: GateResult; reasons: string[] } {
  const kind = GATE_KIND[id];
  const reports = reportsOf(ctx.input, kind);
  const failures = failuresOf(ctx.input, kind);
  const reasons = failures.map((f) => `${f.message}`);
  if (reports.length === 0) {
    const looked = ctx.input.searched?.[kind];
    const summary =
      failures.length > 0
        ? `${plural(failures.length, `${kind} report`)} could not be read`
        : `no report found for gate ${id} (looked for: ${looked?.length ? looked.join(', ') : 'nothing'})`;
    return {
      reasons,
      result: {
        id,
        name: GATE_NAMES[id],
        outcome: failOutcome(informational),
        informational,
        summary,
        metrics: {},
        threshold,
        reasons: reasons.length ? reasons : [summary],
        reports: failures.map((f) => f.path),
      },
    };
  }
  return { reasons };
}

/** Combine the threshold outcome with unreadable reports (which always fail the gate). */
export function finalOutcome(thresholdOk: boolean, hadFailures: boolean, informational: boolean): Outcome {
  if (thresholdOk && !hadFailures) return 'pass';
  return failOutcome(informational);
}

const matcherCache = new Map<string, (p: string) => boolean>();

/**
 * A glob matcher (the config glob syntax, dotfiles included; see config/glob.ts),
 * compiled once per pattern set. Matching takes time linear in the path
 * whatever the patterns: both come from the branch under review.
 */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const key = globs.join('\u0000');
  let m = matcherCache.get(key);
  if (!m) {
    m = matchAny(globs);
    if (matcherCache.size > 500) matcherCache.clear();
    matcherCache.set(key, m);
  }
  return m;
}
