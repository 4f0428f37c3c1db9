import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseReport, sniffFormat } from '../../../src/core/parsers/registry.js';
import { goCoverprofileParser } from '../../../src/core/parsers/coverage/go.js';
import { bytesOf } from '../../../src/core/stream.js';
import { coverageTotals, pct } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, ownFixturesDir, parseFile, realFixture, realFixturesDir } from '../../helpers/fixtures.js';

function coverageOf(r: Awaited<ReturnType<typeof parseReport>>) {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

function parseText(text: string, chunk = 64 * 1024) {
  return parseReport(bytesOf(text, chunk), { path: 'cover.out', format: 'go-coverprofile' });
}

const CALC = 'example.com/samplego/calc/calc.go';
const REPORT = 'example.com/samplego/report/report.go';

describe('Go coverprofile parser', () => {
  it('reproduces the chi profile: 31 files, 1272 statements, 969 covered (76.2 %)', async () => {
    const r = await parseFile(realFixture('go/chi.coverprofile'));
    expect(r.format).toBe('go-coverprofile');
    expect(r.warnings).toEqual([]);
    const cov = coverageOf(r);
    expect(cov.files.size).toBe(31);
    expect(cov.declared).toEqual({ statements: { total: 1272, covered: 969 } });
    expect(pct(cov.declared!.statements!)!.toFixed(1)).toBe('76.2');
    const t = coverageTotals(cov.files.values());
    // Lines spanned by the 830 blocks that have statements (3 have none).
    expect(t.lines).toEqual({ total: 1970, covered: 1504 });
    expect(t.branches).toEqual({ total: 0, covered: 0 });
    expect(t.functions).toEqual({ total: 0, covered: 0 });
  });

  it('gives a line shared by a covered and an uncovered chi block the covered count', async () => {
    const cov = coverageOf(await parseFile(realFixture('go/chi.coverprofile')));
    const mux = cov.files.get('github.com/go-chi/chi/v5/mux.go')!;
    // mux.go:119.69,121.9 2 1 and mux.go:121.9,122.72 1 0
    expect(mux.hits(120)).toBe(1);
    expect(mux.hits(121)).toBe(1);
    expect(mux.hits(122)).toBe(0);
    expect(mux.hits(118)).toBeUndefined();
    const ctx = cov.files.get('github.com/go-chi/chi/v5/context.go')!;
    expect([...ctx.lineEntries()].slice(0, 10)).toEqual([
      [10, 1], [11, 1], [12, 1], [13, 1], [14, 0], [18, 1], [19, 1], [20, 1], [21, 1], [22, 0],
    ]);
    expect(ctx.lines).toEqual({ total: 53, covered: 48 });
  });

  it('merges the blocks -coverpkg lists once per test binary, summing counts in count mode', async () => {
    const r = await parseFile(ownFixture('go/count-coverpkg.out'));
    expect(r.format).toBe('go-coverprofile');
    const cov = coverageOf(r);
    // go tool cover -func: total (statements) 65.0%
    expect(cov.declared?.statements).toEqual({ total: 20, covered: 13 });
    expect(r.warnings).toEqual([]);
    const calc = cov.files.get(CALC)!;
    expect([...calc.lineEntries()]).toEqual([
      [7, 6], [8, 6], [9, 1], [10, 1], [11, 5], [12, 1], [13, 1], [14, 4],
      [18, 0], [19, 0], [20, 0], [21, 0], [22, 0],
      [26, 5], [27, 5], [28, 10], [29, 10], [30, 10], [31, 5],
    ]);
    // func Noop() {} is a block with 0 statements: no line.
    expect(calc.hits(35)).toBeUndefined();
    expect(cov.files.get(REPORT)!.lines).toEqual({ total: 12, covered: 6 });
    expect(coverageTotals(cov.files.values()).lines).toEqual({ total: 31, covered: 20 });
  });

  it('in set mode a repeated block is covered when either row covers it (not 0+1 summed to 2)', async () => {
    const r = await parseFile(ownFixture('go/set-coverpkg.out'));
    const cov = coverageOf(r);
    expect(cov.declared?.statements).toEqual({ total: 20, covered: 13 });
    const calc = cov.files.get(CALC)!;
    // calc.go:8.12,10.3 is 1 in one binary and 0 in the other; 11.12,13.3 the reverse.
    expect(calc.hits(9)).toBe(1);
    expect(calc.hits(12)).toBe(1);
    expect(Math.max(...[...calc.lineEntries()].map(([, h]) => h))).toBe(1);
    expect(coverageTotals(cov.files.values()).lines).toEqual({ total: 31, covered: 20 });
    expect(r.warnings).toEqual([]);
  });

  it('reads an atomic profile as counts (60.0 % of statements)', async () => {
    const r = await parseFile(ownFixture('go/atomic.out'));
    const cov = coverageOf(r);
    expect(r.warnings).toEqual([]);
    expect(cov.declared?.statements).toEqual({ total: 20, covered: 12 });
    expect(cov.files.get(CALC)!.hits(29)).toBe(3);
    expect(cov.files.get(REPORT)!.hits(11)).toBe(4);
  });

  it.each(['count-coverpkg', 'set-coverpkg', 'atomic'])('gives the statement percentage `go tool cover -func` printed for %s.out', async (name) => {
    const printed = /^total:\s+\(statements\)\s+([\d.]+)%$/m.exec(readFileSync(ownFixture(`go/${name}.func.txt`), 'utf8'))![1];
    const cov = coverageOf(await parseFile(ownFixture(`go/${name}.out`)));
    expect(pct(cov.declared!.statements!)!.toFixed(1)).toBe(printed);
  });

  it('reads per-package profiles concatenated after a blank line, with one mode: line each', async () => {
    const r = await parseFile(ownFixture('go/concatenated.out'));
    expect(r.format).toBe('go-coverprofile');
    expect(r.warnings).toEqual([]);
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual([CALC, REPORT]);
    expect(cov.declared?.statements).toEqual({ total: 20, covered: 12 });
  });

  it('keeps overlapping blocks apart and gives each line the largest count touching it', async () => {
    const text = ['mode: count', 'a.go:1.1,5.2 3 0', 'a.go:2.5,3.9 1 7', 'a.go:3.9,3.20 1 2', 'a.go:5.2,6.2 2 1', ''].join('\n');
    const r = await parseText(text, 5);
    const cov = coverageOf(r);
    expect(r.warnings).toEqual([]);
    expect([...cov.files.get('a.go')!.lineEntries()]).toEqual([[1, 0], [2, 7], [3, 7], [4, 0], [5, 1], [6, 1]]);
    expect(cov.declared?.statements).toEqual({ total: 7, covered: 4 });
  });

  it('counts malformed rows as skipped, with the first reason, instead of failing or 0 %', async () => {
    const text = [
      'mode: set',
      'a.go:x.1,2.3 1 1',
      'a.go:1.1,2.3 1 NaN',
      'a.go:1.1,2.3 1 -1',
      'a.go:5.1,4.3 1 1',
      'a.go:0.1,1.3 1 1',
      'a.go:1.1,2.3 one 1',
      'a.go:1.1,2.3 2 1',
      '',
    ].join('\n');
    const r = await parseText(text);
    const cov = coverageOf(r);
    expect(cov.declared?.statements).toEqual({ total: 2, covered: 2 });
    expect(cov.files.get('a.go')!.lines).toEqual({ total: 2, covered: 2 });
    expect(r.warnings).toEqual(['cover.out: skipped 6 malformed row(s) (first: line 2: not a coverage row: "a.go:x.1,2.3 1 1")']);
  });

  it('warns when repeated rows of a block disagree on its statement count and keeps the larger', async () => {
    const r = await parseText('mode: set\na.go:1.1,2.2 2 0\na.go:1.1,2.2 3 1\n');
    expect(coverageOf(r).declared?.statements).toEqual({ total: 3, covered: 3 });
    expect(r.warnings).toEqual(['cover.out: 1 repeated block(s) disagree on their statement count; the larger count is used']);
  });

  it('warns about mixed modes and sums the counts', async () => {
    const r = await parseText('mode: set\na.go:1.1,1.9 1 1\nmode: count\na.go:1.1,1.9 1 4\n');
    expect(coverageOf(r).files.get('a.go')!.hits(1)).toBe(5);
    expect(r.warnings[0]).toBe('cover.out: the concatenated profiles use different modes (set, count); counts are summed');
  });

  it('refuses the real chi profile cut off in the middle of a row, naming the last line', async () => {
    const full = readFileSync(realFixture('go/chi.coverprofile'), 'utf8');
    const cut = full.indexOf(' 1 1\n', 20000) + 2; // keeps "...:a.b,c.d 1" without its count
    const text = full.slice(0, cut);
    const lastLine = text.split('\n').length;
    expect(lastLine).toBeGreaterThan(300);
    await expect(parseText(text, 4096)).rejects.toThrow(
      new ReportParseError(
        `the last line is an incomplete row (not a coverage row: "${text.slice(text.lastIndexOf('\n') + 1)}"): the file looks truncated`,
        { file: 'cover.out', line: lastLine },
      ),
    );
  });

  it('accepts a last row without a newline when it is complete', async () => {
    const r = await parseText('mode: set\na.go:1.1,2.2 1 1\na.go:3.1,3.9 1 0');
    expect(coverageOf(r).declared?.statements).toEqual({ total: 2, covered: 1 });
  });

  it('refuses unknown modes, rows before the mode line, and profiles with no valid block', async () => {
    await expect(parseText('mode: sometimes\na.go:1.1,2.2 1 1\n')).rejects.toThrow(
      new ReportParseError('unknown coverage mode "sometimes" (expected set, count or atomic)', { file: 'cover.out', line: 1 }),
    );
    await expect(parseText('a.go:1.1,2.2 1 1\nmode: set\n')).rejects.toThrow(
      new ReportParseError('a coverage row before the "mode:" line: not a Go coverage profile', { file: 'cover.out', line: 1 }),
    );
    await expect(parseText('mode: set\n')).rejects.toThrow(new ReportParseError('no valid coverage block in 1 line(s)', { file: 'cover.out' }));
    await expect(parseText('mode: count\nnot a row\n\n')).rejects.toThrow(
      new ReportParseError('no valid coverage block in 3 line(s)', { file: 'cover.out' }),
    );
    await expect(parseText('\n\n')).rejects.toThrow(
      new ReportParseError('no "mode:" line: not a Go coverage profile, or empty', { file: 'cover.out' }),
    );
  });

  it('reads CRLF line ends, a UTF-8 BOM and paths with colons and spaces', async () => {
    const text = '\ufeffmode: count\r\nC:/My Work/a.go:3.1,4.2 2 3\r\n';
    const r = await parseReport(bytesOf(text, 3), { path: 'win.out' });
    expect(r.format).toBe('go-coverprofile');
    const f = coverageOf(r).files.get('C:/My Work/a.go')!;
    expect([...f.lineEntries()]).toEqual([[3, 3], [4, 3]]);
  });

  it('sniffs Go profiles and no other report among the shared and committed fixtures', () => {
    expect(goCoverprofileParser.sniff('mode: atomic\nx.go:1.1,2.2 1 0\n', 'c.out')).toBe(true);
    expect(goCoverprofileParser.sniff('\nmode: count\n', 'c.out')).toBe(true);
    expect(goCoverprofileParser.sniff('SF:a.go\nDA:1,1\nend_of_record\n', 'lcov.info')).toBe(false);
    expect(goCoverprofileParser.sniff('{"mode": "set"}', 'x.json')).toBe(false);
    expect(goCoverprofileParser.sniff('model: set\n', 'x.txt')).toBe(false);
    const accepted: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
        else if (goCoverprofileParser.sniff(readFileSync(p, 'utf8').slice(0, 65536), p)) accepted.push(`${rel}${e.name}`);
      }
    };
    walk(realFixturesDir, 'real/');
    walk(ownFixturesDir, '');
    expect(accepted.sort()).toEqual([
      'go/atomic.out', 'go/concatenated.out', 'go/count-coverpkg.out', 'go/set-coverpkg.out', 'real/go/chi.coverprofile',
    ]);
    const chi = readFileSync(realFixture('go/chi.coverprofile'), 'utf8');
    expect(sniffFormat(chi, 'chi.coverprofile')?.format).toBe('go-coverprofile');
  });
});
