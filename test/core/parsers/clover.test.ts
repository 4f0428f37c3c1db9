import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { cloverParser } from '../../../src/core/parsers/coverage/clover.js';
import { bytesOf, decodeHead } from '../../../src/core/stream.js';
import { coverageTotals, type CoverageData } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, parseFile, realFixture, realFixturesDir } from '../../helpers/fixtures.js';

type Parsed = Awaited<ReturnType<typeof parseReport>>;

function coverageOf(r: Parsed): CoverageData {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

function parseText(text: string, path = 'clover.xml', chunk?: number): Promise<Parsed> {
  return parseReport(bytesOf(text, chunk), { path });
}

/** A PHPUnit/OpenClover-style document (no istanbul markers). */
function clover(files: string, projectMetrics = '', root = '<coverage generated="1700000000">'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n  <project timestamp="1700000000">\n${files}\n${projectMetrics}  </project>\n</coverage>\n`;
}

describe('clover parser: real reports', () => {
  it('reads the trimmed PHPUnit report: per-file truth, project metrics declared, a warning on the mismatch', async () => {
    const path = realFixture('clover/phpunit-phpcsutils.clover.xml');
    const r = await parseFile(path);
    expect(r.format).toBe('clover');
    const cov = coverageOf(r);
    const sniffFile = '/home/yu/projects/PHPCSUtils/PHPCSUtils/AbstractSniffs/AbstractArrayDeclarationSniff.php';
    const bcFile = '/home/yu/projects/PHPCSUtils/PHPCSUtils/BackCompat/BCFile.php';
    expect([...cov.files.keys()]).toEqual([sniffFile, bcFile]);
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 79, covered: 79 });
    expect(t.branches).toEqual({ total: 0, covered: 0 });
    // 4 method lines (3 in the first file, 1 left in BCFile), all called
    expect(t.functions).toEqual({ total: 4, covered: 4 });
    expect(cov.files.get(sniffFile)!.functions).toEqual({ total: 3, covered: 3 });
    expect(cov.files.get(bcFile)!.lines).toEqual({ total: 0, covered: 0 });
    expect(cov.files.get(sniffFile)!.hits(181)).toBe(13);
    expect(cov.files.get(sniffFile)!.hits(178)).toBeUndefined();
    expect(cov.declared).toEqual({
      lines: { total: 2420, covered: 2376 },
      branches: { total: 0, covered: 0 },
      functions: { total: 182, covered: 163 },
    });
    expect(r.warnings).toEqual([
      `${path}: the project <metrics> differ from the per-file data (lines 2376/2420 declared, 79/79 counted; functions 163/182 declared, 4/4 counted); ` +
        'the per-file counts are used (the report may have been trimmed or filtered)',
    ]);
  });

  it('reads our PHPUnit 9.6 report with the totals PHPUnit printed', async () => {
    const r = await parseFile(ownFixture('clover/phpunit-9.6.clover.xml'));
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(['/tmp/php-fx/src/Slug.php', '/tmp/php-fx/src/Temperature.php']);
    const t = coverageTotals(cov.files.values());
    // PHPUnit --coverage-text: Lines: 64.29% (9/14); Slug 3/6, Temperature 6/8
    expect(t.lines).toEqual({ total: 14, covered: 9 });
    expect(cov.files.get('/tmp/php-fx/src/Slug.php')!.lines).toEqual({ total: 6, covered: 3 });
    expect(cov.files.get('/tmp/php-fx/src/Temperature.php')!.lines).toEqual({ total: 8, covered: 6 });
    // 6 methods; 4 were called, PHPUnit counts 3 (only fully covered ones): totals agree, no warning
    expect(t.functions).toEqual({ total: 6, covered: 4 });
    expect(cov.declared).toEqual({ lines: { total: 14, covered: 9 }, branches: { total: 0, covered: 0 }, functions: { total: 6, covered: 3 } });
    expect(r.warnings).toEqual([]);
  });

  it("reads jest's (istanbul) clover.xml with the totals jest printed", async () => {
    const r = await parseFile(ownFixture('jest/clover.xml'));
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(
      ['cart.js', 'inventory.js', 'pricing.js', 'text.js'].map((f) => `/work/main/test/fixtures/sample-js/src/${f}`),
    );
    const t = coverageTotals(cov.files.values());
    // jest text-summary: Branches 60% ( 30/50 ), Functions 66.66% ( 14/21 ), Lines 71.92% ( 41/57 )
    expect(t.lines).toEqual({ total: 57, covered: 41 });
    expect(t.branches).toEqual({ total: 50, covered: 30 });
    expect(t.functions).toEqual({ total: 21, covered: 14 });
    expect(cov.declared).toEqual(t);
    const cart = cov.files.get('/work/main/test/fixtures/sample-js/src/cart.js')!;
    // istanbul's truecount/falsecount are covered/uncovered branches: line 12 has 4 branches, all taken
    expect([...cart.branchEntries()].slice(0, 3)).toEqual([[0, 1, 1], [6, 2, 2], [12, 4, 4]]);
    expect(cart.branches).toEqual({ total: 17, covered: 15 });
    expect(r.warnings).toEqual([]);
  });
});

describe('clover parser: edge cases', () => {
  it('counts Clover cond lines as 2 branches each, and a cond line without count by its outcomes', async () => {
    const text = clover(`<package name="p"><file name="A.java" path="src/p/A.java">
      <line num="3" count="4" type="method" signature="f()"/>
      <line num="4" count="4" type="stmt"/>
      <line num="5" truecount="3" falsecount="0" type="cond"/>
      <line num="6" truecount="0" falsecount="0" type="cond"/>
      <line num="7" count="2" truecount="1" falsecount="1" type="cond"/>
      <line num="7" count="1" type="stmt"/>
    </file></package>`);
    const r = await parseText(text);
    const f = coverageOf(r).files.get('src/p/A.java')!;
    expect([...f.lineEntries()]).toEqual([[4, 4], [5, 3], [6, 0], [7, 3]]);
    expect([...f.branchEntries()]).toEqual([[5, 2, 1], [6, 2, 0], [7, 2, 2]]);
    expect(f.functions).toEqual({ total: 1, covered: 1 });
    expect(coverageOf(r).declared).toBeUndefined();
    expect(r.warnings).toEqual([]);
  });

  it('skips NaN and negative counts, bad line numbers and unknown types, counted in one warning', async () => {
    const text = clover(`<file name="/src/b.php">
      <line num="1" type="stmt" count="NaN"/>
      <line num="2" type="stmt" count="-1"/>
      <line num="0" type="stmt" count="1"/>
      <line num="4" type="stmt"/>
      <line num="5" type="cond" truecount="x" falsecount="1"/>
      <line num="6" type="branch" count="1"/>
      <line num="7" type="method" count="-2"/>
      <line num="8" type="stmt" count="2"/>
    </file>`);
    const r = await parseText(text, 'nan.xml');
    const f = coverageOf(r).files.get('/src/b.php')!;
    expect([...f.lineEntries()]).toEqual([[8, 2]]);
    expect(f.functions).toEqual({ total: 0, covered: 0 });
    expect(r.warnings).toEqual(['nan.xml: skipped 7 malformed record(s) (first: <line num="1" type="stmt"> in /src/b.php: count "NaN" is not a count)']);
  });

  it('takes a file\'s <metrics> methods when it has no method lines, and skips <testproject>', async () => {
    const text = clover(
      `<file name="a.ts" path="/r/a.ts"><metrics statements="1" coveredstatements="1" methods="3" coveredmethods="2"/><line num="1" count="1" type="stmt"/></file>`,
      '    <metrics statements="1" coveredstatements="1" conditionals="0" coveredconditionals="0" methods="3" coveredmethods="2"/>\n',
    ).replace('</project>', '</project>\n<testproject timestamp="1"><file name="T.java" path="/r/T.java"><line num="1" count="1" type="stmt"/></file></testproject>');
    const r = await parseText(text);
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(['/r/a.ts']);
    expect(cov.files.get('/r/a.ts')!.functions).toEqual({ total: 3, covered: 2 });
    expect(r.warnings).toEqual([]);
  });

  it('warns when an istanbul file lists more branches on its lines than its metrics state', async () => {
    const text = clover(
      `<package name="src"><file name="a.js" path="/r/a.js"><metrics statements="1" coveredstatements="1" conditionals="2" coveredconditionals="1" methods="0" coveredmethods="0"/>
        <line num="1" count="1" type="cond" truecount="2" falsecount="2"/></file></package>`,
      '',
      '<coverage generated="1" clover="3.2.0">',
    ).replace('<project timestamp="1700000000">', '<project timestamp="1" name="All files">');
    const r = await parseText(text, 'gap.xml');
    expect(coverageOf(r).files.get('/r/a.js')!.branches).toEqual({ total: 4, covered: 2 });
    expect(r.warnings).toEqual(['gap.xml: 1 file(s) list more branches on their lines than their own <metrics conditionals> state']);
  });

  it('refuses a report with no files, an unknown version and a foreign root', async () => {
    await expect(parseText(clover('', '<metrics statements="0" coveredstatements="0"/>'), 'empty.xml')).rejects.toThrow(
      new ReportParseError('no files in report: a Clover report with no <file> elements', { file: 'empty.xml' }),
    );
    await expect(parseText(clover('<file name="a"/>', '', '<coverage generated="1" clover="9.1.0">'), 'v9.xml')).rejects.toThrow(
      new ReportParseError('unsupported Clover version clover="9.1.0" (known: 1.x to 4.x)', { file: 'v9.xml', line: 2, column: 40 }),
    );
    await expect(parseReport(bytesOf('<coverage line-rate="1"><packages/></coverage>'), { path: 'c.xml', format: 'clover' })).rejects.toThrow(
      new ReportParseError('unexpected <packages> under <coverage>: a Clover report has <project> here', { file: 'c.xml', line: 1, column: 36 }),
    );
    await expect(parseReport(bytesOf('<coverage generated="1"/>'), { path: 'n.xml', format: 'clover' })).rejects.toThrow(
      new ReportParseError('no <project> element: not a Clover report', { file: 'n.xml' }),
    );
  });

  it('refuses truncated XML with the line where it stopped', async () => {
    const text = clover('<file name="a.php">\n<line num="1" type="stmt" count="1"/>\n<line num="2" type="stmt" count="0"/>\n</file>');
    const cut = text.slice(0, text.indexOf('<line num="2"'));
    const err = (await parseText(cut, 'cut.xml', 9).catch((e: unknown) => e)) as ReportParseError;
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.location.file).toBe('cut.xml');
    expect(err.location.line).toBe(6);
    expect(err.problem).toMatch(/unclosed tag/);
  });

  it('rejects XXE and billion-laughs entities quickly', async () => {
    const lol = ['<!ENTITY a0 "ha">'];
    for (let i = 1; i <= 9; i++) lol.push(`<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`);
    const text = `<?xml version="1.0"?>\n<!DOCTYPE coverage [<!ENTITY x SYSTEM "file:///etc/passwd">\n${lol.join('\n')}]>\n<coverage generated="1"><project timestamp="1"><file name="&x;&a9;"/></project></coverage>`;
    const start = Date.now();
    const err = (await parseText(text, 'xxe.xml').catch((e: unknown) => e)) as ReportParseError;
    expect(Date.now() - start).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.problem).toMatch(/undefined entity/);
    expect(err.location.line).toBe(13);
  });

  it('reads UTF-16LE with a BOM', async () => {
    const text = '\ufeff' + clover('<file name="/src/ñ.php"><line num="1" type="stmt" count="1"/><line num="2" type="stmt" count="0"/></file>');
    const r = await parseReport(bytesOf(Buffer.from(text, 'utf16le'), 7), { path: 'u16.xml' });
    expect(r.format).toBe('clover');
    expect(coverageOf(r).files.get('/src/ñ.php')!.lines).toEqual({ total: 2, covered: 1 });
  });
});

describe('clover sniff', () => {
  const head = (p: string) => decodeHead(readFileSync(p).subarray(0, 64 * 1024));

  it('accepts every real Clover file and no other real report', () => {
    for (const dir of readdirSync(realFixturesDir, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const name of readdirSync(join(realFixturesDir, dir.name))) {
        const p = join(realFixturesDir, dir.name, name);
        expect([p, cloverParser.sniff(head(p), p)]).toEqual([p, dir.name === 'clover']);
      }
    }
    expect(cloverParser.sniff(head(ownFixture('clover/phpunit-9.6.clover.xml')), 'x.xml')).toBe(true);
    expect(cloverParser.sniff(head(ownFixture('jest/clover.xml')), 'x.xml')).toBe(true);
    expect(cloverParser.sniff(head(ownFixture('jest/cobertura-coverage.xml')), 'x.xml')).toBe(false);
  });

  it('needs generated= on <coverage> and a <project> child', () => {
    expect(cloverParser.sniff('<coverage generated="1">\n<!-- x -->\n<project timestamp="1">', 'a')).toBe(true);
    expect(cloverParser.sniff('<coverage generated="1"><sources/>', 'a')).toBe(false);
    expect(cloverParser.sniff('<coverage line-rate="1" generated="1"><project>', 'a')).toBe(false);
    expect(cloverParser.sniff('<checkstyle><coverage generated="1"><project>', 'a')).toBe(false);
  });
});
