/**
 * Pieces shared by the JSON findings parsers (ESLint, SARIF, npm audit,
 * Trivy, Semgrep): typed readers for the values selectJson delivers, the
 * reading loop's set-up, how a finding's level follows its severity, and the
 * counters behind their warnings. Each parser's header says how it counts;
 * nothing here decides what is a finding.
 */
import { ReportParseError } from '../errors.js';
import { selectJson, type JsonMatch, type JsonPattern } from '../json.js';
import { levelForSeverity, type Finding, type Severity } from '../model/findings.js';
import { textChunks, type ByteSource } from '../stream.js';
import type { ParseContext } from './types.js';

export type Obj = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Own property only: `constructor`, `__proto__` and friends are never inherited values. */
export function prop(o: unknown, key: string): unknown {
  return isObject(o) && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** A string of at least one character. */
export function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** An integer from 1 up (a line or column). */
export function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** An integer from 0 up (a count or an index). */
export function nonNegativeInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** A path as findings carry it: backslashes turned into forward slashes. */
export function forwardSlashes(path: string): string {
  return path.replace(/\\/g, '/');
}

/** Where a finding points. */
export type Position = Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>;

/**
 * The position named by four keys of `o`, in the order start line, start
 * column, end line, end column: `{}` when there is no start line (the other
 * three are then ignored), `null` when any of the four is present but not an
 * integer from 1 up. With `nullIsAbsent`, a JSON null counts as absent.
 */
export function positionOf(o: unknown, keys: readonly [string, string, string, string], nullIsAbsent = false): Position | null {
  const read = (k: string): number | undefined | null => {
    const v = prop(o, k);
    if (v === undefined || (nullIsAbsent && v === null)) return undefined;
    return positiveInt(v) ?? null;
  };
  const [line, column, endLine, endColumn] = keys.map(read);
  if (line === null || column === null || endLine === null || endColumn === null) return null;
  const out: Position = {};
  if (line !== undefined) {
    out.line = line;
    if (column !== undefined) out.column = column;
    if (endLine !== undefined) out.endLine = endLine;
    if (endColumn !== undefined) out.endColumn = endColumn;
  }
  return out;
}

/** A finding whose level follows its severity (npm audit, Trivy). */
export function findingAtSeverity(tool: string, ruleId: string | null, message: string, severity: Severity): Finding {
  return { tool, ruleId, message, level: levelForSeverity(severity), severity };
}

/**
 * The values at `patterns` in a JSON report, in document order: selectJson
 * over the report's text, with its display path, the depth limit and the
 * progress callback of the context.
 */
export function jsonMatches(source: ByteSource, ctx: ParseContext, patterns: readonly JsonPattern[]): AsyncGenerator<JsonMatch> {
  return selectJson(textChunks(source, { onBytes: ctx.onBytes }), patterns, { file: ctx.path, maxDepth: ctx.limits.maxDepth });
}

/** Throws "reading was cancelled" for the report once the context's signal has fired (the security parsers). */
export function stopIfCancelled(ctx: ParseContext): void {
  if (ctx.signal?.aborted) throw new ReportParseError('reading was cancelled', { file: ctx.path });
}

/** Entries left out as malformed: how many, and what was wrong with the first. */
export class Malformed {
  count = 0;
  first: string | undefined;

  /** Count one more entry left out, saying why. */
  skip(why: string): void {
    this.count++;
    this.first ??= why;
  }

  /**
   * Adds `file: skipped N malformed <what> (first: ...)` to `warnings` when
   * any entry was left out. `what` is one word for every count (`result(s)`),
   * or a singular and a plural.
   */
  warn(warnings: string[], file: string, what: string | readonly [one: string, many: string]): void {
    if (this.count === 0) return;
    const noun = typeof what === 'string' ? what : what[this.count === 1 ? 0 : 1];
    warnings.push(`${file}: skipped ${this.count} malformed ${noun} (first: ${this.first})`);
  }
}

/** The security parsers' warning for the findings past `maxFindings`. */
export function notKeptWarning(file: string, maxFindings: number, dropped: number): string {
  return `${file}: kept the first ${maxFindings} findings; ${dropped} more were not kept`;
}

/** The ESLint and SARIF parsers' warning for the findings past `maxFindings`, with the total. */
export function cappedWarning(file: string, kept: number, dropped: number): string {
  return `${file}: ${kept + dropped} findings, only the first ${kept} are kept (limit maxFindings); ${dropped} more are not listed`;
}
