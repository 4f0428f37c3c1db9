import { describe, expect, it } from '@jest/globals';
import { normalizeReportPath, PathResolver } from '../../src/core/paths.js';

const REPO = ['src/a.ts', 'src/util/b.ts', 'lib/index.js', 'packages/web/src/index.ts', 'packages/api/src/index.ts', 'packages/api/src/server.ts', 'README.md'];

describe('normalizeReportPath', () => {
  it('drops ./ and empty segments, folds .., and converts backslashes', () => {
    expect(normalizeReportPath('./src//util/./b.ts')).toEqual({ path: 'src/util/b.ts', absolute: false });
    expect(normalizeReportPath('src\\util\\..\\a.ts')).toEqual({ path: 'src/a.ts', absolute: false });
    expect(normalizeReportPath('  src/a.ts ')).toEqual({ path: 'src/a.ts', absolute: false });
  });

  it('reads Windows drive paths with an upper-case drive', () => {
    expect(normalizeReportPath('c:\\work\\repo\\src\\a.ts')).toEqual({ path: 'C:/work/repo/src/a.ts', absolute: true });
  });

  it('reads file:// URIs, with or without a host and a drive', () => {
    expect(normalizeReportPath('file:///home/runner/work/r/r/src/a.ts')).toEqual({ path: '/home/runner/work/r/r/src/a.ts', absolute: true });
    expect(normalizeReportPath('file://localhost/srv/x.ts')).toEqual({ path: '/srv/x.ts', absolute: true });
    expect(normalizeReportPath('file:///D:/a/repo/src/my%20file.ts')).toEqual({ path: 'D:/a/repo/src/my file.ts', absolute: true });
  });

  it('decodes percent escapes before folding .. (so %2e%2e cannot hide a parent step)', () => {
    expect(normalizeReportPath('src/%2e%2e/%2e%2e/etc/passwd')).toEqual({ path: '..', absolute: false });
    expect(normalizeReportPath('/srv/%2E%2E/%2e%2e/%2e%2e/etc')).toBeUndefined();
  });

  it('refuses empty text, NUL bytes and broken percent escapes', () => {
    expect(normalizeReportPath('   ')).toBeUndefined();
    expect(normalizeReportPath('src/a\0.ts')).toBeUndefined();
    expect(normalizeReportPath('src/%E0%A4%A.ts')).toBeUndefined();
  });
});

describe('PathResolver with the repository file list', () => {
  const r = new PathResolver({ repoFiles: REPO, roots: ['/work/checkout/'] });

  it('knows it has a file list', () => {
    expect(r.knowsFiles).toBe(true);
    expect(new PathResolver().knowsFiles).toBe(false);
  });

  it('resolves ./ prefixes and backslashes to the repository file', () => {
    expect(r.resolve('./src/a.ts')).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('src\\util\\b.ts')).toEqual({ path: 'src/util/b.ts' });
  });

  it('strips a workspace root', () => {
    expect(r.resolve('/work/checkout/lib/index.js')).toEqual({ path: 'lib/index.js' });
  });

  it('matches an absolute path from another machine by its longest suffix', () => {
    expect(r.resolve('/home/runner/work/repo/repo/src/util/b.ts')).toEqual({ path: 'src/util/b.ts' });
    expect(r.resolve('D:\\a\\repo\\repo\\packages\\api\\src\\index.ts')).toEqual({ path: 'packages/api/src/index.ts' });
    expect(r.resolve('file:///home/runner/work/repo/repo/README.md')).toEqual({ path: 'README.md' });
  });

  it('prefers the longer suffix when two repository files end the report path', () => {
    const two = new PathResolver({ repoFiles: ['index.ts', 'src/index.ts'] });
    expect(two.resolve('/build/agent/src/index.ts')).toEqual({ path: 'src/index.ts' });
    expect(two.resolve('/build/agent/index.ts')).toEqual({ path: 'index.ts' });
  });

  it('matches a relative path written from a package directory when one file has that tail', () => {
    expect(r.resolve('src/server.ts')).toEqual({ path: 'packages/api/src/server.ts' });
  });

  it('calls a tail shared by two repository files ambiguous', () => {
    expect(r.resolve('src/index.ts')).toEqual({ reason: 'ambiguous' });
  });

  it('does not call a file listed twice ambiguous', () => {
    const dup = new PathResolver({ repoFiles: ['pkg/src/x.ts', './pkg/src/x.ts'] });
    expect(dup.resolve('src/x.ts')).toEqual({ path: 'pkg/src/x.ts' });
    expect(dup.resolve('/ci/pkg/src/x.ts')).toEqual({ path: 'pkg/src/x.ts' });
  });

  it('refuses ../ escapes, also percent-encoded', () => {
    expect(r.resolve('../outside/src/a.ts')).toEqual({ reason: 'outside' });
    expect(r.resolve('src/../../src/a.ts')).toEqual({ reason: 'outside' });
    expect(r.resolve('%2e%2e/src/a.ts')).toEqual({ reason: 'outside' });
  });

  it('says outside for an absolute path no repository file ends, unknown for a relative one', () => {
    expect(r.resolve('/usr/lib/node_modules/x/index.js')).toEqual({ reason: 'outside' });
    expect(r.resolve('/home/runner/work/repo/repo/src/missing.ts')).toEqual({ reason: 'outside' });
    expect(r.resolve('src/missing.ts')).toEqual({ reason: 'unknown' });
    expect(r.resolve('other/a.ts')).toEqual({ reason: 'unknown' });
  });

  it('ignores absolute and escaping entries of the file list', () => {
    const odd = new PathResolver({ repoFiles: ['/etc/passwd', '../up.ts', 'ok.ts'] });
    expect(odd.resolve('/etc/passwd')).toEqual({ reason: 'outside' });
    expect(odd.resolve('up.ts')).toEqual({ reason: 'unknown' });
    expect(odd.resolve('./ok.ts')).toEqual({ path: 'ok.ts' });
  });

  it('answers a repeated lookup the same way (cached)', () => {
    const a = r.resolve('/elsewhere/src/util/b.ts');
    expect(r.resolve('/elsewhere/src/util/b.ts')).toBe(a);
    expect(a).toEqual({ path: 'src/util/b.ts' });
  });
});

describe('PathResolver on Windows paths', () => {
  it('strips a forward-slash root from a backslash path, whatever the drive case', () => {
    const r = new PathResolver({ roots: ['C:/work/repo'] });
    expect(r.resolve('C:\\work\\repo\\src\\a.ts')).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('c:\\work\\repo\\src\\a.ts')).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('C:\\work\\repository\\src\\a.ts')).toEqual({ reason: 'outside' });
  });

  it('strips a backslash root', () => {
    const r = new PathResolver({ roots: ['C:\\work\\repo\\'], repoFiles: REPO });
    expect(r.resolve('C:/work/repo/src/a.ts')).toEqual({ path: 'src/a.ts' });
  });
});

describe('PathResolver with Cobertura source roots', () => {
  const r = new PathResolver({ repoFiles: REPO, roots: ['/work/checkout'] });

  it('joins a relative root', () => {
    expect(r.resolve('util/b.ts', ['src/'])).toEqual({ path: 'src/util/b.ts' });
    expect(r.resolve('a.ts', ['./src'])).toEqual({ path: 'src/a.ts' });
  });

  it('joins an absolute root from another machine and matches by suffix', () => {
    expect(r.resolve('util/b.ts', ['/home/runner/work/repo/repo/src'])).toEqual({ path: 'src/util/b.ts' });
    expect(r.resolve('index.ts', ['C:\\agent\\_work\\1\\s\\packages\\web\\src'])).toEqual({ path: 'packages/web/src/index.ts' });
  });

  it('joins an absolute root under a workspace root', () => {
    expect(r.resolve('index.ts', ['/work/checkout/packages/api/src'])).toEqual({ path: 'packages/api/src/index.ts' });
  });

  it('tries every root and falls back to the path itself', () => {
    expect(r.resolve('src/a.ts', ['/nowhere/x', 'lib'])).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('index.js', ['/nowhere/x', 'lib'])).toEqual({ path: 'lib/index.js' });
  });

  it('does not let a root lead outside the repository', () => {
    // The escaping root is dropped; the path itself still matches by its tail.
    expect(r.resolve('a.ts', ['../../elsewhere'])).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('nothere.ts', ['../../elsewhere'])).toEqual({ reason: 'unknown' });
    const noFiles = new PathResolver();
    expect(noFiles.resolve('secret.ts', ['../../elsewhere'])).toEqual({ path: 'secret.ts' });
    expect(noFiles.resolve('b.ts', ['src/util'])).toEqual({ path: 'src/util/b.ts' });
  });
});

describe('PathResolver path_fixes', () => {
  it('rewrites a prefix before matching', () => {
    const r = new PathResolver({ repoFiles: REPO, pathFixes: [{ before: 'build/js/', after: 'lib/' }] });
    expect(r.resolve('build/js/index.js')).toEqual({ path: 'lib/index.js' });
    expect(r.resolve('./build/js/index.js')).toEqual({ path: 'lib/index.js' });
  });

  it('turns an absolute prefix into a relative path without a file list', () => {
    const r = new PathResolver({ pathFixes: [{ before: '/opt/app/', after: '' }] });
    expect(r.resolve('/opt/app/src/a.ts')).toEqual({ path: 'src/a.ts' });
    expect(r.resolve('/opt/other/src/a.ts')).toEqual({ reason: 'outside' });
  });

  it('accepts a Windows prefix and applies only the first fix that matches', () => {
    const r = new PathResolver({
      pathFixes: [
        { before: 'C:\\build\\', after: 'pkg/' },
        { before: 'C:/build/', after: 'never/' },
      ],
    });
    expect(r.resolve('C:\\build\\src\\a.ts')).toEqual({ path: 'pkg/src/a.ts' });
  });

  it('prefixes every path with an empty before', () => {
    const r = new PathResolver({ repoFiles: REPO, pathFixes: [{ before: '', after: 'packages/api/' }] });
    expect(r.resolve('src/server.ts')).toEqual({ path: 'packages/api/src/server.ts' });
  });

  it('refuses a rewrite that leads outside the repository', () => {
    const r = new PathResolver({ pathFixes: [{ before: 'src/', after: '../../' }] });
    expect(r.resolve('src/a.ts')).toEqual({ reason: 'outside' });
    const abs = new PathResolver({ pathFixes: [{ before: 'src/', after: '/../../' }] });
    expect(abs.resolve('src/a.ts')).toEqual({ reason: 'outside' });
  });
});

describe('PathResolver without a file list', () => {
  const r = new PathResolver({ roots: ['/home/me/repo'] });

  it('keeps relative paths as written (normalised)', () => {
    expect(r.resolve('./src/x.ts')).toEqual({ path: 'src/x.ts' });
    expect(r.resolve('src\\y.ts')).toEqual({ path: 'src/y.ts' });
  });

  it('strips a root from absolute paths and refuses the rest', () => {
    expect(r.resolve('/home/me/repo/src/x.ts')).toEqual({ path: 'src/x.ts' });
    expect(r.resolve('/home/runner/work/repo/repo/src/x.ts')).toEqual({ reason: 'outside' });
    expect(r.resolve('/home/me/repo')).toEqual({ reason: 'outside' });
    expect(r.resolve('file:///home/me/repo/a%20b.ts')).toEqual({ path: 'a b.ts' });
  });

  it('refuses escapes, NUL bytes and empty paths', () => {
    expect(r.resolve('../x.ts')).toEqual({ reason: 'outside' });
    expect(r.resolve('x\0.ts')).toEqual({ reason: 'outside' });
    expect(r.resolve('./')).toEqual({ reason: 'outside' });
  });
});
