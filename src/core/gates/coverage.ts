/**
 * The `coverage` (project total) and `patch_coverage` (changed lines) gates.
 *
 * Reports are merged by repository file and line: a line is covered when any
 * report covers it (hits are summed). Paths are resolved to repository paths
 * first; files that cannot be resolved still count in the project total
 * (the producing tool counted them) but are never annotated.
 */
import { asArray } from '../config/schema.js';
import { countLines, inRanges, toRanges } from '../diff.js';
import { FileCoverage, addCounts, coverageTotals, type Counts } from '../model/coverage.js';
import type { GateResult, UncoveredFile } from '../verdict.js';
import {
  GATE_NAMES,
  PCT_EPSILON,
  countsWithPercent,
  failOutcome,
  finalOutcome,
  fmtPct,
  globMatcher,
  percentOf,
  plural,
  precheck,
  reportsOf,
  type GateContext,
} from './common.js';

export interface MergedCoverage {
  /** Repository path (or, for unresolved files, the report's path) -> coverage. */
  files: Map<string, FileCoverage>;
  /** Paths that are not repository files (outside it, or not found). */
  unresolved: Set<string>;
  ignored: number;
  /** Reports with totals but no per-line data (coverage-summary.json): their stated line totals. */
  summaryOnly: { path: string; lines: Counts }[];
}

/** Merge every coverage report of the evaluation, resolving paths. */
export function mergeCoverage(ctx: GateContext): MergedCoverage {
  const cfg = ctx.config.gates.coverage;
  const ignored = globMatcher(cfg.ignore);
  const files = new Map<string, FileCoverage>();
  const unresolved = new Set<string>();
  const owned = new Set<FileCoverage>();
  // Sets, not counters: shards name the same file once each.
  const ignoredPaths = new Set<string>();
  const outside = new Set<string>();
  const ambiguous = new Set<string>();
  const summaryOnly: { path: string; lines: Counts }[] = [];
  for (const report of reportsOf(ctx.input, 'coverage')) {
    if (report.kind !== 'coverage') continue;
    const declaredLines = report.coverage.declared?.lines;
    if (declaredLines && declaredLines.total > 0 && [...report.coverage.files.values()].every((f) => f.lines.total === 0)) {
      // No per-line data: the report's own totals count in the project total; changed lines cannot be judged from it.
      summaryOnly.push({ path: report.path, lines: declaredLines });
      continue;
    }
    const roots = report.coverage.roots ?? [];
    for (const [raw, fc] of report.coverage.files) {
      const r = ctx.resolver.resolve(raw, roots);
      let key: string;
      if (r.path !== undefined) {
        key = r.path;
        if (ignored(key)) {
          ignoredPaths.add(key);
          continue;
        }
      } else {
        key = `${raw}`;
        unresolved.add(key);
        if (r.reason === 'ambiguous') ambiguous.add(key);
        else outside.add(key);
      }
      const existing = files.get(key);
      if (!existing) {
        files.set(key, fc);
      } else {
        let target = existing;
        if (!owned.has(existing)) {
          target = new FileCoverage(key);
          target.merge(existing);
          owned.add(target);
          files.set(key, target);
        }
        target.merge(fc);
      }
    }
  }
  if (outside.size > 0) {
    ctx.warnings.push(
      `${plural(outside.size, 'file')} named in coverage reports could not be matched to a repository file; they count in the total but are never annotated`,
    );
  }
  if (ambiguous.size > 0) ctx.warnings.push(`${plural(ambiguous.size, 'coverage report path')} matched several repository files and were left unresolved`);
  return { files, unresolved, ignored: ignoredPaths.size, summaryOnly };
}

export function evaluateCoverage(ctx: GateContext, merged: MergedCoverage): GateResult {
  const cfg = ctx.config.gates.coverage;
  const threshold = `>= ${cfg.min} %`;
  const pre = precheck(ctx, 'coverage', cfg.informational, threshold);
  if (pre.result) return pre.result;
  const reasons = [...pre.reasons];
  const totals = coverageTotals(merged.files.values());
  for (const s of merged.summaryOnly) totals.lines = addCounts(totals.lines, s.lines);
  const linePct = percentOf(totals.lines);
  const metrics: Record<string, unknown> = {
    ...countsWithPercent(totals.lines),
    branches: countsWithPercent(totals.branches),
    functions: countsWithPercent(totals.functions),
    files: merged.files.size,
  };
  if (merged.ignored) metrics.ignored_files = merged.ignored;
  const reports = reportsOf(ctx.input, 'coverage').map((r) => r.path);

  if (linePct === null) {
    const summary = 'coverage reports contain no instrumented lines';
    return {
      id: 'coverage',
      name: GATE_NAMES.coverage,
      outcome: failOutcome(cfg.informational),
      informational: cfg.informational,
      summary,
      metrics,
      threshold,
      reasons: [...reasons, summary],
      reports,
    };
  }

  let ok = linePct >= cfg.min;
  const parts = [`Coverage ${fmtPct(linePct)} % ${ok ? '>=' : '<'} ${cfg.min} %`];

  // Per-path targets.
  if (cfg.paths.length > 0) {
    const rows = cfg.paths.map((target) => {
      const match = globMatcher(asArray(target.path));
      let c: Counts = { total: 0, covered: 0 };
      for (const [p, f] of merged.files) {
        if (merged.unresolved.has(p) || !match(p)) continue;
        const l = f.lines;
        c = { total: c.total + l.total, covered: c.covered + l.covered };
      }
      const p = percentOf(c);
      const passed = p !== null && p >= target.min;
      return { path: asArray(target.path).join(', '), min: target.min, ...countsWithPercent(c), outcome: passed ? 'pass' : 'fail' };
    });
    metrics.paths = rows;
    const failed = rows.filter((r) => r.outcome === 'fail');
    if (failed.length > 0) {
      ok = false;
      for (const r of failed) {
        reasons.push(r.pct === null ? `${r.path}: no instrumented lines` : `${r.path}: ${fmtPct(r.pct)} % < ${r.min} %`);
      }
      parts.push(`${failed.length}/${rows.length} path targets missed`);
    }
  }

  // Drop against the base commit.
  if (cfg.max_drop !== undefined) {
    const base = ctx.input.base;
    if (base?.coveragePct !== undefined) {
      const drop = base.coveragePct - linePct;
      metrics.base_pct = base.coveragePct;
      metrics.drop = drop;
      const baseName = base.sha ? base.sha.slice(0, 7) : (base.ref ?? 'base');
      if (drop > cfg.max_drop + PCT_EPSILON) {
        ok = false;
        parts.push(`dropped ${fmtPct(drop)} points vs ${baseName} (max ${cfg.max_drop})`);
      } else {
        parts.push(`${drop > 0 ? `-${fmtPct(drop)}` : `+${fmtPct(-drop)}`} vs ${baseName}`);
      }
    } else {
      reasons.push('max_drop not checked: no coverage is known for the base commit');
    }
  }

  const outcome = finalOutcome(ok, pre.reasons.length > 0, cfg.informational);
  if (pre.reasons.length > 0) parts.push(`${plural(pre.reasons.length, 'report')} unreadable`);
  return {
    id: 'coverage',
    name: GATE_NAMES.coverage,
    outcome,
    informational: cfg.informational,
    summary: parts.join('; '),
    metrics,
    threshold,
    reasons,
    reports,
  };
}

export function evaluatePatchCoverage(ctx: GateContext, merged: MergedCoverage): GateResult {
  const cfg = ctx.config.gates.patch_coverage;
  const threshold = `>= ${cfg.min} %`;
  const base = { id: 'patch_coverage' as const, name: GATE_NAMES.patch_coverage, informational: cfg.informational, threshold };
  const changes = ctx.input.changes;
  if (!changes) {
    const summary = 'no diff to measure: changed-line coverage needs a base (--base or --diff)';
    return { ...base, outcome: 'neutral', summary, metrics: {}, reasons: [summary], reports: [] };
  }
  const pre = precheck(ctx, 'patch_coverage', cfg.informational, threshold);
  if (pre.result) return pre.result;
  const reasons = [...pre.reasons];
  for (const so of merged.summaryOnly) reasons.push(`${so.path} has no per-line data (a coverage summary): changed lines are measured from the other reports only`);
  const ignored = globMatcher(ctx.config.gates.coverage.ignore);
  const isSrc = globMatcher(asArray(ctx.config.scopes.src ?? []));
  const notCode = globMatcher(['docs', 'config', 'tests'].flatMap((s) => asArray(ctx.config.scopes[s] ?? [])));

  let total = 0;
  let covered = 0;
  const uncovered: UncoveredFile[] = [];
  const missingFiles: string[] = [];
  const paths = [...changes.files.keys()].sort();
  for (const path of paths) {
    const change = changes.files.get(path)!;
    if (change.status === 'deleted' || change.binary || change.added.length === 0 || ignored(path)) continue;
    const fc = merged.unresolved.has(path) ? undefined : merged.files.get(path);
    if (!fc) {
      // Documentation, configuration and test files are not expected in coverage reports.
      if (notCode(path) && !isSrc(path)) continue;
      missingFiles.push(path);
      if (cfg.missing_files === 'uncovered' && isSrc(path)) {
        total += countLines(change.added);
        uncovered.push({ path, ranges: change.added.map(([s, e]) => [s, e] as [number, number]) });
      }
      continue;
    }
    const missed: number[] = [];
    for (const [line, hits] of fc.lineEntries()) {
      if (!inRanges(change.added, line)) continue;
      total++;
      if (hits > 0) covered++;
      else missed.push(line);
    }
    if (missed.length) uncovered.push({ path, ranges: toRanges(missed) });
  }

  const metrics: Record<string, unknown> = { ...countsWithPercent({ total, covered }), files_changed: changes.files.size };
  if (missingFiles.length) metrics.files_not_in_reports = missingFiles.length;
  const reports = reportsOf(ctx.input, 'coverage').map((r) => r.path);
  if (missingFiles.length) {
    reasons.push(
      `${plural(missingFiles.length, 'changed file')} not in any coverage report${cfg.missing_files === 'uncovered' ? ' (source files counted as uncovered)' : ' (not counted)'}`,
    );
  }
  if (total < cfg.min_lines) {
    const summary = `${plural(total, 'changed coverable line')}: fewer than min_lines (${cfg.min_lines}), not judged`;
    const hadFailures = pre.reasons.length > 0;
    return {
      ...base,
      outcome: hadFailures ? failOutcome(cfg.informational) : 'neutral',
      summary,
      metrics,
      reasons: [...reasons, summary],
      reports,
      uncovered,
      missingFiles,
    };
  }
  const p = (covered * 100) / total;
  const ok = p >= cfg.min;
  return {
    ...base,
    outcome: finalOutcome(ok, pre.reasons.length > 0, cfg.informational),
    summary: `Changed-line coverage ${fmtPct(p)} % (${covered}/${total}) ${ok ? '>=' : '<'} ${cfg.min} %`,
    metrics,
    reasons,
    reports,
    uncovered,
    missingFiles,
  };
}
