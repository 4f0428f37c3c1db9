/**
 * SARIF 2.1.0 logs (CodeQL, Trivy, Semgrep, ESLint's SARIF formatter, ...).
 * Only version "2.1.0" is read: SARIF 1.0 or a log without a version is an
 * error naming what was found.
 *
 * Reading: the log is walked with selectJson, one piece at a time: each run's
 * `tool` (compacted at once to the rule facts used below), each result, the
 * run's `originalUriBaseIds`, its `artifacts[].location` and the invocations'
 * notifications. A run is never materialised whole. Results that come before
 * their run's `tool` are kept in a compact form until the tool arrives
 * (bounded by `maxFindings`); paths are resolved when the run ends, so
 * `originalUriBaseIds` and `artifacts` may come anywhere in the run.
 *
 * Counting: one finding per result, in document order, over at most
 * `maxRuns` runs and `maxFindings` findings (the rest are counted, and a
 * warning gives the total). Skipped and counted in warnings: results whose
 * level is "none" (also the default when `kind` is not "fail"), suppressed
 * results (a suppression with no status or status "accepted"), results whose
 * `baselineState` is "absent", and malformed results (an unknown level, not
 * an object, no message at all).
 *
 * Level: `result.level`, else the rule's `defaultConfiguration.level` (rule
 * found by `rule.toolComponent` + index in `tool.extensions`, by `ruleIndex`
 * in `tool.driver.rules`, or by id in the driver and then the extensions; a
 * hierarchical id such as "CA2101/1" by its leading parts, 16 levels at most),
 * else "warning" (the SARIF default).
 * Severity: the result's, else the rule's `properties["security-severity"]`
 * score (string or number) mapped as GitHub code scanning does; a missing or
 * unusable score falls back to the level (error high, warning medium, note
 * low). Unusable scores are counted in a warning.
 * Location: `locations[0].physicalLocation`: the artifact URI (or the URI of
 * `run.artifacts[index]`), resolved through `run.originalUriBaseIds` when the
 * base id is defined there and otherwise kept relative (the base id itself is
 * never part of the path); `file://` is stripped and the rest is
 * percent-decoded. A path that would be longer than 4,096 characters is not a
 * file: the finding is kept without a location, and counted in a warning.
 * Region lines and columns are kept as written; a result with no locations is
 * project-level, one without a region is file-level, and an invalid region
 * (line 0, text) is dropped and counted.
 * Advisory ids (CVE, GHSA) come from the rule's and the result's ids, names
 * and properties; at most 32 a finding.
 * Kind (when the caller does not say): "security" when a rule has a
 * security-severity or a "security" tag, a result has a security-severity,
 * or the tool is a known security scanner; otherwise "lint".
 * Tool notifications at level "error" and `executionSuccessful: false` are
 * reported as warnings (ESLint's formatter puts parse errors there), not as
 * findings.
 * Message: `message.text` (or markdown) with its `arguments` filled in, else
 * the rule's or the tool's `messageStrings` template for `message.id`, else
 * the rule's description. A message made by filling in arguments is cut at
 * 4,000 characters (a template is read up to 16,000), counted in a warning:
 * a log is never worth more memory than its size.
 */
import { ReportParseError } from '../errors.js';
import type { JsonPattern } from '../json.js';
import { severityForLevel, severityForScore, type Finding, type Level } from '../model/findings.js';
import type { ReportPayload } from '../model/report.js';
import type { ByteSource } from '../stream.js';
import { cappedWarning, forwardSlashes, isObject, jsonMatches, Malformed, nonEmpty, nonNegativeInt, positionOf, prop, type Obj, type Position } from './common.js';
import type { ParseContext, ReportParser } from './types.js';

type SarifLevel = Level | 'none';

const SARIF_LEVELS: ReadonlySet<string> = new Set(['error', 'warning', 'note', 'none']);

/** Tools whose findings are security findings whatever their rules say. */
const SECURITY_TOOLS =
  /\b(?:codeql|trivy|semgrep|gitleaks|snyk|grype|checkov|tfsec|bandit|gosec|eslint-plugin-security|kics|trufflehog|osv-scanner|dependency-check|brakeman|njsscan|nodejsscan|devskim|terrascan|kubesec|anchore|flawfinder|horusec|mobsf|find-sec-bugs|security code scan|dockle|owasp zap|nuclei)\b/i;

const ADVISORY_RE = /\b(?:CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3})\b/gi;
/**
 * Advisory ids kept for one rule and for one finding. A rule tagged with
 * 50,000 CVE ids and referenced by every result would otherwise copy them all
 * into each finding (gigabytes from a 1 MB log).
 */
const MAX_IDS = 32;

const PATTERNS: readonly JsonPattern[] = [
  ['version'],
  ['runs', '*', 'tool'],
  ['runs', '*', 'results', '*'],
  ['runs', '*', 'originalUriBaseIds'],
  ['runs', '*', 'artifacts', '*', 'location'],
  ['runs', '*', 'invocations', '*', 'toolExecutionNotifications', '*'],
  ['runs', '*', 'invocations', '*', 'toolConfigurationNotifications', '*'],
  ['runs', '*', 'invocations', '*', 'executionSuccessful'],
];
const P_VERSION = 0;
const P_TOOL = 1;
const P_RESULT = 2;
const P_BASES = 3;
const P_ARTIFACT = 4;
const P_EXEC_NOTE = 5;
const P_CONF_NOTE = 6;
const P_SUCCESS = 7;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A `security-severity` value: a number or a numeric string. NaN when present but unusable. */
function score(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

function addAdvisoryIds(out: Set<string>, text: unknown): void {
  if (typeof text !== 'string') return;
  for (const m of text.matchAll(ADVISORY_RE)) {
    const id = m[0];
    out.add(id.slice(0, 4).toUpperCase() === 'GHSA' ? `GHSA${id.slice(4).toLowerCase()}` : id.toUpperCase());
  }
}

/** Advisory ids in the string (and string-array) values of a `properties` bag, tags included. */
function addPropertyIds(out: Set<string>, properties: unknown): void {
  if (!isObject(properties)) return;
  for (const [key, v] of Object.entries(properties)) {
    if (key === 'security-severity') continue;
    if (typeof v === 'string') addAdvisoryIds(out, v);
    else if (Array.isArray(v)) for (const item of v) addAdvisoryIds(out, item);
  }
}

function hasSecurityTag(properties: unknown): boolean {
  const tags = prop(properties, 'tags');
  return Array.isArray(tags) && tags.some((t) => typeof t === 'string' && t.toLowerCase() === 'security');
}

interface RuleInfo {
  id: string | undefined;
  level: SarifLevel | undefined;
  score: number | undefined;
  helpUri: string | undefined;
  security: boolean;
  ids: string[];
  messageStrings: Map<string, string> | undefined;
  description: string | undefined;
}

interface ToolInfo {
  name: string;
  driverRules: RuleInfo[];
  extensionRules: RuleInfo[][];
  /** Per extension, its rules by id (the first of an id), made when first needed. */
  extensionById: (Map<string, RuleInfo> | undefined)[];
  byId: Map<string, RuleInfo>;
  globalMessageStrings: Map<string, string> | undefined;
  security: boolean;
}

function messageStrings(v: unknown): Map<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out = new Map<string, string>();
  for (const [key, m] of Object.entries(v)) {
    const text = str(prop(m, 'text')) ?? str(prop(m, 'markdown'));
    if (text !== undefined) out.set(key, text);
  }
  return out.size > 0 ? out : undefined;
}

function ruleInfo(r: unknown): RuleInfo {
  const properties = prop(r, 'properties');
  const level = str(prop(prop(r, 'defaultConfiguration'), 'level'));
  const id = nonEmpty(prop(r, 'id'));
  const s = score(prop(properties, 'security-severity'));
  const ids = new Set<string>();
  addAdvisoryIds(ids, id);
  addAdvisoryIds(ids, prop(r, 'name'));
  addPropertyIds(ids, properties);
  return {
    id,
    level: level !== undefined && SARIF_LEVELS.has(level) ? (level as SarifLevel) : undefined,
    score: s,
    helpUri: nonEmpty(prop(r, 'helpUri')),
    security: s !== undefined || hasSecurityTag(properties),
    ids: [...ids].slice(0, MAX_IDS),
    messageStrings: messageStrings(prop(r, 'messageStrings')),
    description: nonEmpty(prop(prop(r, 'shortDescription'), 'text')) ?? nonEmpty(prop(prop(r, 'fullDescription'), 'text')),
  };
}

/** Compact a run's `tool`; throws a problem string when it is not SARIF 2.1.0's shape. */
function toolInfo(tool: unknown, where: string): ToolInfo | string {
  const driver = prop(tool, 'driver');
  if (!isObject(driver)) return `${where}.tool has no driver object (SARIF 2.1.0 requires tool.driver)`;
  const name = nonEmpty(prop(driver, 'name'));
  if (!name) return `${where}.tool.driver has no name (required by SARIF 2.1.0)`;
  const components: { rules: unknown; where: string }[] = [{ rules: prop(driver, 'rules'), where: `${where}.tool.driver.rules` }];
  const extensions = prop(tool, 'extensions');
  if (extensions !== undefined && !Array.isArray(extensions)) return `${where}.tool.extensions is not an array`;
  const extList = (extensions as unknown[] | undefined) ?? [];
  extList.forEach((e, i) => components.push({ rules: prop(e, 'rules'), where: `${where}.tool.extensions[${i}].rules` }));
  const lists: RuleInfo[][] = [];
  for (const c of components) {
    if (c.rules !== undefined && !Array.isArray(c.rules)) return `${c.where} is not an array`;
    lists.push(((c.rules as unknown[] | undefined) ?? []).map(ruleInfo));
  }
  const [driverRules, ...extensionRules] = lists as [RuleInfo[], ...RuleInfo[][]];
  const byId = new Map<string, RuleInfo>();
  for (const list of lists) for (const r of list) if (r.id !== undefined && !byId.has(r.id)) byId.set(r.id, r);
  const all = lists.flat();
  const extNames = extList.map((e) => str(prop(e, 'name')) ?? '').join(' ');
  const fullName = str(prop(driver, 'fullName')) ?? '';
  // ESLint is a linter, but a run whose rules all come from eslint-plugin-security is a security scan.
  const eslintSecurity = /^eslint$/i.test(name) && all.length > 0 && all.every((r) => r.id?.startsWith('security/') ?? false);
  return {
    name,
    driverRules,
    extensionRules,
    extensionById: [],
    byId,
    globalMessageStrings: messageStrings(prop(driver, 'globalMessageStrings')),
    security: SECURITY_TOOLS.test(`${name} ${fullName} ${extNames}`) || eslintSecurity || all.some((r) => r.security),
  };
}

/** A hierarchical rule id is shortened this many times at most, and only when it is this short. */
const MAX_RULE_LEVELS = 16;
const MAX_RULE_ID = 1024;

interface RuleRef {
  id: string | undefined;
  index: number | undefined;
  component: number | undefined;
}

function findRule(tool: ToolInfo, ref: RuleRef): RuleInfo | undefined {
  if (ref.component !== undefined) {
    const list = tool.extensionRules[ref.component];
    if (list) {
      if (ref.index !== undefined && list[ref.index]) return list[ref.index];
      if (ref.id !== undefined) {
        let byId = tool.extensionById[ref.component];
        if (!byId) {
          byId = new Map();
          for (const x of list) if (x.id !== undefined && !byId.has(x.id)) byId.set(x.id, x);
          tool.extensionById[ref.component] = byId;
        }
        const r = byId.get(ref.id);
        if (r) return r;
      }
    }
  } else if (ref.index !== undefined && tool.driverRules[ref.index]) {
    const r = tool.driverRules[ref.index]!;
    if (ref.id === undefined || r.id === undefined || r.id === ref.id) return r;
  }
  if (ref.id === undefined) return undefined;
  // Hierarchical rule ids ("CA2101/1") name a rule by their leading parts (a few levels of a short id).
  let id = ref.id;
  for (let level = 0; ; level++) {
    const r = tool.byId.get(id);
    if (r) return r;
    const slash = id.lastIndexOf('/');
    if (slash <= 0 || level >= MAX_RULE_LEVELS || id.length > MAX_RULE_ID) return undefined;
    id = id.slice(0, slash);
  }
}

interface LocRef {
  uri: string | undefined;
  baseId: string | undefined;
  artifact: number | undefined;
}

/** A result with what it says itself; rule facts are added when the run's tool is known. */
interface ResultCore {
  ref: RuleRef;
  level: SarifLevel | undefined;
  text: string | undefined;
  messageId: string | undefined;
  args: string[] | undefined;
  loc: LocRef | undefined;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  fingerprint: string | undefined;
  score: number | undefined;
  ids: string[];
  /** The message was cut to MAX_MESSAGE characters when its arguments were filled in. */
  cut: boolean;
}

type Extracted = { core: ResultCore; badRegion: boolean } | { skip: 'suppressed' | 'absent' | 'none' } | { malformed: string };

/**
 * Longest message made by filling in arguments, and the part of a template
 * read: one template of `{0}{0}{0}...` shared by thousands of results, each
 * with a long argument, would otherwise turn a 1 MB log into gigabytes.
 */
const MAX_MESSAGE = 4000;
const MAX_TEMPLATE = 16000;

/**
 * Replace `{0}` placeholders with arguments and unescape `{{`/`}}` (SARIF
 * 3.11.5), stopping at MAX_MESSAGE characters (`cut` says so).
 */
function substitute(template: string, args: readonly string[]): { text: string; cut: boolean } {
  const t = template.length > MAX_TEMPLATE ? template.slice(0, MAX_TEMPLATE) : template;
  const re = /\{\{|\}\}|\{(\d+)\}/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    out += t.slice(last, m.index);
    const i = m[1] === undefined ? -1 : Number(m[1]);
    out += m[0] === '{{' ? '{' : m[0] === '}}' ? '}' : i < args.length ? args[i]! : m[0];
    last = re.lastIndex;
    if (out.length > MAX_MESSAGE) return { text: out.slice(0, MAX_MESSAGE), cut: true };
  }
  out += t.slice(last);
  if (out.length > MAX_MESSAGE) return { text: out.slice(0, MAX_MESSAGE), cut: true };
  return { text: out, cut: t.length < template.length };
}

const REGION_KEYS = ['startLine', 'startColumn', 'endLine', 'endColumn'] as const;

function extract(r: unknown): Extracted {
  if (!isObject(r)) return { malformed: 'a result that is not an object' };
  const levelRaw = prop(r, 'level');
  let level: SarifLevel | undefined;
  if (levelRaw !== undefined) {
    if (typeof levelRaw !== 'string' || !SARIF_LEVELS.has(levelRaw)) return { malformed: `level ${JSON.stringify(levelRaw)} is not a SARIF level` };
    level = levelRaw as SarifLevel;
  }
  const kind = prop(r, 'kind');
  if (kind !== undefined && kind !== 'fail' && level === undefined) level = 'none';
  if (level === 'none') return { skip: 'none' };
  const suppressions = prop(r, 'suppressions');
  if (Array.isArray(suppressions) && suppressions.some((s) => {
    const status = prop(s, 'status');
    return status === undefined || status === 'accepted';
  })) {
    return { skip: 'suppressed' };
  }
  if (prop(r, 'baselineState') === 'absent') return { skip: 'absent' };

  const ruleObj = prop(r, 'rule');
  const ruleIndex = nonNegativeInt(prop(r, 'ruleIndex')) ?? nonNegativeInt(prop(ruleObj, 'index'));
  const ref: RuleRef = {
    id: nonEmpty(prop(r, 'ruleId')) ?? nonEmpty(prop(ruleObj, 'id')),
    index: ruleIndex,
    component: nonNegativeInt(prop(prop(ruleObj, 'toolComponent'), 'index')),
  };

  const message = prop(r, 'message');
  const argsRaw = prop(message, 'arguments');
  const args = Array.isArray(argsRaw) ? argsRaw.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))) : undefined;
  let text = str(prop(message, 'text')) ?? str(prop(message, 'markdown'));
  let cut = false;
  if (text !== undefined && args) ({ text, cut } = substitute(text, args));

  let loc: LocRef | undefined;
  let badRegion = false;
  let region: Position = {};
  const locations = prop(r, 'locations');
  const physical = Array.isArray(locations) ? prop(locations[0], 'physicalLocation') : undefined;
  if (isObject(physical)) {
    const artifact = prop(physical, 'artifactLocation');
    loc = { uri: nonEmpty(prop(artifact, 'uri')), baseId: nonEmpty(prop(artifact, 'uriBaseId')), artifact: nonNegativeInt(prop(artifact, 'index')) };
    const reg = prop(physical, 'region');
    if (isObject(reg)) {
      // Without startLine the region is by character or byte offsets: valid, but nothing to point at.
      const position = positionOf(reg, REGION_KEYS);
      if (position === null) badRegion = true;
      else region = position;
    }
  }

  const ids = new Set<string>();
  addAdvisoryIds(ids, ref.id);
  const properties = prop(r, 'properties');
  addPropertyIds(ids, properties);

  return {
    core: {
      ref,
      level,
      text,
      messageId: nonEmpty(prop(message, 'id')),
      args,
      loc,
      ...region,
      fingerprint: fingerprintOf(r),
      score: score(prop(properties, 'security-severity')),
      ids: [...ids].slice(0, MAX_IDS),
      cut,
    },
    badRegion,
  };
}

function firstString(o: unknown): string | undefined {
  if (!isObject(o)) return undefined;
  for (const v of Object.values(o)) if (typeof v === 'string' && v.length > 0) return v;
  return undefined;
}

function fingerprintOf(r: Obj): string | undefined {
  const partial = prop(r, 'partialFingerprints');
  return nonEmpty(prop(partial, 'primaryLocationLineHash')) ?? firstString(partial) ?? firstString(prop(r, 'fingerprints'));
}

const SCHEME_RE = /^[a-z][a-z0-9+.-]*:/i;

function isAbsolute(uri: string): boolean {
  return uri.startsWith('/') || SCHEME_RE.test(uri);
}

function joinUri(base: string, rel: string): string {
  const r = rel.startsWith('./') ? rel.slice(2) : rel;
  return base.endsWith('/') ? base + r : `${base}/${r}`;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A URI as a path: `file://` stripped (and the slash before a drive letter), percent-decoded, forward slashes. */
function uriToPath(uri: string): string {
  let p = uri;
  if (/^file:/i.test(p)) {
    p = p.slice(5);
    if (p.startsWith('///')) p = p.slice(2);
    else if (p.startsWith('//localhost/')) p = p.slice(11);
    if (/^\/[A-Za-z]:[/\\]/.test(p)) p = p.slice(1);
    p = decode(p);
  } else if (!SCHEME_RE.test(p) || /^[A-Za-z]:[/\\]/.test(p)) {
    p = decode(p);
  }
  return forwardSlashes(p);
}

interface UriBase {
  uri: string | undefined;
  baseId: string | undefined;
}

/**
 * Longest artifact URI made into a path. No file system has longer paths, and
 * without a cap a chain of long base URIs shared by every result would give
 * each finding a path of megabytes (a 1 MB log, gigabytes of paths).
 */
const MAX_PATH = 4096;

/** The result's path; null when it would be longer than MAX_PATH. */
function resolvePath(loc: LocRef, artifacts: Map<number, LocRef>, bases: Map<string, UriBase> | undefined): string | undefined | null {
  let uri = loc.uri;
  let baseId = loc.baseId;
  if (uri === undefined && loc.artifact !== undefined) {
    const a = artifacts.get(loc.artifact);
    uri = a?.uri;
    baseId ??= a?.baseId;
  }
  if (uri === undefined) return undefined;
  if (uri.length > MAX_PATH) return null;
  // Follow the chain of base ids (each may itself be relative to another), guarding against cycles.
  for (let hops = 0; baseId !== undefined && bases && !isAbsolute(uri) && hops < 16; hops++) {
    const base = bases.get(baseId);
    if (base?.uri === undefined) break;
    if (base.uri.length + uri.length >= MAX_PATH) return null;
    uri = joinUri(base.uri, uri);
    baseId = base.baseId;
  }
  return uriToPath(uri);
}

interface RunState {
  index: number;
  where: string;
  tool: ToolInfo | undefined;
  /** Results seen before the tool, in compact form. */
  pending: ResultCore[];
  /** Results over the cap seen before the tool (no explicit level): counted per rule reference. */
  overflow: Map<string, { ref: RuleRef; n: number }>;
  /** Findings of this run with where they point, for path resolution at the end of the run. */
  located: { finding: Finding; loc: LocRef }[];
  artifacts: Map<number, LocRef>;
  bases: Map<string, UriBase> | undefined;
  errorNotes: number;
  firstErrorNote: string | undefined;
  failed: boolean;
}

export const sarifParser: ReportParser = {
  format: 'sarif',
  kinds: ['lint', 'security'],
  description: 'SARIF 2.1.0 (CodeQL, Trivy, Semgrep, ESLint and other static analysers)',

  sniff(head, name) {
    const t = head.trimStart();
    if (!t.startsWith('{')) return false;
    if (/"runs"\s*:\s*\[/.test(t) && /"(?:version|tool|results)"\s*:|"\$schema"\s*:\s*"[^"]*sarif/i.test(t)) return true;
    return /\.sarif(?:\.json)?$/i.test(name);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const file = ctx.path;
    const { maxFindings, maxRuns } = ctx.limits;
    const findings: Finding[] = [];
    const tools: string[] = [];
    const warnings: string[] = [];
    let version: unknown;
    let sawVersion = false;
    /** A shape problem met before the version was known: the version error, if any, is the better message. */
    let shapeError: string | undefined;
    let run: RunState | undefined;
    let runsSeen = 0;
    let resultsInSkippedRuns = 0;
    let security = false;
    let dropped = 0;
    const skipped = { none: 0, suppressed: 0, absent: 0 };
    const malformed = new Malformed();
    let badRegions = 0;
    let badScores = 0;
    let cutMessages = 0;
    let longPaths = 0;

    const versionProblem = (): string | undefined => {
      if (!sawVersion) return 'no "version": not a SARIF 2.1.0 log';
      if (version === '2.1.0') return undefined;
      if (typeof version === 'string' && version.startsWith('1.')) {
        return `SARIF version ${version} is not supported (only SARIF 2.1.0 is read; convert older logs with the SARIF multitool)`;
      }
      return `SARIF version ${JSON.stringify(version)} is not supported (only 2.1.0 is read)`;
    };
    const shape = (problem: string): void => {
      if (sawVersion) throw new ReportParseError(problem, { file });
      shapeError ??= problem;
    };
    const kept = () => findings.length + (run?.pending.length ?? 0);

    const complete = (r: RunState, core: ResultCore, where: string): void => {
      const tool = r.tool!;
      const rule = findRule(tool, core.ref);
      const level = core.level ?? rule?.level ?? 'warning';
      if (level === 'none') {
        skipped.none++;
        return;
      }
      if (findings.length >= maxFindings) {
        dropped++;
        return;
      }
      let severity = severityForLevel(level);
      const s = core.score ?? rule?.score;
      if (s !== undefined) {
        const byScore = severityForScore(s);
        if (byScore) severity = byScore;
        else badScores++;
      }
      const template = core.messageId !== undefined ? (rule?.messageStrings?.get(core.messageId) ?? tool.globalMessageStrings?.get(core.messageId)) : undefined;
      const filled = core.text === undefined && template !== undefined ? substitute(template, core.args ?? []) : undefined;
      const message = core.text ?? filled?.text ?? rule?.description;
      if (core.cut || filled?.cut) cutMessages++;
      const ruleId = core.ref.id ?? rule?.id ?? null;
      if (message === undefined && ruleId === null) {
        malformed.skip(`${where}: a result with no message and no rule`);
        return;
      }
      const finding: Finding = { tool: tool.name, ruleId, message: message ?? ruleId!, level, severity };
      if (core.line !== undefined) finding.line = core.line;
      if (core.column !== undefined) finding.column = core.column;
      if (core.endLine !== undefined) finding.endLine = core.endLine;
      if (core.endColumn !== undefined) finding.endColumn = core.endColumn;
      if (rule?.helpUri) finding.helpUri = rule.helpUri;
      if (core.fingerprint !== undefined) finding.toolFingerprint = core.fingerprint;
      const ids = rule && rule.ids.length > 0 ? [...new Set([...core.ids, ...rule.ids])].slice(0, MAX_IDS) : core.ids;
      if (ids.length > 0) finding.ids = ids;
      findings.push(finding);
      if (core.loc) r.located.push({ finding, loc: core.loc });
    };

    const endRun = (r: RunState): void => {
      if (!r.tool) {
        if (r.pending.length > 0 || r.overflow.size > 0) shape(`${r.where} has results but no tool (SARIF 2.1.0 requires run.tool)`);
        return;
      }
      for (const { finding, loc } of r.located) {
        const path = resolvePath(loc, r.artifacts, r.bases);
        if (path === null) longPaths++;
        else if (path !== undefined) finding.path = path;
      }
      if (r.failed || r.errorNotes > 0) {
        const what = r.failed ? 'reports that it did not complete (executionSuccessful: false)' : 'completed';
        const notes = r.errorNotes > 0 ? ` with ${r.errorNotes} error notification(s), first: ${r.firstErrorNote}` : '';
        warnings.push(`${file}: ${r.where} (${r.tool.name}) ${what}${notes}; notifications are not counted as findings`);
      }
    };

    const startRun = (i: number): RunState => ({
      index: i,
      where: `runs[${i}]`,
      tool: undefined,
      pending: [],
      overflow: new Map(),
      located: [],
      artifacts: new Map(),
      bases: undefined,
      errorNotes: 0,
      firstErrorNote: undefined,
      failed: false,
    });

    const onNotification = (r: RunState, note: unknown): void => {
      if (prop(note, 'level') !== 'error') return;
      r.errorNotes++;
      if (r.firstErrorNote !== undefined) return;
      const text = str(prop(prop(note, 'message'), 'text')) ?? '(no message)';
      const locations = prop(note, 'locations');
      const physical = Array.isArray(locations) ? prop(locations[0], 'physicalLocation') : undefined;
      const uri = nonEmpty(prop(prop(physical, 'artifactLocation'), 'uri'));
      const line = nonNegativeInt(prop(prop(physical, 'region'), 'startLine'));
      const at = uri ? ` at ${uriToPath(uri)}${line ? `:${line}` : ''}` : '';
      r.firstErrorNote = `"${text.slice(0, 200)}"${at}`;
    };

    for await (const m of jsonMatches(source, ctx, PATTERNS)) {
      ctx.signal?.throwIfAborted();
      if (m.pattern === P_VERSION) {
        sawVersion = true;
        version = m.value;
        const problem = versionProblem();
        if (problem) throw new ReportParseError(problem, { file });
        if (shapeError) throw new ReportParseError(shapeError, { file });
        continue;
      }
      const runIndex = m.path[1];
      if (typeof runIndex !== 'number') {
        shape('"runs" is not an array');
        continue;
      }
      if (shapeError) continue;
      runsSeen = Math.max(runsSeen, runIndex + 1);
      if (runIndex >= maxRuns) {
        if (m.pattern === P_RESULT) resultsInSkippedRuns++;
        continue;
      }
      if (!run || run.index !== runIndex) {
        if (run) endRun(run);
        run = startRun(runIndex);
      }
      const r = run;
      switch (m.pattern) {
        case P_TOOL: {
          if (r.tool) break;
          const info = toolInfo(m.value, r.where);
          if (typeof info === 'string') {
            shape(info);
            break;
          }
          r.tool = info;
          if (info.security) security = true;
          if (!tools.includes(info.name)) tools.push(info.name);
          const pending = r.pending;
          r.pending = [];
          pending.forEach((core, i) => complete(r, core, `${r.where}.results[${i}]`));
          for (const { ref, n } of r.overflow.values()) {
            if (findRule(info, ref)?.level === 'none') skipped.none += n;
            else dropped += n;
          }
          r.overflow.clear();
          break;
        }
        case P_RESULT: {
          const where = `${r.where}.results[${String(m.path[3])}]`;
          if (typeof m.path[3] !== 'number') {
            shape(`${r.where}.results is not an array`);
            break;
          }
          const x = extract(m.value);
          if ('malformed' in x) {
            malformed.skip(`${where}: ${x.malformed}`);
            break;
          }
          if ('skip' in x) {
            skipped[x.skip]++;
            break;
          }
          if (x.badRegion) badRegions++;
          if (r.tool) complete(r, x.core, where);
          else if (kept() < maxFindings) r.pending.push(x.core);
          else if (x.core.level !== undefined) dropped++;
          else {
            const key = JSON.stringify(x.core.ref);
            const o = r.overflow.get(key);
            if (o) o.n++;
            else r.overflow.set(key, { ref: x.core.ref, n: 1 });
          }
          if (x.core.score !== undefined) security = true;
          break;
        }
        case P_BASES: {
          if (!isObject(m.value)) break;
          const bases = new Map<string, UriBase>();
          for (const [id, b] of Object.entries(m.value)) bases.set(id, { uri: nonEmpty(prop(b, 'uri')), baseId: nonEmpty(prop(b, 'uriBaseId')) });
          r.bases = bases;
          break;
        }
        case P_ARTIFACT: {
          const i = m.path[3];
          if (typeof i === 'number') r.artifacts.set(i, { uri: nonEmpty(prop(m.value, 'uri')), baseId: nonEmpty(prop(m.value, 'uriBaseId')), artifact: undefined });
          break;
        }
        case P_EXEC_NOTE:
        case P_CONF_NOTE:
          onNotification(r, m.value);
          break;
        case P_SUCCESS:
          if (m.value === false) r.failed = true;
          break;
      }
    }
    if (run && !shapeError) endRun(run);
    const problem = versionProblem() ?? shapeError;
    if (problem) throw new ReportParseError(problem, { file });
    if (runsSeen === 0) throw new ReportParseError('the log has no runs with a tool: nothing was analysed, or this is not a SARIF log', { file });

    if (runsSeen > maxRuns) {
      warnings.push(
        `${file}: read the first ${maxRuns} of ${runsSeen} runs (limit maxRuns); the ${resultsInSkippedRuns} result(s) of the other runs are not counted`,
      );
    }
    if (dropped > 0) warnings.push(cappedWarning(file, findings.length, dropped));
    if (skipped.none > 0) warnings.push(`${file}: skipped ${skipped.none} result(s) with level "none" (or a kind other than "fail")`);
    if (skipped.suppressed > 0) warnings.push(`${file}: skipped ${skipped.suppressed} suppressed result(s)`);
    if (skipped.absent > 0) warnings.push(`${file}: skipped ${skipped.absent} result(s) whose baselineState is "absent" (no longer present)`);
    malformed.warn(warnings, file, 'result(s)');
    if (badRegions > 0) warnings.push(`${file}: ${badRegions} result(s) had an invalid region (line or column not a positive integer) and are kept without a line`);
    if (longPaths > 0) warnings.push(`${file}: ${longPaths} result(s) name a file longer than ${MAX_PATH} characters; they are kept without a location`);
    if (cutMessages > 0) warnings.push(`${file}: ${cutMessages} message(s) were cut to ${MAX_MESSAGE} characters when their arguments were filled in`);
    if (badScores > 0) warnings.push(`${file}: ${badScores} security-severity value(s) were not scores from 0 to 10; the severity was taken from the level`);

    const kind: 'lint' | 'security' = ctx.kind === 'lint' || ctx.kind === 'security' ? ctx.kind : security ? 'security' : 'lint';
    return { kind, findings: { findings, tools }, warnings };
  },
};
