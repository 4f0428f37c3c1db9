/**
 * ESLint JSON, as written by `eslint -f json` (an array of file results) and
 * `eslint -f json-with-metadata` (`{ results, metadata: { cwd, rulesMeta } }`).
 *
 * Reading: each file result is read on its own with selectJson (pattern
 * `['*']` for the array, `['results', '*']` for the object form); the first
 * character of the document says which form it is. In the metadata form each
 * `rulesMeta` entry is read for its `docs.url`, which becomes the findings'
 * `helpUri` once the document has been read (ESLint writes `metadata` after
 * `results`). Plain ESLint JSON carries no URLs, and none are made up.
 *
 * Counting: one finding per entry of `messages`: severity 2 is level
 * "error", 1 is "warning"; a fatal message (a parse error, `ruleId` null,
 * `fatal: true`) is an error whatever its severity. `suppressedMessages`
 * (problems disabled by comments) are not findings, as ESLint does not count
 * them either. Severity comes from the level (error high, warning medium).
 * The errors and warnings found must add up to the results' `errorCount` and
 * `warningCount`; a difference is a warning. Messages that are not objects or
 * have a severity other than 1 or 2 are skipped and counted in one warning;
 * an invalid line or column is dropped (the message stays, file-level) and
 * counted. A file result without `filePath` and `messages` means this is not
 * ESLint JSON: that is an error. Paths are kept as ESLint wrote them (absolute),
 * with forward slashes. At most `maxFindings` findings are kept; the rest are
 * counted and a warning gives the total.
 */
import { ReportParseError } from '../../errors.js';
import { selectJson, type JsonPattern } from '../../json.js';
import { severityForLevel, type Finding, type Level } from '../../model/findings.js';
import type { ReportPayload } from '../../model/report.js';
import { textChunks, type ByteSource } from '../../stream.js';
import { cappedWarning, forwardSlashes, isObject, Malformed, nonNegativeInt, positionOf, prop } from '../common.js';
import type { ParseContext, ReportParser } from '../types.js';

const POSITION_KEYS = ['line', 'column', 'endLine', 'endColumn'] as const;

const ARRAY_PATTERNS: readonly JsonPattern[] = [['*']];
const OBJECT_PATTERNS: readonly JsonPattern[] = [['results', '*'], ['metadata', 'rulesMeta', '*'], ['metadata', 'cwd']];

/**
 * The first non-blank character of a text stream, and the stream replayed
 * from there (leading whitespace is dropped, not buffered).
 */
async function firstChar(chunks: AsyncIterable<string>): Promise<{ first: string; rest: AsyncIterable<string> }> {
  const it = chunks[Symbol.asyncIterator]();
  let head = '';
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    const at = r.value.search(/\S/);
    if (at >= 0) {
      head = r.value.slice(at);
      break;
    }
  }
  async function* rest(): AsyncGenerator<string> {
    if (!head) return;
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { first: head.charAt(0), rest: rest() };
}

export const eslintParser: ReportParser = {
  format: 'eslint-json',
  kinds: ['lint', 'security'],
  description: 'ESLint JSON (eslint -f json, eslint -f json-with-metadata)',

  sniff(head) {
    const t = head.trimStart();
    if (!/"filePath"\s*:\s*"/.test(t) || !/"messages"\s*:\s*\[/.test(t)) return false;
    if (t.startsWith('[')) return /^\[\s*\{/.test(t);
    return t.startsWith('{') && /"results"\s*:\s*\[/.test(t) && !/"runs"\s*:/.test(t);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const file = ctx.path;
    const maxFindings = ctx.limits.maxFindings;
    const findings: Finding[] = [];
    const warnings: string[] = [];
    const docsUrl = new Map<string, string>();
    let files = 0;
    let sawMetadata = false;
    let errors = 0;
    let warns = 0;
    let declaredErrors = 0;
    let declaredWarnings = 0;
    let declaredComplete = true;
    let dropped = 0;
    const malformed = new Malformed();
    let badPositions = 0;

    const { first, rest } = await firstChar(textChunks(source, { onBytes: ctx.onBytes }));
    if (first === '') throw new ReportParseError('the file is empty: not ESLint JSON', { file });
    if (first !== '[' && first !== '{') {
      throw new ReportParseError(`not ESLint JSON: expected an array of file results or {"results": [...]}, found "${first}"`, { file });
    }
    const objectForm = first === '{';

    const onFile = (value: unknown, where: string): void => {
      const filePath = prop(value, 'filePath');
      const messages = prop(value, 'messages');
      if (typeof filePath !== 'string' || !Array.isArray(messages)) {
        throw new ReportParseError(`${where} is not an ESLint file result (it needs "filePath" and a "messages" array)`, { file });
      }
      files++;
      const path = forwardSlashes(filePath);
      const ec = nonNegativeInt(prop(value, 'errorCount'));
      const wc = nonNegativeInt(prop(value, 'warningCount'));
      if (ec === undefined || wc === undefined) declaredComplete = false;
      else {
        declaredErrors += ec;
        declaredWarnings += wc;
      }
      messages.forEach((msg, i) => {
        const severity = prop(msg, 'severity');
        const fatal = prop(msg, 'fatal') === true;
        if (!isObject(msg) || (!fatal && severity !== 1 && severity !== 2)) {
          malformed.skip(`${where}.messages[${i}]: ${isObject(msg) ? `severity ${JSON.stringify(severity)}` : 'not an object'}`);
          return;
        }
        const level: Level = fatal || severity === 2 ? 'error' : 'warning';
        if (level === 'error') errors++;
        else warns++;
        if (findings.length >= maxFindings) {
          dropped++;
          return;
        }
        const ruleId = prop(msg, 'ruleId');
        const text = prop(msg, 'message');
        const finding: Finding = {
          tool: 'eslint',
          ruleId: typeof ruleId === 'string' && ruleId.length > 0 ? ruleId : null,
          message: typeof text === 'string' ? text : '(no message)',
          level,
          severity: severityForLevel(level),
          path,
        };
        // A null position counts as absent, as a missing one does.
        const position = positionOf(msg, POSITION_KEYS, true);
        if (position === null) badPositions++;
        else Object.assign(finding, position);
        findings.push(finding);
      });
    };

    const patterns = objectForm ? OBJECT_PATTERNS : ARRAY_PATTERNS;
    for await (const m of selectJson(rest, patterns, { file, maxDepth: ctx.limits.maxDepth })) {
      ctx.signal?.throwIfAborted();
      if (!objectForm) {
        if (typeof m.path[0] !== 'number') throw new ReportParseError('not ESLint JSON: the top level is not an array', { file });
        onFile(m.value, `[${m.path[0]}]`);
      } else if (m.pattern === 0) {
        if (typeof m.path[1] !== 'number') throw new ReportParseError('not ESLint JSON: "results" is not an array', { file });
        onFile(m.value, `results[${m.path[1]}]`);
      } else {
        sawMetadata = true;
        if (m.pattern === 1) {
          const url = prop(prop(m.value, 'docs'), 'url');
          if (typeof url === 'string' && url.length > 0) docsUrl.set(String(m.path[2]), url);
        }
      }
    }
    if (objectForm && files === 0 && !sawMetadata) {
      throw new ReportParseError('not ESLint JSON: an object without "results" file entries or "metadata"', { file });
    }
    if (files === 0) warnings.push(`${file}: the report lists no files: ESLint linted nothing`);
    if (docsUrl.size > 0) {
      for (const f of findings) {
        const url = f.ruleId === null ? undefined : docsUrl.get(f.ruleId);
        if (url !== undefined) f.helpUri = url;
      }
    }
    if (declaredComplete && (declaredErrors !== errors || declaredWarnings !== warns)) {
      warnings.push(
        `${file}: found ${errors} error(s) and ${warns} warning(s), but the report's errorCount/warningCount add up to ${declaredErrors} and ${declaredWarnings}`,
      );
    }
    if (dropped > 0) warnings.push(cappedWarning(file, findings.length, dropped));
    malformed.warn(warnings, file, 'message(s)');
    if (badPositions > 0) warnings.push(`${file}: ${badPositions} message(s) had an invalid line or column and are kept without a line`);
    return { kind: ctx.kind === 'security' ? 'security' : 'lint', findings: { findings, tools: ['eslint'] }, warnings };
  },
};
