/**
 * Istanbul per-file coverage JSON (`coverage-final.json`), as written by the
 * istanbul `json` reporter of jest (babel and v8 providers), nyc, c8 and
 * vitest: one object keyed by file path, each value an istanbul FileCoverage
 * (`statementMap`/`s`, `fnMap`/`f`, `branchMap`/`b`).
 *
 * Counting is istanbul-lib-coverage's own, so totals equal istanbul's
 * text-summary: lines are `getLineCoverage()` (the start line of every
 * statement, with the largest count of the statements starting on it);
 * functions are the `f` counts (covered when > 0); branches are recorded per
 * branch location on the branch's line (`line`, else `loc.start.line`):
 * found = the number of paths, covered = paths with a count > 0, all branch
 * locations of one line added together. Statement totals are not kept (the
 * model has no statements).
 *
 * The file key is the file's path (istanbul's map key); a `path` property
 * that differs is reported in a warning. Each file is validated before
 * istanbul sees it: a value without the six maps is an error, and so is a
 * document without any file. A statement, function or branch record with a
 * missing location or a count that is not a non-negative integer is skipped
 * and counted in one warning.
 */
import libCoverage, { type FileCoverageData } from 'istanbul-lib-coverage';
import { ReportParseError, errorMessage } from '../../errors.js';
import { selectJson } from '../../json.js';
import { CoverageBuilder } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import { textChunks, type ByteSource } from '../../stream.js';
import type { ParseContext, ReportParser } from '../types.js';

const MAX_LINE = 0xfffffffe;
const FILE_MAPS = ['statementMap', 's', 'fnMap', 'f', 'branchMap', 'b'] as const;

/** `{ "<key>": {`: the document is an object whose first value is an object (not a jest --json result). */
export const FIRST_VALUE_IS_OBJECT = /^\s*\{\s*"(?:[^"\\]|\\.){1,4096}"\s*:\s*\{/;

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function lineOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_LINE ? v : undefined;
}

/** `start.line` of an istanbul range, when it is a usable line number. */
function startLine(range: unknown): number | undefined {
  if (!isRecord(range) || !isRecord(range['start'])) return undefined;
  return lineOf(range['start']['line']);
}

function own(obj: Rec, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 200 ? `${key.slice(0, 197)}...` : key);
}

/** Null-prototype record, so that keys such as `__proto__` stay plain keys. */
function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

interface Skips {
  count: number;
  first?: string;
}

/**
 * A FileCoverageData holding only the records that are well-formed, with each
 * branch's line resolved; malformed records are counted in `skips`.
 */
function cleanFileData(key: string, raw: Rec, skips: Skips): FileCoverageData {
  const where = `file ${quoteKey(key)}`;
  const skip = (what: string) => {
    skips.count++;
    skips.first ??= `${where}: ${what}`;
  };
  const statementMap = raw['statementMap'] as Rec;
  const s = raw['s'] as Rec;
  const fnMap = raw['fnMap'] as Rec;
  const f = raw['f'] as Rec;
  const branchMap = raw['branchMap'] as Rec;
  const b = raw['b'] as Rec;

  const clean = {
    path: key,
    statementMap: dict(),
    s: dict<number>(),
    fnMap: dict(),
    f: dict<number>(),
    branchMap: dict(),
    b: dict<number[]>(),
  };

  for (const id of Object.keys(s)) {
    const count = s[id];
    const loc = own(statementMap, id);
    if (!isCount(count)) skip(`statement ${quoteKey(id)} has hit count ${show(count)}`);
    else if (startLine(loc) === undefined) skip(`statement ${quoteKey(id)} has no usable location (${show(loc)})`);
    else {
      clean.statementMap[id] = loc;
      clean.s[id] = count;
    }
  }
  for (const id of Object.keys(statementMap)) if (!Object.hasOwn(s, id)) skip(`statement ${quoteKey(id)} has no hit count`);

  for (const id of Object.keys(f)) {
    const count = f[id];
    const fn = own(fnMap, id);
    if (!isCount(count)) skip(`function ${quoteKey(id)} has hit count ${show(count)}`);
    else if (!isRecord(fn)) skip(`function ${quoteKey(id)} is not in fnMap`);
    else {
      clean.fnMap[id] = fn;
      clean.f[id] = count;
    }
  }
  for (const id of Object.keys(fnMap)) if (!Object.hasOwn(f, id)) skip(`function ${quoteKey(id)} has no hit count`);

  for (const id of Object.keys(b)) {
    const counts = b[id];
    const br = own(branchMap, id);
    if (!Array.isArray(counts) || !counts.every(isCount)) {
      skip(`branch ${quoteKey(id)} has hit counts ${show(counts)}`);
      continue;
    }
    if (!isRecord(br)) {
      skip(`branch ${quoteKey(id)} is not in branchMap`);
      continue;
    }
    const locations = br['locations'];
    const line =
      lineOf(br['line']) ?? startLine(br['loc']) ?? (Array.isArray(locations) ? startLine(locations[0]) : undefined);
    if (line === undefined) {
      skip(`branch ${quoteKey(id)} has no usable line (${show(br['line'] ?? br['loc'])})`);
      continue;
    }
    clean.branchMap[id] = { type: br['type'], loc: br['loc'], locations, line };
    clean.b[id] = counts as number[];
  }
  for (const id of Object.keys(branchMap)) if (!Object.hasOwn(b, id)) skip(`branch ${quoteKey(id)} has no hit counts`);

  return clean as unknown as FileCoverageData;
}

export const istanbulFinalParser: ReportParser = {
  format: 'istanbul-json',
  kinds: ['coverage'],
  description: 'Istanbul coverage-final.json (jest, nyc, c8, vitest `json` reporter)',

  sniff(head) {
    return FIRST_VALUE_IS_OBJECT.test(head) && /"statementMap"\s*:\s*\{/.test(head);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const builder = new CoverageBuilder();
    const warnings: string[] = [];
    const skips: Skips = { count: 0 };
    const seen = new Set<string>();
    let pathMismatches = 0;
    let firstMismatch: string | undefined;

    const error = (problem: string) => new ReportParseError(problem, { file: ctx.path });

    const chunks = textChunks(source, ctx.onBytes ? { onBytes: ctx.onBytes } : {});
    for await (const m of selectJson(chunks, [['*']], { file: ctx.path, maxDepth: ctx.limits.maxDepth })) {
      ctx.signal?.throwIfAborted();
      const path = m.path[0];
      if (typeof path !== 'string') throw error('the document is an array: coverage-final.json is an object keyed by file path');
      const where = `file ${quoteKey(path)}`;
      if (!path) throw error('a file entry has an empty path');
      if (seen.has(path)) throw error(`${where} appears twice`);
      seen.add(path);
      const data = m.value;
      if (!isRecord(data)) throw error(`${where} is ${show(data)}, not an istanbul file coverage object`);
      if (!Object.hasOwn(data, 'statementMap') && ['lines', 'statements', 'functions', 'branches'].every((k) => Object.hasOwn(data, k))) {
        throw error(`${where} holds totals only: this is a coverage-summary.json (format istanbul-summary), not coverage-final.json`);
      }
      const missing = FILE_MAPS.filter((k) => !isRecord(own(data, k)));
      if (missing.length > 0) {
        const keys = Object.keys(data).slice(0, 12).join(', ') || 'none';
        throw error(`${where} is not an istanbul file coverage object: ${missing.join(', ')} missing or not an object (keys: ${keys})`);
      }
      const statedPath = own(data, 'path');
      if (typeof statedPath === 'string' && statedPath !== path) {
        pathMismatches++;
        firstMismatch ??= `${quoteKey(path)} has path ${quoteKey(statedPath)}`;
      }

      const clean = cleanFileData(path, data, skips);
      const file = builder.file(path);
      try {
        const fc = libCoverage.createFileCoverage(clean);
        for (const [line, hits] of Object.entries(fc.getLineCoverage())) file.addLine(Number(line), hits);
        for (const [line, br] of Object.entries(fc.getBranchCoverageByLine())) {
          if (br.total > 0) file.addBranches(Number(line), br.total, br.covered);
        }
        const summary = fc.toSummary();
        file.addFunctions(summary.functions.total, summary.functions.covered);
        // Pack the file now: its working columns go back to the pool for the next one.
        file.finish();
      } catch (err) {
        throw error(`${where} could not be read by istanbul: ${errorMessage(err)}`);
      }
    }
    if (seen.size === 0) {
      throw error('no file entries: coverage-final.json must be an object keyed by file path, with at least one file');
    }
    if (pathMismatches > 0) {
      warnings.push(`${ctx.path}: ${pathMismatches} file entr${pathMismatches === 1 ? 'y names' : 'ies name'} a different path than its key; the key is used (first: ${firstMismatch})`);
    }
    if (skips.count > 0) warnings.push(`${ctx.path}: skipped ${skips.count} malformed record(s) (first: ${skips.first})`);
    return { kind: 'coverage', coverage: builder.build(), warnings };
  },
};
