import { ReportParseError, errorMessage } from '../errors.js';
import type { ParsedReport, ReportKind } from '../model/report.js';
import { decodeHead, peek, type ByteSource } from '../stream.js';
import { DEFAULT_LIMITS, type ParseContext, type ParseLimits, type ReportParser } from './types.js';
import { lcovParser } from './coverage/lcov.js';
import { goCoverprofileParser } from './coverage/go.js';
import { coveragepyParser } from './coverage/coveragepy.js';
import { coberturaParser } from './coverage/cobertura.js';
import { jacocoParser } from './coverage/jacoco.js';
import { cloverParser } from './coverage/clover.js';
import { istanbulFinalParser } from './coverage/istanbul-final.js';
import { istanbulSummaryParser } from './coverage/istanbul-summary.js';
import { checkstyleParser } from './lint/checkstyle.js';
import { junitParser } from './tests/junit.js';
import { eslintParser } from './lint/eslint.js';
import { sarifParser } from './sarif.js';
import { npmAuditParser } from './security/npm-audit.js';
import { trivyParser } from './security/trivy.js';
import { semgrepParser } from './security/semgrep.js';

/** How many bytes the sniffers see. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * Every known format, most specific first: the first parser whose sniff
 * accepts a file wins.
 */
export const PARSERS: readonly ReportParser[] = [
  lcovParser,
  goCoverprofileParser,
  coveragepyParser,
  coberturaParser,
  jacocoParser,
  cloverParser,
  istanbulFinalParser,
  istanbulSummaryParser,
  checkstyleParser,
  junitParser,
  eslintParser,
  sarifParser,
  npmAuditParser,
  trivyParser,
  semgrepParser,
];

export function parserFor(format: string): ReportParser | undefined {
  return PARSERS.find((p) => p.format === format);
}

export function formatIds(): string[] {
  return PARSERS.map((p) => p.format);
}

/** The file is not any report format we know (zero-config discovery skips these). */
export class UnknownFormatError extends ReportParseError {}

export function sniffFormat(head: string, name: string): ReportParser | undefined {
  return PARSERS.find((p) => {
    try {
      return p.sniff(head, name);
    } catch {
      return false;
    }
  });
}

export interface ParseReportOptions {
  path: string;
  format?: string;
  kind?: ReportKind;
  limits?: Partial<ParseLimits>;
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
}

/**
 * Identify (or take the stated format of) a report and parse it. Any failure
 * is a ReportParseError naming the file: a report never crashes the caller.
 */
export async function parseReport(source: ByteSource, opts: ParseReportOptions): Promise<ParsedReport> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let parser: ReportParser | undefined;
  let replay: ByteSource;
  try {
    const peeked = await peek(source, SNIFF_BYTES);
    replay = peeked.source;
    if (opts.format) {
      parser = parserFor(opts.format);
      if (!parser) throw new ReportParseError(`unknown format "${opts.format}" (known: ${formatIds().join(', ')})`, { file: opts.path });
    } else {
      if (peeked.head.length === 0) throw new UnknownFormatError('the file is empty', { file: opts.path });
      parser = sniffFormat(decodeHead(peeked.head), opts.path);
      if (!parser) {
        throw new UnknownFormatError(`not a report format this tool reads (known: ${formatIds().join(', ')})`, { file: opts.path });
      }
    }
  } catch (err) {
    if (err instanceof ReportParseError) throw err;
    throw new ReportParseError(`could not be read: ${errorMessage(err)}`, { file: opts.path });
  }
  if (opts.kind && !parser.kinds.includes(opts.kind)) {
    throw new ReportParseError(
      `is a ${parser.kinds.join('/')} report (${parser.format}), but it was given as a ${opts.kind} report`,
      { file: opts.path },
    );
  }
  const ctx: ParseContext = { path: opts.path, limits };
  if (opts.kind) ctx.kind = opts.kind;
  if (opts.onBytes) ctx.onBytes = opts.onBytes;
  if (opts.signal) ctx.signal = opts.signal;
  try {
    const payload = await parser.parse(capBytes(replay, limits.maxBytes, opts.path), ctx);
    return { ...payload, path: opts.path, format: parser.format };
  } catch (err) {
    const e = err instanceof ReportParseError ? err : new ReportParseError(`invalid ${parser.format} report: ${errorMessage(err)}`, { file: opts.path });
    e.format = parser.format;
    e.kinds = opts.kind ? [opts.kind] : parser.kinds;
    throw e;
  }
}

async function* capBytes(source: ByteSource, max: number, path: string): ByteSource {
  let n = 0;
  for await (const chunk of source) {
    n += chunk.length;
    if (n > max) throw new ReportParseError(`larger than the ${max}-byte limit for one report`, { file: path });
    yield chunk;
  }
}
