/**
 * Glob patterns from `.sdlc.yml`, matched in time linear in the path.
 *
 * The globs come from the branch under review, and so do the paths they are
 * matched against (file names, report paths, artifact entries). A
 * backtracking regular expression, which is what picomatch compiles a glob
 * to, takes time exponential in the number of wildcards on a path that almost
 * matches: `*a*a*a*a*x` against a 255-character name of `a`s, or
 * `**\/a/**\/a/**\/a/**\/a/x` against `a/a/a/...`, run for seconds to hours.
 * Here a pattern is parsed once into a Thompson NFA, and matching simulates
 * the NFA over the path one character at a time: the work is at most
 * (path length) x (NFA states), whatever the pattern.
 *
 * Syntax (picomatch's, with dotfiles matched as `{ dot: true }` does):
 * - `/` separates segments; paths are matched as written, with forward slashes.
 * - `*` matches any run of characters within a segment, an empty one too,
 *   except that a `*` that is a whole segment (`a/*`) needs one character.
 * - `**` as a whole segment matches any number of segments, none included:
 *   `src/**` matches `src` and everything under it, `**\/x` matches `x` and
 *   `a/b/x`, `a/**\/b` matches `a/b`; `**\/**` is `**`. Anywhere else (`a**`,
 *   `***`) it is `*`.
 * - `?` matches one character within a segment.
 * - `[abc]`, `[a-z]`, `[!abc]` or `[^abc]`, and POSIX classes such as
 *   `[[:digit:]]` match one character within a segment (never `/`). An
 *   unclosed `[` is a literal `[`.
 * - `{a,b}` matches either alternative (alternatives may nest and hold `/`).
 *   `{a}`, with no comma, is literal text, as is an unclosed `{`. A range
 *   `{1..12}`, `{01..12}`, `{a..f}` (with an optional step, `{0..100..10}`)
 *   matches each value it lists, as the shell lists them; a range of more
 *   than 1,000 values is an error (it is not a pattern anyone means).
 * - Extglobs: `@(a|b)` one of the alternatives, `?(a|b)` at most one,
 *   `*(a|b)` any number, `+(a|b)` at least one. They are matched with their
 *   real meaning and in linear time. Negated extglobs `!(a|b)` are an error:
 *   the complement of a pattern has no small NFA; write a separate pattern
 *   that starts with `!`. Parentheses that open no extglob are literal.
 * - `\x` matches `x` literally.
 * - A leading `!` negates the whole pattern; leading `./` are dropped.
 * - Matching is case-sensitive and by UTF-16 code unit.
 *
 * Where picomatch 4 differs, this follows the shell: `[!abc]` is negated
 * (picomatch reads the `!` as a member); `x/**` matches `x` whatever `x` is
 * (picomatch only when `x` is literal text); `**` next to an extglob or a
 * brace in one segment is `*` (picomatch lets it cross `/`); `@(a|b)?` is an
 * extglob followed by `?` (picomatch makes the extglob optional); bare
 * parentheses are literal (picomatch passes them to the regex as a group);
 * `{1..12}` lists 1 to 12 (picomatch reads a character class `[1-12]`);
 * POSIX classes need no option; and repeated extglobs with overlapping
 * alternatives such as `+(a|aa)` keep their meaning (picomatch 4.0.4+ reads
 * them as literal text to avoid runaway backtracking). Test
 * test/hardening/globs.test.ts checks that both agree everywhere else.
 *
 * Problems (a negated extglob, a huge range, nesting deeper than 32 braces or
 * extglobs, a pattern that compiles to more than 100,000 states) are
 * GlobErrors; `globProblem` reports them for the config schema.
 *
 * Memory: the NFA is a few typed arrays per pattern; the DFA states cached
 * while matching are bounded per pattern and over all patterns together
 * (DFA_MEMORY_LIMIT, 16 MB), past which the caches are emptied.
 */

export class GlobError extends Error {
  override readonly name = 'GlobError';
}

const MAX_NESTING = 32;
const MAX_RANGE_VALUES = 1000;
const MAX_STATES = 100_000;
const SLASH = 47;

// ---- parsing ----

/** One character class: sorted inclusive code ranges, possibly negated. Never matches '/'. */
interface CharClass {
  negated: boolean;
  ranges: number[];
}

type GlobNode =
  | { t: 'char'; c: number }
  | { t: 'one' }
  | { t: 'star' }
  | { t: 'class'; cls: CharClass }
  /** `**` as a whole segment: `lead` is `**\/` (the slash consumed), `tail` is `/**` at the end, `all` is the whole pattern. */
  | { t: 'globstar'; form: 'lead' | 'tail' | 'all' }
  /** Alternatives repeated min..max times (braces and `@(...)`: 1..1). */
  | { t: 'alt'; alts: GlobNode[][]; min: 0 | 1; max: 1 | typeof Infinity };

const POSIX_CLASSES: Readonly<Record<string, readonly [number, number][]>> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 127]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [95, 95], [97, 122]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
};

/** Index of the character closing the group opened at `open` (`}` or `)`), skipping escapes, classes and nested groups; -1 when unclosed. */
function closing(s: string, open: number, end: number): number {
  const close = s[open] === '{' ? '}' : ')';
  let depth = 0;
  for (let i = open; i < end; i++) {
    const ch = s[i];
    if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      const c = classEnd(s, i, end);
      if (c > 0) i = c;
    } else if (ch === s[open]) {
      depth++;
    } else if (ch === close) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Index of the `]` closing the class opened at `open`, or -1. */
function classEnd(s: string, open: number, end: number): number {
  let i = open + 1;
  if (s[i] === '!' || s[i] === '^') i++;
  if (s[i] === ']') i++;
  for (; i < end; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '[' && s[i + 1] === ':') {
      const e = s.indexOf(':]', i + 2);
      if (e > 0 && e < end) i = e + 1;
    } else if (ch === ']') return i;
    else if (ch === '/') return -1;
  }
  return -1;
}

/** Top-level parts of s[from, to) separated by `sep`, as [start, end) pairs. */
function split(s: string, from: number, to: number, sep: string): [number, number][] {
  const parts: [number, number][] = [];
  let start = from;
  for (let i = from; i < to; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '[') {
      const c = classEnd(s, i, to);
      if (c > 0) i = c;
    } else if (ch === '{' || ch === '(') {
      const c = closing(s, i, to);
      if (c > 0) i = c;
    } else if (ch === sep) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}

function parseClass(s: string, open: number, close: number): CharClass {
  let i = open + 1;
  let negated = false;
  if (s[i] === '!' || s[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: number[] = [];
  while (i < close) {
    if (s[i] === '[' && s[i + 1] === ':') {
      const e = s.indexOf(':]', i + 2);
      const named = e > 0 && e < close ? POSIX_CLASSES[s.slice(i + 2, e)] : undefined;
      if (named) {
        for (const [lo, hi] of named) ranges.push(lo, hi);
        i = e + 2;
        continue;
      }
    }
    let lo: number;
    if (s[i] === '\\' && i + 1 < close) {
      lo = s.charCodeAt(i + 1);
      i += 2;
    } else {
      lo = s.charCodeAt(i);
      i++;
    }
    let hi = lo;
    if (s[i] === '-' && i + 1 < close) {
      let j = i + 1;
      let h: number;
      if (s[j] === '\\' && j + 1 < close) {
        h = s.charCodeAt(j + 1);
        j += 2;
      } else {
        h = s.charCodeAt(j);
        j++;
      }
      if (h >= lo) {
        hi = h;
        i = j;
      }
    }
    ranges.push(lo, hi);
  }
  return { negated, ranges };
}

/** The values of a shell range `{a..b}` / `{a..b..step}`, or undefined when the text is not one. */
function rangeValues(text: string): string[] | undefined {
  const num = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(text);
  const alpha = /^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?$/.exec(text);
  if (!num && !alpha) return undefined;
  const m = (num ?? alpha)!;
  const from = num ? Number(m[1]) : m[1]!.charCodeAt(0);
  const to = num ? Number(m[2]) : m[2]!.charCodeAt(0);
  const step = Math.abs(Number(m[3] ?? 1)) || 1;
  const count = Math.floor(Math.abs(to - from) / step) + 1;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || count > MAX_RANGE_VALUES) {
    throw new GlobError(`the range {${text}} lists ${Number.isFinite(count) ? count : 'too many'} values (at most ${MAX_RANGE_VALUES})`);
  }
  // Zero-padded when either end is written with a leading zero, as the shell does.
  const width = num && /^-?0\d/.test(m[1]!) ? m[1]!.length : num && /^-?0\d/.test(m[2]!) ? m[2]!.length : 0;
  const out: string[] = [];
  const dir = to >= from ? 1 : -1;
  for (let k = 0, v = from; k < count; k++, v += dir * step) {
    if (!num) out.push(String.fromCharCode(v));
    else {
      const digits = String(Math.abs(v)).padStart(width - (v < 0 ? 1 : 0), '0');
      out.push(v < 0 ? `-${digits}` : digits);
    }
  }
  return out;
}

function literal(text: string): GlobNode[] {
  const out: GlobNode[] = [];
  for (let i = 0; i < text.length; i++) out.push({ t: 'char', c: text.charCodeAt(i) });
  return out;
}

const EXTGLOB: Readonly<Record<string, { min: 0 | 1; max: 1 | typeof Infinity }>> = {
  '@': { min: 1, max: 1 },
  '?': { min: 0, max: 1 },
  '*': { min: 0, max: Infinity },
  '+': { min: 1, max: Infinity },
};

/** Parse s[start, end) as a sequence. */
function parseSeq(s: string, start: number, end: number, depth: number): GlobNode[] {
  if (depth > MAX_NESTING) throw new GlobError(`braces or extglobs nested more than ${MAX_NESTING} deep`);
  const seq: GlobNode[] = [];
  let i = start;
  while (i < end) {
    const ch = s[i]!;
    if (ch === '\\') {
      seq.push({ t: 'char', c: i + 1 < end ? s.charCodeAt(i + 1) : 92 });
      i += 2;
      continue;
    }
    if ((ch === '@' || ch === '?' || ch === '*' || ch === '+' || ch === '!') && s[i + 1] === '(') {
      const close = closing(s, i + 1, end);
      if (close > 0) {
        if (ch === '!') throw new GlobError(`negated extglobs such as ${s.slice(i, close + 1).slice(0, 40)} are not supported: write a separate pattern that starts with !`);
        const alts = split(s, i + 2, close, '|').map(([a, b]) => parseSeq(s, a, b, depth + 1));
        seq.push({ t: 'alt', alts, ...EXTGLOB[ch]! });
        i = close + 1;
        continue;
      }
    }
    if (ch === '*') {
      let j = i;
      while (j < end && s[j] === '*') j++;
      // `**(a|b)`: the last star opens an extglob.
      if (s[j] === '(' && closing(s, j, end) > 0) j--;
      const segStart = i === start || s[i - 1] === '/';
      const segEnd = j === end || s[j] === '/';
      if (j - i === 2 && segStart && segEnd) {
        const last = seq[seq.length - 1];
        const afterGlobstar = last?.t === 'globstar' && last.form === 'lead';
        if (j < end) {
          // `**/**/` is `**/`.
          if (!afterGlobstar) seq.push({ t: 'globstar', form: 'lead' });
          i = j + 1;
          continue;
        }
        // `x/**/**` is `x/**`.
        if (afterGlobstar) seq.pop();
        const prev = seq[seq.length - 1];
        if (i > start && prev?.t === 'char' && prev.c === SLASH) {
          seq.pop();
          seq.push({ t: 'globstar', form: 'tail' });
        } else {
          seq.push({ t: 'globstar', form: 'all' });
        }
      } else {
        // A `*` that is a whole segment matches a segment, so not an empty one.
        if (segStart && segEnd) seq.push({ t: 'one' });
        seq.push({ t: 'star' });
      }
      i = j;
      continue;
    }
    if (ch === '?') {
      seq.push({ t: 'one' });
      i++;
      continue;
    }
    if (ch === '[') {
      const close = classEnd(s, i, end);
      if (close > 0) {
        seq.push({ t: 'class', cls: parseClass(s, i, close) });
        i = close + 1;
        continue;
      }
    }
    if (ch === '{') {
      const close = closing(s, i, end);
      if (close > 0) {
        const parts = split(s, i + 1, close, ',');
        if (parts.length > 1) {
          seq.push({ t: 'alt', alts: parts.map(([a, b]) => parseSeq(s, a, b, depth + 1)), min: 1, max: 1 });
          i = close + 1;
          continue;
        }
        const values = rangeValues(s.slice(i + 1, close));
        if (values) {
          seq.push({ t: 'alt', alts: values.map(literal), min: 1, max: 1 });
          i = close + 1;
          continue;
        }
      }
    }
    seq.push({ t: 'char', c: s.charCodeAt(i) });
    i++;
  }
  return seq;
}

// ---- the NFA ----

const K_MATCH = 0;
/** One character equal to `arg`. */
const K_CHAR = 1;
/** One character other than '/'. */
const K_ONE = 2;
/** Any one character. */
const K_ANY = 3;
/** One character of class `arg`. */
const K_CLASS = 4;
/** No character: continue at `out` and at `out2`. */
const K_SPLIT = 5;

class Nfa {
  kind: number[] = [];
  arg: number[] = [];
  out: number[] = [];
  out2: number[] = [];
  classes: CharClass[] = [];

  add(kind: number, arg: number, out: number, out2 = -1): number {
    if (this.kind.length >= MAX_STATES) throw new GlobError(`the pattern is too complex (more than ${MAX_STATES} states)`);
    this.kind.push(kind);
    this.arg.push(arg);
    this.out.push(out);
    this.out2.push(out2);
    return this.kind.length - 1;
  }

  /** States for `seq` followed by state `next`; returns the entry state. */
  seq(seq: readonly GlobNode[], next: number): number {
    let at = next;
    for (let i = seq.length - 1; i >= 0; i--) at = this.node(seq[i]!, at);
    return at;
  }

  /** A loop of `one character of kind` before `next`: `[^/]*` or `.*`. */
  private loop(kind: number, next: number): number {
    const split = this.add(K_SPLIT, 0, -1, next);
    this.out[split] = this.add(kind, 0, split);
    return split;
  }

  /** Entry to either alternative, each continuing at `next`. */
  private choice(alts: readonly GlobNode[][], next: number): number {
    let at = this.seq(alts[alts.length - 1]!, next);
    for (let i = alts.length - 2; i >= 0; i--) at = this.add(K_SPLIT, 0, this.seq(alts[i]!, next), at);
    return at;
  }

  private node(n: GlobNode, next: number): number {
    switch (n.t) {
      case 'char':
        return this.add(K_CHAR, n.c, next);
      case 'one':
        return this.add(K_ONE, 0, next);
      case 'star':
        return this.loop(K_ONE, next);
      case 'class':
        this.classes.push(n.cls);
        return this.add(K_CLASS, this.classes.length - 1, next);
      case 'globstar':
        if (n.form === 'all') return this.loop(K_ANY, next);
        if (n.form === 'tail') return this.add(K_SPLIT, 0, this.add(K_CHAR, SLASH, this.loop(K_ANY, next)), next);
        {
          // (segment '/')* before next.
          const split = this.add(K_SPLIT, 0, -1, next);
          this.out[split] = this.loop(K_ONE, this.add(K_CHAR, SLASH, split));
          return split;
        }
      case 'alt': {
        if (n.max === 1) {
          const body = this.choice(n.alts, next);
          return n.min === 1 ? body : this.add(K_SPLIT, 0, body, next);
        }
        // Repeated: the body continues at a split that loops back to it or leaves.
        const split = this.add(K_SPLIT, 0, -1, next);
        const body = this.choice(n.alts, split);
        this.out[split] = body;
        return n.min === 1 ? body : split;
      }
    }
  }
}

function inClass(cls: CharClass, c: number): boolean {
  if (c === SLASH) return false;
  const r = cls.ranges;
  let hit = false;
  for (let i = 0; i < r.length; i += 2) {
    if (c >= r[i]! && c <= r[i + 1]!) {
      hit = true;
      break;
    }
  }
  return hit !== cls.negated;
}

/** DFA states kept per pattern, and NFA state numbers stored for them in all, before matching falls back to the NFA alone. */
const MAX_DFA_STATES = 2048;
const MAX_DFA_ENTRIES = 1 << 20;
const UNKNOWN = -2;
const DEAD = -1;

/**
 * Memory all DFA caches together may hold, in units of one stored NFA state
 * number (4 bytes): a DFA state costs three units for each NFA state in its
 * set (the set and its key) and 128 for its transition table. When a new
 * state would pass the limit, it is not made (that match goes on with the
 * NFA alone), and every cache is emptied before the next match: a config full
 * of hostile patterns, matched against many paths in a long-running App,
 * cannot grow the caches without end.
 */
export const DFA_MEMORY_LIMIT = 1 << 22;
let dfaMemory = 0;
let dfaFull = false;
const caching = new Set<CompiledGlob>();

/** Units the DFA caches hold now (see DFA_MEMORY_LIMIT). */
export function dfaMemoryInUse(): number {
  return dfaMemory;
}

function flushDfaCaches(): void {
  for (const g of caching) g.resetDfa();
  caching.clear();
  dfaMemory = 0;
  dfaFull = false;
}

/**
 * A compiled pattern. Matching simulates the NFA one path character at a
 * time, and remembers each set of NFA states it reaches as a DFA state with
 * its transitions, so that a pattern applied to many paths mostly follows
 * cached transitions (one array lookup per character). The cache is bounded;
 * past it, a match steps the NFA directly, still linear in the path.
 */
export class CompiledGlob {
  readonly negated: boolean;
  private readonly kind: Uint8Array;
  private readonly arg: Int32Array;
  private readonly out: Int32Array;
  private readonly out2: Int32Array;
  private readonly classes: CharClass[];
  private readonly start: number;
  private readonly mark: Uint32Array;
  private gen = 0;
  private readonly stack: Int32Array;
  private readonly scratch: Int32Array;
  // The DFA cache: per DFA state, its NFA states (sorted), whether it matches, and its transitions.
  private readonly dfaIds = new Map<string, number>();
  private readonly dfaSets: Int32Array[] = [];
  private readonly dfaMatch: boolean[] = [];
  private readonly dfaAscii: Int32Array[] = [];
  private readonly dfaOther: (Map<number, number> | undefined)[] = [];
  private dfaEntries = 0;
  private dfaStart = UNKNOWN;

  private readonly maxDfaStates: number;
  private readonly maxDfaEntries: number;

  /** `cache` bounds the DFA cache (states, and NFA state numbers stored for them); tests shrink it. */
  constructor(pattern: string, cache: { states: number; entries: number } = { states: MAX_DFA_STATES, entries: MAX_DFA_ENTRIES }) {
    this.maxDfaStates = cache.states;
    this.maxDfaEntries = cache.entries;
    let p = pattern;
    let negated = false;
    while (p.startsWith('!') && !p.startsWith('!(')) {
      negated = !negated;
      p = p.slice(1);
    }
    while (p.startsWith('./')) p = p.slice(2);
    this.negated = negated;
    const nfa = new Nfa();
    const match = nfa.add(K_MATCH, 0, -1);
    this.start = nfa.seq(parseSeq(p, 0, p.length, 0), match);
    const n = nfa.kind.length;
    this.kind = Uint8Array.from(nfa.kind);
    this.arg = Int32Array.from(nfa.arg);
    this.out = Int32Array.from(nfa.out);
    this.out2 = Int32Array.from(nfa.out2);
    this.classes = nfa.classes;
    this.mark = new Uint32Array(n);
    this.stack = new Int32Array(2 * n + 2);
    this.scratch = new Int32Array(n);
  }

  /** Number of NFA states (the work per path character is at most this). */
  get size(): number {
    return this.kind.length;
  }

  /** Whether the pattern (ignoring a leading `!`) matches the whole of `path`. */
  matchesPattern(path: string): boolean {
    if (dfaFull) flushDfaCaches();
    if (this.dfaStart === UNKNOWN) {
      const len = this.close(this.start, this.scratch, 0, this.nextGen());
      const id = this.intern(this.scratch, len);
      if (id === UNKNOWN) return this.simulate(this.scratch.slice(0, len), path, 0);
      this.dfaStart = id;
    }
    let d = this.dfaStart;
    for (let i = 0; i < path.length; i++) {
      if (d === DEAD) return false;
      const c = path.charCodeAt(i);
      let n = c < 128 ? this.dfaAscii[d]![c]! : (this.dfaOther[d]?.get(c) ?? UNKNOWN);
      if (n === UNKNOWN) {
        const set = this.dfaSets[d]!;
        const len = this.step(set, set.length, c, this.scratch);
        n = this.intern(this.scratch, len);
        if (n === UNKNOWN) return this.simulate(this.scratch.slice(0, len), path, i + 1);
        if (c < 128) this.dfaAscii[d]![c] = n;
        else {
          let other = this.dfaOther[d];
          if (!other) this.dfaOther[d] = other = new Map();
          if (other.size < 256) other.set(c, n);
        }
      }
      d = n;
    }
    return d !== DEAD && this.dfaMatch[d]!;
  }

  /** Whether `path` matches, a leading `!` included. */
  matches(path: string): boolean {
    return this.matchesPattern(path) !== this.negated;
  }

  /** Empty the DFA cache (between matches only: a match in progress holds DFA state numbers). */
  resetDfa(): void {
    this.dfaIds.clear();
    this.dfaSets.length = 0;
    this.dfaMatch.length = 0;
    this.dfaAscii.length = 0;
    this.dfaOther.length = 0;
    this.dfaEntries = 0;
    this.dfaStart = UNKNOWN;
  }

  /** The DFA state for a set of NFA states (DEAD when empty), or UNKNOWN when the cache is full. */
  private intern(set: Int32Array, len: number): number {
    if (len === 0) return DEAD;
    const sorted = set.slice(0, len).sort();
    const key = sorted.join(',');
    const known = this.dfaIds.get(key);
    if (known !== undefined) return known;
    if (this.dfaSets.length >= this.maxDfaStates || this.dfaEntries + len > this.maxDfaEntries) return UNKNOWN;
    const cost = 3 * len + 128;
    if (dfaMemory + cost > DFA_MEMORY_LIMIT) {
      dfaFull = true;
      return UNKNOWN;
    }
    dfaMemory += cost;
    caching.add(this);
    const id = this.dfaSets.length;
    this.dfaIds.set(key, id);
    this.dfaSets.push(sorted);
    this.dfaEntries += len;
    let match = false;
    for (const x of sorted) if (this.kind[x] === K_MATCH) match = true;
    this.dfaMatch.push(match);
    this.dfaAscii.push(new Int32Array(128).fill(UNKNOWN));
    this.dfaOther.push(undefined);
    return id;
  }

  /** The NFA alone, from state set `set`, over path[from..]: for when the DFA cache is full. */
  private simulate(set: Int32Array, path: string, from: number): boolean {
    let cur = new Int32Array(this.kind.length);
    let nxt = new Int32Array(this.kind.length);
    cur.set(set);
    let curLen = set.length;
    for (let i = from; i < path.length; i++) {
      if (curLen === 0) return false;
      curLen = this.step(cur, curLen, path.charCodeAt(i), nxt);
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    for (let k = 0; k < curLen; k++) if (this.kind[cur[k]!] === K_MATCH) return true;
    return false;
  }

  /** The states reached from set[0..len) by character `c` (with what they reach without one), into `into`; returns its length. */
  private step(set: Int32Array, len: number, c: number, into: Int32Array): number {
    const gen = this.nextGen();
    let n = 0;
    for (let k = 0; k < len; k++) {
      const s = set[k]!;
      const kind = this.kind[s]!;
      const ok =
        kind === K_ANY ||
        (kind === K_ONE && c !== SLASH) ||
        (kind === K_CHAR && this.arg[s] === c) ||
        (kind === K_CLASS && inClass(this.classes[this.arg[s]!]!, c));
      if (ok) n = this.close(this.out[s]!, into, n, gen);
    }
    return n;
  }

  private nextGen(): number {
    this.gen++;
    if (this.gen === 0xffffffff) {
      this.mark.fill(0);
      this.gen = 1;
    }
    return this.gen;
  }

  /** Add `s` and the states it reaches without a character to `list` (from `len`); returns the new length. */
  private close(s: number, list: Int32Array, len: number, gen: number): number {
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = s;
    while (sp > 0) {
      const x = stack[--sp]!;
      if (this.mark[x] === gen) continue;
      this.mark[x] = gen;
      if (this.kind[x] === K_SPLIT) {
        stack[sp++] = this.out2[x]!;
        stack[sp++] = this.out[x]!;
      } else {
        list[len++] = x;
      }
    }
    return len;
  }
}

/** Compile one pattern; throws GlobError for what it cannot match. */
export function compileGlob(pattern: string): CompiledGlob {
  return new CompiledGlob(pattern);
}

/** Why a pattern cannot be used, or undefined when it can. */
export function globProblem(pattern: string): string | undefined {
  try {
    compileGlob(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof GlobError) return err.message;
    throw err;
  }
}

/**
 * A matcher for a list of patterns: true when any of them matches (a
 * negated pattern matches every path its pattern does not), as picomatch
 * does with a list.
 */
export function matchAny(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns.map(compileGlob);
  if (compiled.length === 0) return () => false;
  if (compiled.length === 1) {
    const only = compiled[0]!;
    return (path) => only.matches(path);
  }
  return (path) => compiled.some((g) => g.matches(path));
}
