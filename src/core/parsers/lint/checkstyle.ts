/**
 * Checkstyle XML, the lint interchange format written by Checkstyle itself,
 * ESLint's checkstyle formatter, golangci-lint, Phan, PHP_CodeSniffer,
 * ktlint, detekt, SwiftLint and others:
 * `<checkstyle><file name><error line column severity message source/></file></checkstyle>`.
 *
 * Counting: every `<error>` inside a `<file>` is one finding, in document
 * order. `severity` error|warning|info maps to the level error|warning|note and
 * the finding's severity is GitHub's mapping of that level (high, medium,
 * low); severity `ignore` (Checkstyle's suppressed checks) is skipped and
 * counted in one warning. `source` is the rule id (null when absent or empty,
 * as ESLint writes for parsing errors); the message is taken as written (ESLint
 * appends " (rule)"). `line`/`column` 0 or absent mean "no position" (file-level
 * findings); the `version` attribute is the producing tool's own version, not a
 * format version, so it is not checked.
 *
 * Skipped and counted in one warning: an `<error>` whose severity is missing or
 * unknown, whose line or column is not a non-negative integer, or that sits in
 * a `<file>` without a name; a report whose every `<error>` is malformed is
 * refused rather than read as zero findings. Other unexpected elements are
 * ignored and counted in one warning. Checkstyle's `<exception>` element (the
 * tool crashed on a file) becomes an error-level finding without a rule id, so
 * a crashed check never passes silently. Messages are capped at 1000
 * characters; findings beyond `limits.maxFindings` are counted and dropped
 * with a warning.
 *
 * The declared encoding (e.g. ISO-8859-15) is honoured by the XML reader.
 */
import { ReportParseError } from '../../errors.js';
import { severityForLevel, type Finding, type Level } from '../../model/findings.js';
import type { ReportPayload } from '../../model/report.js';
import type { ByteSource } from '../../stream.js';
import { XmlShapeError, parseXml, xmlRootName } from '../../xml.js';
import type { ParseContext, ReportParser } from '../types.js';

const TOOL = 'checkstyle';
const MAX_MESSAGE = 1000;

function levelOf(severity: string | undefined): Level | 'ignore' | undefined {
  switch ((severity ?? '').trim().toLowerCase()) {
    case 'error':
      return 'error';
    case 'warning':
      return 'warning';
    case 'info':
      return 'note';
    case 'ignore':
      return 'ignore';
    default:
      return undefined;
  }
}

/** A line or column: undefined when absent or empty, NaN when not a non-negative integer. */
function position(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
}

export const checkstyleParser: ReportParser = {
  format: 'checkstyle',
  kinds: ['lint'],
  description: 'Checkstyle XML (Checkstyle, ESLint -f checkstyle, golangci-lint, Phan, PHP_CodeSniffer, ktlint, detekt)',

  sniff(head) {
    return xmlRootName(head) === 'checkstyle';
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const findings: Finding[] = [];
    const warnings: string[] = [];
    const maxFindings = ctx.limits.maxFindings;
    let dropped = 0;
    let ignored = 0;
    let malformed = 0;
    let firstMalformed: string | undefined;
    let unknownElements = 0;
    let firstUnknown: string | undefined;
    /** Path of the `<file>` being read; null inside a `<file>` without a name. */
    let file: string | null | undefined;
    let fileDepth = 0;
    /** Open `<exception>`: its depth and the text gathered so far. */
    let exception: { depth: number; text: string } | undefined;

    const add = (f: Finding) => {
      if (findings.length < maxFindings) findings.push(f);
      else dropped++;
    };
    const skip = (why: string) => {
      malformed++;
      firstMalformed ??= why;
    };

    await parseXml(source, ctx, {
      open(name, attrs, depth) {
        if (depth === 1) {
          if (name !== 'checkstyle') throw new XmlShapeError(`not a Checkstyle report: the root element is <${name}>, expected <checkstyle>`);
          return;
        }
        if (name === 'file' && depth === 2) {
          const n = attrs.name?.trim();
          file = n ? n.replace(/\\/g, '/') : null;
          fileDepth = depth;
          return;
        }
        if (name === 'error' && file !== undefined && depth === fileDepth + 1) {
          if (file === null) {
            skip('an <error> in a <file> without a name');
            return;
          }
          const level = levelOf(attrs.severity);
          if (level === 'ignore') {
            ignored++;
            return;
          }
          if (level === undefined) {
            skip(`severity "${(attrs.severity ?? '').slice(0, 40)}" in ${file}`);
            return;
          }
          const line = position(attrs.line);
          const column = position(attrs.column);
          if (Number.isNaN(line) || Number.isNaN(column)) {
            skip(`line "${attrs.line ?? ''}" / column "${attrs.column ?? ''}" in ${file}`);
            return;
          }
          const ruleId = attrs.source?.trim() ? attrs.source.trim() : null;
          const message = (attrs.message ?? '').slice(0, MAX_MESSAGE) || ruleId || '(no message)';
          const f: Finding = { tool: TOOL, ruleId, message, level, severity: severityForLevel(level), path: file };
          if (line !== undefined && line > 0) {
            f.line = line;
            if (column !== undefined && column > 0) f.column = column;
          }
          add(f);
          return;
        }
        if (name === 'exception' && file !== undefined && depth === fileDepth + 1) {
          exception = { depth, text: '' };
          return;
        }
        if (exception) return;
        unknownElements++;
        firstUnknown ??= `<${name}>`;
      },
      close(name, depth) {
        if (exception && depth === exception.depth) {
          const first = exception.text.trim().split('\n', 1)[0]!.trim().slice(0, MAX_MESSAGE);
          const f: Finding = {
            tool: TOOL,
            ruleId: null,
            message: first ? `the tool failed on this file: ${first}` : 'the tool failed on this file',
            level: 'error',
            severity: severityForLevel('error'),
          };
          if (file) f.path = file;
          add(f);
          exception = undefined;
        } else if (name === 'file' && depth === fileDepth) {
          file = undefined;
        }
      },
      text(t) {
        if (!exception || exception.text.length > 4 * MAX_MESSAGE) return;
        exception.text += exception.text ? t : t.trimStart();
      },
    });

    if (ignored > 0) warnings.push(`${ctx.path}: skipped ${ignored} finding(s) with severity "ignore"`);
    if (malformed > 0) warnings.push(`${ctx.path}: skipped ${malformed} malformed <error> record(s) (first: ${firstMalformed})`);
    if (unknownElements > 0) warnings.push(`${ctx.path}: ignored ${unknownElements} unexpected element(s) (first: ${firstUnknown})`);
    if (dropped > 0) {
      warnings.push(`${ctx.path}: kept the first ${maxFindings} findings; ${dropped} more were counted and dropped`);
    }
    if (findings.length === 0 && dropped === 0 && malformed > 0) {
      throw new ReportParseError(`every <error> record is malformed (first: ${firstMalformed})`, { file: ctx.path });
    }
    return { kind: 'lint', findings: { findings, tools: [TOOL] }, warnings };
  },
};
