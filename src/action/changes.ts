/**
 * Changed lines for the Action, and finding the pull request of a commit.
 *
 * Changed lines come from local git when the checkout has the base commit
 * (`git diff <base>...HEAD`, as `sdlc-gate check --base`), else from the
 * pull request files API (each file's `patch`, 100 files a page, GitHub
 * lists at most 3000). When that list is cut (3000 files) or a text file's
 * patch is left out (too large: it has changes but no patch; binary files
 * have neither), the whole diff is read once more as the pull request's
 * `.diff` media type. If that fails too, the changed lines are incomplete,
 * and the caller is told so (a warning, never a silent pass).
 */
import { parseFilePatch, parseUnifiedDiff, type ChangeSet, type ChangeStatus } from '../core/diff.js';
import { errorMessage } from '../core/errors.js';
import type { GitHubClient } from '../github/client.js';
import { diffAgainst, resolveCommit } from '../workspace/git.js';

export interface Changes {
  set: ChangeSet;
  base: { ref?: string; sha?: string };
  /** Where the lines came from, for the log. */
  source: string;
  /** Set when some changed lines are unknown. */
  incomplete?: string;
}

/** `git diff base...HEAD` in the checkout; undefined (with the reason) when the checkout cannot answer. */
export async function localChanges(cwd: string, base: string): Promise<Changes | { unavailable: string }> {
  let sha: string;
  try {
    sha = await resolveCommit(cwd, base);
  } catch (err) {
    return { unavailable: errorMessage(err) };
  }
  let text: string;
  try {
    text = await diffAgainst(cwd, base);
  } catch (err) {
    // A shallow clone has the base but not the merge base.
    return { unavailable: errorMessage(err) };
  }
  return { set: parseUnifiedDiff(text, `git diff ${base}...HEAD`), base: { ref: base, sha }, source: `git diff ${base}...HEAD` };
}

/** GitHub lists at most this many files of a pull request. */
export const PULL_FILES_LIMIT = 3000;
const PER_PAGE = 100;

const STATUS: Record<string, ChangeStatus> = {
  added: 'added',
  removed: 'deleted',
  modified: 'modified',
  changed: 'modified',
  renamed: 'renamed',
  copied: 'modified',
  unchanged: 'modified',
};

interface Repo {
  owner: string;
  repo: string;
}

/** Changed lines of a pull request from the API. */
export async function pullChanges(octokit: GitHubClient, repo: Repo, pull: { number: number; baseRef: string; baseSha: string }): Promise<Changes> {
  const files = new Map<string, ReturnType<typeof parseFilePatch>>();
  let listed = 0;
  let cut: string | undefined;
  for (let page = 1; page <= PULL_FILES_LIMIT / PER_PAGE; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...repo, pull_number: pull.number, per_page: PER_PAGE, page });
    for (const f of res.data) {
      listed++;
      const status = STATUS[f.status] ?? 'modified';
      if (f.patch === undefined && f.changes > 0 && status !== 'deleted') cut ??= `${f.filename}: GitHub left out its patch (too large)`;
      const old = f.previous_filename && f.previous_filename !== f.filename ? f.previous_filename : undefined;
      files.set(f.filename, parseFilePatch(f.filename, f.patch, status, old));
    }
    if (res.data.length < PER_PAGE) break;
  }
  if (listed >= PULL_FILES_LIMIT) cut ??= `the pull request has ${PULL_FILES_LIMIT} or more files, more than GitHub lists`;
  const base = { ref: pull.baseRef, sha: pull.baseSha };
  if (!cut) return { set: { files }, base, source: `the files of pull request #${pull.number}` };
  try {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: pull.number, mediaType: { format: 'diff' } });
    const text = res.data as unknown;
    if (typeof text !== 'string') throw new Error('the .diff media type did not answer text');
    return { set: parseUnifiedDiff(text, `pull request #${pull.number}.diff`), base, source: `the diff of pull request #${pull.number} (${cut})` };
  } catch (err) {
    return {
      set: { files },
      base,
      source: `the files of pull request #${pull.number}`,
      incomplete: `${cut}, and its .diff could not be read either (${errorMessage(err)}): lines of such files are not judged`,
    };
  }
}

/**
 * The open pull request whose head is `sha` in the repository `headRepo`
 * (`owner/name`), targeting this repository: first from the commit's pull
 * requests, then from the open pull requests whose head is
 * `<headOwner>:<headBranch>`. Undefined when there is none; when several
 * match, the lowest number (the others are returned for the log).
 */
export async function findPullForCommit(
  octokit: GitHubClient,
  repo: Repo,
  head: { sha: string; headRepo: string | undefined; headOwner: string | undefined; headBranch: string | undefined },
): Promise<{ number: number; others: number[] } | undefined> {
  const full = `${repo.owner}/${repo.repo}`.toLowerCase();
  const matches = (p: { number: number; state: string; head: { sha: string; repo: { full_name: string } | null }; base: { repo: { full_name: string } } }) =>
    p.state === 'open' &&
    p.head.sha === head.sha &&
    p.base.repo.full_name.toLowerCase() === full &&
    (head.headRepo === undefined || p.head.repo?.full_name.toLowerCase() === head.headRepo.toLowerCase());
  const pick = (nums: number[]) => {
    const sorted = [...new Set(nums)].sort((a, b) => a - b);
    return sorted.length ? { number: sorted[0]!, others: sorted.slice(1) } : undefined;
  };

  try {
    const byCommit = await octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: head.sha, per_page: PER_PAGE });
    const found = pick(byCommit.data.filter(matches).map((p) => p.number));
    if (found) return found;
  } catch (err) {
    // 422 "No commit found for SHA" (a commit only in the fork), 404: ask by head instead.
    const status = (err as { status?: unknown }).status;
    if (status !== 404 && status !== 422) throw err;
  }
  if (!head.headOwner || !head.headBranch) return undefined;
  for (let page = 1; page <= 10; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls', { ...repo, state: 'open', head: `${head.headOwner}:${head.headBranch}`, per_page: PER_PAGE, page });
    const hit = pick(res.data.filter(matches).map((p) => p.number));
    if (hit) return hit;
    if (res.data.length < PER_PAGE) break;
  }
  return undefined;
}
