/**
 * Semgrep JSON (`semgrep --json`, `semgrep scan --json`, semgrep 0.x and 1.x).
 *
 * One Finding per entry of `results[]`: ruleId = check_id, path, line/column
 * from `start`, endLine/endColumn from `end` (Semgrep's columns are 1-based),
 * message = extra.message, helpUri = metadata.source, else shortlink, else the
 * first reference; ids = the CWE ids named in metadata.cwe (32 at most).
 * Severity: a numeric metadata `security-severity` (CVSS-like, mapped as GitHub
 * code scanning does) or a severity word there; otherwise extra.severity,
 * with ERROR → high, WARNING → medium, INFO → low (Semgrep's INFO rules are
 * still findings, so not `info`), and the newer words CRITICAL/HIGH/MEDIUM/LOW
 * as they read. Level: ERROR → error, WARNING → warning, INFO → note; for the
 * newer words, from the severity.
 * toolFingerprint = extra.fingerprint unless it is Semgrep's placeholder
 * `requires login`.
 * Results suppressed in the code (extra.is_ignored true, kept by
 * `--disable-nosem`) are not findings; they are counted in a warning.
 * Each entry of Semgrep's `errors[]` (files it could not parse, rules that
 * failed, timeouts) becomes a warning, capped, since the results may be
 * incomplete. A `version` whose major is not 0 or 1 is an error. Results
 * without check_id, path or a usable start line or severity are skipped and
 * counted in one warning.
 */
import { ReportParseError } from '../../errors.js';
import {
  levelForSeverity,
  parseSeverityWord,
  severityForScore,
  type Finding,
  type Level,
  type Severity,
} from '../../model/findings.js';
import type { ReportKind, ReportPayload } from '../../model/report.js';
import type { JsonPattern } from '../../json.js';
import type { ByteSource } from '../../stream.js';
import { forwardSlashes, isObject, jsonMatches, Malformed, nonEmpty, notKeptWarning, positiveInt, stopIfCancelled } from '../common.js';
import type { ParseContext, ReportParser } from '../types.js';

const TOOL = 'Semgrep';
/** Semgrep errors reported one by one; the rest are counted. */
const MAX_ERROR_WARNINGS = 20;
const FINGERPRINT_PLACEHOLDER = 'requires login';

const SEMGREP_SEVERITY: Readonly<Record<string, { severity: Severity; level: Level }>> = {
  ERROR: { severity: 'high', level: 'error' },
  WARNING: { severity: 'medium', level: 'warning' },
  INFO: { severity: 'low', level: 'note' },
  CRITICAL: { severity: 'critical', level: 'error' },
  HIGH: { severity: 'high', level: 'error' },
  MEDIUM: { severity: 'medium', level: 'warning' },
  LOW: { severity: 'low', level: 'note' },
};

const P_VERSION = 0;
const P_RESULT = 1;
const P_ERROR = 2;
const P_SCANNED = 3;
const PATTERNS: readonly JsonPattern[] = [['version'], ['results', '*'], ['errors', '*'], ['paths', 'scanned', '*']];

/** Severity from metadata `security-severity`: a score ("7.5" or 7.5) or a word. */
function metadataSeverity(v: unknown): Severity | undefined {
  if (typeof v === 'number') return severityForScore(v);
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return severityForScore(n);
  return parseSeverityWord(v);
}

/** CWE ids kept for one finding. */
const MAX_IDS = 32;

function cweIds(v: unknown): string[] {
  const out = new Set<string>();
  const list = Array.isArray(v) ? v : [v];
  for (const s of list) {
    if (out.size >= MAX_IDS) break;
    if (typeof s !== 'string') continue;
    const m = /^\s*(CWE-\d+)/i.exec(s);
    if (m) out.add(m[1]!.toUpperCase());
  }
  return [...out];
}

function describeError(e: unknown): string {
  if (!isObject(e)) return JSON.stringify(e)?.slice(0, 200) ?? String(e);
  const type = Array.isArray(e.type) ? String(e.type[0]) : (nonEmpty(e.type) ?? 'error');
  const level = nonEmpty(e.level);
  const where = nonEmpty(e.path) ?? (isObject(e.rule_id) ? undefined : nonEmpty(e.rule_id));
  const msg = (nonEmpty(e.message) ?? nonEmpty(e.long_msg) ?? nonEmpty(e.short_msg) ?? '').split('\n')[0]!.slice(0, 300);
  return `${level ? `${level} ` : ''}${type}${where ? ` in ${where}` : ''}${msg ? `: ${msg}` : ''}`;
}

export const semgrepParser: ReportParser = {
  format: 'semgrep-json',
  kinds: ['security', 'lint'],
  description: 'Semgrep JSON (semgrep --json)',

  sniff(head) {
    const t = head.trimStart();
    if (!t.startsWith('{') || /"\$schema"\s*:|"runs"\s*:\s*\[/.test(t)) return false;
    if (/"check_id"\s*:/.test(t) && /"extra"\s*:/.test(t)) return true;
    // A report with no results: the keys semgrep always writes.
    return /"results"\s*:\s*\[/.test(t) && /"errors"\s*:\s*\[/.test(t) && /"paths"\s*:\s*\{/.test(t);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const file = ctx.path;
    const findings: Finding[] = [];
    const warnings: string[] = [];
    let version: unknown;
    let sawVersion = false;
    let results = 0;
    let scanned = 0;
    let errors = 0;
    let ignored = 0;
    let dropped = 0;
    const malformed = new Malformed();
    const errorWarnings: string[] = [];

    for await (const m of jsonMatches(source, ctx, PATTERNS)) {
      stopIfCancelled(ctx);
      switch (m.pattern) {
        case P_VERSION:
          sawVersion = true;
          version = m.value;
          break;
        case P_SCANNED:
          scanned++;
          break;
        case P_ERROR:
          errors++;
          if (errorWarnings.length < MAX_ERROR_WARNINGS) errorWarnings.push(`${file}: Semgrep reported ${describeError(m.value)}`);
          break;
        case P_RESULT: {
          if (typeof m.path[1] !== 'number') throw new ReportParseError('"results" is not an array', { file });
          results++;
          const f = toFinding(m.value, `results[${m.path[1]}]`, malformed);
          if (f === 'ignored') ignored++;
          else if (f) {
            if (findings.length < ctx.limits.maxFindings) findings.push(f);
            else dropped++;
          }
          break;
        }
      }
    }

    if (sawVersion) {
      const major = typeof version === 'string' ? /^v?(\d+)\.\d+/.exec(version)?.[1] : undefined;
      if (major !== '0' && major !== '1') {
        throw new ReportParseError(`unsupported Semgrep JSON version ${JSON.stringify(version)} (this reads the output of Semgrep 0.x and 1.x)`, {
          file,
        });
      }
    } else if (results === 0 && errors === 0 && scanned === 0) {
      throw new ReportParseError('not a Semgrep JSON report: no version, results, errors or scanned paths', { file });
    }

    warnings.push(...errorWarnings);
    if (errors > errorWarnings.length) warnings.push(`${file}: Semgrep reported ${errors - errorWarnings.length} more error(s)`);
    if (errors > 0) warnings.push(`${file}: Semgrep reported ${errors} error(s); its results may be incomplete`);
    if (ignored > 0) warnings.push(`${file}: ${ignored} result(s) suppressed with nosemgrep were not counted`);
    malformed.warn(warnings, file, 'result(s)');
    if (dropped > 0) warnings.push(notKeptWarning(file, ctx.limits.maxFindings, dropped));
    const kind: ReportKind = ctx.kind === 'lint' ? 'lint' : 'security';
    return { kind, findings: { findings, tools: [TOOL] }, warnings };
  },
};

function toFinding(r: unknown, at: string, malformed: Malformed): Finding | 'ignored' | undefined {
  if (!isObject(r)) {
    malformed.skip(`${at} is not an object`);
    return undefined;
  }
  const checkId = nonEmpty(r.check_id);
  const path = nonEmpty(r.path);
  const start = isObject(r.start) ? r.start : {};
  const end = isObject(r.end) ? r.end : {};
  const extra = isObject(r.extra) ? r.extra : {};
  const line = positiveInt(start.line);
  if (!checkId || !path || !line) {
    malformed.skip(`${at} has no ${!checkId ? 'check_id' : !path ? 'path' : 'start line'}`);
    return undefined;
  }
  if (extra.is_ignored === true) return 'ignored';
  const metadata = isObject(extra.metadata) ? extra.metadata : {};
  const word = typeof extra.severity === 'string' ? extra.severity.toUpperCase() : '';
  const own = Object.hasOwn(SEMGREP_SEVERITY, word) ? SEMGREP_SEVERITY[word] : undefined;
  const severity = metadataSeverity(metadata['security-severity']) ?? own?.severity;
  if (!severity) {
    malformed.skip(`${at} (${checkId}) has severity ${JSON.stringify(extra.severity)}`);
    return undefined;
  }
  const f: Finding = {
    tool: TOOL,
    ruleId: checkId,
    message: nonEmpty(extra.message)?.trim() ?? checkId,
    level: own?.level ?? levelForSeverity(severity),
    severity,
    path: forwardSlashes(path),
    line,
  };
  const col = positiveInt(start.col);
  if (col) f.column = col;
  const endLine = positiveInt(end.line);
  if (endLine && endLine >= line) {
    f.endLine = endLine;
    const endCol = positiveInt(end.col);
    if (endCol) f.endColumn = endCol;
  }
  const refs = Array.isArray(metadata.references) ? metadata.references : [];
  const help = nonEmpty(metadata.source) ?? nonEmpty(metadata.shortlink) ?? nonEmpty(refs[0]);
  if (help) f.helpUri = help;
  const fp = nonEmpty(extra.fingerprint);
  if (fp && fp !== FINGERPRINT_PLACEHOLDER) f.toolFingerprint = fp;
  const ids = cweIds(metadata.cwe);
  if (ids.length > 0) f.ids = ids;
  return f;
}
