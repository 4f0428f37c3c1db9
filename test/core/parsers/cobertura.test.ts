import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { coberturaParser } from '../../../src/core/parsers/coverage/cobertura.js';
import { bytesOf, decodeHead } from '../../../src/core/stream.js';
import { coverageTotals, type CoverageData } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, parseFile, realFixture, realFixturesDir } from '../../helpers/fixtures.js';

type Parsed = Awaited<ReturnType<typeof parseReport>>;

function coverageOf(r: Parsed): CoverageData {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

function parseText(text: string, path = 'coverage.xml', chunk?: number): Promise<Parsed> {
  return parseReport(bytesOf(text, chunk), { path });
}

const HEAD = '<?xml version="1.0" ?>\n<coverage lines-valid="2" lines-covered="1" line-rate="0.5" version="0.1">\n';

function doc(classes: string, root = HEAD): string {
  return `${root}<sources><source>/repo</source></sources>\n<packages><package name="p"><classes>\n${classes}\n</classes></package></packages>\n</coverage>\n`;
}

describe('cobertura parser: real reports', () => {
  it('reads coverlet (BOM, CRLF, Windows paths, 93 classes for 39 files) with the declared totals', async () => {
    const r = await parseFile(realFixture('cobertura/coverlet-edlib.cobertura.xml'));
    expect(r.format).toBe('cobertura');
    const cov = coverageOf(r);
    expect(cov.files.size).toBe(39);
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 1460, covered: 1212 });
    expect(t.branches).toEqual({ total: 378, covered: 262 });
    expect(t.functions).toEqual({ total: 348, covered: 320 });
    expect(cov.declared).toEqual({ lines: { total: 1460, covered: 1212 }, branches: { total: 378, covered: 262 } });
    expect(cov.roots).toEqual(['D:\\Dev\\Csharp\\EDlib\\src\\']);
    expect(r.warnings).toEqual([]);
    // 20 <class> elements (the service and its compiler-generated async state machines) name this file.
    const svc = cov.files.get('EDlib\\EDSM\\Services\\SystemService.cs')!;
    expect(svc.lines).toEqual({ total: 176, covered: 156 });
    expect(svc.branches).toEqual({ total: 76, covered: 53 });
    expect(svc.functions).toEqual({ total: 22, covered: 22 });
    const ex = cov.files.get('EDlib\\Exceptions\\APIException.cs')!;
    expect(ex.lines).toEqual({ total: 21, covered: 0 });
    expect([...ex.lineEntries()].slice(0, 4)).toEqual([[14, 0], [17, 0], [18, 0], [19, 0]]);
    expect(ex.functions).toEqual({ total: 7, covered: 0 });
  });

  it('reads gcovr 5.0 with branch totals from condition-coverage', async () => {
    const r = await parseFile(realFixture('cobertura/gcovr-5.0.cobertura.xml'));
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(['redis_ipc.c']);
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 572, covered: 345 });
    expect(t.branches).toEqual({ total: 252, covered: 100 });
    expect(t.functions).toEqual({ total: 0, covered: 0 });
    expect(cov.roots).toEqual(['src/']);
    const f = cov.files.get('redis_ipc.c')!;
    expect(f.hits(48)).toBe(68);
    expect([...f.branchEntries()].slice(0, 3)).toEqual([[48, 4, 2], [96, 2, 2], [106, 2, 1]]);
    expect(r.warnings).toEqual([]);
  });

  it('reads MATLAB with NaN branch attributes as no branch data', async () => {
    const r = await parseFile(realFixture('cobertura/matlab-nan.cobertura.xml'));
    const cov = coverageOf(r);
    expect(cov.files.size).toBe(9);
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 278, covered: 103 });
    expect(t.branches).toEqual({ total: 0, covered: 0 });
    expect(t.functions).toEqual({ total: 10, covered: 10 });
    expect(cov.declared).toEqual({ lines: { total: 278, covered: 103 } });
    expect(cov.roots).toEqual(['/home/runner/work/climatedatastore/climatedatastore/climatedatastoreToolbox/']);
    expect(cov.files.get('climateDataStoreDownload.m')!.lines).toEqual({ total: 12, covered: 11 });
    expect(r.warnings).toEqual([]);
  });

  it('reads our gcovr 5.2 report with the totals gcovr printed, functions declared only', async () => {
    const r = await parseFile(ownFixture('cobertura/gcovr-5.2.cobertura.xml'));
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(['clamp.c', 'lib/parity.c']);
    const t = coverageTotals(cov.files.values());
    // gcovr --print-summary: lines 85.2% (23 out of 27), branches 85.0% (17 out of 20), functions 80.0% (4 out of 5)
    expect(t.lines).toEqual({ total: 27, covered: 23 });
    expect(t.branches).toEqual({ total: 20, covered: 17 });
    expect(t.functions).toEqual({ total: 0, covered: 0 });
    expect(cov.declared).toEqual({
      lines: { total: 27, covered: 23 },
      branches: { total: 20, covered: 17 },
      functions: { total: 5, covered: 4 },
    });
    expect(cov.roots).toEqual(['.']);
    // gcovr's per-file table: clamp.c 20 lines, 16 executed; branches 16, 13 taken
    expect(cov.files.get('clamp.c')!.lines).toEqual({ total: 20, covered: 16 });
    expect(cov.files.get('clamp.c')!.branches).toEqual({ total: 16, covered: 13 });
    expect(cov.files.get('lib/parity.c')!.branches).toEqual({ total: 4, covered: 4 });
    expect(r.warnings).toEqual([]);
  });
});

describe('cobertura parser: jest and coverage.py outputs of the sample projects', () => {
  it("reads jest's (istanbul) cobertura-coverage.xml: lines and functions as jest printed, its branches declared", async () => {
    const path = ownFixture('jest/cobertura-coverage.xml');
    const r = await parseFile(path);
    const cov = coverageOf(r);
    expect([...cov.files.keys()]).toEqual(['cart.js', 'inventory.js', 'pricing.js', 'text.js'].map((f) => `test/fixtures/sample-js/src/${f}`));
    expect(cov.roots).toEqual(['/work/main']);
    const t = coverageTotals(cov.files.values());
    // jest text-summary: Branches 60% ( 30/50 ), Functions 66.66% ( 14/21 ), Lines 71.92% ( 41/57 )
    expect(t.lines).toEqual({ total: 57, covered: 41 });
    expect(t.functions).toEqual({ total: 21, covered: 14 });
    expect(cov.declared).toEqual({ lines: { total: 57, covered: 41 }, branches: { total: 50, covered: 30 } });
    // istanbul writes condition-coverage only on statement lines: 4 branches start elsewhere.
    expect(t.branches).toEqual({ total: 46, covered: 26 });
    expect(r.warnings).toEqual([
      `${path}: the root totals (lines-valid, branches-valid, ...) differ from the per-file data (branches 30/50 declared, 26/46 counted); ` +
        'the per-file counts are used (the report may have been trimmed or filtered)',
    ]);
  });

  it.each(['6.5', '7.16'])('reads coverage.py %s coverage.xml with the totals coverage.py printed', async (version) => {
    const r = await parseFile(ownFixture(`coveragepy/${version}/coverage.xml`));
    const cov = coverageOf(r);
    const t = coverageTotals(cov.files.values());
    // coverage report: TOTAL 47 statements, 11 missed; 26 branches; XML root: branches-covered 17
    expect(t.lines).toEqual({ total: 47, covered: 36 });
    expect(t.branches).toEqual({ total: 26, covered: 17 });
    expect(cov.declared).toEqual({ lines: t.lines, branches: t.branches });
    expect(cov.files.get('sampletools/__init__.py')!.lines).toEqual({ total: 3, covered: 3 });
    expect(cov.files.get('sampletools/grades.py')!.lines).toEqual({ total: 25, covered: 15 });
    expect(cov.files.get('sampletools/grades.py')!.branches.total).toBe(16);
    expect(cov.files.get('sampletools/textstats.py')!.lines).toEqual({ total: 19, covered: 18 });
    expect(cov.files.get('sampletools/textstats.py')!.branches.total).toBe(10);
    expect(cov.roots).toHaveLength(1);
    expect(cov.roots![0]).toMatch(/^\/tmp\/sample-py\.\w{6}$/);
    expect(r.warnings).toEqual([]);
  });
});

describe('cobertura parser: edge cases', () => {
  it('folds a line named by several classes (covered if any) and keeps the larger branch counts', async () => {
    const text = doc(`
      <class name="A" filename="src/a.cs"><methods/><lines>
        <line number="1" hits="0" branch="False"/>
        <line number="2" hits="0" branch="True" condition-coverage="0% (0/2)"/>
      </lines></class>
      <class name="A/&lt;Run&gt;d__1" filename="src/a.cs"><methods/><lines>
        <line number="2" hits="3" branch="True" condition-coverage="50% (1/2)"/>
        <line number="3" hits="1"/>
      </lines></class>`);
    const r = await parseText(text);
    const f = coverageOf(r).files.get('src/a.cs')!;
    expect([...f.lineEntries()]).toEqual([[1, 0], [2, 3], [3, 1]]);
    expect(f.lines).toEqual({ total: 3, covered: 2 });
    expect([...f.branchEntries()]).toEqual([[2, 2, 1]]);
    expect(r.warnings.join('\n')).toMatch(/lines 1\/2 declared, 2\/3 counted/);
  });

  it('keeps every <source> root in order, trimmed, and none when the report has no <sources>', async () => {
    const cls = '<packages><package name=""><classes><class name="a" filename="a.py"><lines><line number="1" hits="1"/></lines></class></classes></package></packages>';
    const two = `<coverage line-rate="1" lines-valid="1" lines-covered="1"><sources>\n  <source>\n    /home/ci/repo/src\n  </source>\n  <source>lib/</source>\n  <source>  </source>\n</sources>${cls}</coverage>`;
    expect(coverageOf(await parseText(two)).roots).toEqual(['/home/ci/repo/src', 'lib/']);
    const none = coverageOf(await parseText(`<coverage line-rate="1" lines-valid="1" lines-covered="1">${cls}</coverage>`));
    expect(none.roots).toBeUndefined();
    expect([...none.files.keys()]).toEqual(['a.py']);
  });

  it('counts methods as functions (covered by hits or by any hit line) without counting method lines twice', async () => {
    const text = doc(`
      <class name="a.js" filename="a.js"><methods>
        <method name="f" hits="2" signature="()V"><lines><line number="1" hits="2"/></lines></method>
        <method name="g" hits="0" signature="()V"><lines><line number="5" hits="0"/></lines></method>
        <method name="h" signature="()"><lines><line number="8" hits="0"/><line number="9" hits="4"/></lines></method>
      </methods><lines>
        <line number="2" hits="2"/><line number="6" hits="0"/><line number="9" hits="4"/>
      </lines></class>`);
    const f = coverageOf(await parseText(text)).files.get('a.js')!;
    expect(f.functions).toEqual({ total: 3, covered: 2 });
    expect([...f.lineEntries()]).toEqual([[2, 2], [6, 0], [9, 4]]);
  });

  it('uses method lines as the lines of a class without <lines> of its own', async () => {
    const text = doc(`
      <class name="B" filename="b.py"><methods>
        <method name="m"><lines><line number="4" hits="1"/><line number="5" hits="0"/><line number="6" hits="x"/></lines></method>
      </methods></class>`);
    const r = await parseText(text);
    const f = coverageOf(r).files.get('b.py')!;
    expect([...f.lineEntries()]).toEqual([[4, 1], [5, 0]]);
    expect(f.functions).toEqual({ total: 1, covered: 1 });
    expect(r.warnings[0]).toBe('coverage.xml: skipped 1 malformed record(s) (first: <line number="6"> in b.py: hits "x" is not a count)');
  });

  it('skips hits="NaN", negative hits and bad line numbers, counted in one warning', async () => {
    const text = doc(`
      <class name="C" filename="c.m"><methods/><lines>
        <line number="1" hits="NaN"/>
        <line number="2" hits="-3"/>
        <line number="0" hits="1"/>
        <line number="4.5" hits="1"/>
        <line number="5"/>
        <line number="6" hits="2" branch="true" condition-coverage="garbage"/>
        <line number="7" hits="1" branch="true" condition-coverage="300% (3/1)"/>
        <line number="8" hits="1"/>
      </lines></class>`);
    const r = await parseText(text, 'nan.xml');
    const f = coverageOf(r).files.get('c.m')!;
    expect([...f.lineEntries()]).toEqual([[6, 2], [7, 1], [8, 1]]);
    expect(f.branches).toEqual({ total: 0, covered: 0 });
    expect(r.warnings[0]).toBe('nan.xml: skipped 7 malformed record(s) (first: <line number="1"> in c.m: hits "NaN" is not a count)');
  });

  it('skips a class without a filename, and refuses a report whose classes all lack one', async () => {
    const one = doc('<class name="X"><lines><line number="1" hits="1"/></lines></class><class name="Y" filename="y.c"><lines><line number="1" hits="1"/></lines></class>');
    const r = await parseText(one);
    expect([...coverageOf(r).files.keys()]).toEqual(['y.c']);
    expect(r.warnings[0]).toMatch(/skipped 1 malformed record\(s\) \(first: <class name="X"> without a filename\)/);
    await expect(parseText(doc('<class name="X"><lines><line number="1" hits="1"/></lines></class>'), 'nofile.xml')).rejects.toThrow(
      new ReportParseError('no files in report (1 <class> element(s), none with a filename): a Cobertura report with no <class> elements', { file: 'nofile.xml' }),
    );
  });

  it('refuses a report with no classes instead of reporting 0 %', async () => {
    const text = '<?xml version="1.0"?>\n<coverage line-rate="0" lines-valid="0" lines-covered="0"><sources/><packages/></coverage>\n';
    await expect(parseText(text, 'empty.xml')).rejects.toThrow(
      new ReportParseError('no files in report: a Cobertura report with no <class> elements', { file: 'empty.xml' }),
    );
  });

  it('refuses truncated XML with the line where it stopped', async () => {
    const text = doc('<class name="C" filename="c.c"><lines><line number="1" hits="1"/>\n<line number="2" hits="0"/>\n</lines></class>');
    const cut = text.slice(0, text.indexOf('</lines>'));
    const err = await parseText(cut, 'cut.xml', 16).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReportParseError);
    const e = err as ReportParseError;
    expect(e.location.file).toBe('cut.xml');
    expect(e.location.line).toBe(7);
    expect(e.problem).toMatch(/unclosed tag/);
  });

  it('rejects an external entity (XXE) without reading the file', async () => {
    const text = `<?xml version="1.0"?>
<!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<coverage line-rate="1" lines-valid="1" lines-covered="1"><sources><source>&xxe;</source></sources>
<packages><package name="p"><classes><class name="a" filename="a.c"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>`;
    const err = (await parseText(text, 'xxe.xml').catch((e: unknown) => e)) as ReportParseError;
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.problem).toMatch(/undefined entity/);
    expect(err.location).toEqual({ file: 'xxe.xml', line: 3, column: expect.any(Number) });
  });

  it('rejects a billion-laughs document quickly', async () => {
    const ents = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) ents.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const text = `<?xml version="1.0"?>\n<!DOCTYPE coverage [\n${ents.join('\n')}\n]>\n<coverage line-rate="1" lines-valid="1"><sources><source>&lol9;</source></sources></coverage>\n`;
    const start = Date.now();
    const err = (await parseText(text, 'lol.xml').catch((e: unknown) => e)) as ReportParseError;
    expect(Date.now() - start).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ReportParseError);
    expect(err.problem).toMatch(/undefined entity/);
  });

  it('reads UTF-16LE with a BOM, split into odd-sized chunks', async () => {
    const text = '\ufeff' + doc('<class name="é" filename="src/café.c"><lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class>').replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="UTF-16"?>');
    const r = await parseReport(bytesOf(Buffer.from(text, 'utf16le'), 5), { path: 'u16.xml' });
    expect(r.format).toBe('cobertura');
    const cov = coverageOf(r);
    expect(cov.files.get('src/café.c')!.lines).toEqual({ total: 2, covered: 1 });
    expect(cov.roots).toEqual(['/repo']);
    expect(r.warnings).toEqual([]);
  });

  it('refuses a Clover document given as Cobertura', async () => {
    const text = '<?xml version="1.0"?>\n<coverage generated="1"><project timestamp="1"><file name="a.php"/></project></coverage>';
    await expect(parseReport(bytesOf(text), { path: 'c.xml', format: 'cobertura' })).rejects.toThrow(
      new ReportParseError('<coverage> has a <project> child: this is a Clover report, not Cobertura', { file: 'c.xml', line: 2, column: 48 }),
    );
  });
});

describe('cobertura sniff', () => {
  const head = (p: string) => decodeHead(readFileSync(p).subarray(0, 64 * 1024));

  it('accepts every real Cobertura file and no other real report', () => {
    for (const dir of readdirSync(realFixturesDir, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const name of readdirSync(join(realFixturesDir, dir.name))) {
        const p = join(realFixturesDir, dir.name, name);
        expect([p, coberturaParser.sniff(head(p), p)]).toEqual([p, dir.name === 'cobertura']);
      }
    }
    expect(coberturaParser.sniff(head(ownFixture('cobertura/gcovr-5.2.cobertura.xml')), 'x.xml')).toBe(true);
  });

  it('tells Cobertura from Clover and other XML by the root element', () => {
    expect(coberturaParser.sniff('<?xml version="1.0"?>\n<!-- <coverage line-rate="1"> -->\n<coverage lines-valid="3">', 'a')).toBe(true);
    expect(coberturaParser.sniff('<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n<coverage timestamp="1">', 'a')).toBe(true);
    expect(coberturaParser.sniff('<coverage generated="1" clover="3.2.0"><project timestamp="1">', 'a')).toBe(false);
    expect(coberturaParser.sniff('<coverage timestamp="1"><sources/>', 'a')).toBe(false);
    expect(coberturaParser.sniff('<testsuites><testsuite name="coverage line-rate="/></testsuites>', 'a')).toBe(false);
    expect(coberturaParser.sniff('SF:a.c\nDA:1,1\nend_of_record\n<coverage line-rate="1">', 'a')).toBe(false);
    expect(coberturaParser.sniff('{"coverage": {"line-rate": 1}}', 'a')).toBe(false);
  });
});
