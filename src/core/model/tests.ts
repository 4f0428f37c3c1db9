/** Test results (JUnit XML and friends). */

export interface TestCaseProblem {
  kind: 'failure' | 'error';
  suite?: string;
  classname?: string;
  name: string;
  message: string;
  /** Source file and line, when the report names them. */
  path?: string;
  line?: number;
}

export interface TestCounts {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
}

export interface TestsData extends TestCounts {
  /** Failing and erroring cases (capped by the parser; counts stay exact). */
  problems: TestCaseProblem[];
  /** Totals the report states about itself (suite attributes), kept to cross-check the counted cases. */
  declared?: Partial<Omit<TestCounts, 'passed'>>;
}
