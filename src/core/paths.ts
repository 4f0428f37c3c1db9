/**
 * Turning paths written in reports into repository-relative paths.
 *
 * Reports name files in many ways: absolute paths from another machine
 * (`/home/runner/work/repo/repo/src/a.ts`), Windows paths, `./` prefixes,
 * paths relative to a Cobertura `<source>` root, URI-encoded SARIF paths.
 * The resolver normalises the text, applies `path_fixes` (prefix rewrites),
 * strips known workspace roots, and, when the repository's file list is
 * known, picks the repository file that is the longest path suffix of the
 * report path (as Codecov does). Anything that would land outside the
 * repository is refused (undefined), never used to read or annotate.
 */

export interface PathFix {
  before: string;
  after: string;
}

export interface PathResolverOptions {
  /** Repository files (git ls-files, or the PR's file list); enables suffix matching. */
  repoFiles?: Iterable<string>;
  /** Absolute workspace roots to strip (the checkout directory, GITHUB_WORKSPACE). */
  roots?: string[];
  pathFixes?: PathFix[];
}

export type ResolveResult = { path: string } | { path?: undefined; reason: 'outside' | 'unknown' | 'ambiguous' };

/** Control characters (NUL, CR, LF, ...): no file a report can mean has them, and they would corrupt annotations. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/**
 * Normalise separators, `file://`, percent-escapes, `.` and `..` segments.
 * Undefined for text that names no file of this machine or no place in the
 * repository: empty, with a control character (also once percent-decoded:
 * `%00`), a broken escape, a `file://` URI of another host, a Windows
 * drive-relative path (`C:name`), or an absolute path that climbs above its
 * root.
 */
export function normalizeReportPath(raw: string): { path: string; absolute: boolean } | undefined {
  let p = raw.trim();
  if (!p || hasControl(p)) return undefined;
  if (/^file:\/\//i.test(p)) {
    const rest = p.slice(7);
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    if (host === '' || host.toLowerCase() === 'localhost') p = slash < 0 ? '' : rest.slice(slash);
    else if (/^[A-Za-z]:$/.test(host)) p = rest;
    else return undefined;
    if (/^\/[A-Za-z]:/.test(p)) p = p.slice(1);
  }
  if (/%[0-9A-Fa-f]{2}/.test(p)) {
    try {
      p = decodeURIComponent(p);
    } catch {
      return undefined;
    }
    if (hasControl(p)) return undefined;
  }
  p = p.replace(/\\/g, '/');
  let absolute = false;
  let prefix = '';
  const drive = /^([A-Za-z]):\//.exec(p);
  if (drive) {
    absolute = true;
    prefix = `${drive[1]!.toUpperCase()}:/`;
    p = p.slice(3);
  } else if (p.startsWith('/')) {
    absolute = true;
    prefix = '/';
  }
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return absolute ? undefined : { path: '..', absolute: false };
      out.pop();
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  // `C:name` (also once `./` is dropped): relative to drive C's current directory, never to the repository.
  if (!absolute && /^[A-Za-z]:/.test(joined)) return undefined;
  return { path: prefix + joined, absolute };
}

function isEscaping(rel: string): boolean {
  return rel === '..' || rel.startsWith('../');
}

export class PathResolver {
  private readonly files: Set<string> | undefined;
  /** basename -> repository files with that basename */
  private readonly byBase: Map<string, string[]> | undefined;
  private readonly roots: string[];
  private readonly fixes: PathFix[];
  private readonly cache = new Map<string, ResolveResult>();

  constructor(opts: PathResolverOptions = {}) {
    if (opts.repoFiles) {
      this.files = new Set();
      this.byBase = new Map();
      for (const f of opts.repoFiles) {
        const n = normalizeReportPath(f);
        // A path listed twice (`src/a.ts`, `./src/a.ts`) is one file, not two candidates.
        if (!n || n.absolute || isEscaping(n.path) || this.files.has(n.path)) continue;
        this.files.add(n.path);
        const base = n.path.slice(n.path.lastIndexOf('/') + 1);
        const list = this.byBase.get(base);
        if (list) list.push(n.path);
        else this.byBase.set(base, [n.path]);
      }
    }
    this.roots = (opts.roots ?? [])
      .map((r) => normalizeReportPath(r)?.path)
      .filter((r): r is string => !!r)
      .map((r) => r.replace(/\/+$/, ''));
    this.fixes = opts.pathFixes ?? [];
  }

  /** Whether a repository file list is known. */
  get knowsFiles(): boolean {
    return this.files !== undefined;
  }

  /**
   * Resolve a report path. `sourceRoots` are report-specific roots (Cobertura
   * `<sources>`) tried as prefixes for relative paths.
   */
  resolve(raw: string, sourceRoots: readonly string[] = []): ResolveResult {
    const key = sourceRoots.length ? `${raw}\u0000${sourceRoots.join('\u0000')}` : raw;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = this.resolveUncached(raw, sourceRoots);
    if (this.cache.size < 200_000) this.cache.set(key, r);
    return r;
  }

  private resolveUncached(raw: string, sourceRoots: readonly string[]): ResolveResult {
    let n = normalizeReportPath(raw);
    if (!n) return { reason: 'outside' };
    for (const fix of this.fixes) {
      const before = fix.before.replace(/\\/g, '/');
      if (before === '' || n.path.startsWith(before)) {
        const rewritten = normalizeReportPath(fix.after + n.path.slice(before.length));
        if (!rewritten) return { reason: 'outside' };
        n = rewritten;
        break;
      }
    }
    const candidates: string[] = [];
    /** Full paths (possibly absolute, from another machine) to match by suffix. */
    const suffixSources: string[] = [];
    if (n.absolute) {
      for (const root of this.roots) {
        if (n.path.startsWith(`${root}/`)) candidates.push(n.path.slice(root.length + 1));
      }
    } else {
      if (isEscaping(n.path)) return { reason: 'outside' };
      for (const root of sourceRoots) {
        const joined = normalizeReportPath(`${root.replace(/\\/g, '/').replace(/\/+$/, '')}/${n.path}`);
        if (!joined) continue;
        if (joined.absolute) {
          for (const r of this.roots) if (joined.path.startsWith(`${r}/`)) candidates.push(joined.path.slice(r.length + 1));
          suffixSources.push(joined.path);
        } else if (!isEscaping(joined.path)) candidates.push(joined.path);
      }
      candidates.push(n.path);
    }
    suffixSources.push(n.path);

    if (!this.files) {
      const c = candidates[0];
      return c ? { path: c } : { reason: 'outside' };
    }
    for (const c of candidates) if (this.files.has(c)) return { path: c };
    let last: ResolveResult = { reason: n.absolute ? 'outside' : 'unknown' };
    for (const full of suffixSources) {
      const r = this.suffixMatch(full, n.absolute);
      if (r.path !== undefined) return r;
      if (r.reason === 'ambiguous') last = r;
    }
    return last;
  }

  /** The repository file that is the longest path suffix of `full`. */
  private suffixMatch(full: string, absolute: boolean): ResolveResult {
    const base = full.slice(full.lastIndexOf('/') + 1);
    const options = this.byBase!.get(base);
    if (!options) return { reason: absolute ? 'outside' : 'unknown' };
    // Suffixes of one path that have the same length are the same path: the longest is unique.
    let best: string | undefined;
    for (const f of options) {
      if ((full === f || full.endsWith(`/${f}`)) && (best === undefined || f.length > best.length)) best = f;
    }
    if (best === undefined) {
      // The report path may be shorter than the repository path (paths relative to a package dir).
      const matches = options.filter((f) => f.endsWith(`/${full}`));
      if (matches.length === 1) return { path: matches[0]! };
      if (matches.length > 1) return { reason: 'ambiguous' };
      return { reason: absolute ? 'outside' : 'unknown' };
    }
    return { path: best };
  }
}
