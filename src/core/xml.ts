/**
 * Hardened streaming XML for the XML report parsers: a purpose-built
 * tokenizer over UTF-8 bytes.
 *
 * - Entities: only the five predefined ones (`&amp;` `&lt;` `&gt;` `&quot;`
 *   `&apos;`) and character references are expanded; any other reference is
 *   an "undefined entity" error. A DOCTYPE is skipped without reading any DTD:
 *   entities declared in its internal subset are never expanded (billion
 *   laughs) and external ones are never fetched (XXE: SYSTEM
 *   "file:///etc/passwd"). A DOCTYPE alone, as JaCoCo and Cobertura write, is
 *   accepted and handed to `doctype` as written.
 * - Depth: nesting deeper than `limits.maxDepth` stops the parse; there is no
 *   recursion, so no depth can overflow the stack.
 * - Attributes arrive in null-prototype objects (`toObject`), so `__proto__`
 *   as a name is inert.
 * - Encoding: a BOM, else a UTF-16 pattern of `<?`, else the XML
 *   declaration's `encoding`, else UTF-8. Anything but UTF-8 is transcoded to
 *   UTF-8 first; invalid UTF-8 becomes U+FFFD in the strings handed out.
 * - Well-formedness: names, attribute syntax, quoting, duplicate attributes,
 *   matching end tags, a single root, no text outside it, comments, CDATA,
 *   processing instructions, the XML declaration's place and version,
 *   and `]]>` in text. C0 control characters, U+FFFE and U+FFFF, which XML
 *   forbids but real tools write (terminal colour codes in failure messages,
 *   jest-junit copying test names), are tolerated in text and attribute
 *   values: colour sequences are dropped and the others become U+FFFD
 *   (`cleanControls`). Line endings are normalised (`\r\n` and `\r` to `\n`), and
 *   whitespace characters in attribute values to spaces, as XML requires.
 *   Names are checked on their ASCII characters; non-ASCII name characters are
 *   accepted as they are.
 * - Errors are ReportParseError with the report's path, the line and the
 *   column (in characters) where the problem was found; a handler's error is
 *   located just after the tag it was given.
 *
 * Speed: the bytes are scanned once, by byte-class tables. Nothing is
 * decoded unless a handler asks for it: `readXml` hands `open` an attribute
 * reader that compares names in place and can read a decimal attribute
 * without making a string (`digits`); `text` gets a reader whose `value()`
 * decodes on demand. `parseXml` is the plain interface on top (strings and
 * attribute objects). Tag and attribute names are interned, short values are
 * cached.
 */
import { ReportParseError, errorMessage } from './errors.js';
import type { ParseContext } from './parsers/types.js';
import { detectBom, encodingName, peek, utf8Blocks, type ByteSource } from './stream.js';

export type XmlAttributes = Record<string, string>;

export interface XmlHandlers {
  /** An element opened; `depth` is 1 for the root. */
  open(name: string, attrs: XmlAttributes, depth: number): void;
  close?(name: string, depth: number): void;
  /** Character data (text and CDATA), only when the handler is given. */
  text?(text: string): void;
  doctype?(doctype: string): void;
}

/** The attributes of the element being opened, read in place: valid only during the `open` call. */
export interface XmlAttributeReader {
  readonly count: number;
  /** The value of `name` (entities expanded), or undefined when absent. */
  get(name: string): string | undefined;
  /**
   * The value of `name` when it is written as 1 to 15 decimal digits and
   * nothing else; ABSENT (-1) when there is no such attribute, OTHER (-2) when
   * it is written any other way (read it with `get`).
   */
  digits(name: string): number;
  /** Whether `name` is present with the value `value` (ASCII letters without case when `ignoreCase`). */
  is(name: string, value: string, ignoreCase?: boolean): boolean;
  /** Every attribute, in a null-prototype object. */
  toObject(): XmlAttributes;
}

/** A run of character data, decoded only when asked. */
export interface XmlText {
  value(): string;
}

export interface XmlReaderHandlers {
  /**
   * An element opened. Return true to be given the character data inside it
   * (until it closes) through `text`; no other text is reported.
   */
  open(name: string, attrs: XmlAttributeReader, depth: number): boolean | void;
  close?(name: string, depth: number): void;
  text?(text: XmlText): void;
  doctype?(doctype: string): void;
}

export const ABSENT = -1;
export const OTHER = -2;

/** Thrown by handlers to reject a document with a message (located by parseXml). */
export class XmlShapeError extends Error {}

/** A malformed document, located by the reader. */
class XmlSyntaxError extends Error {}

const DECL_RE = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/** The encoding named in the XML declaration, when the head is ASCII-compatible and TextDecoder knows it. */
function declaredEncoding(head: Uint8Array): string | undefined {
  const text = new TextDecoder('latin1').decode(head.subarray(0, 256));
  const m = DECL_RE.exec(text.trimStart());
  if (!m) return undefined;
  const name = encodingName(m[1]!.toLowerCase());
  // UTF-16 declared in ASCII-compatible bytes without a BOM cannot be right: read as UTF-8.
  if (name === 'utf-16le' || name === 'utf-16be') return undefined;
  return name;
}

function sourceEncoding(head: Uint8Array): string | undefined {
  if (detectBom(head).bomLength > 0) return undefined;
  // `<?` in UTF-16 without a BOM.
  if (head[0] === 0x3c && head[1] === 0 && head[2] === 0x3f && head[3] === 0) return 'utf-16le';
  if (head[0] === 0 && head[1] === 0x3c && head[2] === 0 && head[3] === 0x3f) return 'utf-16be';
  return declaredEncoding(head);
}

// ---------------------------------------------------------------- byte classes

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const EQ = 0x3d;
const DQ = 0x22;
const SQ = 0x27;
const NL = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SP = 0x20;
const RSQB = 0x5d;
const LSQB = 0x5b;
const DASH = 0x2d;
const SEMI = 0x3b;
const ESC = 0x1b;
/** Longest terminal escape sequence kept whole across two buffers. */
const ESC_SEQUENCE = 32;

/** Content: 0 plain, 1 `<`, 2 `&`, 3 `\n`, 4 `\r`, 5 `>`, 6 forbidden control, 7 0xEF (may start U+FFFE/U+FFFF). */
const CONTENT = new Uint8Array(256);
/** Attribute values: 0 plain, 1 quote, 2 `&`, 3 `<`, 4 `\n`, 5 `\r`, 6 tab, 7 forbidden control, 8 non-ASCII, 9 0xEF. */
const VALUE = new Uint8Array(256);
/** Names: 0 not a name character, 1 may start a name, 2 only inside a name. */
const NAME = new Uint8Array(256);
/** Whitespace. */
const WS = new Uint8Array(256);
for (let c = 0; c < 32; c++) {
  CONTENT[c] = 6;
  VALUE[c] = 7;
}
CONTENT[TAB] = 0;
CONTENT[LT] = 1;
CONTENT[AMP] = 2;
CONTENT[NL] = 3;
CONTENT[CR] = 4;
CONTENT[GT] = 5;
CONTENT[0xef] = 7;
VALUE[DQ] = 1;
VALUE[SQ] = 1;
VALUE[AMP] = 2;
VALUE[LT] = 3;
VALUE[NL] = 4;
VALUE[CR] = 5;
VALUE[TAB] = 6;
for (let c = 0x80; c < 256; c++) {
  VALUE[c] = 8;
  NAME[c] = 1;
}
VALUE[0xef] = 9;
for (let c = 0x41; c <= 0x5a; c++) NAME[c] = NAME[c + 32] = 1;
NAME[0x5f] = NAME[0x3a] = 1;
for (let c = 0x30; c <= 0x39; c++) NAME[c] = 2;
NAME[DASH] = NAME[0x2e] = 2;
WS[SP] = WS[TAB] = WS[NL] = WS[CR] = 1;

// Flags of an attribute value or a run of text.
const F_ENTITY = 1;
const F_SPACE = 2;
const F_NONASCII = 4;
const F_CR = 8;
const F_CDATA = 16;
const F_CTRL = 32;

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function expandEntities(s: string): string {
  // The tokenizer has checked every reference: `&` always starts one of the five names or `#`, and `;` ends it.
  let out = '';
  let from = 0;
  for (let a = s.indexOf('&'); a >= 0; a = s.indexOf('&', from)) {
    const e = s.indexOf(';', a + 2);
    out += s.slice(from, a);
    from = e + 1;
    if (s.charCodeAt(a + 1) === 0x23) {
      const hex = s.charCodeAt(a + 2) === 0x78;
      let v = 0;
      for (let i = a + (hex ? 3 : 2); i < e; i++) {
        const c = s.charCodeAt(i);
        v = hex ? v * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57) : v * 10 + c - 0x30;
      }
      out += v < 0x10000 ? String.fromCharCode(v) : String.fromCodePoint(v);
    } else {
      out += PREDEFINED[s.slice(a + 1, e)]!;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * Text that held C0 control characters, which XML 1.0 forbids but real tools
 * write anyway (jest-junit and others copy terminal colour codes from failure
 * messages, U+FFFF from test names): ANSI escape sequences (CSI
 * `ESC [ ... final`, and a two-byte `ESC x`) are dropped, any other control
 * character and U+FFFE/U+FFFF become U+FFFD.
 */
export function cleanControls(s: string): string {
  let out = '';
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0xfffe) || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    out += s.slice(from, i);
    from = i + 1;
    if (c === 0x1b && i + 1 < n) {
      let j = i + 1;
      const c1 = s.charCodeAt(j);
      if (c1 === 0x5b) {
        // CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final byte 0x40-0x7E.
        j++;
        while (j < n && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x3f) j++;
        while (j < n && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
        if (j < n && s.charCodeAt(j) >= 0x40 && s.charCodeAt(j) <= 0x7e) {
          from = j + 1;
          i = j;
          continue;
        }
      } else if (c1 >= 0x40 && c1 <= 0x5f) {
        from = j + 1;
        i = j;
        continue;
      }
    }
    out += '\ufffd';
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * Where a terminal escape sequence that may be cut at `end` starts: the last
 * ESC among the bytes before `end` (no further back than `start`, a line end
 * or ESC_SEQUENCE bytes), else `end`.
 */
function escapeStart(b: Uint8Array, start: number, end: number): number {
  for (let j = end - 1; j >= start && j >= end - ESC_SEQUENCE; j--) {
    const c = b[j];
    if (c === ESC || (c === AMP && escapeRef(b, j, end))) return j;
    if (c === NL || c === CR) break;
  }
  return end;
}

/** Whether b[at..end) starts with a character reference to ESC (`&#27;`, `&#x1b;`). */
function escapeRef(b: Uint8Array, at: number, end: number): boolean {
  let p = at + 1;
  if (b[p] !== 0x23) return false;
  let hex = false;
  if (++p < end && (b[p] === 0x78 || b[p] === 0x58)) {
    hex = true;
    p++;
  }
  let v = 0;
  for (; p < end && b[p] !== SEMI; p++) {
    const d = hexDigit(b[p]!);
    if (d < 0 || (!hex && d > 9)) return false;
    v = v * (hex ? 16 : 10) + d;
    if (v > 0x1b) return false;
  }
  return p >= end || v === 0x1b;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** The code point of the character reference whose digits are b[s..e) (after `&#`), or NaN when it is malformed. */
function charRef(b: Uint8Array, s: number, e: number): number {
  let hex = false;
  if (b[s] === 0x78) {
    hex = true;
    s++;
  }
  const digits = e - s;
  if (digits < 1 || digits > (hex ? 8 : 10)) return NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = hexDigit(b[i]!);
    if (d < 0 || (!hex && d > 9)) return NaN;
    v = v * (hex ? 16 : 10) + d;
  }
  return v;
}

/** Whether b[s..e) names one of the five predefined entities. */
function predefined(b: Uint8Array, s: number, e: number): boolean {
  switch (e - s) {
    case 2:
      return (b[s] === 0x6c || b[s] === 0x67) && b[s + 1] === 0x74; // lt gt
    case 3:
      return b[s] === 0x61 && b[s + 1] === 0x6d && b[s + 2] === 0x70; // amp
    case 4:
      return (b[s] === 0x71 && b[s + 1] === 0x75 && b[s + 2] === 0x6f && b[s + 3] === 0x74) || (b[s] === 0x61 && b[s + 1] === 0x70 && b[s + 2] === 0x6f && b[s + 3] === 0x73); // quot apos
    default:
      return false;
  }
}

/** Characters a character reference may name: XML's, plus the C0 controls that `cleanControls` handles. */
function isXmlChar(c: number): boolean {
  return (c >= 1 && c < 0x20) || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const charCodes: number[] = [];

/** Name guesses: slots (depths, attribute positions) and bytes a slot holds. */
const GUESSES = 64;
const GUESS_BYTES = 32;

/** Largest token (tag, comment, declaration) held in memory while it is read. */
const MAX_TOKEN = 256 * 1024 * 1024;

/** No element's text is wanted. */
const NO_TEXT = 0x7fffffff;

/** States between two buffers. */
const IN_CONTENT = 0;
const IN_COMMENT = 1;
const IN_CDATA = 2;

class Attributes implements XmlAttributeReader {
  constructor(private readonly r: XmlReader) {}

  get count(): number {
    return this.r.attrCount;
  }

  get(name: string): string | undefined {
    const i = this.r.findAttr(name);
    return i < 0 ? undefined : this.r.attrValue(i);
  }

  digits(name: string): number {
    const r = this.r;
    const i = r.findAttr(name);
    if (i < 0) return ABSENT;
    const a = r.attrs;
    const k = i * 5;
    if (a[k + 4] !== 0) return OTHER;
    const s = a[k + 2]!;
    const e = a[k + 3]!;
    if (e <= s || e - s > 15) return OTHER;
    const b = r.buf;
    let v = 0;
    for (let p = s; p < e; p++) {
      const d = b[p]! - 48;
      if (d < 0 || d > 9) return OTHER;
      v = v * 10 + d;
    }
    return v;
  }

  is(name: string, value: string, ignoreCase = false): boolean {
    const r = this.r;
    const i = r.findAttr(name);
    if (i < 0) return false;
    const a = r.attrs;
    const k = i * 5;
    if (a[k + 4] !== 0) {
      const v = r.attrValue(i);
      return ignoreCase ? v.toLowerCase() === value.toLowerCase() : v === value;
    }
    const s = a[k + 2]!;
    if (a[k + 3]! - s !== value.length) return false;
    const b = r.buf;
    for (let p = 0; p < value.length; p++) {
      let c = b[s + p]!;
      let w = value.charCodeAt(p);
      if (ignoreCase) {
        if (c >= 0x41 && c <= 0x5a) c += 32;
        if (w >= 0x41 && w <= 0x5a) w += 32;
      }
      if (c !== w) return false;
    }
    return true;
  }

  toObject(): XmlAttributes {
    const r = this.r;
    const out = Object.create(null) as XmlAttributes;
    for (let i = 0; i < r.attrCount; i++) out[r.attrNames[i]!] = r.attrValue(i);
    return out;
  }
}

class Text implements XmlText {
  constructor(private readonly r: XmlReader) {}

  value(): string {
    const r = this.r;
    let s = r.str(r.textStart, r.textEnd, nonAscii(r.buf, r.textStart, r.textEnd));
    if (r.textFlags & F_CR) s = s.replace(/\r\n?/g, '\n');
    if (r.textFlags & F_ENTITY) s = expandEntities(s);
    if (r.textFlags & F_CTRL) s = cleanControls(s);
    return s;
  }
}

/** Tokenizer state and the current buffer. */
class XmlReader {
  buf: Uint8Array = new Uint8Array(0);
  /** Bytes of `buf` in use. */
  private n = 0;
  private final = false;
  /** Absolute offset of buf[0] in the (UTF-8) document. */
  private base = 0;
  private line = 1;
  /** Absolute offset of the first byte of the current line. */
  private lineStart = 0;
  /** Characters of the current line that lie before `base`. */
  private colCarry = 0;
  /** Where the problem is, for errors: an offset in `buf`. */
  pos = 0;
  private mode = IN_CONTENT;

  private readonly stack: string[] = [];
  private depth = 0;
  sawRoot = false;
  private rootClosed = false;
  private sawDoctype = false;

  attrs = new Int32Array(5 * 16);
  /** Names of the attributes (interned): the previous tag's names are tried first. */
  attrNames: string[] = [];
  attrCount = 0;
  /** Depth of the outermost element whose text the handler asked for (NO_TEXT: none). */
  private textDepth = NO_TEXT;
  /** How many attribute names (from the first) are known to be distinct. */
  private checkedCount = 0;
  /** The element name last seen at each depth, tried first when reading the next one. */
  private readonly depthNames: string[] = [];
  /** Bytes of those names (per depth) and of the previous tag's attribute names (per position). */
  private readonly elemGuess = new Uint8Array(GUESSES * GUESS_BYTES);
  private readonly elemGuessLen = new Int32Array(GUESSES);
  private readonly attrGuess = new Uint8Array(GUESSES * GUESS_BYTES);
  private readonly attrGuessLen = new Int32Array(GUESSES);

  /** Keep b[s..e) as the guess for slot `i` (names longer than a slot are not kept). */
  private remember(bytes: Uint8Array, lens: Int32Array, i: number, s: number, e: number): void {
    const len = e - s;
    if (len > GUESS_BYTES) {
      lens[i] = 0;
      return;
    }
    const b = this.buf;
    const off = i * GUESS_BYTES;
    for (let k = 0; k < len; k++) bytes[off + k] = b[s + k]!;
    lens[i] = len;
  }
  textStart = 0;
  textEnd = 0;
  textFlags = 0;
  /** Flags the last entity reference adds to its text: F_ENTITY, with F_CTRL for a control character. */
  refFlags = F_ENTITY;

  private readonly attrReader = new Attributes(this);
  private readonly textReader = new Text(this);
  private readonly names: (string | undefined)[] = new Array<string | undefined>(1024);
  private readonly values: (string | undefined)[] = new Array<string | undefined>(4096);

  constructor(
    private readonly h: XmlReaderHandlers,
    private readonly maxDepth: number,
  ) {}

  // ------------------------------------------------------------ positions

  fail(problem: string, at: number): never {
    this.pos = at;
    throw new XmlSyntaxError(problem);
  }

  /** 1-based line and column of buffer offset `pos`. */
  location(): { line: number; column: number } {
    const b = this.buf;
    const ls = this.lineStart - this.base;
    let col = ls >= 0 ? 0 : this.colCarry;
    for (let p = Math.max(0, ls); p < this.pos; p++) if ((b[p]! & 0xc0) !== 0x80) col++;
    return { line: this.line, column: col + 1 };
  }

  /** Count the line breaks in buf[from..to) (a `\r\n` pair once). */
  private lines(from: number, to: number): void {
    const b = this.buf;
    for (let p = from; p < to; p++) {
      const c = b[p];
      if (c === NL || (c === CR && b[p + 1] !== NL)) {
        this.line++;
        this.lineStart = this.base + p + 1;
      }
    }
  }

  /** Drop the first `used` bytes of the buffer (the caller moves the rest to the front). */
  shift(used: number): void {
    const ls = this.lineStart - this.base;
    if (this.lineStart < this.base + used) {
      const b = this.buf;
      let col = ls >= 0 ? 0 : this.colCarry;
      for (let p = Math.max(0, ls); p < used; p++) if ((b[p]! & 0xc0) !== 0x80) col++;
      this.colCarry = col;
    }
    this.base += used;
  }

  // ------------------------------------------------------------ strings

  /** Interned name for buf[s..e). */
  name(s: number, e: number): string {
    const b = this.buf;
    let h = e - s;
    let ascii = true;
    for (let p = s; p < e; p++) {
      const c = b[p]!;
      if (c >= 128) ascii = false;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (!ascii) return internalize(utf8.decode(b.subarray(s, e)));
    const slot = (h ^ (h >>> 10)) & 1023;
    const hit = this.names[slot];
    if (hit !== undefined && sameAscii(b, s, e, hit)) return hit;
    const made = internalize(asciiString(b, s, e));
    this.names[slot] = made;
    return made;
  }

  /** The string of buf[s..e) (no entities). */
  str(s: number, e: number, nonAscii: number): string {
    const b = this.buf;
    const len = e - s;
    if (nonAscii || len > 24) return utf8.decode(b.subarray(s, e));
    if (len > 12) return asciiString(b, s, e);
    let h = len;
    for (let p = s; p < e; p++) h = (Math.imul(h, 31) + b[p]!) | 0;
    const slot = (h ^ (h >>> 12)) & 4095;
    const hit = this.values[slot];
    if (hit !== undefined && sameAscii(b, s, e, hit)) return hit;
    const made = asciiString(b, s, e);
    this.values[slot] = made;
    return made;
  }

  attrValue(i: number): string {
    const a = this.attrs;
    const k = i * 5;
    const flags = a[k + 4]!;
    let v = this.str(a[k + 2]!, a[k + 3]!, flags & F_NONASCII);
    if (flags & F_SPACE) v = v.replace(/\r\n|[\r\n\t]/g, ' ');
    if (flags & F_ENTITY) v = expandEntities(v);
    if (flags & F_CTRL) v = cleanControls(v);
    return v;
  }

  findAttr(name: string): number {
    const names = this.attrNames;
    for (let i = 0; i < this.attrCount; i++) if (names[i] === name) return i;
    return -1;
  }

  // ------------------------------------------------------------ driver

  /**
   * Read buf[0..n): returns how many bytes were consumed. The rest (an
   * unfinished token) is offered again, completed, in the next call. With
   * `final`, everything is consumed or an error is thrown.
   */
  feed(buf: Uint8Array, n: number, final: boolean): number {
    // A 0 byte after the data stops the hot loops without a bounds test (0 is never plain).
    if (buf.length <= n) throw new RangeError('the buffer needs a byte after the data');
    buf[n] = 0;
    this.buf = buf;
    this.n = n;
    this.final = final;
    let p = 0;
    if (this.mode === IN_COMMENT) {
      p = this.comment(0);
      if (p < 0) return this.incomplete(0, -p - 1);
    } else if (this.mode === IN_CDATA) {
      p = this.cdata(0);
      if (p < 0) return this.incomplete(0, -p - 1);
    }
    while (p < n) {
      const q = this.content(p);
      if (q < 0) return this.incomplete(p, -q - 1);
      p = q;
      if (p >= n) break;
      // At `<`.
      const line = this.line;
      const lineStart = this.lineStart;
      const t = this.markup(p);
      if (t < 0) {
        // -1: nothing of the token can be consumed; below -1: a streamed token consumed up to -t - 2.
        if (t === -1) {
          this.line = line;
          this.lineStart = lineStart;
          return this.incomplete(p, p);
        }
        return this.incomplete(p, -t - 2);
      }
      p = t;
    }
    if (final) this.end(n);
    return n;
  }

  /** The input stopped inside a token that started at `start`; `used` bytes of it are consumed. */
  private incomplete(start: number, used: number): number {
    if (!this.final) return used;
    this.lines(used, this.n);
    this.end(this.n);
    this.fail('unexpected end.', this.n);
    return this.n;
  }

  /** End of input: what saxes reports, in its order. */
  private end(at: number): void {
    if (!this.sawRoot) this.fail('no XML root element: the file is empty or not XML', at);
    if (this.stack.length > 0) this.fail(`unclosed tag: ${this.stack[this.stack.length - 1]}`, at);
    if (this.mode !== IN_CONTENT) this.fail('unexpected end.', at);
  }

  // ------------------------------------------------------------ content

  /**
   * Character data from `p` to the next `<` (returned) or the end of the
   * buffer. Returns -(k + 1) when only up to k can be consumed (a `\r`, `]`,
   * entity or multi-byte character cut by the end of the buffer).
   */
  private content(p: number): number {
    const b = this.buf;
    const n = this.n;
    const start = p;
    let flags = 0;
    // The usual run between two tags: a newline and indentation.
    if (b[p] === NL && p < n) {
      this.line++;
      this.lineStart = this.base + ++p;
      while (b[p] === SP) p++;
    }
    for (;;) {
      const cls = CONTENT[b[p]!]!;
      if (cls === 0) {
        p++;
        continue;
      }
      if (cls === 1 || p >= n) break;
      if (cls === 3) {
        this.line++;
        this.lineStart = this.base + p + 1;
        p++;
      } else if (cls === 2) {
        const e = this.entity(p);
        if (e < 0) return this.cut(start, p, flags);
        flags |= this.refFlags;
        p = e;
      } else if (cls === 4) {
        if (p + 1 >= n && !this.final) return this.cut(start, p, flags);
        if (b[p + 1] !== NL) {
          this.line++;
          this.lineStart = this.base + p + 1;
        }
        flags |= F_CR;
        p++;
      } else if (cls === 5) {
        if (p - 2 >= start && b[p - 1] === RSQB && b[p - 2] === RSQB) this.fail('the string "]]>" is disallowed in char data.', p + 1);
        p++;
      } else if (cls === 6) {
        flags |= F_CTRL;
        p++;
      } else {
        // 0xEF: U+FFFE and U+FFFF are not XML characters.
        if (p + 2 >= n && !this.final) return this.cut(start, p, flags);
        if (b[p + 1] === 0xbf && (b[p + 2] === 0xbe || b[p + 2] === 0xbf)) flags |= F_CTRL;
        p++;
      }
    }
    if (p >= n && !this.final) {
      // Keep back `]` (a possible `]]>`) and a multi-byte character cut by the end.
      let k = p;
      while (k > start && k > p - 2 && b[k - 1] === RSQB) k--;
      if (k === p) {
        let j = p - 1;
        while (j >= start && j > p - 4 && (b[j]! & 0xc0) === 0x80) j--;
        if (j >= start && b[j]! >= 0xc0 && j + (b[j]! >= 0xf0 ? 4 : b[j]! >= 0xe0 ? 3 : 2) > p) k = j;
      }
      // A terminal escape sequence cut by the end: kept whole for `cleanControls`.
      if (k === p && flags & F_CTRL) k = escapeStart(b, start, p);
      if (k < p) return this.cut(start, k, flags);
    }
    this.emitText(start, p, flags);
    return p;
  }

  /** Emit buf[start..p) as text and report that only up to `p` can be consumed. */
  private cut(start: number, p: number, flags: number): number {
    this.emitText(start, p, flags);
    return -(p + 1);
  }

  private emitText(s: number, e: number, flags: number): void {
    if (e <= s) return;
    if (this.depth === 0) {
      const b = this.buf;
      for (let p = s; p < e; p++) if (!WS[b[p]!]) this.fail('text data outside of root node.', p + 1);
      return;
    }
    if (this.depth < this.textDepth || !this.h.text) return;
    this.textStart = s;
    this.textEnd = e;
    this.textFlags = flags;
    this.pos = e;
    this.h.text(this.textReader);
  }

  /**
   * An entity reference at `p` (`&`): checks it and returns the offset after
   * its `;`, or -1 when the buffer ends first.
   */
  private entity(p: number): number {
    const b = this.buf;
    const n = this.n;
    let q = p + 1;
    const limit = p + 64;
    while (q < n && q < limit && b[q] !== SEMI) {
      const c = b[q]!;
      if (!NAME[c] && c !== 0x23) this.fail(q === p + 1 ? 'disallowed character in entity name.' : 'invalid entity reference (no ";").', q + 1);
      q++;
    }
    if (q >= n) {
      if (this.final) this.fail('unexpected end.', n);
      return -1;
    }
    if (b[q] !== SEMI) this.fail('entity name too long.', q);
    if (q === p + 1) this.fail('empty entity name.', q + 1);
    if (b[p + 1] === 0x23) {
      // A character reference, read from the bytes: a flood of them makes no strings here.
      const cp = charRef(b, p + 2, q);
      if (!isXmlChar(cp)) this.fail('malformed character entity.', q + 1);
      this.refFlags = cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d ? F_ENTITY | F_CTRL : F_ENTITY;
      return q + 1;
    }
    if (!predefined(b, p + 1, q)) {
      this.fail(`undefined entity: &${asciiString(b, p + 1, q)}; (only the predefined entities and character references are expanded)`, q + 1);
    }
    this.refFlags = F_ENTITY;
    return q + 1;
  }

  // ------------------------------------------------------------ markup

  /** Markup at `p` (`<`): returns the offset after it, -1 when it is cut by the end of the buffer. */
  private markup(p: number): number {
    const b = this.buf;
    if (p + 1 >= this.n) return -1;
    const c = b[p + 1]!;
    if (NAME[c] === 1) return this.startTag(p);
    if (c === SLASH) return this.endTag(p);
    if (c === BANG) return this.bang(p);
    if (c === QMARK) return this.pi(p);
    return this.fail('disallowed character in tag name.', p + 2);
  }

  /** Skip whitespace from `p`, counting lines; returns the offset of the next other byte (maybe `n`). */
  private space(p: number): number {
    const b = this.buf;
    const n = this.n;
    while (p < n) {
      const c = b[p]!;
      if (c === SP || c === TAB) p++;
      else if (c === NL) {
        this.line++;
        this.lineStart = this.base + ++p;
      } else if (c === CR) {
        if (b[p + 1] !== NL) {
          this.line++;
          this.lineStart = this.base + p + 1;
        }
        p++;
      } else break;
    }
    return p;
  }

  private startTag(lt: number): number {
    const b = this.buf;
    const n = this.n;
    let p = lt + 1;
    const nameStart = p;
    // The name of the previous element at this depth, compared in place.
    const level = this.depth + 1;
    const gl = level < GUESSES ? this.elemGuessLen[level]! : 0;
    let guessed = false;
    if (gl > 0 && p + gl < n) {
      const g = this.elemGuess;
      const off = level * GUESS_BYTES;
      let k = 0;
      while (k < gl && b[p + k] === g[off + k]) k++;
      if (k === gl && !NAME[b[p + gl]!]) {
        p += gl;
        guessed = true;
      }
    }
    if (!guessed) {
      while (NAME[b[p]!]) p++;
      if (p >= n) return -1;
    }
    const nameEnd = p;
    let count = 0;
    let selfClose = false;
    // Whether every attribute name is the one the previous tag had at its position.
    let sameNames = true;
    // Known distinct names, reset until this tag is complete (an unfinished tag may change names).
    const checked = this.checkedCount;
    this.checkedCount = 0;
    for (;;) {
      // Between attributes: whitespace (usually one space), then a name, `>` or `/>`.
      let c = b[p]!;
      let spaced = false;
      if (c === SP) {
        if (++p >= n) return -1;
        c = b[p]!;
        spaced = true;
      }
      if (WS[c]) {
        p = this.space(p);
        if (p >= n) return -1;
        c = b[p]!;
        spaced = true;
      }
      if (c === GT) {
        p++;
        break;
      }
      if (c === SLASH) {
        if (p + 1 >= n) return -1;
        if (b[p + 1] !== GT) this.fail('forward-slash in opening tag not followed by >.', p + 2);
        p += 2;
        selfClose = true;
        break;
      }
      if (NAME[c] !== 1) this.fail('disallowed character in attribute name.', p + 1);
      if (!spaced) this.fail('no whitespace between attributes.', p + 1);
      const an = p;
      // The name this position had in the previous tag, compared in place.
      const gl = count < GUESSES ? this.attrGuessLen[count]! : 0;
      let guessed = false;
      if (gl > 0 && an + gl < n) {
        const g = this.attrGuess;
        const off = count * GUESS_BYTES;
        let k = 0;
        while (k < gl && b[an + k] === g[off + k]) k++;
        if (k === gl && !NAME[b[an + gl]!]) {
          p = an + gl;
          guessed = true;
        }
      }
      if (!guessed) {
        p++;
        while (NAME[b[p]!]) p++;
        if (p >= n) return -1;
      }
      const anEnd = p;
      if (b[p] !== EQ) {
        p = this.space(p);
        if (p >= n) return -1;
        if (b[p] !== EQ) this.fail('attribute without value.', p + 1);
      }
      if (++p >= n) return -1;
      let q = b[p]!;
      if (q !== DQ && q !== SQ) {
        p = this.space(p);
        if (p >= n) return -1;
        q = b[p]!;
        if (q !== DQ && q !== SQ) this.fail('unquoted attribute value.', p + 1);
      }
      const vs = ++p;
      let flags = 0;
      for (;;) {
        const c2 = b[p]!;
        const cls = VALUE[c2]!;
        if (cls === 0) {
          p++;
          continue;
        }
        if (p >= n) return -1;
        if (cls === 1) {
          if (c2 === q) break;
          p++;
        } else if (cls === 2) {
          const e = this.entity(p);
          if (e < 0) return -1;
          flags |= this.refFlags;
          p = e;
        } else if (cls === 3) {
          this.fail('disallowed character.', p + 1);
        } else if (cls === 4) {
          this.line++;
          this.lineStart = this.base + p + 1;
          flags |= F_SPACE;
          p++;
        } else if (cls === 5) {
          if (p + 1 >= n) return -1;
          if (b[p + 1] !== NL) {
            this.line++;
            this.lineStart = this.base + p + 1;
          }
          flags |= F_SPACE;
          p++;
        } else if (cls === 6) {
          flags |= F_SPACE;
          p++;
        } else if (cls === 7) {
          flags |= F_CTRL;
          p++;
        } else {
          if (cls === 9) {
            if (p + 2 >= n) return -1;
            if (b[p + 1] === 0xbf && (b[p + 2] === 0xbe || b[p + 2] === 0xbf)) flags |= F_CTRL;
          }
          flags |= F_NONASCII;
          p++;
        }
      }
      let a = this.attrs;
      const k = count * 5;
      if (k === a.length) {
        a = new Int32Array(a.length * 2);
        a.set(this.attrs);
        this.attrs = a;
      }
      a[k] = an;
      a[k + 1] = anEnd;
      a[k + 2] = vs;
      a[k + 3] = p;
      a[k + 4] = flags;
      if (!guessed) {
        sameNames = false;
        this.attrNames[count] = this.name(an, anEnd);
        if (count < GUESSES) this.remember(this.attrGuess, this.attrGuessLen, count, an, anEnd);
      }
      count++;
      if (++p >= n) return -1;
    }
    // The tag is complete: from here on, errors are located after it.
    this.pos = p;
    this.attrCount = count;
    // The previous tag's names had no duplicates: the same names (or fewer of them) have none either.
    if (count > 1 && !(sameNames && count <= checked)) this.checkDuplicates(count, p);
    this.checkedCount = sameNames ? Math.max(count, checked) : count;
    if (this.depth === 0 && this.rootClosed) this.fail('documents may contain only one root.', p);
    const depth = ++this.depth;
    let name: string;
    if (guessed) name = this.depthNames[depth]!;
    else {
      name = this.name(nameStart, nameEnd);
      this.depthNames[depth] = name;
      if (depth < GUESSES) this.remember(this.elemGuess, this.elemGuessLen, depth, nameStart, nameEnd);
    }
    this.sawRoot = true;
    if (depth > this.maxDepth) this.fail(`nesting too deep (more than ${this.maxDepth} levels)`, p);
    if (this.h.open(name, this.attrReader, depth) === true && depth < this.textDepth) this.textDepth = depth;
    if (selfClose) {
      this.pos = p;
      this.h.close?.(name, depth);
      if (depth === this.textDepth) this.textDepth = NO_TEXT;
      if (--this.depth === 0) this.rootClosed = true;
    } else this.stack.push(name);
    return p;
  }

  private checkDuplicates(count: number, at: number): void {
    const names = this.attrNames;
    for (let i = 1; i < count; i++) {
      const name = names[i]!;
      for (let j = 0; j < i; j++) if (names[j] === name) this.fail(`duplicate attribute: ${name}.`, at);
    }
  }

  private endTag(lt: number): number {
    const b = this.buf;
    const n = this.n;
    let p = lt + 2;
    if (p >= n) return -1;
    if (NAME[b[p]!] !== 1) this.fail('disallowed character in closing tag.', p + 1);
    const nameStart = p;
    while (NAME[b[p]!]) p++;
    const nameEnd = p;
    p = this.space(p);
    if (p >= n) return -1;
    if (b[p] !== GT) this.fail('disallowed character in closing tag.', p + 1);
    p++;
    this.pos = p;
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.fail(`unexpected close tag </${this.name(nameStart, nameEnd)}>: no element is open`, p);
    if (!sameAscii(b, nameStart, nameEnd, top) && this.name(nameStart, nameEnd) !== top) {
      this.fail(`unmatched closing tag: </${this.name(nameStart, nameEnd)}> closes <${top}>.`, p);
    }
    this.h.close?.(top, this.depth);
    if (this.depth === this.textDepth) this.textDepth = NO_TEXT;
    this.stack.pop();
    if (--this.depth === 0) this.rootClosed = true;
    return p;
  }

  /** `<!`: comment, CDATA section or DOCTYPE. */
  private bang(lt: number): number {
    const b = this.buf;
    const n = this.n;
    if (lt + 2 >= n) return -1;
    // A streamed comment or CDATA section returns -(k + 1) when it is cut at k: that is -(k + 2) here.
    if (b[lt + 2] === DASH) {
      if (lt + 3 >= n) return -1;
      if (b[lt + 3] !== DASH) this.fail('incorrect syntax.', lt + 4);
      const e = this.comment(lt + 4);
      return e >= 0 ? e : e - 1;
    }
    if (lt + 9 > n) {
      if (!startsWith(b, lt + 2, n, '[CDATA[') && !startsWith(b, lt + 2, n, 'DOCTYPE')) this.fail('incorrect syntax.', n);
      return -1;
    }
    if (startsWith(b, lt + 2, lt + 9, '[CDATA[')) {
      if (this.depth === 0) this.fail('text data outside of root node.', lt + 9);
      const e = this.cdata(lt + 9);
      return e >= 0 ? e : e - 1;
    }
    if (startsWith(b, lt + 2, lt + 9, 'DOCTYPE')) return this.doctype(lt);
    return this.fail('incorrect syntax.', lt + 3);
  }

  /**
   * The rest of a comment from `p`. Returns the offset after `-->`, or
   * -(k + 1) when the buffer ends and only up to k can be consumed (the
   * comment goes on in the next buffer).
   */
  private comment(p: number): number {
    const b = this.buf;
    const n = this.n;
    for (;;) {
      if (p + 2 >= n) {
        // Keep back what may start `-->` and a `\r`; count lines up to there.
        const keep = Math.max(p, n - 2);
        this.lines(p, keep);
        this.mode = IN_COMMENT;
        return -(keep + 1);
      }
      const c = b[p]!;
      if (c === DASH && b[p + 1] === DASH) {
        if (b[p + 2] !== GT) this.fail('malformed comment ("--" inside it).', p + 3);
        this.mode = IN_CONTENT;
        return p + 3;
      }
      if (c < SP) {
        if (c === NL) {
          this.line++;
          this.lineStart = this.base + p + 1;
        } else if (c === CR) {
          if (b[p + 1] !== NL) {
            this.line++;
            this.lineStart = this.base + p + 1;
          }
        }
        // Any other control character is skipped with the comment.
      }
      p++;
    }
  }

  /** The rest of a CDATA section from `p`, as `comment` (its text goes to `text`). */
  private cdata(p: number): number {
    const b = this.buf;
    const n = this.n;
    const start = p;
    let flags = F_CDATA;
    for (;;) {
      if (p + 2 >= n) {
        const keep = Math.max(p, n - 2);
        this.lines(p, keep);
        let k = keep;
        // Do not cut a multi-byte character, nor a terminal escape sequence.
        while (k > start && (b[k]! & 0xc0) === 0x80) k--;
        if (flags & F_CTRL) k = escapeStart(b, start, k);
        this.emitText(start, k, flags);
        this.mode = IN_CDATA;
        return -(k + 1);
      }
      const c = b[p]!;
      if (c === RSQB && b[p + 1] === RSQB && b[p + 2] === GT) {
        this.emitText(start, p, flags);
        this.mode = IN_CONTENT;
        return p + 3;
      }
      if (c < SP) {
        if (c === NL) {
          this.line++;
          this.lineStart = this.base + p + 1;
        } else if (c === CR) {
          flags |= F_CR;
          if (b[p + 1] !== NL) {
            this.line++;
            this.lineStart = this.base + p + 1;
          }
        } else if (c !== TAB) flags |= F_CTRL;
      }
      p++;
    }
  }

  /** `<!DOCTYPE ...>`, skipped without reading the DTD: quoted literals, an internal subset, its comments and PIs. */
  private doctype(lt: number): number {
    if (this.sawRoot || this.sawDoctype) this.fail('inappropriately located doctype declaration.', lt + 9);
    const b = this.buf;
    const n = this.n;
    let p = lt + 9;
    let subset = false;
    while (p < n) {
      const c = b[p]!;
      if (c === DQ || c === SQ) {
        const q = b.indexOf(c, p + 1);
        if (q < 0 || q >= n) return -1;
        this.lines(p, q);
        p = q + 1;
      } else if (subset && c === LT && b[p + 1] === BANG && b[p + 2] === DASH && b[p + 3] === DASH) {
        const q = indexOfSeq(b, p + 4, n, DASH, DASH, GT);
        if (q < 0) return -1;
        this.lines(p, q);
        p = q + 3;
      } else if (subset && c === LT && b[p + 1] === QMARK) {
        const q = indexOfSeq(b, p + 2, n, QMARK, GT, -1);
        if (q < 0) return -1;
        this.lines(p, q);
        p = q + 2;
      } else if (c === LSQB && !subset) {
        subset = true;
        p++;
      } else if (c === RSQB && subset) {
        subset = false;
        p++;
      } else if (c === GT && !subset) {
        p++;
        this.sawDoctype = true;
        this.pos = p;
        this.h.doctype?.(utf8.decode(b.subarray(lt + 9, p - 1)));
        return p;
      } else {
        if (c === NL || (c === CR && b[p + 1] !== NL)) {
          this.line++;
          this.lineStart = this.base + p + 1;
        }
        p++;
      }
    }
    return -1;
  }

  /** `<?target ...?>`: a processing instruction (skipped) or the XML declaration (checked). */
  private pi(lt: number): number {
    const b = this.buf;
    const n = this.n;
    let p = lt + 2;
    if (p >= n) return -1;
    if (NAME[b[p]!] !== 1) this.fail('processing instruction without a target.', p + 1);
    while (NAME[b[p]!]) p++;
    if (p >= n) return -1;
    const targetEnd = p;
    const end = indexOfSeq(b, p, n, QMARK, GT, -1);
    if (end < 0) return -1;
    if (end > p && !WS[b[p]!]) this.fail('disallowed character in processing instruction name.', p + 1);
    this.lines(p, end);
    const isXml = targetEnd - lt === 5 && startsWith(b, lt + 2, targetEnd, 'xml');
    if (isXml) {
      if (this.base + lt !== 0) this.fail('an XML declaration must be at the start of the document.', end + 2);
      this.pos = end + 2;
      checkDeclaration(asciiString(b, targetEnd, end), (m) => this.fail(m, end + 2));
    }
    return end + 2;
  }
}

/** The XML declaration's pseudo-attributes: a version 1.x first, then encoding and standalone. */
function checkDeclaration(body: string, fail: (m: string) => never): void {
  const re = /\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gy;
  const seen: string[] = [];
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(body)) !== null) {
    last = re.lastIndex;
    const key = m[1]!;
    const value = m[2] ?? m[3] ?? '';
    const expected = ['version', 'encoding', 'standalone'].filter((k) => !seen.includes(k) && (k === 'version' || seen.includes('version')));
    if (!expected.includes(key)) fail(`unexpected "${key}" in the XML declaration.`);
    seen.push(key);
    if (key === 'version' && !/^1\.[0-9]+$/.test(value)) fail('version number must match /^1\\.[0-9]+$/.');
    if (key === 'encoding' && !/^[A-Za-z][A-Za-z0-9._-]*$/.test(value)) fail('encoding value must match /^[A-Za-z][A-Za-z0-9._-]*$/.');
    if (key === 'standalone' && value !== 'yes' && value !== 'no') fail('standalone value must match "yes" or "no".');
  }
  if (body.slice(last).trim() !== '') fail('XML declaration is malformed.');
  if (!seen.includes('version')) fail('XML declaration must contain a version.');
}

function nonAscii(b: Uint8Array, s: number, e: number): number {
  for (let p = s; p < e; p++) if (b[p]! >= 128) return F_NONASCII;
  return 0;
}

/**
 * The engine's unique copy of a name (as for property keys), so that
 * comparing it with the literals handlers use is a pointer comparison.
 */
function internalize(s: string): string {
  const o: Record<string, number> = {};
  o[s] = 0;
  return Object.keys(o)[0] ?? s;
}

function asciiString(b: Uint8Array, s: number, e: number): string {
  charCodes.length = e - s;
  for (let p = s; p < e; p++) charCodes[p - s] = b[p]!;
  return String.fromCharCode.apply(null, charCodes);
}

/** Whether b[s..e) is the ASCII string `str` (a non-ASCII `str` never matches raw bytes). */
function sameAscii(b: Uint8Array, s: number, e: number, str: string): boolean {
  if (e - s !== str.length) return false;
  for (let p = s; p < e; p++) {
    const c = str.charCodeAt(p - s);
    if (c >= 128 || b[p] !== c) return false;
  }
  return true;
}

/** Whether b[s..e) starts with (as much of) `lit` (as fits before e). */
function startsWith(b: Uint8Array, s: number, e: number, lit: string): boolean {
  for (let i = 0; i < lit.length && s + i < e; i++) if (b[s + i] !== lit.charCodeAt(i)) return false;
  return true;
}

/** Offset of the sequence c1 c2 [c3] in b[p..n), or -1. */
function indexOfSeq(b: Uint8Array, p: number, n: number, c1: number, c2: number, c3: number): number {
  for (;;) {
    const i = b.indexOf(c1, p);
    if (i < 0 || i >= n) return -1;
    if (i + 1 >= n || (c3 >= 0 && i + 2 >= n)) return -1;
    if (b[i + 1] === c2 && (c3 < 0 || b[i + 2] === c3)) return i;
    p = i + 1;
  }
}

/** Working buffer size: blocks are read into it and tokens are completed in it. */
const WORK = 1024 * 1024;

/**
 * Read an XML document with the in-place interfaces (attribute reader, lazy
 * text). Errors are ReportParseError with the path, line and column.
 */
export async function readXml(
  source: ByteSource,
  ctx: ParseContext,
  handlers: XmlReaderHandlers,
  /** Initial size of the working buffer (tests make it tiny to cut tokens everywhere). */
  opts: { workSize?: number } = {},
): Promise<void> {
  const { head, source: replay } = await peek(source, 512);
  const encoding = sourceEncoding(head);
  const reader = new XmlReader(handlers, ctx.limits.maxDepth);
  const locate = (problem: string): ReportParseError => new ReportParseError(problem, { file: ctx.path, ...reader.location() });
  // One byte more than the capacity, for the reader's end marker.
  let work = new Uint8Array(Math.max(1, opts.workSize ?? WORK) + 1);
  let len = 0;
  try {
    const opts: { onBytes?: (n: number) => void; fallbackEncoding?: string; minBlock: number } = { minBlock: 0 };
    if (ctx.onBytes) opts.onBytes = ctx.onBytes;
    if (encoding) opts.fallbackEncoding = encoding;
    for await (const chunk of utf8Blocks(replay, opts)) {
      if (ctx.signal?.aborted) throw new ReportParseError('parsing was cancelled', { file: ctx.path });
      let off = 0;
      while (off < chunk.length) {
        if (len === work.length - 1) {
          const used = reader.feed(work, len, false);
          if (used === 0) {
            // One token fills the buffer: make room for it.
            if (work.length >= MAX_TOKEN) throw new XmlSyntaxError(`a tag, comment or declaration longer than ${MAX_TOKEN} bytes`);
            const grown = new Uint8Array((work.length - 1) * 2 + 1);
            grown.set(work);
            work = grown;
          } else {
            reader.shift(used);
            work.copyWithin(0, used, len);
            len -= used;
          }
          continue;
        }
        const take = Math.min(chunk.length - off, work.length - 1 - len);
        work.set(chunk.subarray(off, off + take), len);
        len += take;
        off += take;
      }
    }
    reader.feed(work, len, true);
  } catch (err) {
    if (err instanceof ReportParseError) throw err;
    if (err instanceof XmlSyntaxError || err instanceof XmlShapeError) throw locate(err.message);
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw locate('nesting too deep');
    throw locate(errorMessage(err));
  }
}

/** Read an XML document with plain strings and attribute objects. */
export function parseXml(source: ByteSource, ctx: ParseContext, handlers: XmlHandlers, opts: { workSize?: number } = {}): Promise<void> {
  const text = handlers.text;
  const wantText = text !== undefined;
  const doctype = handlers.doctype;
  const close = handlers.close;
  const reader: XmlReaderHandlers = {
    // Text is wanted everywhere when there is a text handler.
    open: (name, attrs, depth) => {
      handlers.open(name, attrs.toObject(), depth);
      return wantText;
    },
  };
  if (close) reader.close = (name, depth) => close.call(handlers, name, depth);
  if (text) reader.text = (t) => text.call(handlers, t.value());
  if (doctype) reader.doctype = (d) => doctype.call(handlers, d);
  return readXml(source, ctx, reader, opts);
}

/** Integer attribute or undefined (missing, empty, "NaN", negative, fractional). */
export function intAttr(attrs: XmlAttributes, name: string): number | undefined {
  const v = attrs[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Finite number attribute or undefined. */
export function numAttr(attrs: XmlAttributes, name: string): number | undefined {
  const v = attrs[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Where the root element's start tag begins in the head of a document, for
 * the parsers' cheap sniffs: skips the XML declaration, processing
 * instructions, comments and a DOCTYPE (with an internal subset). Undefined
 * when the head does not start like XML.
 */
function rootStart(head: string): number | undefined {
  let i = 0;
  for (let guard = 0; guard < 256; guard++) {
    const lt = head.indexOf('<', i);
    if (lt < 0 || head.slice(i, lt).trim() !== '') return undefined;
    let end: number;
    if (head.startsWith('<?', lt)) end = head.indexOf('?>', lt + 2) + 2;
    else if (head.startsWith('<!--', lt)) end = head.indexOf('-->', lt + 4) + 3;
    else if (head.startsWith('<!', lt)) {
      const gt = head.indexOf('>', lt);
      const br = head.indexOf('[', lt);
      if (gt < 0) return undefined;
      end = br >= 0 && br < gt ? head.indexOf('>', head.indexOf(']', br)) + 1 : gt + 1;
    } else return lt;
    if (end <= lt) return undefined;
    i = end;
  }
  return undefined;
}

/** The root element's name in the head of a document (its start tag may be cut by the head's end). */
export function xmlRootName(head: string): string | undefined {
  const lt = rootStart(head);
  return lt === undefined ? undefined : /^<([A-Za-z_][\w.:-]*)/.exec(head.slice(lt, lt + 256))?.[1];
}

/**
 * The root element's whole start tag in the head of a document: its name, its
 * attributes as written, the prolog before it (where a DOCTYPE sits) and the
 * offset after it. Undefined when the head does not start like XML or cuts
 * the tag.
 */
export function xmlRootTag(head: string): { name: string; attrs: string; prolog: string; end: number } | undefined {
  const lt = rootStart(head);
  if (lt === undefined) return undefined;
  const m = /^<([A-Za-z_][\w.:-]*)((?:\s[^>]*)?)>/.exec(head.slice(lt, lt + 16 * 1024));
  return m ? { name: m[1]!, attrs: m[2]!, prolog: head.slice(0, lt), end: lt + m[0].length } : undefined;
}
