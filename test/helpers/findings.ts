/**
 * Helpers of the findings parsers' tests (ESLint, SARIF, npm audit, Trivy,
 * Semgrep): reading report text written in a test through the registry,
 * taking the findings out of a parsed report, counting them, the problem of a
 * refused report, and which files a sniff accepts.
 */
import { readFileSync } from 'node:fs';
import { ReportParseError } from '../../src/core/errors.js';
import type { Finding, FindingsData } from '../../src/core/model/findings.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { parseReport, type ParseReportOptions } from '../../src/core/parsers/registry.js';
import type { ReportParser } from '../../src/core/parsers/types.js';
import { bytesOf } from '../../src/core/stream.js';

/**
 * A parse function for report text written in a test: a string, or any other
 * value written as JSON, read through the registry in chunks of `chunk`
 * bytes with `defaults` (path, format...) under the options of each call.
 */
export function textParser(defaults: ParseReportOptions, chunk = 64 * 1024) {
  return (doc: unknown, opts: Partial<ParseReportOptions> = {}, size = chunk): Promise<ParsedReport> => {
    const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
    return parseReport(bytesOf(text, size), { ...defaults, ...opts });
  };
}

/** The findings of a lint or security report (of that kind, when one is given); throws for any other. */
export function findingsOf(r: ParsedReport, kind?: 'lint' | 'security'): FindingsData {
  if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(`expected findings, got ${r.kind}`);
  if (kind !== undefined && r.kind !== kind) throw new Error(`expected ${kind} findings, got ${r.kind}`);
  return r.findings;
}

/** How many findings have each value of `key`. */
export function tally(items: readonly Finding[], key: (f: Finding) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of items) out[key(f)] = (out[key(f)] ?? 0) + 1;
  return out;
}

/** The problem of the ReportParseError the promise is refused with; fails when it is kept, or refused with another error. */
export function problemOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => {
      throw new Error('expected a ReportParseError');
    },
    (err: unknown) => {
      if (!(err instanceof ReportParseError)) throw err;
      return err.problem;
    },
  );
}

/** The files among `paths` whose first 64 Ki characters the parser's sniff accepts, in the order given. */
export function acceptedBy(parser: ReportParser, paths: readonly string[]): string[] {
  return paths.filter((p) => parser.sniff(readFileSync(p, 'utf8').slice(0, 64 * 1024), p));
}
