import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseReport, SNIFF_BYTES } from '../../../src/core/parsers/registry.js';
import { junitParser } from '../../../src/core/parsers/tests/junit.js';
import { bytesOf, decodeHead } from '../../../src/core/stream.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, ownFixturesDir, parseFile, realFixturesDir } from '../../helpers/fixtures.js';

function testsOf(r: Awaited<ReturnType<typeof parseReport>>) {
  if (r.kind !== 'tests') throw new Error(`expected tests, got ${r.kind}`);
  return r.tests;
}

function parseText(text: string | Uint8Array, path = 'TEST-results.xml', chunk = 64 * 1024) {
  return parseReport(bytesOf(text, chunk), { path });
}

function counts(t: ReturnType<typeof testsOf>) {
  return { total: t.total, passed: t.passed, failed: t.failed, errored: t.errored, skipped: t.skipped };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('junit parser', () => {
  it('reads jest-junit output: jest printed 4 passed, 2 failed, 1 skipped, plus one suite that failed to run', async () => {
    const path = ownFixture('junit/jest-junit.xml');
    const r = await parseFile(path);
    expect(r.format).toBe('junit');
    expect(r.kind).toBe('tests');
    const t = testsOf(r);
    // 9 <testcase> elements: the 7 tests jest ran, and for broken.test.js one <error> case
    // plus the <failure> case jest-junit adds for the same suite's execution error.
    expect(counts(t)).toEqual({ total: 9, passed: 4, failed: 3, errored: 1, skipped: 1 });
    expect(t.declared).toEqual({ total: 7, failed: 2, errored: 1 });
    expect(t.problems.filter((p) => p.suite === 'add').map((p) => p.kind)).toEqual(['failure', 'failure']);
    expect(t.problems.filter((p) => p.suite === 'broken.test.js').map((p) => p.kind)).toEqual(['error', 'failure']);
    expect(t.problems[0]).toEqual({
      kind: 'failure',
      suite: 'add',
      classname: 'add is wrong on purpose',
      name: 'add is wrong on purpose',
      message: 'Error: expect(received).toBe(expected) // Object.is equality',
      path: 'math.test.js',
    });
    expect(t.problems[1]!.message).toBe("TypeError: Cannot read properties of undefined (reading 'length')");
    expect(t.problems[2]).toEqual({
      kind: 'error',
      suite: 'broken.test.js',
      classname: 'Test suite failed to run',
      name: 'broken.test.js',
      message: '\u25cf Test suite failed to run',
      path: 'broken.test.js',
    });
    expect(r.warnings).toEqual([
      `${path}: 2 suite(s) declare totals that differ from their <testcase> elements, which are what is counted ` +
        '(first: suite "broken.test.js": tests="0" but 2 case(s), failures="0" but 1 failed)',
    ]);
  });

  it('reads pytest --junitxml (xunit1): 4 failed, 4 passed, 1 skipped, 1 xfailed, 1 error, with 1-based lines', async () => {
    const r = await parseFile(ownFixture('junit/pytest-xunit1.xml'));
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 11, passed: 4, failed: 4, errored: 1, skipped: 2 });
    expect(t.declared).toEqual({ total: 11, failed: 4, errored: 1, skipped: 2 });
    expect(r.warnings).toEqual([]);
    expect(t.problems.map((p) => [p.kind, p.classname, p.name, p.path, p.line])).toEqual([
      ['failure', 'test_calc', 'test_divide_wrong', 'test_calc.py', 12],
      ['failure', 'test_calc', 'test_divide_by_zero_unexpected', 'test_calc.py', 16],
      ['error', 'test_calc', 'test_uses_broken_fixture', 'test_calc.py', 35],
      ['failure', 'test_calc', 'test_add[2-2-5]', 'test_calc.py', 39],
      ['failure', 'test_calc.TestStrings', 'test_message_with_markup', 'test_calc.py', 48],
    ]);
    expect(t.problems.map((p) => p.message)).toEqual([
      'assert 3.5 == 3\n +  where 3.5 = divide(7, 2)',
      'ZeroDivisionError: division by zero',
      'failed on setup with "RuntimeError: database is not reachable"',
      'assert (2 + 2) == 5',
      'assert "<tag attr=\'x\'>" == \'&amp;\'\n  \n  - &amp;\n  + <tag attr=\'x\'>',
    ]);
    expect(new Set(t.problems.map((p) => p.suite))).toEqual(new Set(['pytest']));
  });

  it('reads pytest --junitxml (xunit2, the default) with the same counts and no positions', async () => {
    const r = await parseFile(ownFixture('junit/pytest-xunit2.xml'));
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 11, passed: 4, failed: 4, errored: 1, skipped: 2 });
    expect(r.warnings).toEqual([]);
    expect(t.problems).toHaveLength(5);
    expect(t.problems.filter((p) => p.path !== undefined || p.line !== undefined)).toEqual([]);
  });

  it('treats a <testsuites> without test cases as a valid report of 0 tests, with a warning', async () => {
    const r = await parseText('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="0" failures="0" errors="0" time="0.1">\n</testsuites>\n', 'empty.xml');
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 });
    expect(t.problems).toEqual([]);
    expect(t.declared).toEqual({ total: 0, failed: 0, errored: 0 });
    expect(r.warnings).toEqual(['empty.xml: no <testcase> elements (0 suite(s)): the report records 0 tests']);
  });

  it('tells failure from error from skipped, and takes the first problem of a case', async () => {
    const xml = [
      '<testsuite name="com.example.CalcTest" tests="7" failures="2" errors="2" skipped="2">',
      '  <testcase name="passes" classname="com.example.CalcTest" time="0.01"><system-out>noise</system-out></testcase>',
      '  <testcase name="fails" classname="com.example.CalcTest"><failure message="expected:&lt;1&gt; but was:&lt;2&gt;" type="org.opentest4j.AssertionFailedError">stack</failure></testcase>',
      '  <testcase name="errors" classname="com.example.CalcTest"><error message="boom" type="java.lang.IllegalStateException">stack</error></testcase>',
      '  <testcase name="skips" classname="com.example.CalcTest"><skipped message="@Disabled"/></testcase>',
      '  <testcase name="both" classname="com.example.CalcTest"><error message="first"/><failure message="second"/></testcase>',
      '  <testcase name="skipped then failed" classname="com.example.CalcTest"><skipped/><failure message="xpass strict"/></testcase>',
      '  <testcase name="flaky" classname="com.example.CalcTest"><flakyFailure message="passed on rerun"/></testcase>',
      '</testsuite>',
    ].join('\n');
    const r = await parseText(xml);
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 7, passed: 2, failed: 2, errored: 2, skipped: 1 });
    expect(t.declared).toEqual({ total: 7, failed: 2, errored: 2, skipped: 2 });
    expect(t.problems.map((p) => [p.kind, p.name, p.message])).toEqual([
      ['failure', 'fails', 'expected:<1> but was:<2>'],
      ['error', 'errors', 'boom'],
      ['error', 'both', 'first'],
      ['failure', 'skipped then failed', 'xpass strict'],
    ]);
    expect(t.problems[0]).toEqual({
      kind: 'failure',
      suite: 'com.example.CalcTest',
      classname: 'com.example.CalcTest',
      name: 'fails',
      message: 'expected:<1> but was:<2>',
    });
    expect(r.warnings).toEqual([
      'TEST-results.xml: 1 suite(s) declare totals that differ from their <testcase> elements, which are what is counted ' +
        '(first: suite "com.example.CalcTest": skipped="2" but 1 skipped)',
    ]);
  });

  it('takes the message from the attribute, else the first text line, else the type, capped at 1000 characters', async () => {
    const long = 'x'.repeat(1500);
    const xml = [
      '<testsuites><testsuite name="s">',
      '<testcase name="a"><failure message="">\n\n   First line of text  \nsecond line</failure></testcase>',
      '<testcase name="b"><failure type="AssertionError"><![CDATA[  ]]></failure></testcase>',
      '<testcase name="c"><error/></testcase>',
      `<testcase name="d"><failure message="${long}"/></testcase>`,
      `<testcase name="e"><failure><![CDATA[${long}\nmore]]></failure></testcase>`,
      '<testcase name="f"><failure>split <![CDATA[across]]> parts\nrest</failure></testcase>',
      '</testsuite></testsuites>',
    ].join('\n');
    const t = testsOf(await parseText(xml, 'm.xml', 7));
    expect(t.problems.map((p) => p.message)).toEqual([
      'First line of text',
      'AssertionError',
      '(no message)',
      'x'.repeat(1000),
      'x'.repeat(1000),
      'split across parts',
    ]);
  });

  it('reads nested suites: nearest suite name, inherited file, declared totals summed over top-level suites', async () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites>',
      '  <testsuite name="Unit" tests="3" failures="1" errors="0" skipped="1">',
      '    <testsuite name="Tests\\MathTest" file="C:\\proj\\tests\\MathTest.php" tests="3" failures="1" errors="0" skipped="1">',
      '      <testcase name="testAdd" class="Tests\\MathTest" classname="Tests.MathTest" file="C:\\proj\\tests\\MathTest.php" line="14"/>',
      '      <testcase name="testSub" classname="Tests.MathTest" line="20"><failure type="PHPUnit\\Framework\\ExpectationFailedException">Failed asserting that 2 matches expected 3.</failure></testcase>',
      '      <testcase name="testMul" classname="Tests.MathTest"><skipped/></testcase>',
      '    </testsuite>',
      '  </testsuite>',
      '  <testsuite name="Integration" tests="2" failures="0" errors="1">',
      '    <testsuite name="DbTest" tests="1" failures="0" errors="0">',
      '      <testcase name="testConnect" classname="DbTest"><error message="Connection refused"/></testcase>',
      '    </testsuite>',
      '    <testcase name="testOuter" classname="Outer"/>',
      '  </testsuite>',
      '</testsuites>',
    ].join('\n');
    const r = await parseText(xml);
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 5, passed: 2, failed: 1, errored: 1, skipped: 1 });
    expect(t.declared).toEqual({ total: 5, failed: 1, errored: 1 });
    expect(t.problems).toEqual([
      {
        kind: 'failure',
        suite: 'Tests\\MathTest',
        classname: 'Tests.MathTest',
        name: 'testSub',
        message: 'Failed asserting that 2 matches expected 3.',
        path: 'C:/proj/tests/MathTest.php',
        line: 20,
      },
      { kind: 'error', suite: 'DbTest', classname: 'DbTest', name: 'testConnect', message: 'Connection refused' },
    ]);
    expect(r.warnings).toEqual([
      'TEST-results.xml: 1 suite(s) declare totals that differ from their <testcase> elements, which are what is counted ' +
        '(first: suite "DbTest": errors="0" but 1 errored)',
    ]);
  });

  it('keeps maxTestProblems problems while the counts stay exact', async () => {
    const cases = Array.from({ length: 6 }, (_, i) => `<testcase name="t${i}"><failure message="m${i}"/></testcase>`).join('');
    const r = await parseReport(bytesOf(`<testsuite name="s">${cases}<testcase name="ok"/></testsuite>`), {
      path: 'cap.xml',
      limits: { maxTestProblems: 4 },
    });
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 7, passed: 1, failed: 6, errored: 0, skipped: 0 });
    expect(t.problems.map((p) => p.name)).toEqual(['t0', 't1', 't2', 't3']);
    expect(r.warnings).toEqual(['cap.xml: kept the first 4 of 6 failing or erroring test cases; the counts include all of them']);
  });

  it('drops a malformed line attribute and counts it in one warning', async () => {
    const xml =
      '<testsuite name="s"><testcase name="a" file="a.py" line="NaN"><failure message="m"/></testcase>' +
      '<testcase name="b" file="b.py" line="0"><failure message="n"/></testcase></testsuite>';
    const r = await parseText(xml);
    expect(testsOf(r).problems).toEqual([
      { kind: 'failure', suite: 's', name: 'a', message: 'm', path: 'a.py' },
      { kind: 'failure', suite: 's', name: 'b', message: 'n', path: 'b.py' },
    ]);
    expect(r.warnings).toEqual(['TEST-results.xml: ignored 1 malformed line attribute(s) (first: line="NaN" on a)']);
  });

  it('reports truncated XML with its line', async () => {
    const full = readFileSync(ownFixture('junit/jest-junit.xml'), 'utf8');
    const cut = full.slice(0, full.indexOf('<testcase classname="add is not run yet"') + 20);
    await expect(parseText(cut, 'cut.xml')).rejects.toThrow(new ReportParseError('unclosed tag: testsuite', { file: 'cut.xml', line: 30, column: 25 }));
  });

  it('rejects billion laughs and XXE documents without expanding or fetching', async () => {
    const laughs = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE testsuites [',
      '<!ENTITY lol "lol">',
      '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">',
      ']>',
      '<testsuites><testsuite name="&lol3;"><testcase name="a"/></testsuite></testsuites>',
    ].join('\n');
    await expect(parseText(laughs, 'lol.xml')).rejects.toThrow(/lol\.xml:7:\d+: .*undefined entity/i);
    const xxe = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE testsuite [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
      '<testsuite name="s"><testcase name="a"><failure>&xxe;</failure></testcase></testsuite>',
    ].join('\n');
    await expect(parseText(xxe, 'xxe.xml')).rejects.toThrow(/xxe\.xml:3:\d+: .*undefined entity/i);
  });

  it('stops 100k-deep nesting with "nesting too deep" instead of overflowing the stack', async () => {
    const depth = 100_000;
    const xml = '<testsuites>' + '<testsuite name="s">'.repeat(depth) + '</testsuite>'.repeat(depth) + '</testsuites>';
    await expect(parseText(xml, 'deep.xml')).rejects.toThrow(/deep\.xml:1:\d+: nesting too deep \(more than 512 levels\)/);
  });

  it('leaves Object.prototype alone when __proto__ is a tag or attribute name', async () => {
    const xml =
      '<testsuites __proto__="x"><testsuite name="__proto__" __proto__="y" tests="1"><__proto__ polluted="yes"/>' +
      '<testcase name="__proto__" classname="constructor" __proto__="z"><failure message="toString" __proto__="w"/></testcase>' +
      '</testsuite></testsuites>';
    const r = await parseText(xml);
    const t = testsOf(r);
    expect(counts(t)).toEqual({ total: 1, passed: 0, failed: 1, errored: 0, skipped: 0 });
    expect(t.problems).toEqual([{ kind: 'failure', suite: '__proto__', classname: 'constructor', name: '__proto__', message: 'toString' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(r.warnings).toEqual([]);
  });

  it('refuses another XML document when the format is given', async () => {
    await expect(
      parseReport(bytesOf('<?xml version="1.0"?>\n<assemblies><assembly/></assemblies>'), { path: 'x.xml', format: 'junit' }),
    ).rejects.toThrow(
      new ReportParseError('not a JUnit report: the root element is <assemblies>, expected <testsuites> or <testsuite>', {
        file: 'x.xml',
        line: 2,
        column: 13,
      }),
    );
  });

  it('sniffs JUnit reports and nothing else', () => {
    const files = [...filesUnder(realFixturesDir), ...filesUnder(ownFixturesDir)].filter((p) => !p.endsWith('.md'));
    const accepted = files.filter((p) => junitParser.sniff(decodeHead(readFileSync(p).subarray(0, SNIFF_BYTES)), p));
    // The JUnit fixtures, and JUnit files that other fixture sets (Action, App) carry as junit.xml.
    expect(accepted.filter((p) => p.includes('/junit/')).map((p) => p.slice(p.lastIndexOf('/') + 1)).sort()).toEqual([
      'jest-junit.xml',
      'pytest-xunit1.xml',
      'pytest-xunit2.xml',
    ]);
    expect(accepted.filter((p) => !p.includes('/junit/')).every((p) => p.endsWith('/junit.xml'))).toBe(true);
    expect(junitParser.sniff('\ufeff<?xml version="1.0"?>\n<!-- surefire -->\n<testsuite xmlns:xsi="x" name="a">', 'TEST-a.xml')).toBe(true);
    expect(junitParser.sniff('<testsuites/>', 'r.xml')).toBe(true);
    expect(junitParser.sniff('<testrun name="NUnit"><testsuite/></testrun>', 'r.xml')).toBe(false);
    expect(junitParser.sniff('<checkstyle><file name="testsuite"/></checkstyle>', 'junit.xml')).toBe(false);
    expect(junitParser.sniff('<testsuitesummary/>', 'junit.xml')).toBe(false);
    expect(junitParser.sniff('{"testsuites": []}', 'junit.json')).toBe(false);
  });
});
