import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { coveragepyParser } from '../../../src/core/parsers/coverage/coveragepy.js';
import { bytesOf } from '../../../src/core/stream.js';
import { coverageTotals, type CoverageData, type FileCoverage } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, ownFixturesDir, parseFile, realFixturesDir } from '../../helpers/fixtures.js';

function coverageOf(r: Awaited<ReturnType<typeof parseReport>>): CoverageData {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

function parseText(doc: unknown, chunk = 64 * 1024) {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return parseReport(bytesOf(text, chunk), { path: 'coverage.json', format: 'coveragepy-json' });
}

interface ReportRow {
  stmts: number;
  miss: number;
  branch: number;
  brpart: number;
  cover: number;
}

/** The table `coverage report` printed (test/fixtures/coveragepy/<version>/report.txt). */
function printedReport(version: string): Map<string, ReportRow> {
  const rows = new Map<string, ReportRow>();
  for (const line of readFileSync(ownFixture(`coveragepy/${version}/report.txt`), 'utf8').split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%$/.exec(line);
    if (m) rows.set(m[1]!, { stmts: +m[2]!, miss: +m[3]!, branch: +m[4]!, brpart: +m[5]!, cover: +m[6]! });
  }
  return rows;
}

/** Lines with some but not all of their branches taken: coverage.py's BrPart. */
function partialBranchLines(f: FileCoverage): number {
  let n = 0;
  for (const [, found, covered] of f.branchEntries()) if (covered > 0 && covered < found) n++;
  return n;
}

/** The row our model gives for a file or for the whole report. */
function rowOf(files: FileCoverage[]): ReportRow {
  const t = coverageTotals(files);
  const cover = Math.round(((t.lines.covered + t.branches.covered) / (t.lines.total + t.branches.total)) * 100);
  return {
    stmts: t.lines.total,
    miss: t.lines.total - t.lines.covered,
    branch: t.branches.total,
    brpart: files.reduce((n, f) => n + partialBranchLines(f), 0),
    cover,
  };
}

const GRADES = 'sampletools/grades.py';
const TEXTSTATS = 'sampletools/textstats.py';
const INIT = 'sampletools/__init__.py';

describe('coverage.py JSON parser', () => {
  it('gives coverage.py 7.16 (format 3) totals equal to `coverage report`: 47 stmts, 11 miss, 26 branches, 3 partial, 73 %', async () => {
    const r = await parseFile(ownFixture('coveragepy/7.16/coverage.json'));
    expect(r.format).toBe('coveragepy-json');
    expect(r.warnings).toEqual([]);
    const cov = coverageOf(r);
    const printed = printedReport('7.16');
    expect(printed.get('TOTAL')).toEqual({ stmts: 47, miss: 11, branch: 26, brpart: 3, cover: 73 });
    expect(rowOf([...cov.files.values()])).toEqual(printed.get('TOTAL'));
    expect([...cov.files.keys()]).toEqual([INIT, GRADES, TEXTSTATS]);
    for (const [path, f] of cov.files) expect([path, rowOf([f])]).toEqual([path, printed.get(path)]);
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 47, covered: 36 });
    expect(t.branches).toEqual({ total: 26, covered: 17 });
    expect(t.functions).toEqual({ total: 6, covered: 5 });
    expect(cov.declared).toEqual({ lines: { total: 47, covered: 36 }, branches: { total: 26, covered: 17 } });
  });

  it('keeps per-line data: statements, excluded lines and branch arcs by source line', async () => {
    const cov = coverageOf(await parseFile(ownFixture('coveragepy/7.16/coverage.json')));
    const grades = cov.files.get(GRADES)!;
    expect(grades.hits(4)).toBe(1);
    expect(grades.hits(11)).toBe(0);
    expect(grades.hits(2)).toBeUndefined(); // blank line
    expect(grades.hits(36)).toBeUndefined(); // pragma: no cover
    expect(grades.hits(37)).toBeUndefined();
    expect([...grades.branchEntries()]).toEqual([
      [5, 2, 2], [7, 2, 2], [9, 2, 1], [11, 2, 0], [13, 2, 0], [19, 2, 1], [22, 2, 2], [31, 2, 0],
    ]);
    // grade, summarize ran; curve did not; debug_dump is excluded (no statements).
    expect(grades.functions).toEqual({ total: 3, covered: 2 });
    expect(cov.files.get(TEXTSTATS)!.functions).toEqual({ total: 3, covered: 3 });
    expect(cov.files.get(INIT)!.functions).toEqual({ total: 0, covered: 0 });
  });

  it('reads coverage.py 6.5 (no meta.format) to the same totals, leaving out the docstring lines it lists as executed', async () => {
    const r = await parseFile(ownFixture('coveragepy/6.5/coverage.json'));
    expect(r.format).toBe('coveragepy-json');
    const cov = coverageOf(r);
    const printed = printedReport('6.5');
    expect(rowOf([...cov.files.values()])).toEqual(printed.get('TOTAL'));
    for (const [path, f] of cov.files) expect([path, rowOf([f])]).toEqual([path, printed.get(path)]);
    expect(cov.declared).toEqual({ lines: { total: 47, covered: 36 }, branches: { total: 26, covered: 17 } });
    // Line 1 (the module docstring) of each file is not a statement; 36 is excluded.
    for (const f of cov.files.values()) expect(f.hits(1)).toBeUndefined();
    expect(cov.files.get(GRADES)!.hits(36)).toBeUndefined();
    expect(coverageTotals(cov.files.values()).functions).toEqual({ total: 0, covered: 0 });
    expect(r.warnings).toEqual([
      `${r.path}: 3 executed line(s) in 3 file(s) are not statements (coverage.py 6.5.0 lists docstrings as executed); ` +
        'the first executed line(s) of those files were left out so the totals match the summaries',
    ]);
    // Same per-line statements and branches as 7.16's report of the same run.
    const v7 = coverageOf(await parseFile(ownFixture('coveragepy/7.16/coverage.json')));
    for (const [path, f] of cov.files) {
      expect([path, [...f.lineEntries()]]).toEqual([path, [...v7.files.get(path)!.lineEntries()]]);
      expect([path, [...f.branchEntries()]]).toEqual([path, [...v7.files.get(path)!.branchEntries()]]);
    }
  });

  it("gives the same lines, branches and functions as coverage.py 7.16's lcov of the same run", async () => {
    const json = coverageOf(await parseFile(ownFixture('coveragepy/7.16/coverage.json')));
    const lr = await parseFile(ownFixture('coveragepy/7.16/coverage.lcov'));
    expect(lr.format).toBe('lcov');
    const lcov = coverageOf(lr);
    expect([...lcov.files.keys()]).toEqual([...json.files.keys()]);
    for (const [path, f] of json.files) {
      const l = lcov.files.get(path)!;
      expect([path, [...l.lineEntries()]]).toEqual([path, [...f.lineEntries()]]);
      expect([path, l.branches, l.functions]).toEqual([path, f.branches, f.functions]);
    }
    expect(coverageTotals(lcov.files.values())).toEqual(coverageTotals(json.files.values()));
    expect(lcov.declared?.lines).toEqual({ total: 47, covered: 36 });
  });

  it("shows why the JSON is preferred over coverage.py 6.5's lcov: its DA records include the non-statement lines", async () => {
    const json = coverageOf(await parseFile(ownFixture('coveragepy/6.5/coverage.json')));
    const lcov = coverageOf(await parseFile(ownFixture('coveragepy/6.5/coverage.lcov')));
    // LF agrees with the JSON and `coverage report`; the DA lines are 47 + 3 docstrings + excluded line 36.
    expect(lcov.declared?.lines?.total).toBe(coverageTotals(json.files.values()).lines.total);
    expect(coverageTotals(lcov.files.values()).lines).toEqual({ total: 51, covered: 40 });
    const extra: string[] = [];
    for (const [path, f] of lcov.files) {
      for (const [line] of f.lineEntries()) if (json.files.get(path)!.hits(line) === undefined) extra.push(`${path}:${line}`);
    }
    expect(extra).toEqual([`${INIT}:1`, `${GRADES}:1`, `${GRADES}:36`, `${TEXTSTATS}:1`]);
  });

  describe('hand-written reports', () => {
    const meta = { format: 3, version: '7.16.2', timestamp: '2026-01-01T00:00:00', branch_coverage: true, show_contexts: false };
    const file = (over: Record<string, unknown> = {}) => ({
      executed_lines: [1, 2, 4],
      missing_lines: [3],
      excluded_lines: [],
      summary: { covered_lines: 3, num_statements: 4, num_branches: 2, covered_branches: 1 },
      executed_branches: [[2, 4]],
      missing_branches: [[2, 3]],
      ...over,
    });
    const totals = { covered_lines: 3, num_statements: 4, num_branches: 2, covered_branches: 1 };

    it('reads a minimal report streamed in 7-character chunks', async () => {
      const r = await parseText({ meta, files: { 'a.py': file() }, totals }, 7);
      const f = coverageOf(r).files.get('a.py')!;
      expect([...f.lineEntries()]).toEqual([[1, 1], [2, 1], [3, 0], [4, 1]]);
      expect([...f.branchEntries()]).toEqual([[2, 2, 1]]);
      expect(r.warnings).toEqual([]);
    });

    it('counts an arc to a negative line (an exit from the function) as a branch', async () => {
      const f = file({
        executed_branches: [[2, 4], [4, -1]],
        missing_branches: [[2, 3], [4, 5]],
        summary: { covered_lines: 3, num_statements: 4, num_branches: 4, covered_branches: 2 },
      });
      const r = await parseText({ meta, files: { 'a.py': f } });
      expect([...coverageOf(r).files.get('a.py')!.branchEntries()]).toEqual([[2, 2, 1], [4, 2, 1]]);
      expect(r.warnings).toEqual([]);
    });

    it('uses the summary on line 0 when a file has no arcs, or when its arcs disagree with the summary', async () => {
      const noArcs = file();
      delete (noArcs as Record<string, unknown>).executed_branches;
      delete (noArcs as Record<string, unknown>).missing_branches;
      const bad = file({ executed_branches: [[2, 4], [2, 3]] });
      const r = await parseText({ meta: { ...meta, format: 2 }, files: { 'a.py': noArcs, 'b.py': bad } });
      const cov = coverageOf(r);
      expect([...cov.files.get('a.py')!.branchEntries()]).toEqual([[0, 2, 1]]);
      expect([...cov.files.get('b.py')!.branchEntries()]).toEqual([[0, 2, 1]]);
      expect(r.warnings).toEqual([
        "coverage.json: branch arcs disagree with the summary for 1 file(s) (first: b.py branches 2/3 in its arcs, 1/2 in its summary); the summary's totals are used",
      ]);
    });

    it('records no branches when branch coverage was not measured', async () => {
      const r = await parseText({ meta: { ...meta, branch_coverage: false }, files: { 'a.py': file() } });
      expect(coverageTotals(coverageOf(r).files.values()).branches).toEqual({ total: 0, covered: 0 });
    });

    it('counts malformed line numbers and arcs as skipped', async () => {
      const f = file({ executed_lines: [1, 2, 4, 'x', -1, 2.5], missing_lines: [3, 0], executed_branches: [[2, 4], [2]] });
      const r = await parseText({ meta, files: { 'a.py': f } });
      const a = coverageOf(r).files.get('a.py')!;
      expect(a.lines).toEqual({ total: 4, covered: 3 });
      expect([...a.branchEntries()]).toEqual([[2, 2, 1]]);
      expect(r.warnings).toEqual(['coverage.json: skipped 5 malformed entries (first: a.py: missing_lines entry 0)']);
    });

    it('warns when the line lists or the totals disagree with the summaries, and keeps the lists', async () => {
      const f = file({ executed_lines: [1], summary: { covered_lines: 3, num_statements: 4, num_branches: 2, covered_branches: 1 } });
      const r = await parseText({ meta, files: { 'a.py': f }, totals });
      expect(coverageOf(r).files.get('a.py')!.lines).toEqual({ total: 2, covered: 1 });
      expect(r.warnings).toEqual([
        'coverage.json: line lists disagree with the summary for 1 file(s) (first: a.py lines 1/2 listed, 3/4 in its summary); the lists are used',
        'coverage.json: "totals" differ from the files (lines 3/4 declared, 1/2 counted); the files are used',
      ]);
    });

    it('reads a report whose keys were sorted (files before meta)', async () => {
      const text = JSON.stringify({ files: { 'a.py': file() }, meta, totals }, null, 2);
      expect(coveragepyParser.sniff(text, 'coverage.json')).toBe(true);
      const r = await parseReport(bytesOf(text), { path: 'sorted.json' });
      expect(r.format).toBe('coveragepy-json');
      expect(coverageTotals(coverageOf(r).files.values()).branches).toEqual({ total: 2, covered: 1 });
    });

    it('keeps a __proto__ file key as a file without touching Object.prototype', async () => {
      const text = `{"meta": ${JSON.stringify(meta)}, "files": {"__proto__": ${JSON.stringify(file())}}}`;
      const cov = coverageOf(await parseText(text));
      expect([...cov.files.keys()]).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).executed_lines).toBeUndefined();
    });

    it('does not count a repeated file key twice (hits, branches and functions stay those of one entry)', async () => {
      const entry = JSON.stringify(file({ functions: { f: { summary: { num_statements: 2, covered_lines: 1 } } } }));
      const r = await parseText(`{"meta": ${JSON.stringify(meta)}, "files": {"a.py": ${entry}, "a.py": ${entry}}}`);
      const a = coverageOf(r).files.get('a.py')!;
      expect([...a.lineEntries()]).toEqual([[1, 1], [2, 1], [3, 0], [4, 1]]);
      expect([...a.branchEntries()]).toEqual([[2, 2, 1]]);
      expect(a.functions).toEqual({ total: 1, covered: 1 });
      // A streaming reader delivers both occurrences; the second is then counted as skipped.
      expect(r.warnings.filter((w) => !w.includes('repeated; the first entry is kept'))).toEqual([]);
    });

    it('refuses unknown formats and shapes instead of reporting 0 % or 100 %', async () => {
      const err = (problem: string) => new ReportParseError(problem, { file: 'coverage.json' });
      await expect(parseText({ meta: { ...meta, format: 4 }, files: { 'a.py': file() } })).rejects.toThrow(
        err('unsupported coverage.py JSON format 4 (coverage.py 7.16.2; known formats: 1 to 3)'),
      );
      await expect(parseText({ files: { 'a.py': file() } })).rejects.toThrow(err('no "meta" object: not a coverage.py JSON report'));
      await expect(parseText({ meta: { branch_coverage: true }, files: {} })).rejects.toThrow(err('meta.version is missing: not a coverage.py JSON report'));
      await expect(parseText({ meta, files: {}, totals })).rejects.toThrow(err('the report lists no files (coverage.py measured nothing)'));
      await expect(parseText({ meta, files: [file()] })).rejects.toThrow(
        err('"files" is an array, not an object keyed by path: not a coverage.py JSON report'),
      );
      await expect(parseText({ meta, files: { 'a.py': { executed_lines: [1] } } })).rejects.toThrow(
        err('files["a.py"] has no executed_lines/missing_lines/summary: not a coverage.py JSON report'),
      );
      await expect(parseText('{"meta": {"version": "7.16.2", "format": 3}, "files": {"a.py": ')).rejects.toThrow(ReportParseError);
    });
  });

  it('sniffs coverage.py JSON and no other report among the shared and committed fixtures', () => {
    const accepted: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
        else if (coveragepyParser.sniff(readFileSync(p, 'utf8').slice(0, 65536), p)) accepted.push(`${rel}${e.name}`);
      }
    };
    walk(realFixturesDir, 'real/');
    walk(ownFixturesDir, '');
    expect(accepted.sort()).toEqual(['coveragepy/6.5/coverage.json', 'coveragepy/7.16/coverage.json']);
    expect(coveragepyParser.sniff('{"total": {"lines": {"total": 1}}}', 'coverage-summary.json')).toBe(false);
  });
});
