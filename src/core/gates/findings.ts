/**
 * The `lint` and `security` gates: findings filtered by the diff (reviewdog's
 * modes), fingerprinted, matched against waivers, counted and sorted.
 */
import type { FilterMode, Waiver } from '../config/schema.js';
import { inRanges, type ChangeSet } from '../diff.js';
import { fnv1a64 } from '../hash.js';
import { LEVELS, SEVERITIES, levelRank, severityRank, type Finding, type Severity } from '../model/findings.js';
import type { GateFinding, GateResult, WaiverUse } from '../verdict.js';
import { GATE_NAMES, finalOutcome, globMatcher, plural, precheck, reportsOf, type GateContext } from './common.js';

/** Manifests and lockfiles: a change to one brings dependency findings into scope. */
const DEPENDENCY_FILES = /(^|\/)(package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|Cargo\.(toml|lock)|requirements[^/]*\.txt|Pipfile(\.lock)?|poetry\.lock|pyproject\.toml|Gemfile(\.lock)?|composer\.(json|lock)|pom\.xml|build\.gradle(\.kts)?|gradle\.lockfile|packages\.lock\.json|[^/]+\.csproj|Dockerfile|[^/]+\.tf)$/;

export function waiverId(w: Waiver, index: number): string {
  return w.id ?? `waivers[${index}]`;
}

function waiverUse(w: Waiver, index: number): WaiverUse {
  return { id: waiverId(w, index), reason: w.reason, owner: w.owner, expires: w.expires };
}

export function isExpired(w: Waiver, now: Date): boolean {
  return now.toISOString().slice(0, 10) > w.expires;
}

function normalizeLineText(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Fingerprint: the tool's own, else rule + path + the finding's line text (or message), so moved findings keep it. */
export function fingerprintOf(f: Finding, path: string | undefined, sourceLine?: (p: string, l: number) => string | undefined): string {
  if (f.toolFingerprint) return fnv1a64(`${f.tool}\u0000${f.ruleId ?? ''}\u0000${f.toolFingerprint}`);
  if (f.package) return fnv1a64(`${f.ruleId ?? ''}\u0000${f.package.name}\u0000${(f.ids ?? []).join(',')}`);
  const text = path && f.line !== undefined ? sourceLine?.(path, f.line) : undefined;
  const anchor = text !== undefined ? normalizeLineText(text) : normalizeLineText(f.message);
  return fnv1a64(`${f.ruleId ?? ''}\u0000${path ?? f.path ?? ''}\u0000${anchor}`);
}

function inScope(f: Finding, path: string | undefined, changes: ChangeSet | undefined, mode: FilterMode): { counted: boolean; onChangedLine: boolean } {
  if (!changes) return { counted: true, onChangedLine: false };
  const change = path ? changes.files.get(path) : undefined;
  const onChangedLine = !!(change && f.line !== undefined && inRanges(change.added, f.line));
  if (mode === 'nofilter') return { counted: true, onChangedLine };
  if (!path) {
    // Dependency findings count when a manifest or lockfile changed; other project-level findings always count.
    if (f.package) {
      const manifest = f.package.manifest;
      const touched = [...changes.files.keys()].some((p) => DEPENDENCY_FILES.test(p) || (manifest !== undefined && (p === manifest || p.endsWith(`/${manifest}`))));
      return { counted: touched, onChangedLine: false };
    }
    return { counted: true, onChangedLine: false };
  }
  if (!change || change.status === 'deleted') return { counted: false, onChangedLine: false };
  if (mode === 'file' || f.line === undefined) return { counted: true, onChangedLine };
  if (mode === 'diff_context') return { counted: inRanges(change.hunks, f.line), onChangedLine };
  return { counted: onChangedLine, onChangedLine };
}

export interface WaiverTracker {
  /** Indexes of waivers that matched at least one finding. */
  used: Map<number, number>;
}

export function newWaiverTracker(): WaiverTracker {
  return { used: new Map() };
}

function matchWaiver(waivers: readonly Waiver[], f: GateFinding, now: Date, tracker: WaiverTracker): WaiverUse | undefined {
  for (let i = 0; i < waivers.length; i++) {
    const w = waivers[i]!;
    const m = w.match;
    if (m.fingerprint !== undefined && m.fingerprint !== f.fingerprint) continue;
    if (m.rule !== undefined && m.rule !== f.ruleId) continue;
    if (m.advisory !== undefined && !(f.ids ?? []).some((id) => id.toLowerCase() === m.advisory!.toLowerCase()) && f.ruleId !== m.advisory) continue;
    if (m.path !== undefined && !(f.path && globMatcher([m.path])(f.path))) continue;
    if (isExpired(w, now)) continue;
    tracker.used.set(i, (tracker.used.get(i) ?? 0) + 1);
    return waiverUse(w, i);
  }
  return undefined;
}

function compareFindings(kind: 'lint' | 'security') {
  return (a: GateFinding, b: GateFinding): number => {
    const r = kind === 'security' ? severityRank(b.severity) - severityRank(a.severity) : levelRank(b.level) - levelRank(a.level);
    if (r !== 0) return r;
    if (a.onChangedLine !== b.onChangedLine) return a.onChangedLine ? -1 : 1;
    const pa = a.path ?? '';
    const pb = b.path ?? '';
    if (pa !== pb) return pa < pb ? -1 : 1;
    return (a.line ?? 0) - (b.line ?? 0);
  };
}

/** Findings carried in a gate result (counts stay exact beyond it). */
const MAX_CARRIED = 1000;

function collect(ctx: GateContext, kind: 'lint' | 'security', mode: FilterMode, tracker: WaiverTracker) {
  const now = ctx.input.now ?? new Date();
  const counted: GateFinding[] = [];
  const waived: GateFinding[] = [];
  let filteredOut = 0;
  for (const report of reportsOf(ctx.input, kind)) {
    if (report.kind !== 'lint' && report.kind !== 'security') continue;
    for (const f of report.findings.findings) {
      let path: string | undefined;
      if (f.path) {
        const r = ctx.resolver.resolve(f.path);
        path = r.path;
      }
      const scope = inScope(f, path, ctx.input.changes, mode);
      if (!scope.counted) {
        filteredOut++;
        continue;
      }
      const gf: GateFinding = { ...f, fingerprint: fingerprintOf(f, path, ctx.input.sourceLine), onChangedLine: scope.onChangedLine };
      if (path !== undefined) gf.path = path;
      else delete gf.path;
      const w = matchWaiver(ctx.config.waivers, gf, now, tracker);
      if (w) {
        gf.waivedBy = w;
        waived.push(gf);
      } else counted.push(gf);
    }
  }
  counted.sort(compareFindings(kind));
  return { counted, waived, filteredOut };
}

export function evaluateLint(ctx: GateContext, tracker: WaiverTracker): GateResult {
  const cfg = ctx.config.gates.lint;
  const threshold = `<= ${cfg.max_errors} errors${cfg.max_warnings !== null ? `, <= ${cfg.max_warnings} warnings` : ''}`;
  const pre = precheck(ctx, 'lint', cfg.informational, threshold);
  if (pre.result) return pre.result;
  const mode = ctx.input.changes ? cfg.filter : 'nofilter';
  const { counted, waived, filteredOut } = collect(ctx, 'lint', mode, tracker);
  const by = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<(typeof LEVELS)[number], number>;
  for (const f of counted) by[f.level]++;
  const ok = by.error <= cfg.max_errors && (cfg.max_warnings === null || by.warning <= cfg.max_warnings);
  const scope = mode === 'nofilter' ? '' : mode === 'added' ? ' on changed lines' : mode === 'diff_context' ? ' in changed hunks' : ' in changed files';
  let summary = `Lint: ${plural(by.error, 'error')}, ${plural(by.warning, 'warning')}${scope}`;
  if (!ok) summary += by.error > cfg.max_errors ? ` (max ${cfg.max_errors} errors)` : ` (max ${cfg.max_warnings} warnings)`;
  if (waived.length) summary += `; ${waived.length} waived`;
  return {
    id: 'lint',
    name: GATE_NAMES.lint,
    outcome: finalOutcome(ok, pre.reasons.length > 0, cfg.informational),
    informational: cfg.informational,
    summary,
    metrics: { errors: by.error, warnings: by.warning, notes: by.note, counted: counted.length, waived: waived.length, filtered_out: filteredOut, filter: mode },
    threshold,
    reasons: pre.reasons,
    reports: reportsOf(ctx.input, 'lint').map((r) => r.path),
    findings: counted.slice(0, MAX_CARRIED),
    waived: waived.slice(0, MAX_CARRIED),
  };
}

export function evaluateSecurity(ctx: GateContext, tracker: WaiverTracker): GateResult {
  const cfg = ctx.config.gates.security;
  const failOn = cfg.fail_on;
  const threshold = failOn === 'none' ? 'never fails' : `no ${severitiesAtLeast(failOn).join(' or ')} findings`;
  const pre = precheck(ctx, 'security', cfg.informational, threshold);
  if (pre.result) return pre.result;
  const mode = ctx.input.changes ? cfg.filter : 'nofilter';
  const { counted, waived, filteredOut } = collect(ctx, 'security', mode, tracker);
  const by = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of counted) by[f.severity]++;
  const blocking = failOn === 'none' ? 0 : severitiesAtLeast(failOn).reduce((n, s) => n + by[s], 0);
  const ok = blocking === 0;
  const listed = SEVERITIES.filter((s) => by[s] > 0).map((s) => `${by[s]} ${s}`);
  let summary = `Security: ${listed.length ? listed.join(', ') : 'no findings'}`;
  if (!ok) summary += ` (${blocking} at or above ${failOn})`;
  if (waived.length) summary += `; ${waived.length} waived`;
  return {
    id: 'security',
    name: GATE_NAMES.security,
    outcome: finalOutcome(ok, pre.reasons.length > 0, cfg.informational),
    informational: cfg.informational,
    summary,
    metrics: { ...by, blocking, counted: counted.length, waived: waived.length, filtered_out: filteredOut, filter: mode },
    threshold,
    reasons: pre.reasons,
    reports: reportsOf(ctx.input, 'security').map((r) => r.path),
    findings: counted.slice(0, MAX_CARRIED),
    waived: waived.slice(0, MAX_CARRIED),
  };
}

function severitiesAtLeast(s: Severity): Severity[] {
  return SEVERITIES.filter((x) => severityRank(x) >= severityRank(s));
}
