/**
 * Changed lines from a unified diff (`git diff base...head`, GitHub's `.diff`
 * media type, or the per-file `patch` of the pull request files API).
 *
 * For each file on the new side: its status, the added lines (`+` lines, by
 * new-side line number) and the hunk ranges (for `diff_context` filtering),
 * both as sorted, merged ranges so lookups are binary searches.
 */
import { InputError } from './errors.js';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed';

/** Inclusive line ranges, sorted and non-overlapping. */
export type LineRanges = [start: number, end: number][];

export interface ChangedFile {
  path: string;
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  added: LineRanges;
  hunks: LineRanges;
}

export interface ChangeSet {
  files: Map<string, ChangedFile>;
}

export function inRanges(ranges: LineRanges, line: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const [s, e] = ranges[mid]!;
    if (line < s) hi = mid - 1;
    else if (line > e) lo = mid + 1;
    else return true;
  }
  return false;
}

export function countLines(ranges: LineRanges): number {
  let n = 0;
  for (const [s, e] of ranges) n += e - s + 1;
  return n;
}

/** Merge sorted-or-not line numbers / ranges into sorted, merged ranges. */
export function toRanges(lines: Iterable<number>): LineRanges {
  const sorted = [...lines].sort((a, b) => a - b);
  const out: LineRanges = [];
  for (const l of sorted) {
    const last = out[out.length - 1];
    if (last && l <= last[1] + 1) last[1] = Math.max(last[1], l);
    else out.push([l, l]);
  }
  return out;
}

/** "12-15, 40" */
export function formatRanges(ranges: LineRanges): string {
  return ranges.map(([s, e]) => (s === e ? String(s) : `${s}-${e}`)).join(', ');
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Unquote a git path: "a/t\303\251st" (C-style escapes, octal UTF-8 bytes). */
export function unquoteGitPath(p: string): string {
  if (!(p.startsWith('"') && p.endsWith('"') && p.length >= 2)) return p;
  const bytes: number[] = [];
  const body = p.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      for (const b of new TextEncoder().encode(c)) bytes.push(b);
      continue;
    }
    const n = body[++i];
    if (n === undefined) break;
    if (/[0-7]/.test(n)) {
      const oct = body.slice(i, i + 3);
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
      bytes.push(map[n] ?? n.charCodeAt(0));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function stripPrefix(p: string): string | null {
  const u = unquoteGitPath(p.trim());
  if (u === '/dev/null') return null;
  return u.startsWith('a/') || u.startsWith('b/') ? u.slice(2) : u;
}

interface Building {
  path: string;
  oldPath?: string;
  status: ChangeStatus;
  binary: boolean;
  added: number[];
  hunks: LineRanges;
  /** A hunk was read: a following `--- ` header starts the next file (plain `diff -u` output). */
  sawHunk: boolean;
}

/** The new-side path of a `diff --git` header; unquoted names with spaces are split as git does (both sides equal). */
function gitHeaderPath(rest: string): string {
  const m = /^(?:"(?:[^"\\]|\\.)*"|\S+) ((?:"(?:[^"\\]|\\.)*")|\S+)$/.exec(rest);
  if (m) return stripPrefix(m[1]!) ?? '';
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ') {
    const a = stripPrefix(rest.slice(0, half));
    const b = stripPrefix(rest.slice(half + 1));
    if (a !== null && a === b) return b;
  }
  return '';
}

/**
 * Parse a multi-file unified diff. Throws InputError (with the diff line) on
 * a hunk header that does not parse or hunk bodies that do not add up.
 */
export function parseUnifiedDiff(text: string, name = 'diff'): ChangeSet {
  const files = new Map<string, ChangedFile>();
  let cur: Building | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  let inHunk = false;
  let hunkLine = 0;
  let pendingOld: string | null | undefined;

  const finish = () => {
    if (!cur) return;
    if (cur.path) {
      files.set(cur.path, {
        path: cur.path,
        ...(cur.oldPath && cur.oldPath !== cur.path ? { oldPath: cur.oldPath } : {}),
        status: cur.status,
        binary: cur.binary,
        added: toRanges(cur.added),
        hunks: mergeRanges(cur.hunks),
      });
    }
    cur = undefined;
    inHunk = false;
  };

  const lines = text.split('\n');
  // The text after a final newline is not a line (it would pass for an empty context line).
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const fresh = (): Building => ({ path: '', status: 'modified', binary: false, added: [], hunks: [], sawHunk: false });
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const lineNo = i + 1;

    if (inHunk && (oldLeft > 0 || newLeft > 0)) {
      const c = line[0];
      if (c === '+') {
        cur!.added.push(newLine);
        newLine++;
        newLeft--;
        continue;
      }
      if (c === '-') {
        oldLeft--;
        continue;
      }
      if (c === ' ' || line === '') {
        newLine++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (c === '\\') continue;
      throw new InputError(`${name}:${lineNo}: hunk ends early (expected ${oldLeft} more old and ${newLeft} more new lines)`);
    }
    if (inHunk && (oldLeft < 0 || newLeft < 0)) {
      throw new InputError(`${name}:${hunkLine}: the hunk has more lines than its header says (${oldLeft} old, ${newLeft} new left)`);
    }
    if (line.startsWith('\\')) continue;

    if (line.startsWith('diff --git ')) {
      finish();
      cur = { ...fresh(), path: gitHeaderPath(line.slice(11)) };
      pendingOld = undefined;
      continue;
    }
    if (line.startsWith('--- ')) {
      if (cur?.sawHunk) finish();
      if (!cur) cur = fresh();
      pendingOld = stripPrefix(line.slice(4).replace(/\t.*$/, ''));
      if (pendingOld === null) cur.status = 'added';
      else cur.oldPath ??= pendingOld;
      continue;
    }
    if (line.startsWith('+++ ')) {
      if (!cur) cur = fresh();
      const p = stripPrefix(line.slice(4).replace(/\t.*$/, ''));
      if (p === null) {
        cur.status = 'deleted';
        cur.path = pendingOld ?? cur.path;
      } else {
        cur.path = p;
      }
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('new file mode')) cur.status = 'added';
    else if (line.startsWith('deleted file mode')) cur.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      cur.oldPath = unquoteGitPath(line.slice(12));
      cur.status = 'renamed';
    } else if (line.startsWith('rename to ')) {
      cur.path = unquoteGitPath(line.slice(10));
      cur.status = 'renamed';
    } else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) cur.binary = true;
    else if (line.startsWith('@@')) {
      const m = HUNK_RE.exec(line);
      if (!m) throw new InputError(`${name}:${lineNo}: malformed hunk header "${line.slice(0, 80)}"`);
      oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      newLeft = m[4] === undefined ? 1 : Number(m[4]);
      newLine = Number(m[3]);
      if (newLeft > 0) cur.hunks.push([newLine, newLine + newLeft - 1]);
      inHunk = true;
      hunkLine = lineNo;
      cur.sawHunk = true;
    }
  }
  if (inHunk && (oldLeft > 0 || newLeft > 0)) {
    throw new InputError(`${name}:${hunkLine}: the diff is truncated (the hunk starting here expects ${oldLeft} more old and ${newLeft} more new lines)`);
  }
  if (inHunk && (oldLeft < 0 || newLeft < 0)) {
    throw new InputError(`${name}:${hunkLine}: the hunk has more lines than its header says (${oldLeft} old, ${newLeft} new left)`);
  }
  finish();
  return { files };
}

/**
 * One file's `patch` from the pull request files API (hunks only, no headers).
 */
export function parseFilePatch(path: string, patch: string | undefined, status: ChangeStatus, oldPath?: string): ChangedFile {
  const header = `diff --git a/${oldPath ?? path} b/${path}\n--- ${status === 'added' ? '/dev/null' : `a/${oldPath ?? path}`}\n+++ ${status === 'deleted' ? '/dev/null' : `b/${path}`}\n`;
  const set = parseUnifiedDiff(header + (patch ?? ''), path);
  // A name git would write differently (a tab, trailing blanks) comes back under another key: the patch holds one file.
  const f = set.files.get(path) ?? (set.files.size === 1 ? [...set.files.values()][0]! : { path, status, binary: patch === undefined, added: [], hunks: [] });
  return { ...f, path, status, binary: patch === undefined && status !== 'deleted', ...(oldPath ? { oldPath } : {}) };
}

function mergeRanges(r: LineRanges): LineRanges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: LineRanges = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}
