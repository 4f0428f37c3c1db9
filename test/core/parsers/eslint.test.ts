import { describe, expect, it } from '@jest/globals';
import { eslintParser } from '../../../src/core/parsers/lint/eslint.js';
import { sarifParser } from '../../../src/core/parsers/sarif.js';
import { ReportParseError } from '../../../src/core/errors.js';
import type { Finding } from '../../../src/core/model/findings.js';
import { ownFixture, parseFile, readFixture, realFixture } from '../../helpers/fixtures.js';
import { findingsOf, problemOf, tally, textParser } from '../../helpers/findings.js';

const parseText = textParser({ path: 'eslint.json', format: 'eslint-json' });

const SERVER = '/tmp/eslint-sample/src/server.js';
const BROKEN = '/tmp/eslint-sample/src/broken.js';

/** The findings `eslint -f json` gave for the sample (test/fixtures/eslint/README.md), in report order. */
const EXPECTED = [
  [BROKEN, null, 'error', 6, 3],
  [SERVER, 'no-unused-vars', 'error', 5, 9],
  [SERVER, 'security/detect-non-literal-fs-filename', 'warning', 6, 10],
  [SERVER, 'security/detect-non-literal-regexp', 'warning', 10, 10],
  [SERVER, 'security/detect-child-process', 'error', 14, 3],
  [SERVER, 'security/detect-eval-with-expression', 'error', 18, 10],
  [SERVER, 'eqeqeq', 'warning', 22, 9],
  [SERVER, 'no-console', 'warning', 22, 15],
  [SERVER, 'no-undef', 'error', 27, 61],
];

describe('eslint-json parser: real ESLint output', () => {
  it('reads `eslint -f json`: 5 errors (one fatal parse error) and 4 warnings', async () => {
    const r = await parseFile(ownFixture('eslint/eslint.json'));
    expect(r.format).toBe('eslint-json');
    expect(r.kind).toBe('lint');
    const data = findingsOf(r);
    expect(data.tools).toEqual(['eslint']);
    expect(data.findings.map((f) => [f.path, f.ruleId, f.level, f.line, f.column])).toEqual(EXPECTED);
    expect(tally(data.findings, (f) => f.level)).toEqual({ error: 5, warning: 4 });
    expect(tally(data.findings, (f) => f.severity)).toEqual({ high: 5, medium: 4 });
    expect(data.findings[0]).toEqual({
      tool: 'eslint',
      ruleId: null,
      message: "Parsing error: Unexpected keyword 'return'",
      level: 'error',
      severity: 'high',
      path: BROKEN,
      line: 6,
      column: 3,
    });
    expect(data.findings[1]).toEqual({
      tool: 'eslint',
      ruleId: 'no-unused-vars',
      message: "'unused' is assigned a value but never used.",
      level: 'error',
      severity: 'high',
      path: SERVER,
      line: 5,
      column: 9,
      endLine: 5,
      endColumn: 15,
    });
    // Plain ESLint JSON has no documentation URLs, and the suppressed no-console message is not a finding.
    expect(data.findings.some((f) => f.helpUri !== undefined)).toBe(false);
    expect(data.findings.filter((f) => f.ruleId === 'no-console').map((f) => f.line)).toEqual([22]);
    expect(r.warnings).toEqual([]);
  });

  it('reads `eslint -f json-with-metadata` with the same findings and the rules documentation URLs', async () => {
    const plain = findingsOf(await parseFile(ownFixture('eslint/eslint.json'))).findings;
    const r = await parseFile(ownFixture('eslint/eslint-with-metadata.json'));
    expect(r.format).toBe('eslint-json');
    const data = findingsOf(r);
    expect(data.findings.map(({ helpUri: _h, ...rest }) => rest)).toEqual(plain);
    expect(data.findings.map((f) => f.helpUri ?? null)).toEqual([
      null,
      'https://eslint.org/docs/latest/rules/no-unused-vars',
      'https://github.com/eslint-community/eslint-plugin-security/blob/main/docs/rules/detect-non-literal-fs-filename.md',
      'https://github.com/eslint-community/eslint-plugin-security/blob/main/docs/rules/detect-non-literal-regexp.md',
      'https://github.com/eslint-community/eslint-plugin-security/blob/main/docs/rules/detect-child-process.md',
      'https://github.com/eslint-community/eslint-plugin-security/blob/main/docs/rules/detect-eval-with-expression.md',
      'https://eslint.org/docs/latest/rules/eqeqeq',
      'https://eslint.org/docs/latest/rules/no-console',
      'https://eslint.org/docs/latest/rules/no-undef',
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('reads the security-only pass: the unused-directive report has no rule and is a warning', async () => {
    const r = await parseFile(ownFixture('eslint/eslint-security.json'), { kind: 'security' });
    expect(r.kind).toBe('security');
    const data = findingsOf(r);
    expect(tally(data.findings, (f) => f.level)).toEqual({ error: 1, warning: 5 });
    expect(data.findings[5]).toEqual({
      tool: 'eslint',
      ruleId: null,
      message: "Unused eslint-disable directive (no problems were reported from 'no-console').",
      level: 'warning',
      severity: 'medium',
      path: SERVER,
      line: 23,
      column: 3,
    });
  });

  it('matches the same run written as SARIF except where SARIF has no room (parse error, suppressed)', async () => {
    const json = findingsOf(await parseFile(ownFixture('eslint/eslint.json'))).findings;
    const sarif = findingsOf(await parseFile(ownFixture('eslint/eslint.sarif'))).findings;
    const key = (f: Finding) => `${f.path}:${f.line}:${f.column}:${f.endLine}:${f.endColumn} ${f.ruleId} ${f.level} ${f.message}`;
    expect(sarif.map(key)).toEqual(json.filter((f) => f.ruleId !== null).map(key));
  });

  it('is recognised by its content; SARIF and the other real formats are not taken for ESLint JSON', () => {
    for (const f of ['eslint/eslint.json', 'eslint/eslint-with-metadata.json', 'eslint/eslint-security.json']) {
      expect(eslintParser.sniff(readFixture(ownFixture(f)), 'report.json')).toBe(true);
      expect(sarifParser.sniff(readFixture(ownFixture(f)), 'report.json')).toBe(false);
    }
    expect(eslintParser.sniff(readFixture(ownFixture('eslint/eslint.sarif')), 'eslint.sarif')).toBe(false);
    for (const f of [
      'sarif/trivy-config.sarif',
      'sarif/codeql-no-region.sarif',
      'trivy/trivy-schema2-image.json',
      'semgrep/semgrep-1.30.0.json',
      'npm-audit/npm7-many-vulns.json',
      'checkstyle/phan-iso-8859-15-no-column.checkstyle.xml',
    ]) {
      expect(eslintParser.sniff(readFixture(realFixture(f)), f)).toBe(false);
    }
    expect(eslintParser.sniff('{"foo":1}', 'eslint.json')).toBe(false);
    expect(sarifParser.sniff('{"foo":1}', 'eslint.json')).toBe(false);
    expect(eslintParser.sniff('[]', 'eslint.json')).toBe(false);
  });
});

describe('eslint-json parser: edge cases', () => {
  const file = (filePath: string, messages: unknown[], errorCount: number, warningCount: number, extra: Record<string, unknown> = {}) => ({
    filePath,
    messages,
    suppressedMessages: [],
    errorCount,
    fatalErrorCount: 0,
    warningCount,
    ...extra,
  });

  it('reads small chunks with leading blank space and Windows paths', async () => {
    const doc = [file('C:\\repo\\src\\a.js', [{ ruleId: 'semi', severity: 1, message: 'Missing semicolon.', line: 1, column: 10 }], 0, 1)];
    const r = await parseText(`\n\n   \t${JSON.stringify(doc)}`, {}, 3);
    expect(findingsOf(r).findings).toEqual([
      { tool: 'eslint', ruleId: 'semi', message: 'Missing semicolon.', level: 'warning', severity: 'medium', path: 'C:/repo/src/a.js', line: 1, column: 10 },
    ]);
  });

  it('skips malformed messages and counts them; drops invalid positions; warns when the counts disagree', async () => {
    const doc = [
      file(
        '/r/a.js',
        [
          { ruleId: 'a', severity: 3, message: 'bad severity', line: 1, column: 1 },
          { ruleId: 'b', severity: '2', message: 'string severity', line: 1, column: 1 },
          'not an object',
          { ruleId: 'c', severity: 2, message: 'kept', line: 0, column: 1 },
          { ruleId: 'd', severity: 2, message: 'kept too', line: 4, column: 'x' },
          { ruleId: null, fatal: true, message: 'Parsing error', line: 9, column: 2 },
        ],
        3,
        0,
      ),
      file('/r/b.js', [{ ruleId: 'e', severity: 1, message: 'w', line: 2, column: 2 }], 0, 2),
    ];
    const r = await parseText(doc);
    const f = findingsOf(r).findings;
    expect(f.map((x) => [x.ruleId, x.level, x.line ?? null])).toEqual([
      ['c', 'error', null],
      ['d', 'error', null],
      [null, 'error', 9],
      ['e', 'warning', 2],
    ]);
    expect(r.warnings).toEqual([
      "eslint.json: found 3 error(s) and 1 warning(s), but the report's errorCount/warningCount add up to 3 and 2",
      'eslint.json: skipped 3 malformed message(s) (first: [0].messages[0]: severity 3)',
      'eslint.json: 2 message(s) had an invalid line or column and are kept without a line',
    ]);
  });

  it('refuses what is not ESLint JSON', async () => {
    expect(await problemOf(parseText([{ path: 'a.js', warnings: [] }]))).toBe('[0] is not an ESLint file result (it needs "filePath" and a "messages" array)');
    expect(await problemOf(parseText({ results: [{ filePath: 'a.js' }] }))).toBe(
      'results[0] is not an ESLint file result (it needs "filePath" and a "messages" array)',
    );
    expect(await problemOf(parseText({ foo: 1 }))).toBe('not ESLint JSON: an object without "results" file entries or "metadata"');
    expect(await problemOf(parseText('42'))).toBe('not ESLint JSON: expected an array of file results or {"results": [...]}, found "4"');
    expect(await problemOf(parseText('  \n'))).toBe('the file is empty: not ESLint JSON');
    expect(await problemOf(parseText({ results: { a: file('a.js', [], 0, 0) } }))).toBe('not ESLint JSON: "results" is not an array');
    const cut = await parseText('[{"filePath": "a.js", "messages": [', { path: 'cut.json' }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(ReportParseError);
    expect((cut as ReportParseError).location.file).toBe('cut.json');
  });

  it('warns when ESLint linted no files', async () => {
    const r = await parseText('[]');
    expect(findingsOf(r)).toEqual({ findings: [], tools: ['eslint'] });
    expect(r.warnings).toEqual(['eslint.json: the report lists no files: ESLint linted nothing']);
  });

  it('caps findings at maxFindings and states the total', async () => {
    const msgs = (n: number, severity: number) => Array.from({ length: n }, (_, i) => ({ ruleId: 'r', severity, message: `m${i}`, line: i + 1, column: 1 }));
    const r = await parseText([file('/a.js', msgs(3, 2), 3, 0), file('/b.js', msgs(4, 1), 0, 4)], { limits: { maxFindings: 5 } });
    const f = findingsOf(r).findings;
    expect(f.map((x) => `${x.path}:${x.line}`)).toEqual(['/a.js:1', '/a.js:2', '/a.js:3', '/b.js:1', '/b.js:2']);
    expect(r.warnings).toEqual(['eslint.json: 7 findings, only the first 5 are kept (limit maxFindings); 2 more are not listed']);
  });

  it('leaves Object.prototype alone and never takes inherited properties for ESLint ones', async () => {
    const text = `{"results": [{"filePath": "/a.js", "errorCount": 1, "warningCount": 0, "messages": [
        {"ruleId": "__proto__", "severity": 2, "message": "own", "line": 1, "column": 1},
        {"__proto__": {"severity": 2, "polluted": true}, "ruleId": "x", "message": "inherits nothing"}
      ]}],
      "metadata": {"rulesMeta": {"__proto__": {"docs": {"url": "https://example.test/proto"}}, "constructor": {"docs": {}}}}}`;
    const r = await parseText(text);
    expect(findingsOf(r).findings).toEqual([
      { tool: 'eslint', ruleId: '__proto__', message: 'own', level: 'error', severity: 'high', path: '/a.js', line: 1, column: 1, helpUri: 'https://example.test/proto' },
    ]);
    expect(r.warnings).toEqual(['eslint.json: skipped 1 malformed message(s) (first: results[0].messages[1]: severity undefined)']);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('severity');
  });
});
