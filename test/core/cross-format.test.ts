/**
 * The same test run written in different formats gives the same numbers:
 * jest's lcov, Cobertura, Clover and coverage-final.json (one run), and
 * coverage.py's JSON, Cobertura XML and lcov (one run).
 */
import { describe, expect, it } from '@jest/globals';
import { coverageTotals, type FileCoverage } from '../../src/core/model/coverage.js';
import { ownFixture, parseFile } from '../helpers/fixtures.js';

async function coverage(path: string) {
  const r = await parseFile(ownFixture(path));
  if (r.kind !== 'coverage') throw new Error(`${path} is ${r.kind}`);
  return { format: r.format, data: r.coverage };
}

function basename(p: string): string {
  return p.replace(/\\/g, '/').split('/').pop()!;
}

/** Per file (by base name): sorted [line, covered] pairs. */
function lineMap(files: Iterable<FileCoverage>): Record<string, [number, boolean][]> {
  const out: Record<string, [number, boolean][]> = {};
  for (const f of files) out[basename(f.path)] = [...f.lineEntries()].map(([l, h]) => [l, h > 0]);
  return out;
}

describe('one jest run, four formats', () => {
  const files = ['jest/lcov.info', 'jest/cobertura-coverage.xml', 'jest/clover.xml', 'jest/coverage-final.json'];

  it('gives the same line totals as jest printed (41/57) in every format', async () => {
    for (const f of files) {
      const { format, data } = await coverage(f);
      expect({ file: f, format, lines: coverageTotals(data.files.values()).lines }).toEqual({
        file: f,
        format: expect.any(String),
        lines: { total: 57, covered: 41 },
      });
    }
  });

  it('marks exactly the same lines covered in every format', async () => {
    const maps = await Promise.all(files.map(async (f) => lineMap((await coverage(f)).data.files.values())));
    for (const m of maps.slice(1)) expect(m).toEqual(maps[0]);
  });

  it('agrees on functions (14/21)', async () => {
    for (const f of ['jest/lcov.info', 'jest/cobertura-coverage.xml', 'jest/clover.xml', 'jest/coverage-final.json']) {
      const { data } = await coverage(f);
      expect(coverageTotals(data.files.values()).functions).toEqual({ total: 21, covered: 14 });
    }
  });
});

describe('one coverage.py run, three formats', () => {
  it('gives the same lines as `coverage report` (47 statements, 36 run) and the same covered lines', async () => {
    const json = await coverage('coveragepy/7.16/coverage.json');
    const xml = await coverage('coveragepy/7.16/coverage.xml');
    const lcov = await coverage('coveragepy/7.16/coverage.lcov');
    for (const c of [json, xml, lcov]) expect(coverageTotals(c.data.files.values()).lines).toEqual({ total: 47, covered: 36 });
    expect(lineMap(xml.data.files.values())).toEqual(lineMap(json.data.files.values()));
    expect(lineMap(lcov.data.files.values())).toEqual(lineMap(json.data.files.values()));
  });
});
