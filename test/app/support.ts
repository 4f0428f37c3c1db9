/**
 * Shared pieces of the App tests: the `widgets` sample (test/fixtures/app/
 * widgets: real jest, jest-junit and ESLint outputs of a small project
 * checked out where GitHub-hosted runners check out, a real `git diff`, and
 * the verdicts `sdlc-gate check` printed for the same inputs), artifact zips
 * built with yazl, a job context that records log lines, and the fake GitHub
 * (test/helpers/github) with the `widgets` repository, which serves every
 * endpoint the App calls, the runs list included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import yazl from 'yazl';
import type { GateJob, JobContext, JobReason } from '../../src/app/jobs.js';
import { jobKey } from '../../src/app/jobs.js';
import type { GitHubClient } from '../../src/github/client.js';
import { ownFixture } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub, type FileChange } from '../helpers/github/index.js';

export const OWNER = 'acme';
export const REPO = 'widgets';
export const INSTALLATION = 31337;
/** The sample's commits (test/fixtures/app/widgets/README.md). */
export const MAIN_SHA = '1d86174c684014ae90b8c71b2b0695a0a6fef2fd';
export const FEATURE_SHA = '439c13bf3031be30b53abac139aa8a4d46449703';
/** A commit pushed to the feature branch after FEATURE_SHA. */
export const NEWER_SHA = '5e1f0c9a7b3d2e4f6a8c0b1d3e5f7a9c2b4d6e8f';

export const WIDGETS = ownFixture('app/widgets');

export function widgetsFile(rel: string): string {
  return readFileSync(join(WIDGETS, rel), 'utf8');
}

/** The pull request files (as the files API lists them) from the real `git diff main...feature`. */
export function prFiles(diff = widgetsFile('pr.diff')): FileChange[] {
  const out: FileChange[] = [];
  for (const section of diff.split(/^(?=diff --git )/m)) {
    if (!section.startsWith('diff --git ')) continue;
    const name = /^\+\+\+ b\/(.+)$/m.exec(section)?.[1] ?? /^diff --git a\/\S+ b\/(.+)$/m.exec(section)![1]!;
    const at = section.indexOf('\n@@');
    const status = /^new file mode/m.test(section) ? 'added' : /^deleted file mode/m.test(section) ? 'removed' : 'modified';
    out.push({ filename: name, status, ...(at >= 0 ? { patch: section.slice(at + 1).replace(/\n$/, '') } : {}) });
  }
  return out;
}

/** A zip as the workflow would upload it: `name -> content`, deflated, with yazl. */
export function zipOf(entries: Record<string, string | Buffer>, opts: { mode?: Record<string, number> } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), name, {
      mtime: new Date('2025-01-02T03:04:05Z'),
      ...(opts.mode?.[name] !== undefined ? { mode: opts.mode[name] } : {}),
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.on('error', reject);
  });
}

/** The sample's four reports of one commit, zipped as `actions/upload-artifact` with `path: reports/` stores them. */
export function reportsZip(commit: 'main' | 'feature'): Promise<Buffer> {
  const names = ['lcov.info', 'eslint.json', 'security.sarif', 'junit.xml'];
  return zipOf(Object.fromEntries(names.map((n) => [n, readFileSync(join(WIDGETS, 'reports', commit, n))])));
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function jobContext(over: Partial<JobContext> = {}): JobContext & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return {
    signal: new AbortController().signal,
    log: { info: at('info'), warn: at('warn'), error: at('error') },
    attempt: 1,
    finalAttempt: false,
    ...over,
    lines,
  };
}

export function job(reason: JobReason, over: Partial<GateJob> = {}): GateJob {
  const headSha = over.headSha ?? FEATURE_SHA;
  return {
    key: jobKey(INSTALLATION, OWNER, REPO, headSha),
    deliveryId: `delivery-${reason}`,
    installationId: INSTALLATION,
    owner: OWNER,
    repo: REPO,
    headSha,
    reason,
    receivedAt: 1_700_000_000_000,
    ...over,
  };
}

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export interface AppGitHub {
  fake: FakeGitHub;
  /** The fake's base URL, where the App's clients point. */
  url: string;
  /**
   * The problems the fake found with runs-list requests (`GET .../actions/runs`)
   * or its answers to them: a part of `fake.violations`, listed on its own.
   */
  readonly runListViolations: string[];
  octokit(): GitHubClient;
  close(): Promise<void>;
}

/** The fake GitHub with the `widgets` repository. */
export async function startAppGitHub(): Promise<AppGitHub> {
  const fake = await startFakeGitHub({ repos: [{ owner: OWNER, repo: REPO, defaultBranch: 'main', headSha: MAIN_SHA, installationId: INSTALLATION }] });
  return {
    fake,
    url: fake.url,
    get runListViolations() {
      return fake.violations.filter((v) => v.operationId === 'actions/list-workflow-runs-for-repo').flatMap((v) => v.errors);
    },
    octokit: () => new Octokit({ baseUrl: fake.url, auth: 'installation-token', log: quiet }),
    close: () => fake.close(),
  };
}
