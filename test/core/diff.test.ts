import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countLines, formatRanges, inRanges, parseFilePatch, parseUnifiedDiff, toRanges, unquoteGitPath, type ChangedFile } from '../../src/core/diff.js';
import { InputError } from '../../src/core/errors.js';

/** git with no user or system configuration, so output does not depend on the machine. */
function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(cwd, '.no-global-config'), HOME: cwd, LC_ALL: 'C' },
  });
}

function diffOf(cwd: string, extra: string[] = []): string {
  return git(cwd, ['-c', 'diff.noprefix=false', '-c', 'diff.mnemonicPrefix=false', ...extra, 'diff', '--cached', '--no-color', '--no-ext-diff', '-M']);
}

function lines(from: number, to: number, fn: (n: number) => string = (n) => `line ${n}`): string {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(fn(n));
  return out.join('\n') + '\n';
}

function only(files: Map<string, ChangedFile>, path: string): ChangedFile {
  const f = files.get(path);
  if (!f) throw new Error(`no ${path} in [${[...files.keys()].join(', ')}]`);
  return f;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('parseUnifiedDiff on real git output', () => {
  let dir: string;
  let text: string;
  let unquoted: string;
  let spaced: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sdlc-diff-'));
    git(dir, ['init', '-q', '.']);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/mod.ts'), lines(1, 30));
    writeFileSync(join(dir, 'src/gone.ts'), 'a\nb\nc\n');
    writeFileSync(join(dir, 'src/old-name.ts'), lines(1, 20));
    writeFileSync(join(dir, 'logo.bin'), Buffer.from([0, 1, 2, 3]));
    writeFileSync(join(dir, 't\u00e9st.ts'), 'x\n');
    writeFileSync(join(dir, 'nonl.ts'), 'one\ntwo');
    writeFileSync(join(dir, 'crlf.ts'), 'a\r\nb\r\nc\r\n');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'base']);

    // Two hunks: line 3 replaced; line 25 replaced by two lines.
    writeFileSync(join(dir, 'src/mod.ts'), lines(1, 30, (n) => (n === 3 ? 'three' : n === 25 ? 'twenty-five\nextra' : `line ${n}`)));
    git(dir, ['rm', '-q', 'src/gone.ts']);
    git(dir, ['mv', 'src/old-name.ts', 'src/new-name.ts']);
    writeFileSync(join(dir, 'src/new-name.ts'), lines(1, 20, (n) => (n === 10 ? 'line ten' : `line ${n}`)));
    writeFileSync(join(dir, 'src/added.ts'), 'export const a = 1;\nexport const b = 2;\n');
    writeFileSync(join(dir, 'logo.bin'), Buffer.from([0, 9, 8, 7, 6]));
    writeFileSync(join(dir, 't\u00e9st.ts'), 'x\ny\n');
    writeFileSync(join(dir, 'nonl.ts'), 'one\ntwo\nthree');
    writeFileSync(join(dir, 'crlf.ts'), 'a\r\nB\r\nc\r\nd\r\n');
    git(dir, ['add', '-A']);
    text = diffOf(dir, ['-c', 'core.quotePath=true']);
    unquoted = diffOf(dir, ['-c', 'core.quotePath=false']);
    git(dir, ['commit', '-q', '-m', 'change']);

    // Names with spaces are not quoted by git: binary and empty files have no ---/+++ lines to name them.
    writeFileSync(join(dir, 'my logo.bin'), Buffer.from([0, 1]));
    writeFileSync(join(dir, 'empty file.ts'), '');
    writeFileSync(join(dir, 'with space.ts'), 'q\n');
    git(dir, ['mv', 'src/mod.ts', 'src/m\u00f6dule.ts']);
    git(dir, ['add', '-A']);
    spaced = diffOf(dir, ['-c', 'core.quotePath=true']);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every file of the change', () => {
    const set = parseUnifiedDiff(text);
    expect([...set.files.keys()].sort()).toEqual(['crlf.ts', 'logo.bin', 'nonl.ts', 'src/added.ts', 'src/gone.ts', 'src/mod.ts', 'src/new-name.ts', 't\u00e9st.ts']);
  });

  it('gives a modified file with two hunks its added lines and hunk ranges', () => {
    expect(text).toContain('@@ -1,6 +1,6 @@');
    expect(text).toContain('@@ -22,7 +22,8 @@');
    expect(only(parseUnifiedDiff(text).files, 'src/mod.ts')).toEqual({
      path: 'src/mod.ts',
      status: 'modified',
      binary: false,
      added: [[3, 3], [25, 26]],
      hunks: [[1, 6], [22, 29]],
    });
  });

  it('marks an added file with every line added', () => {
    expect(only(parseUnifiedDiff(text).files, 'src/added.ts')).toEqual({ path: 'src/added.ts', status: 'added', binary: false, added: [[1, 2]], hunks: [[1, 2]] });
  });

  it('keeps a deleted file under its old path with no new-side lines', () => {
    expect(only(parseUnifiedDiff(text).files, 'src/gone.ts')).toEqual({ path: 'src/gone.ts', status: 'deleted', binary: false, added: [], hunks: [] });
  });

  it('follows a rename with edits (-M) to the new path', () => {
    expect(text).toContain('rename from src/old-name.ts');
    expect(only(parseUnifiedDiff(text).files, 'src/new-name.ts')).toEqual({
      path: 'src/new-name.ts',
      oldPath: 'src/old-name.ts',
      status: 'renamed',
      binary: false,
      added: [[10, 10]],
      hunks: [[7, 13]],
    });
  });

  it('flags a binary file and gives it no lines', () => {
    expect(text).toContain('Binary files a/logo.bin and b/logo.bin differ');
    expect(only(parseUnifiedDiff(text).files, 'logo.bin')).toEqual({ path: 'logo.bin', status: 'modified', binary: true, added: [], hunks: [] });
  });

  it('unquotes a path git wrote with octal escapes, and reads the same path written raw', () => {
    expect(text).toContain('diff --git "a/t\\303\\251st.ts" "b/t\\303\\251st.ts"');
    expect(unquoted).toContain('diff --git a/t\u00e9st.ts b/t\u00e9st.ts');
    const quotedFile = only(parseUnifiedDiff(text).files, 't\u00e9st.ts');
    expect(quotedFile).toEqual({ path: 't\u00e9st.ts', status: 'modified', binary: false, added: [[2, 2]], hunks: [[1, 2]] });
    expect(only(parseUnifiedDiff(unquoted).files, 't\u00e9st.ts')).toEqual(quotedFile);
  });

  it('skips "\\ No newline at end of file" markers without losing count', () => {
    expect(text).toContain('\\ No newline at end of file');
    expect(only(parseUnifiedDiff(text).files, 'nonl.ts')).toEqual({ path: 'nonl.ts', status: 'modified', binary: false, added: [[2, 3]], hunks: [[1, 3]] });
  });

  it('reads CRLF content lines, and a diff whose own line ends are CRLF', () => {
    expect(text).toContain('+B\r\n');
    const expected = { path: 'crlf.ts', status: 'modified', binary: false, added: [[2, 2], [4, 4]], hunks: [[1, 4]] };
    expect(only(parseUnifiedDiff(text).files, 'crlf.ts')).toEqual(expected);
    const dos = parseUnifiedDiff(text.replace(/\r?\n/g, '\r\n'));
    expect(only(dos.files, 'crlf.ts')).toEqual(expected);
    expect(only(dos.files, 'src/mod.ts').added).toEqual([[3, 3], [25, 26]]);
  });

  it('names unquoted paths with spaces from the diff --git header (binary and empty files)', () => {
    const set = parseUnifiedDiff(spaced);
    expect(spaced).toContain('diff --git a/my logo.bin b/my logo.bin');
    expect([...set.files.keys()].sort()).toEqual(['empty file.ts', 'my logo.bin', 'src/m\u00f6dule.ts', 'with space.ts']);
    expect(only(set.files, 'my logo.bin')).toEqual({ path: 'my logo.bin', status: 'added', binary: true, added: [], hunks: [] });
    expect(only(set.files, 'empty file.ts')).toEqual({ path: 'empty file.ts', status: 'added', binary: false, added: [], hunks: [] });
    expect(only(set.files, 'with space.ts')).toEqual({ path: 'with space.ts', status: 'added', binary: false, added: [[1, 1]], hunks: [[1, 1]] });
  });

  it('reads a pure rename to a quoted name (no hunks)', () => {
    expect(spaced).toContain('rename to "src/m\\303\\266dule.ts"');
    expect(only(parseUnifiedDiff(spaced).files, 'src/m\u00f6dule.ts')).toEqual({
      path: 'src/m\u00f6dule.ts',
      oldPath: 'src/mod.ts',
      status: 'renamed',
      binary: false,
      added: [],
      hunks: [],
    });
  });

  it('reads the per-file patch the pull request files API gives (the hunks of git diff, no headers)', () => {
    const section = text.slice(text.indexOf('diff --git a/src/mod.ts'));
    const body = section.slice(section.indexOf('@@'), section.indexOf('\ndiff --git', 1));
    expect(body.startsWith('@@ -1,6 +1,6 @@')).toBe(true);
    expect(parseFilePatch('src/mod.ts', body, 'modified')).toEqual(only(parseUnifiedDiff(text).files, 'src/mod.ts'));
    expect(parseFilePatch('src/mod.ts', body, 'modified').added).toEqual([[3, 3], [25, 26]]);
  });

  it('names the hunk of a diff cut off in the middle of a hunk', () => {
    const all = text.split('\n');
    const at = all.findIndex((l) => l.startsWith('@@ -22,7 +22,8 @@'));
    expect(at).toBeGreaterThan(0);
    const cut = all.slice(0, at + 4).join('\n') + '\n';
    expect(inputError(() => parseUnifiedDiff(cut, 'pr.diff')).message).toBe(
      `pr.diff:${at + 1}: the diff is truncated (the hunk starting here expects 4 more old and 5 more new lines)`,
    );
  });

  it('refuses a hunk that ends before its header count, naming the line', () => {
    const all = text.split('\n');
    const at = all.findIndex((l) => l.startsWith('@@ -22,7 +22,8 @@'));
    // Drop the last context line of the hunk: the next file's header arrives early.
    const broken = [...all.slice(0, at + 9), ...all.slice(at + 10)].join('\n');
    expect(inputError(() => parseUnifiedDiff(broken)).message).toBe(`diff:${at + 10}: hunk ends early (expected 1 more old and 1 more new lines)`);
  });
});

describe('parseUnifiedDiff edge cases', () => {
  it('refuses a malformed hunk header with its line', () => {
    const d = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1,two +1,2 @@\n a\n+b\n';
    expect(inputError(() => parseUnifiedDiff(d, 'x.diff')).message).toBe('x.diff:4: malformed hunk header "@@ -1,two +1,2 @@"');
  });

  it('does not take the end of the text for a missing empty context line', () => {
    const d = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1,2 +1,2 @@\n a\n';
    expect(inputError(() => parseUnifiedDiff(d)).message).toBe('diff:4: the diff is truncated (the hunk starting here expects 1 more old and 1 more new lines)');
  });

  it('still reads an empty context line whose leading space was stripped', () => {
    const d = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1,3 +1,3 @@\n a\n\n-c\n+C\n';
    expect(parseUnifiedDiff(d).files.get('x.ts')!.added).toEqual([[3, 3]]);
  });

  it('refuses a hunk with more lines than its header says', () => {
    const d = 'diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1 +1,2 @@\n-a\n-b\n+c\n+d\n';
    expect(inputError(() => parseUnifiedDiff(d)).message).toBe('diff:4: the hunk has more lines than its header says (-1 old, 0 new left)');
    expect(inputError(() => parseUnifiedDiff(`${d}diff --git a/y b/y\n`)).message).toBe('diff:4: the hunk has more lines than its header says (-1 old, 0 new left)');
  });

  it('takes a header without counts as one line', () => {
    const d = '--- a/x.ts\n+++ b/x.ts\n@@ -5 +5 @@\n-old\n+new\n';
    expect(parseUnifiedDiff(d).files.get('x.ts')).toEqual({ path: 'x.ts', status: 'modified', binary: false, added: [[5, 5]], hunks: [[5, 5]] });
  });

  it('reads a multi-file diff -u output (no diff --git lines) as separate files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdlc-diffu-'));
    try {
      mkdirSync(join(dir, 'a'));
      mkdirSync(join(dir, 'b'));
      writeFileSync(join(dir, 'a/one.txt'), lines(1, 5));
      writeFileSync(join(dir, 'b/one.txt'), lines(1, 5, (n) => (n === 2 ? 'two' : `line ${n}`)));
      writeFileSync(join(dir, 'a/two.txt'), lines(1, 3));
      writeFileSync(join(dir, 'b/two.txt'), lines(1, 4));
      const r = spawnSync('diff', ['-ruN', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(1);
      const set = parseUnifiedDiff(r.stdout);
      expect([...set.files.keys()].sort()).toEqual(['one.txt', 'two.txt']);
      expect(set.files.get('one.txt')!.added).toEqual([[2, 2]]);
      expect(set.files.get('two.txt')!.added).toEqual([[4, 4]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an empty diff as no files', () => {
    expect(parseUnifiedDiff('').files.size).toBe(0);
  });
});

describe('parseFilePatch (pull request files API)', () => {
  const patch = '@@ -1,4 +1,5 @@\n import a;\n-import b;\n+import c;\n+import d;\n const x = 1;\n const y = 2;\n@@ -40,3 +41,4 @@ function f() {\n   return 1;\n+  // done\n }\n }';

  it('reads the hunks of a modified file', () => {
    expect(parseFilePatch('src/a.ts', patch, 'modified')).toEqual({
      path: 'src/a.ts',
      status: 'modified',
      binary: false,
      added: [[2, 3], [42, 42]],
      hunks: [[1, 5], [41, 44]],
    });
  });

  it('keeps the old path of a renamed file', () => {
    expect(parseFilePatch('src/b.ts', '@@ -3,2 +3,3 @@\n x\n+y\n z', 'renamed', 'src/old.ts')).toEqual({
      path: 'src/b.ts',
      oldPath: 'src/old.ts',
      status: 'renamed',
      binary: false,
      added: [[4, 4]],
      hunks: [[3, 5]],
    });
  });

  it('reads an added file', () => {
    expect(parseFilePatch('n.ts', '@@ -0,0 +1,3 @@\n+a\n+b\n+c', 'added')).toEqual({ path: 'n.ts', status: 'added', binary: false, added: [[1, 3]], hunks: [[1, 3]] });
  });

  it('treats a missing patch as binary (or too large), except for a deletion', () => {
    expect(parseFilePatch('img.png', undefined, 'modified')).toEqual({ path: 'img.png', status: 'modified', binary: true, added: [], hunks: [] });
    expect(parseFilePatch('img.png', undefined, 'deleted')).toEqual({ path: 'img.png', status: 'deleted', binary: false, added: [], hunks: [] });
  });

  it('keeps the lines of a file whose name git would write differently', () => {
    expect(parseFilePatch('notes\tdraft.md', '@@ -1 +1,2 @@\n a\n+b', 'modified')).toEqual({
      path: 'notes\tdraft.md',
      status: 'modified',
      binary: false,
      added: [[2, 2]],
      hunks: [[1, 2]],
    });
  });

  it('names the file in the error for a malformed patch', () => {
    expect(inputError(() => parseFilePatch('src/a.ts', '@@ -1 +1 @\n+x', 'modified')).message).toBe('src/a.ts:4: malformed hunk header "@@ -1 +1 @"');
  });
});

describe('line range helpers', () => {
  it('merges lines into sorted ranges (adjacent and duplicate lines fold)', () => {
    expect(toRanges([9, 3, 4, 5, 5, 12, 11, 1])).toEqual([[1, 1], [3, 5], [9, 9], [11, 12]]);
    expect(toRanges([])).toEqual([]);
  });

  it('finds lines in ranges by binary search', () => {
    const r = toRanges([1, 3, 4, 5, 9, 11, 12]);
    expect([0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13].map((l) => inRanges(r, l))).toEqual([false, true, false, true, true, false, false, true, false, true, true, false]);
    expect(inRanges([], 1)).toBe(false);
  });

  it('formats and counts ranges', () => {
    expect(formatRanges([[1, 1], [3, 5], [40, 41]])).toBe('1, 3-5, 40-41');
    expect(formatRanges([])).toBe('');
    expect(countLines([[1, 1], [3, 5], [40, 41]])).toBe(6);
    expect(countLines([])).toBe(0);
  });

  it('unquotes C-style escapes in git paths', () => {
    expect(unquoteGitPath('"a/t\\303\\251st \\"q\\" \\\\ \\t.ts"')).toBe('a/t\u00e9st "q" \\ \t.ts');
    expect(unquoteGitPath('plain/path.ts')).toBe('plain/path.ts');
  });
});
