import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { npmAuditParser } from '../../../src/core/parsers/security/npm-audit.js';
import { trivyParser } from '../../../src/core/parsers/security/trivy.js';
import { semgrepParser } from '../../../src/core/parsers/security/semgrep.js';
import { bytesOf } from '../../../src/core/stream.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, parseFile, realFixture } from '../../helpers/fixtures.js';
import { acceptedBy, findingsOf, textParser } from '../../helpers/findings.js';

const parseText = textParser({ path: 'semgrep.json' }, 11);

function result(checkId: string, severity: string, extra: Record<string, unknown> = {}, line = 10) {
  return {
    check_id: checkId,
    path: 'src/app.py',
    start: { line, col: 5, offset: 100 },
    end: { line: line + 1, col: 20, offset: 140 },
    extra: { message: `${checkId} matched`, severity, metadata: {}, fingerprint: 'requires login', lines: 'requires login', ...extra },
  };
}

function report(results: unknown[], errors: unknown[] = [], version = '1.61.0'): string {
  return JSON.stringify({ version, results, errors, paths: { scanned: ['src/app.py'] }, skipped_rules: [] }, null, 2);
}

describe('Semgrep JSON parser', () => {
  it('reads the shared Semgrep 1.30.0 report: 5 WARNING results of one rule in test.go', async () => {
    const r = await parseFile(realFixture('semgrep/semgrep-1.30.0.json'));
    expect(r.format).toBe('semgrep-json');
    expect(r.kind).toBe('security');
    expect(r.warnings).toEqual([]);
    const fs = findingsOf(r).findings;
    expect(fs).toHaveLength(5);
    expect(new Set(fs.map((f) => f.ruleId))).toEqual(new Set(['go.lang.security.audit.net.formatted-template-string.formatted-template-string']));
    expect(fs.map((f) => [f.severity, f.level, f.path])).toEqual(Array(5).fill(['medium', 'warning', 'test.go']));
    expect(fs.map((f) => [f.line, f.column, f.endLine, f.endColumn])).toEqual([
      [27, 5, 30, 31],
      [54, 12, 54, 82],
      [61, 12, 61, 58],
      [67, 5, 71, 31],
      [77, 12, 77, 91],
    ]);
    expect(fs[0]!.toolFingerprint).toBe(
      'f900d4624c2a2c2cae7cb9c94c4fb9df53a242700f19122be398d33598deb554a3fa3af3ba3864af95c90694505624e04e9e1c86fb96338f1feb40bd8b07ef2e_0',
    );
    expect(new Set(fs.map((f) => f.toolFingerprint)).size).toBe(5);
    expect(fs[0]!.ids).toEqual(['CWE-79']);
    expect(fs[0]!.helpUri).toBe('https://semgrep.dev/r/go.lang.security.audit.net.formatted-template-string.formatted-template-string');
    expect(fs[0]!.message).toMatch(/^Found a formatted template string passed to 'template.HTML\(\)'\./);
  });

  it('maps ERROR/WARNING/INFO and the newer words, and prefers metadata security-severity', async () => {
    const r = await parseText(
      report([
        result('r.error', 'ERROR'),
        result('r.warning', 'WARNING'),
        result('r.info', 'INFO'),
        result('r.critical', 'CRITICAL'),
        result('r.scored', 'WARNING', { metadata: { 'security-severity': '9.1' } }),
        result('r.scored-low', 'ERROR', { metadata: { 'security-severity': 2 } }),
        result('r.worded', 'INFO', { metadata: { 'security-severity': 'High' } }),
      ]),
    );
    expect(r.warnings).toEqual([]);
    expect(findingsOf(r).findings.map((f) => [f.ruleId, f.severity, f.level])).toEqual([
      ['r.error', 'high', 'error'],
      ['r.warning', 'medium', 'warning'],
      ['r.info', 'low', 'note'],
      ['r.critical', 'critical', 'error'],
      ['r.scored', 'critical', 'warning'],
      ['r.scored-low', 'low', 'error'],
      ['r.worded', 'high', 'note'],
    ]);
  });

  it('drops the "requires login" fingerprint placeholder and keeps real ones', async () => {
    const r = await parseText(report([result('a', 'ERROR'), result('b', 'ERROR', { fingerprint: 'abc123_0' })]));
    const fs = findingsOf(r).findings;
    expect(fs[0]!.toolFingerprint).toBeUndefined();
    expect(fs[1]!.toolFingerprint).toBe('abc123_0');
  });

  it('turns each Semgrep error into a warning, capped at 20', async () => {
    const errors = Array.from({ length: 23 }, (_, i) => ({
      code: 3,
      level: 'warn',
      type: ['PartialParsing', [{ path: `f${i}.js` }]],
      message: `Syntax error at line f${i}.js:1:\n \`<<\` was unexpected`,
      path: `f${i}.js`,
    }));
    const r = await parseText(report([result('a', 'ERROR')], errors));
    expect(findingsOf(r).findings).toHaveLength(1);
    expect(r.warnings).toHaveLength(22);
    expect(r.warnings[0]).toBe('semgrep.json: Semgrep reported warn PartialParsing in f0.js: Syntax error at line f0.js:1:');
    expect(r.warnings[19]).toBe('semgrep.json: Semgrep reported warn PartialParsing in f19.js: Syntax error at line f19.js:1:');
    expect(r.warnings.slice(20)).toEqual([
      'semgrep.json: Semgrep reported 3 more error(s)',
      'semgrep.json: Semgrep reported 23 error(s); its results may be incomplete',
    ]);
  });

  it('does not count results suppressed with nosemgrep, and skips malformed results with one warning', async () => {
    const r = await parseText(
      report([
        result('kept', 'ERROR'),
        result('ignored', 'ERROR', { is_ignored: true }),
        { check_id: 'no-path', start: { line: 1 }, extra: { severity: 'ERROR' } },
        result('bad-line', 'ERROR', {}, 0),
        result('bad-severity', 'SEVERE'),
      ]),
    );
    expect(findingsOf(r).findings.map((f) => f.ruleId)).toEqual(['kept']);
    expect(r.warnings).toEqual([
      'semgrep.json: 1 result(s) suppressed with nosemgrep were not counted',
      'semgrep.json: skipped 3 malformed result(s) (first: results[2] has no path)',
    ]);
  });

  it('reads a report with no results as zero findings', async () => {
    const r = await parseText(report([]));
    expect(r.format).toBe('semgrep-json');
    expect(findingsOf(r).findings).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('feeds a lint gate when asked for lint', async () => {
    const r = await parseReport(bytesOf(report([result('a', 'WARNING')])), { path: 's.json', kind: 'lint' });
    expect(r.kind).toBe('lint');
    expect(findingsOf(r).findings.map((f) => f.level)).toEqual(['warning']);
  });

  it('refuses an unknown version, naming it', async () => {
    await expect(parseText(report([result('a', 'ERROR')], [], '2.0.0'), { path: 'v2.json' })).rejects.toThrow(
      new ReportParseError('unsupported Semgrep JSON version "2.0.0" (this reads the output of Semgrep 0.x and 1.x)', { file: 'v2.json' }),
    );
    await expect(parseText(JSON.stringify({ version: 7, results: [], errors: [], paths: {} }), { path: 'v7.json' })).rejects.toThrow(
      'v7.json: unsupported Semgrep JSON version 7',
    );
  });

  it('refuses JSON that is not Semgrep output when named as semgrep-json', async () => {
    await expect(parseReport(bytesOf('{"name": "x"}'), { path: 'x.json', format: 'semgrep-json' })).rejects.toThrow(
      'x.json: not a Semgrep JSON report: no version, results, errors or scanned paths',
    );
  });
});

describe('Semgrep sniff', () => {
  it('accepts Semgrep JSON and rejects npm audit, Trivy, SARIF, ESLint and other JSON', () => {
    const real = realFixture('semgrep/semgrep-1.30.0.json');
    expect(acceptedBy(semgrepParser, [real])).toEqual([real]);
    expect(semgrepParser.sniff(report([]), 'empty.json')).toBe(true);
    expect(npmAuditParser.sniff(report([result('a', 'ERROR')]), 's.json')).toBe(false);
    expect(trivyParser.sniff(report([result('a', 'ERROR')]), 's.json')).toBe(false);
    const others = [
      realFixture('npm-audit/npm7-many-vulns.json'),
      ownFixture('npm-audit/npm11-vulnerable.json'),
      ownFixture('npm-audit/npm11-clean.json'),
      realFixture('trivy/trivy-schema2-image.json'),
      realFixture('sarif/trivy-config.sarif'),
      realFixture('sarif/codeql-action-valid-multi-run.sarif'),
      realFixture('sarif/codeql-no-region.sarif'),
    ];
    expect(acceptedBy(semgrepParser, others)).toEqual([]);
    const eslint = '[{"filePath":"/w/a.js","messages":[{"ruleId":"semi","severity":1,"message":"Missing semicolon.","line":3,"column":9}],"errorCount":0,"warningCount":1}]';
    expect(semgrepParser.sniff(eslint, 'eslint.json')).toBe(false);
    const coveragePy = '{"meta": {"format": 3, "version": "7.5.1"}, "files": {"a.py": {"executed_lines": [1], "missing_lines": []}}, "totals": {"covered_lines": 1}}';
    expect(semgrepParser.sniff(coveragePy, 'coverage.json')).toBe(false);
  });
});

describe('every sniff of the three rejects JSON that is none of them', () => {
  it.each([
    ['package.json', '{"name": "x", "version": "1.0.0", "scripts": {"test": "jest"}, "dependencies": {"lodash": "^4.17.21"}}'],
    ['tsconfig.json', '{"compilerOptions": {"strict": true, "outDir": "build"}, "include": ["src"]}'],
    ['coverage-final.json', '{"/w/a.js": {"path": "/w/a.js", "statementMap": {}, "fnMap": {}, "branchMap": {}, "s": {}, "f": {}, "b": {}}}'],
    ['results.json', '{"results": [{"id": 1}], "errors": []}'],
    ['array.json', '[{"Target": "x"}]'],
  ])('%s', (name, text) => {
    expect([npmAuditParser.sniff(text, name), trivyParser.sniff(text, name), semgrepParser.sniff(text, name)]).toEqual([false, false, false]);
  });
});
