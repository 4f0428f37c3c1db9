/**
 * Selective, streaming JSON reading for the JSON report parsers.
 *
 * A parser names the parts of the document it needs as path patterns
 * (`['runs', '*', 'results', '*']`), and receives each matching value,
 * materialised on its own, in document order. Memory is bounded by the
 * largest selected value (plus one text chunk), not by the file.
 *
 * Patterns: each segment is an object key, an array index, or `*` (any key or
 * index). A value is delivered for the shortest pattern that matches it (the
 * first such pattern in the list when several of that length match); the
 * values inside it are not delivered again. `[]` selects the whole document.
 *
 * How the scanner works:
 * - It is a pushdown automaton with an explicit stack (no recursion), fed one
 *   text chunk at a time. A chunk may end anywhere: inside a string, an escape,
 *   a `\uXXXX` sequence, a number or a literal; the partial token is kept as
 *   state and finished by the next chunk. Chunks are never concatenated.
 * - Outside the selected values it only scans and validates: strings are
 *   stepped over without being copied, numbers and literals without being
 *   converted, containers are tracked by depth only. Inside a container that
 *   leads to a pattern it keeps the keys and indexes of the current path.
 *   Inside a selected value it builds the value as JSON.parse would: arrays,
 *   plain objects (a `__proto__` key becomes an own data property through
 *   Object.defineProperty, so no prototype ever changes; a repeated key keeps
 *   its first position and its last value), numbers through the same
 *   string-to-number conversion (`-0` stays -0, `1e400` is Infinity).
 * - The grammar is strict RFC 8259 JSON, as JSON.parse accepts it: no
 *   comments, no trailing commas, no leading zeros, no unescaped control
 *   characters in strings, no BOM (the byte-level reader drops it). Lone
 *   surrogates, escaped or raw, are kept as JSON.parse keeps them.
 * - Nesting deeper than `maxDepth` containers (the root container is level 1)
 *   is an error as soon as the offending bracket is read, anywhere in the
 *   document, selected or not.
 * - Errors are ReportParseError with the file, the 1-based line (counted by
 *   `\n`) and the 1-based column (counted in UTF-16 code units) of the
 *   offending character, or of the end of the input. An unterminated string
 *   is reported at its opening quote.
 *
 * - Memory: the scanner holds one window of character codes (at most 192 KiB),
 *   the open containers' kinds, the current path, the value being built and
 *   the matches completed in the current chunk. Delivered strings never share
 *   memory with the text chunks (see copyString), so keeping a few of them
 *   does not keep whole chunks alive.
 *
 * Differences from walking JSON.parse's result: "document order" is the order
 * of the text (JSON.parse lists integer-like keys such as "2" before other
 * keys). A key repeated on the way to a selected value delivers each
 * occurrence (a streaming reader cannot know that a later duplicate would
 * replace an earlier one); inside a selected value the last occurrence wins,
 * as with JSON.parse.
 */
import { ReportParseError } from './errors.js';

export type JsonPathSegment = string | number;
export type JsonPattern = readonly (string | number)[];

export interface JsonMatch {
  /** Index of the pattern that matched. */
  pattern: number;
  path: JsonPathSegment[];
  value: unknown;
}

export interface SelectJsonOptions {
  /** Display path for errors. */
  file: string;
  /** Nesting deeper than this is an error. */
  maxDepth: number;
}

// Grammar states: what the scanner expects next.
/** A value: the root, after ':' or after ',' in an array. */
const ST_VALUE = 0;
/** After '[': a value or ']'. */
const ST_ARRAY_FIRST = 1;
/** After '{': a key or '}'. */
const ST_OBJECT_FIRST = 2;
/** After ',' in an object: a key. */
const ST_KEY = 3;
const ST_COLON = 4;
/** After a value inside a container: ',' or the closing bracket. */
const ST_AFTER = 5;
/** After the root value: only whitespace. */
const ST_DONE = 6;
// Token states: a window ended inside a token.
const ST_STRING = 7;
const ST_NUMBER = 8;
const ST_LITERAL = 9;

// What happens to the values at the current depth.
/** On the way to a pattern: keys and indexes are tracked, nothing is built. */
const M_NAV = 0;
/** Inside a value no pattern reaches: validated only. */
const M_SKIP = 1;
/** Inside a selected value: built. */
const M_BUILD = 2;

// Number states (see num()); N_ZERO, N_INT, N_FRAC and N_EXP may end a number.
const N_MINUS = 1;
const N_ZERO = 2;
const N_INT = 3;
const N_DOT = 4;
const N_FRAC = 5;
const N_EXP_MARK = 6;
const N_EXP_SIGN = 7;
const N_EXP = 8;

const LITERALS: readonly string[] = ['true', 'false', 'null'];
const LITERAL_VALUES: readonly (boolean | null)[] = [true, false, null];

/**
 * Text is scanned in windows of at most this many characters. Each window is
 * first turned into one byte per UTF-16 code unit, because indexing a typed
 * array is several times cheaper than String#charCodeAt: TextEncoder writes
 * its UTF-8 (nearly free), which for ASCII text is already the answer; when
 * the window holds other characters, each multi-byte sequence is folded in
 * place into NON_ASCII (twice for a 4-byte sequence: a surrogate pair; a lone
 * surrogate is encoded as U+FFFD, 3 bytes, folded once). Only ASCII
 * characters matter to the grammar; string contents are sliced from the text.
 */
const WINDOW = 64 * 1024;
const NON_ASCII = 128;
const ENCODER = new TextEncoder();

/** Strings this long are copied rather than sliced (see copyString). */
const SLICE_SHARES = 13;
const KEY_CACHE_SIZE = 1024;
const KEY_CACHE_MAX_LENGTH = 40;

type Container = unknown[] | Record<string, unknown>;

function charName(c: number): string {
  if (c > 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * A copy of `s` that shares no memory with the text chunk it was cut from.
 * V8 represents a slice of 13 or more characters as a view that keeps the
 * whole chunk alive; a report parser keeping one message per result would
 * then keep every chunk of the file. Slicing a concatenation makes the engine
 * copy the characters into a new string first.
 */
function copyString(s: string): string {
  return (s + ' ').slice(0, -1);
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * The incremental scanner behind selectJson: `write` each text chunk, then
 * `end`; completed matches collect in `out` (the caller drains it).
 */
class JsonScanner {
  out: JsonMatch[] = [];

  private readonly patterns: readonly JsonPattern[];
  private readonly file: string;
  private readonly maxDepth: number;

  private st = ST_VALUE;
  private mode = M_NAV;
  /** Open containers. */
  private depth = 0;
  /** Per open container: 1 array, 0 object. */
  private readonly types: number[] = [];
  /** Path of the current value while navigating (length === depth in M_NAV). */
  private readonly path: JsonPathSegment[] = [];
  /** Next index, per navigated array (aligned with path). */
  private readonly navIdx: number[] = [];
  /** Depth at which the value being skipped or built started. */
  private skipBase = 0;
  private buildBase = 0;
  private selPattern = 0;
  /** Containers being built, and the pending key of each. */
  private readonly bstack: Container[] = [];
  private readonly bkeys: string[] = [];

  /** Character codes of the current window (see WINDOW). */
  private codes = new Uint8Array(0);
  /** The same bytes as 32-bit words, to find non-ASCII bytes four at a time. */
  private words = new Int32Array(0);
  /** Recent keys by a hash of their text, so that repeated keys are neither sliced nor copied again. */
  private readonly keyCache: (string | undefined)[] = new Array<string | undefined>(KEY_CACHE_SIZE);

  // Position: absolute offset of the current window, current line and the offset of its first character.
  private base = 0;
  private line = 1;
  private lineStart = 0;

  /** The string token just completed (when it was being built). */
  private tok = '';
  // String state across windows.
  private sAcc = '';
  private sBuild = false;
  private sKey = false;
  /** 0 none, 1 after '\', 2..5 reading the hex digits of '\u'. */
  private sEsc = 0;
  private sHex = 0;
  /** Absolute offset of the opening quote. */
  private sStart = 0;
  // Number state across windows.
  private nState = 0;
  private nText = '';
  // Literal state across windows.
  private lKind = 0;
  private lPos = 0;

  constructor(patterns: readonly JsonPattern[], opts: SelectJsonOptions) {
    this.patterns = patterns;
    this.file = opts.file;
    this.maxDepth = opts.maxDepth;
  }

  write(s: string): void {
    const len = s.length;
    try {
      if (len <= WINDOW) {
        this.window(s);
      } else {
        for (let a = 0; a < len; a += WINDOW) this.window(s.slice(a, Math.min(len, a + WINDOW)));
      }
    } catch (err) {
      throw this.wrap(err);
    }
  }

  end(): void {
    try {
      if (this.st === ST_STRING) throw this.fail('unterminated string', this.sStart);
      if (this.st === ST_NUMBER) {
        const ns = this.nState;
        if (ns !== N_ZERO && ns !== N_INT && ns !== N_FRAC && ns !== N_EXP) throw this.fail('unexpected end of input', this.base);
        const text = this.nText;
        this.nText = '';
        this.valueDone(this.mode === M_BUILD ? Number(text) : undefined);
      }
      if (this.st !== ST_DONE) throw this.fail('unexpected end of input', this.base);
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private window(w: string): void {
    const n = w.length;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.codes.length < 3 * n) {
      // A whole number of 32-bit words.
      this.codes = new Uint8Array((3 * Math.max(n, 4096) + 3) & ~3);
      this.words = new Int32Array(this.codes.buffer);
    }
    const b = this.codes;
    const written = ENCODER.encodeInto(w, b).written;
    if (written !== n) this.fold(b, written);
    let i = 0;
    if (this.st >= ST_STRING) i = this.resume(w, b, n);
    if (i >= 0) this.run(w, b, i, n);
    this.base += n;
  }

  /**
   * Turn the UTF-8 of a window that is not all ASCII into one code per UTF-16
   * code unit, in place: each multi-byte sequence becomes NON_ASCII (twice
   * for 4 bytes); runs of ASCII between them are found four bytes at a time
   * and moved with copyWithin.
   */
  private fold(b: Uint8Array, written: number): void {
    let j = this.nextHighByte(b, 0, written);
    let k = j;
    while (j < written) {
      const c = b[j]!;
      if (c < 0xe0) {
        b[k++] = NON_ASCII;
        j += 2;
      } else if (c < 0xf0) {
        b[k++] = NON_ASCII;
        j += 3;
      } else {
        b[k++] = NON_ASCII;
        b[k++] = NON_ASCII;
        j += 4;
      }
      const next = this.nextHighByte(b, j, written);
      if (next > j) {
        b.copyWithin(k, j, next);
        k += next - j;
        j = next;
      }
    }
  }

  /** Index of the first byte >= 0x80 in b[from, end), or end. */
  private nextHighByte(b: Uint8Array, from: number, end: number): number {
    let j = from;
    while (j & 3) {
      if (j >= end) return end;
      if (b[j]! >= 0x80) return j;
      j++;
    }
    const words = this.words;
    let q = j >> 2;
    const qEnd = end >> 2;
    while (q < qEnd && (words[q]! & 0x80808080) === 0) q++;
    j = q << 2;
    while (j < end) {
      if (b[j]! >= 0x80) return j;
      j++;
    }
    return end;
  }

  // ---- errors ----

  private fail(problem: string, pos: number): ReportParseError {
    return new ReportParseError(problem, { file: this.file, line: this.line, column: pos - this.lineStart + 1 });
  }

  private unexpected(w: string, i: number): ReportParseError {
    return this.fail(`unexpected character ${charName(w.charCodeAt(i))}`, this.base + i);
  }

  private wrap(err: unknown): ReportParseError {
    if (err instanceof ReportParseError) return err;
    // A string or array past the engine's limits, or similar: still a problem of this report.
    const msg = err instanceof RangeError && /string length/i.test(err.message) ? 'string too long' : `invalid JSON: ${err instanceof Error ? err.message : String(err)}`;
    return new ReportParseError(msg, { file: this.file, line: this.line });
  }

  // ---- the main loop ----

  private run(w: string, b: Uint8Array, i: number, n: number): void {
    while (i < n) {
      const c = b[i]!;
      if (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) {
        if (c === 10) {
          this.line++;
          this.lineStart = this.base + i + 1;
        }
        i++;
        continue;
      }
      switch (this.st) {
        case ST_VALUE:
          i = this.value(w, b, i, n, c);
          if (i < 0) return;
          break;
        case ST_AFTER:
          if (c === 44) {
            const d = this.depth;
            if (this.types[d - 1] === 1) {
              this.st = ST_VALUE;
              if (this.mode === M_NAV) this.navIdx[d - 1]!++;
            } else {
              this.st = ST_KEY;
            }
          } else if (c === 93 || c === 125) {
            this.close(w, c, i);
          } else {
            throw this.unexpected(w, i);
          }
          i++;
          break;
        case ST_KEY:
        case ST_OBJECT_FIRST:
          if (c === 34) {
            i = this.key(w, b, i, n);
            if (i < 0) return;
          } else if (c === 125 && this.st === ST_OBJECT_FIRST) {
            this.close(w, c, i);
            i++;
          } else {
            throw this.unexpected(w, i);
          }
          break;
        case ST_COLON:
          if (c !== 58) throw this.unexpected(w, i);
          this.st = ST_VALUE;
          i++;
          break;
        case ST_ARRAY_FIRST:
          if (c === 93) {
            this.close(w, c, i);
            i++;
          } else {
            i = this.value(w, b, i, n, c);
            if (i < 0) return;
          }
          break;
        default:
          throw this.fail('trailing data after the document', this.base + i);
      }
    }
  }

  /** Continue the token the previous window ended in; -1 when this window ends inside it too. */
  private resume(w: string, b: Uint8Array, n: number): number {
    let i = 0;
    if (this.st === ST_STRING) {
      if (this.sEsc !== 0) {
        i = this.escape(w, b, 0, n, this.sBuild);
        if (i < 0) return -1;
      }
      i = this.str(w, b, i, n, this.sBuild, this.sKey);
      if (i < 0) return -1;
      if (this.sKey) this.keyDone(this.tok);
      else this.valueDone(this.sBuild ? this.tok : undefined);
      return i;
    }
    if (this.st === ST_NUMBER) return this.num(w, b, 0, n, this.nState, -1);
    // ST_LITERAL
    const word = LITERALS[this.lKind]!;
    let k = this.lPos;
    while (k < word.length) {
      if (i >= n) {
        this.lPos = k;
        return -1;
      }
      if (b[i] !== word.charCodeAt(k)) throw this.unexpected(w, i);
      i++;
      k++;
    }
    this.valueDone(LITERAL_VALUES[this.lKind]);
    return i;
  }

  /** A value starts at i with character c. Returns the index after it, or -1 at the window's end. */
  private value(w: string, b: Uint8Array, i: number, n: number, c: number): number {
    if (this.mode === M_NAV) this.decide(c);
    if (c === 34) {
      const build = this.mode !== M_SKIP;
      const j = this.str(w, b, i + 1, n, build, false);
      if (j < 0) {
        this.st = ST_STRING;
        this.sBuild = build;
        this.sKey = false;
        this.sStart = this.base + i;
        return -1;
      }
      this.valueDone(build ? this.tok : undefined);
      return j;
    }
    if (c === 123 || c === 91) {
      this.open(w, c === 91, i);
      return i + 1;
    }
    if (c === 45 || (c >= 48 && c <= 57)) return this.number(w, b, i, n);
    let kind: number;
    if (c === 116) kind = 0;
    else if (c === 102) kind = 1;
    else if (c === 110) kind = 2;
    else throw this.unexpected(w, i);
    const word = LITERALS[kind]!;
    if (w.startsWith(word, i)) {
      this.valueDone(LITERAL_VALUES[kind]);
      return i + word.length;
    }
    let k = 1;
    let j = i + 1;
    // startsWith failed: either a wrong character or the window ends inside the word.
    while (j < n) {
      if (b[j] !== word.charCodeAt(k)) throw this.unexpected(w, j);
      j++;
      k++;
    }
    this.st = ST_LITERAL;
    this.lKind = kind;
    this.lPos = k;
    return -1;
  }

  private key(w: string, b: Uint8Array, i: number, n: number): number {
    const build = this.mode !== M_SKIP;
    const j = this.str(w, b, i + 1, n, build, true);
    if (j < 0) {
      this.st = ST_STRING;
      this.sBuild = build;
      this.sKey = true;
      this.sStart = this.base + i;
      return -1;
    }
    this.keyDone(this.tok);
    return j;
  }

  /** Which pattern (if any) the value about to start is delivered for, and whether to enter it. */
  private decide(c: number): void {
    const d = this.depth;
    const path = this.path;
    if (d > 0 && this.types[d - 1] === 1) path[d - 1] = this.navIdx[d - 1]!;
    const patterns = this.patterns;
    let leads = false;
    for (let k = 0; k < patterns.length; k++) {
      const p = patterns[k]!;
      if (p.length < d) continue;
      let j = 0;
      while (j < d) {
        const seg = p[j];
        if (seg !== '*' && seg !== path[j]) break;
        j++;
      }
      if (j < d) continue;
      if (p.length === d) {
        this.mode = M_BUILD;
        this.buildBase = d;
        this.selPattern = k;
        return;
      }
      leads = true;
    }
    if (leads && (c === 91 || c === 123)) return;
    this.mode = M_SKIP;
    this.skipBase = d;
  }

  private open(w: string, isArray: boolean, i: number): void {
    const d = this.depth + 1;
    if (d > this.maxDepth) throw this.fail(`JSON nesting too deep (more than ${this.maxDepth} levels)`, this.base + i);
    this.depth = d;
    this.types.push(isArray ? 1 : 0);
    if (this.mode === M_BUILD) {
      this.bstack.push(isArray ? [] : {});
      this.bkeys.push('');
    } else if (this.mode === M_NAV) {
      this.path.push(isArray ? 0 : '');
      this.navIdx.push(0);
    }
    this.st = isArray ? ST_ARRAY_FIRST : ST_OBJECT_FIRST;
  }

  private close(w: string, c: number, i: number): void {
    const d = this.depth;
    if ((c === 93 ? 1 : 0) !== this.types[d - 1]) throw this.unexpected(w, i);
    this.types.pop();
    this.depth = d - 1;
    if (this.mode === M_BUILD) {
      this.bkeys.pop();
      this.valueDone(this.bstack.pop());
      return;
    }
    if (this.mode === M_NAV) {
      this.path.pop();
      this.navIdx.pop();
    }
    this.valueDone(undefined);
  }

  /** A value ended at the current depth (a scalar, or a container just closed). */
  private valueDone(v: unknown): void {
    const d = this.depth;
    const mode = this.mode;
    if (mode === M_BUILD) {
      if (d === this.buildBase) {
        this.out.push({ pattern: this.selPattern, path: this.path.slice(0, d), value: v });
        this.mode = M_NAV;
      } else {
        const top = this.bstack.length - 1;
        const parent = this.bstack[top]!;
        if (this.types[d - 1] === 1) (parent as unknown[]).push(v);
        else setKey(parent as Record<string, unknown>, this.bkeys[top]!, v);
      }
    } else if (mode === M_SKIP && d === this.skipBase) {
      this.mode = M_NAV;
    }
    this.st = d === 0 ? ST_DONE : ST_AFTER;
  }

  private keyDone(k: string): void {
    if (this.mode === M_BUILD) this.bkeys[this.bkeys.length - 1] = k;
    else if (this.mode === M_NAV) this.path[this.depth - 1] = k;
    this.st = ST_COLON;
  }

  // ---- tokens ----

  /**
   * String content from i (after the opening quote, or continuing). Returns
   * the index after the closing quote, with the content in `tok` when
   * building, or -1 when the window ends first (content so far in `sAcc`).
   */
  private str(w: string, b: Uint8Array, i: number, n: number, build: boolean, isKey: boolean): number {
    let start = i;
    for (;;) {
      let c = 0;
      while (i < n) {
        c = b[i]!;
        if (c === 34 || c === 92 || c < 32) break;
        i++;
      }
      if (i >= n) {
        if (build && start < n) this.sAcc += w.slice(start, n);
        return -1;
      }
      if (c === 34) {
        if (build) {
          const acc = this.sAcc;
          if (acc !== '') {
            this.tok = copyString(acc + w.slice(start, i));
            this.sAcc = '';
          } else if (isKey) {
            this.tok = this.cachedKey(w, b, start, i);
          } else {
            this.tok = i - start < SLICE_SHARES ? w.slice(start, i) : copyString(w.slice(start, i));
          }
        }
        return i + 1;
      }
      if (c === 92) {
        if (build && i > start) this.sAcc += w.slice(start, i);
        this.sEsc = 1;
        i = this.escape(w, b, i + 1, n, build);
        if (i < 0) return -1;
        start = i;
        continue;
      }
      throw this.fail(`unescaped control character ${charName(c)} in string`, this.base + i);
    }
  }

  /** The key text w[a, q), from the cache when it was seen recently. */
  private cachedKey(w: string, b: Uint8Array, a: number, q: number): string {
    const len = q - a;
    if (len === 0 || len > KEY_CACHE_MAX_LENGTH) return len < SLICE_SHARES ? w.slice(a, q) : copyString(w.slice(a, q));
    const h = (len * 97 + b[a]! * 31 + b[q - 1]! * 7 + b[a + (len >> 1)]!) & (KEY_CACHE_SIZE - 1);
    const cached = this.keyCache[h];
    if (cached !== undefined && cached.length === len && w.startsWith(cached, a)) return cached;
    const k = len < SLICE_SHARES ? w.slice(a, q) : copyString(w.slice(a, q));
    this.keyCache[h] = k;
    return k;
  }

  /** An escape sequence from i (after the backslash, or continuing): index after it, or -1 at the window's end. */
  private escape(w: string, b: Uint8Array, i: number, n: number, build: boolean): number {
    while (i < n) {
      const c = b[i]!;
      if (this.sEsc === 1) {
        let ch: string;
        switch (c) {
          case 34: ch = '"'; break;
          case 92: ch = '\\'; break;
          case 47: ch = '/'; break;
          case 98: ch = '\b'; break;
          case 102: ch = '\f'; break;
          case 110: ch = '\n'; break;
          case 114: ch = '\r'; break;
          case 116: ch = '\t'; break;
          case 117:
            this.sEsc = 2;
            this.sHex = 0;
            i++;
            continue;
          default: {
            const raw = w.charCodeAt(i);
            throw this.fail(`invalid escape '\\${raw > 32 && raw < 127 ? String.fromCharCode(raw) : charName(raw)}' in string`, this.base + i);
          }
        }
        if (build) this.sAcc += ch;
        this.sEsc = 0;
        return i + 1;
      }
      const h = hexValue(c);
      if (h < 0) throw this.fail(`invalid \\u escape: ${charName(w.charCodeAt(i))} is not a hex digit`, this.base + i);
      this.sHex = this.sHex * 16 + h;
      i++;
      if (++this.sEsc === 6) {
        if (build) this.sAcc += String.fromCharCode(this.sHex);
        this.sEsc = 0;
        return i;
      }
    }
    return -1;
  }

  /**
   * A number starting at i. Integers of up to 15 digits (exact in a double)
   * are computed while scanning; anything else goes through num().
   */
  private number(w: string, b: Uint8Array, i: number, n: number): number {
    const neg = b[i] === 45;
    let j = neg ? i + 1 : i;
    if (j < n) {
      let c = b[j]!;
      let v = 0;
      if (c === 48) {
        j++;
      } else if (c >= 49 && c <= 57) {
        v = c - 48;
        j++;
        while (j < n && (c = b[j]!) >= 48 && c <= 57) {
          v = v * 10 + (c - 48);
          j++;
        }
      } else {
        throw this.unexpected(w, j);
      }
      if (j < n) {
        c = b[j]!;
        if (c !== 46 && c !== 101 && c !== 69) {
          let value: number | undefined;
          if (this.mode === M_BUILD) value = j - i <= 15 ? (neg ? -v : v) : Number(w.slice(i, j));
          this.valueDone(value);
          return j;
        }
      }
    }
    const first = b[i]!;
    return this.num(w, b, i + 1, n, first === 45 ? N_MINUS : first === 48 ? N_ZERO : N_INT, i);
  }

  /**
   * A number from i in state `ns` (its first character, at `start`, is
   * consumed; `start` is -1 when continuing from the previous window).
   * Returns the index of the first character after it, or -1 at the window's
   * end (state kept). Grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
   */
  private num(w: string, b: Uint8Array, i: number, n: number, ns: number, start: number): number {
    scan: while (i < n) {
      const c = b[i]!;
      switch (ns) {
        case N_INT:
        case N_FRAC:
        case N_EXP:
          if (c >= 48 && c <= 57) break;
          if (ns === N_EXP) break scan;
          if (c === 46 && ns === N_INT) ns = N_DOT;
          else if (c === 101 || c === 69) ns = N_EXP_MARK;
          else break scan;
          break;
        case N_ZERO:
          if (c === 46) ns = N_DOT;
          else if (c === 101 || c === 69) ns = N_EXP_MARK;
          else break scan;
          break;
        case N_MINUS:
          if (c < 48 || c > 57) throw this.unexpected(w, i);
          ns = c === 48 ? N_ZERO : N_INT;
          break;
        case N_DOT:
          if (c < 48 || c > 57) throw this.unexpected(w, i);
          ns = N_FRAC;
          break;
        case N_EXP_MARK:
          if (c === 43 || c === 45) ns = N_EXP_SIGN;
          else if (c >= 48 && c <= 57) ns = N_EXP;
          else throw this.unexpected(w, i);
          break;
        default: // N_EXP_SIGN
          if (c < 48 || c > 57) throw this.unexpected(w, i);
          ns = N_EXP;
      }
      i++;
    }
    const build = this.mode === M_BUILD;
    if (i >= n) {
      // The window ended inside the number (or right after it: the next window decides).
      if (build) this.nText += start >= 0 ? w.slice(start, n) : w;
      this.nState = ns;
      this.st = ST_NUMBER;
      return -1;
    }
    if (ns !== N_ZERO && ns !== N_INT && ns !== N_FRAC && ns !== N_EXP) throw this.unexpected(w, i);
    let v: number | undefined;
    if (build) {
      v = Number(start >= 0 ? w.slice(start, i) : this.nText + w.slice(0, i));
    }
    this.nText = '';
    this.valueDone(v);
    return i;
  }
}

/**
 * Deliver the values at `patterns` from a JSON text stream, as they complete.
 * Throws ReportParseError (with line and column) for anything that is not one
 * strict JSON document, or nests deeper than `opts.maxDepth`.
 */
export async function* selectJson(
  chunks: AsyncIterable<string>,
  patterns: readonly JsonPattern[],
  opts: SelectJsonOptions,
): AsyncGenerator<JsonMatch> {
  const scanner = new JsonScanner(patterns, opts);
  for await (const chunk of chunks) {
    scanner.write(chunk);
    if (scanner.out.length > 0) {
      const ready = scanner.out;
      scanner.out = [];
      for (const m of ready) yield m;
    }
  }
  scanner.end();
  for (const m of scanner.out) yield m;
  scanner.out = [];
}
