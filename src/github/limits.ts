/**
 * GitHub's request and size limits, named, and the one function that makes
 * Markdown fit them.
 */
import { ANNOTATION_TEXT_MAX_BYTES, ANNOTATION_TITLE_MAX, utf8Length } from '../core/render/check.js';

export { ANNOTATION_TEXT_MAX_BYTES, ANNOTATION_TITLE_MAX };

/** Annotations one create or update of a check run may carry. */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
/** Check run output.summary and output.text: characters, and (kept) bytes too. */
export const MAX_CHECK_OUTPUT = 65535;
/** An issue comment body. */
export const MAX_COMMENT = 65536;
/** A commit status description. */
export const MAX_STATUS_DESCRIPTION = 140;
/** Check runs listed per page (GitHub's maximum). */
export const CHECK_RUNS_PER_PAGE = 100;
/** Comments and annotations listed per page (GitHub's maximum). */
export const LIST_PER_PAGE = 100;

interface LineState {
  /** The fence that is open (its marker, e.g. "```" or "~~~~"), or null. */
  fence: string | null;
  /** `<details>` elements opened and not closed, outside fences. */
  details: number;
  /** Inside an HTML comment. */
  comment: boolean;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

function advance(st: LineState, line: string): LineState {
  if (st.comment) return line.includes('-->') ? { ...st, comment: false } : st;
  if (st.fence !== null) {
    const t = line.trim();
    const ch = st.fence[0]!;
    if (t.length >= st.fence.length && /^(`+|~+)$/.test(t) && t[0] === ch) return { ...st, fence: null };
    return st;
  }
  const f = FENCE_OPEN.exec(line);
  if (f) return { ...st, fence: f[1]! };
  const opens = (line.match(/<details[\s>]/gi) ?? []).length;
  const closes = (line.match(/<\/details\s*>/gi) ?? []).length;
  const open = line.lastIndexOf('<!--');
  const comment = open >= 0 && line.indexOf('-->', open + 4) < 0;
  return { fence: null, details: Math.max(0, st.details + opens - closes), comment };
}

function closers(st: LineState): string {
  let s = '';
  if (st.comment) s += '\n-->';
  if (st.fence !== null) s += `\n${st.fence}`;
  for (let i = 0; i < st.details; i++) s += '\n\n</details>';
  return s;
}

function note(hidden: number, partial: boolean, link: string | undefined): string {
  const what = hidden > 0 ? `${hidden} more ${hidden === 1 ? 'line' : 'lines'} not shown` : 'the rest is not shown';
  const more = partial && hidden > 0 ? `the rest of a line and ${what}` : what;
  return `\n\n_… ${more}${link ? `: [see the full report](${link})` : ''}._\n`;
}

function fits(s: string, limit: number): boolean {
  return s.length <= limit && utf8Length(s) <= limit;
}

/**
 * Fit Markdown into `limit`, counted both in UTF-16 units and UTF-8 bytes.
 * Text that fits is returned as is. Otherwise it is cut after the last whole
 * line that leaves room for the closing of an open ``` fence, of open
 * `<details>` and of an open HTML comment, and for a note saying how many
 * lines were left out (with `moreLink`). When not even the first line fits,
 * that line is cut at a character boundary.
 */
export function fitMarkdown(text: string, limit: number, opts: { moreLink?: string } = {}): string {
  if (fits(text, limit)) return text;
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const link = opts.moreLink;
  let st: LineState = { fence: null, details: 0, comment: false };
  let chars = 0;
  let bytes = 0;
  let best = -1;
  let bestState = st;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    chars += line.length + (i > 0 ? 1 : 0);
    bytes += utf8Length(line) + (i > 0 ? 1 : 0);
    if (chars > limit || bytes > limit) break;
    st = advance(st, line);
    const tail = closers(st) + note(lines.length - i - 1, false, link);
    if (chars + tail.length <= limit && bytes + utf8Length(tail) <= limit) {
      best = i;
      bestState = st;
    }
  }
  if (best >= 0) return lines.slice(0, best + 1).join('\n') + closers(bestState) + note(lines.length - best - 1, false, link);
  // Not even the first line fits: cut it, leaving room for what its cut part leaves open.
  const first = lines[0]!;
  const tail = note(lines.length - 1, true, link);
  let reserve = Math.max(tail.length, utf8Length(tail));
  for (let attempt = 0; attempt < 8 && reserve < limit; attempt++) {
    const cut = cutAt(first, limit - reserve);
    const full = cut + closers(advance({ fence: null, details: 0, comment: false }, cut)) + tail;
    if (fits(full, limit)) return full;
    reserve += Math.max(full.length, utf8Length(full)) - limit;
  }
  return cutAt(tail.trim(), limit);
}

/** The longest prefix of `s` within `limit` UTF-16 units and UTF-8 bytes, not splitting a surrogate pair. */
function cutAt(s: string, limit: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    const units = pair ? 2 : 1;
    if (bytes + w > limit || i + units > limit) break;
    bytes += w;
    i += units;
  }
  return s.slice(0, i);
}

/** Cut a one-line text (a commit status description) to `max` characters. */
export function fitLine(s: string, max: number): string {
  const t = s.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
  if ([...t].length <= max) return t;
  return [...t].slice(0, max - 1).join('') + '…';
}
