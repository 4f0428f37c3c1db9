/**
 * dist/index.js: esbuild's bundle of src/action/run.ts, deterministic, and
 * runnable by node on its own (the runner runs it from a checkout of the
 * Action's repository, with no node_modules).
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { DIST } from './harness.js';
import { runnerCommands } from './workflow-commands.js';

function bundle(): { index: Buffer; licenses: string } {
  const out = tempDir('sdlc-bundle-');
  execFileSync(process.execPath, [join(repoRoot, 'src/action/bundle.mjs'), out], { cwd: repoRoot, stdio: 'pipe' });
  return { index: readFileSync(join(out, 'index.js')), licenses: readFileSync(join(out, 'licenses.txt'), 'utf8') };
}

describe('the bundle', () => {
  it('is the same bytes on every build, with no trace of the machine that built it', () => {
    const a = bundle();
    const b = bundle();
    expect(a.index.equals(b.index)).toBe(true);
    expect(a.licenses).toBe(b.licenses);
    const text = a.index.toString('utf8');
    expect(text.startsWith("import { createRequire as __sdlcCreateRequire } from 'node:module';\nconst require = __sdlcCreateRequire(import.meta.url);\n")).toBe(true);
    expect(text.includes(repoRoot)).toBe(false);
    expect(text).not.toMatch(/sourceMappingURL/);
    for (const pkg of ['@actions/core', '@octokit/rest', 'zod', 'yaml', 'istanbul-lib-coverage']) expect(a.licenses).toMatch(new RegExp(`^${pkg.replace('/', '\\/')} \\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    // Only what the Action runs is bundled: not picomatch (tests only), nor the App's packages.
    for (const pkg of ['picomatch', 'probot', 'bullmq', 'ioredis', 'yauzl']) expect(a.licenses).not.toMatch(new RegExp(`^${pkg} \\d`, 'm'));
  }, 60_000);

  it('runs alone: outside any workflow it fails with one error naming what is missing', () => {
    const dir = tempDir('sdlc-bare-');
    const r = spawnSync(process.execPath, [DIST], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const { commands } = runnerCommands(r.stdout + r.stderr);
    expect(commands.map((c) => [c.command, c.data])).toEqual([['error', 'input github-token: empty, and mode publish publishes to GitHub (pass github-token: ${{ github.token }})']]);
    const r2 = spawnSync(process.execPath, [DIST], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', 'INPUT_GITHUB-TOKEN': 'x' }, encoding: 'utf8' });
    expect(runnerCommands(r2.stdout).commands.map((c) => c.data)).toEqual(['GITHUB_EVENT_NAME is not set: the Action runs inside a GitHub Actions workflow']);
  });
});
