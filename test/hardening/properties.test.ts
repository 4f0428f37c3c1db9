/**
 * Property sweep over every parser in the registry and over the gate engine:
 * - any bytes (random, or a real report truncated, with bits flipped, junk
 *   inserted or bytes deleted), read with the parser's format named and
 *   through sniffing, give a ParsedReport that keeps the model's invariants
 *   or a ReportParseError naming the file, never another exception, and in
 *   bounded time; calling the parser directly throws nothing but
 *   ReportParseError either;
 * - a gate whose report could not be read never passes, whatever the other
 *   reports say and however lenient the thresholds.
 * Runs are seeded, so a failure names an input that reproduces it.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/core/config/load.js';
import { ConfigError, ReportParseError } from '../../src/core/errors.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import { GATE_KIND, type ReportFailure } from '../../src/core/gates/common.js';
import { CoverageBuilder } from '../../src/core/model/coverage.js';
import { LEVELS, SEVERITIES, type Finding } from '../../src/core/model/findings.js';
import { REPORT_KINDS, type ParsedReport, type ReportKind } from '../../src/core/model/report.js';
import { parseRouted, routeFiles } from '../../src/core/pipeline.js';
import { PARSERS, parseReport } from '../../src/core/parsers/registry.js';
import { DEFAULT_LIMITS } from '../../src/core/parsers/types.js';
import { bytesOf } from '../../src/core/stream.js';
import { ownFixture, realFixture } from '../helpers/fixtures.js';

/** Real reports of each format: the seeds the mutations start from. */
const SEEDS: Record<string, string[]> = {
  lcov: [realFixture('lcov/swift-llvm-cov.lcov.info'), ownFixture('jest/lcov.info')],
  'go-coverprofile': [realFixture('go/chi.coverprofile'), ownFixture('go/atomic.out')],
  'coveragepy-json': [ownFixture('coveragepy/7.16/coverage.json'), ownFixture('coveragepy/6.5/coverage.json')],
  cobertura: [realFixture('cobertura/gcovr-5.0.cobertura.xml'), realFixture('cobertura/matlab-nan.cobertura.xml'), ownFixture('jest/cobertura-coverage.xml')],
  jacoco: [realFixture('jacoco/jacoco-playground.report.xml'), ownFixture('jacoco/jacoco-0.8.6.xml')],
  clover: [realFixture('clover/phpunit-phpcsutils.clover.xml'), ownFixture('jest/clover.xml')],
  'istanbul-json': [ownFixture('jest/coverage-final.json')],
  'istanbul-summary': [ownFixture('jest/coverage-summary.json')],
  checkstyle: [realFixture('checkstyle/phan-iso-8859-15-no-column.checkstyle.xml'), ownFixture('checkstyle/eslint.checkstyle.xml')],
  junit: [ownFixture('junit/jest-junit.xml'), ownFixture('junit/pytest-xunit2.xml')],
  'eslint-json': [ownFixture('eslint/eslint.json'), ownFixture('eslint/eslint-with-metadata.json')],
  sarif: [realFixture('sarif/codeql-action-valid-multi-run.sarif'), realFixture('sarif/trivy-config.sarif')],
  'npm-audit': [realFixture('npm-audit/npm7-many-vulns.json'), ownFixture('npm-audit/npm11-vulnerable.json')],
  'trivy-json': [realFixture('trivy/trivy-schema2-image.json')],
  'semgrep-json': [realFixture('semgrep/semgrep-1.30.0.json')],
};
const seedBytes = (format: string): Uint8Array[] => (SEEDS[format] ?? []).map((p) => new Uint8Array(readFileSync(p)));

const RUNS = 100;
/** Most pieces one input arrives in. */
const MAX_CHUNKS = 512;

const junk = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 16 }),
  fc
    .constantFrom('<', '>', '"', '{', '}', '[', ']', ',', ':', '&', '&#0;', '&#xD800;', '&lol;', '\0', '\n', '\r', '<!DOCTYPE x [<!ENTITY a "b">]>', '"__proto__":', '-1', 'NaN', '1e999', '\ufeff', '\udc00', 'end_of_record\n', 'mode: set\n')
    .map((s) => new TextEncoder().encode(s)),
);

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; bit: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'delete'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: junk }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
);

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = seed;
  for (const m of mutations) {
    const at = m.at % (b.length + 1);
    if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'flip') {
      if (b.length === 0) continue;
      b = b.slice();
      b[at % b.length]! ^= 1 << m.bit;
    } else if (m.kind === 'insert') {
      const out = new Uint8Array(b.length + m.bytes.length);
      out.set(b.subarray(0, at));
      out.set(m.bytes, at);
      out.set(b.subarray(at), at + m.bytes.length);
      b = out;
    } else {
      const out = new Uint8Array(b.length - Math.min(m.length, b.length - at));
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + m.length), at);
      b = out;
    }
  }
  return b;
}

/** Random bytes, or a real report of `format` mutated; with the chunk size the bytes arrive in. */
function inputs(format: string): fc.Arbitrary<{ bytes: Uint8Array; chunk: number }> {
  const seeds = seedBytes(format);
  const bytes = fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, m]) => mutate(s, m)) },
  );
  const chunk = fc.oneof({ weight: 3, arbitrary: fc.constant(64 * 1024) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4096 }) });
  // At most MAX_CHUNKS pieces: byte-by-byte reading of whole real reports is covered by each parser's own tests.
  return fc.record({ bytes, chunk }).map(({ bytes, chunk }) => ({ bytes, chunk: Math.max(chunk, Math.ceil(bytes.length / MAX_CHUNKS)) }));
}

const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** The model's invariants: what a gate relies on. Returns the first one broken. */
function brokenInvariant(r: ParsedReport): string | undefined {
  if (!Array.isArray(r.warnings) || r.warnings.some((w) => typeof w !== 'string')) return 'warnings';
  if (r.kind === 'coverage') {
    for (const [path, f] of r.coverage.files) {
      if (typeof path !== 'string' || path.length === 0) return `file path ${JSON.stringify(path)}`;
      const { lines, branches, functions } = f;
      for (const c of [lines, branches, functions]) if (!isCount(c.total) || !isCount(c.covered) || c.covered > c.total) return `${path}: counts ${JSON.stringify(c)}`;
      let prev = 0;
      for (const [line, hits] of f.lineEntries()) {
        if (!(line > prev) || !isCount(hits)) return `${path}: line ${line} after ${prev}, hits ${hits}`;
        prev = line;
      }
    }
    return undefined;
  }
  if (r.kind === 'tests') {
    const t = r.tests;
    if (![t.total, t.passed, t.failed, t.errored, t.skipped].every(isCount)) return `test counts ${JSON.stringify(t)}`;
    if (t.passed + t.failed + t.errored + t.skipped !== t.total) return `test counts do not add up: ${JSON.stringify(t)}`;
    if (t.problems.length > t.failed + t.errored) return 'more problems than failures';
    return undefined;
  }
  for (const f of r.findings.findings) {
    if (!LEVELS.includes(f.level) || !SEVERITIES.includes(f.severity)) return `level ${f.level} / severity ${f.severity}`;
    if (typeof f.message !== 'string' || typeof f.tool !== 'string') return 'message or tool';
    for (const k of ['line', 'endLine', 'column', 'endColumn'] as const) {
      const v = f[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) return `${k} ${v}`;
    }
  }
  return undefined;
}

type Outcome = { ok: true; report: ParsedReport } | { ok: false; error: unknown };

async function settle(p: Promise<ParsedReport>): Promise<Outcome> {
  try {
    return { ok: true, report: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

describe.each(PARSERS.map((p) => [p.format, p] as const))('%s on arbitrary bytes', (format, parser) => {
  it('parses or refuses with a ReportParseError naming the file, keeping the model invariants', async () => {
    expect(seedBytes(format).length).toBeGreaterThan(0);
    let parsed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(inputs(format), async ({ bytes, chunk }) => {
        const named = await settle(parseReport(bytesOf(bytes, chunk), { path: 'in/report', format }));
        const sniffed = await settle(parseReport(bytesOf(bytes, chunk), { path: 'in/report' }));
        const direct = await settle(parser.parse(bytesOf(bytes, chunk), { path: 'in/report', limits: DEFAULT_LIMITS }).then((p) => ({ ...p, path: 'in/report', format })));
        for (const [how, o] of [['named', named], ['sniffed', sniffed], ['direct', direct]] as const) {
          if (o.ok) {
            const broken = brokenInvariant(o.report);
            if (broken) throw new Error(`${how}: ${broken}`);
            if (how === 'named' && (o.report.format !== format || !parser.kinds.includes(o.report.kind))) throw new Error(`named: read as ${o.report.format}/${o.report.kind}`);
          } else {
            if (!(o.error instanceof ReportParseError)) throw new Error(`${how}: ${String((o.error as Error)?.stack ?? o.error)}`);
            if (how !== 'direct' && o.error.location.file !== 'in/report') throw new Error(`${how}: the error names ${o.error.location.file}`);
          }
        }
        if (named.ok) parsed++;
        else refused++;
      }),
      { numRuns: RUNS, seed: 0x5dc0 + format.length },
    );
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect({ parsed: parsed > 0, refused: refused > 0 }).toEqual({ parsed: true, refused: true });
  }, 120000);
});

describe('bounded work on inputs that claim far more than they hold', () => {
  it('refuses a Go profile whose 30-byte rows claim 10 million lines each, before making any line', async () => {
    const rows = Array.from({ length: 31 }, (_, i) => `f${i}.go:1.1,10000000.2 1 1`);
    const t0 = performance.now();
    const err = await parseReport(bytesOf(`mode: set\n${rows.join('\n')}\n`), { path: 'cover.out' }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ReportParseError);
    expect((err as ReportParseError).problem).toBe(
      '31 row(s) claim 310000000 source lines, more than the 1000000 a real profile of that size could (f0.go alone spans lines 1 to 10000000)',
    );
  });

  it('refuses 20,000 overlapping blocks over one 100,000-line file (two billion steps of line work)', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `big.go:1.${i + 1},100000.1 1 1`);
    const err = await parseReport(bytesOf(`mode: set\n${rows.join('\n')}\n`), { path: 'cover.out' }).catch((e: unknown) => e);
    expect((err as ReportParseError).problem).toBe(
      '20000 row(s) claim 2000000000 source lines, more than the 2000000 a real profile of that size could (big.go alone spans lines 1 to 100000)',
    );
  });

  it('still reads a block of a million lines (a generated table), and 100 lines a row beyond that', async () => {
    const one = await parseReport(bytesOf('mode: count\nbig.go:1.1,1000000.2 3 1\n'), { path: 'cover.out' });
    if (one.kind !== 'coverage') throw new Error(one.kind);
    expect(one.coverage.files.get('big.go')!.lines).toEqual({ total: 1_000_000, covered: 1_000_000 });
    expect(one.coverage.declared?.statements).toEqual({ total: 3, covered: 3 });
    // 11,000 rows of 100 lines, 1,100 in each of 10 files: 1,100,000 lines, exactly the allowance.
    const rows = Array.from({ length: 11_000 }, (_, i) => `f${i % 10}.go:${Math.floor(i / 10) * 100 + 1}.1,${Math.floor(i / 10) * 100 + 100}.2 1 ${i % 2}`);
    const many = await parseReport(bytesOf(`mode: set\n${rows.join('\n')}\n`), { path: 'cover.out' });
    if (many.kind !== 'coverage') throw new Error(many.kind);
    expect(many.coverage.declared?.statements).toEqual({ total: 11_000, covered: 5_500 });
    expect(many.coverage.files.get('f3.go')!.lines).toEqual({ total: 110_000, covered: 110_000 });
    expect(many.coverage.files.get('f4.go')!.lines).toEqual({ total: 110_000, covered: 0 });
  });
});

// ---------------------------------------------------------------- the gate engine

/** Every threshold as lenient as the config allows: only an unreadable report can fail a gate. */
const LENIENT = loadConfig(
  [
    'gates:',
    '  coverage: {min: 0}',
    '  patch_coverage: {min: 0}',
    '  lint: {max_errors: 1000000, max_warnings: null}',
    '  security: {fail_on: none}',
    '  tests: {max_failures: 1000000, min_tests: 0}',
  ].join('\n'),
);

const paths = fc.constantFrom('src/a.ts', 'src/b.ts', 'lib/c.go', '../outside.ts', '/abs/d.py');

const finding: fc.Arbitrary<Finding> = fc.record({
  tool: fc.constantFrom('eslint', 'trivy'),
  ruleId: fc.option(fc.constantFrom('r1', 'r2', 'CVE-2024-1'), { nil: null }),
  message: fc.string({ maxLength: 20 }),
  level: fc.constantFrom(...LEVELS),
  severity: fc.constantFrom(...SEVERITIES),
  path: paths,
  line: fc.integer({ min: 1, max: 50 }),
});

const report: fc.Arbitrary<ParsedReport> = fc.oneof(
  fc.array(fc.tuple(paths, fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.nat(5)), { minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 3 }).map((files): ParsedReport => {
    const b = new CoverageBuilder();
    for (const [p, lines] of files) for (const [l, h] of lines) b.file(p).addLine(l, h);
    return { kind: 'coverage', path: 'cov.info', format: 'lcov', coverage: b.build(), warnings: [] };
  }),
  fc.tuple(fc.constantFrom('lint' as const, 'security' as const), fc.array(finding, { maxLength: 5 })).map(
    ([kind, findings]): ParsedReport => ({ kind, path: `${kind}.json`, format: 'sarif', findings: { findings, tools: ['x'] }, warnings: [] }),
  ),
  fc.tuple(fc.nat(20), fc.nat(3), fc.nat(3), fc.nat(3)).map(
    ([passed, failed, errored, skipped]): ParsedReport => ({
      kind: 'tests',
      path: 'junit.xml',
      format: 'junit',
      tests: { total: passed + failed + errored + skipped, passed, failed, errored, skipped, problems: [] },
      warnings: [],
    }),
  ),
);

const failure: fc.Arbitrary<ReportFailure> = fc.record(
  {
    path: fc.constantFrom('bad.xml', 'bad.json', 'bad.info'),
    kinds: fc.subarray([...REPORT_KINDS], { minLength: 1 }),
    message: fc.constant('bad: unreadable'),
  },
  { requiredKeys: ['path', 'message'] },
);

/** One changed file, so that changed-line coverage is judged too. */
const CHANGES = { files: new Map([['src/a.ts', { path: 'src/a.ts', status: 'modified' as const, binary: false, added: [[1, 50]] as [number, number][], hunks: [[1, 50]] as [number, number][] }]]) };

function failedKinds(failures: readonly ReportFailure[]): Set<ReportKind> {
  return new Set(failures.flatMap((f) => f.kinds ?? REPORT_KINDS));
}

describe('the gate engine never passes a gate whose report could not be read', () => {
  it('with lenient thresholds, a readable report of the same kind and arbitrary others', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 6 }), fc.array(failure, { minLength: 1, maxLength: 3 }), fc.boolean(), (reports, failures, withChanges) => {
        const v = runGatekeeper({
          config: LENIENT,
          reports,
          failures,
          ...(withChanges ? { changes: CHANGES } : {}),
        });
        const bad = failedKinds(failures);
        for (const g of v.gates) {
          if (!bad.has(GATE_KIND[g.id])) continue;
          // Without a diff, changed-line coverage is neutral whatever the reports: never a pass.
          const expected = g.id === 'patch_coverage' && !withChanges ? 'neutral' : 'fail';
          if (g.outcome !== expected) return false;
        }
        return v.outcome === 'fail';
      }),
      { numRuns: 300, seed: 20250310 },
    );
  });

  it('lets the same reports pass when nothing failed (the property above is not vacuous)', () => {
    const b = new CoverageBuilder();
    b.file('src/a.ts').addLine(1, 0);
    const reports: ParsedReport[] = [
      { kind: 'coverage', path: 'cov.info', format: 'lcov', coverage: b.build(), warnings: [] },
      { kind: 'lint', path: 'lint.json', format: 'sarif', findings: { findings: [{ tool: 'x', ruleId: 'r', message: 'm', level: 'error', severity: 'critical', path: 'src/a.ts', line: 1 }], tools: ['x'] }, warnings: [] },
      { kind: 'security', path: 'sec.json', format: 'sarif', findings: { findings: [{ tool: 'x', ruleId: 'r', message: 'm', level: 'error', severity: 'critical' }], tools: ['x'] }, warnings: [] },
      { kind: 'tests', path: 'junit.xml', format: 'junit', tests: { total: 1, passed: 0, failed: 1, errored: 0, skipped: 0, problems: [] }, warnings: [] },
    ];
    const changes = { files: new Map([['src/a.ts', { path: 'src/a.ts', status: 'modified' as const, binary: false, added: [[1, 1]] as [number, number][], hunks: [[1, 1]] as [number, number][] }]]) };
    const pass = runGatekeeper({ config: LENIENT, reports, changes });
    expect(pass.gates.map((g) => [g.id, g.outcome])).toEqual([
      ['coverage', 'pass'],
      ['patch_coverage', 'pass'],
      ['lint', 'pass'],
      ['security', 'pass'],
      ['tests', 'pass'],
    ]);
    for (const kind of REPORT_KINDS) {
      const v = runGatekeeper({ config: LENIENT, reports, changes, failures: [{ path: 'bad', kinds: [kind], message: 'bad: unreadable' }] });
      expect(v.gates.filter((g) => g.outcome === 'fail').map((g) => g.id)).toEqual(v.gates.filter((g) => GATE_KIND[g.id] === kind).map((g) => g.id));
    }
  });

  it('end to end: a routed report that fails to parse fails its gates, whatever else was read', async () => {
    const formats = PARSERS.map((p) => p.format);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...formats).chain((format) => fc.tuple(fc.constant(format), inputs(format))),
        fc.array(report, { maxLength: 4 }),
        async ([format, { bytes }], others) => {
          const parser = PARSERS.find((p) => p.format === format)!;
          const kind = parser.kinds[0]!;
          const config = loadConfig(
            [
              'reports:',
              `  ${kind}:`,
              `    - path: "in/${format}.report"`,
              `      format: ${format}`,
              'gates:',
              '  coverage: {min: 0}',
              '  patch_coverage: {min: 0}',
              '  lint: {max_errors: 1000000, max_warnings: null}',
              '  security: {fail_on: none}',
              '  tests: {max_failures: 1000000, min_tests: 0}',
            ].join('\n'),
          );
          const routing = routeFiles([`in/${format}.report`], config);
          const parsed = await parseRouted(routing, () => bytesOf(bytes));
          const v = runGatekeeper({ config, reports: [...parsed.reports, ...others], failures: parsed.failures, changes: CHANGES });
          if (parsed.failures.length === 0) return parsed.reports.length === 1;
          if (parsed.failures.some((f) => !f.kinds?.includes(kind))) return false;
          return v.gates.every((g) => GATE_KIND[g.id] !== kind || g.outcome === 'fail') && v.outcome === 'fail';
        },
      ),
      { numRuns: 150, seed: 424242 },
    );
  }, 120000);
});

// ---------------------------------------------------------------- the config loader

describe('loadConfig on mutated configs', () => {
  const BASE = [
    'phase: testing',
    'scopes:',
    '  src: &src ["src/**", "lib/**"]',
    '  web: *src',
    'reports:',
    '  coverage: ["coverage/lcov.info", {path: "cov/*.xml", format: cobertura}]',
    'gates:',
    '  coverage: {min: 80, ignore: ["**/*.gen.ts"], paths: [{path: "src/**", min: 70}]}',
    '  lint: {max_errors: 0, max_warnings: 10, filter: added}',
    'waivers:',
    '  - id: w1',
    '    match: {rule: no-eval, path: "src/legacy/**"}',
    '    reason: legacy',
    '    owner: team',
    '    expires: 2030-01-01',
    'tagging:',
    '  branches: ["main", "release/*"]',
    '',
  ].join('\n');
  const piece = fc.constantFrom(
    '&a ', '*a', '*src', '<<: ', '!!js/function ', '!tag ', '[', ']', '{', '}', ',', ':', '- ', '? ', '\n', '  ', '"', "'", '#', '|', '>',
    '%TAG ! x:\n', '---\n', '\t', '__proto__', 'constructor', '{1..100000}', '!(x)', '\0', '\ufeff', '~', '1e999', '.inf',
  );

  it('gives a config or a ConfigError located at a line and column, never another exception', () => {
    expect(loadConfig(BASE).scopes['web']).toEqual(['src/**', 'lib/**']);
    let refused = 0;
    let read = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), piece), { minLength: 1, maxLength: 8 }), fc.option(fc.nat(), { nil: undefined }), (inserts, cut) => {
        let text = BASE;
        for (const [at, p] of inserts) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + p + text.slice(i);
        }
        if (cut !== undefined) text = text.slice(0, cut % (text.length + 1));
        try {
          loadConfig(text);
          read++;
          return true;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          refused++;
          return err.issues.length > 0 && err.issues.every((i) => i.location.file === '.sdlc.yml' && i.location.line! >= 1 && i.location.column! >= 1);
        }
      }),
      { numRuns: 500, seed: 3 },
    );
    // Both outcomes occur: some mutations are harmless (a comment, a space).
    expect({ read: read > 0, refused: refused > 0 }).toEqual({ read: true, refused: true });
  });
});
