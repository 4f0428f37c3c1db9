/**
 * JUnit XML test results: a `<testsuites>` root or a bare `<testsuite>`, with
 * suites nested to any depth, as written by Maven Surefire/Gradle, jest-junit,
 * pytest --junitxml, go-junit-report, PHPUnit, mocha-junit-reporter and others.
 *
 * Counting: every `<testcase>` element is one test; the suite attributes
 * (`tests`, `failures`, `errors`, `skipped`) are not used for the counts,
 * because tools get them wrong (jest-junit writes `tests="0"` for a suite that
 * failed to run yet lists its cases). They are kept as the report's declared
 * totals (from the root, or summed over the top-level suites) and every suite
 * whose attributes differ from its own cases is counted in one warning.
 *
 * A case is classified by its direct children: the first `<failure>` or
 * `<error>` makes it failed or errored (a case with both counts once, by the
 * first); otherwise `<skipped>` (pytest's xfail included) makes it skipped;
 * otherwise it passed. Surefire's rerun/flaky children and everything else
 * (`<system-out>`, `<properties>`) are ignored.
 *
 * Failed and errored cases are kept as problems, up to `limits.maxTestProblems`
 * (the counts stay exact): suite (nearest enclosing `<testsuite>` name),
 * classname, name, message (the `message` attribute, else the first non-blank
 * line of the element's text, else its `type`, capped at 1000 characters), and
 * file/line when present: the case's `file` attribute, else the nearest
 * enclosing suite's (mocha-junit-reporter, PHPUnit), and the case's `line`.
 * pytest writes 0-based lines (its `item.location`), so for a pytest report
 * (root named "pytest tests" or a suite named "pytest") one is added. A `line`
 * that is not a non-negative integer is dropped and counted in one warning.
 *
 * A report with suites but no `<testcase>` is valid (0 tests) and says so in a
 * warning, so that an empty run never looks like a green one unnoticed.
 */
import type { ReportPayload } from '../../model/report.js';
import type { TestCaseProblem, TestCounts, TestsData } from '../../model/tests.js';
import type { ByteSource } from '../../stream.js';
import { XmlShapeError, intAttr, parseXml, xmlRootName, type XmlAttributes } from '../../xml.js';
import type { ParseContext, ReportParser } from '../types.js';

const MAX_MESSAGE = 1000;

type Declared = NonNullable<TestsData['declared']>;

interface SuiteFrame {
  name: string | undefined;
  depth: number;
  file: string | undefined;
  declared: Declared;
  /** Counters when the suite opened: its own counts are the difference at close. */
  start: Counted;
}

interface CaseState {
  depth: number;
  name: string;
  classname: string | undefined;
  suite: string | undefined;
  file: string | undefined;
  line: number | undefined;
  kind?: 'failure' | 'error';
  skipped: boolean;
  message?: string;
  type?: string;
  /** Depth of the `<failure>`/`<error>` whose text is being gathered. */
  captureDepth?: number;
  text: string;
}

function declaredOf(attrs: XmlAttributes): Declared {
  const d: Declared = {};
  const total = intAttr(attrs, 'tests');
  const failed = intAttr(attrs, 'failures');
  const errored = intAttr(attrs, 'errors');
  const skipped = intAttr(attrs, 'skipped') ?? intAttr(attrs, 'skip');
  if (total !== undefined) d.total = total;
  if (failed !== undefined) d.failed = failed;
  if (errored !== undefined) d.errored = errored;
  if (skipped !== undefined) d.skipped = skipped;
  return d;
}

type Counted = Omit<TestCounts, 'passed'>;

/** Where a suite's declared totals differ from its counted cases, e.g. `tests="0" but 2 case(s)`. */
function differences(d: Declared, own: Counted): string[] {
  const out: string[] = [];
  if (d.total !== undefined && d.total !== own.total) out.push(`tests="${d.total}" but ${own.total} case(s)`);
  if (d.failed !== undefined && d.failed !== own.failed) out.push(`failures="${d.failed}" but ${own.failed} failed`);
  if (d.errored !== undefined && d.errored !== own.errored) out.push(`errors="${d.errored}" but ${own.errored} errored`);
  if (d.skipped !== undefined && d.skipped !== own.skipped) out.push(`skipped="${d.skipped}" but ${own.skipped} skipped`);
  return out;
}

/** Sum of two declared totals; a field one of them lacks is dropped. */
function addDeclared(a: Declared, b: Declared): Declared {
  const out: Declared = {};
  if (a.total !== undefined && b.total !== undefined) out.total = a.total + b.total;
  if (a.failed !== undefined && b.failed !== undefined) out.failed = a.failed + b.failed;
  if (a.errored !== undefined && b.errored !== undefined) out.errored = a.errored + b.errored;
  if (a.skipped !== undefined && b.skipped !== undefined) out.skipped = a.skipped + b.skipped;
  return out;
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).trim().slice(0, MAX_MESSAGE);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v : undefined;
}

export const junitParser: ReportParser = {
  format: 'junit',
  kinds: ['tests'],
  description: 'JUnit XML test results (Surefire, Gradle, jest-junit, pytest, go-junit-report, PHPUnit, mocha)',

  sniff(head) {
    const root = xmlRootName(head);
    return root === 'testsuites' || root === 'testsuite';
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const maxProblems = ctx.limits.maxTestProblems;
    const counts = { total: 0, failed: 0, errored: 0, skipped: 0 };
    const problems: TestCaseProblem[] = [];
    const warnings: string[] = [];
    const suites: SuiteFrame[] = [];
    let suiteCount = 0;
    let pytest = false;
    let rootDeclared: Declared | undefined;
    /** Sum of the top-level suites' declared totals; undefined once one of them declares none. */
    let topDeclared: Declared | undefined;
    let topSuites = 0;
    let mismatched = 0;
    let firstMismatch: string | undefined;
    let badLines = 0;
    let firstBadLine: string | undefined;
    let c: CaseState | undefined;

    await parseXml(source, ctx, {
      open(name, attrs, depth) {
        if (depth === 1) {
          if (name !== 'testsuites' && name !== 'testsuite') {
            throw new XmlShapeError(`not a JUnit report: the root element is <${name}>, expected <testsuites> or <testsuite>`);
          }
          if (name === 'testsuites' && attrs.name === 'pytest tests') pytest = true;
          if (name === 'testsuites') {
            const d = declaredOf(attrs);
            if (d.total !== undefined) rootDeclared = d;
            return;
          }
        }
        if (c) {
          if (depth !== c.depth + 1) return;
          if (name === 'skipped') c.skipped = true;
          else if ((name === 'failure' || name === 'error') && !c.kind) {
            c.kind = name;
            const message = nonEmpty(attrs.message);
            if (message !== undefined) c.message = message.slice(0, MAX_MESSAGE);
            else {
              c.captureDepth = depth;
              const type = nonEmpty(attrs.type);
              if (type !== undefined) c.type = type.slice(0, MAX_MESSAGE);
            }
          }
          return;
        }
        if (name === 'testsuite') {
          const parent = suites[suites.length - 1];
          const suiteName = nonEmpty(attrs.name);
          if (!parent && suiteName === 'pytest') pytest = true;
          const file = nonEmpty(attrs.file)?.replace(/\\/g, '/') ?? parent?.file;
          const declared = declaredOf(attrs);
          suites.push({ name: suiteName, depth, file, declared, start: { ...counts } });
          suiteCount++;
          if (!parent) {
            topSuites++;
            if (topSuites === 1) topDeclared = declared.total !== undefined ? { ...declared } : undefined;
            else topDeclared = topDeclared && declared.total !== undefined ? addDeclared(topDeclared, declared) : undefined;
          }
          return;
        }
        if (name === 'testcase') {
          const suite = suites[suites.length - 1];
          let line: number | undefined;
          const rawLine = attrs.line;
          if (rawLine !== undefined && rawLine.trim() !== '') {
            line = intAttr(attrs, 'line');
            if (line === undefined) {
              badLines++;
              firstBadLine ??= `line="${rawLine.slice(0, 40)}" on ${attrs.name ?? 'a test case'}`;
            } else if (pytest) line += 1;
            else if (line === 0) line = undefined;
          }
          c = {
            depth,
            name: attrs.name ?? '',
            classname: nonEmpty(attrs.classname),
            suite: suite?.name,
            file: nonEmpty(attrs.file)?.replace(/\\/g, '/') ?? suite?.file,
            line,
            skipped: false,
            text: '',
          };
        }
      },

      close(name, depth) {
        if (c) {
          if (depth === c.captureDepth) c.captureDepth = undefined;
          if (depth !== c.depth) return;
          counts.total++;
          if (c.kind) {
            if (c.kind === 'failure') counts.failed++;
            else counts.errored++;
            if (problems.length < maxProblems) {
              const p: TestCaseProblem = {
                kind: c.kind,
                name: c.name,
                message: c.message ?? (firstLine(c.text) || c.type || '(no message)'),
              };
              if (c.suite !== undefined) p.suite = c.suite;
              if (c.classname !== undefined) p.classname = c.classname;
              if (c.file !== undefined) p.path = c.file;
              if (c.line !== undefined) p.line = c.line;
              problems.push(p);
            }
          } else if (c.skipped) counts.skipped++;
          c = undefined;
          return;
        }
        const suite = suites[suites.length - 1];
        if (name !== 'testsuite' || !suite || suite.depth !== depth) return;
        suites.pop();
        const own = {
          total: counts.total - suite.start.total,
          failed: counts.failed - suite.start.failed,
          errored: counts.errored - suite.start.errored,
          skipped: counts.skipped - suite.start.skipped,
        };
        const diffs = differences(suite.declared, own);
        if (diffs.length > 0) {
          mismatched++;
          firstMismatch ??= `suite "${suite.name ?? ''}": ${diffs.join(', ')}`;
        }
      },

      text(t) {
        if (!c || c.captureDepth === undefined) return;
        if (c.text === '') t = t.trimStart();
        c.text += t;
        // Keep only what the first line needs.
        if (c.text.includes('\n') || c.text.length > MAX_MESSAGE) c.captureDepth = undefined;
      },
    });

    const declared = rootDeclared ?? topDeclared;
    if (rootDeclared) {
      const diffs = differences(rootDeclared, counts);
      if (diffs.length > 0) {
        mismatched++;
        firstMismatch ??= `<testsuites>: ${diffs.join(', ')}`;
      }
    }
    if (mismatched > 0) {
      warnings.push(
        `${ctx.path}: ${mismatched} suite(s) declare totals that differ from their <testcase> elements, which are what is counted (first: ${firstMismatch})`,
      );
    }
    if (counts.total === 0) {
      warnings.push(`${ctx.path}: no <testcase> elements (${suiteCount} suite(s)): the report records 0 tests`);
    }
    const kept = problems.length;
    const allProblems = counts.failed + counts.errored;
    if (kept < allProblems) {
      warnings.push(`${ctx.path}: kept the first ${kept} of ${allProblems} failing or erroring test cases; the counts include all of them`);
    }
    if (badLines > 0) warnings.push(`${ctx.path}: ignored ${badLines} malformed line attribute(s) (first: ${firstBadLine})`);

    const tests: TestsData = {
      total: counts.total,
      passed: counts.total - counts.failed - counts.errored - counts.skipped,
      failed: counts.failed,
      errored: counts.errored,
      skipped: counts.skipped,
      problems,
    };
    if (declared && Object.keys(declared).length > 0) tests.declared = declared;
    return { kind: 'tests', tests, warnings };
  },
};
