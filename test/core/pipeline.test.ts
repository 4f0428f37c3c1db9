import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/core/config/load.js';
import { parseRouted, routeFiles } from '../../src/core/pipeline.js';
import { bytesOf } from '../../src/core/stream.js';

const LCOV = 'SF:src/a.ts\nDA:1,1\nDA:2,0\nend_of_record\n';
const JUNIT = '<testsuite name="s" tests="1"><testcase name="t" classname="c"/></testsuite>';
const ESLINT = JSON.stringify([{ filePath: '/w/src/a.ts', messages: [], errorCount: 0, fatalErrorCount: 0, warningCount: 0, fixableErrorCount: 0, fixableWarningCount: 0 }]);

const files: Record<string, string> = {
  'coverage/lcov.info': LCOV,
  'coverage/lcov-report/index.html': '<!doctype html><html></html>',
  'reports/junit.xml': JUNIT,
  'reports/eslint.json': ESLINT,
  'reports/broken.xml': '<testsuite><testcase name="x">',
  'src/a.ts': 'export {}',
  'build/lcov.info': LCOV,
};
const open = (p: string) => {
  const text = files[p];
  if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return bytesOf(text);
};

describe('routeFiles', () => {
  it('with no reports key, discovers every file under coverage/ and reports/', () => {
    const r = routeFiles(Object.keys(files), loadConfig(undefined));
    expect(r.files.map((f) => f.path)).toEqual([
      'coverage/lcov-report/index.html',
      'coverage/lcov.info',
      'reports/broken.xml',
      'reports/eslint.json',
      'reports/junit.xml',
    ]);
    expect(r.files.every((f) => f.discovered && f.kind === undefined)).toBe(true);
    expect(r.searched.coverage).toEqual(['coverage/**', 'reports/**']);
    expect(r.configured).toEqual([]);
  });

  it('routes configured kinds by glob and discovers the rest', () => {
    const config = loadConfig('reports:\n  coverage: ["**/lcov.info"]\n  tests:\n    - path: reports/*.xml\n      format: junit\n');
    const r = routeFiles(Object.keys(files), config);
    expect(r.files).toEqual([
      { path: 'build/lcov.info', kind: 'coverage', discovered: false },
      { path: 'coverage/lcov.info', kind: 'coverage', discovered: false },
      { path: 'reports/broken.xml', kind: 'tests', discovered: false, format: 'junit' },
      { path: 'reports/junit.xml', kind: 'tests', discovered: false, format: 'junit' },
      { path: 'coverage/lcov-report/index.html', discovered: true },
      { path: 'reports/eslint.json', discovered: true },
    ]);
    expect(r.configured).toEqual(['coverage', 'tests']);
    expect(r.searched).toMatchObject({ coverage: ['**/lcov.info'], tests: ['reports/*.xml'], lint: ['coverage/**', 'reports/**'] });
  });

  it('an artifact discovers every entry', () => {
    const r = routeFiles(['a/lcov.info', 'junit.xml'], loadConfig(undefined), { discoverAll: true, discoverLabel: 'artifact sdlc-reports' });
    expect(r.files.map((f) => f.path)).toEqual(['a/lcov.info', 'junit.xml']);
    expect(r.searched.security).toEqual(['artifact sdlc-reports']);
  });
});

describe('parseRouted', () => {
  it('parses reports, skips discovered non-reports, and keeps failures with their kinds', async () => {
    const set = await parseRouted(routeFiles(Object.keys(files), loadConfig(undefined)), open);
    expect(set.reports.map((r) => [r.path, r.format, r.kind])).toEqual([
      ['coverage/lcov.info', 'lcov', 'coverage'],
      ['reports/eslint.json', 'eslint-json', 'lint'],
      ['reports/junit.xml', 'junit', 'tests'],
    ]);
    expect(set.skipped).toEqual(['coverage/lcov-report/index.html']);
    expect(set.failures).toHaveLength(1);
    expect(set.failures[0]).toMatchObject({ path: 'reports/broken.xml', kinds: ['tests'] });
    expect(set.failures[0]!.message).toMatch(/^reports\/broken\.xml:1:\d+: /);
  });

  it('a configured file that cannot be opened fails its kind', async () => {
    const config = loadConfig('reports:\n  coverage: [coverage/lcov.info]\n');
    const routing = { files: [{ path: 'coverage/gone.info', kind: 'coverage' as const, discovered: false }], searched: {}, configured: ['coverage' as const] };
    const set = await parseRouted(routing, open);
    expect(set.failures).toEqual([{ path: 'coverage/gone.info', kinds: ['coverage'], message: 'coverage/gone.info: cannot be read (ENOENT)' }]);
    expect(routeFiles([], config).files).toEqual([]);
  });

  it('discovered reports of a configured kind are ignored', async () => {
    const config = loadConfig('reports:\n  coverage: [build/lcov.info]\n');
    const set = await parseRouted(routeFiles(Object.keys(files), config), open);
    expect(set.reports.filter((r) => r.kind === 'coverage').map((r) => r.path)).toEqual(['build/lcov.info']);
  });
});
