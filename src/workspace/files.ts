/**
 * Finding report files in a local checkout: by the config's globs, or by
 * walking the discovery directories. Symlinks are not followed and nothing
 * outside the workspace is read.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { matchAny } from '../core/config/glob.js';

const SKIP_DIRS = new Set(['.git', 'node_modules']);
/** A walk stops after this many entries (a hostile or huge tree). */
const MAX_ENTRIES = 200_000;

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The fixed directory prefix of a glob ("coverage/**\/lcov.info" -> "coverage"). */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const p of parts) {
    if (/[*?[\]{}()!+@]/.test(p)) break;
    fixed.push(p);
  }
  // A glob without magic names a file: its base is its directory.
  if (fixed.length === parts.length) fixed.pop();
  return fixed.join('/');
}

async function walk(root: string, dir: string, out: string[], budget: { n: number }): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (budget.n++ > MAX_ENTRIES) return;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await walk(root, rel, out, budget);
    } else if (e.isFile()) out.push(rel);
  }
}

/** Repository-relative files matching any of `globs`, sorted, without duplicates. */
export async function findFiles(root: string, globs: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const bases = new Map<string, string[]>();
  for (const g of globs) {
    const clean = g.replace(/^\.\//, '');
    const base = globBase(clean);
    const list = bases.get(base) ?? [];
    list.push(clean);
    bases.set(base, list);
  }
  for (const [base, patterns] of bases) {
    const isMatch = matchAny(patterns);
    const files: string[] = [];
    if (base) {
      const st = await lstat(join(root, base)).catch(() => undefined);
      if (!st?.isDirectory() || st.isSymbolicLink()) continue;
    }
    await walk(root, base, files, { n: 0 });
    for (const f of files) if (isMatch(f)) found.add(f);
  }
  return [...found].sort();
}

/** Every file under the given directories (discovery), sorted. */
export async function filesUnder(root: string, dirs: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const d of dirs) {
    const clean = d.replace(/^\.\//, '').replace(/\/+$/, '');
    if (!clean || clean.startsWith('..') || clean.startsWith('/')) continue;
    const files: string[] = [];
    const st = await lstat(join(root, clean)).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    await walk(root, clean, files, { n: 0 });
    for (const f of files) out.add(f);
  }
  return [...out].sort();
}

export function relativeTo(root: string, p: string): string {
  return toPosix(relative(root, p));
}
