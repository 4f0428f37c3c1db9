/**
 * Hostile paths in reports: parent steps (plain, percent-encoded, with
 * backslashes), absolute paths outside the repository, Windows forms, `file://`
 * URIs of other hosts, NUL and other control characters. They are normalised
 * into the repository or refused: no resolved path leaves the repository, and
 * a finding whose path was refused is never shown at a path.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { loadConfig } from '../../src/core/config/load.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import { CoverageBuilder } from '../../src/core/model/coverage.js';
import type { Finding } from '../../src/core/model/findings.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { normalizeReportPath, PathResolver, type ResolveResult } from '../../src/core/paths.js';

/** Report paths that must never resolve outside the repository, with the reason they are refused. */
const HOSTILE: [raw: string, normalised: ReturnType<typeof normalizeReportPath>][] = [
  ['../etc/passwd', { path: '..', absolute: false }],
  ['src/../../etc/passwd', { path: '..', absolute: false }],
  ['a/b/../../..', { path: '..', absolute: false }],
  ['%2e%2e/%2e%2e/etc/passwd', { path: '..', absolute: false }],
  ['..%2fsecret', { path: '..', absolute: false }],
  ['..%2F..%2Fx', { path: '..', absolute: false }],
  ['src/%2e%2e%2f%2e%2e%2fx', { path: '..', absolute: false }],
  ['..\\..\\windows\\win.ini', { path: '..', absolute: false }],
  ['/etc/passwd', { path: '/etc/passwd', absolute: true }],
  ['file:///etc/passwd', { path: '/etc/passwd', absolute: true }],
  ['C:\\Windows\\System32\\drivers\\etc\\hosts', { path: 'C:/Windows/System32/drivers/etc/hosts', absolute: true }],
  ['\\\\server\\share\\x.ts', { path: '/server/share/x.ts', absolute: true }],
  ['file://C:/Users/x.ts', { path: 'C:/Users/x.ts', absolute: true }],
  ['C:/../x', undefined],
  ['/srv/../../x', undefined],
  ['C:relative.ts', undefined],
  ['file://evil.example/x.ts', undefined],
  ['src/a\0.ts', undefined],
  ['src/a%00.ts', undefined],
  ['src/a\n.ts', undefined],
  ['src/%0d%0a::error::x', undefined],
  ['src/%E0%A4%A.ts', undefined],
  ['%c0%ae%c0%ae/x', undefined],
];

function escapes(r: ResolveResult): boolean {
  const p = r.path;
  if (p === undefined) return false;
  // eslint-disable-next-line no-control-regex
  return p === '..' || p.startsWith('../') || p.startsWith('/') || /^[A-Za-z]:/.test(p) || /[\u0000-\u001f\u007f]/.test(p);
}

describe('normalizeReportPath', () => {
  it.each(HOSTILE)('reads %j as %j', (raw, expected) => {
    expect(normalizeReportPath(raw)).toEqual(expected);
  });

  it('decodes once: a double-encoded parent step stays a literal name', () => {
    expect(normalizeReportPath('%252e%252e/x')).toEqual({ path: '%2e%2e/x', absolute: false });
  });
});

describe('PathResolver on hostile paths', () => {
  const repoFiles = ['src/a.ts', 'etc/hosts', 'x.ts', 'lib/win.ini'];
  const resolvers: [string, PathResolver][] = [
    ['no file list', new PathResolver()],
    ['no file list, a workspace root', new PathResolver({ roots: ['/home/runner/work/r/r'] })],
    ['a file list and a root', new PathResolver({ repoFiles, roots: ['/home/runner/work/r/r', 'D:\\a\\r\\r'] })],
    ['path fixes that lead out', new PathResolver({ repoFiles, pathFixes: [{ before: '', after: '../../' }, { before: 'src/', after: '/etc/' }] })],
  ];

  it.each(resolvers)('never resolves outside the repository (%s)', (_name, resolver) => {
    for (const [raw] of HOSTILE) {
      const r = resolver.resolve(raw);
      expect({ raw, escapes: escapes(r) }).toEqual({ raw, escapes: false });
    }
  });

  it('refuses every parent step and foreign absolute path when no file list is known', () => {
    const r = new PathResolver({ roots: ['/home/runner/work/r/r'] });
    expect(HOSTILE.map(([raw]) => r.resolve(raw))).toEqual(HOSTILE.map(() => ({ reason: 'outside' })));
    expect(r.resolve('/home/runner/work/r/r/src/../src/a.ts')).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('/home/runner/work/r/r/../../../etc/passwd')).toEqual({ reason: 'outside' });
  });

  it('maps an absolute path only onto a repository file it ends with', () => {
    const r = new PathResolver({ repoFiles });
    expect(r.resolve('C:\\Windows\\System32\\drivers\\etc\\hosts')).toEqual({ path: 'etc/hosts' });
    expect(r.resolve('/etc/passwd')).toEqual({ reason: 'outside' });
  });

  it('does not let Cobertura <source> roots lead out of the repository', () => {
    const r = new PathResolver();
    expect(r.resolve('etc/passwd', ['../../..'])).toEqual({ path: 'etc/passwd' });
    expect(r.resolve('../passwd', ['/etc/x'])).toEqual({ reason: 'outside' });
    expect(r.resolve('passwd', ['/etc'])).toEqual({ path: 'passwd' });
  });

  it('keeps every resolution inside the repository for arbitrary mixes of dots, slashes, escapes and drives', () => {
    const piece = fc.constantFrom('..', '.', '/', '\\', '%2e', '%2E', '%2f', '%5c', '%00', '%', 'C:', 'c:/', 'file://', 'localhost', 'src', 'a.ts', '~', ' ', '\0', '\n');
    const path = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
    const roots = fc.array(fc.array(piece, { maxLength: 6 }).map((p) => p.join('')), { maxLength: 2 });
    fc.assert(
      fc.property(path, roots, (raw, sourceRoots) => {
        const results = [
          new PathResolver().resolve(raw, sourceRoots),
          new PathResolver({ roots: ['/w/r'] }).resolve(raw, sourceRoots),
          new PathResolver({ repoFiles: ['src/a.ts', 'a.ts'], roots: ['C:/w'] }).resolve(raw, sourceRoots),
        ];
        return results.every((r) => !escapes(r));
      }),
      { numRuns: 2000, seed: 20250310 },
    );
  });
});

describe('gates never point at a refused path', () => {
  const finding = (path: string, i: number): Finding => ({ tool: 'eslint', ruleId: `r${i}`, message: `m${i}`, level: 'error', severity: 'high', path, line: 3 });
  const hostilePaths = HOSTILE.map(([raw]) => raw);

  it('drops the path (and so the annotation) of lint and security findings outside the repository, and keeps the count', () => {
    const lint: ParsedReport = {
      kind: 'lint',
      path: 'eslint.json',
      format: 'eslint-json',
      findings: { findings: [finding('src/a.ts', -1), ...hostilePaths.map(finding)], tools: ['eslint'] },
      warnings: [],
    };
    const security: ParsedReport = { ...lint, kind: 'security', path: 'semgrep.json', format: 'semgrep-json' };
    const v = runGatekeeper({ config: loadConfig(''), reports: [lint, security], paths: { repoFiles: ['src/a.ts'], roots: ['/home/runner/work/r/r'] } });
    for (const id of ['lint', 'security'] as const) {
      const g = v.gates.find((x) => x.id === id)!;
      expect(g.outcome).toBe('fail');
      expect(g.findings).toHaveLength(hostilePaths.length + 1);
      expect(g.findings!.filter((f) => f.path !== undefined).map((f) => [f.path, f.ruleId])).toEqual([['src/a.ts', 'r-1']]);
    }
  });

  it('counts coverage of refused paths in the total but never lists them as uncovered changed lines', () => {
    const b = new CoverageBuilder();
    b.file('src/a.ts').addLine(1, 1);
    for (const p of hostilePaths) b.file(p).addLine(1, 0);
    const report: ParsedReport = { kind: 'coverage', path: 'lcov.info', format: 'lcov', coverage: b.build(), warnings: [] };
    const v = runGatekeeper({
      config: loadConfig(''),
      reports: [report],
      changes: { files: new Map([['src/a.ts', { path: 'src/a.ts', status: 'modified', binary: false, added: [[1, 1]], hunks: [[1, 1]] }]]) },
      paths: { repoFiles: ['src/a.ts'] },
    });
    const coverage = v.gates.find((g) => g.id === 'coverage')!;
    expect(coverage.metrics).toMatchObject({ total: hostilePaths.length + 1, covered: 1 });
    const patch = v.gates.find((g) => g.id === 'patch_coverage')!;
    expect(patch.uncovered ?? []).toEqual([]);
    expect(v.warnings).toContain(`${hostilePaths.length} files named in coverage reports could not be matched to a repository file; they count in the total but are never annotated`);
  });
});
