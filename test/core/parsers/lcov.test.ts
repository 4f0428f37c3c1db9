import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { bytesOf } from '../../../src/core/stream.js';
import { coverageTotals } from '../../../src/core/model/coverage.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { parseFile, realFixture } from '../../helpers/fixtures.js';

function coverageOf(r: Awaited<ReturnType<typeof parseReport>>) {
  if (r.kind !== 'coverage') throw new Error(`expected coverage, got ${r.kind}`);
  return r.coverage;
}

describe('lcov parser', () => {
  it('reads the llvm-cov Swift report with the DA totals and keeps LF/LH as declared', async () => {
    const r = await parseFile(realFixture('lcov/swift-llvm-cov.lcov.info'));
    expect(r.format).toBe('lcov');
    const cov = coverageOf(r);
    expect(cov.files.size).toBe(4);
    const t = coverageTotals(cov.files.values());
    expect(t.lines).toEqual({ total: 354, covered: 0 });
    expect(t.functions).toEqual({ total: 60, covered: 0 });
    expect(t.branches).toEqual({ total: 0, covered: 0 });
    expect(cov.declared?.lines).toEqual({ total: 400, covered: 0 });
  });

  it('sums hits of a file named by two records and folds branches by line', async () => {
    const text = [
      'TN:a', 'SF:src/a.ts', 'FN:1,f', 'FNDA:0,f', 'DA:1,0', 'DA:2,3', 'BRDA:2,0,0,1', 'BRDA:2,0,1,-', 'LF:2', 'LH:1', 'end_of_record',
      'TN:b', 'SF:src/a.ts', 'FN:1,f', 'FNDA:2,f', 'DA:1,4', 'DA:3,0', 'BRDA:2,0,0,0', 'BRDA:2,0,1,5', 'end_of_record',
    ].join('\n');
    const cov = coverageOf(await parseReport(bytesOf(text, 7), { path: 'x.info' }));
    const f = cov.files.get('src/a.ts')!;
    expect([...f.lineEntries()]).toEqual([[1, 4], [2, 3], [3, 0]]);
    expect(f.lines).toEqual({ total: 3, covered: 2 });
    expect(f.branches).toEqual({ total: 2, covered: 1 });
    expect(f.functions).toEqual({ total: 1, covered: 1 });
  });

  it('counts malformed DA records as skipped with a warning instead of 0 %', async () => {
    const text = 'SF:a.c\nDA:1,NaN\nDA:2,-3\nDA:3,1\nend_of_record\n';
    const r = await parseReport(bytesOf(text), { path: 'bad.info' });
    const cov = coverageOf(r);
    expect(cov.files.get('a.c')!.lines).toEqual({ total: 1, covered: 1 });
    expect(r.warnings.join('\n')).toMatch(/skipped 2 malformed record\(s\) \(first: line 2: DA hit count "NaN"\)/);
  });

  it('refuses a record before any SF with the line number', async () => {
    await expect(parseReport(bytesOf('TN:\nSF:a\nend_of_record\nDA:1,1\n'), { path: 'r.info', format: 'lcov' })).rejects.toThrow(
      new ReportParseError('DA record outside a file record (no SF before it)', { file: 'r.info', line: 4 }),
    );
  });

  it('reads UTF-16 with a BOM', async () => {
    const text = '\ufeffSF:b.c\nDA:1,1\nend_of_record\n';
    const buf = Buffer.from(text, 'utf16le');
    const cov = coverageOf(await parseReport(bytesOf(buf, 3), { path: 'u16.info' }));
    expect(cov.files.get('b.c')!.lines).toEqual({ total: 1, covered: 1 });
  });
});

describe('text decoding', () => {
  it('recognises a BOM split across one-byte chunks', async () => {
    const { textChunks } = await import('../../../src/core/stream.js');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SF:x\n')]);
    let text = '';
    for await (const t of textChunks(bytesOf(bytes, 1))) text += t;
    expect(text).toBe('SF:x\n');
    let tiny = '';
    for await (const t of textChunks(bytesOf('ab', 1))) tiny += t;
    expect(tiny).toBe('ab');
  });
});
