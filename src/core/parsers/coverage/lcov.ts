/**
 * lcov tracefile (`.info`), as written by istanbul/c8/jest, geninfo,
 * coverage.py `coverage lcov` and llvm-cov.
 *
 * Counting: lines are the `DA` records (instrumented lines; a line is covered
 * when its hit count is > 0). `LF`/`LH` are kept as the report's declared
 * totals and a mismatch is a warning (llvm-cov's LF counts regions differently
 * from its DA lines). Branches are the `BRDA` records (`-` = not taken); with
 * none, `BRF`/`BRH` are used. Functions are the distinct `FN` names with their
 * `FNDA` hits; with none, `FNF`/`FNH`. A file named by several records (one per
 * test name) is merged: line hits summed, branches and functions by maximum.
 * Skipped, and counted in one warning: a DA, BRDA or FNDA record whose numbers
 * are not counts, and records of an unknown type.
 *
 * Reading: the file is scanned as UTF-8 bytes (UTF-16 is transcoded first).
 * The records that make up nearly all of a report (`DA`, `BRDA`, `FN`, `FNDA`,
 * the totals) are parsed in place when written the canonical way (decimal
 * digits, `-` for a branch not taken); any other line is decoded and read by
 * the general code, which gives the same result for the canonical forms. Each
 * file is packed as soon as its `end_of_record` is read.
 */
import { ReportParseError } from '../../errors.js';
import { CoverageBuilder, type FileCoverage } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import { utf8Blocks, type ByteSource } from '../../stream.js';
import type { ParseContext, ReportParser } from '../types.js';

const RECORD_RE = /^(?:TN|SF|DA|LF|LH|FN|FNDA|FNF|FNH|BRDA|BRF|BRH|VER|FNL|FNA):/m;

/** Longest line accepted (the same bound as textLines). */
const MAX_LINE = 64 * 1024 * 1024;

/**
 * The functions of one record, keyed by the UTF-8 bytes of their names: FN
 * and FNDA names are compared without making strings of them.
 */
class FunctionTable {
  private names = new Uint8Array(4096);
  private used = 0;
  private start = new Int32Array(64);
  private length = new Int32Array(64);
  private hash = new Int32Array(64);
  private hits = new Float64Array(64);
  count = 0;
  private slots = new Int32Array(128);

  reset(): void {
    if (this.count > 0) this.slots.fill(0);
    this.count = 0;
    this.used = 0;
  }

  /** Whether name `i` is b[s..e). */
  equals(i: number, b: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    if (this.length[i] !== len) return false;
    const names = this.names;
    const o = this.start[i]! - s;
    for (let k = s; k < e; k++) if (names[o + k] !== b[k]) return false;
    return true;
  }

  /** Index of the name b[s..e), added when new. */
  index(b: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const v = this.slots[slot]!;
      if (v === 0) break;
      if (this.hash[v - 1] === h && this.equals(v - 1, b, s, e)) return v - 1;
      slot = (slot + 1) & mask;
    }
    const i = this.count++;
    if (i === this.start.length) this.growEntries();
    const len = e - s;
    if (this.used + len > this.names.length) {
      const names = new Uint8Array(Math.max(this.names.length * 2, this.used + len));
      names.set(this.names.subarray(0, this.used));
      this.names = names;
    }
    const names = this.names;
    for (let k = s, o = this.used; k < e; k++, o++) names[o] = b[k]!;
    this.start[i] = this.used;
    this.length[i] = len;
    this.hash[i] = h;
    this.hits[i] = 0;
    this.used += len;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.slots[slot] = i + 1;
    return i;
  }

  private growEntries(): void {
    const n = this.start.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const out = make(n);
      out.set(a);
      return out;
    };
    this.start = grow(this.start, (k) => new Int32Array(k));
    this.length = grow(this.length, (k) => new Int32Array(k));
    this.hash = grow(this.hash, (k) => new Int32Array(k));
    this.hits = grow(this.hits, (k) => new Float64Array(k));
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.count; i++) {
      let slot = this.hash[i]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.slots = slots;
  }

  addHits(i: number, hits: number): void {
    this.hits[i] = this.hits[i]! + hits;
  }

  covered(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.hits[i]! > 0) n++;
    return n;
  }
}

const encoder = new TextEncoder();

/** The record being read (one object, reset at each SF). */
interface RecordState {
  file: FileCoverage | undefined;
  fns: FunctionTable;
  /** Index of the function the next FNDA record is expected to name (they usually follow the FN order). */
  fndaNext: number;
  fnf: number | undefined;
  fnh: number | undefined;
  brf: number | undefined;
  brh: number | undefined;
  lf: number | undefined;
  lh: number | undefined;
  branchLine: number;
  branchFound: number;
  branchCovered: number;
  sawBrda: boolean;
}

function parseCount(s: string): number {
  if (s === '-') return 0;
  const n = Number(s);
  return n;
}

function nonNegative(v: string): number | undefined {
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const NL = 10;
const CR = 13;
const COMMA = 44;
const COLON = 58;
const DASH = 45;
/** Bytes of `end_of_record`. */
const END_OF_RECORD = [101, 110, 100, 95, 111, 102, 95, 114, 101, 99, 111, 114, 100];

/** Value of the digits in b[p..e), or -1 when that is not 1-15 decimal digits. */
function digitsAt(b: Uint8Array, p: number, e: number): number {
  if (e <= p || e - p > 15) return -1;
  let v = 0;
  for (let i = p; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The value read by the last `countAt`. */
let count = 0;

/**
 * A line of 1-15 digits from `p` (`LF:`, `BRH:` ... values): sets `count` and
 * returns the offset of the next line, or -1 when the line is anything else.
 */
function countAt(b: Uint8Array, p: number): number {
  const s = p;
  let v = 0;
  let d = b[p]! - 48;
  if (d < 0 || d > 9) return -1;
  do {
    v = v * 10 + d;
    d = b[++p]! - 48;
  } while (d >= 0 && d <= 9);
  if (p - s > 15) return -1;
  if (b[p] === CR) p++;
  if (b[p] !== NL) return -1;
  count = v;
  return p + 1;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class LcovReader {
  readonly builder = new CoverageBuilder();
  readonly warnings: string[] = [];
  private declaredTotal = 0;
  private declaredCovered = 0;
  private declared = true;
  private skipped = 0;
  private firstSkip: string | undefined;
  readonly r: RecordState = {
    file: undefined,
    fns: new FunctionTable(),
    fndaNext: 0,
    fnf: undefined,
    fnh: undefined,
    brf: undefined,
    brh: undefined,
    lf: undefined,
    lh: undefined,
    branchLine: -1,
    branchFound: 0,
    branchCovered: 0,
    sawBrda: false,
  };
  records = 0;
  lineNo = 0;
  /** DA records of the current record, handed to the file at its end. */
  private daLines = new Uint32Array(1024);
  private daHits = new Uint32Array(1024);
  private daCount = 0;

  constructor(private readonly path: string) {}

  /** Buffer a DA record (line and hits already checked). */
  private da(line: number, hits: number): void {
    const n = this.daCount;
    if (n === this.daLines.length) {
      const lines = new Uint32Array(n * 2);
      lines.set(this.daLines);
      this.daLines = lines;
      const hitsCol = new Uint32Array(n * 2);
      hitsCol.set(this.daHits);
      this.daHits = hitsCol;
    }
    this.daLines[n] = line;
    this.daHits[n] = hits > 0xffffffff ? 0xffffffff : hits > 0 ? Math.floor(hits) : 0;
    this.daCount = n + 1;
  }

  private fail(problem: string, line: number): never {
    throw new ReportParseError(problem, { file: this.path, line });
  }

  private skip(why: string, line: number): void {
    this.skipped++;
    this.firstSkip ??= `line ${line}: ${why}`;
  }

  private startRecord(file: FileCoverage): void {
    const r = this.r;
    r.file = file;
    r.fns.reset();
    r.fndaNext = 0;
    r.fnf = r.fnh = r.brf = r.brh = r.lf = r.lh = undefined;
    r.branchLine = -1;
    r.branchFound = 0;
    r.branchCovered = 0;
    r.sawBrda = false;
  }

  private flushBranchLine(r: RecordState): void {
    if (r.branchFound > 0) r.file!.addBranches(r.branchLine, r.branchFound, r.branchCovered);
    r.branchFound = 0;
    r.branchCovered = 0;
  }

  endRecord(): void {
    const r = this.r;
    const file = r.file!;
    file.addLines(this.daLines, this.daHits, this.daCount);
    this.daCount = 0;
    this.flushBranchLine(r);
    if (!r.sawBrda && r.brf !== undefined && r.brf > 0) file.addBranches(0, r.brf, r.brh ?? 0);
    let total: number;
    let covered: number;
    if (r.fns.count > 0) {
      total = r.fns.count;
      covered = r.fns.covered();
    } else {
      total = r.fnf ?? 0;
      covered = Math.min(r.fnh ?? 0, total);
    }
    // Several records for one file: functions by maximum (a first record finds 0/0).
    const prior = file.functions;
    file.functions = { total: Math.max(prior.total, total), covered: Math.max(prior.covered, covered) };
    if (this.declared) {
      if (r.lf === undefined) this.declared = false;
      else {
        this.declaredTotal += r.lf;
        this.declaredCovered += r.lh ?? 0;
      }
    }
    file.finish();
    r.file = undefined;
    this.records++;
  }

  private fnNamed(r: RecordState, name: string): number {
    const bytes = encoder.encode(name);
    return r.fns.index(bytes, 0, bytes.length);
  }

  private addBranch(r: RecordState, ln: number, taken: number): void {
    r.sawBrda = true;
    if (ln !== r.branchLine) {
      this.flushBranchLine(r);
      r.branchLine = ln;
    }
    r.branchFound++;
    if (taken > 0) r.branchCovered++;
  }

  /** An SF record: starts the record of a file. */
  sourceFile(value: string, lineNo: number): void {
    if (this.r.file) {
      this.warnings.push(`${this.path}:${lineNo}: record for ${this.r.file.path} has no end_of_record`);
      this.endRecord();
    }
    const path = value.trim();
    if (!path) this.fail('SF record with an empty path', lineNo);
    this.startRecord(this.builder.file(path));
  }

  /** One line (without its terminator) read by the general code. */
  line(line: string, lineNo: number): void {
    if (line.length === 0) return;
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (line.trim() === 'end_of_record') {
        if (!this.r.file) this.fail('end_of_record without a preceding SF record', lineNo);
        this.endRecord();
        return;
      }
      if (line.trim() === '') return;
      this.fail(`unexpected line "${line.slice(0, 80)}" (not an lcov record)`, lineNo);
    }
    const tag = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (tag === 'SF') {
      this.sourceFile(value, lineNo);
      return;
    }
    if (tag === 'TN' || tag === 'VER') return;
    const r = this.r;
    if (!r.file) this.fail(`${tag} record outside a file record (no SF before it)`, lineNo);
    switch (tag) {
      case 'DA': {
        const c1 = value.indexOf(',');
        if (c1 < 0) {
          this.skip('DA without a hit count', lineNo);
          break;
        }
        const c2 = value.indexOf(',', c1 + 1);
        const ln = Number(value.slice(0, c1));
        const hits = Number(c2 < 0 ? value.slice(c1 + 1) : value.slice(c1 + 1, c2));
        if (!Number.isInteger(ln) || ln < 1 || ln > 0xfffffffe) this.skip(`DA line number "${value.slice(0, c1)}"`, lineNo);
        else if (!Number.isFinite(hits) || hits < 0) this.skip(`DA hit count "${value.slice(c1 + 1)}"`, lineNo);
        else this.da(ln, hits);
        break;
      }
      case 'BRDA': {
        const parts = value.split(',');
        if (parts.length < 4) {
          this.skip('BRDA with fewer than 4 fields', lineNo);
          break;
        }
        const ln = Number(parts[0]);
        const taken = parseCount(parts[parts.length - 1]!.trim());
        if (!Number.isInteger(ln) || ln < 0 || !Number.isFinite(taken) || taken < 0) {
          this.skip(`BRDA "${value.slice(0, 80)}"`, lineNo);
          break;
        }
        this.addBranch(r, ln, taken);
        break;
      }
      case 'FN': {
        // FN:<line>,<name> or (lcov 2) FN:<line>,<end line>,<name>
        const c1 = value.indexOf(',');
        if (c1 < 0) {
          this.skip('FN without a name', lineNo);
          break;
        }
        let rest = value.slice(c1 + 1);
        const c2 = rest.indexOf(',');
        if (c2 >= 0 && /^\d+$/.test(rest.slice(0, c2))) rest = rest.slice(c2 + 1);
        this.fnNamed(r, rest);
        break;
      }
      case 'FNDA': {
        const c1 = value.indexOf(',');
        if (c1 < 0) {
          this.skip('FNDA without a name', lineNo);
          break;
        }
        const hits = parseCount(value.slice(0, c1));
        if (!Number.isFinite(hits) || hits < 0) {
          this.skip(`FNDA hit count "${value.slice(0, c1)}"`, lineNo);
          break;
        }
        r.fns.addHits(this.fnNamed(r, value.slice(c1 + 1)), hits);
        break;
      }
      case 'FNF':
        r.fnf = nonNegative(value);
        break;
      case 'FNH':
        r.fnh = nonNegative(value);
        break;
      case 'BRF':
        r.brf = nonNegative(value);
        break;
      case 'BRH':
        r.brh = nonNegative(value);
        break;
      case 'LF':
        r.lf = nonNegative(value);
        break;
      case 'LH':
        r.lh = nonNegative(value);
        break;
      case 'FNL':
        // lcov 2.x: FNL:<index>,<line>[,<end line>]; the names come with FNA.
        break;
      case 'FNA': {
        // lcov 2.x: FNA:<index>,<hits>,<name>
        const parts = value.split(',');
        if (parts.length >= 3) {
          const hits = Number(parts[1]);
          const i = this.fnNamed(r, parts.slice(2).join(','));
          if (Number.isFinite(hits) && hits >= 0) r.fns.addHits(i, hits);
        }
        break;
      }
      default:
        this.skip(`unknown record type "${tag}"`, lineNo);
    }
  }

  /**
   * Read the complete lines of b[0..end) (each ends with `\n`; the caller keeps
   * the rest). Canonical records are parsed in place; the others go through
   * `line()`.
   */
  scan(b: Uint8Array, end: number): void {
    let p = 0;
    let lineNo = this.lineNo;
    const r = this.r;
    while (p < end) {
      lineNo++;
      const s = p;
      const c0 = b[s]!;
      const file = r.file;
      // Each fast path moves `p` to the next line when it has read the line,
      // and breaks out to the general code when the line is not canonical.
      fast: {
        if (c0 === NL) {
          p = s + 1;
          continue;
        }
        if (c0 === 84 /* T */ && b[s + 1] === 78 && b[s + 2] === COLON) {
          // TN:<test name>
          let nl = s + 3;
          while (b[nl] !== NL) nl++;
          p = nl + 1;
          continue;
        }
        if (c0 === 83 /* S */ && b[s + 1] === 70 && b[s + 2] === COLON) {
          // SF:<path>, read by the general code from its value alone
          const nextLine = b.indexOf(NL, s) + 1;
          const e = b[nextLine - 2] === CR ? nextLine - 2 : nextLine - 1;
          this.lineNo = lineNo;
          this.sourceFile(utf8.decode(b.subarray(s + 3, e)), lineNo);
          p = nextLine;
          continue;
        }
        if (file === undefined) break fast;
        if (c0 === 68 /* D */) {
          // DA:<line>,<hits>[,<checksum>]
          if (b[s + 1] !== 65 || b[s + 2] !== COLON) break fast;
          let q = s + 3;
          let ln = 0;
          let d = b[q]! - 48;
          if (d < 0 || d > 9) break fast;
          do {
            ln = ln * 10 + d;
            d = b[++q]! - 48;
          } while (d >= 0 && d <= 9);
          if (b[q] !== COMMA || ln < 1 || ln > 0xfffffffe) break fast;
          const h0 = ++q;
          let hits = 0;
          d = b[q]! - 48;
          if (d < 0 || d > 9) break fast;
          do {
            hits = hits * 10 + d;
            d = b[++q]! - 48;
          } while (d >= 0 && d <= 9);
          if (q - h0 > 15) break fast;
          let c = b[q];
          if (c === CR) c = b[++q];
          if (c === NL) p = q + 1;
          else if (c === COMMA && b[q - 1] !== CR) p = b.indexOf(NL, q) + 1;
          else break fast;
          this.da(ln, hits);
          continue;
        }
        // The other records: each is read in one pass up to its newline.
        if (c0 === 66 /* B */) {
          if (b[s + 1] !== 82) break fast;
          const c2 = b[s + 2];
          if (c2 === 68 && b[s + 3] === 65 && b[s + 4] === COLON) {
            // BRDA:<line>,<block>,<branch>,<taken>: at least 4 fields, the line first, `taken` last
            let q = s + 5;
            let ln = 0;
            let d = b[q]! - 48;
            if (d < 0 || d > 9) break fast;
            do {
              ln = ln * 10 + d;
              d = b[++q]! - 48;
            } while (d >= 0 && d <= 9);
            if (b[q] !== COMMA || q - s - 5 > 15) break fast;
            let lastComma = q;
            let commas = 0;
            let i = q + 1;
            for (let c = b[i]; c !== NL; c = b[++i]) {
              if (c === COMMA) {
                commas++;
                lastComma = i;
              }
            }
            const e = b[i - 1] === CR ? i - 1 : i;
            if (commas < 2) break fast;
            const taken = e === lastComma + 2 && b[lastComma + 1] === DASH ? 0 : digitsAt(b, lastComma + 1, e);
            if (taken < 0) break fast;
            this.addBranch(r, ln, taken);
            p = i + 1;
            continue;
          }
          if ((c2 === 70 || c2 === 72) && b[s + 3] === COLON) {
            // BRF:<n> / BRH:<n>
            const next = countAt(b, s + 4);
            if (next < 0) break fast;
            if (c2 === 70) r.brf = count;
            else r.brh = count;
            p = next;
            continue;
          }
          break fast;
        }
        if (c0 === 70 /* F */) {
          if (b[s + 1] !== 78) break fast;
          const c2 = b[s + 2];
          if (c2 === COLON) {
            // FN:<line>,<name> or (lcov 2) FN:<line>,<end line>,<name>
            let q = s + 3;
            let d = b[q]! - 48;
            if (d < 0 || d > 9) break fast;
            while (d >= 0 && d <= 9) d = b[++q]! - 48;
            if (b[q] !== COMMA || q - s - 3 > 15) break fast;
            let n0 = ++q;
            d = b[q]! - 48;
            while (d >= 0 && d <= 9) d = b[++q]! - 48;
            if (q > n0 && b[q] === COMMA) n0 = ++q;
            let c = b[q]!;
            while (c !== NL && c < 128) c = b[++q]!;
            if (c !== NL) break fast;
            r.fns.index(b, n0, b[q - 1] === CR ? q - 1 : q);
            p = q + 1;
            continue;
          }
          if (c2 === 68 && b[s + 3] === 65 && b[s + 4] === COLON) {
            // FNDA:<hits>,<name>
            let q = s + 5;
            let hits = 0;
            let d = b[q]! - 48;
            if (d < 0 || d > 9) break fast;
            do {
              hits = hits * 10 + d;
              d = b[++q]! - 48;
            } while (d >= 0 && d <= 9);
            if (b[q] !== COMMA || q - s - 5 > 15) break fast;
            const n0 = ++q;
            let c = b[q]!;
            while (c !== NL && c < 128) c = b[++q]!;
            if (c !== NL) break fast;
            const e = b[q - 1] === CR ? q - 1 : q;
            const fns = r.fns;
            let i = r.fndaNext;
            if (i < fns.count && fns.equals(i, b, n0, e)) r.fndaNext = i + 1;
            else i = fns.index(b, n0, e);
            fns.addHits(i, hits);
            p = q + 1;
            continue;
          }
          if ((c2 === 70 || c2 === 72) && b[s + 3] === COLON) {
            // FNF:<n> / FNH:<n>
            const next = countAt(b, s + 4);
            if (next < 0) break fast;
            if (c2 === 70) r.fnf = count;
            else r.fnh = count;
            p = next;
            continue;
          }
          break fast;
        }
        if (c0 === 76 /* L */) {
          // LF:<n> / LH:<n>
          const c1 = b[s + 1];
          if ((c1 !== 70 && c1 !== 72) || b[s + 2] !== COLON) break fast;
          const next = countAt(b, s + 3);
          if (next < 0) break fast;
          if (c1 === 70) r.lf = count;
          else r.lh = count;
          p = next;
          continue;
        }
        if (c0 === 101 /* e */) {
          for (let i = 1; i < 13; i++) if (b[s + i] !== END_OF_RECORD[i]) break fast;
          let q = s + 13;
          if (b[q] === CR) q++;
          if (b[q] !== NL) break fast;
          this.endRecord();
          p = q + 1;
          continue;
        }
      }
      // General case: decode the line and read it as text.
      const nextLine = b.indexOf(NL, s) + 1;
      const e = nextLine - 1 > s && b[nextLine - 2] === CR ? nextLine - 2 : nextLine - 1;
      p = nextLine;
      this.lineNo = lineNo;
      this.line(utf8.decode(b.subarray(s, e)), lineNo);
    }
    this.lineNo = lineNo;
  }

  /** The last line, when the file does not end with a newline. */
  last(b: Uint8Array): void {
    this.lineNo++;
    let e = b.length;
    if (e > 0 && b[e - 1] === CR) e--;
    this.line(utf8.decode(b.subarray(0, e)), this.lineNo);
  }

  result(): ReportPayload {
    if (this.r.file) {
      this.warnings.push(`${this.path}: last record (${this.r.file.path}) has no end_of_record; the file may be truncated`);
      this.endRecord();
    }
    if (this.records === 0) throw new ReportParseError('no SF records: not an lcov report, or empty', { file: this.path });
    if (this.skipped > 0) this.warnings.push(`${this.path}: skipped ${this.skipped} malformed record(s) (first: ${this.firstSkip})`);
    const data = this.builder.build(this.declared ? { lines: { total: this.declaredTotal, covered: this.declaredCovered } } : undefined);
    return { kind: 'coverage', coverage: data, warnings: this.warnings };
  }
}

function join(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const lcovParser: ReportParser = {
  format: 'lcov',
  kinds: ['coverage'],
  description: 'lcov tracefile (istanbul/c8/jest, geninfo, coverage.py, llvm-cov)',

  sniff(head) {
    return /^SF:/m.test(head) && RECORD_RE.test(head) && !head.trimStart().startsWith('<') && !head.trimStart().startsWith('{');
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const reader = new LcovReader(ctx.path);
    // Bytes of a line not yet complete, held until a block brings its newline.
    let pending: Uint8Array[] = [];
    let pendingSize = 0;
    // No gathering into larger blocks: this scan has no per-block cost to spread.
    const opts = ctx.onBytes ? { onBytes: ctx.onBytes, minBlock: 0 } : { minBlock: 0 };
    for await (const block of utf8Blocks(source, opts)) {
      if (ctx.signal?.aborted) throw new ReportParseError('parsing was cancelled', { file: ctx.path });
      const lastNl = block.lastIndexOf(NL);
      if (lastNl < 0) {
        pending.push(block);
        pendingSize += block.length;
        if (pendingSize > MAX_LINE) throw new ReportParseError(`line ${reader.lineNo + 1} is longer than ${MAX_LINE} characters`, { file: ctx.path });
        continue;
      }
      let buf = block;
      let end = lastNl + 1;
      if (pendingSize > 0) {
        // Complete the held line with the head of this block, read it, then the rest of the block.
        const firstNl = block.indexOf(NL);
        pending.push(block.subarray(0, firstNl + 1));
        const line = join(pending, pendingSize + firstNl + 1);
        reader.scan(line, line.length);
        pending = [];
        pendingSize = 0;
        buf = block.subarray(firstNl + 1);
        end = lastNl - firstNl;
      }
      reader.scan(buf, end);
      if (end < buf.length) {
        // Copy: the block's buffer may be reused by the reader.
        pending.push(buf.slice(end));
        pendingSize = buf.length - end;
      }
    }
    if (pendingSize > 0) reader.last(join(pending, pendingSize));
    return reader.result();
  },
};
