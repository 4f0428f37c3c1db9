/**
 * Compact coverage model. Per file, the instrumented lines with their hit
 * counts and the per-line branch counts are kept packed in a byte encoding
 * (about 1.5 bytes a line; see `encodeLines`), function counts as two numbers.
 *
 * Parsers append lines and branches in any order; they wait in typed arrays
 * until `finish()` sorts them, folds duplicates (hits summed, branches by
 * maximum) and packs them, merging with what the file already holds. Parsers
 * that read one file at a time finish each file as soon as it is complete, so
 * that only that file's appends are ever unpacked. Files made by a
 * `CoverageBuilder` pack into the builder's shared pages (no allocation per
 * file); a lone `FileCoverage` keeps its own buffer.
 */

export interface Counts {
  total: number;
  covered: number;
}

export interface CountsWithPct extends Counts {
  /** Percentage 0..100, unrounded; null when total is 0. */
  pct: number | null;
}

export function pct(c: Counts): number | null {
  return c.total === 0 ? null : (c.covered * 100) / c.total;
}

export function withPct(c: Counts): CountsWithPct {
  return { total: c.total, covered: c.covered, pct: pct(c) };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { total: a.total + b.total, covered: a.covered + b.covered };
}

const MAX_HITS = 0xffffffff;

function saturatingAdd(a: number, b: number): number {
  const s = a + b;
  return s > MAX_HITS ? MAX_HITS : s;
}

function clampHits(hits: number): number {
  if (!(hits > 0)) return 0;
  return hits > MAX_HITS ? MAX_HITS : Math.floor(hits);
}

/**
 * Pages that packed files are written into, shared by the files of one
 * builder: they start at 4 KiB and double up to 1 MiB, so a small report does
 * not hold a megabyte. A file larger than a quarter page gets a buffer of its
 * own.
 */
export class PackedPages {
  private used = 0;

  constructor(private readonly maxPage = 1024 * 1024) {}

  /** The buffer of the last `alloc`. */
  page = new Uint8Array(0);
  private current = this.page;

  /** Room for `n` bytes: returns the offset to write at in `page`. */
  alloc(n: number): number {
    if (n > this.maxPage / 4) {
      this.page = new Uint8Array(n);
      return 0;
    }
    if (this.used + n > this.current.length) {
      let size = Math.min(this.maxPage, Math.max(4096, this.current.length * 2));
      while (size < n) size *= 2;
      this.current = new Uint8Array(size);
      this.used = 0;
    }
    this.page = this.current;
    const off = this.used;
    this.used += n;
    return off;
  }
}

// ---------------------------------------------------------------------------
// Packed encoding. Lines are strictly increasing; each is written relative to
// the previous one (the first relative to -1, so line 0 can be stored):
//   tag < 0xc0:          one byte: delta 1..3 in bits 6-7 (+1), hits 0..63 in bits 0-5
//   0xc0 <= tag < 0xf0:  two bytes: delta 1..3 in bits 4-5 (+1), hits 64..4159 in
//                        bits 0-3 of the tag (high) and the next byte (low)
//   tag = 0xf0:          varint delta, varint hits
// Branch lines follow the lines, also strictly increasing from -1: varint
// delta, then one byte found << 4 | covered when both are <= 15 and the byte is
// not 0xff, else 0xff, varint found, varint covered.
// Varints are little-endian base 128 and hold any value up to 2^32.
// ---------------------------------------------------------------------------

let scratch = new Uint8Array(64 * 1024);

function ensureScratch(n: number): void {
  if (scratch.length < n) {
    let cap = scratch.length * 2;
    while (cap < n) cap *= 2;
    scratch = new Uint8Array(cap);
  }
}

function putVarint(buf: Uint8Array, p: number, v: number): number {
  while (v >= 128) {
    buf[p++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[p++] = v;
  return p;
}

/** Counts gathered by the last `encode`. */
const encoded = { covered: 0, found: 0, coveredBranches: 0 };

/**
 * Encode sorted, distinct lines and their hits (and branch lines) into
 * `scratch`; returns the length. Counts covered lines and branches on the way
 * (into `encoded`).
 */
function encode(
  lines: Uint32Array,
  hits: Uint32Array,
  n: number,
  blines: Uint32Array,
  found: Uint32Array,
  coveredBr: Uint32Array,
  bn: number,
): number {
  ensureScratch(n * 11 + bn * 16 + 16);
  const out = scratch;
  let p = 0;
  let prev = -1;
  let covered = 0;
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    const h = hits[i]!;
    if (h > 0) covered++;
    const d = line - prev;
    prev = line;
    if (d <= 3) {
      if (h < 64) {
        out[p++] = ((d - 1) << 6) | h;
        continue;
      }
      if (h < 4160) {
        const v = h - 64;
        out[p++] = 0xc0 | ((d - 1) << 4) | (v >> 8);
        out[p++] = v & 255;
        continue;
      }
    }
    out[p++] = 0xf0;
    p = putVarint(out, p, d);
    p = putVarint(out, p, h);
  }
  prev = -1;
  let bf = 0;
  let bc = 0;
  for (let i = 0; i < bn; i++) {
    const line = blines[i]!;
    p = putVarint(out, p, line - prev);
    prev = line;
    const f = found[i]!;
    const c = coveredBr[i]!;
    bf += f;
    bc += c;
    if (f <= 15 && c <= 15 && !(f === 15 && c === 15)) out[p++] = (f << 4) | c;
    else {
      out[p++] = 0xff;
      p = putVarint(out, p, f);
      p = putVarint(out, p, c);
    }
  }
  encoded.covered = covered;
  encoded.found = bf;
  encoded.coveredBranches = bc;
  return p;
}

/** Sequential reader over packed bytes. */
class Cursor {
  p: number;
  constructor(
    readonly buf: Uint8Array,
    off: number,
  ) {
    this.p = off;
  }

  varint(): number {
    const buf = this.buf;
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[this.p++]!;
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
  }
}

const EMPTY = new Uint32Array(0);

/**
 * Append columns released by finished files, handed to the next file that
 * appends: parsers that finish each file before the next one allocate them
 * once, not once per file.
 */
const spare: Uint32Array[] = [];

function take(capacity: number): Uint32Array {
  for (let i = spare.length - 1; i >= 0; i--) {
    const a = spare[i]!;
    if (a.length >= capacity) {
      spare[i] = spare[spare.length - 1]!;
      spare.pop();
      return a;
    }
  }
  return new Uint32Array(capacity);
}

function release(a: Uint32Array): void {
  if (a.length > 0 && a.length <= 1 << 16 && spare.length < 40) spare.push(a);
}

/** A column of at least `capacity` values holding the first `n` values of `a` (which is released). */
function grow(a: Uint32Array, n: number, capacity: number): Uint32Array {
  const b = take(capacity);
  b.set(a.subarray(0, n));
  release(a);
  return b;
}

/** Appends waiting for `finish()`: lines and hits, and branch lines with found and covered. */
class Appends {
  pl: Uint32Array = EMPTY;
  ph: Uint32Array = EMPTY;
  pn = 0;
  /** Lines appended in strictly increasing order (nothing to sort or fold). */
  pSorted = true;
  bl: Uint32Array = EMPTY;
  bf: Uint32Array = EMPTY;
  bc: Uint32Array = EMPTY;
  bn = 0;
  bSorted = true;

  /** Room for `n` more lines. */
  roomForLines(n: number): void {
    const at = this.pn;
    if (at + n > this.pl.length || at + n > this.ph.length) {
      const cap = Math.max(16, (at + n) * 2);
      this.pl = grow(this.pl, at, cap);
      this.ph = grow(this.ph, at, cap);
    }
  }

  /** Room for `n` more branch lines. */
  roomForBranches(n: number): void {
    const at = this.bn;
    if (at + n > this.bl.length || at + n > this.bf.length || at + n > this.bc.length) {
      const cap = Math.max(16, (at + n) * 2);
      this.bl = grow(this.bl, at, cap);
      this.bf = grow(this.bf, at, cap);
      this.bc = grow(this.bc, at, cap);
    }
  }

  /** Give the columns back to the pool. */
  release(): void {
    release(this.pl);
    release(this.ph);
    release(this.bl);
    release(this.bf);
    release(this.bc);
    this.pl = this.ph = this.bl = this.bf = this.bc = EMPTY;
    this.pn = this.bn = 0;
    this.pSorted = this.bSorted = true;
  }
}

/** Emptied Appends, reused by the next file that appends. */
const spareAppends: Appends[] = [];

/**
 * Coverage of one source file. Lines are 1-based. Branches are recorded per
 * line as (found, covered); formats that do not attribute branches to lines
 * record them on line 0.
 */
export class FileCoverage {
  path: string;
  private fnTotal = 0;
  private fnCovered = 0;

  // Packed data: `mem[off .. off + len)`, `nLines` lines then `nBranchLines` branch lines.
  private mem: Uint8Array | undefined;
  private off = 0;
  private len = 0;
  private nLines = 0;
  private nCovered = 0;
  private nBranchLines = 0;
  private brFound = 0;
  private brCovered = 0;
  private readonly pages: PackedPages | undefined;
  /** Appends since the last finish(), while there are some. */
  private app: Appends | undefined;

  constructor(path: string, pages?: PackedPages) {
    this.path = path;
    this.pages = pages;
  }

  get functions(): Counts {
    return { total: this.fnTotal, covered: this.fnCovered };
  }

  set functions(c: Counts) {
    this.fnTotal = c.total;
    this.fnCovered = c.covered;
  }

  private appends(): Appends {
    let a = this.app;
    if (!a) {
      a = spareAppends.pop() ?? new Appends();
      this.app = a;
    }
    return a;
  }

  /** Record `hits` for `line`. A line recorded twice has its hits summed. */
  addLine(line: number, hits: number): void {
    const a = this.appends();
    a.roomForLines(1);
    const n = a.pn;
    const l = line >>> 0;
    if (n > 0 && a.pl[n - 1]! >= l) a.pSorted = false;
    a.pl[n] = l;
    a.ph[n] = clampHits(hits);
    a.pn = n + 1;
  }

  /**
   * Record the first `n` (line, hits) pairs of two columns at once (hits
   * already whole counts, as a Uint32Array holds them): as `addLine` for each.
   */
  addLines(lines: Uint32Array, hits: Uint32Array, n: number): void {
    if (n === 0) return;
    const a = this.appends();
    a.roomForLines(n);
    const at = a.pn;
    a.pl.set(lines.subarray(0, n), at);
    a.ph.set(hits.subarray(0, n), at);
    if (a.pSorted) {
      const pl = a.pl;
      for (let i = at > 0 ? at : 1; i < at + n; i++) {
        if (pl[i - 1]! >= pl[i]!) {
          a.pSorted = false;
          break;
        }
      }
    }
    a.pn = at + n;
  }

  /**
   * Record branch outcomes on a line. A line recorded twice keeps the larger
   * found and covered counts (the same branches seen by two reports).
   */
  addBranches(line: number, found: number, covered: number): void {
    const a = this.appends();
    a.roomForBranches(1);
    const n = a.bn;
    const l = line >>> 0;
    if (n > 0 && a.bl[n - 1]! >= l) a.bSorted = false;
    const f = clampHits(found);
    a.bl[n] = l;
    a.bf[n] = f;
    a.bc[n] = Math.min(f, clampHits(covered));
    a.bn = n + 1;
  }

  addFunctions(total: number, covered: number): void {
    this.fnTotal += total;
    this.fnCovered += Math.min(covered, total);
  }

  /** Sort, fold and pack the appends. Called by parsers when a file is complete, and lazily by readers. */
  finish(): this {
    const a = this.app;
    if (!a) return this;
    // The packed entries go in front of the appends (they are older).
    if (this.nLines + this.nBranchLines > 0) this.appendTo(a);
    let n = a.pn;
    let bn = a.bn;
    // Appends in strictly increasing order (the usual case) have nothing to sort or fold.
    if (!a.pSorted) {
      sortPairs(a.pl, a.ph, undefined, n);
      n = foldLines(a.pl, a.ph, n);
    }
    if (!a.bSorted) {
      sortPairs(a.bl, a.bf, a.bc, bn);
      bn = foldBranches(a.bl, a.bf, a.bc, bn);
    }
    const size = encode(a.pl, a.ph, n, a.bl, a.bf, a.bc, bn);
    const { covered, found: bf, coveredBranches: bc } = encoded;
    let mem: Uint8Array;
    let off = 0;
    if (this.pages) {
      off = this.pages.alloc(size);
      mem = this.pages.page;
    } else mem = new Uint8Array(size);
    mem.set(scratch.subarray(0, size), off);
    this.mem = mem;
    this.off = off;
    this.len = size;
    this.nLines = n;
    this.nCovered = covered;
    this.nBranchLines = bn;
    this.brFound = bf;
    this.brCovered = bc;
    a.release();
    this.app = undefined;
    if (spareAppends.length < 8) spareAppends.push(a);
    return this;
  }

  /**
   * Add this file's packed lines and branches to `into`, as addLine and
   * addBranches would; when `into` is this file's own appends, the packed
   * entries are put in front of them.
   */
  private appendTo(into: Appends): void {
    const n = this.nLines;
    const bn = this.nBranchLines;
    const buf = this.mem;
    if (!buf || n + bn === 0) return;
    const own = into === this.app;
    const c = new Cursor(buf, this.off);
    // Lines.
    into.roomForLines(n);
    const pl = into.pl;
    const ph = into.ph;
    const pending = into.pn;
    let at = pending;
    if (own && pending > 0) {
      // Make room in front.
      pl.copyWithin(n, 0, pending);
      ph.copyWithin(n, 0, pending);
      at = 0;
    }
    let line = -1;
    for (let i = 0; i < n; i++) {
      const t = buf[c.p++]!;
      if (t < 0xc0) {
        line += (t >> 6) + 1;
        ph[at + i] = t & 63;
      } else if (t < 0xf0) {
        line += ((t >> 4) & 3) + 1;
        ph[at + i] = 64 + (((t & 15) << 8) | buf[c.p++]!);
      } else {
        line += c.varint();
        ph[at + i] = c.varint();
      }
      pl[at + i] = line;
    }
    // Strictly increasing across the seam?
    if (n > 0 && pending > 0) {
      const [before, after] = own ? [n - 1, n] : [pending - 1, pending];
      if (pl[before]! >= pl[after]!) into.pSorted = false;
    }
    into.pn = pending + n;
    // Branch lines.
    into.roomForBranches(bn);
    const bPending = into.bn;
    let bat = bPending;
    if (own && bPending > 0) {
      into.bl.copyWithin(bn, 0, bPending);
      into.bf.copyWithin(bn, 0, bPending);
      into.bc.copyWithin(bn, 0, bPending);
      bat = 0;
    }
    line = -1;
    for (let i = 0; i < bn; i++) {
      line += c.varint();
      const b = buf[c.p++]!;
      into.bl[bat + i] = line;
      if (b !== 0xff) {
        into.bf[bat + i] = b >> 4;
        into.bc[bat + i] = b & 15;
      } else {
        into.bf[bat + i] = c.varint();
        into.bc[bat + i] = c.varint();
      }
    }
    if (bn > 0 && bPending > 0) {
      const [before, after] = own ? [bn - 1, bn] : [bPending - 1, bPending];
      if (into.bl[before]! >= into.bl[after]!) into.bSorted = false;
    }
    into.bn = bPending + bn;
    if (own) {
      this.mem = undefined;
      this.nLines = this.nCovered = this.nBranchLines = this.brFound = this.brCovered = 0;
    }
  }

  private *packedLines(): Generator<[number, number]> {
    if (!this.mem) return;
    const c = new Cursor(this.mem, this.off);
    const buf = this.mem;
    let line = -1;
    for (let i = 0; i < this.nLines; i++) {
      const t = buf[c.p++]!;
      let hits: number;
      if (t < 0xc0) {
        line += (t >> 6) + 1;
        hits = t & 63;
      } else if (t < 0xf0) {
        line += ((t >> 4) & 3) + 1;
        hits = 64 + (((t & 15) << 8) | buf[c.p++]!);
      } else {
        line += c.varint();
        hits = c.varint();
      }
      yield [line, hits];
    }
  }

  /** Offset where the branch section starts. */
  private branchOffset(): number {
    const buf = this.mem!;
    let p = this.off;
    for (let i = 0; i < this.nLines; i++) {
      const t = buf[p++]!;
      if (t < 0xc0) continue;
      if (t < 0xf0) {
        p++;
        continue;
      }
      while (buf[p++]! >= 128);
      while (buf[p++]! >= 128);
    }
    return p;
  }

  private *packedBranches(): Generator<[number, number, number]> {
    if (!this.mem || this.nBranchLines === 0) return;
    const c = new Cursor(this.mem, this.branchOffset());
    let line = -1;
    for (let i = 0; i < this.nBranchLines; i++) {
      line += c.varint();
      const b = this.mem[c.p++]!;
      if (b !== 0xff) yield [line, b >> 4, b & 15];
      else {
        const f = c.varint();
        yield [line, f, c.varint()];
      }
    }
  }

  /** Hits on `line`, or undefined when the line is not instrumented. */
  hits(line: number): number | undefined {
    this.finish();
    for (const [l, h] of this.packedLines()) {
      if (l === line) return h;
      if (l > line) return undefined;
    }
    return undefined;
  }

  /** Instrumented lines in ascending order, with their hits. */
  lineEntries(): IterableIterator<[line: number, hits: number]> {
    this.finish();
    return this.packedLines();
  }

  branchEntries(): IterableIterator<[line: number, found: number, covered: number]> {
    this.finish();
    return this.packedBranches();
  }

  get lines(): Counts {
    this.finish();
    return { total: this.nLines, covered: this.nCovered };
  }

  get branches(): Counts {
    this.finish();
    return { total: this.brFound, covered: this.brCovered };
  }

  /** Bytes the packed data takes (diagnostics and benchmarks). */
  get packedBytes(): number {
    this.finish();
    return this.len;
  }

  /** Fold another file's data into this one (merging shards or reports). */
  merge(other: FileCoverage): void {
    if (other === this) {
      // Merging a file into itself doubles its hits, as with a copy.
      const copy = new FileCoverage(this.path);
      copy.merge(this);
      other = copy;
    }
    other.finish();
    other.appendTo(this.appends());
    this.fnTotal = Math.max(this.fnTotal, other.fnTotal);
    this.fnCovered = Math.max(this.fnCovered, other.fnCovered);
    // Pack now: merging many files then never holds them all unpacked.
    this.finish();
  }
}

/** Stable sort of parallel columns by the first. */
function sortPairs(keys: Uint32Array, a: Uint32Array, b: Uint32Array | undefined, n: number): void {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => keys[x]! - keys[y]! || x - y);
  const k2 = new Uint32Array(n);
  const a2 = new Uint32Array(n);
  const b2 = b ? new Uint32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    k2[i] = keys[j]!;
    a2[i] = a[j]!;
    if (b2) b2[i] = b![j]!;
  }
  keys.set(k2);
  a.set(a2);
  if (b && b2) b.set(b2);
}

/** Fold sorted duplicate lines (hits summed); returns the new length. */
function foldLines(lines: Uint32Array, hits: Uint32Array, n: number): number {
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (out > 0 && lines[out - 1] === lines[i]) hits[out - 1] = saturatingAdd(hits[out - 1]!, hits[i]!);
    else {
      lines[out] = lines[i]!;
      hits[out++] = hits[i]!;
    }
  }
  return out;
}

/** Fold sorted duplicate branch lines (found and covered by maximum); returns the new length. */
function foldBranches(lines: Uint32Array, found: Uint32Array, covered: Uint32Array, n: number): number {
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (out > 0 && lines[out - 1] === lines[i]) {
      found[out - 1] = Math.max(found[out - 1]!, found[i]!);
      covered[out - 1] = Math.max(covered[out - 1]!, covered[i]!);
    } else {
      lines[out] = lines[i]!;
      found[out] = found[i]!;
      covered[out++] = covered[i]!;
    }
  }
  return out;
}

/** Totals a report states about itself (used to cross-check our counting). */
export interface DeclaredTotals {
  lines?: Counts;
  branches?: Counts;
  functions?: Counts;
  /**
   * Statements, for formats that count statements rather than lines (Go
   * coverprofile): the figure the tool itself prints as its percentage.
   */
  statements?: Counts;
}

export interface CoverageData {
  files: Map<string, FileCoverage>;
  declared?: DeclaredTotals;
  /** Roots the report's relative paths are relative to (Cobertura `<sources>`), as written. */
  roots?: string[];
}

export class CoverageBuilder {
  readonly files = new Map<string, FileCoverage>();
  private readonly pages = new PackedPages();

  file(path: string): FileCoverage {
    let f = this.files.get(path);
    if (!f) {
      f = new FileCoverage(path, this.pages);
      this.files.set(path, f);
    }
    return f;
  }

  build(declared?: DeclaredTotals): CoverageData {
    for (const f of this.files.values()) f.finish();
    return declared ? { files: this.files, declared } : { files: this.files };
  }
}

export interface CoverageTotals {
  lines: Counts;
  branches: Counts;
  functions: Counts;
}

export function coverageTotals(files: Iterable<FileCoverage>): CoverageTotals {
  let lines: Counts = { total: 0, covered: 0 };
  let branches: Counts = { total: 0, covered: 0 };
  let functions: Counts = { total: 0, covered: 0 };
  for (const f of files) {
    lines = addCounts(lines, f.lines);
    branches = addCounts(branches, f.branches);
    functions = addCounts(functions, f.functions);
  }
  return { lines, branches, functions };
}
