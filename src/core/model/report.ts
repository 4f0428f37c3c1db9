import type { CoverageData } from './coverage.js';
import type { FindingsData } from './findings.js';
import type { TestsData } from './tests.js';

export const REPORT_KINDS = ['coverage', 'lint', 'security', 'tests'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** What a parser returns: the kind it read and the data, plus non-fatal warnings. */
export type ReportPayload =
  | { kind: 'coverage'; coverage: CoverageData; warnings: string[] }
  | { kind: 'lint' | 'security'; findings: FindingsData; warnings: string[] }
  | { kind: 'tests'; tests: TestsData; warnings: string[] };

/** A parsed report: the payload plus where it came from and which format it was. */
export type ParsedReport = ReportPayload & {
  /** Display path of the report file. */
  path: string;
  format: string;
};
