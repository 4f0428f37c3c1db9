import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { jacocoParser } from '../../../src/core/parsers/coverage/jacoco.js';
import { bytesOf, decodeHead } from '../../../src/core/stream.js';
import { coverageTotals, pct, type CoverageData } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, parseFile, realFixture, realFixturesDir } from '../../helpers/fixtures.js';

type Parsed = Awaited<ReturnType<typeof parseReport>>;

function coverageOf(r: Parsed): CoverageData {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

function parseText(text: string, path = 'jacoco.xml', chunk?: number): Promise<Parsed> {
  return parseReport(bytesOf(text, chunk), { path });
}

const DOCTYPE = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">';

function report(body: string, counters = ''): string {
  return `${DOCTYPE}\n<report name="t">\n<sessioninfo id="s" start="1" dump="2"/>\n${body}\n${counters}</report>\n`;
}

describe('jacoco parser: real reports', () => {
  it('reads the playground report: totals equal the report-level counters', async () => {
    const r = await parseFile(realFixture('jacoco/jacoco-playground.report.xml'));
    expect(r.format).toBe('jacoco');
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual([
      'com/madrapps/jacoco/Utility.java',
      'com/madrapps/jacoco/Math.kt',
      'com/madrapps/jacoco/operation/StringOp.java',
    ]);
    const t = coverageTotals(cov.files.values());
    // LINE missed 15 covered 12; BRANCH missed 4 covered 2; METHOD missed 12 covered 10
    expect(t.lines).toEqual({ total: 27, covered: 12 });
    expect(pct(t.lines)!.toFixed(2)).toBe('44.44');
    expect(t.branches).toEqual({ total: 6, covered: 2 });
    expect(t.functions).toEqual({ total: 22, covered: 10 });
    expect(cov.declared).toEqual({ lines: t.lines, branches: t.branches, functions: t.functions });
    const math = cov.files.get('com/madrapps/jacoco/Math.kt')!;
    expect(math.lines).toEqual({ total: 13, covered: 6 });
    expect([...math.branchEntries()]).toEqual([[6, 2, 1], [13, 2, 0], [26, 2, 1]]);
    expect(math.hits(9)).toBe(4);
    expect(math.hits(14)).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  it('reads the report-aggregate with <group>s; the trimmed file keeps its report counters as declared', async () => {
    const r = await parseFile(realFixture('jacoco/jacoco-aggregate-groups.report.xml'));
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual([
      'com/madrapps/text/StringOp.java',
      'com/madrapps/text/StringOperation.java',
      'com/madrapps/math/Math.kt',
      'com/madrapps/math/MathOperation.kt',
      'com/madrapps/playground/ActivityViewModelLazy.kt',
      'com/madrapps/playground/MainActivity.kt',
      'com/madrapps/playground/MainViewModel.kt',
    ]);
    // LINE [2230 missed, 7593 covered] 77.3 %, BRANCH [798, 1268] 61.37 %, METHOD [683, 2194]
    expect(cov.declared).toEqual({
      lines: { total: 9823, covered: 7593 },
      branches: { total: 2066, covered: 1268 },
      functions: { total: 2877, covered: 2194 },
    });
    expect(pct(cov.declared!.lines!)!.toFixed(1)).toBe('77.3');
    expect(pct(cov.declared!.branches!)!.toFixed(2)).toBe('61.37');
    // The fixture's authors kept only a few source files: they add up to much less.
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 28, covered: 10 });
    expect(t.branches).toEqual({ total: 0, covered: 0 });
    expect(t.functions).toEqual({ total: 19, covered: 10 });
    expect(cov.files.get('com/madrapps/text/StringOperation.java')!.lines).toEqual({ total: 0, covered: 0 });
    expect(r.warnings).toEqual([
      `${realFixture('jacoco/jacoco-aggregate-groups.report.xml')}: the report-level <counter>s differ from the per-file data ` +
        '(lines 7593/9823 declared, 10/28 counted; branches 1268/2066 declared, 0/0 counted; functions 2194/2877 declared, 10/19 counted); ' +
        'the per-file counts are used (the report may have been trimmed or filtered)',
    ]);
  });

  it('reads our JaCoCo 0.8.6 report (one line of XML) with the totals of its CSV report', async () => {
    const r = await parseFile(ownFixture('jacoco/jacoco-0.8.6.xml'));
    const cov = coverageOf(r);
    expect(cov.files.size).toBe(4);
    const t = coverageTotals(cov.files.values());
    // CSV: LINE missed 2+1+1+2, covered 5+7+7+14; BRANCH 1+3+0+2 / 1+3+2+10; METHOD 1+0+1+1 / 2+4+1+2
    expect(t.lines).toEqual({ total: 39, covered: 33 });
    expect(t.branches).toEqual({ total: 22, covered: 16 });
    expect(t.functions).toEqual({ total: 12, covered: 9 });
    expect(cov.declared).toEqual(t);
    const words = cov.files.get('com/example/text/Words.java')!;
    expect(words.lines).toEqual({ total: 16, covered: 14 });
    expect(words.branches).toEqual({ total: 12, covered: 10 });
    expect([...words.branchEntries()].slice(3)).toEqual([[22, 2, 1], [27, 4, 3]]);
    expect(cov.files.get('com/example/Main.java')!.functions).toEqual({ total: 2, covered: 1 });
    expect(r.warnings).toEqual([]);
  });

  it('reads the same run grouped in nested <group>s to the same files and totals', async () => {
    const flat = coverageOf(await parseFile(ownFixture('jacoco/jacoco-0.8.6.xml')));
    const grouped = coverageOf(await parseFile(ownFixture('jacoco/jacoco-0.8.6-groups.xml')));
    expect([...grouped.files.keys()].sort()).toEqual([...flat.files.keys()].sort());
    for (const [path, f] of flat.files) {
      const g = grouped.files.get(path)!;
      expect([path, [...g.lineEntries()], [...g.branchEntries()], g.functions]).toEqual([path, [...f.lineEntries()], [...f.branchEntries()], f.functions]);
    }
    expect(grouped.declared).toEqual(flat.declared);
  });
});

describe('jacoco parser: edge cases', () => {
  it('skips malformed lines and counts them in one warning', async () => {
    const text = report(`<package name="p"><sourcefile name="A.java">
      <line nr="1" mi="0" ci="2" mb="0" cb="0"/>
      <line nr="2" mi="NaN" ci="1" mb="0" cb="0"/>
      <line nr="3" mi="0" ci="-1" mb="0" cb="0"/>
      <line nr="0" mi="0" ci="1" mb="0" cb="0"/>
      <line nr="5" mi="0" ci="0" mb="0" cb="0"/>
      <line nr="6" mi="3" ci="0" mb="2" cb="0"/>
      <line nr="7" ci="1"/>
      <counter type="METHOD" missed="1" covered="1"/>
    </sourcefile></package>`);
    const r = await parseText(text, 'bad.xml');
    const f = coverageOf(r).files.get('p/A.java')!;
    expect([...f.lineEntries()]).toEqual([[1, 2], [6, 0], [7, 1]]);
    expect([...f.branchEntries()]).toEqual([[6, 2, 0]]);
    expect(f.functions).toEqual({ total: 2, covered: 1 });
    expect(r.warnings).toEqual(['bad.xml: skipped 4 malformed record(s) (first: <line nr="2"> in p/A.java: mi/ci/mb/cb are not non-negative integers)']);
  });

  it('names default-package files by their name and merges a file listed in two groups', async () => {
    const text = report(`<group name="a"><package name=""><sourcefile name="Main.java"><line nr="3" mi="1" ci="0" mb="0" cb="0"/></sourcefile></package></group>
      <group name="b"><group name="c"><package name=""><sourcefile name="Main.java"><line nr="3" mi="0" ci="2" mb="0" cb="0"/><line nr="4" mi="1" ci="0"/></sourcefile></package></group></group>`);
    const cov = coverageOf(await parseText(text));
    expect([...cov.files.keys()]).toEqual(['Main.java']);
    expect([...cov.files.get('Main.java')!.lineEntries()]).toEqual([[3, 2], [4, 0]]);
    expect(cov.declared).toBeUndefined();
  });

  it('refuses a report without source files instead of 0 %', async () => {
    const text = report('<package name="p"><class name="p/A"/><counter type="CLASS" missed="1" covered="0"/></package>');
    await expect(parseText(text, 'empty.xml')).rejects.toThrow(
      new ReportParseError(
        'no files in report: a JaCoCo report with no <sourcefile> elements (were the classes compiled without debug information?)',
        { file: 'empty.xml' },
      ),
    );
  });

  it('refuses an unknown DTD version and a foreign root', async () => {
    const v2 = report('').replace('Report 1.1', 'Report 2.0');
    const err = (await parseText(v2, 'v2.xml').catch((e: unknown) => e)) as ReportParseError;
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.problem).toMatch(/^unsupported JaCoCo report DTD \(.*Report 2\.0.*\): only "Report 1\.x" is known$/);
    expect(err.location.line).toBe(1);
    await expect(parseReport(bytesOf('<?xml version="1.0"?>\n<coverage line-rate="1"/>'), { path: 'c.xml', format: 'jacoco' })).rejects.toThrow(
      new ReportParseError('root element is <coverage>, not <report>: not a JaCoCo report', { file: 'c.xml', line: 2, column: 26 }),
    );
  });

  it('refuses truncated XML with the line where it stopped', async () => {
    const full = report('<package name="p"><sourcefile name="A.java">\n<line nr="1" mi="0" ci="2" mb="0" cb="0"/>\n<line nr="2" mi="0" ci="2" mb="0" cb="0"/>\n</sourcefile></package>');
    const cut = full.slice(0, full.indexOf('<line nr="2"') + 8);
    const err = (await parseText(cut, 'cut.xml', 7).catch((e: unknown) => e)) as ReportParseError;
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.location.file).toBe('cut.xml');
    expect(err.location.line).toBe(6);
  });

  it('rejects entities declared in an internal subset (XXE, billion laughs) quickly', async () => {
    const lol = ['<!ENTITY l0 "lol">'];
    for (let i = 1; i <= 9; i++) lol.push(`<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`);
    const text = `<?xml version="1.0"?>\n<!DOCTYPE report [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n${lol.join('\n')}\n]>\n<report name="&l9;&x;"><package name="p"><sourcefile name="A.java"><line nr="1" mi="0" ci="1"/></sourcefile></package></report>`;
    const start = Date.now();
    const err = (await parseText(text, 'lol.xml').catch((e: unknown) => e)) as ReportParseError;
    expect(Date.now() - start).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.problem).toMatch(/undefined entity/);
    expect(err.message).not.toMatch(/root:/);
  });

  it('reads UTF-16BE with a BOM', async () => {
    const text = '\ufeff' + report('<package name="é"><sourcefile name="Ü.java"><line nr="1" mi="0" ci="1" mb="1" cb="1"/></sourcefile></package>');
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.alloc(le.length);
    for (let i = 0; i + 1 < le.length; i += 2) {
      be[i] = le[i + 1]!;
      be[i + 1] = le[i]!;
    }
    const r = await parseReport(bytesOf(be, 3), { path: 'be.xml' });
    expect(r.format).toBe('jacoco');
    const f = coverageOf(r).files.get('é/Ü.java')!;
    expect(f.lines).toEqual({ total: 1, covered: 1 });
    expect(f.branches).toEqual({ total: 2, covered: 1 });
  });
});

describe('jacoco sniff', () => {
  const head = (p: string) => decodeHead(readFileSync(p).subarray(0, 64 * 1024));

  it('accepts every real JaCoCo file and no other real report', () => {
    for (const dir of readdirSync(realFixturesDir, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const name of readdirSync(join(realFixturesDir, dir.name))) {
        const p = join(realFixturesDir, dir.name, name);
        expect([p, jacocoParser.sniff(head(p), p)]).toEqual([p, dir.name === 'jacoco']);
      }
    }
    expect(jacocoParser.sniff(head(ownFixture('jacoco/jacoco-0.8.6-groups.xml')), 'x.xml')).toBe(true);
  });

  it('needs a <report> root with JaCoCo content', () => {
    expect(jacocoParser.sniff('<report name="x">\n  <sessioninfo id="a" start="1" dump="2"/>', 'r.xml')).toBe(true);
    expect(jacocoParser.sniff('<report name="x"><counter type="LINE" missed="0" covered="1"/>', 'r.xml')).toBe(true);
    expect(jacocoParser.sniff('<report><title>Weekly</title></report>', 'r.xml')).toBe(false);
    expect(jacocoParser.sniff('<testsuites><report name="x"><sessioninfo id="a"/></report></testsuites>', 'r.xml')).toBe(false);
    expect(jacocoParser.sniff('<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.0//EN" "report.dtd"><coverage line-rate="1">', 'r.xml')).toBe(false);
  });
});
