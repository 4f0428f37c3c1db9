/**
 * JSON contracts (documented in the README; keep them stable):
 * - verdictJson: `sdlc-gate check --format json`
 * - reportsJson: `sdlc-gate report --format json`
 */
import { coverageTotals, withPct } from '../model/coverage.js';
import { LEVELS, SEVERITIES } from '../model/findings.js';
import type { ParsedReport } from '../model/report.js';
import type { GateFinding, Verdict } from '../verdict.js';

export const JSON_CONTRACT_VERSION = 1;

function compactFinding(f: GateFinding) {
  return {
    tool: f.tool,
    ruleId: f.ruleId,
    level: f.level,
    severity: f.severity,
    message: f.message,
    ...(f.path !== undefined ? { path: f.path } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
    ...(f.helpUri ? { helpUri: f.helpUri } : {}),
    ...(f.ids?.length ? { ids: f.ids } : {}),
    ...(f.package ? { package: f.package } : {}),
    fingerprint: f.fingerprint,
    onChangedLine: f.onChangedLine,
    ...(f.waivedBy ? { waivedBy: f.waivedBy.id } : {}),
  };
}

export function verdictJson(v: Verdict, opts: { maxFindings?: number } = {}) {
  const max = opts.maxFindings ?? 100;
  return {
    version: JSON_CONTRACT_VERSION,
    outcome: v.outcome,
    phase: v.phase,
    ...(v.base ? { base: v.base } : {}),
    ...(v.head ? { head: v.head } : {}),
    changedFiles: v.changedFiles,
    scopes: v.scopes,
    gates: v.gates.map((g) => ({
      id: g.id,
      outcome: g.outcome,
      summary: g.summary,
      metrics: g.metrics,
      informational: g.informational,
      threshold: g.threshold,
      reasons: g.reasons,
      reports: g.reports,
      ...(g.findings ? { findings: g.findings.slice(0, max).map(compactFinding) } : {}),
      ...(g.waived?.length ? { waived: g.waived.slice(0, max).map(compactFinding) } : {}),
      ...(g.uncovered ? { uncovered: g.uncovered.map((u) => ({ path: u.path, ranges: u.ranges })) } : {}),
      ...(g.missingFiles?.length ? { missingFiles: g.missingFiles } : {}),
    })),
    waivers: v.waivers,
    warnings: v.warnings,
  };
}

export function reportJson(r: ParsedReport) {
  const base = { path: r.path, format: r.format, kind: r.kind };
  switch (r.kind) {
    case 'coverage': {
      const files = [...r.coverage.files.values()];
      const t = coverageTotals(files);
      return {
        ...base,
        coverage: {
          lines: withPct(t.lines),
          branches: withPct(t.branches),
          functions: withPct(t.functions),
          files: files.map((f) => ({ path: f.path, lines: withPct(f.lines) })),
          ...(r.coverage.declared ? { declared: r.coverage.declared } : {}),
        },
        warnings: r.warnings,
      };
    }
    case 'lint':
    case 'security': {
      const keys = r.kind === 'lint' ? LEVELS : SEVERITIES;
      const by: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
      for (const f of r.findings.findings) by[r.kind === 'lint' ? f.level : f.severity]!++;
      return { ...base, findings: { total: r.findings.findings.length, bySeverity: by, tools: r.findings.tools }, warnings: r.warnings };
    }
    case 'tests': {
      const { total, passed, failed, errored, skipped } = r.tests;
      return { ...base, tests: { total, passed, failed, errored, skipped }, warnings: r.warnings };
    }
  }
}

export function reportsJson(reports: ParsedReport[], errors: { path: string; message: string }[] = []) {
  return { reports: reports.map(reportJson), ...(errors.length ? { errors } : {}) };
}
