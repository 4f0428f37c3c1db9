import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseReport, SNIFF_BYTES, UnknownFormatError } from '../../../src/core/parsers/registry.js';
import { istanbulFinalParser } from '../../../src/core/parsers/coverage/istanbul-final.js';
import { istanbulSummaryParser } from '../../../src/core/parsers/coverage/istanbul-summary.js';
import { bytesOf, decodeHead } from '../../../src/core/stream.js';
import { coverageTotals, type CoverageData } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import type { ParsedReport } from '../../../src/core/model/report.js';
import { ownFixture, parseFile, realFixturesDir } from '../../helpers/fixtures.js';

const SAMPLE = '/work/main/test/fixtures/sample-js/src/';

function coverageOf(r: ParsedReport): CoverageData {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

function parseText(text: string, format?: string) {
  return parseReport(bytesOf(text, 5), format ? { path: 'cov.json', format } : { path: 'cov.json' });
}

/** A minimal istanbul file object: statements as [line, count], branches as [line, counts]. */
function fileObject(
  path: string,
  statements: [number, number][],
  functions: number[] = [],
  branches: [number, number[]][] = [],
): Record<string, unknown> {
  const range = (line: number) => ({ start: { line, column: 0 }, end: { line, column: 10 } });
  return {
    path,
    statementMap: Object.fromEntries(statements.map(([line], i) => [String(i), range(line)])),
    s: Object.fromEntries(statements.map(([, count], i) => [String(i), count])),
    fnMap: Object.fromEntries(functions.map((_, i) => [String(i), { name: `f${i}`, decl: range(1), loc: range(1), line: 1 }])),
    f: Object.fromEntries(functions.map((count, i) => [String(i), count])),
    branchMap: Object.fromEntries(
      branches.map(([line, counts], i) => [String(i), { type: 'if', line, loc: range(line), locations: counts.map(() => range(line)) }]),
    ),
    b: Object.fromEntries(branches.map(([, counts], i) => [String(i), counts])),
  };
}

describe('istanbul coverage-final.json (istanbul-json)', () => {
  it('reproduces jest text-summary for the babel-instrumented run: lines 41/57, branches 30/50, functions 14/21', async () => {
    const r = await parseFile(ownFixture('jest/coverage-final.json'));
    expect(r.format).toBe('istanbul-json');
    expect(r.warnings).toEqual([]);
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(['cart.js', 'inventory.js', 'pricing.js', 'text.js'].map((f) => SAMPLE + f));
    expect(coverageTotals(cov.files.values())).toEqual({
      lines: { total: 57, covered: 41 },
      branches: { total: 50, covered: 30 },
      functions: { total: 21, covered: 14 },
    });
    expect(cov.declared).toBeUndefined();
  });

  it('keeps per-file and per-line data as jest wrote it in lcov.info', async () => {
    const cov = coverageOf(await parseFile(ownFixture('jest/coverage-final.json')));
    const cart = cov.files.get(`${SAMPLE}cart.js`)!;
    expect(cart.lines).toEqual({ total: 25, covered: 23 });
    expect(cart.functions).toEqual({ total: 8, covered: 7 });
    expect(cart.branches).toEqual({ total: 17, covered: 15 });
    // DA:12,6 (two statements start there), DA:55,0 and DA:56,0 (clear() never called)
    expect(cart.hits(12)).toBe(6);
    expect(cart.hits(55)).toBe(0);
    expect(cart.hits(56)).toBe(0);
    expect(cart.hits(9)).toBeUndefined();
    const inventory = cov.files.get(`${SAMPLE}inventory.js`)!;
    expect(inventory.lines).toEqual({ total: 10, covered: 0 });
    expect(inventory.branches).toEqual({ total: 10, covered: 0 });
    // pricing.js line 27 holds two nested conditional expressions: 4 paths, 3 taken
    const pricing = cov.files.get(`${SAMPLE}pricing.js`)!;
    expect([...pricing.branchEntries()]).toEqual([
      [5, 1, 1],
      [7, 2, 1],
      [14, 4, 3],
      [18, 2, 1],
      [27, 4, 3],
      [28, 2, 1],
    ]);
    const text = cov.files.get(`${SAMPLE}text.js`)!;
    expect([...text.branchEntries()]).toEqual([
      [11, 2, 2],
      [12, 2, 2],
      [17, 2, 1],
      [24, 2, 0],
    ]);
  });

  it('agrees line by line with the lcov.info of the same run (read by the lcov parser)', async () => {
    const json = coverageOf(await parseFile(ownFixture('jest/coverage-final.json')));
    const lcov = await parseFile(ownFixture('jest/lcov.info'));
    expect(lcov.format).toBe('lcov');
    const info = coverageOf(lcov);
    expect(coverageTotals(info.files.values()).lines).toEqual({ total: 57, covered: 41 });
    expect(info.declared?.lines).toEqual({ total: 57, covered: 41 });
    // lcov.info paths are relative to the directory jest ran in (the repository root)
    for (const [path, file] of json.files) {
      const other = info.files.get(path.replace('/work/main/', ''));
      expect(other).toBeDefined();
      expect([...other!.lineEntries()]).toEqual([...file.lineEntries()]);
      expect(other!.functions).toEqual(file.functions);
      expect(other!.branches).toEqual(file.branches);
    }
    expect(info.files.size).toBe(json.files.size);
  });

  it('reads the v8-provider run (one statement per line, an "all" key) with its text-summary totals', async () => {
    const r = await parseFile(ownFixture('jest/v8/coverage-final.json'));
    expect(r.format).toBe('istanbul-json');
    expect(r.warnings).toEqual([]);
    const cov = coverageOf(r);
    expect(coverageTotals(cov.files.values())).toEqual({
      lines: { total: 137, covered: 106 },
      branches: { total: 42, covered: 33 },
      functions: { total: 17, covered: 13 },
    });
    const pricing = cov.files.get(`${SAMPLE}pricing.js`)!;
    expect(pricing.branches).toEqual({ total: 14, covered: 9 });
    expect([...pricing.branchEntries()].find(([line]) => line === 27)).toEqual([27, 3, 2]);
    const lcov = coverageOf(await parseFile(ownFixture('jest/v8/lcov.info')));
    expect(coverageTotals(lcov.files.values()).lines).toEqual({ total: 137, covered: 106 });
  });

  it('takes the highest count of the statements starting on a line, and only their start line', async () => {
    const doc = { 'a.js': fileObject('a.js', [[1, 0], [1, 3], [2, 0], [4, 7]]) };
    // statement 3 spans lines 4-6: only line 4 is a line
    (doc['a.js']!['statementMap'] as Record<string, unknown>)['3'] = { start: { line: 4, column: 0 }, end: { line: 6, column: 1 } };
    const f = coverageOf(await parseText(JSON.stringify(doc))).files.get('a.js')!;
    expect([...f.lineEntries()]).toEqual([[1, 3], [2, 0], [4, 7]]);
    expect(f.lines).toEqual({ total: 3, covered: 2 });
  });

  it('adds the paths of all branch locations on one line', async () => {
    const doc = { 'b.js': fileObject('b.js', [[3, 1]], [2, 0, 1], [[3, [1, 0]], [3, [0, 0, 2]], [9, [0]]]) };
    const f = coverageOf(await parseText(JSON.stringify(doc))).files.get('b.js')!;
    expect([...f.branchEntries()]).toEqual([[3, 5, 2], [9, 1, 0]]);
    expect(f.branches).toEqual({ total: 6, covered: 2 });
    expect(f.functions).toEqual({ total: 3, covered: 2 });
  });

  it('skips malformed records and counts them in one warning', async () => {
    const file = fileObject('c.js', [[1, 2], [2, 0], [3, 1], [4, 1]], [1, 0], [[1, [1, 1]], [2, [0, 1]]]);
    const s = file['s'] as Record<string, unknown>;
    s['1'] = 'NaN';
    s['2'] = -4;
    (file['statementMap'] as Record<string, unknown>)['3'] = { start: { line: 0, column: 0 }, end: { line: 0, column: 1 } };
    (file['f'] as Record<string, unknown>)['1'] = 1.5;
    (file['b'] as Record<string, unknown>)['1'] = [0, 'x'];
    const r = await parseText(JSON.stringify({ 'c.js': file }));
    const f = coverageOf(r).files.get('c.js')!;
    expect([...f.lineEntries()]).toEqual([[1, 2]]);
    expect(f.functions).toEqual({ total: 1, covered: 1 });
    expect([...f.branchEntries()]).toEqual([[1, 2, 2]]);
    expect(r.warnings).toEqual([
      'cov.json: skipped 5 malformed record(s) (first: file "c.js": statement "1" has hit count "NaN")',
    ]);
  });

  it('uses the key as the path and warns when the stated path differs', async () => {
    const r = await parseText(JSON.stringify({ 'src/d.js': fileObject('/abs/src/d.js', [[1, 1]]) }));
    expect([...coverageOf(r).files.keys()]).toEqual(['src/d.js']);
    expect(r.warnings).toEqual([
      'cov.json: 1 file entry names a different path than its key; the key is used (first: "src/d.js" has path "/abs/src/d.js")',
    ]);
  });

  it('refuses an empty object instead of reporting 0 %', async () => {
    await expect(parseText('{}', 'istanbul-json')).rejects.toThrow(
      new ReportParseError('no file entries: coverage-final.json must be an object keyed by file path, with at least one file', {
        file: 'cov.json',
      }),
    );
    await expect(parseText('{}')).rejects.toBeInstanceOf(UnknownFormatError);
  });

  it('refuses a file entry without the istanbul maps, naming the file', async () => {
    const text = JSON.stringify({ 'e.js': { path: 'e.js', statementMap: {}, s: {} } });
    await expect(parseText(text)).rejects.toThrow(
      new ReportParseError('file "e.js" is not an istanbul file coverage object: fnMap, f, branchMap, b missing or not an object (keys: path, statementMap, s)', {
        file: 'cov.json',
      }),
    );
    await expect(parseText(JSON.stringify({ 'e.js': 3 }), 'istanbul-json')).rejects.toThrow('file "e.js" is 3, not an istanbul file coverage object');
    await expect(parseText(JSON.stringify([fileObject('a.js', [[1, 1]])]), 'istanbul-json')).rejects.toThrow(
      'the document is an array: coverage-final.json is an object keyed by file path',
    );
  });

  it('points a coverage-summary.json given as istanbul-json to the right format', async () => {
    const text = readFileSync(ownFixture('jest/coverage-summary.json'), 'utf8');
    await expect(parseText(text, 'istanbul-json')).rejects.toThrow(
      'file "total" holds totals only: this is a coverage-summary.json (format istanbul-summary), not coverage-final.json',
    );
  });

  it('reports invalid JSON as a ReportParseError naming the file', async () => {
    const err = await parseText('{"a.js": {"path": "a.js", "statementMap": {', 'istanbul-json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportParseError);
    expect((err as ReportParseError).location.file).toBe('cov.json');
  });

  it('keeps a "__proto__" file key and record ids as plain data', async () => {
    // JSON.stringify would not write a "__proto__" key from an object literal: write it as text
    const file = JSON.stringify(fileObject('__proto__', [[1, 1], [2, 0]]))
      .replace('"statementMap":{"0"', '"statementMap":{"__proto__"')
      .replace('"s":{"0":1', '"s":{"__proto__":1');
    expect(file).toContain('"s":{"__proto__":1,"1":0}');
    const doc = `{"__proto__": ${file}}`;
    const r = await parseText(doc);
    expect(r.format).toBe('istanbul-json');
    const files = coverageOf(r).files;
    expect([...files.keys()]).toEqual(['__proto__']);
    expect([...files.get('__proto__')!.lineEntries()]).toEqual([[1, 1], [2, 0]]);
    expect(({} as Record<string, unknown>)['statementMap']).toBeUndefined();
    expect(({} as Record<string, unknown>)['s']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('reads a file with a UTF-8 byte-order mark', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ 'f.js': fileObject('f.js', [[1, 1]]) }))]);
    const r = await parseReport(bytesOf(bytes, 4), { path: 'bom.json' });
    expect(r.format).toBe('istanbul-json');
    expect(coverageOf(r).files.get('f.js')!.lines).toEqual({ total: 1, covered: 1 });
  });
});

describe('istanbul coverage-summary.json (istanbul-summary)', () => {
  it('reproduces jest text-summary as declared totals and keeps per-file functions and branches', async () => {
    const r = await parseFile(ownFixture('jest/coverage-summary.json'));
    expect(r.format).toBe('istanbul-summary');
    const cov = coverageOf(r);
    expect(cov.declared).toEqual({
      lines: { total: 57, covered: 41 },
      branches: { total: 50, covered: 30 },
      functions: { total: 21, covered: 14 },
    });
    expect(coverageTotals(cov.files.values())).toEqual({
      lines: { total: 0, covered: 0 },
      branches: { total: 50, covered: 30 },
      functions: { total: 21, covered: 14 },
    });
    expect(cov.files.size).toBe(4);
    const cart = cov.files.get(`${SAMPLE}cart.js`)!;
    expect(cart.functions).toEqual({ total: 8, covered: 7 });
    expect([...cart.branchEntries()]).toEqual([[0, 17, 15]]);
    expect([...cart.lineEntries()]).toEqual([]);
    expect(r.warnings).toEqual([
      `${r.path}: coverage-summary.json has per-file totals but no line numbers: changed-line coverage cannot be computed from it, and line totals are only the report's declared totals`,
    ]);
  });

  it('matches coverage-final.json of the same run file by file (functions, branches)', async () => {
    for (const dir of ['jest', 'jest/v8']) {
      const summary = coverageOf(await parseFile(ownFixture(`${dir}/coverage-summary.json`)));
      const final = coverageOf(await parseFile(ownFixture(`${dir}/coverage-final.json`)));
      expect([...summary.files.keys()]).toEqual([...final.files.keys()]);
      for (const [path, f] of final.files) {
        expect(summary.files.get(path)!.functions).toEqual(f.functions);
        expect(summary.files.get(path)!.branches).toEqual(f.branches);
      }
      expect(summary.declared?.lines).toEqual(coverageTotals(final.files.values()).lines);
    }
  });

  it('reads the v8-provider summary', async () => {
    const cov = coverageOf(await parseFile(ownFixture('jest/v8/coverage-summary.json')));
    expect(cov.declared).toEqual({
      lines: { total: 137, covered: 106 },
      branches: { total: 42, covered: 33 },
      functions: { total: 17, covered: 13 },
    });
  });

  const entry = (lines: [number, number], functions: [number, number] = [0, 0], branches: [number, number] = [0, 0]) => {
    const m = ([total, covered]: [number, number]) => ({ total, covered, skipped: 0, pct: total ? (100 * covered) / total : 'Unknown' });
    return { lines: m(lines), statements: m(lines), functions: m(functions), branches: m(branches) };
  };

  it('warns when the files do not add up to "total"', async () => {
    const doc = { total: entry([10, 5], [2, 1]), 'a.js': entry([4, 2], [1, 1]), 'b.js': entry([5, 3], [1, 0]) };
    const r = await parseText(JSON.stringify(doc));
    expect(r.format).toBe('istanbul-summary');
    expect(coverageOf(r).declared?.lines).toEqual({ total: 10, covered: 5 });
    expect(r.warnings[1]).toBe('cov.json: the file entries do not add up to the "total" entry (lines 5/10 in "total", 5/9 in the files)');
  });

  it('sums the files when there is no "total" entry, and skips malformed file entries', async () => {
    const bad = entry([3, 1]);
    bad.lines.covered = 4;
    const doc = { 'a.js': entry([4, 2], [1, 1], [2, 1]), 'b.js': entry([5, 3], [3, 0]), 'c.js': bad };
    const r = await parseText(JSON.stringify(doc));
    const cov = coverageOf(r);
    expect(cov.declared).toEqual({ lines: { total: 9, covered: 5 }, functions: { total: 4, covered: 1 }, branches: { total: 2, covered: 1 } });
    expect([...cov.files.keys()]).toEqual(['a.js', 'b.js']);
    expect(r.warnings.slice(1)).toEqual([
      'cov.json: skipped 1 malformed file entry (first: file "c.js": lines has total 3 and covered 4)',
      'cov.json: no "total" entry; the declared totals are the sums of the file entries',
    ]);
  });

  it('refuses an empty object, a malformed total, a document with only a total, and a coverage-final.json', async () => {
    await expect(parseText('{}', 'istanbul-summary')).rejects.toThrow(
      new ReportParseError('no file entries: coverage-summary.json must hold a summary for at least one file', { file: 'cov.json' }),
    );
    const badTotal = entry([1, 1]) as Record<string, unknown>;
    delete badTotal['branches'];
    await expect(parseText(JSON.stringify({ total: badTotal, 'a.js': entry([1, 1]) }))).rejects.toThrow(
      'the "total" entry is malformed: branches is missing',
    );
    await expect(parseText(JSON.stringify({ total: entry([3, 1]) }))).rejects.toThrow('no file entries');
    await expect(parseText(JSON.stringify({ 'a.js': { lines: 3 } }), 'istanbul-summary')).resolves.toMatchObject({
      warnings: expect.arrayContaining(['cov.json: skipped 1 malformed file entry (first: file "a.js": lines is 3)']),
    });
    const final = readFileSync(ownFixture('jest/coverage-final.json'), 'utf8');
    await expect(parseText(final, 'istanbul-summary')).rejects.toThrow(
      `file "${SAMPLE}cart.js" holds statement maps: this is a coverage-final.json (format istanbul-json), not coverage-summary.json`,
    );
    await expect(parseText(JSON.stringify({ 'a.js': { hits: 1 } }), 'istanbul-summary')).rejects.toThrow(
      'file "a.js" is not an istanbul summary object: no lines, statements, functions or branches (keys: hits)',
    );
  });
});

describe('istanbul sniffing', () => {
  const head = (path: string) => decodeHead(readFileSync(path).subarray(0, SNIFF_BYTES));

  it('accepts the jest outputs of both providers, each by its own parser only', () => {
    for (const dir of ['jest', 'jest/v8']) {
      const final = head(ownFixture(`${dir}/coverage-final.json`));
      const summary = head(ownFixture(`${dir}/coverage-summary.json`));
      expect([istanbulFinalParser.sniff(final, 'coverage-final.json'), istanbulSummaryParser.sniff(final, 'coverage-final.json')]).toEqual([true, false]);
      expect([istanbulFinalParser.sniff(summary, 'coverage-summary.json'), istanbulSummaryParser.sniff(summary, 'coverage-summary.json')]).toEqual([false, true]);
    }
  });

  it('rejects every other report format', () => {
    const others: string[] = ['jest/lcov.info', 'jest/cobertura-coverage.xml', 'jest/clover.xml', 'jest/v8/lcov.info'].map(ownFixture);
    for (const dir of readdirSync(realFixturesDir)) {
      const full = join(realFixturesDir, dir);
      if (statSync(full).isDirectory()) for (const f of readdirSync(full)) others.push(join(full, f));
    }
    expect(others.length).toBeGreaterThanOrEqual(19);
    const accepted = others.filter((p) => istanbulFinalParser.sniff(head(p), p) || istanbulSummaryParser.sniff(head(p), p));
    expect(accepted).toEqual([]);
  });

  it('rejects other JSON coverage and lint formats', () => {
    const coveragePy = '{"meta": {"format": 3, "version": "7.6.1"}, "files": {"a.py": {"executed_lines": [1], "summary": {"covered_lines": 1, "num_statements": 2}}}, "totals": {"covered_lines": 1}}';
    const eslint = '[{"filePath":"/a.js","messages":[{"ruleId":"no-undef","severity":2,"line":1}],"errorCount":1}]';
    const jestJson = '{"numFailedTests":0,"numPassedTests":3,"coverageMap":{"a.js":{"path":"a.js","statementMap":{},"s":{}}}}';
    for (const text of [coveragePy, eslint, jestJson]) {
      expect(istanbulFinalParser.sniff(text, 'x.json')).toBe(false);
      expect(istanbulSummaryParser.sniff(text, 'x.json')).toBe(false);
    }
  });
});
