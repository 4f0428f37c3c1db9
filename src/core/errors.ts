/**
 * Errors that carry a location in a user-supplied file. Every parser and the
 * config loader throw these, so that adapters can print
 * `file:line:column: problem` and turn them into a failed or neutral check.
 */
export interface SourceLocation {
  /** Display path of the file the problem is in. */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
}

export function formatLocation(loc: SourceLocation): string {
  let out = loc.file;
  if (loc.line !== undefined) {
    out += `:${loc.line}`;
    if (loc.column !== undefined) out += `:${loc.column}`;
  }
  return out;
}

/** A report could not be read: malformed, unknown version, over a limit. */
export class ReportParseError extends Error {
  override readonly name = 'ReportParseError';
  readonly location: SourceLocation;
  readonly problem: string;
  /** The format the file was read as, once identified. */
  format?: string;
  /** The kinds that format feeds, once identified (so the failure fails the right gates). */
  kinds?: readonly string[];

  constructor(problem: string, location: SourceLocation) {
    super(`${formatLocation(location)}: ${problem}`);
    this.problem = problem;
    this.location = location;
  }
}

/** A single problem in `.sdlc.yml`. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `gates.coverage.min`; empty for the document root. */
  path: string;
  message: string;
  location: SourceLocation;
}

/** `.sdlc.yml` is invalid: YAML syntax, schema or safety problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.issues = issues;
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = formatLocation(issue.location);
  return issue.path ? `${issue.path}: ${issue.message} at ${where}` : `${issue.message} at ${where}`;
}

/** Invalid input that is not a report or config problem (e.g. a malformed diff). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
