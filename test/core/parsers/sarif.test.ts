import { describe, expect, it } from '@jest/globals';
import { sarifParser } from '../../../src/core/parsers/sarif.js';
import { eslintParser } from '../../../src/core/parsers/lint/eslint.js';
import { decodeHead } from '../../../src/core/stream.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, parseFile, readFixture, realFixture } from '../../helpers/fixtures.js';
import { findingsOf, problemOf, tally, textParser } from '../../helpers/findings.js';

const parseText = textParser({ path: 'log.sarif', format: 'sarif' });

const driver = (name: string, rules: unknown[] = [], extra: Record<string, unknown> = {}) => ({ driver: { name, rules, ...extra } });

describe('sarif parser: real logs', () => {
  it('reads both runs of the CodeQL multi-run log with levels from the rule defaults', async () => {
    const r = await parseFile(realFixture('sarif/codeql-action-valid-multi-run.sarif'));
    expect(r.format).toBe('sarif');
    expect(r.kind).toBe('security');
    const data = findingsOf(r);
    expect(data.tools).toEqual(['LGTM.com', 'CodeQL command-line toolchain']);
    expect(data.findings.length).toBe(3);
    expect(tally(data.findings, (f) => f.tool)).toEqual({ 'LGTM.com': 1, 'CodeQL command-line toolchain': 2 });
    expect(tally(data.findings, (f) => f.level)).toEqual({ note: 3 });
    expect(tally(data.findings, (f) => f.severity)).toEqual({ low: 3 });
    expect(data.findings[0]).toEqual({
      tool: 'LGTM.com',
      ruleId: 'js/unused-local-variable',
      message: 'Unused variable foo.',
      level: 'note',
      severity: 'low',
      path: 'main.js',
      line: 2,
      column: 7,
      endColumn: 10,
      toolFingerprint: '39fa2ee980eb94b0:1',
    });
    expect(data.findings[2]).toEqual({
      tool: 'CodeQL command-line toolchain',
      ruleId: 'js/inconsistent-use-of-new',
      message:
        'Function resolvingPromise is sometimes invoked as a constructor (for example [here](1)), and sometimes as a normal function (for example [here](2)).',
      level: 'note',
      severity: 'low',
      path: 'src/promiseUtils.js',
      line: 2,
      toolFingerprint: '5061c3315a741b7d:1',
    });
    expect(r.warnings).toEqual([]);
  });

  it('reads the file-level CodeQL result (results before tool, version last) as a warning without a line', async () => {
    const r = await parseFile(realFixture('sarif/codeql-no-region.sarif'));
    const data = findingsOf(r);
    expect(data.tools).toEqual(['CodeQL command-line toolchain']);
    expect(data.findings).toEqual([
      {
        tool: 'CodeQL command-line toolchain',
        ruleId: 'cpp/missing-header-guard',
        message: 'This header file should contain a header guard to prevent multiple inclusion.',
        level: 'warning',
        severity: 'medium',
        path: 'no_header_guard.h',
      },
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('reads the Trivy config scan with explicit levels and string security-severity scores', async () => {
    const r = await parseFile(realFixture('sarif/trivy-config.sarif'));
    expect(r.kind).toBe('security');
    const data = findingsOf(r);
    expect(data.tools).toEqual(['Trivy']);
    expect(data.findings.length).toBe(8);
    expect(tally(data.findings, (f) => f.level)).toEqual({ error: 5, note: 2, warning: 1 });
    // "8.0" -> high, "5.5" -> medium, "2.0" -> low
    expect(tally(data.findings, (f) => f.severity)).toEqual({ high: 5, low: 2, medium: 1 });
    expect(data.findings.map((f) => f.ruleId)).toEqual(['AWS-0086', 'AWS-0087', 'AWS-0089', 'AWS-0090', 'AWS-0091', 'AWS-0093', 'AWS-0094', 'AWS-0132']);
    const f = data.findings[3]!;
    expect(f).toMatchObject({ ruleId: 'AWS-0090', level: 'warning', severity: 'medium', path: 'main.tf', line: 16, column: 1, endLine: 16, endColumn: 1 });
    expect(f.helpUri).toBe('https://avd.aquasec.com/misconfig/aws-0090');
    expect(data.findings.every((x) => x.path === 'main.tf' && x.toolFingerprint === undefined && x.ids === undefined)).toBe(true);
    expect(data.findings[0]!.message.split('\n')[3]).toBe('Severity: HIGH');
  });

  it('reads a Flawfinder log: levels from its risk levels, fingerprints, undefined SRCROOT kept relative', async () => {
    const r = await parseFile(ownFixture('sarif/flawfinder.sarif'));
    expect(r.format).toBe('sarif');
    expect(r.kind).toBe('security');
    const data = findingsOf(r);
    expect(data.tools).toEqual(['Flawfinder']);
    expect(data.findings.map((f) => `${f.path}:${f.line} ${f.ruleId} ${f.level}/${f.severity}`)).toEqual([
      'src/copy.c:6 FF1013 note/low',
      'src/copy.c:7 FF1001 error/high',
      'src/copy.c:8 FF1016 error/high',
      'src/copy.c:12 FF1013 note/low',
      'src/copy.c:14 FF1015 error/high',
      'src/copy.c:15 FF1044 error/high',
    ]);
    expect(data.findings[1]).toEqual({
      tool: 'Flawfinder',
      ruleId: 'FF1001',
      message: 'buffer/strcpy:Does not check for buffer overflows when copying to destination [MS-banned] (CWE-120).',
      level: 'error',
      severity: 'high',
      path: 'src/copy.c',
      line: 7,
      column: 3,
      endColumn: 21,
      helpUri: 'https://cwe.mitre.org/data/definitions/120.html',
      toolFingerprint: 'e3df27891f2454929855923c7ab869c6a11ab7c0b290554a892eab980ae76094',
    });
    expect(r.warnings).toEqual([]);
  });

  it('honours a kind given by the caller', async () => {
    const r = await parseFile(realFixture('sarif/trivy-config.sarif'), { kind: 'lint' });
    expect(r.kind).toBe('lint');
    expect(findingsOf(r).findings.length).toBe(8);
  });

  it('reads the ESLint formatter log: suppressed result skipped, parse error reported as a warning', async () => {
    const r = await parseFile(ownFixture('eslint/eslint.sarif'));
    expect(r.format).toBe('sarif');
    expect(r.kind).toBe('lint');
    const data = findingsOf(r);
    expect(data.tools).toEqual(['ESLint']);
    expect(data.findings.length).toBe(8);
    expect(tally(data.findings, (f) => f.level)).toEqual({ error: 4, warning: 4 });
    expect(new Set(data.findings.map((f) => f.path))).toEqual(new Set(['/tmp/eslint-sample/src/server.js']));
    expect(data.findings.find((f) => f.ruleId === 'eqeqeq')).toEqual({
      tool: 'ESLint',
      ruleId: 'eqeqeq',
      message: "Expected '===' and instead saw '=='.",
      level: 'warning',
      severity: 'medium',
      path: '/tmp/eslint-sample/src/server.js',
      line: 22,
      column: 9,
      endLine: 22,
      endColumn: 11,
      helpUri: 'https://eslint.org/docs/latest/rules/eqeqeq',
    });
    expect(r.warnings).toEqual([
      `${ownFixture('eslint/eslint.sarif')}: runs[0] (ESLint) reports that it did not complete (executionSuccessful: false) with 1 error notification(s), first: "Parsing error: Unexpected keyword 'return'" at /tmp/eslint-sample/src/broken.js:6; notifications are not counted as findings`,
      `${ownFixture('eslint/eslint.sarif')}: skipped 1 suppressed result(s)`,
    ]);
  });

  it('classes an ESLint log with only eslint-plugin-security rules as a security report', async () => {
    const r = await parseFile(ownFixture('eslint/eslint-security.sarif'));
    expect(r.kind).toBe('security');
    const data = findingsOf(r);
    expect(data.findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`)).toEqual([
      '6:10 security/detect-non-literal-fs-filename',
      '10:10 security/detect-non-literal-regexp',
      '14:3 security/detect-child-process',
      '18:10 security/detect-eval-with-expression',
    ]);
    expect(tally(data.findings, (f) => f.severity)).toEqual({ medium: 4 });
  });

  it('is recognised by its content, and the other real formats are not taken for SARIF', () => {
    for (const f of ['sarif/codeql-action-valid-multi-run.sarif', 'sarif/codeql-no-region.sarif', 'sarif/trivy-config.sarif']) {
      expect(sarifParser.sniff(readFixture(realFixture(f)), 'report.json')).toBe(true);
    }
    expect(sarifParser.sniff(readFixture(ownFixture('eslint/eslint.sarif')), 'out.json')).toBe(true);
    expect(sarifParser.sniff(readFixture(ownFixture('sarif/flawfinder.sarif')), 'out.json')).toBe(true);
    for (const f of ['trivy/trivy-schema2-image.json', 'semgrep/semgrep-1.30.0.json', 'npm-audit/npm7-many-vulns.json', 'lcov/swift-llvm-cov.lcov.info']) {
      expect(sarifParser.sniff(readFixture(realFixture(f)), f)).toBe(false);
    }
    for (const f of ['eslint/eslint.json', 'eslint/eslint-with-metadata.json']) {
      expect(sarifParser.sniff(readFixture(ownFixture(f)), f)).toBe(false);
    }
    expect(sarifParser.sniff('{"foo":1}', 'x.json')).toBe(false);
    expect(eslintParser.sniff('{"foo":1}', 'x.json')).toBe(false);
    // A head cut at 64 KiB still sniffs.
    const big = readFixture(realFixture('sarif/trivy-config.sarif'));
    expect(sarifParser.sniff(decodeHead(new TextEncoder().encode(big).subarray(0, 300)), 'r')).toBe(true);
  });
});

describe('sarif parser: versions and shapes', () => {
  it('refuses SARIF 1.0 naming the version, wherever the version is written', async () => {
    const v1 = { version: '1.0.0', $schema: 'http://json.schemastore.org/sarif-1.0.0', runs: [{ tool: { name: 'old' }, results: [] }] };
    expect(await problemOf(parseText(v1))).toBe(
      'SARIF version 1.0.0 is not supported (only SARIF 2.1.0 is read; convert older logs with the SARIF multitool)',
    );
    // version after the runs: the 1.0 tool shape must not hide the version problem
    const last = { runs: [{ tool: { name: 'old' }, results: [{ ruleId: 'a', message: 'x' }] }], version: '1.0.0' };
    expect(await problemOf(parseText(last))).toMatch(/^SARIF version 1\.0\.0 is not supported/);
    expect(await problemOf(parseText({ version: 2.1, runs: [] }))).toBe('SARIF version 2.1 is not supported (only 2.1.0 is read)');
  });

  it('refuses a log without a version', async () => {
    const err = parseText({ runs: [{ tool: driver('x'), results: [] }] }, { path: 'nov.sarif' });
    await expect(err).rejects.toThrow(new ReportParseError('no "version": not a SARIF 2.1.0 log', { file: 'nov.sarif' }));
  });

  it('refuses 2.1.0 shape errors and logs with no runs', async () => {
    expect(await problemOf(parseText({ version: '2.1.0', runs: [{ tool: { name: 'old' }, results: [] }] }))).toBe(
      'runs[0].tool has no driver object (SARIF 2.1.0 requires tool.driver)',
    );
    expect(await problemOf(parseText({ version: '2.1.0', runs: [{ tool: driver(''), results: [] }] }))).toBe(
      'runs[0].tool.driver has no name (required by SARIF 2.1.0)',
    );
    expect(await problemOf(parseText({ version: '2.1.0', runs: [{ results: [{ message: { text: 'x' } }] }] }))).toBe(
      'runs[0] has results but no tool (SARIF 2.1.0 requires run.tool)',
    );
    expect(await problemOf(parseText({ version: '2.1.0', runs: [] }))).toBe(
      'the log has no runs with a tool: nothing was analysed, or this is not a SARIF log',
    );
    expect(await problemOf(parseText({ version: '2.1.0', runs: { a: { tool: driver('x') } } }))).toBe('"runs" is not an array');
    const cut = await parseText('{"version": "2.1.0", "runs": [', { path: 'cut.sarif' }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(ReportParseError);
    expect((cut as ReportParseError).location.file).toBe('cut.sarif');
  });

  it('decides the kind from security tags, scores and known scanners when the caller does not say', async () => {
    const kindOf = async (tool: unknown, results: unknown[] = []) => (await parseText({ version: '2.1.0', runs: [{ tool, results }] })).kind;
    expect(await kindOf(driver('mylinter', [{ id: 'a', properties: { tags: ['style'] } }]))).toBe('lint');
    expect(await kindOf(driver('mylinter', [{ id: 'a', properties: { tags: ['Security'] } }]))).toBe('security');
    expect(await kindOf(driver('mylinter'), [{ message: { text: 'x' }, properties: { 'security-severity': '5.0' } }])).toBe('security');
    expect(await kindOf(driver('gitleaks'))).toBe('security');
    expect(await kindOf({ driver: { name: 'x', fullName: 'Checkov static analysis' } })).toBe('security');
    expect(await kindOf(driver('ESLint', [{ id: 'security/detect-eval-with-expression' }, { id: 'no-undef' }]))).toBe('lint');
  });

  it('accepts a run with no results as a clean run', async () => {
    const r = await parseText({ version: '2.1.0', runs: [{ tool: driver('mylinter'), results: [] }] });
    expect(r.kind).toBe('lint');
    expect(findingsOf(r)).toEqual({ findings: [], tools: ['mylinter'] });
  });
});

describe('sarif parser: results', () => {
  it('keeps results without locations at project level and without a region at file level', async () => {
    const r = await parseText({
      version: '2.1.0',
      runs: [
        {
          tool: driver('scanner', [{ id: 'R1', defaultConfiguration: { level: 'error' } }]),
          results: [
            { ruleId: 'R1', message: { text: 'project' } },
            { ruleId: 'R1', message: { text: 'empty list' }, locations: [] },
            { ruleId: 'R1', message: { text: 'logical' }, locations: [{ logicalLocations: [{ name: 'f' }] }] },
            { ruleId: 'R1', message: { text: 'file' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a.c' } } }] },
            {
              ruleId: 'R1',
              message: { text: 'offsets' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'b.c' }, region: { charOffset: 10, charLength: 3 } } }],
            },
          ],
        },
      ],
    });
    const f = findingsOf(r).findings;
    expect(f.map((x) => [x.message, x.path ?? null, x.line ?? null])).toEqual([
      ['project', null, null],
      ['empty list', null, null],
      ['logical', null, null],
      ['file', 'a.c', null],
      ['offsets', 'b.c', null],
    ]);
    expect(f.every((x) => x.level === 'error' && x.severity === 'high')).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('resolves uriBaseId through originalUriBaseIds given after the results, and keeps unknown bases relative', async () => {
    const loc = (uri: string, uriBaseId?: string, index?: number) => ({
      physicalLocation: { artifactLocation: { uri, ...(uriBaseId ? { uriBaseId } : {}), ...(index !== undefined ? { index } : {}) }, region: { startLine: 3 } },
    });
    const run = {
      tool: driver('scanner'),
      results: [
        { message: { text: 'a' }, locations: [loc('lib/a%20b.ts', 'SRCROOT')] },
        { message: { text: 'b' }, locations: [loc('x.ts', 'PKG')] },
        { message: { text: 'c' }, locations: [loc('y.ts', 'NOPE')] },
        { message: { text: 'd' }, locations: [loc('file:///C:/work/z.ts', 'SRCROOT')] },
        { message: { text: 'e' }, locations: [{ physicalLocation: { artifactLocation: { index: 1 } } }] },
        { message: { text: 'f' }, locations: [loc('win\\path.ts')] },
      ],
      artifacts: [{ location: { uri: 'zero.ts' } }, { location: { uri: 'dir/one.ts', uriBaseId: 'SRCROOT' } }],
      originalUriBaseIds: {
        SRCROOT: { uri: 'file:///home/runner/work/app/' },
        PKG: { uri: 'packages/core/', uriBaseId: 'SRCROOT' },
      },
    };
    const f = findingsOf(await parseText({ version: '2.1.0', runs: [run] })).findings;
    expect(f.map((x) => x.path)).toEqual([
      '/home/runner/work/app/lib/a b.ts',
      '/home/runner/work/app/packages/core/x.ts',
      'y.ts',
      'C:/work/z.ts',
      '/home/runner/work/app/dir/one.ts',
      'win/path.ts',
    ]);
    // Without originalUriBaseIds the base id is dropped and the path stays relative.
    const bare = findingsOf(await parseText({ version: '2.1.0', runs: [{ ...run, originalUriBaseIds: undefined }] })).findings;
    expect(bare.map((x) => x.path)).toEqual(['lib/a b.ts', 'x.ts', 'y.ts', 'C:/work/z.ts', 'dir/one.ts', 'win/path.ts']);
  });

  it('builds messages from rule messageStrings and arguments, and falls back to the rule description', async () => {
    const rules = [
      { id: 'T1', messageStrings: { default: { text: 'Call to {0} in {1} ({{kept}}, {5})' } }, shortDescription: { text: 'short' } },
      { id: 'T2', shortDescription: { text: 'Rule two' } },
    ];
    const r = await parseText({
      version: '2.1.0',
      runs: [
        {
          tool: driver('scanner', rules, { globalMessageStrings: { g: { markdown: 'global {0}' } } }),
          results: [
            { ruleId: 'T1', message: { id: 'default', arguments: ['eval', 'main'] } },
            { ruleId: 'T1', message: { text: 'inline {0}', arguments: ['arg'] } },
            { ruleId: 'T2', message: { id: 'g', arguments: [42] } },
            { ruleId: 'T2', message: { markdown: '**md**' } },
            { ruleId: 'T2', message: {} },
            { ruleId: 'T9', message: { id: 'missing' } },
            { message: {} },
          ],
        },
      ],
    });
    expect(findingsOf(r).findings.map((x) => x.message)).toEqual([
      'Call to eval in main ({kept}, {5})',
      'inline arg',
      'global 42',
      '**md**',
      'Rule two',
      'T9',
    ]);
    expect(r.warnings).toEqual(['log.sarif: skipped 1 malformed result(s) (first: runs[0].results[6]: a result with no message and no rule)']);
  });

  it('takes levels from the result, the rule (by index, id or extension) or the SARIF default, and skips "none"', async () => {
    const run = {
      tool: {
        driver: { name: 'CodeQL', rules: [{ id: 'D0', defaultConfiguration: { level: 'error' } }, { id: 'D1', defaultConfiguration: { level: 'none' } }] },
        extensions: [{ name: 'pack', rules: [{ id: 'E0', defaultConfiguration: { level: 'note' }, helpUri: 'https://example.test/E0' }] }],
      },
      results: [
        { ruleId: 'D0', ruleIndex: 0, message: { text: '1' } },
        { ruleId: 'D0', message: { text: '2' } },
        { ruleId: 'D0', level: 'warning', message: { text: '3' } },
        { rule: { id: 'E0', index: 0, toolComponent: { index: 0 } }, message: { text: '4' } },
        { ruleId: 'E0', message: { text: '5' } },
        { ruleId: 'D0/sub', message: { text: '6' } },
        { ruleId: 'UNKNOWN', message: { text: '7' } },
        { ruleId: 'D1', message: { text: 'none by rule' } },
        { ruleId: 'D0', level: 'none', message: { text: 'none' } },
        { ruleId: 'D0', kind: 'pass', message: { text: 'passed' } },
        { ruleId: 'D0', kind: 'fail', message: { text: '8' } },
        { ruleId: 'D0', level: 'critical', message: { text: 'bad' } },
        { ruleId: 'D0', message: { text: 'suppressed' }, suppressions: [{ kind: 'inSource' }] },
        { ruleId: 'D0', message: { text: '9' }, suppressions: [{ kind: 'external', status: 'rejected' }] },
        { ruleId: 'D0', message: { text: 'gone' }, baselineState: 'absent' },
        'not an object',
      ],
    };
    const r = await parseText({ version: '2.1.0', runs: [run] });
    const f = findingsOf(r).findings;
    expect(f.map((x) => `${x.message}:${x.level}`)).toEqual([
      '1:error',
      '2:error',
      '3:warning',
      '4:note',
      '5:note',
      '6:error',
      '7:warning',
      '8:error',
      '9:error',
    ]);
    expect(f[3]!.helpUri).toBe('https://example.test/E0');
    expect(f[3]!.ruleId).toBe('E0');
    expect(r.warnings).toEqual([
      'log.sarif: skipped 3 result(s) with level "none" (or a kind other than "fail")',
      'log.sarif: skipped 1 suppressed result(s)',
      'log.sarif: skipped 1 result(s) whose baselineState is "absent" (no longer present)',
      'log.sarif: skipped 2 malformed result(s) (first: runs[0].results[11]: level "critical" is not a SARIF level)',
    ]);
  });

  it('maps security-severity scores (result over rule) and falls back to the level for unusable ones', async () => {
    const rules = [
      { id: 'S1', properties: { 'security-severity': '9.8', tags: ['security', 'external/cwe/cwe-079'] } },
      { id: 'S2', properties: { 'security-severity': 'high' } },
      { id: 'S3', properties: { 'security-severity': 12 } },
      { id: 'S4', properties: { 'security-severity': '0.0' } },
    ];
    const r = await parseText({
      version: '2.1.0',
      runs: [
        {
          tool: driver('mytool', rules),
          results: [
            { ruleId: 'S1', level: 'note', message: { text: 'a' } },
            { ruleId: 'S1', message: { text: 'b' }, properties: { 'security-severity': 4 } },
            { ruleId: 'S2', level: 'error', message: { text: 'c' } },
            { ruleId: 'S3', level: 'note', message: { text: 'd' } },
            { ruleId: 'S4', message: { text: 'e' } },
          ],
        },
      ],
    });
    expect(r.kind).toBe('security');
    expect(findingsOf(r).findings.map((x) => `${x.level}/${x.severity}`)).toEqual(['note/critical', 'warning/medium', 'error/high', 'note/low', 'warning/info']);
    expect(r.warnings).toEqual(['log.sarif: 2 security-severity value(s) were not scores from 0 to 10; the severity was taken from the level']);
  });

  it('collects CVE and GHSA ids and fingerprints, and counts invalid regions', async () => {
    const rules = [{ id: 'CVE-2021-44228', name: 'log4shell', properties: { tags: ['vuln', 'ghsa-jfh8-c2jp-5v3q'], cwe: 'CWE-502' } }];
    const r = await parseText({
      version: '2.1.0',
      runs: [
        {
          tool: driver('Grype', rules),
          results: [
            {
              ruleId: 'CVE-2021-44228',
              message: { text: 'log4j' },
              properties: { aliases: ['cve-2021-45046'] },
              partialFingerprints: { other: 'p1', primaryLocationLineHash: 'h1' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'pom.xml' }, region: { startLine: 0 } } }],
            },
            { ruleId: 'CVE-2021-44228', message: { text: 'two' }, partialFingerprints: { other: 'p2' }, fingerprints: { f: 'f2' } },
            { ruleId: 'CVE-2021-44228', message: { text: 'three' }, partialFingerprints: {}, fingerprints: { 'stable/v1': 'f3' } },
          ],
        },
      ],
    });
    expect(r.kind).toBe('security');
    const f = findingsOf(r).findings;
    expect(f[0]!.ids).toEqual(['CVE-2021-44228', 'CVE-2021-45046', 'GHSA-jfh8-c2jp-5v3q']);
    expect(f[0]!.path).toBe('pom.xml');
    expect(f[0]!.line).toBeUndefined();
    expect(f.map((x) => x.toolFingerprint)).toEqual(['h1', 'p2', 'f3']);
    expect(r.warnings).toEqual(['log.sarif: 1 result(s) had an invalid region (line or column not a positive integer) and are kept without a line']);
  });

  it('caps findings with a warning giving the total, also for results buffered before their tool', async () => {
    const results = (n: number) => Array.from({ length: n }, (_, i) => ({ ruleId: 'R', message: { text: `m${i}` } }));
    const toolFirst = { version: '2.1.0', runs: [{ tool: driver('t'), results: results(5) }, { tool: driver('u'), results: results(2) }] };
    const a = await parseText(toolFirst, { limits: { maxFindings: 3 } });
    expect(findingsOf(a).findings.map((x) => x.message)).toEqual(['m0', 'm1', 'm2']);
    expect(findingsOf(a).tools).toEqual(['t', 'u']);
    expect(a.warnings).toEqual(['log.sarif: 7 findings, only the first 3 are kept (limit maxFindings); 4 more are not listed']);

    const none = [{ id: 'N', defaultConfiguration: { level: 'none' } }];
    const resultsFirst = {
      runs: [{ results: [...results(4), { ruleId: 'N', message: { text: 'n' } }, { ruleId: 'N', message: { text: 'n' } }, ...results(1)], tool: driver('t', none) }],
      version: '2.1.0',
    };
    const b = await parseText(resultsFirst, { limits: { maxFindings: 2 } }, 13);
    expect(findingsOf(b).findings.map((x) => x.message)).toEqual(['m0', 'm1']);
    expect(b.warnings).toEqual([
      'log.sarif: 5 findings, only the first 2 are kept (limit maxFindings); 3 more are not listed',
      'log.sarif: skipped 2 result(s) with level "none" (or a kind other than "fail")',
    ]);
  });

  it('reads at most maxRuns runs and says how many results it left', async () => {
    const run = (name: string, n: number) => ({ tool: driver(name), results: Array.from({ length: n }, () => ({ message: { text: name } })) });
    const r = await parseText({ version: '2.1.0', runs: [run('a', 1), run('b', 2), run('c', 3), run('d', 4)] }, { limits: { maxRuns: 2 } });
    const data = findingsOf(r);
    expect(data.tools).toEqual(['a', 'b']);
    expect(data.findings.length).toBe(3);
    expect(r.warnings).toEqual(['log.sarif: read the first 2 of 4 runs (limit maxRuns); the 7 result(s) of the other runs are not counted']);
  });

  it('leaves Object.prototype alone and never takes inherited properties for SARIF ones', async () => {
    const text = `{"version": "2.1.0", "runs": [{
      "tool": {"driver": {"name": "t", "rules": [{"id": "__proto__", "defaultConfiguration": {"level": "error"},
        "messageStrings": {"__proto__": {"text": "proto {0}"}}, "properties": {"__proto__": {"polluted": "rule"}}}]}},
      "originalUriBaseIds": {"__proto__": {"uri": "file:///proto/"}},
      "results": [
        {"ruleId": "__proto__", "message": {"id": "__proto__", "arguments": ["x"]},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.ts", "uriBaseId": "__proto__"}}}],
         "properties": {"__proto__": {"polluted": "result"}}},
        {"ruleId": "constructor", "message": {"text": "c", "__proto__": {"text": "inherited"}}},
        {"__proto__": {"level": "error", "ruleId": "X"}, "message": {"text": "plain"}}
      ]}]}`;
    const r = await parseText(text);
    const f = findingsOf(r).findings;
    expect(f.map((x) => [x.ruleId, x.message, x.level, x.path ?? null])).toEqual([
      ['__proto__', 'proto x', 'error', '/proto/a.ts'],
      ['constructor', 'c', 'warning', null],
      [null, 'plain', 'warning', null],
    ]);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('level');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
