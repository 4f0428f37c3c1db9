/**
 * Go coverage profile (`go test -coverprofile`, `go tool covdata textfmt`):
 *
 *     mode: set|count|atomic
 *     <file>:<startLine>.<startCol>,<endLine>.<endCol> <numStatements> <count>
 *
 * Counting:
 * - Blocks. A block is identified by its file and position. The same block
 *   listed more than once (one profile per package concatenated, or several
 *   test binaries built with -coverpkg) is one block, as `go tool cover`
 *   merges it: in `set` mode it is covered when any row covers it, in `count`
 *   and `atomic` mode the counts are summed. Rows of one block that disagree
 *   on its statement count keep the larger one, with a warning. Blocks that
 *   overlap without being identical are distinct blocks.
 * - Statements are what Go itself counts (`go test -cover`): the sum of
 *   numStatements over the blocks, covered when the block's count is > 0.
 *   They are returned as the report's declared `statements` totals and are the
 *   figure to compare with Go's own percentage.
 * - Lines, for the per-line model (changed-line lookups and the line gate):
 *   every line from startLine to endLine of a block is an instrumented line,
 *   and its hits are the largest count among the blocks touching it, so a
 *   line shared by a block that ran and one that did not is covered (as
 *   Codecov does; gcov2lcov spans the same lines but sums the counts). The
 *   closing-brace line of a block counts. Blocks with 0 statements (empty
 *   function bodies) add no lines: Go's own percentage ignores them too.
 *   Line totals therefore differ from the statement totals.
 * - No branches and no functions: the format has neither.
 * - Several profiles concatenated into one file (each with its own `mode:`
 *   line, blank lines between them) are read as one. Modes that differ are a
 *   warning; counts are then summed unless every profile is `set`.
 * - Skipped, and counted in one warning: a row that does not have the row
 *   shape, a position whose end is before its start or past line 10,000,000,
 *   a statement count or count that is not a non-negative integer ("NaN",
 *   "-1").
 * Errors: a row before the first `mode:` line, an unknown mode, a profile with
 * no valid block, a last line that is cut off in the middle of a row (the
 * file was truncated), and rows that claim far more source lines than a real
 * profile (over 100 lines a row on average beyond the first million, or over
 * ten million in all; see LINES_PER_ROW).
 */
import { ReportParseError } from '../../errors.js';
import { CoverageBuilder, type Counts } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import { textChunks, textLines, type ByteSource } from '../../stream.js';
import type { ParseContext, ReportParser } from '../types.js';

const MODES = ['set', 'count', 'atomic'] as const;
type Mode = (typeof MODES)[number];

/** The highest line number a block may reach (a larger one is a malformed row). */
const MAX_LINE = 10_000_000;
/**
 * What a profile may claim, so that a small hostile one cannot make the
 * model hold billions of lines or the line pass run for hours (a row of 30
 * bytes can claim ten million lines, and a million such rows a trillion):
 * the files' extents (first to last block line, summed) and the blocks'
 * lengths (summed) may reach LINES_PER_ROW per row read, or
 * MIN_LINE_ALLOWANCE when that is more; the extents never more than
 * MAX_TOTAL_LINES, about twice the Go in Kubernetes. Go's blocks are basic
 * blocks of a few lines: real profiles stay far below.
 */
const LINES_PER_ROW = 100;
const MIN_LINE_ALLOWANCE = 1_000_000;
const MAX_TOTAL_LINES = 10_000_000;
const MAX_COUNT = 0xffffffff;

const MODE_RE = /^mode:[ \t]*(\S*)[ \t]*$/;
const ROW_RE = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+)[ \t]+(\S+)[ \t]+(\S+)[ \t]*$/;

/** Blocks of one file, column-wise in typed arrays, in the order read. */
class BlockTable {
  length = 0;
  startLine = new Uint32Array(16);
  startCol = new Uint32Array(16);
  endLine = new Uint32Array(16);
  endCol = new Uint32Array(16);
  statements = new Uint32Array(16);
  count = new Float64Array(16);

  push(sl: number, sc: number, el: number, ec: number, stmts: number, count: number): void {
    if (this.length === this.startLine.length) this.grow();
    const i = this.length++;
    this.startLine[i] = sl;
    this.startCol[i] = sc;
    this.endLine[i] = el;
    this.endCol[i] = ec;
    this.statements[i] = stmts;
    this.count[i] = count;
  }

  private grow(): void {
    const cap = this.startLine.length * 2;
    const u = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.startLine = u(this.startLine);
    this.startCol = u(this.startCol);
    this.endLine = u(this.endLine);
    this.endCol = u(this.endCol);
    this.statements = u(this.statements);
    const c = new Float64Array(cap);
    c.set(this.count);
    this.count = c;
  }

  /**
   * Indices of the distinct blocks, sorted by position, with identical blocks
   * folded into the first of them (`sum` chooses summing over maximum).
   * Returns the number of folded rows that disagreed on the statement count.
   */
  fold(sum: boolean): { order: Uint32Array; conflicts: number } {
    const n = this.length;
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const { startLine: sl, startCol: sc, endLine: el, endCol: ec } = this;
    idx.sort((a, b) => sl[a]! - sl[b]! || sc[a]! - sc[b]! || el[a]! - el[b]! || ec[a]! - ec[b]! || a - b);
    const out = new Uint32Array(n);
    let m = 0;
    let conflicts = 0;
    for (let k = 0; k < n; k++) {
      const i = idx[k]!;
      const j = m > 0 ? out[m - 1]! : -1;
      if (j >= 0 && sl[i] === sl[j] && sc[i] === sc[j] && el[i] === el[j] && ec[i] === ec[j]) {
        if (this.statements[i] !== this.statements[j]) {
          conflicts++;
          this.statements[j] = Math.max(this.statements[i]!, this.statements[j]!);
        }
        const c = sum ? this.count[i]! + this.count[j]! : Math.max(this.count[i]!, this.count[j]!);
        this.count[j] = Math.min(c, MAX_COUNT);
      } else {
        out[m++] = i;
      }
    }
    return { order: out.subarray(0, m), conflicts };
  }
}

/** A non-negative integer written as decimal digits, or undefined. */
function count(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? Math.min(n, MAX_COUNT) : MAX_COUNT;
}

/** Text chunks that also tell whether the text ended with a newline. */
function trackEnd(chunks: AsyncIterable<string>, state: { endsWithNewline: boolean }): AsyncIterable<string> {
  return (async function* () {
    for await (const c of chunks) {
      if (c.length > 0) state.endsWithNewline = c.charCodeAt(c.length - 1) === 10;
      yield c;
    }
  })();
}

export const goCoverprofileParser: ReportParser = {
  format: 'go-coverprofile',
  kinds: ['coverage'],
  description: 'Go coverage profile (go test -coverprofile, mode set/count/atomic)',

  sniff(head) {
    return /^mode:[ \t]*[A-Za-z]+[ \t]*(?:\r?\n|$)/.test(head.trimStart());
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const files = new Map<string, BlockTable>();
    const modes = new Set<Mode>();
    const warnings: string[] = [];
    let skipped = 0;
    let firstSkip: string | undefined;
    let rows = 0;
    let lastBad: { lineNo: number; why: string } | undefined;
    const end = { endsWithNewline: true };

    const skip = (why: string, lineNo: number) => {
      skipped++;
      firstSkip ??= `line ${lineNo}: ${why}`;
      lastBad = { lineNo, why };
    };

    let lastLineNo = 0;
    for await (const [line, lineNo] of textLines(trackEnd(textChunks(source, { onBytes: ctx.onBytes }), end))) {
      if ((lineNo & 0xfff) === 0) ctx.signal?.throwIfAborted();
      lastLineNo = lineNo;
      lastBad = undefined;
      if (line.trim() === '') continue;
      if (line.startsWith('mode:')) {
        const m = MODE_RE.exec(line);
        const mode = m?.[1] ?? '';
        if (!(MODES as readonly string[]).includes(mode)) {
          throw new ReportParseError(`unknown coverage mode "${mode.slice(0, 40)}" (expected set, count or atomic)`, {
            file: ctx.path,
            line: lineNo,
          });
        }
        modes.add(mode as Mode);
        continue;
      }
      if (modes.size === 0) {
        throw new ReportParseError('a coverage row before the "mode:" line: not a Go coverage profile', { file: ctx.path, line: lineNo });
      }
      const m = ROW_RE.exec(line);
      if (!m) {
        skip(`not a coverage row: "${line.slice(0, 80)}"`, lineNo);
        continue;
      }
      const [, file, a, b, c, d, stmtText, countText] = m;
      const sl = Number(a);
      const sc = Number(b);
      const el = Number(c);
      const ec = Number(d);
      if (sl < 1 || el < sl || (el === sl && ec < sc) || el > MAX_LINE || sc > MAX_COUNT || ec > MAX_COUNT) {
        skip(`block position ${a}.${b},${c}.${d}`, lineNo);
        continue;
      }
      const stmts = count(stmtText!);
      if (stmts === undefined) {
        skip(`statement count "${stmtText!.slice(0, 20)}"`, lineNo);
        continue;
      }
      const hits = count(countText!);
      if (hits === undefined) {
        skip(`count "${countText!.slice(0, 20)}"`, lineNo);
        continue;
      }
      let t = files.get(file!);
      if (!t) {
        t = new BlockTable();
        files.set(file!, t);
      }
      t.push(sl, sc, el, ec, stmts, hits);
      rows++;
    }

    if (lastBad && !end.endsWithNewline) {
      throw new ReportParseError(`the last line is an incomplete row (${lastBad.why}): the file looks truncated`, {
        file: ctx.path,
        line: lastBad.lineNo,
      });
    }
    if (modes.size === 0) throw new ReportParseError('no "mode:" line: not a Go coverage profile, or empty', { file: ctx.path });
    if (rows === 0) {
      throw new ReportParseError(`no valid coverage block in ${lastLineNo} line(s)`, { file: ctx.path });
    }
    if (modes.size > 1) {
      warnings.push(`${ctx.path}: the concatenated profiles use different modes (${[...modes].join(', ')}); counts are summed`);
    }
    const sum = !(modes.size === 1 && modes.has('set'));

    const builder = new CoverageBuilder();
    const statements: Counts = { total: 0, covered: 0 };
    let conflicts = 0;
    // First the extent of every file, and the work its blocks would take, before any line is made.
    const extents: { path: string; t: BlockTable; order: Uint32Array; lo: number; hi: number }[] = [];
    let fileSpans = 0;
    let blockSpans = 0;
    let widest: { path: string; lo: number; hi: number } | undefined;
    for (const [path, t] of files) {
      const { order, conflicts: c } = t.fold(sum);
      conflicts += c;
      let lo = Infinity;
      let hi = 0;
      for (const i of order) {
        statements.total += t.statements[i]!;
        if (t.count[i]! > 0) statements.covered += t.statements[i]!;
        if (t.statements[i]! === 0) continue;
        lo = Math.min(lo, t.startLine[i]!);
        hi = Math.max(hi, t.endLine[i]!);
        blockSpans += t.endLine[i]! - t.startLine[i]! + 1;
      }
      extents.push({ path, t, order, lo, hi });
      if (hi === 0) continue;
      fileSpans += hi - lo + 1;
      if (!widest || hi - lo > widest.hi - widest.lo) widest = { path, lo, hi };
    }
    const allowed = Math.max(MIN_LINE_ALLOWANCE, LINES_PER_ROW * rows);
    if (fileSpans > Math.min(allowed, MAX_TOTAL_LINES) || blockSpans > allowed) {
      const limit = fileSpans > Math.min(allowed, MAX_TOTAL_LINES) ? Math.min(allowed, MAX_TOTAL_LINES) : allowed;
      throw new ReportParseError(
        `${rows} row(s) claim ${Math.max(fileSpans, blockSpans)} source lines, more than the ${limit} a real profile of that size could ` +
          `(${widest!.path} alone spans lines ${widest!.lo} to ${widest!.hi})`,
        { file: ctx.path },
      );
    }
    for (const { path, t, order, lo, hi } of extents) {
      const fc = builder.file(path);
      if (hi === 0) continue;
      // Lines touched by the file's blocks, with the largest count touching each.
      const span = hi - lo + 1;
      const touched = new Uint8Array(span);
      const best = new Float64Array(span);
      for (const i of order) {
        if (t.statements[i]! === 0) continue;
        const v = t.count[i]!;
        for (let l = t.startLine[i]! - lo, e = t.endLine[i]! - lo; l <= e; l++) {
          touched[l] = 1;
          if (v > best[l]!) best[l] = v;
        }
      }
      for (let l = 0; l < span; l++) if (touched[l]) fc.addLine(l + lo, best[l]!);
    }

    if (conflicts > 0) {
      warnings.push(`${ctx.path}: ${conflicts} repeated block(s) disagree on their statement count; the larger count is used`);
    }
    if (skipped > 0) warnings.push(`${ctx.path}: skipped ${skipped} malformed row(s) (first: ${firstSkip})`);
    return { kind: 'coverage', coverage: builder.build({ statements }), warnings };
  },
};
