import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/core/config/load.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import { CoverageBuilder } from '../../src/core/model/coverage.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { gateValue } from '../../src/core/render/common.js';
import { JSON_CONTRACT_VERSION, reportsJson, verdictJson } from '../../src/core/render/json.js';
import { mdEscape, renderGateDetails, renderMarkdown } from '../../src/core/render/markdown.js';
import { renderTable, terminalSafe } from '../../src/core/render/table.js';
import type { GateFinding, GateResult, Verdict } from '../../src/core/verdict.js';

const ESC = '\u001b';

function gateResult(over: Partial<GateResult> & Pick<GateResult, 'id'>): GateResult {
  return { name: over.id, outcome: 'pass', informational: false, summary: `${over.id} summary`, metrics: {}, threshold: '', reasons: [], reports: [], ...over };
}

function finding(over: Partial<GateFinding> = {}): GateFinding {
  return { tool: 'eslint', ruleId: 'no-eval', message: 'eval can be harmful.', level: 'error', severity: 'high', path: 'src/a.ts', line: 3, fingerprint: '0011223344556677', onChangedLine: true, ...over };
}

function verdict(gates: GateResult[], over: Partial<Verdict> = {}): Verdict {
  return { outcome: 'fail', phase: 'implementation', gates, scopes: {}, changedFiles: 0, waivers: { applied: [], expired: [], stale: [] }, warnings: [], ...over };
}

/** A verdict from the real pipeline: 3/4 lines covered, one lint error on a changed line, one failing test. */
function pipelineVerdict(): Verdict {
  const b = new CoverageBuilder();
  const f = b.file('src/a.ts');
  [1, 1, 0, 1].forEach((h, i) => f.addLine(i + 1, h));
  const reports: ParsedReport[] = [
    { kind: 'coverage', path: 'coverage/lcov.info', format: 'lcov', coverage: b.build(), warnings: [] },
    {
      kind: 'lint',
      path: 'eslint.json',
      format: 'eslint-json',
      findings: { findings: [{ tool: 'eslint', ruleId: 'no-eval', message: 'eval can be harmful.', level: 'error', severity: 'high', path: 'src/a.ts', line: 2, column: 5 }], tools: ['eslint'] },
      warnings: [],
    },
    { kind: 'tests', path: 'junit.xml', format: 'junit', tests: { total: 2, passed: 1, failed: 1, errored: 0, skipped: 0, problems: [{ kind: 'failure', name: 't1', message: 'boom' }] }, warnings: [] },
  ];
  return runGatekeeper({
    config: loadConfig('gates:\n  security:\n    enabled: false\n'),
    reports,
    changes: { files: new Map([['src/a.ts', { path: 'src/a.ts', status: 'modified', binary: false, added: [[2, 3]], hunks: [[1, 4]] }]]) },
    base: { ref: 'main', sha: '0123456789abcdef' },
  });
}

describe('gateValue', () => {
  it('shows the deciding number of each gate', () => {
    expect(gateValue(gateResult({ id: 'coverage', metrics: { pct: 83.456, total: 10, covered: 8 } }))).toBe('83.45 %');
    expect(gateValue(gateResult({ id: 'patch_coverage', metrics: { pct: 50, total: 4, covered: 2 } }))).toBe('50 % (2/4)');
    expect(gateValue(gateResult({ id: 'lint', metrics: { errors: 2, warnings: 7 } }))).toBe('2 errors, 7 warnings');
    expect(gateValue(gateResult({ id: 'security', metrics: { counted: 3, critical: 1, high: 0, medium: 2, low: 0 } }))).toBe('1 critical, 2 medium');
    expect(gateValue(gateResult({ id: 'security', metrics: { counted: 0, critical: 0, high: 0, medium: 0, low: 0 } }))).toBe('none');
    expect(gateValue(gateResult({ id: 'tests', metrics: { total: 9, passed: 8 } }))).toBe('8/9 passed');
  });

  it('shows a dash when a gate has no numbers', () => {
    expect(['coverage', 'patch_coverage', 'lint', 'security', 'tests'].map((id) => gateValue(gateResult({ id: id as GateResult['id'] })))).toEqual(['—', '—', '—', '—', '—']);
    expect(gateValue(gateResult({ id: 'coverage', metrics: { pct: null } }))).toBe('—');
  });
});

describe('verdictJson', () => {
  it('has the documented shape, with coverage metrics {total, covered, pct}', () => {
    const j = verdictJson(pipelineVerdict());
    expect(Object.keys(j)).toEqual(['version', 'outcome', 'phase', 'base', 'changedFiles', 'scopes', 'gates', 'waivers', 'warnings']);
    expect(j).toMatchObject({ version: JSON_CONTRACT_VERSION, outcome: 'fail', phase: 'implementation', base: { ref: 'main', sha: '0123456789abcdef' }, changedFiles: 1, scopes: { src: 1 } });
    expect(JSON_CONTRACT_VERSION).toBe(1);
    expect(j.gates.map((g) => [g.id, g.outcome, g.summary])).toEqual([
      ['coverage', 'fail', 'Coverage 75 % < 80 %'],
      ['patch_coverage', 'fail', 'Changed-line coverage 50 % (1/2) < 85 %'],
      ['lint', 'fail', 'Lint: 1 error, 0 warnings on changed lines (max 0 errors)'],
      ['tests', 'fail', 'Tests: 1 passed, 1 failed, 0 errored, 0 skipped (max 0)'],
    ]);
    const cov = j.gates[0]!;
    expect(Object.keys(cov)).toEqual(['id', 'outcome', 'summary', 'metrics', 'informational', 'threshold', 'reasons', 'reports']);
    expect(cov.metrics).toEqual({ total: 4, covered: 3, pct: 75, branches: { total: 0, covered: 0, pct: null }, functions: { total: 0, covered: 0, pct: null }, files: 1 });
    expect(j.gates[1]!.uncovered).toEqual([{ path: 'src/a.ts', ranges: [[3, 3]] }]);
    const lintFinding = j.gates[2]!.findings![0]!;
    expect(lintFinding).toEqual({
      tool: 'eslint',
      ruleId: 'no-eval',
      level: 'error',
      severity: 'high',
      message: 'eval can be harmful.',
      path: 'src/a.ts',
      line: 2,
      fingerprint: lintFinding.fingerprint,
      onChangedLine: true,
    });
    expect(lintFinding.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // The verdict survives a JSON round trip unchanged (no Maps, no undefined-only fields).
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it('caps findings, lists waived findings by waiver id and keeps package data', () => {
    const many = Array.from({ length: 5 }, (_, i) => finding({ line: i + 1 }));
    const waived = finding({ waivedBy: { id: 'w1', reason: 'r', owner: 'o', expires: '2030-01-01' }, endLine: 4, helpUri: 'https://eslint.org/docs/rules/no-eval', ids: ['CVE-1'] });
    const dep = finding({ path: undefined, line: undefined, package: { name: 'lodash', version: '4.17.20' } });
    const j = verdictJson(verdict([gateResult({ id: 'security', findings: [...many, dep], waived: [waived], missingFiles: ['x.ts'] })], { head: { sha: 'abc' } }), { maxFindings: 3 });
    expect(Object.keys(j)).toEqual(['version', 'outcome', 'phase', 'head', 'changedFiles', 'scopes', 'gates', 'waivers', 'warnings']);
    const g = j.gates[0]!;
    expect(g.findings!.map((f) => f.line)).toEqual([1, 2, 3]);
    expect(g.waived).toEqual([
      {
        tool: 'eslint',
        ruleId: 'no-eval',
        level: 'error',
        severity: 'high',
        message: 'eval can be harmful.',
        path: 'src/a.ts',
        line: 3,
        endLine: 4,
        helpUri: 'https://eslint.org/docs/rules/no-eval',
        ids: ['CVE-1'],
        fingerprint: '0011223344556677',
        onChangedLine: true,
        waivedBy: 'w1',
      },
    ]);
    expect(g.missingFiles).toEqual(['x.ts']);
    const all = verdictJson(verdict([gateResult({ id: 'security', findings: [...many, dep] })]));
    expect(all.gates[0]!.findings![5]).toEqual({
      tool: 'eslint',
      ruleId: 'no-eval',
      level: 'error',
      severity: 'high',
      message: 'eval can be harmful.',
      package: { name: 'lodash', version: '4.17.20' },
      fingerprint: '0011223344556677',
      onChangedLine: true,
    });
    expect(all.gates[0]!).not.toHaveProperty('waived');
  });
});

describe('reportsJson', () => {
  it('summarises each kind of report', () => {
    const b = new CoverageBuilder();
    b.file('a.ts').addLine(1, 1);
    b.file('a.ts').addLine(2, 0);
    b.file('a.ts').addBranches(1, 2, 1);
    b.file('b.ts').addLine(1, 0);
    const reports: ParsedReport[] = [
      { kind: 'coverage', path: 'lcov.info', format: 'lcov', coverage: b.build({ lines: { total: 3, covered: 1 } }), warnings: ['w'] },
      {
        kind: 'lint',
        path: 'e.json',
        format: 'eslint-json',
        findings: { findings: [finding(), finding({ level: 'warning' }), finding({ level: 'warning' })], tools: ['eslint'] },
        warnings: [],
      },
      { kind: 'security', path: 's.sarif', format: 'sarif', findings: { findings: [finding({ severity: 'critical' })], tools: ['CodeQL'] }, warnings: [] },
      { kind: 'tests', path: 'j.xml', format: 'junit', tests: { total: 4, passed: 2, failed: 1, errored: 0, skipped: 1, problems: [] }, warnings: [] },
    ];
    expect(reportsJson(reports, [{ path: 'bad.xml', message: 'bad.xml:1:1: not XML' }])).toEqual({
      reports: [
        {
          path: 'lcov.info',
          format: 'lcov',
          kind: 'coverage',
          coverage: {
            lines: { total: 3, covered: 1, pct: expect.closeTo(100 / 3, 9) },
            branches: { total: 2, covered: 1, pct: 50 },
            functions: { total: 0, covered: 0, pct: null },
            files: [
              { path: 'a.ts', lines: { total: 2, covered: 1, pct: 50 } },
              { path: 'b.ts', lines: { total: 1, covered: 0, pct: 0 } },
            ],
            declared: { lines: { total: 3, covered: 1 } },
          },
          warnings: ['w'],
        },
        { path: 'e.json', format: 'eslint-json', kind: 'lint', findings: { total: 3, bySeverity: { error: 1, warning: 2, note: 0 }, tools: ['eslint'] }, warnings: [] },
        {
          path: 's.sarif',
          format: 'sarif',
          kind: 'security',
          findings: { total: 1, bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 }, tools: ['CodeQL'] },
          warnings: [],
        },
        { path: 'j.xml', format: 'junit', kind: 'tests', tests: { total: 4, passed: 2, failed: 1, errored: 0, skipped: 1 }, warnings: [] },
      ],
      errors: [{ path: 'bad.xml', message: 'bad.xml:1:1: not XML' }],
    });
    expect(reportsJson([])).toEqual({ reports: [] });
  });
});

describe('terminalSafe', () => {
  it('replaces control characters, escape sequences, line breaks and bidi overrides', () => {
    const hostile = `src/${ESC}[2J${ESC}]0;pwned\u0007a.ts\r\n✓ all good\u009b31m\u202egnp.exe\u0000\ttab`;
    expect(terminalSafe(hostile)).toBe('src/?[2J?]0;pwned?a.ts??✓ all good?31m?gnp.exe??tab');
    expect(terminalSafe('plain – text, ünïcode ✓')).toBe('plain – text, ünïcode ✓');
  });
});

describe('renderTable', () => {
  const v = pipelineVerdict();

  it('prints the verdict, the gate rows and the details without colour', () => {
    expect(renderTable(v)).toBe(
      [
        'SDLC verdict: FAIL  (phase: implementation, base: 0123456789ab)',
        '',
        'Gate                   Outcome  Value                Threshold                ',
        '---------------------  -------  -------------------  -------------------------',
        'Coverage               fail     75 %                 >= 80 %',
        'Changed-line coverage  fail     50 % (1/2)           >= 85 %',
        'Lint                   fail     1 error, 0 warnings  <= 0 errors',
        'Tests                  fail     1/2 passed           <= 0 failures, >= 1 tests',
        '',
        '✗ Coverage 75 % < 80 %',
        '✗ Changed-line coverage 50 % (1/2) < 85 %',
        '    uncovered src/a.ts: 3',
        '✗ Lint: 1 error, 0 warnings on changed lines (max 0 errors)',
        '    error src/a.ts:2 eval can be harmful. [no-eval]',
        '✗ Tests: 1 passed, 1 failed, 0 errored, 0 skipped (max 0)',
        '    error (project) t1: boom [failure]',
        '',
      ].join('\n'),
    );
    expect(renderTable(v)).not.toContain(ESC);
  });

  it('colours the outcomes on request', () => {
    const out = renderTable(v, { color: true });
    expect(out).toContain(`SDLC verdict: ${ESC}[31mFAIL${ESC}[0m`);
    expect(out).toContain(`Coverage               ${ESC}[31mfail   ${ESC}[0m  75 %`);
    expect(out).toContain(`${ESC}[2m [no-eval]${ESC}[0m`);
    const pass = renderTable(verdict([gateResult({ id: 'lint', outcome: 'pass' }), gateResult({ id: 'tests', outcome: 'neutral' })], { outcome: 'pass' }), { color: true });
    expect(pass).toContain(`${ESC}[32mPASS${ESC}[0m`);
    expect(pass).toContain(`${ESC}[32m✓${ESC}[0m lint summary`);
    expect(pass).toContain(`${ESC}[33m-${ESC}[0m tests summary`);
  });

  it('neutralises hostile paths, messages, rule ids, reasons, warnings, refs and waiver ids', () => {
    const bad = `${ESC}[1A${ESC}[2K✓ ok\n`;
    const h = verdict(
      [
        gateResult({
          id: 'lint',
          outcome: 'fail',
          summary: `Lint ${bad}`,
          reasons: [`reason ${bad}`],
          findings: [finding({ path: `src/${bad}.ts`, message: `msg ${ESC}[8m hidden`, ruleId: `rule${bad}` })],
        }),
        gateResult({ id: 'patch_coverage', outcome: 'fail', uncovered: [{ path: `x${bad}.ts`, ranges: [[1, 2]] }] }),
      ],
      {
        base: { ref: `main${bad}` },
        warnings: [`warn ${bad}`],
        waivers: { applied: [], expired: [{ id: `w${bad}`, reason: 'r', owner: 'o', expires: '2020-01-01' }], stale: [{ id: `s${bad}`, reason: 'r', owner: 'o', expires: '2030-01-01' }] },
      },
    );
    for (const color of [false, true]) {
      const out = renderTable(h, { color });
      expect(out).not.toContain(`${ESC}[1A`);
      expect(out).not.toContain(`${ESC}[8m`);
      expect(out.split('\n').filter((l) => l.startsWith('✓'))).toEqual([]);
    }
    const out = renderTable(h);
    expect(out).toContain('(phase: implementation, base: main?[1A?[2K✓ ok?)');
    expect(out).toContain('    error src/?[1A?[2K✓ ok?.ts:3 msg ?[8m hidden [rule?[1A?[2K✓ ok?]');
    expect(out).toContain('    uncovered x?[1A?[2K✓ ok?.ts: 1-2');
    expect(out).toContain('Expired waivers (no longer applied): w?[1A?[2K✓ ok? (2020-01-01)');
    expect(out).toContain('Stale waivers (match nothing): s?[1A?[2K✓ ok?');
    expect(out).toContain('warning: warn ?[1A?[2K✓ ok?');
  });

  it('limits the details and says how many more there are', () => {
    const findings = Array.from({ length: 4 }, (_, i) => finding({ line: i + 1, message: `first line ${i}\nsecond line` }));
    const dep = finding({ path: undefined, line: undefined, package: { name: 'lodash', version: '4.17.20' }, severity: 'critical', ruleId: null });
    const h = verdict(
      [
        gateResult({ id: 'security', outcome: 'fail', findings: [dep, ...findings], reasons: ['r1', 'r2', 'r3'] }),
        gateResult({ id: 'patch_coverage', outcome: 'fail', uncovered: ['a', 'b', 'c'].map((p) => ({ path: `${p}.ts`, ranges: [[1, 1]] as [number, number][] })) }),
      ],
      { warnings: Array.from({ length: 12 }, (_, i) => `w${i}`) },
    );
    const out = renderTable(h, { details: 2 });
    expect(out.split('\n').slice(7)).toEqual([
      '✗ security summary',
      '    r1',
      '    r2',
      '    … 1 more',
      '    critical lodash@4.17.20 eval can be harmful.',
      '    high src/a.ts:1 first line 0 [no-eval]',
      '    … 3 more',
      '✗ patch_coverage summary',
      '    uncovered a.ts: 1',
      '    uncovered b.ts: 1',
      '    … 1 more files with uncovered changed lines',
      ...Array.from({ length: 10 }, (_, i) => `warning: w${i}`),
      '… 2 more warnings',
      '',
    ]);
  });

  it('marks informational gates and a project-level finding', () => {
    const out = renderTable(verdict([gateResult({ id: 'lint', informational: true, outcome: 'neutral', findings: [finding({ path: undefined, line: undefined })] })]));
    expect(out).toContain('lint (info)  neutral');
    expect(out).toContain('    error (project) eval can be harmful. [no-eval]');
  });
});

describe('renderMarkdown', () => {
  it('escapes markup, mentions, entities and HTML in untrusted text', () => {
    expect(mdEscape('<script>alert(1)</script> @octocat **b** [x](http://e) | `c` &#64;admin\nnext\rline')).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; @\u200boctocat \\*\\*b\\*\\* \\[x\\](http://e) \\| \\`c\\` &amp;\\#64;admin next line',
    );
  });

  it('renders the pipeline verdict', () => {
    expect(renderMarkdown(pipelineVerdict())).toBe(
      [
        '### SDLC verdict: ❌ fail',
        '',
        '| Gate | Outcome | Value | Threshold |',
        '| --- | --- | --- | --- |',
        '| Coverage | ❌ fail | 75 % | &gt;= 80 % |',
        '| Changed-line coverage | ❌ fail | 50 % (1/2) | &gt;= 85 % |',
        '| Lint | ❌ fail | 1 error, 0 warnings | &lt;= 0 errors |',
        '| Tests | ❌ fail | 1/2 passed | &lt;= 0 failures, &gt;= 1 tests |',
        '',
        '**Coverage**: Coverage 75 % &lt; 80 %',
        '',
        '**Changed-line coverage**: Changed-line coverage 50 % (1/2) &lt; 85 %',
        '',
        '',
        '<details><summary>Uncovered changed lines</summary>',
        '',
        '- `src/a.ts`: 3',
        '',
        '</details>',
        '',
        '**Lint**: Lint: 1 error, 0 warnings on changed lines (max 0 errors)',
        '',
        '',
        '<details><summary>Top findings (1)</summary>',
        '',
        '- **error** `src/a.ts:2` eval can be harmful. (no-eval)',
        '',
        '</details>',
        '',
        '**Tests**: Tests: 1 passed, 1 failed, 0 errored, 0 skipped (max 0)',
        '',
        '',
        '<details><summary>Failing tests (1)</summary>',
        '',
        '- t1: boom',
        '',
        '</details>',
        '',
        '<sub>phase implementation · compared with `0123456789ab` · changed scopes: src (1)</sub>',
        '',
      ].join('\n'),
    );
  });

  it('keeps hostile messages and paths inert', () => {
    const h = verdict([
      gateResult({
        id: 'security',
        outcome: 'fail',
        summary: 'Security: <img src=x onerror=alert(1)> @everyone',
        reasons: ['cannot read <b>x</b>\n# heading'],
        findings: [
          finding({ message: '<script>steal()</script> cc @octocat', path: 'src/`x`\n\n<script>alert(1)</script>.ts', line: 7, severity: 'critical', ruleId: 'js/<xss>' }),
          finding({ path: undefined, line: undefined, package: { name: 'evil`\n\n@octocat' }, message: 'm' }),
          finding({ path: undefined, line: undefined, message: 'project wide' }),
        ],
      }),
      gateResult({ id: 'patch_coverage', outcome: 'fail', uncovered: [{ path: 'a`b\n\n# x.ts', ranges: [[4, 6]] }], missingFiles: ['m`\n\n<iframe>.ts'] }),
    ]);
    const md = renderMarkdown(h);
    // Code spans show their content literally (no HTML, no mentions); everything else must be escaped.
    const outsideCode = md.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toMatch(/(^|[^\\])<(script|img|iframe|b>)/m);
    expect(outsideCode.match(/&lt;\/?(script|img|iframe|b)\b/g)).toEqual(['&lt;img', '&lt;b', '&lt;/b', '&lt;script', '&lt;/script']);
    expect(outsideCode).not.toMatch(/@(everyone|octocat)/);
    expect(md).not.toMatch(/^# /m);
    expect(md.split('\n').filter((l) => l.includes('`')).every((l) => (l.match(/`/g) ?? []).length % 2 === 0)).toBe(true);
    expect(md).toContain('**security**: Security: &lt;img src=x onerror=alert(1)&gt; @\u200beveryone');
    expect(md).toContain('- cannot read &lt;b&gt;x&lt;/b&gt; \\# heading');
    expect(md).toContain("- **critical** `src/'x' <script>alert(1)</script>.ts:7` &lt;script&gt;steal()&lt;/script&gt; cc @\u200boctocat (js/&lt;xss&gt;)");
    expect(md).toContain("- **high** `evil' @octocat` m (no-eval)");
    expect(md).toContain('- **high** project project wide (no-eval)');
    expect(md).toContain("- `a'b # x.ts`: 4-6");
    expect(md).toContain("- `m' <iframe>.ts`");
  });

  it('lists waivers, limits details, and names a base by ref', () => {
    const uncovered = Array.from({ length: 22 }, (_, i) => ({ path: `f${i}.ts`, ranges: [[1, 1]] as [number, number][] }));
    const h = verdict(
      [
        gateResult({ id: 'lint', name: 'Lint', informational: true, outcome: 'neutral', threshold: '<= 0 errors', metrics: { errors: 0, warnings: 1 } }),
        gateResult({ id: 'patch_coverage', outcome: 'fail', uncovered }),
      ],
      {
        base: { ref: 'release/*1.x*' },
        scopes: { src: 3, docs: 1 },
        waivers: {
          applied: [{ id: 'w-1', reason: 'see #12 <b>', owner: '@team', expires: '2030-01-01', findings: 2 }],
          expired: [{ id: 'w_2', reason: 'r', owner: 'o', expires: '2020-01-01' }],
          stale: [{ id: 'waivers[3]', reason: 'r', owner: 'o', expires: '2030-01-01' }],
        },
      },
    );
    const md = renderMarkdown(h);
    expect(md).toContain('| Lint _(informational)_ | ⚪ neutral | 0 errors, 1 warning | &lt;= 0 errors |');
    expect(md).toContain('- `f19.ts`: 1\n- … 2 more files');
    expect(md).not.toContain('f20.ts');
    expect(md).toContain(
      [
        '**Waivers**',
        '',
        '- w-1: applied to 2 finding(s) until 2030-01-01 (@\u200bteam: see \\#12 &lt;b&gt;)',
        '- w\\_2: **expired** on 2020-01-01, no longer applied',
        '- waivers\\[3\\]: stale, matches nothing',
        '',
        '<sub>phase implementation · compared with release/\\*1.x\\* · changed scopes: src (3), docs (1)</sub>',
      ].join('\n'),
    );
  });

  it('renders the details of one gate on its own, capped', () => {
    const g = gateResult({ id: 'tests', findings: Array.from({ length: 3 }, (_, i) => finding({ message: `case ${i}: <fail>\nstack` })) });
    expect(renderGateDetails(g, 2)).toBe(['', '<details><summary>Failing tests (3)</summary>', '', '- case 0: &lt;fail&gt;', '- case 1: &lt;fail&gt;', '', '</details>'].join('\n'));
    expect(renderGateDetails(gateResult({ id: 'coverage' }))).toBe('');
  });
});
