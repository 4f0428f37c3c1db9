/**
 * A checkout like the one a workflow job has: a git repository with the
 * sample project (test/fixtures/sample-js) at its own paths, a base commit
 * and a head commit that adds lines to pricing.js, and the real reports of
 * that project in coverage/ and reports/ (untracked, as a CI step leaves
 * them):
 * - coverage/lcov.info: jest 30.5.2 (test/fixtures/jest/lcov.info): lines
 *   41/57 (71.92 %);
 * - reports/eslint.json: ESLint 10.15.0 (test/fixtures/action/eslint.json):
 *   1 error (pricing.js:27 no-nested-ternary), 5 warnings (no-magic-numbers
 *   at pricing.js:18, 18, 33, 33 and text.js:11);
 * - reports/junit.xml: jest-junit 17.0.0 (test/fixtures/action/junit.xml):
 *   15 tests, all passed.
 *
 * The head commit adds pricing.js lines 19-20 (the FREE case; line 20 is
 * never run) and 25-33 (formatPrice and roundToNickel): coverable added
 * lines 20, 27, 28, 29, 30, 33, of which 5 are covered (83.33 %); the lint
 * error at 27 and the warnings at 33 are on added lines, those at 18 and in
 * text.js are not.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { git, tempDir } from '../helpers/cli.js';
import { ownFixture, repoRoot } from '../helpers/fixtures.js';

export const SAMPLE = 'test/fixtures/sample-js';
export const PRICING = `${SAMPLE}/src/pricing.js`;

/** Passes every gate on the sample reports (security off: the sample has no scan). */
export const PASSING_CONFIG = `gates:
  coverage:
    min: 70
  patch_coverage:
    min: 80
  lint:
    max_errors: 1
  security:
    enabled: false
`;

/** The defaults, with the security gate off: coverage, patch coverage and lint fail, tests pass. */
export const FAILING_CONFIG = `gates:
  security:
    enabled: false
`;

export interface FileChange {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  patch?: string;
}

export interface Workspace {
  dir: string;
  baseSha: string;
  headSha: string;
  /** The pull request's files as GitHub's files API lists them (patch = the hunks of git diff). */
  files: FileChange[];
}

export interface WorkspaceOptions {
  config?: string;
  /** Replace the ESLint report (its JSON text); default the real one. */
  eslint?: string;
  /** Extra files to write (path -> content), untracked. */
  extra?: Record<string, string>;
  /** Files the head commit adds (path -> content). */
  added?: Record<string, string>;
  /** Leave the reports out. */
  noReports?: boolean;
}

function write(root: string, rel: string, content: string | Buffer): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
}

/** The pricing.js of the base commit: without lines 19-20 and 25-33 of the head. */
export function basePricing(): string {
  const lines = readFileSync(join(repoRoot, PRICING), 'utf8').split('\n');
  return [...lines.slice(0, 18), ...lines.slice(20, 24)].join('\n') + '\n';
}

export function makeWorkspace(opts: WorkspaceOptions = {}): Workspace {
  const dir = tempDir('sdlc-action-');
  git(dir, 'init', '-q');
  for (const sub of ['src', 'test']) {
    for (const f of readdirSync(join(repoRoot, SAMPLE, sub))) copyFileSync(join(repoRoot, SAMPLE, sub, f), ensureDir(join(dir, SAMPLE, sub, f)));
  }
  write(dir, PRICING, basePricing());
  if (opts.config !== undefined) write(dir, '.sdlc.yml', opts.config);
  write(dir, '.gitignore', 'coverage/\nreports/\nsdlc-verdict/\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const baseSha = git(dir, 'rev-parse', 'HEAD').trim();
  copyFileSync(join(repoRoot, PRICING), join(dir, PRICING));
  for (const [rel, content] of Object.entries(opts.added ?? {})) write(dir, rel, content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'pricing: the FREE code, formatPrice and roundToNickel');
  const headSha = git(dir, 'rev-parse', 'HEAD').trim();

  if (!opts.noReports) {
    write(dir, 'coverage/lcov.info', readFileSync(ownFixture('jest/lcov.info')));
    write(dir, 'reports/eslint.json', opts.eslint ?? readFileSync(ownFixture('action/eslint.json')));
    write(dir, 'reports/junit.xml', readFileSync(ownFixture('action/junit.xml')));
  }
  for (const [rel, content] of Object.entries(opts.extra ?? {})) write(dir, rel, content);

  const names = git(dir, 'diff', '--name-status', baseSha, headSha).trim().split('\n').filter(Boolean);
  const files: FileChange[] = names.map((line) => {
    const [st, filename] = line.split('\t') as [string, string];
    const diff = git(dir, 'diff', baseSha, headSha, '--', filename);
    const at = diff.indexOf('\n@@');
    const status = st === 'A' ? 'added' : st === 'D' ? 'removed' : 'modified';
    return { filename, status, ...(at >= 0 ? { patch: diff.slice(at + 1).replace(/\n$/, '') } : {}) };
  });
  return { dir, baseSha, headSha, files };
}

function ensureDir(p: string): string {
  mkdirSync(dirname(p), { recursive: true });
  return p;
}
