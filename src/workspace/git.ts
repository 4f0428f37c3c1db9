/**
 * Local git, run without a shell (arguments are never interpolated).
 */
import { execFile } from 'node:child_process';
import { InputError } from '../core/errors.js';

const MAX_OUTPUT = 512 * 1024 * 1024;

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: MAX_OUTPUT, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new InputError(`git ${args[0]} failed: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve(stdout);
    });
  });
}

export async function isGitRepo(cwd: string): Promise<boolean> {
  try {
    return (await git(cwd, ['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}

/** Tracked files, repository-relative. */
export async function listFiles(cwd: string): Promise<string[]> {
  const out = await git(cwd, ['ls-files', '-z', '--full-name']);
  return out.split('\0').filter(Boolean);
}

export async function topLevel(cwd: string): Promise<string> {
  return (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
}

/** A ref must look like a ref, never like an option. */
function checkRef(ref: string): void {
  if (!ref || ref.startsWith('-') || /[\s\0~^:?*[\\]/.test(ref.replace(/\^\{commit\}$/, ''))) {
    throw new InputError(`"${ref}" is not a valid git ref`);
  }
}

export async function resolveCommit(cwd: string, ref: string): Promise<string> {
  checkRef(ref);
  try {
    return (await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
  } catch {
    throw new InputError(`git: unknown revision "${ref}" (is it fetched? try git fetch origin ${ref})`);
  }
}

/** `git diff base...head` as unified diff text (renames detected, no colour, no external diff). */
export async function diffAgainst(cwd: string, base: string, head = 'HEAD'): Promise<string> {
  checkRef(base);
  checkRef(head);
  return git(cwd, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M', '--unified=3', `${base}...${head}`, '--']);
}
