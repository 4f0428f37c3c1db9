/** The `tests` gate: failed + errored test cases across JUnit reports. */
import type { TestCaseProblem } from '../model/tests.js';
import type { GateResult } from '../verdict.js';
import { GATE_NAMES, finalOutcome, plural, precheck, reportsOf, type GateContext } from './common.js';

export function evaluateTests(ctx: GateContext): GateResult {
  const cfg = ctx.config.gates.tests;
  const threshold = `<= ${cfg.max_failures} failures${cfg.min_tests > 0 ? `, >= ${cfg.min_tests} tests` : ''}`;
  const pre = precheck(ctx, 'tests', cfg.informational, threshold);
  if (pre.result) return pre.result;
  const t = { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 };
  const problems: TestCaseProblem[] = [];
  for (const r of reportsOf(ctx.input, 'tests')) {
    if (r.kind !== 'tests') continue;
    t.total += r.tests.total;
    t.passed += r.tests.passed;
    t.failed += r.tests.failed;
    t.errored += r.tests.errored;
    t.skipped += r.tests.skipped;
    for (const p of r.tests.problems) if (problems.length < 1000) problems.push(p);
  }
  const broken = t.failed + t.errored;
  const enough = t.total - t.skipped >= cfg.min_tests;
  const ok = broken <= cfg.max_failures && enough;
  let summary = `Tests: ${t.passed} passed, ${t.failed} failed, ${t.errored} errored, ${t.skipped} skipped`;
  const reasons = [...pre.reasons];
  if (!enough) {
    const why = `${plural(t.total - t.skipped, 'test')} ran, fewer than min_tests (${cfg.min_tests})`;
    reasons.push(why);
    summary += ` (${why})`;
  } else if (broken > cfg.max_failures) summary += ` (max ${cfg.max_failures})`;
  return {
    id: 'tests',
    name: GATE_NAMES.tests,
    outcome: finalOutcome(ok, pre.reasons.length > 0, cfg.informational),
    informational: cfg.informational,
    summary,
    metrics: { ...t, failures: broken },
    threshold,
    reasons,
    reports: reportsOf(ctx.input, 'tests').map((r) => r.path),
    findings: problems.map((p) => {
      // Only repository-relative paths are kept (the report may name absolute or outside paths).
      const path = p.path ? ctx.resolver.resolve(p.path).path : undefined;
      return {
        tool: 'tests',
        ruleId: p.kind,
        message: `${p.classname ? `${p.classname} › ` : ''}${p.name}: ${p.message}`,
        level: 'error' as const,
        severity: 'high' as const,
        ...(path ? { path } : {}),
        ...(p.line ? { line: p.line } : {}),
        fingerprint: `${p.suite ?? ''}/${p.classname ?? ''}/${p.name}`,
        onChangedLine: false,
      };
    }),
  };
}
