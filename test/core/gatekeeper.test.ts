import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/core/config/load.js';
import type { ChangeSet, ChangeStatus, LineRanges } from '../../src/core/diff.js';
import { overall, runGatekeeper, type GatekeeperInput } from '../../src/core/gatekeeper.js';
import { fingerprintOf } from '../../src/core/gates/findings.js';
import { CoverageBuilder } from '../../src/core/model/coverage.js';
import type { Finding } from '../../src/core/model/findings.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import type { TestsData } from '../../src/core/model/tests.js';
import type { GateResult, Verdict } from '../../src/core/verdict.js';

// ---------------------------------------------------------------- builders

/** Hits per line: index i is line i + 1; null is a line that is not instrumented. */
type Hits = (number | null)[];

function coverage(path: string, files: Record<string, Hits>, extra: { roots?: string[]; warnings?: string[] } = {}): ParsedReport {
  const b = new CoverageBuilder();
  for (const [p, hits] of Object.entries(files)) {
    const f = b.file(p);
    hits.forEach((h, i) => {
      if (h !== null) f.addLine(i + 1, h);
    });
  }
  const data = b.build();
  if (extra.roots) data.roots = extra.roots;
  return { kind: 'coverage', path, format: 'lcov', coverage: data, warnings: extra.warnings ?? [] };
}

/** `total` instrumented lines of which the first `covered` are hit. */
function hitsOf(total: number, covered: number): Hits {
  return Array.from({ length: total }, (_, i) => (i < covered ? 1 : 0));
}

function lint(path: string, findings: Finding[]): ParsedReport {
  return { kind: 'lint', path, format: 'eslint-json', findings: { findings, tools: ['eslint'] }, warnings: [] };
}

function security(path: string, findings: Finding[]): ParsedReport {
  return { kind: 'security', path, format: 'sarif', findings: { findings, tools: [...new Set(findings.map((f) => f.tool))] }, warnings: [] };
}

function tests(path: string, t: Partial<TestsData>): ParsedReport {
  return { kind: 'tests', path, format: 'junit', tests: { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0, problems: [], ...t }, warnings: [] };
}

function lintError(path: string, line: number, ruleId: string, message: string): Finding {
  return { tool: 'eslint', ruleId, message, level: 'error', severity: 'high', path, line };
}

function vuln(severity: Finding['severity'], extra: Partial<Finding> = {}): Finding {
  return { tool: 'trivy', ruleId: `R-${severity}`, message: `${severity} issue`, level: 'warning', severity, ...extra };
}

interface FileChange {
  added?: LineRanges;
  hunks?: LineRanges;
  status?: ChangeStatus;
  binary?: boolean;
}

function changes(files: Record<string, FileChange>): ChangeSet {
  const m = new Map(
    Object.entries(files).map(([path, c]) => [
      path,
      { path, status: c.status ?? 'modified', binary: c.binary ?? false, added: c.added ?? [], hunks: c.hunks ?? c.added ?? [] },
    ]),
  );
  return { files: m };
}

function run(yaml: string, input: Omit<GatekeeperInput, 'config'>): Verdict {
  return runGatekeeper({ config: loadConfig(yaml), ...input });
}

function gate(v: Verdict, id: GateResult['id']): GateResult {
  const g = v.gates.find((x) => x.id === id);
  if (!g) throw new Error(`no ${id} gate in [${v.gates.map((x) => x.id).join(', ')}]`);
  return g;
}

function outcomes(v: Verdict): Record<string, string> {
  return Object.fromEntries(v.gates.map((g) => [g.id, g.outcome]));
}

/** Every gate fed and passing (80 % coverage exactly, no findings, 3 passing tests). */
function passingReports(): ParsedReport[] {
  return [
    coverage('coverage/lcov.info', { 'src/a.ts': hitsOf(10, 8) }),
    lint('eslint.json', []),
    security('trivy.sarif', []),
    tests('junit.xml', { total: 3, passed: 3 }),
  ];
}

const NOW = new Date('2025-03-10T12:00:00Z');

// ---------------------------------------------------------------- default gates and outcomes

describe('runGatekeeper: default gates and outcomes', () => {
  it('passes every default gate at its threshold (80 % exactly passes)', () => {
    const v = run('', { reports: passingReports(), changes: changes({ 'src/a.ts': { added: [[1, 2]] } }) });
    expect(v.outcome).toBe('pass');
    expect(v.phase).toBe('implementation');
    expect(v.gates.map((g) => [g.id, g.name, g.outcome, g.summary, g.threshold])).toEqual([
      ['coverage', 'Coverage', 'pass', 'Coverage 80 % >= 80 %', '>= 80 %'],
      ['patch_coverage', 'Changed-line coverage', 'pass', 'Changed-line coverage 100 % (2/2) >= 85 %', '>= 85 %'],
      ['lint', 'Lint', 'pass', 'Lint: 0 errors, 0 warnings on changed lines', '<= 0 errors'],
      ['security', 'Security', 'pass', 'Security: no findings', 'no critical or high findings'],
      ['tests', 'Tests', 'pass', 'Tests: 3 passed, 0 failed, 0 errored, 0 skipped', '<= 0 failures, >= 1 tests'],
    ]);
    expect(gate(v, 'coverage').metrics).toEqual({
      total: 10,
      covered: 8,
      pct: 80,
      branches: { total: 0, covered: 0, pct: null },
      functions: { total: 0, covered: 0, pct: null },
      files: 1,
    });
    expect(gate(v, 'coverage').reports).toEqual(['coverage/lcov.info']);
  });

  it('fails coverage at 79.99 % and shows the truncated figure', () => {
    const v = run('', { reports: [coverage('c.info', { 'src/a.ts': hitsOf(10000, 7999) })] });
    const g = gate(v, 'coverage');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Coverage 79.99 % < 80 %');
    expect(g.metrics).toMatchObject({ total: 10000, covered: 7999, pct: 79.99 });
  });

  it('never rounds 99.999 % up to a 100 % threshold', () => {
    const g = gate(run('gates:\n  coverage:\n    min: 100\n', { reports: [coverage('c.info', { 'src/a.ts': hitsOf(100000, 99999) })] }), 'coverage');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Coverage 99.99 % < 100 %');
  });

  it('passes a threshold met exactly even where floating point would fall short (57/100 at 57 %)', () => {
    const v = run('gates:\n  coverage:\n    min: 57\n  patch_coverage:\n    min: 57\n', {
      reports: [coverage('c.info', { 'src/a.ts': hitsOf(100, 57) })],
      changes: changes({ 'src/a.ts': { added: [[1, 100]] } }),
    });
    expect(gate(v, 'coverage').summary).toBe('Coverage 57 % >= 57 %');
    expect(gate(v, 'coverage').outcome).toBe('pass');
    expect(gate(v, 'coverage').metrics.pct).toBe(57);
    expect(gate(v, 'patch_coverage').summary).toBe('Changed-line coverage 57 % (57/100) >= 57 %');
    expect(gate(v, 'patch_coverage').outcome).toBe('pass');
  });

  it('fails a gate with no report and names what was searched', () => {
    const v = run('', {
      reports: [coverage('c.info', { 'src/a.ts': [1] })],
      searched: { lint: ['reports/eslint.json', 'reports/*.sarif'], tests: [] },
    });
    const l = gate(v, 'lint');
    expect(l.outcome).toBe('fail');
    expect(l.summary).toBe('no report found for gate lint (looked for: reports/eslint.json, reports/*.sarif)');
    expect(l.reasons).toEqual([l.summary]);
    expect(l.metrics).toEqual({});
    expect(gate(v, 'security').summary).toBe('no report found for gate security (looked for: nothing)');
    expect(gate(v, 'tests').summary).toBe('no report found for gate tests (looked for: nothing)');
    expect(v.outcome).toBe('fail');
  });

  it('makes a missing report neutral on an informational gate, and the verdict ignores it', () => {
    const v = run('gates:\n  security:\n    informational: true\n', { reports: passingReports().filter((r) => r.kind !== 'security') });
    expect(gate(v, 'security')).toMatchObject({ outcome: 'neutral', informational: true, summary: 'no report found for gate security (looked for: nothing)' });
    expect(v.outcome).toBe('pass');
  });

  it('keeps an informational gate that misses its threshold neutral', () => {
    const v = run('gates:\n  lint:\n    informational: true\n', {
      reports: [...passingReports().filter((r) => r.kind !== 'lint'), lint('e.json', [lintError('src/a.ts', 1, 'no-eval', 'eval')])],
    });
    expect(gate(v, 'lint')).toMatchObject({ outcome: 'neutral', summary: 'Lint: 1 error, 0 warnings (max 0 errors)' });
    expect(v.outcome).toBe('pass');
  });

  it('leaves a disabled gate out of the verdict', () => {
    const v = run('gates:\n  tests:\n    enabled: false\n  patch_coverage:\n    enabled: false\n', { reports: passingReports() });
    expect(v.gates.map((g) => g.id)).toEqual(['coverage', 'lint', 'security']);
  });

  it('is neutral when no gate passed or failed', () => {
    const v = run('gates:\n  coverage: {enabled: false}\n  lint: {enabled: false}\n  security: {enabled: false}\n  tests: {enabled: false}\n', { reports: [] });
    expect(outcomes(v)).toEqual({ patch_coverage: 'neutral' });
    expect(v.outcome).toBe('neutral');
  });

  it('derives the overall outcome: fail on a counting failure, else pass on any pass, else neutral', () => {
    const g = (outcome: GateResult['outcome'], informational = false): GateResult => ({
      id: 'lint',
      name: 'Lint',
      outcome,
      informational,
      summary: '',
      metrics: {},
      threshold: '',
      reasons: [],
      reports: [],
    });
    expect(overall([g('pass'), g('fail')])).toBe('fail');
    expect(overall([g('pass'), g('fail', true)])).toBe('pass');
    expect(overall([g('neutral'), g('pass')])).toBe('pass');
    expect(overall([g('neutral'), g('fail', true)])).toBe('neutral');
    expect(overall([])).toBe('neutral');
  });

  it('reports scopes of the changed files, base, head and report warnings', () => {
    const v = run('', {
      reports: [coverage('c.info', { 'src/a.ts': [1] }, { warnings: ['c.info: skipped 2 malformed records'] })],
      changes: changes({ 'src/a.ts': { added: [[1, 1]] }, 'src/b.ts': {}, 'docs/guide.md': {}, 'test/a.test.ts': {} }),
      base: { ref: 'main', sha: '0123456789abcdef0123' },
      head: { sha: 'fedcba9876543210', ref: 'feature' },
    });
    expect(v.scopes).toEqual({ src: 2, docs: 1, tests: 1 });
    expect(v.changedFiles).toBe(4);
    expect(v.base).toEqual({ ref: 'main', sha: '0123456789abcdef0123' });
    expect(v.head).toEqual({ sha: 'fedcba9876543210', ref: 'feature' });
    expect(v.warnings).toEqual(['c.info: skipped 2 malformed records']);
    const noBase = run('', { reports: [], base: { coveragePct: 50 } });
    expect(noBase.base).toBeUndefined();
    expect(noBase.head).toBeUndefined();
    expect(noBase.changedFiles).toBe(0);
    expect(noBase.scopes).toEqual({});
  });
});

// ---------------------------------------------------------------- unreadable reports

describe('runGatekeeper: unreadable reports', () => {
  const broken = { path: 'coverage/cobertura.xml', kinds: ['coverage'] as const, message: 'coverage/cobertura.xml:7:3: unexpected end of document' };

  it('fails the coverage gates even when another coverage report parsed fine, and only those', () => {
    const v = run('', {
      reports: passingReports(),
      failures: [broken],
      changes: changes({ 'src/a.ts': { added: [[1, 1]] } }),
    });
    const c = gate(v, 'coverage');
    expect(c.outcome).toBe('fail');
    expect(c.summary).toBe('Coverage 80 % >= 80 %; 1 report unreadable');
    expect(c.reasons).toEqual([broken.message]);
    const p = gate(v, 'patch_coverage');
    expect(p.outcome).toBe('fail');
    expect(p.summary).toBe('Changed-line coverage 100 % (1/1) >= 85 %');
    expect(p.reasons).toEqual([broken.message]);
    expect(outcomes(v)).toEqual({ coverage: 'fail', patch_coverage: 'fail', lint: 'pass', security: 'pass', tests: 'pass' });
    expect(v.outcome).toBe('fail');
  });

  it('fails both lint and security for a SARIF file meant for both', () => {
    const v = run('', { reports: passingReports(), failures: [{ path: 'x.sarif', kinds: ['lint', 'security'], message: 'x.sarif:1:1: unknown SARIF version "1.0"' }] });
    expect(outcomes(v)).toEqual({ coverage: 'pass', patch_coverage: 'neutral', lint: 'fail', security: 'fail', tests: 'pass' });
    expect(gate(v, 'security').reasons).toEqual(['x.sarif:1:1: unknown SARIF version "1.0"']);
  });

  it('fails every gate for a failure of unknown kind', () => {
    const v = run('', { reports: passingReports(), failures: [{ path: 'mystery.xml', message: 'mystery.xml: not a known report format' }] });
    expect(outcomes(v)).toEqual({ coverage: 'fail', patch_coverage: 'neutral', lint: 'fail', security: 'fail', tests: 'fail' });
  });

  it('says the report could not be read when it was the only one of its kind', () => {
    const v = run('', { reports: [], failures: [{ path: 'junit.xml', kinds: ['tests'], message: 'junit.xml:2:1: unclosed tag' }] });
    const t = gate(v, 'tests');
    expect(t).toMatchObject({ outcome: 'fail', summary: '1 tests report could not be read', reasons: ['junit.xml:2:1: unclosed tag'], reports: ['junit.xml'] });
  });

  it('fails, rather than staying neutral below min_lines, when a coverage report was unreadable', () => {
    const v = run('gates:\n  patch_coverage:\n    min_lines: 10\n', {
      reports: [coverage('c.info', { 'src/a.ts': [1, 1] })],
      failures: [broken],
      changes: changes({ 'src/a.ts': { added: [[1, 2]] } }),
    });
    expect(gate(v, 'patch_coverage')).toMatchObject({ outcome: 'fail', summary: '2 changed coverable lines: fewer than min_lines (10), not judged' });
  });
});

// ---------------------------------------------------------------- coverage

describe('runGatekeeper: coverage', () => {
  it('merges two shards: a line covered in either is covered, paths written differently meet', () => {
    const v = run('', {
      reports: [
        coverage('shard1/lcov.info', { './src/a.ts': [1, 0, 0, 2, null] }),
        coverage('shard2/lcov.info', { '/home/runner/work/repo/repo/src/a.ts': [0, 3, 0, 0, 1], 'src/b.ts': [0, 0] }),
      ],
      paths: { repoFiles: ['src/a.ts', 'src/b.ts'] },
    });
    const g = gate(v, 'coverage');
    expect(g.metrics).toMatchObject({ total: 7, covered: 4, files: 2 });
    expect(g.summary).toBe('Coverage 57.14 % < 80 %');
    expect(g.reports).toEqual(['shard1/lcov.info', 'shard2/lcov.info']);
  });

  it('does not change the parsed reports while merging', () => {
    const first = coverage('one.info', { 'src/a.ts': [0, 0] });
    run('', { reports: [first, coverage('two.info', { 'src/a.ts': [1, 1] })] });
    expect(first.kind === 'coverage' && first.coverage.files.get('src/a.ts')!.lines).toEqual({ total: 2, covered: 0 });
  });

  it('leaves ignored files out, counting each once however many shards name it', () => {
    const yaml = 'gates:\n  coverage:\n    ignore: ["src/generated/**", "**/*.test.ts"]\n';
    const v = run(yaml, {
      reports: [
        coverage('a.info', { 'src/a.ts': [1, 1, 1, 0], 'src/generated/api.ts': hitsOf(100, 0) }),
        coverage('b.info', { 'src/generated/api.ts': hitsOf(100, 0), 'src/a.test.ts': [0] }),
      ],
    });
    expect(gate(v, 'coverage').metrics).toMatchObject({ total: 4, covered: 3, pct: 75, files: 1, ignored_files: 2 });
  });

  it('counts unmatched files in the total and warns once per file', () => {
    const v = run('', {
      reports: [
        coverage('a.info', { 'src/a.ts': [1], '/opt/vendor/lib.js': [0, 0] }),
        coverage('b.info', { '/opt/vendor/lib.js': [0, 0], 'src/index.ts': [1] }),
      ],
      paths: { repoFiles: ['src/a.ts', 'packages/x/src/index.ts', 'packages/y/src/index.ts'] },
    });
    expect(gate(v, 'coverage').metrics).toMatchObject({ total: 4, covered: 2, files: 3 });
    expect(v.warnings).toEqual([
      '1 file named in coverage reports could not be matched to a repository file; they count in the total but are never annotated',
      '1 coverage report path matched several repository files and were left unresolved',
    ]);
  });

  it('resolves Cobertura source roots through the report', () => {
    const v = run('gates:\n  coverage:\n    paths:\n      - {path: "src/core/**", min: 100}\n', {
      reports: [coverage('cobertura.xml', { 'core/x.ts': [1, 1] }, { roots: ['/home/runner/work/r/r/src'] })],
      paths: { repoFiles: ['src/core/x.ts'] },
    });
    expect(gate(v, 'coverage').metrics.paths).toEqual([{ path: 'src/core/**', min: 100, total: 2, covered: 2, pct: 100, outcome: 'pass' }]);
  });

  it('judges per-path targets', () => {
    const yaml = ['gates:', '  coverage:', '    paths:', '      - {path: "src/core/**", min: 90}', '      - {path: ["src/ui/**", "src/web/**"], min: 50}', '      - {path: "docs/**", min: 10}'].join('\n');
    const v = run(yaml, {
      reports: [coverage('c.info', { 'src/core/a.ts': [1, 1, 1, 0], 'src/ui/b.ts': [1, 0], 'src/web/c.ts': [1, 1, 1, 1, 1, 1] })],
    });
    const g = gate(v, 'coverage');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Coverage 83.33 % >= 80 %; 2/3 path targets missed');
    expect(g.reasons).toEqual(['src/core/**: 75 % < 90 %', 'docs/**: no instrumented lines']);
    expect(g.metrics.paths).toEqual([
      { path: 'src/core/**', min: 90, total: 4, covered: 3, pct: 75, outcome: 'fail' },
      { path: 'src/ui/**, src/web/**', min: 50, total: 8, covered: 7, pct: 87.5, outcome: 'pass' },
      { path: 'docs/**', min: 10, total: 0, covered: 0, pct: null, outcome: 'fail' },
    ]);
  });

  it('fails on a drop larger than max_drop and passes a smaller one', () => {
    const reports = [coverage('c.info', { 'src/a.ts': hitsOf(6, 5) })];
    const failed = run('gates:\n  coverage:\n    max_drop: 1\n', { reports, base: { sha: 'abc1234def', coveragePct: 85 } });
    const g = gate(failed, 'coverage');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Coverage 83.33 % >= 80 %; dropped 1.66 points vs abc1234 (max 1)');
    expect(g.metrics).toMatchObject({ base_pct: 85, pct: 500 / 6 });
    expect(g.metrics.drop).toBeCloseTo(1.6667, 4);
    const ok = run('gates:\n  coverage:\n    max_drop: 2\n', { reports, base: { ref: 'main', coveragePct: 85 } });
    expect(gate(ok, 'coverage')).toMatchObject({ outcome: 'pass', summary: 'Coverage 83.33 % >= 80 %; -1.66 vs main' });
    const up = run('gates:\n  coverage:\n    max_drop: 0\n', { reports, base: { coveragePct: 80.5 } });
    expect(gate(up, 'coverage')).toMatchObject({ outcome: 'pass', summary: 'Coverage 83.33 % >= 80 %; +2.83 vs base' });
  });

  it('allows a drop of exactly max_drop whatever the floating point error', () => {
    // 4.4 - 3/125 * 100 is 2.0000000000000004 in doubles.
    const v = run('gates:\n  coverage:\n    min: 0\n    max_drop: 2\n', { reports: [coverage('c.info', { 'src/a.ts': hitsOf(125, 3) })], base: { coveragePct: 4.4 } });
    expect(gate(v, 'coverage')).toMatchObject({ outcome: 'pass', summary: 'Coverage 2.4 % >= 0 %; -2 vs base' });
  });

  it('still judges the minimum without base coverage and says the drop was not checked', () => {
    const yaml = 'gates:\n  coverage:\n    max_drop: 0.5\n';
    const ok = gate(run(yaml, { reports: [coverage('c.info', { 'src/a.ts': hitsOf(10, 9) })], base: { sha: 'abc' } }), 'coverage');
    expect(ok).toMatchObject({ outcome: 'pass', summary: 'Coverage 90 % >= 80 %', reasons: ['max_drop not checked: no coverage is known for the base commit'] });
    const low = gate(run(yaml, { reports: [coverage('c.info', { 'src/a.ts': hitsOf(10, 7) })] }), 'coverage');
    expect(low).toMatchObject({ outcome: 'fail', summary: 'Coverage 70 % < 80 %', reasons: ['max_drop not checked: no coverage is known for the base commit'] });
  });

  it('fails a report without instrumented lines instead of calling it 0 % or 100 %', () => {
    const g = gate(run('', { reports: [coverage('c.info', { 'src/a.ts': [null, null] })] }), 'coverage');
    expect(g).toMatchObject({ outcome: 'fail', summary: 'coverage reports contain no instrumented lines', reasons: ['coverage reports contain no instrumented lines'] });
    expect(g.metrics).toMatchObject({ total: 0, covered: 0, pct: null });
  });
});

// ---------------------------------------------------------------- patch coverage

describe('runGatekeeper: changed-line coverage', () => {
  // src/a.ts: lines 1-12, null = not instrumented (blank lines, comments).
  const aHits: Hits = [1, 1, 0, null, 1, 0, 0, 1, null, 0, 1, 1];
  const reports = [coverage('lcov.info', { 'src/a.ts': aHits, 'src/gone.ts': [0], 'src/gen/x.ts': [0, 0] })];
  const diff = () =>
    changes({
      'src/a.ts': { added: [[3, 7], [10, 10], [20, 21]], hunks: [[1, 12], [18, 21]] },
      'src/new.ts': { added: [[1, 4]], status: 'added' },
      'README.md': { added: [[1, 1]] },
      'src/gone.ts': { status: 'deleted' },
      'src/logo.png': { binary: true },
      'src/gen/x.ts': { added: [[1, 2]] },
    });

  it('intersects changed lines with instrumented lines and lists the uncovered ranges', () => {
    const yaml = 'gates:\n  coverage:\n    ignore: ["src/gen/**"]\n';
    const g = gate(run(yaml, { reports, changes: diff() }), 'patch_coverage');
    // Changed and instrumented: 3 (0), 5 (1), 6 (0), 7 (0), 10 (0); line 4 is not instrumented, 20-21 are beyond the report.
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Changed-line coverage 20 % (1/5) < 85 %');
    expect(g.uncovered).toEqual([{ path: 'src/a.ts', ranges: [[3, 3], [6, 7], [10, 10]] }]);
    // README.md is documentation (scopes.docs): not expected in a coverage report, so not listed.
    expect(g.missingFiles).toEqual(['src/new.ts']);
    expect(g.metrics).toEqual({ total: 5, covered: 1, pct: 20, files_changed: 6, files_not_in_reports: 1 });
    expect(g.reasons).toEqual(['1 changed file not in any coverage report (not counted)']);
  });

  it('counts the added lines of changed source files absent from reports with missing_files: uncovered', () => {
    const yaml = 'gates:\n  coverage:\n    ignore: ["src/gen/**"]\n  patch_coverage:\n    missing_files: uncovered\n';
    const g = gate(run(yaml, { reports, changes: diff() }), 'patch_coverage');
    expect(g.summary).toBe('Changed-line coverage 11.11 % (1/9) < 85 %');
    expect(g.uncovered).toEqual([
      { path: 'src/a.ts', ranges: [[3, 3], [6, 7], [10, 10]] },
      { path: 'src/new.ts', ranges: [[1, 4]] },
    ]);
    expect(g.missingFiles).toEqual(['src/new.ts']);
    expect(g.reasons).toEqual(['1 changed file not in any coverage report (source files counted as uncovered)']);
  });

  it('uses the configured src scope for missing files', () => {
    const yaml = 'scopes:\n  src: ["lib/**"]\ngates:\n  patch_coverage:\n    missing_files: uncovered\n';
    const g = gate(run(yaml, { reports, changes: changes({ 'src/new.ts': { added: [[1, 4]] }, 'lib/x.js': { added: [[2, 3]] } }) }), 'patch_coverage');
    expect(g.summary).toBe('Changed-line coverage 0 % (0/2) < 85 %');
    expect(g.uncovered).toEqual([{ path: 'lib/x.js', ranges: [[2, 3]] }]);
  });

  it('is neutral below min_lines', () => {
    const g = gate(run('gates:\n  patch_coverage:\n    min_lines: 6\n', { reports, changes: changes({ 'src/a.ts': { added: [[5, 9]] } }) }), 'patch_coverage');
    expect(g.outcome).toBe('neutral');
    expect(g.summary).toBe('4 changed coverable lines: fewer than min_lines (6), not judged');
    expect(g.metrics).toEqual({ total: 4, covered: 2, pct: 50, files_changed: 1 });
    expect(g.uncovered).toEqual([{ path: 'src/a.ts', ranges: [[6, 7]] }]);
  });

  it('is neutral with no changed coverable line at all (default min_lines 1)', () => {
    const g = gate(run('', { reports, changes: changes({ 'docs/a.md': { added: [[1, 3]] } }) }), 'patch_coverage');
    expect(g).toMatchObject({ outcome: 'neutral', summary: '0 changed coverable lines: fewer than min_lines (1), not judged', missingFiles: [] });
  });

  it('is neutral without a diff', () => {
    const g = gate(run('', { reports }), 'patch_coverage');
    expect(g).toMatchObject({
      outcome: 'neutral',
      summary: 'no diff to measure: changed-line coverage needs a base (--base or --diff)',
      metrics: {},
      reports: [],
    });
  });

  it('fails without a coverage report when there is a diff', () => {
    const g = gate(run('', { reports: [], changes: diff(), searched: { coverage: ['coverage/lcov.info'] } }), 'patch_coverage');
    expect(g).toMatchObject({ outcome: 'fail', summary: 'no report found for gate patch_coverage (looked for: coverage/lcov.info)' });
  });

  it('reads changed lines of a file whose report path could not be resolved as missing', () => {
    const v = run('', {
      reports: [coverage('c.info', { 'src/index.ts': [0, 0] })],
      changes: changes({ 'src/index.ts': { added: [[1, 2]] } }),
      paths: { repoFiles: ['a/src/index.ts', 'b/src/index.ts', 'src/index.ts.bak'] },
    });
    expect(gate(v, 'patch_coverage')).toMatchObject({ missingFiles: ['src/index.ts'], summary: '0 changed coverable lines: fewer than min_lines (1), not judged' });
  });
});

// ---------------------------------------------------------------- lint, waivers (the scenario from the issue)

describe('runGatekeeper: lint on a file with old errors', () => {
  const legacy = 'src/legacy.ts';
  const old = Array.from({ length: 50 }, (_, i) => lintError(legacy, 100 + i, 'no-unused-vars', `'v${i}' is assigned a value but never used.`));
  const added = lintError(legacy, 20, 'no-eval', 'eval can be harmful.');
  const inHunk = lintError(legacy, 24, 'eqeqeq', "Expected '===' and instead saw '=='.");
  const elsewhere = lintError('src/other.ts', 3, 'no-console', 'Unexpected console statement.');
  // Every other gate is fed and passes, so the verdict follows the lint gate.
  const report = () => [...passingReports().filter((r) => r.kind !== 'lint'), lint('eslint.json', [...old, added])];
  const diff = () => changes({ [legacy]: { added: [[18, 22]], hunks: [[15, 25]] } });
  const addedOnly = (yaml = '') => run(yaml, { reports: report(), changes: diff(), now: NOW });

  it('fails with exactly the one new error in added mode', () => {
    const v = addedOnly();
    const g = gate(v, 'lint');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Lint: 1 error, 0 warnings on changed lines (max 0 errors)');
    expect(g.metrics).toEqual({ errors: 1, warnings: 0, notes: 0, counted: 1, waived: 0, filtered_out: 50, filter: 'added' });
    expect(g.findings).toHaveLength(1);
    expect(g.findings![0]).toMatchObject({ ruleId: 'no-eval', path: legacy, line: 20, onChangedLine: true });
    expect(g.findings![0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(outcomes(v)).toEqual({ coverage: 'pass', patch_coverage: 'neutral', lint: 'fail', security: 'pass', tests: 'pass' });
    expect(v.outcome).toBe('fail');
  });

  it('passes when a waiver names the finding by fingerprint, listing it as waived', () => {
    const fp = gate(addedOnly(), 'lint').findings![0]!.fingerprint;
    const yaml = `waivers:\n  - id: eval-migration\n    match: {fingerprint: "${fp}"}\n    reason: removed in the migration\n    owner: "@web-team"\n    expires: "2025-06-30"\n`;
    const v = addedOnly(yaml);
    const g = gate(v, 'lint');
    expect(g.outcome).toBe('pass');
    expect(g.summary).toBe('Lint: 0 errors, 0 warnings on changed lines; 1 waived');
    expect(g.metrics).toMatchObject({ errors: 0, counted: 0, waived: 1 });
    expect(g.findings).toEqual([]);
    expect(g.waived!.map((f) => [f.ruleId, f.line, f.fingerprint, f.waivedBy])).toEqual([
      ['no-eval', 20, fp, { id: 'eval-migration', reason: 'removed in the migration', owner: '@web-team', expires: '2025-06-30' }],
    ]);
    expect(v.waivers).toEqual({
      applied: [{ id: 'eval-migration', reason: 'removed in the migration', owner: '@web-team', expires: '2025-06-30', findings: 1 }],
      expired: [],
      stale: [],
    });
    expect(v.outcome).toBe('pass');
  });

  it('passes when a waiver names the rule and path', () => {
    const yaml = 'waivers:\n  - match: {rule: no-eval, path: "src/**"}\n    reason: legacy code\n    owner: alice\n    expires: "2025-03-10"\n';
    const v = addedOnly(yaml);
    expect(gate(v, 'lint').outcome).toBe('pass');
    expect(gate(v, 'lint').waived!.map((f) => f.waivedBy!.id)).toEqual(['waivers[0]']);
    expect(v.waivers.applied).toEqual([{ id: 'waivers[0]', reason: 'legacy code', owner: 'alice', expires: '2025-03-10', findings: 1 }]);
  });

  it('does not apply a rule waiver to another path', () => {
    const yaml = 'waivers:\n  - match: {rule: no-eval, path: "test/**"}\n    reason: tests only\n    owner: alice\n    expires: "2030-01-01"\n';
    const v = addedOnly(yaml);
    expect(gate(v, 'lint').outcome).toBe('fail');
    expect(v.waivers.stale.map((w) => w.id)).toEqual(['waivers[0]']);
  });

  it('fails again once the waiver has expired, and lists it as expired', () => {
    const yaml = 'waivers:\n  - id: eval-migration\n    match: {rule: no-eval}\n    reason: removed in the migration\n    owner: alice\n    expires: "2025-03-09"\n';
    const v = addedOnly(yaml);
    const g = gate(v, 'lint');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Lint: 1 error, 0 warnings on changed lines (max 0 errors)');
    expect(g.waived).toEqual([]);
    expect(v.waivers).toEqual({
      applied: [],
      expired: [{ id: 'eval-migration', reason: 'removed in the migration', owner: 'alice', expires: '2025-03-09' }],
      stale: [],
    });
  });

  it('keeps a waiver through its last day (UTC)', () => {
    const yaml = 'waivers:\n  - match: {rule: no-eval}\n    reason: r\n    owner: o\n    expires: "2025-03-10"\n';
    const late = run(yaml, { reports: report(), changes: diff(), now: new Date('2025-03-10T23:59:59Z') });
    expect(gate(late, 'lint').outcome).toBe('pass');
    const next = run(yaml, { reports: report(), changes: diff(), now: new Date('2025-03-11T00:00:00Z') });
    expect(gate(next, 'lint').outcome).toBe('fail');
  });

  it('calls a waiver that matches nothing stale', () => {
    const yaml = 'waivers:\n  - id: old\n    match: {rule: no-such-rule}\n    reason: r\n    owner: o\n    expires: "2026-01-01"\n';
    expect(addedOnly(yaml).waivers).toEqual({ applied: [], expired: [], stale: [{ id: 'old', reason: 'r', owner: 'o', expires: '2026-01-01' }] });
  });

  it('counts findings in changed hunks in diff_context mode', () => {
    const v = run('gates:\n  lint:\n    filter: diff_context\n', { reports: [lint('e.json', [...old, added, inHunk, elsewhere])], changes: diff() });
    const g = gate(v, 'lint');
    expect(g.summary).toBe('Lint: 2 errors, 0 warnings in changed hunks (max 0 errors)');
    expect(g.findings!.map((f) => [f.line, f.onChangedLine])).toEqual([
      [20, true],
      [24, false],
    ]);
    expect(g.metrics).toMatchObject({ filtered_out: 51, filter: 'diff_context' });
  });

  it('counts every finding of a changed file in file mode', () => {
    const v = run('gates:\n  lint:\n    filter: file\n', { reports: [lint('e.json', [...old, added, elsewhere])], changes: diff() });
    expect(gate(v, 'lint').summary).toBe('Lint: 51 errors, 0 warnings in changed files (max 0 errors)');
    expect(gate(v, 'lint').metrics).toMatchObject({ counted: 51, filtered_out: 1 });
  });

  it('counts every finding in nofilter mode, and without a diff whatever the mode', () => {
    const all = [lint('e.json', [...old, added, elsewhere])];
    const nofilter = gate(run('gates:\n  lint:\n    filter: nofilter\n', { reports: all, changes: diff() }), 'lint');
    expect(nofilter.summary).toBe('Lint: 52 errors, 0 warnings (max 0 errors)');
    expect(nofilter.findings![0]).toMatchObject({ line: 20, onChangedLine: true });
    const noDiff = gate(run('', { reports: all }), 'lint');
    expect(noDiff.summary).toBe('Lint: 52 errors, 0 warnings (max 0 errors)');
    expect(noDiff.metrics).toMatchObject({ counted: 52, filtered_out: 0, filter: 'nofilter' });
    expect(noDiff.findings!.every((f) => !f.onChangedLine)).toBe(true);
  });

  it('does not count findings in a deleted file, and counts file-level findings of a changed file', () => {
    const v = run('', {
      reports: [lint('e.json', [lintError('src/gone.ts', 1, 'x', 'y'), { tool: 'eslint', ruleId: 'max-lines', message: 'File too long.', level: 'warning', severity: 'medium', path: legacy }])],
      changes: changes({ 'src/gone.ts': { status: 'deleted' }, [legacy]: { added: [[1, 1]] } }),
    });
    expect(gate(v, 'lint')).toMatchObject({ outcome: 'pass', summary: 'Lint: 0 errors, 1 warning on changed lines' });
  });

  it('fails on warnings over max_warnings and sorts errors first, changed lines first', () => {
    const warn = (line: number): Finding => ({ tool: 'eslint', ruleId: 'prefer-const', message: 'm', level: 'warning', severity: 'medium', path: legacy, line });
    const v = run('gates:\n  lint:\n    max_errors: 5\n    max_warnings: 1\n    filter: file\n', {
      reports: [lint('e.json', [warn(30), warn(19), added, lintError(legacy, 5, 'no-var', 'v')])],
      changes: diff(),
    });
    const g = gate(v, 'lint');
    expect(g.outcome).toBe('fail');
    expect(g.threshold).toBe('<= 5 errors, <= 1 warnings');
    expect(g.summary).toBe('Lint: 2 errors, 2 warnings in changed files (max 1 warnings)');
    expect(g.findings!.map((f) => `${f.level}:${f.line}`)).toEqual(['error:20', 'error:5', 'warning:19', 'warning:30']);
  });
});

// ---------------------------------------------------------------- security

describe('runGatekeeper: security', () => {
  const findings = [vuln('medium', { path: 'src/a.ts', line: 3 }), vuln('critical', { path: 'src/b.ts', line: 9 }), vuln('high', { path: 'src/c.ts', line: 1 }), vuln('low', { path: 'src/a.ts', line: 1 })];

  it('fails on high and critical with fail_on high, counting findings outside the diff (nofilter)', () => {
    const v = run('', { reports: [security('s.sarif', findings)], changes: changes({ 'src/a.ts': { added: [[3, 3]] } }) });
    const g = gate(v, 'security');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Security: 1 critical, 1 high, 1 medium, 1 low (2 at or above high)');
    expect(g.metrics).toEqual({ critical: 1, high: 1, medium: 1, low: 1, info: 0, blocking: 2, counted: 4, waived: 0, filtered_out: 0, filter: 'nofilter' });
    expect(g.findings!.map((f) => [f.severity, f.path, f.onChangedLine])).toEqual([
      ['critical', 'src/b.ts', false],
      ['high', 'src/c.ts', false],
      ['medium', 'src/a.ts', true],
      ['low', 'src/a.ts', false],
    ]);
  });

  it('passes medium findings with fail_on high, and fails them with fail_on medium', () => {
    const only = [security('s.sarif', [vuln('medium', { path: 'src/a.ts', line: 3 }), vuln('info')])];
    expect(gate(run('', { reports: only }), 'security')).toMatchObject({ outcome: 'pass', summary: 'Security: 1 medium, 1 info' });
    const strict = gate(run('gates:\n  security:\n    fail_on: medium\n', { reports: only }), 'security');
    expect(strict).toMatchObject({ outcome: 'fail', summary: 'Security: 1 medium, 1 info (1 at or above medium)', threshold: 'no critical or high or medium findings' });
  });

  it('never fails with fail_on none', () => {
    const g = gate(run('gates:\n  security:\n    fail_on: none\n', { reports: [security('s.sarif', findings)] }), 'security');
    expect(g).toMatchObject({ outcome: 'pass', threshold: 'never fails', summary: 'Security: 1 critical, 1 high, 1 medium, 1 low' });
    expect(g.metrics.blocking).toBe(0);
  });

  it('counts dependency findings in added mode only when a manifest or lockfile changed', () => {
    const dep = vuln('high', { ruleId: 'CVE-2024-1234', ids: ['CVE-2024-1234', 'GHSA-aaaa-bbbb-cccc'], package: { name: 'lodash', version: '4.17.20', fixedVersion: '4.17.21' } });
    const own = vuln('critical', { package: { name: 'internal', manifest: 'deps/extra.lst' } });
    const yaml = 'gates:\n  security:\n    filter: added\n';
    const code = gate(run(yaml, { reports: [security('t.json', [dep, own])], changes: changes({ 'src/a.ts': { added: [[1, 1]] } }) }), 'security');
    expect(code).toMatchObject({ outcome: 'pass', summary: 'Security: no findings' });
    expect(code.metrics).toMatchObject({ counted: 0, filtered_out: 2 });
    const lock = gate(run(yaml, { reports: [security('t.json', [dep, own])], changes: changes({ 'web/package-lock.json': { added: [[10, 12]] } }) }), 'security');
    expect(lock).toMatchObject({ outcome: 'fail', summary: 'Security: 1 critical, 1 high (2 at or above high)' });
    const manifest = gate(run(yaml, { reports: [security('t.json', [dep, own])], changes: changes({ 'svc/deps/extra.lst': { added: [[1, 1]] } }) }), 'security');
    expect(manifest.findings!.map((f) => f.package!.name)).toEqual(['internal']);
  });

  it('waives a finding by advisory id, case-insensitively', () => {
    const dep = vuln('critical', { ruleId: 'npm:lodash', ids: ['CVE-2024-1234'], package: { name: 'lodash' } });
    const yaml = 'waivers:\n  - match: {advisory: cve-2024-1234}\n    reason: not reachable\n    owner: sec\n    expires: "2025-12-31"\n';
    const v = run(yaml, { reports: [security('a.json', [dep])], now: NOW });
    expect(gate(v, 'security')).toMatchObject({ outcome: 'pass', summary: 'Security: no findings; 1 waived' });
    expect(v.waivers.applied.map((w) => [w.id, w.findings])).toEqual([['waivers[0]', 1]]);
  });

  it('shares one waiver between the lint and security gates', () => {
    const yaml = 'waivers:\n  - match: {path: "src/legacy/**"}\n    reason: frozen\n    owner: o\n    expires: "2025-12-31"\n';
    const v = run(yaml, {
      reports: [lint('e.json', [lintError('src/legacy/a.ts', 1, 'a', 'b')]), security('s.sarif', [vuln('high', { path: 'src/legacy/b.ts', line: 2 })])],
      now: NOW,
    });
    expect([gate(v, 'lint').outcome, gate(v, 'security').outcome]).toEqual(['pass', 'pass']);
    expect(v.waivers.applied).toEqual([{ id: 'waivers[0]', reason: 'frozen', owner: 'o', expires: '2025-12-31', findings: 2 }]);
  });
});

// ---------------------------------------------------------------- tests

describe('runGatekeeper: tests', () => {
  it('fails on failures plus errors over max_failures and lists the failing cases', () => {
    const v = run('', {
      reports: [
        tests('unit.xml', {
          total: 10,
          passed: 7,
          failed: 1,
          errored: 1,
          skipped: 1,
          problems: [
            { kind: 'failure', suite: 'math', classname: 'Calc', name: 'adds', message: 'expected 3, got 4', path: 'test/calc.test.ts', line: 12 },
            { kind: 'error', name: 'boots', message: 'TypeError: x is undefined' },
          ],
        }),
      ],
    });
    const g = gate(v, 'tests');
    expect(g.outcome).toBe('fail');
    expect(g.summary).toBe('Tests: 7 passed, 1 failed, 1 errored, 1 skipped (max 0)');
    expect(g.metrics).toEqual({ total: 10, passed: 7, failed: 1, errored: 1, skipped: 1, failures: 2 });
    expect(g.findings!.map((f) => [f.ruleId, f.message, f.path, f.line, f.fingerprint])).toEqual([
      ['failure', 'Calc › adds: expected 3, got 4', 'test/calc.test.ts', 12, 'math/Calc/adds'],
      ['error', 'boots: TypeError: x is undefined', undefined, undefined, '//boots'],
    ]);
  });

  it('sums several reports and passes within max_failures', () => {
    const v = run('gates:\n  tests:\n    max_failures: 2\n', { reports: [tests('a.xml', { total: 5, passed: 4, failed: 1 }), tests('b.xml', { total: 3, passed: 2, errored: 1 })] });
    expect(gate(v, 'tests')).toMatchObject({ outcome: 'pass', summary: 'Tests: 6 passed, 1 failed, 1 errored, 0 skipped', reports: ['a.xml', 'b.xml'] });
  });

  it('fails when fewer than min_tests ran (skipped tests do not count)', () => {
    const g = gate(run('gates:\n  tests:\n    min_tests: 5\n', { reports: [tests('a.xml', { total: 6, passed: 4, skipped: 2 })] }), 'tests');
    expect(g.outcome).toBe('fail');
    expect(g.threshold).toBe('<= 0 failures, >= 5 tests');
    expect(g.summary).toBe('Tests: 4 passed, 0 failed, 0 errored, 2 skipped (4 tests ran, fewer than min_tests (5))');
    expect(g.reasons).toEqual(['4 tests ran, fewer than min_tests (5)']);
    const empty = gate(run('', { reports: [tests('a.xml', {})] }), 'tests');
    expect(empty).toMatchObject({ outcome: 'fail', summary: 'Tests: 0 passed, 0 failed, 0 errored, 0 skipped (0 tests ran, fewer than min_tests (1))' });
    const none = gate(run('gates:\n  tests:\n    min_tests: 0\n', { reports: [tests('a.xml', {})] }), 'tests');
    expect(none).toMatchObject({ outcome: 'pass', threshold: '<= 0 failures' });
  });
});

// ---------------------------------------------------------------- fingerprints

describe('fingerprints', () => {
  const at = (line: number, extra: Partial<Finding> = {}): Finding => ({ ...lintError('src/a.ts', line, 'no-eval', `eval at line ${line} can be harmful.`), ...extra });
  const source: Record<number, string> = { 20: '  eval(input);', 35: 'eval(input);   ', 36: 'eval(other);' };
  const sourceLine = (path: string, line: number) => (path === 'src/a.ts' ? source[line] : undefined);

  it('keeps the fingerprint of a finding moved to another line with the same text', () => {
    expect(fingerprintOf(at(35), 'src/a.ts', sourceLine)).toBe(fingerprintOf(at(20), 'src/a.ts', sourceLine));
    expect(fingerprintOf(at(36), 'src/a.ts', sourceLine)).not.toBe(fingerprintOf(at(20), 'src/a.ts', sourceLine));
    expect(fingerprintOf(at(20), 'src/b.ts', sourceLine)).not.toBe(fingerprintOf(at(20), 'src/a.ts', sourceLine));
    expect(fingerprintOf(at(20, { ruleId: 'no-implied-eval' }), 'src/a.ts', sourceLine)).not.toBe(fingerprintOf(at(20), 'src/a.ts', sourceLine));
  });

  it('falls back to the message when the line text is unknown', () => {
    const same = { message: 'eval can be harmful.' };
    expect(fingerprintOf(at(20, same), 'src/a.ts')).toBe(fingerprintOf(at(90, same), 'src/a.ts'));
    expect(fingerprintOf(at(20), 'src/a.ts')).not.toBe(fingerprintOf(at(90), 'src/a.ts'));
  });

  it('prefers the tool fingerprint over line and message', () => {
    expect(fingerprintOf(at(20, { toolFingerprint: 'abc:1' }), 'src/a.ts', sourceLine)).toBe(fingerprintOf(at(36, { toolFingerprint: 'abc:1' }), 'src/z.ts'));
    expect(fingerprintOf(at(20, { toolFingerprint: 'abc:1' }), 'src/a.ts')).not.toBe(fingerprintOf(at(20, { toolFingerprint: 'abc:2' }), 'src/a.ts'));
  });

  it('identifies a dependency finding by package and advisories', () => {
    const dep = (version: string, ids: string[]) => vuln('high', { ruleId: 'CVE-1', ids, package: { name: 'lodash', version } });
    expect(fingerprintOf(dep('1.0.0', ['CVE-1']), undefined)).toBe(fingerprintOf(dep('1.0.1', ['CVE-1']), undefined));
    expect(fingerprintOf(dep('1.0.0', ['CVE-1']), undefined)).not.toBe(fingerprintOf(dep('1.0.0', ['CVE-1', 'GHSA-x']), undefined));
  });

  it('gives a moved finding the same fingerprint through the gatekeeper, so a fingerprint waiver follows it', () => {
    const before = run('', { reports: [lint('e.json', [at(20)])], sourceLine });
    const fp = gate(before, 'lint').findings![0]!.fingerprint;
    const yaml = `waivers:\n  - match: {fingerprint: "${fp}"}\n    reason: r\n    owner: o\n    expires: "2025-12-31"\n`;
    const after = run(yaml, { reports: [lint('e.json', [at(35)])], sourceLine, now: NOW });
    expect(gate(after, 'lint')).toMatchObject({ outcome: 'pass', summary: 'Lint: 0 errors, 0 warnings; 1 waived' });
    const changed = run(yaml, { reports: [lint('e.json', [at(36)])], sourceLine, now: NOW });
    expect(gate(changed, 'lint').outcome).toBe('fail');
  });
});

describe('summary-only coverage (coverage-summary.json)', () => {
  it('counts the stated line totals in the project gate and says changed lines cannot use it', async () => {
    const { parseFile, ownFixture } = await import('../helpers/fixtures.js');
    const { loadConfig } = await import('../../src/core/config/load.js');
    const { runGatekeeper } = await import('../../src/core/gatekeeper.js');
    const { parseUnifiedDiff } = await import('../../src/core/diff.js');
    const summary = await parseFile(ownFixture('jest/coverage-summary.json'));
    const v = runGatekeeper({
      config: loadConfig('gates:\n  coverage:\n    min: 70\n'),
      reports: [summary],
      changes: parseUnifiedDiff('diff --git a/src/a.js b/src/a.js\n--- a/src/a.js\n+++ b/src/a.js\n@@ -1,0 +2,1 @@\n+x\n'),
    });
    const cov = v.gates.find((g) => g.id === 'coverage')!;
    expect(cov.metrics).toMatchObject({ total: 57, covered: 41 });
    expect(cov.summary).toBe('Coverage 71.92 % >= 70 %');
    const patch = v.gates.find((g) => g.id === 'patch_coverage')!;
    expect(patch.outcome).toBe('neutral');
    expect(patch.reasons[0]).toBe(`${summary.path} has no per-line data (a coverage summary): changed lines are measured from the other reports only`);
  });
});
