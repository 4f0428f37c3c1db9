import { describe, expect, it } from '@jest/globals';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, findFiles, globBase } from '../../src/workspace/files.js';
import { tempDir, write } from '../helpers/cli.js';

describe('workspace files', () => {
  it('globBase is the fixed directory prefix', () => {
    expect(globBase('coverage/**/lcov.info')).toBe('coverage');
    expect(globBase('reports/eslint.json')).toBe('reports');
    expect(globBase('**/*.xml')).toBe('');
    expect(globBase('a/b/{x,y}/c')).toBe('a/b');
  });

  it('finds files by glob, skipping node_modules and .git, not following symlinks', () => {
    const root = tempDir();
    write(root, 'coverage/lcov.info', 'x');
    write(root, 'packages/a/coverage/lcov.info', 'x');
    write(root, 'node_modules/x/coverage/lcov.info', 'x');
    write(root, '.git/coverage/lcov.info', 'x');
    write(root, 'outside/lcov.info', 'x');
    symlinkSync(join(root, 'outside'), join(root, 'linked'));
    return findFiles(root, ['**/lcov.info', './coverage/lcov.info']).then((found) => {
      expect(found).toEqual(['coverage/lcov.info', 'outside/lcov.info', 'packages/a/coverage/lcov.info']);
    });
  });

  it('lists everything under discovery directories that exist, refusing escapes', async () => {
    const root = tempDir();
    write(root, 'coverage/lcov.info', 'x');
    write(root, 'reports/sub/junit.xml', 'x');
    write(root, 'src/a.ts', 'x');
    expect(await filesUnder(root, ['coverage', 'reports/', 'missing', '../etc', '/etc'])).toEqual(['coverage/lcov.info', 'reports/sub/junit.xml']);
  });
});
