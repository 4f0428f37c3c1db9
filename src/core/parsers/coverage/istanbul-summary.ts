/**
 * Istanbul summary JSON (`coverage-summary.json`), as written by the istanbul
 * `json-summary` reporter of jest, nyc, c8 and vitest: a `total` entry, then
 * one entry per file path, each with `lines`, `statements`, `functions` and
 * `branches` as `{ total, covered, skipped, pct }`.
 *
 * The report has no line numbers, so it cannot say which lines are covered.
 * Counting: the `total` entry's lines, branches and functions become the
 * report's declared totals (without a `total` entry, the sums of the files,
 * with a warning); each file's functions are kept on its FileCoverage and its
 * branches on line 0 (not attributed to a line); per-file line totals cannot
 * be represented by the per-line model and are not recorded on the files.
 * Every parse warns that changed-line coverage cannot be computed from a
 * summary. When the files do not add up to `total`, a warning says so.
 * `pct` is ignored (recomputed from the counts); statements are not kept.
 *
 * An entry without the four metrics is an error, as is a document without
 * file entries or with a malformed `total`. A file entry whose counts are not
 * non-negative integers with covered <= total is skipped and counted in one
 * warning.
 */
import { ReportParseError } from '../../errors.js';
import { selectJson } from '../../json.js';
import { CoverageBuilder, addCounts, type Counts, type DeclaredTotals } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import { textChunks, type ByteSource } from '../../stream.js';
import type { ParseContext, ReportParser } from '../types.js';
import { FIRST_VALUE_IS_OBJECT, quoteKey } from './istanbul-final.js';

const METRICS = ['lines', 'statements', 'functions', 'branches'] as const;
type Metric = (typeof METRICS)[number];
type Summary = Record<Metric, Counts>;

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** The four metrics, or a description of the first problem. */
function readSummary(entry: Rec): Summary | string {
  const out: Partial<Summary> = {};
  for (const m of METRICS) {
    const v = Object.hasOwn(entry, m) ? entry[m] : undefined;
    if (!isRecord(v)) return `${m} is ${JSON.stringify(v) ?? 'missing'}`;
    const total = v['total'];
    const covered = v['covered'];
    if (!isCount(total) || !isCount(covered) || covered > total) {
      return `${m} has total ${JSON.stringify(total) ?? 'missing'} and covered ${JSON.stringify(covered) ?? 'missing'}`;
    }
    out[m] = { total, covered };
  }
  return out as Summary;
}

function same(a: Counts, b: Counts): boolean {
  return a.total === b.total && a.covered === b.covered;
}

function show(c: Counts): string {
  return `${c.covered}/${c.total}`;
}

export const istanbulSummaryParser: ReportParser = {
  format: 'istanbul-summary',
  kinds: ['coverage'],
  description: 'Istanbul coverage-summary.json (json-summary reporter; per-file totals, no line data)',

  sniff(head) {
    return (
      FIRST_VALUE_IS_OBJECT.test(head) &&
      /"lines"\s*:\s*\{\s*"total"\s*:/.test(head) &&
      /"functions"\s*:\s*\{/.test(head) &&
      /"branches"\s*:\s*\{/.test(head) &&
      !/"statementMap"\s*:/.test(head)
    );
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const builder = new CoverageBuilder();
    const warnings: string[] = [];
    const error = (problem: string) => new ReportParseError(problem, { file: ctx.path });
    const seen = new Set<string>();
    let declared: Summary | undefined;
    const zero: Counts = { total: 0, covered: 0 };
    let sum: Summary = { lines: zero, statements: zero, functions: zero, branches: zero };
    let files = 0;
    let skipped = 0;
    let firstSkip: string | undefined;

    const chunks = textChunks(source, ctx.onBytes ? { onBytes: ctx.onBytes } : {});
    for await (const m of selectJson(chunks, [['*']], { file: ctx.path, maxDepth: ctx.limits.maxDepth })) {
      ctx.signal?.throwIfAborted();
      const key = m.path[0];
      if (typeof key !== 'string') throw error('the document is an array: coverage-summary.json is an object keyed by file path');
      const where = key === 'total' ? 'the "total" entry' : `file ${quoteKey(key)}`;
      if (!key) throw error('a file entry has an empty path');
      if (seen.has(key)) throw error(`${where} appears twice`);
      seen.add(key);
      const entry = m.value;
      if (!isRecord(entry)) throw error(`${where} is ${JSON.stringify(entry)?.slice(0, 60)}, not an istanbul summary object`);
      if (Object.hasOwn(entry, 'statementMap')) {
        throw error(`${where} holds statement maps: this is a coverage-final.json (format istanbul-json), not coverage-summary.json`);
      }
      if (!METRICS.some((k) => Object.hasOwn(entry, k))) {
        const keys = Object.keys(entry).slice(0, 12).join(', ') || 'none';
        throw error(`${where} is not an istanbul summary object: no lines, statements, functions or branches (keys: ${keys})`);
      }
      const summary = readSummary(entry);
      if (key === 'total') {
        if (typeof summary === 'string') throw error(`the "total" entry is malformed: ${summary}`);
        declared = summary;
        continue;
      }
      files++;
      if (typeof summary === 'string') {
        skipped++;
        firstSkip ??= `${where}: ${summary}`;
        continue;
      }
      const file = builder.file(key);
      file.addFunctions(summary.functions.total, summary.functions.covered);
      if (summary.branches.total > 0) file.addBranches(0, summary.branches.total, summary.branches.covered);
      sum = {
        lines: addCounts(sum.lines, summary.lines),
        statements: addCounts(sum.statements, summary.statements),
        functions: addCounts(sum.functions, summary.functions),
        branches: addCounts(sum.branches, summary.branches),
      };
    }
    if (files === 0) throw error('no file entries: coverage-summary.json must hold a summary for at least one file');

    warnings.push(
      `${ctx.path}: coverage-summary.json has per-file totals but no line numbers: changed-line coverage cannot be computed from it, and line totals are only the report's declared totals`,
    );
    if (skipped > 0) warnings.push(`${ctx.path}: skipped ${skipped} malformed file entr${skipped === 1 ? 'y' : 'ies'} (first: ${firstSkip})`);
    if (!declared) {
      warnings.push(`${ctx.path}: no "total" entry; the declared totals are the sums of the file entries`);
      declared = sum;
    } else if (skipped === 0) {
      const stated = declared;
      const off = (['lines', 'functions', 'branches'] as const).filter((k) => !same(stated[k], sum[k]));
      if (off.length > 0) {
        const detail = off.map((k) => `${k} ${show(stated[k])} in "total", ${show(sum[k])} in the files`).join('; ');
        warnings.push(`${ctx.path}: the file entries do not add up to the "total" entry (${detail})`);
      }
    }
    const totals: DeclaredTotals = { lines: declared.lines, branches: declared.branches, functions: declared.functions };
    return { kind: 'coverage', coverage: builder.build(totals), warnings };
  },
};
