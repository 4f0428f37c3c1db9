/**
 * `npm audit --json`.
 *
 * npm 7 and later (`"auditReportVersion": 2`): `vulnerabilities` is keyed by
 * package name. One Finding is one entry of that map, that is one vulnerable
 * package, which is what npm's own `metadata.vulnerabilities` counts (and the
 * "N vulnerabilities" line it prints). The finding carries:
 * - severity: the entry's `severity` (npm's words info/low/moderate/high/
 *   critical; moderate becomes medium), level from the severity;
 * - ids: the advisories named by the entry's own `via` objects: the GHSA id
 *   from the advisory url (else `npm-<source>`), plus CVE ids when an advisory
 *   names any (32 at most); ruleId is the first of these, or null for a
 *   package that is vulnerable only through its dependencies (`via` holds
 *   only package names);
 * - message: the vulnerable range, the advisory titles, the dependencies it
 *   is vulnerable through (ten of each at most, then how many more), whether
 *   it is a direct dependency (`isDirect`),
 *   and the fix npm proposes;
 * - package: name, `version` = the vulnerable range npm states (npm 7+ does
 *   not report installed versions), `fixedVersion` when `fixAvailable` names
 *   a version of this same package (a fix through another package, such as
 *   updating the parent, is only described in the message), manifest
 *   `package-lock.json`. No path or line.
 * The per-severity counts produced are checked against
 * `metadata.vulnerabilities`; a difference is a warning, and a report whose
 * metadata counts vulnerabilities while no entry could be read is an error.
 *
 * npm 6 (no auditReportVersion; `advisories` keyed by advisory id, `actions`):
 * one Finding per advisory and installed version of its module (`findings[]`),
 * with that version, the GHSA id (`github_advisory_id` or from the url, else
 * `npm-<id>`) and CVEs; npm 6's metadata counts come from the registry and are
 * not per finding, so they are only used to refuse a report that states
 * vulnerabilities but lists no advisory.
 *
 * Any other auditReportVersion is an error, and so is npm's error output
 * (`{"error": {"code": "ENOAUDIT", ...}}`, or the HTTP failure object npm
 * writes when the registry refuses the audit request, e.g. 405).
 * Entries that are not objects or have no known severity are skipped and
 * counted in one warning.
 */
import { ReportParseError } from '../../errors.js';
import type { Finding, Severity } from '../../model/findings.js';
import type { ReportPayload } from '../../model/report.js';
import type { JsonPattern } from '../../json.js';
import type { ByteSource } from '../../stream.js';
import { findingAtSeverity, isObject, jsonMatches, Malformed, nonEmpty, notKeptWarning, stopIfCancelled } from '../common.js';
import type { ParseContext, ReportParser } from '../types.js';

const TOOL = 'npm audit';
const MANIFEST = 'package-lock.json';

const NPM_SEVERITY: Readonly<Record<string, Severity>> = {
  info: 'info',
  low: 'low',
  moderate: 'medium',
  high: 'high',
  critical: 'critical',
};
/** npm's severity words, in the order npm prints them. */
const NPM_WORDS = ['info', 'low', 'moderate', 'high', 'critical'] as const;

const P_VERSION = 0;
const P_VULN = 1;
const P_META = 2;
const P_ADVISORY = 3;
const P_ERROR = 4;
const P_MESSAGE = 5;
const P_STATUS = 6;
/** Keys only npm 6's report has (its `actions` and `advisories` may both be empty). */
const P_LEGACY = 7;
const PATTERNS: readonly JsonPattern[] = [
  ['auditReportVersion'],
  ['vulnerabilities', '*'],
  ['metadata', 'vulnerabilities'],
  ['advisories', '*'],
  ['error'],
  ['message'],
  ['statusCode'],
  ['actions', 0],
  ['muted'],
  ['runId'],
  ['metadata', 'totalDependencies'],
];

const GHSA_RE = /GHSA(?:-[0-9a-z]{4}){3}/i;
const CVE_RE = /CVE-\d{4}-\d{4,}/gi;

function npmSeverity(v: unknown): Severity | undefined {
  return typeof v === 'string' && Object.hasOwn(NPM_SEVERITY, v) ? NPM_SEVERITY[v] : undefined;
}

/** Advisory id from a url (GHSA) or npm's numeric advisory id. */
function advisoryId(url: string | undefined, source: unknown): string | undefined {
  const m = url ? GHSA_RE.exec(url) : null;
  if (m) return `GHSA${m[0].slice(4).toLowerCase()}`;
  if (typeof source === 'number' && Number.isInteger(source)) return `npm-${source}`;
  if (typeof source === 'string' && /^\d+$/.test(source)) return `npm-${source}`;
  return undefined;
}

function cveIds(v: unknown): string[] {
  const out: string[] = [];
  const add = (s: unknown) => {
    if (typeof s !== 'string') return;
    for (const m of s.matchAll(CVE_RE)) out.push(m[0].toUpperCase());
  };
  if (Array.isArray(v)) v.forEach(add);
  else add(v);
  return out;
}

/** Advisory ids kept for one finding; names and titles quoted in one message. */
const MAX_IDS = 32;
const MAX_LISTED = 10;

/** Add `ids` not yet in `list`, up to MAX_IDS (`seen` mirrors `list`, so a long `via` stays linear). */
function pushUnique(list: string[], seen: Set<string>, ids: Iterable<string>): void {
  for (const id of ids) {
    if (list.length >= MAX_IDS) return;
    if (seen.has(id)) continue;
    seen.add(id);
    list.push(id);
  }
}

/** The first MAX_LISTED items joined, and how many more there are. */
function listed(items: readonly string[], sep: string): string {
  const shown = items.slice(0, MAX_LISTED).join(sep);
  return items.length > MAX_LISTED ? `${shown}${sep}and ${items.length - MAX_LISTED} more` : shown;
}

interface Counts {
  [word: string]: number;
}

function emptyCounts(): Counts {
  return { info: 0, low: 0, moderate: 0, high: 0, critical: 0 };
}

function describeCounts(c: Counts): string {
  return NPM_WORDS.map((w) => `${w} ${c[w] ?? 0}`).join(', ');
}

const SEVERITY_WORD: Readonly<Record<Severity, string>> = {
  info: 'info',
  low: 'low',
  medium: 'moderate',
  high: 'high',
  critical: 'critical',
};

/** The error npm wrote instead of a report, as one line. */
function npmFailure(error: unknown, message: unknown, statusCode: unknown): string {
  const e = isObject(error) ? error : {};
  const code = nonEmpty(e.code) ?? (typeof statusCode === 'number' ? `HTTP ${statusCode}` : undefined);
  const summary = nonEmpty(e.summary)?.trim() ?? nonEmpty(message)?.trim() ?? nonEmpty(e.detail)?.trim() ?? (typeof error === 'string' ? error : undefined);
  return `npm audit did not produce a report${code ? ` (${code})` : ''}: ${summary ?? 'no reason given'}`;
}

function fixText(fix: unknown, name: string): { text: string; fixedVersion?: string } {
  if (fix === true) return { text: 'fix available via `npm audit fix`' };
  if (fix === false) return { text: 'no fix available' };
  if (isObject(fix)) {
    const fname = nonEmpty(fix.name);
    const fversion = nonEmpty(fix.version);
    if (fname && fversion) {
      const major = fix.isSemVerMajor === true ? ' (semver-major)' : '';
      if (fname === name) return { text: `fix: update to ${fversion}${major}`, fixedVersion: fversion };
      return { text: `fix: update ${fname} to ${fversion}${major}` };
    }
  }
  return { text: '' };
}

export const npmAuditParser: ReportParser = {
  format: 'npm-audit',
  kinds: ['security'],
  description: 'npm audit --json (npm 7+ auditReportVersion 2, and npm 6)',

  sniff(head) {
    const t = head.trimStart();
    if (!t.startsWith('{')) return false;
    if (/"auditReportVersion"\s*:/.test(t)) return true;
    // npm 6: `actions` first, then `advisories` keyed by numeric id.
    if (/^\{\s*"actions"\s*:\s*\[/.test(t) && /"(?:advisories|resolves)"\s*:/.test(t)) return true;
    if (/"advisories"\s*:\s*\{\s*"\d+"\s*:\s*\{/.test(t) && /"module_name"\s*:/.test(t)) return true;
    // npm's own error output for a failed audit.
    if (/^\{\s*"error"\s*:\s*\{\s*"code"\s*:\s*"E[A-Z0-9_]+"/.test(t) && /"summary"\s*:/.test(t)) return true;
    return /"message"\s*:\s*"[^"]*\/-\/npm\/v1\/security\//.test(t) && /"error"\s*:\s*\{/.test(t);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const file = ctx.path;
    const findings: Finding[] = [];
    const produced = emptyCounts();
    let produceTotal = 0;
    let dropped = 0;
    const malformed = new Malformed();
    let version: unknown;
    let sawVersion = false;
    let metadata: unknown;
    let error: unknown;
    let sawError = false;
    let message: unknown;
    let statusCode: unknown;
    let sawLegacy = false;
    let v2Entries = 0;
    let v1Advisories = 0;
    const v1: Finding[] = [];

    const add = (f: Finding, list: Finding[]) => {
      produced[SEVERITY_WORD[f.severity]]!++;
      produceTotal++;
      if (findings.length + v1.length < ctx.limits.maxFindings) list.push(f);
      else dropped++;
    };

    for await (const m of jsonMatches(source, ctx, PATTERNS)) {
      stopIfCancelled(ctx);
      switch (m.pattern) {
        case P_VERSION:
          sawVersion = true;
          version = m.value;
          break;
        case P_META:
          metadata = m.value;
          break;
        case P_ERROR:
          sawError = true;
          error = m.value;
          break;
        case P_MESSAGE:
          message = m.value;
          break;
        case P_STATUS:
          statusCode = m.value;
          break;
        default:
          // P_LEGACY and the patterns after it.
          if (m.pattern >= P_LEGACY) sawLegacy = true;
          break;
        case P_VULN: {
          const key = m.path[1];
          if (typeof key !== 'string') throw new ReportParseError('"vulnerabilities" is an array, not an object keyed by package name', { file });
          v2Entries++;
          const f = v2Finding(key, m.value, malformed);
          if (f) add(f, findings);
          break;
        }
        case P_ADVISORY: {
          v1Advisories++;
          for (const f of v1Findings(String(m.path[1]), m.value, malformed)) add(f, v1);
          break;
        }
      }
    }

    if (sawError && !sawVersion) throw new ReportParseError(npmFailure(error, message, statusCode), { file });
    if (!sawVersion && statusCode !== undefined && typeof message === 'string') {
      throw new ReportParseError(npmFailure(undefined, message, statusCode), { file });
    }

    const warnings: string[] = [];
    if (sawVersion) {
      if (version !== 2) {
        throw new ReportParseError(
          `unsupported npm audit auditReportVersion ${JSON.stringify(version)} (this reads version 2, written by npm 7 and later, and npm 6's report without a version)`,
          { file },
        );
      }
      if (!isObject(metadata)) {
        throw new ReportParseError('npm audit report (auditReportVersion 2) has no metadata.vulnerabilities counts', { file });
      }
      const stated = emptyCounts();
      let statedTotal = 0;
      for (const w of NPM_WORDS) {
        const n = metadata[w];
        if (n === undefined) continue;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
          throw new ReportParseError(`metadata.vulnerabilities.${w} is ${JSON.stringify(n)}, not a count`, { file });
        }
        stated[w] = n;
        statedTotal += n;
      }
      if (typeof metadata.total === 'number') statedTotal = metadata.total;
      if (produceTotal === 0 && statedTotal > 0) {
        throw new ReportParseError(
          `metadata counts ${statedTotal} vulnerable package(s) (${describeCounts(stated)}) but ${v2Entries === 0 ? 'the report lists none' : 'none of its entries could be read'}`,
          { file },
        );
      }
      if (produceTotal !== statedTotal || NPM_WORDS.some((w) => produced[w] !== stated[w])) {
        warnings.push(
          `${file}: metadata.vulnerabilities says ${describeCounts(stated)}, total ${statedTotal}; the entries read give ${describeCounts(produced)}, total ${produceTotal}`,
        );
      }
    } else if (v2Entries > 0) {
      throw new ReportParseError('npm audit report has "vulnerabilities" but no auditReportVersion', { file });
    } else if (v1Advisories > 0 || sawLegacy || isObject(metadata)) {
      // npm 6.
      if (produceTotal === 0 && isObject(metadata)) {
        let stated = 0;
        for (const w of NPM_WORDS) if (typeof metadata[w] === 'number') stated += metadata[w] as number;
        if (stated > 0) {
          throw new ReportParseError(
            `npm 6 audit report: metadata counts ${stated} vulnerabilities but ${v1Advisories === 0 ? 'no advisory is listed' : 'none of its advisories could be read'}`,
            { file },
          );
        }
      }
      if (v1Advisories === 0 && !sawLegacy) {
        throw new ReportParseError('not an npm audit report: no auditReportVersion, advisories, actions or runId', { file });
      }
      findings.push(...v1);
    } else {
      throw new ReportParseError('not an npm audit report: no auditReportVersion, vulnerabilities or advisories', { file });
    }

    malformed.warn(warnings, file, ['entry', 'entries']);
    if (dropped > 0) warnings.push(notKeptWarning(file, ctx.limits.maxFindings, dropped));
    return { kind: 'security', findings: { findings, tools: [TOOL] }, warnings };
  },
};

/** One vulnerable package of an auditReportVersion 2 report. */
function v2Finding(key: string, entry: unknown, malformed: Malformed): Finding | undefined {
  if (!isObject(entry)) {
    malformed.skip(`vulnerabilities["${key}"] is not an object`);
    return undefined;
  }
  const severity = npmSeverity(entry.severity);
  if (!severity) {
    malformed.skip(`vulnerabilities["${key}"] has severity ${JSON.stringify(entry.severity)}`);
    return undefined;
  }
  const name = nonEmpty(entry.name) ?? key;
  const ids: string[] = [];
  const seenIds = new Set<string>();
  const titles: string[] = [];
  const through = new Set<string>();
  let helpUri: string | undefined;
  const via = Array.isArray(entry.via) ? entry.via : [];
  for (const v of via) {
    if (typeof v === 'string') {
      through.add(v);
      continue;
    }
    if (!isObject(v)) continue;
    const url = nonEmpty(v.url);
    const id = advisoryId(url, v.source ?? v.id);
    if (id) pushUnique(ids, seenIds, [id]);
    pushUnique(ids, seenIds, [...cveIds(v.cve), ...cveIds(v.cves)]);
    const title = nonEmpty(v.title);
    if (title) titles.push(title);
    helpUri ??= url;
  }
  const range = nonEmpty(entry.range);
  const fix = fixText(entry.fixAvailable, name);
  const parts: string[] = [];
  if (titles.length > 0) parts.push(listed(titles, '; '));
  if (through.size > 0) parts.push(`${titles.length > 0 ? 'also vulnerable' : 'vulnerable'} through ${listed([...through], ', ')}`);
  if (parts.length === 0) parts.push('vulnerable');
  let message = `${name}${range ? ` ${range}` : ''}: ${parts.join('; ')}`;
  const notes: string[] = [];
  if (entry.isDirect === true) notes.push('direct dependency');
  if (fix.text) notes.push(fix.text);
  if (notes.length > 0) message += ` (${notes.join('; ')})`;
  return packageFinding(name, severity, message, ids, { version: range, fixedVersion: fix.fixedVersion, helpUri });
}

/** npm 6: one finding per installed version of the advisory's module. */
function v1Findings(key: string, adv: unknown, malformed: Malformed): Finding[] {
  if (!isObject(adv)) {
    malformed.skip(`advisories["${key}"] is not an object`);
    return [];
  }
  const severity = npmSeverity(adv.severity);
  const name = nonEmpty(adv.module_name);
  if (!severity || !name) {
    malformed.skip(`advisories["${key}"] has ${!name ? 'no module_name' : `severity ${JSON.stringify(adv.severity)}`}`);
    return [];
  }
  const url = nonEmpty(adv.url);
  const ids: string[] = [];
  const ghsa = nonEmpty(adv.github_advisory_id);
  const id = ghsa && GHSA_RE.test(ghsa) ? advisoryId(ghsa, undefined) : advisoryId(url, adv.id ?? key);
  if (id) ids.push(id);
  pushUnique(ids, new Set(ids), cveIds(adv.cves));
  const title = nonEmpty(adv.title) ?? 'vulnerability';
  const patched = nonEmpty(adv.patched_versions);
  const versions = new Map<string, number>();
  if (Array.isArray(adv.findings)) {
    for (const fnd of adv.findings) {
      if (!isObject(fnd)) continue;
      const v = nonEmpty(fnd.version) ?? '';
      versions.set(v, (versions.get(v) ?? 0) + (Array.isArray(fnd.paths) ? fnd.paths.length : 0));
    }
  }
  if (versions.size === 0) versions.set('', 0);
  const out: Finding[] = [];
  for (const [version, paths] of versions) {
    let message = `${name}${version ? ` ${version}` : ''}: ${title}`;
    const notes: string[] = [];
    if (paths > 0) notes.push(`${paths} path${paths === 1 ? '' : 's'}`);
    if (patched) notes.push(`patched: ${patched}`);
    if (notes.length > 0) message += ` (${notes.join(', ')})`;
    out.push(packageFinding(name, severity, message, [...ids], { version, helpUri: url }));
  }
  return out;
}

/** A finding about one package of the lockfile: ruleId the first id, no path or line. */
function packageFinding(name: string, severity: Severity, message: string, ids: string[], more: { version?: string; fixedVersion?: string; helpUri?: string }): Finding {
  const f = findingAtSeverity(TOOL, ids[0] ?? null, message, severity);
  f.package = { name, manifest: MANIFEST };
  if (more.version) f.package.version = more.version;
  if (more.fixedVersion) f.package.fixedVersion = more.fixedVersion;
  if (more.helpUri) f.helpUri = more.helpUri;
  if (ids.length > 0) f.ids = ids;
  return f;
}
