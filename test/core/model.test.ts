import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CoverageBuilder, FileCoverage } from '../../src/core/model/coverage.js';

const MAX = 0xffffffff;
const clamp = (h: number) => (!(h > 0) ? 0 : h > MAX ? MAX : Math.floor(h));

/** The model's rules on plain maps: hits summed (saturating), branches by maximum. */
class Reference {
  lines = new Map<number, number>();
  branches = new Map<number, [number, number]>();

  addLine(line: number, hits: number): void {
    const l = line >>> 0;
    this.lines.set(l, Math.min(MAX, (this.lines.get(l) ?? 0) + clamp(hits)));
  }

  addBranches(line: number, found: number, covered: number): void {
    const l = line >>> 0;
    const f = clamp(found);
    const c = Math.min(f, clamp(covered));
    const old = this.branches.get(l) ?? [0, 0];
    this.branches.set(l, [Math.max(old[0], f), Math.max(old[1], c)]);
  }

  lineEntries(): [number, number][] {
    return [...this.lines].sort((a, b) => a[0] - b[0]);
  }

  branchEntries(): [number, number, number][] {
    return [...this.branches].sort((a, b) => a[0] - b[0]).map(([l, [f, c]]) => [l, f, c]);
  }
}

// Lines and hits around every boundary of the packed encoding.
const lineArb = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xfffffffe }), fc.constantFrom(0, 1, 2, 3, 4, 5, 0xfffffffe, 0xffffffff));
const hitsArb = fc.oneof(
  fc.integer({ min: 0, max: 70 }),
  fc.constantFrom(63, 64, 65, 4159, 4160, 4161, 16383, 16384, 2 ** 31, MAX - 1, MAX, MAX + 5, -1, 0.5, 7.9, Number.NaN),
  fc.integer({ min: 0, max: MAX }),
);
const op = fc.oneof(
  fc.tuple(fc.constant('line' as const), lineArb, hitsArb, fc.constant(0)),
  fc.tuple(fc.constant('branch' as const), lineArb, fc.oneof(fc.integer({ min: 0, max: 20 }), hitsArb), fc.oneof(fc.integer({ min: 0, max: 20 }), hitsArb)),
  fc.tuple(fc.constant('finish' as const), fc.constant(0), fc.constant(0), fc.constant(0)),
);

describe('coverage model: packed files', () => {
  it('holds what it was given, whatever the order, duplicates, values and finish() calls', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, shared) => {
        const f = shared ? new CoverageBuilder().file('a.ts') : new FileCoverage('a.ts');
        const ref = new Reference();
        for (const [kind, line, a, b] of ops) {
          if (kind === 'line') {
            f.addLine(line, a);
            ref.addLine(line, a);
          } else if (kind === 'branch') {
            f.addBranches(line, a, b);
            ref.addBranches(line, a, b);
          } else f.finish();
        }
        const lines = ref.lineEntries();
        expect([...f.lineEntries()]).toEqual(lines);
        expect([...f.branchEntries()]).toEqual(ref.branchEntries());
        expect(f.lines).toEqual({ total: lines.length, covered: lines.filter(([, h]) => h > 0).length });
        let bf = 0;
        let bc = 0;
        for (const [, fnd, cov] of ref.branchEntries()) {
          bf += fnd;
          bc += cov;
        }
        expect(f.branches).toEqual({ total: bf, covered: bc });
        for (const [line, hits] of lines.slice(0, 5)) expect(f.hits(line)).toBe(hits);
        if (!ref.lines.has(7)) expect(f.hits(7)).toBeUndefined();
        // Merged into a file that already has data: as if its entries were added one by one.
        const into = new FileCoverage('b.ts');
        into.addLine(5, 1);
        into.addBranches(5, 3, 3);
        ref.addLine(5, 1);
        ref.addBranches(5, 3, 3);
        into.merge(f);
        expect([...into.lineEntries()]).toEqual(ref.lineEntries());
        expect([...into.branchEntries()]).toEqual(ref.branchEntries());
      }),
      { numRuns: 400 },
    );
  });

  it('packs typical lines in about a byte and a half', () => {
    const b = new CoverageBuilder();
    const f = b.file('src/a.ts');
    let line = 0;
    for (let i = 0; i < 1000; i++) {
      line += 1 + (i % 3);
      f.addLine(line, i % 10 === 0 ? 1000 : i % 7);
    }
    f.finish();
    // 900 one-byte lines, 100 two-byte ones (hits 1000).
    expect(f.packedBytes).toBe(1100);
    // Zero hits: multiples of 7 that are not multiples of 10 (143 - 15).
    expect(f.lines).toEqual({ total: 1000, covered: 1000 - 128 });
  });

  it('merges files: hits summed, branches and functions by maximum', () => {
    const a = new FileCoverage('a');
    a.addLine(3, 1);
    a.addLine(1, 0);
    a.addBranches(3, 2, 1);
    a.addFunctions(4, 1);
    const b = new FileCoverage('b');
    b.addLine(3, 2);
    b.addLine(9, 0);
    b.addBranches(3, 4, 0);
    b.addFunctions(2, 2);
    a.merge(b);
    expect([...a.lineEntries()]).toEqual([[1, 0], [3, 3], [9, 0]]);
    expect([...a.branchEntries()]).toEqual([[3, 4, 1]]);
    expect(a.functions).toEqual({ total: 4, covered: 2 });
    a.functions = { total: 9, covered: 8 };
    expect(a.functions).toEqual({ total: 9, covered: 8 });
  });
});
