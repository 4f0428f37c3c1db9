/**
 * What a verdict looks like on GitHub, as data: the check runs (one per gate
 * plus `SDLC / verdict`) with their annotations, the sticky pull request
 * comment and the annotated tag. Pure: the publisher (src/github/) sends it,
 * cutting it to GitHub's request and size limits; nothing here is cut except
 * the per-field limits of a single annotation.
 *
 * Annotations (ordered failure, warning, notice; within a level, in the
 * gate's own order, which puts findings on changed lines first):
 * - patch_coverage: one `warning` per uncovered range of changed lines
 *   ("Lines 16-17 are not covered by tests").
 * - lint: every counted finding at its level (error -> failure,
 *   warning -> warning, note -> notice).
 * - security: by severity (critical/high -> failure, medium -> warning,
 *   low/info -> notice).
 * - tests: every failing or erroring test that names its source file, as a
 *   failure.
 * Only findings with a repository-relative path are annotated. A finding
 * with a path but no line (a whole-file lint finding, a dependency finding
 * located in its lockfile, a test case naming only its file) is annotated on
 * line 1 of that file, titled "(whole file)", since GitHub needs a line.
 * Findings without a path (project-level, or a path that could not be
 * resolved to a repository file) are never annotated: they are listed in the
 * gate's summary. Waived findings are not annotated.
 */
import type { GateId, SdlcConfig } from '../config/schema.js';
import { formatRanges } from '../diff.js';
import { InputError } from '../errors.js';
import type { GateFinding, GateResult, Outcome, Verdict } from '../verdict.js';
import { OUTCOME_ICON, fmtPct, gateValue } from './common.js';
import { mdCode, mdEscape, renderGateDetails, renderGateTable } from './markdown.js';

export type CheckKey = GateId | 'verdict';
export type CheckConclusion = 'success' | 'failure' | 'neutral';
export type AnnotationLevel = 'notice' | 'warning' | 'failure';

/** One check run annotation, shaped as GitHub's API takes it. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: AnnotationLevel;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunPlanEntry {
  key: CheckKey;
  /** `SDLC / coverage`, `SDLC / verdict`. */
  name: string;
  /** Identifies (gate, head commit): `sdlc:<key>:<sha>`. */
  externalId: string;
  conclusion: CheckConclusion;
  /** One line: the gate's summary. */
  title: string;
  /** Markdown: the gate's table and details. */
  summary: string;
  /** Markdown: the complete lists the summary shortens, when there are more than it shows. */
  text?: string;
  /** Most important first. */
  annotations: Annotation[];
  /** Counted findings the gate did not carry (gates keep the first 1000): never annotated. */
  uncarried: number;
}

export interface CheckPlanOptions {
  /** Link to the CI run or the App's details page. */
  runUrl?: string;
  /** How the compared base commit is named, e.g. "main (1a2b3c4)"; default: from verdict.base. */
  baseLabel?: string;
  /** Head commit; default: verdict.head.sha. */
  headSha?: string;
}

/** Every check run name starts with this. */
export const CHECK_NAME_PREFIX = 'SDLC /';
/** GitHub's limit on an annotation title (characters). */
export const ANNOTATION_TITLE_MAX = 255;
/**
 * GitHub's limit on an annotation message and raw_details is "64 KB"; kept
 * under 64,000 UTF-8 bytes, which satisfies either reading of it.
 */
export const ANNOTATION_TEXT_MAX_BYTES = 64_000;
/** Items listed in a summary before the rest moves to the check run text. */
const SUMMARY_ITEMS = 20;
/** The hidden line that makes the sticky comment findable. */
export const COMMENT_MARKER = '<!-- sdlc-gatekeeper:comment -->';
const VERDICT_MARKER_PREFIX = '<!-- sdlc-verdict:';
const VERDICT_MARKER_VERSION = 'v1';

export function checkName(key: CheckKey): string {
  return `${CHECK_NAME_PREFIX} ${key}`;
}

export function externalIdFor(key: CheckKey, sha: string): string {
  return `sdlc:${key}:${sha}`;
}

export function conclusionOf(o: Outcome): CheckConclusion {
  return o === 'pass' ? 'success' : o === 'fail' ? 'failure' : 'neutral';
}

// ---------------------------------------------------------------- text helpers

/** UTF-8 length of a string without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Cut to at most `maxChars` UTF-16 units and `maxBytes` UTF-8 bytes, never inside a surrogate pair; "…" marks a cut. */
export function capText(s: string, maxChars: number, maxBytes = Infinity): string {
  if (s.length <= maxChars && utf8Length(s) <= maxBytes) return s;
  const ell = '…';
  const charBudget = maxChars - ell.length;
  const byteBudget = maxBytes - 3;
  let bytes = 0;
  let i = 0;
  while (i < s.length && i < charBudget) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    const units = pair ? 2 : 1;
    if (bytes + w > byteBudget || i + units > charBudget) break;
    bytes += w;
    i += units;
  }
  return s.slice(0, i) + ell;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}


/** A path GitHub can place an annotation on: relative, inside the repository, forward slashes. */
export function repoRelativePath(p: string | undefined): string | undefined {
  if (!p) return undefined;
  let q = p;
  while (q.startsWith('./')) q = q.slice(2);
  // eslint-disable-next-line no-control-regex
  if (!q || q.startsWith('/') || /^[A-Za-z]:/.test(q) || q.includes('\\') || /[\u0000-\u001f]/.test(q)) return undefined;
  if (q.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) return undefined;
  return q;
}

// ---------------------------------------------------------------- annotations

const LEVEL_RANK: Record<AnnotationLevel, number> = { failure: 0, warning: 1, notice: 2 };

function lintLevel(f: GateFinding): AnnotationLevel {
  return f.level === 'error' ? 'failure' : f.level === 'warning' ? 'warning' : 'notice';
}

function securityLevel(f: GateFinding): AnnotationLevel {
  return f.severity === 'critical' || f.severity === 'high' ? 'failure' : f.severity === 'medium' ? 'warning' : 'notice';
}

function findingDetails(f: GateFinding): string {
  const out: string[] = [];
  if (f.package) {
    const p = f.package;
    out.push(`Package: ${p.name}${p.version ? ` ${p.version}` : ''}${p.fixedVersion ? ` (fixed in ${p.fixedVersion})` : ''}`);
  }
  if (f.ids?.length) out.push(`Advisories: ${f.ids.join(', ')}`);
  if (f.helpUri) out.push(`Help: ${f.helpUri}`);
  out.push(`Tool: ${f.tool}`);
  out.push(`Fingerprint: ${f.fingerprint}`);
  return out.join('\n');
}

function findingAnnotation(gate: GateId, f: GateFinding): Annotation | undefined {
  const path = repoRelativePath(f.path);
  if (!path) return undefined;
  const hasLine = f.line !== undefined && Number.isInteger(f.line) && f.line >= 1;
  const start = hasLine ? f.line! : 1;
  const end = hasLine && f.endLine !== undefined && Number.isInteger(f.endLine) && f.endLine >= start ? f.endLine : start;
  const level = gate === 'security' ? securityLevel(f) : gate === 'tests' ? 'failure' : lintLevel(f);
  let title: string;
  if (gate === 'tests') title = f.ruleId === 'error' ? 'Test error' : 'Test failure';
  else if (gate === 'security') title = `${f.severity}: ${f.ruleId ?? f.tool}${f.package ? ` in ${f.package.name}` : ''}`;
  else title = f.ruleId ? `${f.tool}: ${f.ruleId}` : f.tool;
  if (!hasLine) title += ' (whole file)';
  const a: Annotation = {
    path,
    start_line: start,
    end_line: end,
    annotation_level: level,
    message: capText(f.message || title, Infinity, ANNOTATION_TEXT_MAX_BYTES),
    title: capText(oneLine(title), ANNOTATION_TITLE_MAX),
  };
  if (hasLine && end === start && f.column !== undefined && Number.isInteger(f.column) && f.column >= 1) {
    a.start_column = f.column;
    if (f.endColumn !== undefined && Number.isInteger(f.endColumn) && f.endColumn >= f.column) a.end_column = f.endColumn;
  }
  if (gate !== 'tests') a.raw_details = capText(findingDetails(f), Infinity, ANNOTATION_TEXT_MAX_BYTES);
  return a;
}

/** The annotations of one gate, most important first. */
export function gateAnnotations(g: GateResult): Annotation[] {
  const out: Annotation[] = [];
  if (g.id === 'patch_coverage') {
    for (const u of g.uncovered ?? []) {
      const path = repoRelativePath(u.path);
      if (!path) continue;
      for (const [s, e] of u.ranges) {
        out.push({
          path,
          start_line: s,
          end_line: e,
          annotation_level: 'warning',
          message: s === e ? `Line ${s} is not covered by tests` : `Lines ${s}-${e} are not covered by tests`,
          title: s === e ? 'Uncovered changed line' : 'Uncovered changed lines',
        });
      }
    }
  } else if (g.id === 'lint' || g.id === 'security' || g.id === 'tests') {
    for (const f of g.findings ?? []) {
      const a = findingAnnotation(g.id, f);
      if (a) out.push(a);
    }
  }
  // Stable: keeps the gate's order within a level.
  return out.map((a, i) => [a, i] as const).sort((x, y) => LEVEL_RANK[x[0].annotation_level] - LEVEL_RANK[y[0].annotation_level] || x[1] - y[1]).map(([a]) => a);
}

// ---------------------------------------------------------------- summaries

function defaultBaseLabel(v: Verdict): string | undefined {
  if (!v.base) return undefined;
  const { ref, sha } = v.base;
  if (ref && sha) return `${ref} (${sha.slice(0, 7)})`;
  return ref ?? sha?.slice(0, 12);
}

function metricValue(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : fmtPct(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (v === null) return '—';
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.total === 'number' && typeof o.covered === 'number') {
      return `${o.covered}/${o.total}${typeof o.pct === 'number' ? ` (${fmtPct(o.pct)} %)` : ''}`;
    }
  }
  return undefined;
}

/** The numbers that decided a gate, as a two-column table (nested lists, e.g. per-path targets, as their own table). */
export function renderMetrics(g: GateResult): string {
  const m = g.metrics;
  const rows: string[] = [];
  const lists: string[] = [];
  if (typeof m.total === 'number' && typeof m.covered === 'number') rows.push(`| lines | ${metricValue({ total: m.total, covered: m.covered, pct: m.pct })} |`);
  for (const [k, v] of Object.entries(m)) {
    if ((k === 'total' || k === 'covered' || k === 'pct') && typeof m.covered === 'number') continue;
    if (Array.isArray(v)) {
      const objs = v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
      if (!objs.length) continue;
      const cols = [...new Set(objs.flatMap((o) => Object.keys(o)))];
      lists.push(
        [
          `**${mdEscape(k)}**`,
          '',
          `| ${cols.map(mdEscape).join(' | ')} |`,
          `| ${cols.map(() => '---').join(' | ')} |`,
          ...objs.map((o) => `| ${cols.map((c) => mdEscape(metricValue(o[c]) ?? '')).join(' | ')} |`),
        ].join('\n'),
      );
      continue;
    }
    const s = metricValue(v);
    if (s !== undefined) rows.push(`| ${mdEscape(k)} | ${mdEscape(s)} |`);
  }
  const out: string[] = [];
  if (rows.length) out.push(['| Metric | Value |', '| --- | --- |', ...rows].join('\n'));
  out.push(...lists);
  return out.join('\n\n');
}

function whereOf(f: GateFinding): string {
  if (f.path) return mdCode(`${f.path}${f.line ? `:${f.line}` : ''}`);
  if (f.package) return mdCode(`${f.package.name}${f.package.version ? `@${f.package.version}` : ''}`);
  return 'project';
}

function findingLine(g: GateResult, f: GateFinding): string {
  const label = g.id === 'security' ? f.severity : g.id === 'tests' ? (f.ruleId ?? 'failure') : f.level;
  const msg = mdEscape(oneLine(f.message.split('\n')[0] ?? '').slice(0, 300));
  return `- **${label}** ${whereOf(f)} ${msg}${f.ruleId && g.id !== 'tests' ? ` (${mdEscape(f.ruleId)})` : ''}`;
}

/** The complete lists behind a gate summary, when the summary shortens them. */
function gateText(g: GateResult): string | undefined {
  const out: string[] = [];
  const findings = g.findings ?? [];
  if (findings.length > SUMMARY_ITEMS) {
    out.push(`### ${g.id === 'tests' ? 'Failing tests' : 'Findings'} (${findings.length})`, '');
    for (const f of findings) out.push(findingLine(g, f));
    out.push('');
  }
  const unc = g.uncovered ?? [];
  if (unc.length > SUMMARY_ITEMS) {
    out.push(`### Uncovered changed lines (${unc.length} files)`, '');
    for (const u of unc) out.push(`- ${mdCode(u.path)}: ${formatRanges(u.ranges)}`);
    out.push('');
  }
  const missing = g.missingFiles ?? [];
  if (missing.length > SUMMARY_ITEMS) {
    out.push(`### Changed files not in any coverage report (${missing.length})`, '');
    for (const p of missing) out.push(`- ${mdCode(p)}`);
    out.push('');
  }
  const waived = g.waived ?? [];
  if (waived.length) {
    out.push(`### Waived findings (${waived.length})`, '');
    for (const f of waived) out.push(`${findingLine(g, f)}: waived by ${mdEscape(f.waivedBy?.id ?? '?')}`);
    out.push('');
  }
  return out.length ? out.join('\n').trimEnd() + '\n' : undefined;
}

function uncarriedOf(g: GateResult): number {
  const counted = g.metrics.counted ?? (g.id === 'tests' ? g.metrics.failures : undefined);
  const carried = g.findings?.length ?? 0;
  return typeof counted === 'number' && counted > carried ? counted - carried : 0;
}

function gateSummary(g: GateResult, opts: CheckPlanOptions, baseLabel: string | undefined): string {
  const out: string[] = [];
  out.push(`### ${OUTCOME_ICON[g.outcome]} ${mdEscape(g.name)}: ${g.outcome}${g.informational ? ' _(informational)_' : ''}`, '');
  out.push(mdEscape(oneLine(g.summary)), '');
  out.push('| Value | Threshold | Outcome |', '| --- | --- | --- |', `| ${mdEscape(gateValue(g))} | ${mdEscape(g.threshold)} | ${OUTCOME_ICON[g.outcome]} ${g.outcome} |`, '');
  const metrics = renderMetrics(g);
  if (metrics) out.push(metrics, '');
  const details = renderGateDetails(g, SUMMARY_ITEMS);
  if (details) out.push(details, '');
  const uncarried = uncarriedOf(g);
  if (uncarried > 0) out.push(`${uncarried} more counted findings are not listed or annotated (a gate carries the first ${g.findings?.length ?? 0}).`, '');
  const notAnnotated = (g.findings ?? []).filter((f) => !repoRelativePath(f.path)).length;
  if (notAnnotated > 0 && g.id !== 'coverage' && g.id !== 'patch_coverage') {
    out.push(`${notAnnotated} of the listed findings have no file in the repository and are not annotated.`, '');
  }
  if (g.reports.length) {
    const shown = g.reports.slice(0, SUMMARY_ITEMS).map((r) => mdCode(r)).join(', ');
    out.push(`Reports: ${shown}${g.reports.length > SUMMARY_ITEMS ? ` and ${g.reports.length - SUMMARY_ITEMS} more` : ''}`, '');
  }
  const meta: string[] = [];
  if (baseLabel) meta.push(`compared with ${mdEscape(baseLabel)}`);
  if (opts.runUrl) meta.push(`[run details](${opts.runUrl})`);
  if (meta.length) out.push(`<sub>${meta.join(' · ')}</sub>`, '');
  return out.join('\n').trimEnd() + '\n';
}

// ---------------------------------------------------------------- verdict marker

export interface VerdictMarkerGate {
  id: GateId;
  outcome: Outcome;
  metrics: Record<string, unknown>;
}

/** The machine-readable verdict kept in the `SDLC / verdict` summary. */
export interface VerdictMarker {
  version: 1;
  outcome: Outcome;
  phase: string;
  /** Head commit SHA the verdict is about. */
  head: string;
  gates: VerdictMarkerGate[];
}

/** JSON that cannot end an HTML comment: `<` and `>` as escapes (JSON.parse restores them). */
function commentSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

export function verdictMarker(v: Verdict, headSha: string): string {
  const data: VerdictMarker = {
    version: 1,
    outcome: v.outcome,
    phase: v.phase,
    head: headSha,
    gates: v.gates.map((g) => ({ id: g.id, outcome: g.outcome, metrics: g.metrics })),
  };
  return `${VERDICT_MARKER_PREFIX}${VERDICT_MARKER_VERSION} ${commentSafeJson(data)} -->`;
}

const OUTCOMES: readonly string[] = ['pass', 'fail', 'neutral'];
const GATE_KEYS: readonly string[] = ['coverage', 'patch_coverage', 'lint', 'security', 'tests'];
const MAX_MARKER_CHARS = 256 * 1024;

/**
 * Read the verdict marker from a `SDLC / verdict` summary (or any text).
 * Returns undefined when the text has no marker; throws InputError when it
 * has one that is malformed or of an unknown version.
 */
export function parseVerdictMarker(text: string): VerdictMarker | undefined {
  const at = text.indexOf(VERDICT_MARKER_PREFIX);
  if (at < 0) return undefined;
  const head = /^v(\d+) /.exec(text.slice(at + VERDICT_MARKER_PREFIX.length, at + VERDICT_MARKER_PREFIX.length + 12));
  if (!head) throw new InputError('verdict marker: no version');
  if (`v${head[1]}` !== VERDICT_MARKER_VERSION) throw new InputError(`verdict marker: unsupported version v${head[1]}`);
  const start = at + VERDICT_MARKER_PREFIX.length + head[0].length;
  const end = text.indexOf(' -->', start);
  if (end < 0) throw new InputError('verdict marker: not closed');
  if (end - start > MAX_MARKER_CHARS) throw new InputError(`verdict marker: longer than ${MAX_MARKER_CHARS} characters`);
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start, end));
  } catch (e) {
    throw new InputError(`verdict marker: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const bad = (what: string): never => {
    throw new InputError(`verdict marker: ${what}`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('not an object');
  const d = data as Record<string, unknown>;
  if (d.version !== 1) bad(`version ${String(d.version)} inside a v1 marker`);
  if (typeof d.outcome !== 'string' || !OUTCOMES.includes(d.outcome)) bad('outcome must be pass, fail or neutral');
  if (typeof d.phase !== 'string') bad('phase must be a string');
  if (typeof d.head !== 'string') bad('head must be a string');
  if (!Array.isArray(d.gates)) return bad('gates must be an array');
  const gates: VerdictMarkerGate[] = d.gates.map((g, i) => {
    if (typeof g !== 'object' || g === null) return bad(`gates[${i}] is not an object`);
    const r = g as Record<string, unknown>;
    if (typeof r.id !== 'string' || !GATE_KEYS.includes(r.id)) return bad(`gates[${i}].id is not a gate`);
    if (typeof r.outcome !== 'string' || !OUTCOMES.includes(r.outcome)) return bad(`gates[${i}].outcome must be pass, fail or neutral`);
    if (typeof r.metrics !== 'object' || r.metrics === null || Array.isArray(r.metrics)) return bad(`gates[${i}].metrics must be an object`);
    return { id: r.id as GateId, outcome: r.outcome as Outcome, metrics: r.metrics as Record<string, unknown> };
  });
  return { version: 1, outcome: d.outcome as Outcome, phase: d.phase as string, head: d.head as string, gates };
}

/** The project line coverage (percent) a verdict marker records, when its coverage gate measured one. */
export function markerCoveragePct(m: VerdictMarker): number | undefined {
  const pct = m.gates.find((g) => g.id === 'coverage')?.metrics.pct;
  return typeof pct === 'number' && Number.isFinite(pct) && pct >= 0 && pct <= 100 ? pct : undefined;
}

// ---------------------------------------------------------------- plan

function verdictTitle(v: Verdict): string {
  const counting = v.gates.filter((g) => !g.informational);
  const failed = counting.filter((g) => g.outcome === 'fail');
  const passed = v.gates.filter((g) => g.outcome === 'pass').length;
  const neutral = v.gates.filter((g) => g.outcome === 'neutral').length;
  if (v.gates.length === 0) return 'No gate is enabled';
  if (failed.length) return `${failed.length} of ${v.gates.length} gates failed: ${failed.map((g) => g.name).join(', ')}`;
  if (v.outcome === 'pass') return neutral ? `${passed} gates passed, ${neutral} neutral` : `All ${passed} gates passed`;
  return `No gate could be judged (${neutral} neutral)`;
}

function verdictSummary(v: Verdict, headSha: string, opts: CheckPlanOptions, baseLabel: string | undefined): string {
  const out: string[] = [verdictMarker(v, headSha), ''];
  out.push(`### SDLC verdict: ${OUTCOME_ICON[v.outcome]} ${v.outcome}`, '');
  out.push(renderGateTable(v), '');
  for (const g of v.gates) out.push(`- **${mdEscape(g.name)}**: ${mdEscape(oneLine(g.summary))}`);
  out.push('');
  out.push(...waiverLines(v));
  if (v.warnings.length) {
    out.push(`<details><summary>Warnings (${v.warnings.length})</summary>`, '');
    for (const w of v.warnings.slice(0, SUMMARY_ITEMS)) out.push(`- ${mdEscape(oneLine(w))}`);
    if (v.warnings.length > SUMMARY_ITEMS) out.push(`- … ${v.warnings.length - SUMMARY_ITEMS} more`);
    out.push('', '</details>', '');
  }
  out.push(metaLine(v, opts, baseLabel), '');
  return out.join('\n').trimEnd() + '\n';
}

function waiverLines(v: Verdict): string[] {
  const w = v.waivers;
  if (!w.applied.length && !w.expired.length && !w.stale.length) return [];
  const out = ['**Waivers**', ''];
  for (const a of w.applied) out.push(`- ${mdEscape(a.id)}: applied to ${a.findings} finding(s) until ${a.expires} (${mdEscape(a.owner)}: ${mdEscape(oneLine(a.reason))})`);
  for (const e of w.expired) out.push(`- ${mdEscape(e.id)}: **expired** on ${e.expires}, no longer applied (${mdEscape(e.owner)})`);
  for (const s of w.stale) out.push(`- ${mdEscape(s.id)}: stale, matches nothing`);
  out.push('');
  return out;
}

function metaLine(v: Verdict, opts: CheckPlanOptions, baseLabel: string | undefined): string {
  const meta = [`phase ${mdEscape(v.phase)}`];
  meta.push(baseLabel ? `compared with ${mdEscape(baseLabel)}` : 'no base commit compared');
  const scopes = Object.entries(v.scopes).map(([k, n]) => `${mdEscape(k)} (${n})`);
  if (scopes.length) meta.push(`changed scopes: ${scopes.join(', ')}`);
  if (opts.runUrl) meta.push(`[run details](${opts.runUrl})`);
  return `<sub>${meta.join(' · ')}</sub>`;
}

/** The check runs of a verdict: one per gate, then `SDLC / verdict`. */
export function checkRunPlan(v: Verdict, opts: CheckPlanOptions = {}): CheckRunPlanEntry[] {
  const sha = opts.headSha ?? v.head?.sha;
  if (!sha) throw new InputError('checkRunPlan: the head commit SHA is unknown (pass headSha)');
  const baseLabel = opts.baseLabel ?? defaultBaseLabel(v);
  const entries: CheckRunPlanEntry[] = v.gates.map((g) => {
    const text = gateText(g);
    return {
      key: g.id,
      name: checkName(g.id),
      externalId: externalIdFor(g.id, sha),
      conclusion: conclusionOf(g.outcome),
      title: capText(oneLine(g.summary), ANNOTATION_TITLE_MAX),
      summary: gateSummary(g, opts, baseLabel),
      ...(text ? { text } : {}),
      annotations: gateAnnotations(g),
      uncarried: uncarriedOf(g),
    };
  });
  entries.push({
    key: 'verdict',
    name: checkName('verdict'),
    externalId: externalIdFor('verdict', sha),
    conclusion: conclusionOf(v.outcome),
    title: capText(verdictTitle(v), ANNOTATION_TITLE_MAX),
    summary: verdictSummary(v, sha, opts, baseLabel),
    annotations: [],
    uncarried: 0,
  });
  return entries;
}

// ---------------------------------------------------------------- comment

/** The sticky pull request comment; ends with COMMENT_MARKER. */
export function commentBody(v: Verdict, opts: Omit<CheckPlanOptions, 'headSha'> = {}): string {
  const baseLabel = opts.baseLabel ?? defaultBaseLabel(v);
  const out: string[] = [];
  out.push(`### SDLC verdict: ${OUTCOME_ICON[v.outcome]} ${v.outcome}`, '');
  out.push(renderGateTable(v), '');
  for (const g of v.gates) {
    out.push(`**${mdEscape(g.name)}**: ${mdEscape(oneLine(g.summary))}`);
    const d = renderGateDetails(g, SUMMARY_ITEMS);
    if (d) out.push('', d);
    out.push('');
  }
  out.push(...waiverLines(v));
  out.push(metaLine(v, opts, baseLabel), '');
  out.push(COMMENT_MARKER);
  return out.join('\n') + '\n';
}

/**
 * The part of a comment that `comment.only_on_change` compares: the verdict
 * heading and the gate table (outcomes and values), nothing else.
 */
export function commentTablePart(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const start = lines.findIndex((l) => l.startsWith('### SDLC verdict:'));
  if (start < 0) return '';
  const out = [lines[start]!];
  let i = start + 1;
  while (i < lines.length && lines[i] === '') i++;
  while (i < lines.length && lines[i]!.startsWith('|')) out.push(lines[i++]!);
  return out.join('\n');
}

// ---------------------------------------------------------------- tag

export interface TagPlan {
  /** Tag name (without refs/tags/). */
  name: string;
  /** Annotated tag message. */
  message: string;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Make a name a valid git ref name (git check-ref-format): no control
 * characters, space, ~ ^ : ? * [ \ or "@{"; no "..", no empty, "."-leading
 * or ".lock"-ending component; no leading, trailing or double slash; no
 * trailing dot. Invalid characters become "-". Throws when nothing is left.
 */
export function sanitizeRefName(name: string): string {
  let s = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0020\u007f~^:?*[\\]/g, '-')
    .replace(/@\{/g, '@-')
    .replace(/\.{2,}/g, '.');
  const parts = s
    .split('/')
    .map((c) => {
      let p = c.replace(/^\.+/, '');
      while (/\.lock$/i.test(p) || p.endsWith('.')) p = p.replace(/\.lock$/i, '').replace(/\.+$/, '');
      return p;
    })
    .filter((c) => c.length > 0);
  s = parts.join('/');
  if (s.length > 200) s = s.slice(0, 200).replace(/[/.]+$/, '');
  if (!s || s === '@') throw new InputError(`tag name ${JSON.stringify(name)} has no valid characters`);
  return s;
}

/** Tag name and message for a verdict (tagging.template placeholders: {phase} {outcome} {sha} {sha7} {branch}). */
export function tagPlan(v: Verdict, config: SdlcConfig, at: { sha: string; branch: string }): TagPlan {
  const values: Record<string, string> = { phase: v.phase, outcome: v.outcome, sha: at.sha, sha7: at.sha.slice(0, 7), branch: at.branch };
  const raw = config.tagging.template.replace(PLACEHOLDER, (whole, key: string) => {
    const val = values[key];
    if (val === undefined) throw new InputError(`tagging.template: unknown placeholder ${whole} (use {phase} {outcome} {sha} {sha7} {branch})`);
    return val;
  });
  const name = sanitizeRefName(raw);
  const scopes = Object.entries(v.scopes);
  const lines: string[] = [];
  lines.push(`SDLC verdict: ${v.outcome}`);
  lines.push(`Phase: ${v.phase}`);
  lines.push(`Commit: ${at.sha}`);
  lines.push(`Branch: ${oneLine(at.branch)}`);
  lines.push(`File scope: ${scopes.length ? scopes.map(([k, n]) => `${k} (${n} ${n === 1 ? 'file' : 'files'})`).join(', ') : 'no changed files classified'}`);
  if (v.base?.sha || v.base?.ref) lines.push(`Base: ${oneLine(defaultBaseLabel(v) ?? '')}`);
  lines.push('', 'Gates:');
  for (const g of v.gates) {
    const shown = Object.entries(g.metrics)
      .map(([k, val]) => [k, metricValue(val)] as const)
      .filter(([, s]) => s !== undefined)
      .map(([k, s]) => `${k}=${s}`);
    lines.push(`- ${g.id}: ${g.outcome}${g.informational ? ' (informational)' : ''}: ${oneLine(g.summary)}`);
    if (shown.length) lines.push(`  ${shown.join(', ')}`);
  }
  const json = {
    version: 1,
    outcome: v.outcome,
    phase: v.phase,
    sha: at.sha,
    branch: at.branch,
    scopes: v.scopes,
    gates: v.gates.map((g) => ({ id: g.id, outcome: g.outcome, informational: g.informational, metrics: g.metrics })),
  };
  lines.push('', '```json', JSON.stringify(json, null, 2).replace(/```/g, '`\\u0060`'), '```');
  return { name, message: lines.join('\n') + '\n' };
}
