import type { ReportKind, ReportPayload } from '../model/report.js';
import type { ByteSource } from '../stream.js';

/** Caps that keep a hostile or huge report from exhausting time or memory. */
export interface ParseLimits {
  /** Bytes read from one report before it is refused. */
  maxBytes: number;
  /** Findings kept from one report; the rest are counted and a warning says so. */
  maxFindings: number;
  /** SARIF runs read from one log. */
  maxRuns: number;
  /** XML/JSON nesting depth. */
  maxDepth: number;
  /** Failing test cases kept with their messages (counts stay exact). */
  maxTestProblems: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxBytes: 4 * 1024 * 1024 * 1024,
  maxFindings: 25_000,
  maxRuns: 20,
  maxDepth: 512,
  maxTestProblems: 1_000,
};

export interface ParseContext {
  /** Display path of the report, used in every error and warning. */
  path: string;
  /** The kind the caller wants (from `.sdlc.yml` or `--kind`), when it knows. */
  kind?: ReportKind;
  limits: ParseLimits;
  /** Called with the size of each chunk read, for progress display. */
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
}

/**
 * One report format. Parsers are pure: they read bytes from the source they
 * are given and build the compact model; they never hold the whole file.
 */
export interface ReportParser {
  /** Stable id used in `.sdlc.yml` `format:` and in JSON output, e.g. `lcov`. */
  readonly format: string;
  /** Kinds this format can feed; the first is its default. */
  readonly kinds: readonly ReportKind[];
  /** One line for `--help` and docs. */
  readonly description: string;
  /**
   * Cheap content sniff on the first bytes of the file (decoded, BOM removed)
   * and its name. Must not parse the whole head; a few indexOf/regex tests.
   */
  sniff(head: string, name: string): boolean;
  parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload>;
}
