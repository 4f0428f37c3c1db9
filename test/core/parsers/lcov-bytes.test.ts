import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { bytesOf, type ByteSource } from '../../../src/core/stream.js';
import { coverageTotals, type CoverageData } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';

async function coverage(source: ByteSource, path = 'lcov.info'): Promise<{ cov: CoverageData; warnings: string[] }> {
  const r = await parseReport(source, { path, format: 'lcov' });
  if (r.kind !== 'coverage') throw new Error(r.kind);
  return { cov: r.coverage, warnings: r.warnings };
}

/** Everything a report holds, per file, in a comparable shape. */
function dump(cov: CoverageData) {
  return [...cov.files].map(([path, f]) => ({ path, lines: [...f.lineEntries()], branches: [...f.branchEntries()], functions: f.functions }));
}

// Records as istanbul, geninfo and lcov 2 write them: the forms read in place.
const CANONICAL = [
  'TN:unit',
  'SF:src/caf\u00e9.ts',
  'FN:1,alpha',
  'FN:5,9,beta',
  'FN:12,\u00e9t\u00e9',
  'FNDA:3,alpha',
  'FNDA:0,beta',
  'FNDA:2,\u00e9t\u00e9',
  'FNF:3',
  'FNH:2',
  'DA:1,3',
  'DA:2,0,abcdef0123',
  'DA:5,4294967296',
  'DA:7,12',
  'BRDA:2,0,0,1',
  'BRDA:2,0,1,-',
  'BRDA:7,e1,0,0',
  'BRDA:7,e1,1,5',
  'BRF:4',
  'BRH:2',
  'LF:4',
  'LH:3',
  'end_of_record',
  'SF:src/b.ts',
  'DA:3,1',
  'BRF:6',
  'BRH:1',
  'FNF:2',
  'FNH:1',
  'end_of_record',
  '',
].join('\n');

// The same records written in forms that only the general code reads.
const VARIANTS = [
  'TN:unit',
  'SF: src/caf\u00e9.ts ',
  'FN: 1,alpha',
  'FN:5,9,beta',
  'FN:12,\u00e9t\u00e9',
  'FNDA: 3,alpha',
  'FNDA:-,beta',
  'FNDA:2,\u00e9t\u00e9',
  'FNF: 3',
  'FNH:2 ',
  'DA:1,+3',
  'DA:2,0.0,abcdef0123',
  'DA:5,4294967296.0',
  'DA:07,1.2e1',
  'BRDA:2,0,0, 1',
  'BRDA:2,0,1, -',
  'BRDA:7,e1,0,0.0',
  'BRDA:7,e1,1,5 ',
  'BRF:4 ',
  'BRH: 2',
  'LF:4.0',
  'LH:3 ',
  '  end_of_record  ',
  'SF:src/b.ts',
  'DA:3,1',
  'BRF:6',
  'BRH:1',
  'FNF:2',
  'FNH:1',
  'end_of_record',
].join('\r\n');

const EXPECTED = [
  {
    path: 'src/caf\u00e9.ts',
    lines: [[1, 3], [2, 0], [5, 0xffffffff], [7, 12]],
    branches: [[2, 2, 1], [7, 2, 1]],
    functions: { total: 3, covered: 2 },
  },
  { path: 'src/b.ts', lines: [[3, 1]], branches: [[0, 6, 1]], functions: { total: 2, covered: 1 } },
];

describe('lcov: records read in place and by the general code agree', () => {
  it('reads the canonical forms', async () => {
    const { cov, warnings } = await coverage(bytesOf(CANONICAL));
    expect(dump(cov)).toEqual(EXPECTED);
    expect(cov.declared).toBeUndefined(); // src/b.ts has no LF
    expect(warnings).toEqual([]);
  });

  it('reads the same records written otherwise (spaces, signs, decimals, CRLF) to the same data', async () => {
    const { cov, warnings } = await coverage(bytesOf(VARIANTS));
    expect(dump(cov)).toEqual(EXPECTED);
    expect(warnings).toEqual([]);
  });

  it('gives the same data whatever the chunking: cut at every byte, and one byte at a time', async () => {
    const bytes = new TextEncoder().encode(CANONICAL + VARIANTS.replace(/src\//g, 'other/'));
    const whole = dump((await coverage(bytesOf(bytes))).cov);
    expect(whole).toHaveLength(4);
    for (let cut = 1; cut < bytes.length; cut++) {
      const two = async function* () {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      };
      expect({ cut, data: dump((await coverage(two())).cov) }).toEqual({ cut, data: whole });
    }
    expect(dump((await coverage(bytesOf(bytes, 1))).cov)).toEqual(whole);
  });

  it('counts functions by distinct name, FNDA in any order or without FN, and invalid UTF-8 as U+FFFD', async () => {
    const invalid = Buffer.concat([
      Buffer.from('SF:a.c\nFN:1,f\nFN:2,g\nFN:3,f\nFN:4,\xff\n', 'latin1'),
      Buffer.from('FNDA:0,g\nFNDA:1,h\nFNDA:0,f\n', 'latin1'),
      // \xfe decodes to U+FFFD as \xff does: the same name.
      Buffer.from('FNDA:2,\xfe\nDA:1,1\nend_of_record\n', 'latin1'),
    ]);
    const { cov } = await coverage(bytesOf(invalid));
    // f, g, U+FFFD, h: covered h and U+FFFD.
    expect(cov.files.get('a.c')!.functions).toEqual({ total: 4, covered: 2 });
  });

  it('keeps a file named by several records: hits summed, functions by maximum', async () => {
    const text = 'SF:a\nFN:1,f\nFNDA:0,f\nDA:1,1\nend_of_record\nSF:a\nFN:1,f\nFN:2,g\nFNDA:4,f\nFNDA:0,g\nDA:1,2\nDA:2,0\nend_of_record\n';
    const { cov } = await coverage(bytesOf(text, 5));
    const f = cov.files.get('a')!;
    expect([...f.lineEntries()]).toEqual([[1, 3], [2, 0]]);
    expect(f.functions).toEqual({ total: 2, covered: 1 });
  });

  it('reads a line longer than many chunks', async () => {
    const name = 'n'.repeat(300_000);
    const { cov } = await coverage(bytesOf(`SF:a\nFN:1,${name}\nFNDA:1,${name}\nDA:1,1\nend_of_record\n`, 64 * 1024));
    expect(cov.files.get('a')!.functions).toEqual({ total: 1, covered: 1 });
  });

  it('names the right line in errors and skips after thousands of records read in place', async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `DA:${i + 1},${i % 3}`).join('\n');
    const text = `SF:a\n${body}\nDA:9,NaN\nend_of_record\nBRDA:1,0,0,1\n`;
    await expect(coverage(bytesOf(text, 1000), 'x.info')).rejects.toThrow(
      new ReportParseError('BRDA record outside a file record (no SF before it)', { file: 'x.info', line: 5004 }),
    );
    const ok = await coverage(bytesOf(`SF:a\n${body}\nDA:9,NaN\nend_of_record\n`, 1000), 'y.info');
    expect(ok.warnings).toEqual(['y.info: skipped 1 malformed record(s) (first: line 5002: DA hit count "NaN")']);
    expect(coverageTotals(ok.cov.files.values()).lines).toEqual({ total: 5000, covered: 3333 });
  });
});
