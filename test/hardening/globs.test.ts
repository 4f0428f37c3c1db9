/**
 * Hostile globs from `.sdlc.yml` (scopes, reports, ignore, per-path targets,
 * waiver paths, tag branches): refused by the config with a message, or
 * matched in time linear in the path. The patterns and the paths both come
 * from the branch under review.
 *
 * Decision on extglobs: `@( )`, `?( )`, `*( )` and `+( )` are kept, with their
 * real meaning, because the matcher (src/core/config/glob.ts) simulates an NFA
 * instead of backtracking, so `+(a|aa)` costs no more than `a`; negated
 * extglobs `!( )` are refused by the config. picomatch's `noextglob` would
 * not have helped: its catastrophic cases need no extglob at all
 * (`*a*a*a*a*x`, `**\/a/**\/a/**\/a/x`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { compileGlob, CompiledGlob, DFA_MEMORY_LIMIT, dfaMemoryInUse, globProblem } from '../../src/core/config/glob.js';
import { loadConfig } from '../../src/core/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import { globMatcher } from '../../src/core/gates/common.js';
import type { Finding } from '../../src/core/model/findings.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { findFiles } from '../../src/workspace/files.js';
import { routeFiles } from '../../src/core/pipeline.js';

function configMessage(text: string): string {
  try {
    loadConfig(text, '.sdlc.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** Result and duration of a call. */
function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const LONG = 'a'.repeat(70 * 1024);
/** 1,023 characters: 511 stars each followed by an `a`, then an `x`. As a regex it backtracks for ever on a run of `a`s. */
const STARS = `${'*a'.repeat(511)}x`;
/** 1,021 characters: 204 globstars, each followed by a segment `a`. */
const GLOBSTARS = `${'**/a/'.repeat(204)}x`;

describe('the config refuses globs it cannot match safely', () => {
  it.each([
    ['scopes', `scopes:\n  src: "${LONG}"\n`, 'scopes.src: glob longer than 1024 characters at .sdlc.yml:2:8'],
    ['a scope list', `scopes:\n  src: ["ok/**", "${LONG}"]\n`, 'scopes.src.1: glob longer than 1024 characters at .sdlc.yml:2:18'],
    ['reports', `reports:\n  coverage: ["${LONG}"]\n`, 'reports.coverage.0: glob longer than 1024 characters at .sdlc.yml:2:14'],
    ['a report { path }', `reports:\n  coverage:\n    - path: "${LONG}"\n      format: lcov\n`, 'reports.coverage.0.path: glob longer than 1024 characters at .sdlc.yml:3:13'],
    ['discovery', `reports:\n  discover: ["${LONG}"]\n`, 'reports.discover.0: glob longer than 1024 characters at .sdlc.yml:2:14'],
    ['coverage ignore', `gates:\n  coverage:\n    ignore: ["${LONG}"]\n`, 'gates.coverage.ignore.0: glob longer than 1024 characters at .sdlc.yml:3:14'],
    ['a waiver path', `waivers:\n  - match: {path: "${LONG}"}\n    reason: r\n    owner: o\n    expires: 2030-01-01\n`, 'waivers.0.match.path: glob longer than 1024 characters at .sdlc.yml:2:19'],
    ['tag branches', `tagging:\n  branches: ["${LONG}"]\n`, 'tagging.branches.0: Too big: expected string to have <=256 characters at .sdlc.yml:2:14'],
  ])('70 KB patterns in %s', (_where, text, expected) => {
    expect(configMessage(text)).toBe(expected);
  });

  it('accepts 1,024 characters and refuses 1,025', () => {
    expect(loadConfig(`scopes:\n  src: "${'a'.repeat(1024)}"\n`).scopes['src']).toHaveLength(1024);
    expect(configMessage(`scopes:\n  src: "${'a'.repeat(1025)}"\n`)).toBe('scopes.src: glob longer than 1024 characters at .sdlc.yml:2:8');
  });

  it('refuses a brace range of a million values, and keeps small ranges', () => {
    expect(configMessage('scopes:\n  src: "src/{1..1000000}/**"\n')).toBe(
      'scopes.src: invalid glob: the range {1..1000000} lists 1000000 values (at most 1000) at .sdlc.yml:2:8',
    );
    expect(configMessage('gates:\n  coverage:\n    paths:\n      - path: "{1..5000}"\n        min: 10\n')).toBe(
      'gates.coverage.paths.0.path: invalid glob: the range {1..5000} lists 5000 values (at most 1000) at .sdlc.yml:4:15',
    );
    const m = globMatcher(['shard-{1..1000}.xml', 'v{01..10}/*', 'part-{0..100..25}']);
    expect(['shard-1.xml', 'shard-1000.xml', 'shard-1001.xml', 'shard-0.xml', 'v07/a', 'v7/a', 'part-75', 'part-80'].map(m)).toEqual([
      true, true, false, false, true, false, true, false,
    ]);
  });

  it('refuses negated extglobs and braces nested past 32 levels', () => {
    expect(configMessage('gates:\n  coverage:\n    ignore: ["!(src)/**"]\n')).toBe(
      'gates.coverage.ignore.0: invalid glob: negated extglobs such as !(src) are not supported: write a separate pattern that starts with ! at .sdlc.yml:3:14',
    );
    expect(configMessage('tagging:\n  branches: ["!(main)"]\n')).toBe(
      'tagging.branches.0: invalid glob: negated extglobs such as !(main) are not supported: write a separate pattern that starts with ! at .sdlc.yml:2:14',
    );
    expect(configMessage(`scopes:\n  src: "${'{a,'.repeat(40)}b${'}'.repeat(40)}"\n`)).toBe(
      'scopes.src: invalid glob: braces or extglobs nested more than 32 deep at .sdlc.yml:2:8',
    );
    expect(globProblem(`${'{a,'.repeat(32)}b${'}'.repeat(32)}`)).toBeUndefined();
  });

  it('names the real problem of a glob list that is too long', () => {
    const list = Array.from({ length: 201 }, (_, i) => `"a${i}"`).join(', ');
    expect(configMessage(`scopes:\n  src: [${list}]\n`)).toBe('scopes.src: Too big: expected array to have <=200 items at .sdlc.yml:2:8');
  });
});

describe('matching takes time linear in the path', () => {
  it.each([
    ['511 stars, a 255-character name', STARS, 'a'.repeat(255), false],
    ['511 stars, a 4,000-character name', STARS, 'a'.repeat(4000), false],
    ['511 stars, a name that matches', STARS, `${'a'.repeat(600)}x`, true],
    ['204 globstars, 1,000 segments', GLOBSTARS, `${'a/'.repeat(1000)}y`, false],
    ['204 globstars, a path that matches', GLOBSTARS, `${'a/'.repeat(300)}x`, true],
    ['+(a|aa)+ on 10,000 a', '+(a|aa)+', `${'a'.repeat(10000)}b`, false],
    ['+(a|aa)+ on 10,000 a and a +', '+(a|aa)+', `${'a'.repeat(10000)}+`, true],
    ['nested repeats', `${'+(+(+(a|aa)))'.repeat(20)}x`, 'a'.repeat(5000), false],
  ])('%s', (_name, pattern, path, expected) => {
    const { value, ms } = timed(() => globMatcher([pattern])(path));
    expect(value).toBe(expected);
    expect(ms).toBeLessThan(15000);
  });

  it('keeps the meaning of repeated extglobs that picomatch reads as text', () => {
    const m = globMatcher(['src/+(a|aa).ts']);
    expect(['src/a.ts', 'src/aaaaa.ts', 'src/.ts', 'src/+(a|aa).ts'].map(m)).toEqual([true, true, false, false]);
    expect(picomatch('src/+(a|aa).ts', { dot: true })('src/aaaaa.ts')).toBe(false);
  });

  it('matches 2,000 hostile 4,000-character paths against 511 stars in bounded time (the DFA cache is reused)', () => {
    const paths = Array.from({ length: 2000 }, (_, i) => `${'a'.repeat(4000)}${i}`);
    const m = globMatcher([STARS]);
    const { value, ms } = timed(() => paths.filter(m).length);
    expect(value).toBe(0);
    expect(ms).toBeLessThan(10000);
  });

  it('keeps all DFA caches together under their memory limit, emptying them when full, with the same answers', () => {
    // Each of these caches about 850,000 units on the paths below: together they pass the limit several times.
    const globs = Array.from({ length: 12 }, (_, i) => compileGlob(`${'*a'.repeat(511)}${String.fromCharCode(98 + i)}`));
    const plain = globs.map((_, i) => new CompiledGlob(`${'*a'.repeat(511)}${String.fromCharCode(98 + i)}`, { states: 0, entries: 0 }));
    const paths = [`${'a'.repeat(700)}b`, `${'a'.repeat(700)}c`, 'a'.repeat(900), `${'a'.repeat(300)}b`];
    let highest = 0;
    let emptied = 0;
    let last = dfaMemoryInUse();
    const answers = globs.map((g) =>
      paths.map((p) => {
        const m = g.matches(p);
        const now = dfaMemoryInUse();
        if (now < last) emptied++;
        last = now;
        highest = Math.max(highest, now);
        return m;
      }),
    );
    expect(emptied).toBeGreaterThanOrEqual(2);
    expect(answers).toEqual(plain.map((g) => paths.map((p) => g.matches(p))));
    expect(answers.map((row) => row.filter(Boolean).length)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(highest).toBeGreaterThan(DFA_MEMORY_LIMIT / 2);
    expect(highest).toBeLessThanOrEqual(DFA_MEMORY_LIMIT);
  });

  it('gives the same answers when the DFA cache is full and matching falls back to the NFA', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '*', '?', '/', '**/', '{a,b}', '[ab]', '+(a|ab)', '*(b|ba)'), { minLength: 1, maxLength: 10 }).map((p) => p.join(''));
    const path = fc.stringMatching(/^[ab/]{0,30}$/);
    fc.assert(
      fc.property(pattern, fc.array(path, { maxLength: 10 }), (p, paths) => {
        const cached = compileGlob(p);
        const tiny = new CompiledGlob(p, { states: 2, entries: 4 });
        const none = new CompiledGlob(p, { states: 0, entries: 0 });
        return paths.every((s) => cached.matches(s) === tiny.matches(s) && cached.matches(s) === none.matches(s));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('the matcher agrees with picomatch on the syntax both read the same way', () => {
  // Whole-segment globstars only; no `)?` (picomatch makes the extglob optional); a `/**` tail after literal text
  // only, and no segment that may be empty after a globstar (picomatch then lets the slashes go too).
  const atom = fc.constantFrom('a', 'b', '.', '*', '?', '[ab]', '[^a]', '{a,b}', '{a,bb}', '@(a|b)', '?(a|b)', '*(a|b)', '+(a|b)');
  const segment = fc.oneof(
    { weight: 1, arbitrary: fc.constant('**') },
    { weight: 5, arbitrary: fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join('')).filter((s) => !s.includes('**')) },
  );
  const pattern = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => {
    const n = segs.length;
    if (n > 1 && segs[n - 1] === '**' && !/^[ab.]+$/.test(segs[n - 2]!)) segs[n - 1] = 'a';
    if (n > 1 && segs[n - 2] === '**' && segs[n - 1] !== '**') segs[n - 1] += 'a';
    return segs.join('/').replace(/\)\?/g, ')@');
  });
  const name = fc.stringMatching(/^[ab.]{1,4}$/).filter((s) => s !== '.' && s !== '..');
  const path = fc.array(name, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

  it('on random patterns and paths', () => {
    fc.assert(
      fc.property(pattern, fc.array(path, { minLength: 1, maxLength: 20 }), (p, paths) => {
        const theirs = picomatch(p, { dot: true });
        const ours = compileGlob(p);
        return paths.every((s) => theirs(s) === ours.matches(s));
      }),
      { numRuns: 400, seed: 20250310 },
    );
  });

  it('on the default scopes and the usual forms', () => {
    const cases: [string, string][] = [
      ['src/**', 'src'], ['src/**', 'src/a/b.ts'], ['src/**', 'srcx/a'], ['**/x.ts', 'x.ts'], ['**/x.ts', 'a/b/x.ts'], ['a/**/b', 'a/b'],
      ['*', '.github'], ['**/*.md', 'README.md'], ['./src/**', 'src/a'], ['*.{ts,tsx}', 'a.tsx'], ['!src/**', 'lib/x'], ['!src/**', 'src/x'],
      ['**/.*rc', '.eslintrc'], ['packages/*/src/**', 'packages/web/src/a.ts'], ['**/__tests__/**', '__tests__/a.ts'], ['**/*_test.go', 'pkg/a_test.go'],
      ['**/test_*.py', 'tests/test_a.py'], ['.github/**', '.github/workflows/ci.yml'], ['a?c', 'a/c'], ['[a-c]x', 'bx'], ['\\*', '*'], ['{a}', '{a}'], ['*', ''],
    ];
    for (const [p, s] of cases) expect([p, s, compileGlob(p).matches(s)]).toEqual([p, s, picomatch(p, { dot: true })(s)]);
  });
});

describe('gates evaluate hostile globs in bounded time', () => {
  it('scopes, coverage ignore and waiver paths from a hostile config against long file names', () => {
    const yaml = [
      'scopes:',
      `  evil: ["${STARS}"]`,
      '  src: ["src/**"]',
      'gates:',
      '  coverage:',
      '    min: 0',
      `    ignore: ["${GLOBSTARS}"]`,
      'waivers:',
      `  - match: {path: "+(a|aa)/*(a|aa)b"}`,
      '    reason: generated',
      '    owner: team',
      '    expires: 2099-01-01',
    ].join('\n');
    const longName = `src/${'a'.repeat(250)}`;
    const deepName = `${'a/'.repeat(1500)}y`;
    const waivable = `${'a'.repeat(3000)}/${'a'.repeat(200)}b`;
    const finding = (path: string): Finding => ({ tool: 'eslint', ruleId: 'r', message: 'm', level: 'error', severity: 'high', path, line: 1 });
    const lint: ParsedReport = {
      kind: 'lint',
      path: 'eslint.json',
      format: 'eslint-json',
      findings: { findings: [finding(waivable), finding(longName)], tools: ['eslint'] },
      warnings: [],
    };
    const change = (path: string) => [path, { path, status: 'modified' as const, binary: false, added: [[1, 1]] as [number, number][], hunks: [[1, 1]] as [number, number][] }] as const;
    const { value: v, ms } = timed(() =>
      runGatekeeper({
        config: loadConfig(yaml),
        reports: [lint],
        changes: { files: new Map([change(longName), change(`${'a'.repeat(600)}x`), change(deepName), change(waivable)]) },
        now: new Date('2025-03-10T00:00:00Z'),
      }),
    );
    expect(ms).toBeLessThan(10000);
    expect(v.scopes).toEqual({ evil: 1, src: 1 });
    expect(v.waivers.applied.map((w) => [w.id, w.findings])).toEqual([['waivers[0]', 1]]);
    const g = v.gates.find((x) => x.id === 'lint')!;
    expect(g.metrics).toMatchObject({ errors: 1, waived: 1, counted: 1 });
    expect(g.findings!.map((f) => f.path)).toEqual([longName]);
  });
});

describe('report routing', () => {
  // picomatch's regex backtracks for seconds on this 9-character glob; report globs use the linear matcher too.
  it('routes a report glob with four stars against a 255-character artifact name in bounded time', () => {
    const config = loadConfig('reports:\n  coverage: ["*a*a*a*a*x"]\n');
    const { value, ms } = timed(() => routeFiles([`${'a'.repeat(255)}`, 'aaaax'], config));
    expect(value.files.map((f) => f.path)).toEqual(['aaaax']);
    expect(ms).toBeLessThan(5000);
  });

  it('finds report files in a checkout by the same glob without backtracking', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sdlc-globs-'));
    try {
      writeFileSync(join(root, 'a'.repeat(250)), '');
      writeFileSync(join(root, 'aaaax'), '');
      expect(await findFiles(root, ['*a*a*a*a*x'])).toEqual(['aaaax']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
