/**
 * Trivy JSON (`trivy image|fs|repo|config ... --format json`), SchemaVersion 2.
 *
 * Each entry of `Results[]` is one target (an image's OS packages, a lockfile,
 * a jar, a Dockerfile, a Terraform file, ...). Findings:
 * - `Vulnerabilities[]`: one Finding each (the same CVE in two targets or two
 *   packages counts twice, as Trivy prints it). ruleId = VulnerabilityID,
 *   ids = VulnerabilityID plus VendorIDs (32 in all at most), package
 *   {PkgName, InstalledVersion, FixedVersion}; for language-package targets whose Type is a lockfile or
 *   manifest format (npm, yarn, pnpm, pip, poetry, gomod, cargo, ...) the
 *   target is also the package's manifest. No line.
 * - `Misconfigurations[]` with Status FAIL (PASS and EXCEPTION entries, which
 *   `--include-non-failures` adds, are not findings): ruleId = ID (else
 *   AVDID), ids = ID and AVDID, line range from CauseMetadata.StartLine/EndLine.
 *   A result's MisconfSummary.Failures differing from the FAIL entries read is
 *   a warning.
 * - `Secrets[]`: ruleId = RuleID, line range StartLine/EndLine; the matched
 *   text is not copied into the message.
 * Severity is Trivy's `Severity` word (UNKNOWN is info); a missing or unknown
 * word falls back to the highest CVSS V3Score listed (NVD first). Level
 * follows the severity. path = Target for every finding.
 * `Licenses[]` are not security findings and are not read.
 * A report with no `Results` (Trivy omits it when a scan found no target) has
 * no findings. SchemaVersion other than 2, and the old top-level array format
 * (Trivy before 0.20), are errors. Entries without an id or a usable severity
 * are skipped and counted in one warning.
 */
import { ReportParseError } from '../../errors.js';
import { parseSeverityWord, severityForScore, type Finding, type Severity } from '../../model/findings.js';
import type { ReportPayload } from '../../model/report.js';
import type { JsonPattern } from '../../json.js';
import type { ByteSource } from '../../stream.js';
import {
  findingAtSeverity,
  forwardSlashes,
  isObject,
  jsonMatches,
  Malformed,
  nonEmpty,
  notKeptWarning,
  positiveInt,
  stopIfCancelled,
  type Obj,
} from '../common.js';
import type { ParseContext, ReportParser } from '../types.js';

const TOOL = 'Trivy';
/** Ids kept for one finding (the vulnerability's own, then its vendors'). */
const MAX_IDS = 32;

/** Trivy `Type`s whose target is a lockfile or manifest a developer edits. */
const MANIFEST_TYPES = new Set([
  'npm',
  'yarn',
  'pnpm',
  'bun',
  'pip',
  'pipenv',
  'poetry',
  'uv',
  'conda-environment',
  'gomod',
  'cargo',
  'composer',
  'bundler',
  'gemspec',
  'nuget',
  'dotnet-core',
  'packages-props',
  'pom',
  'gradle',
  'sbt',
  'conan',
  'mix',
  'pub',
  'swift',
  'cocoapods',
]);

const P_SCHEMA = 0;
const P_ARTIFACT = 1;
const P_TARGET = 2;
const P_CLASS = 3;
const P_TYPE = 4;
const P_VULN = 5;
const P_MISCONF = 6;
const P_SECRET = 7;
const P_SUMMARY = 8;
const P_LEGACY = 9;
const P_ARTIFACT_TYPE = 10;
const PATTERNS: readonly JsonPattern[] = [
  ['SchemaVersion'],
  ['ArtifactName'],
  ['Results', '*', 'Target'],
  ['Results', '*', 'Class'],
  ['Results', '*', 'Type'],
  ['Results', '*', 'Vulnerabilities', '*'],
  ['Results', '*', 'Misconfigurations', '*'],
  ['Results', '*', 'Secrets', '*'],
  ['Results', '*', 'MisconfSummary'],
  [0, 'Target'],
  ['ArtifactType'],
];

interface ResultInfo {
  target?: string;
  class?: string;
  type?: string;
  failures?: number;
  failed: number;
  /** Findings of this result (indexes into the kept list), completed once the result's Target is known. */
  kept: number[];
}

/** Highest V3 score in Trivy's CVSS map, NVD's first when it has one. */
function cvssSeverity(cvss: unknown): Severity | undefined {
  if (!isObject(cvss)) return undefined;
  const nvd = cvss.nvd;
  if (isObject(nvd) && typeof nvd.V3Score === 'number') return severityForScore(nvd.V3Score);
  let best: number | undefined;
  for (const v of Object.values(cvss)) {
    if (isObject(v) && typeof v.V3Score === 'number' && (best === undefined || v.V3Score > best)) best = v.V3Score;
  }
  return best === undefined ? undefined : severityForScore(best);
}

function severityOf(entry: Obj): Severity | undefined {
  return parseSeverityWord(typeof entry.Severity === 'string' ? entry.Severity : undefined) ?? cvssSeverity(entry.CVSS);
}

/** A line range as Trivy gives it: the start line, and the end line unless it comes before the start. */
function setLines(f: Finding, start: unknown, end: unknown): void {
  const first = positiveInt(start);
  if (!first) return;
  f.line = first;
  const last = positiveInt(end);
  if (last && last >= first) f.endLine = last;
}

export const trivyParser: ReportParser = {
  format: 'trivy-json',
  kinds: ['security'],
  description: 'Trivy JSON (SchemaVersion 2): vulnerabilities, misconfigurations, secrets',

  sniff(head) {
    const t = head.trimStart();
    if (t.startsWith('{')) {
      return /"SchemaVersion"\s*:/.test(t) && /"(?:ArtifactName|ArtifactType|Results)"\s*:/.test(t);
    }
    // Trivy before 0.20 wrote a bare array of results; recognised so that it is refused clearly.
    return /^\[\s*\{\s*"Target"\s*:/.test(t) && /"(?:Vulnerabilities|Type)"\s*:/.test(t);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const file = ctx.path;
    const findings: Finding[] = [];
    const results = new Map<number, ResultInfo>();
    let schema: unknown;
    let sawSchema = false;
    let sawArtifact = false;
    let dropped = 0;
    const malformed = new Malformed();

    const resultAt = (i: number): ResultInfo => {
      let r = results.get(i);
      if (!r) {
        r = { failed: 0, kept: [] };
        results.set(i, r);
      }
      return r;
    };
    const keep = (r: ResultInfo, f: Finding) => {
      if (findings.length >= ctx.limits.maxFindings) {
        dropped++;
        return;
      }
      r.kept.push(findings.length);
      findings.push(f);
    };
    /** The entry's finding at its severity; undefined, and counted as malformed, when it has no usable severity. */
    const rated = (v: Obj, at: string, id: string, message: string): Finding | undefined => {
      const severity = severityOf(v);
      if (severity) return findingAtSeverity(TOOL, id, message, severity);
      malformed.skip(`${at} (${id}) has severity ${JSON.stringify(v.Severity)}`);
      return undefined;
    };

    for await (const m of jsonMatches(source, ctx, PATTERNS)) {
      stopIfCancelled(ctx);
      if (m.pattern === P_SCHEMA) {
        sawSchema = true;
        schema = m.value;
        continue;
      }
      if (m.pattern === P_ARTIFACT || m.pattern === P_ARTIFACT_TYPE) {
        sawArtifact = true;
        continue;
      }
      if (m.pattern === P_LEGACY) {
        throw new ReportParseError(
          'Trivy JSON without SchemaVersion (a bare array of results, written by Trivy before 0.20) is not supported; rerun with a current Trivy',
          { file },
        );
      }
      const idx = m.path[1];
      if (typeof idx !== 'number') throw new ReportParseError('"Results" is not an array', { file });
      const r = resultAt(idx);
      const where = `Results[${idx}]`;
      switch (m.pattern) {
        case P_TARGET:
          r.target = nonEmpty(m.value);
          break;
        case P_CLASS:
          r.class = nonEmpty(m.value);
          break;
        case P_TYPE:
          r.type = nonEmpty(m.value);
          break;
        case P_SUMMARY:
          if (isObject(m.value) && typeof m.value.Failures === 'number') r.failures = m.value.Failures;
          break;
        case P_VULN: {
          const v = m.value;
          const at = `${where}.Vulnerabilities[${String(m.path[3])}]`;
          if (!isObject(v) || !nonEmpty(v.VulnerabilityID) || !nonEmpty(v.PkgName)) {
            malformed.skip(`${at} has no VulnerabilityID or PkgName`);
            break;
          }
          const id = v.VulnerabilityID as string;
          const pkg = v.PkgName as string;
          const installed = nonEmpty(v.InstalledVersion);
          const fixed = nonEmpty(v.FixedVersion);
          const title = nonEmpty(v.Title);
          const f = rated(v, at, id, `${pkg}${installed ? ` ${installed}` : ''}: ${title ?? id}${fixed ? ` (fixed in ${fixed})` : ' (no fixed version)'}`);
          if (!f) break;
          const ids = [id];
          if (Array.isArray(v.VendorIDs)) {
            const seen = new Set(ids);
            for (const x of v.VendorIDs) {
              if (ids.length >= MAX_IDS) break;
              if (typeof x === 'string' && x && !seen.has(x)) {
                seen.add(x);
                ids.push(x);
              }
            }
          }
          f.ids = ids;
          f.package = { name: pkg };
          if (installed) f.package.version = installed;
          if (fixed) f.package.fixedVersion = fixed;
          const url = nonEmpty(v.PrimaryURL);
          if (url) f.helpUri = url;
          keep(r, f);
          break;
        }
        case P_MISCONF: {
          const v = m.value;
          const at = `${where}.Misconfigurations[${String(m.path[3])}]`;
          if (!isObject(v)) {
            malformed.skip(`${at} is not an object`);
            break;
          }
          const status = v.Status;
          if (status === 'PASS' || status === 'EXCEPTION') break;
          const id = nonEmpty(v.ID) ?? nonEmpty(v.AVDID);
          if (status !== 'FAIL' || !id) {
            malformed.skip(`${at} has ${!id ? 'no ID or AVDID' : `Status ${JSON.stringify(status)}`}`);
            break;
          }
          r.failed++;
          const title = nonEmpty(v.Title);
          const msg = nonEmpty(v.Message);
          const f = rated(v, at, id, msg && title && msg !== title ? `${title}: ${msg}` : (msg ?? title ?? id));
          if (!f) break;
          const ids = [id];
          const avd = nonEmpty(v.AVDID);
          if (avd && avd !== id) ids.push(avd);
          f.ids = ids;
          const cause = isObject(v.CauseMetadata) ? v.CauseMetadata : {};
          setLines(f, cause.StartLine, cause.EndLine);
          const url = nonEmpty(v.PrimaryURL);
          if (url) f.helpUri = url;
          keep(r, f);
          break;
        }
        case P_SECRET: {
          const v = m.value;
          const at = `${where}.Secrets[${String(m.path[3])}]`;
          if (!isObject(v) || !nonEmpty(v.RuleID)) {
            malformed.skip(`${at} has no RuleID`);
            break;
          }
          const id = v.RuleID as string;
          const f = rated(v, at, id, `Secret: ${nonEmpty(v.Title) ?? id}`);
          if (!f) break;
          setLines(f, v.StartLine, v.EndLine);
          keep(r, f);
          break;
        }
      }
    }

    if (!sawSchema) {
      throw new ReportParseError('not a Trivy JSON report: no SchemaVersion (this reads `--format json` output of Trivy 0.20 and later)', { file });
    }
    if (schema !== 2) {
      throw new ReportParseError(`unsupported Trivy JSON SchemaVersion ${JSON.stringify(schema)} (this reads SchemaVersion 2)`, { file });
    }
    if (!sawArtifact && results.size === 0) {
      throw new ReportParseError('not a Trivy JSON report: SchemaVersion 2 but no ArtifactName, ArtifactType or Results', { file });
    }

    const warnings: string[] = [];
    for (const [idx, r] of [...results].sort((a, b) => a[0] - b[0])) {
      if (r.kept.length > 0 && !r.target) throw new ReportParseError(`Results[${idx}] has findings but no Target`, { file });
      const manifest = r.class === 'lang-pkgs' && r.type !== undefined && MANIFEST_TYPES.has(r.type) ? r.target : undefined;
      for (const i of r.kept) {
        const f = findings[i]!;
        f.path = forwardSlashes(r.target!);
        if (manifest && f.package) f.package.manifest = f.path;
      }
      if (r.failures !== undefined && r.failures !== r.failed) {
        warnings.push(`${file}: ${r.target ?? `Results[${idx}]`}: MisconfSummary says ${r.failures} failure(s) but ${r.failed} failed check(s) are listed`);
      }
    }
    malformed.warn(warnings, file, ['entry', 'entries']);
    if (dropped > 0) warnings.push(notKeptWarning(file, ctx.limits.maxFindings, dropped));
    return { kind: 'security', findings: { findings, tools: [TOOL] }, warnings };
  },
};
