/**
 * The pure core pipeline: parsed reports + config (+ diff, base) -> Verdict.
 * No I/O: adapters gather the inputs and publish the result.
 */
import { asArray, GATE_IDS, type GateId } from './config/schema.js';
import { mergeCoverage, evaluateCoverage, evaluatePatchCoverage, type MergedCoverage } from './gates/coverage.js';
import { evaluateLint, evaluateSecurity, isExpired, newWaiverTracker, waiverId } from './gates/findings.js';
import { evaluateTests } from './gates/tests.js';
import { globMatcher, type EvaluationInput, type GateContext } from './gates/common.js';
import { PathResolver, type PathResolverOptions } from './paths.js';
import type { GateResult, Outcome, Verdict, WaiverStatus } from './verdict.js';

export type { EvaluationInput, ReportFailure, BaseInfo } from './gates/common.js';

export interface GatekeeperInput extends EvaluationInput {
  /** How report paths map to repository paths (repository files, workspace roots). */
  paths?: PathResolverOptions;
}

export function runGatekeeper(input: GatekeeperInput): Verdict {
  const config = input.config;
  const warnings: string[] = [];
  for (const r of input.reports) for (const w of r.warnings) warnings.push(w);
  const resolver = new PathResolver({ ...input.paths, pathFixes: [...(input.paths?.pathFixes ?? []), ...config.gates.coverage.path_fixes] });
  const ctx: GateContext = { input, config, resolver, warnings };
  const tracker = newWaiverTracker();

  let merged: MergedCoverage | undefined;
  const coverage = () => (merged ??= mergeCoverage(ctx));
  const gates: GateResult[] = [];
  for (const id of GATE_IDS) {
    if (!config.gates[id].enabled) continue;
    gates.push(evaluate(id, ctx, coverage, tracker));
  }

  const now = input.now ?? new Date();
  const waivers: WaiverStatus = { applied: [], expired: [], stale: [] };
  config.waivers.forEach((w, i) => {
    const use = { id: waiverId(w, i), reason: w.reason, owner: w.owner, expires: w.expires };
    if (isExpired(w, now)) waivers.expired.push(use);
    else if (tracker.used.has(i)) waivers.applied.push({ ...use, findings: tracker.used.get(i)! });
    else waivers.stale.push(use);
  });

  const scopes: Record<string, number> = {};
  const changed = input.changes ? [...input.changes.files.keys()] : [];
  for (const [name, globs] of Object.entries(config.scopes)) {
    const m = globMatcher(asArray(globs));
    const n = changed.filter((p) => m(p)).length;
    if (n > 0) scopes[name] = n;
  }

  const verdict: Verdict = {
    outcome: overall(gates),
    phase: config.phase,
    gates,
    scopes,
    changedFiles: changed.length,
    waivers,
    warnings,
  };
  if (input.base && (input.base.sha || input.base.ref)) verdict.base = { ...(input.base.ref ? { ref: input.base.ref } : {}), ...(input.base.sha ? { sha: input.base.sha } : {}) };
  if (input.head) verdict.head = input.head;
  return verdict;
}

function evaluate(id: GateId, ctx: GateContext, coverage: () => MergedCoverage, tracker: ReturnType<typeof newWaiverTracker>): GateResult {
  switch (id) {
    case 'coverage':
      return evaluateCoverage(ctx, coverage());
    case 'patch_coverage':
      return evaluatePatchCoverage(ctx, coverage());
    case 'lint':
      return evaluateLint(ctx, tracker);
    case 'security':
      return evaluateSecurity(ctx, tracker);
    case 'tests':
      return evaluateTests(ctx);
  }
}

/** Fail when any counting gate fails; pass when at least one passed; else neutral. */
export function overall(gates: GateResult[]): Outcome {
  if (gates.some((g) => g.outcome === 'fail' && !g.informational)) return 'fail';
  if (gates.some((g) => g.outcome === 'pass')) return 'pass';
  return 'neutral';
}
