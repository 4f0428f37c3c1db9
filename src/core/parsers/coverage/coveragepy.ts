/**
 * coverage.py JSON report (`coverage json`): `meta` (version; `format` 2 or 3
 * since coverage.py 7, absent before, which is format 1), `files` keyed by
 * path and `totals`.
 *
 * Counting:
 * - Lines are coverage.py's statements: `missing_lines` are instrumented lines
 *   with 0 hits and `executed_lines` are covered (hits 1: the format has no
 *   counts), so a file's line totals are `num_statements` / `covered_lines`
 *   of its summary, and the report's equal `coverage report`'s Stmts and
 *   Stmts - Miss. `excluded_lines` (pragma: no cover) are not instrumented.
 *   coverage.py before 7.13.1 also lists executed lines that are not
 *   statements: excluded lines (dropped here), module docstrings and, before
 *   7, class docstrings. When a file's executed statements outnumber its
 *   summary's `covered_lines`, the lowest executed lines are dropped until the
 *   two agree (a module docstring precedes every statement), with one warning
 *   for the report; the per-line position of a class docstring cannot be
 *   known, the totals then still match the report.
 * - Branches are per line from the arcs `executed_branches` / `missing_branches`
 *   (coverage.py 6.5+): found = arcs leaving the line, covered = executed arcs
 *   (an arc to a negative line is an exit from the function and still counts).
 *   Without arcs, or when they disagree with the summary's `num_branches` /
 *   `covered_branches` (a warning), the summary's numbers are recorded on
 *   line 0 so the totals still match `coverage report`'s Branch column.
 * - Functions (format 3 only) are the `functions` regions other than the
 *   module-level "" that have statements, covered when any of their
 *   statements ran: the same as `coverage lcov`'s FNF/FNH.
 * - Declared totals are `totals.num_statements` / `covered_lines` and, when
 *   branch coverage was measured, `num_branches` / `covered_branches`; a
 *   difference from the per-file data is a warning.
 * - Skipped, and counted in one warning: a line number that is not a positive
 *   integer, an arc that is not a pair of integers.
 * Errors: no `meta`, an unknown `meta.format`, no files, a file entry without
 * its line lists or summary.
 */
import { ReportParseError } from '../../errors.js';
import { CoverageBuilder, coverageTotals, type Counts, type DeclaredTotals, type FileCoverage } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import { selectJson } from '../../json.js';
import { textChunks, type ByteSource } from '../../stream.js';
import type { ParseContext, ReportParser } from '../types.js';

const KNOWN_FORMATS = [1, 2, 3];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isLine(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xfffffffe;
}

function same(a: Counts, b: Counts): boolean {
  return a.total === b.total && a.covered === b.covered;
}

function show(c: Counts): string {
  return `${c.covered}/${c.total}`;
}

class Skips {
  count = 0;
  first: string | undefined;
  add(why: string): void {
    this.count++;
    this.first ??= why;
  }
}

interface FileResult {
  /** Executed non-statement lines dropped to match the summary. */
  dropped: number;
  mismatch?: string;
  branchMismatch?: string;
}

/** Positive line numbers of `list`, each malformed entry counted in `skips`. */
function lineSet(list: unknown[], file: string, key: string, skips: Skips): Set<number> {
  const out = new Set<number>();
  for (const v of list) {
    if (isLine(v)) out.add(v);
    else skips.add(`${file}: ${key} entry ${JSON.stringify(v)?.slice(0, 40)}`);
  }
  return out;
}

function readFile(fc: FileCoverage, entry: Obj, branchCoverage: boolean, skips: Skips): FileResult {
  const file = fc.path;
  const summary = entry.summary as Obj;
  const excluded = Array.isArray(entry.excluded_lines) ? lineSet(entry.excluded_lines, file, 'excluded_lines', skips) : new Set<number>();
  const missing = lineSet(entry.missing_lines as unknown[], file, 'missing_lines', skips);
  const executed: number[] = [];
  for (const l of lineSet(entry.executed_lines as unknown[], file, 'executed_lines', skips)) {
    if (!excluded.has(l) && !missing.has(l)) executed.push(l);
  }
  executed.sort((a, b) => a - b);
  const result: FileResult = { dropped: 0 };
  const declaredCovered = summary.covered_lines;
  if (isCount(declaredCovered) && executed.length > declaredCovered) {
    result.dropped = executed.length - declaredCovered;
    executed.splice(0, result.dropped);
  }
  for (const l of executed) fc.addLine(l, 1);
  for (const l of missing) fc.addLine(l, 0);
  const lines = { total: executed.length + missing.size, covered: executed.length };
  if (isCount(summary.num_statements) && isCount(declaredCovered)) {
    const declared = { total: summary.num_statements, covered: declaredCovered };
    if (!same(lines, declared)) result.mismatch = `${file} lines ${show(lines)} listed, ${show(declared)} in its summary`;
  }

  if (!branchCoverage) return result;
  const numBranches = isCount(summary.num_branches) ? summary.num_branches : undefined;
  const coveredBranches = isCount(summary.covered_branches) ? summary.covered_branches : undefined;
  const summaryBranches = numBranches !== undefined && coveredBranches !== undefined && coveredBranches <= numBranches
    ? { total: numBranches, covered: coveredBranches }
    : undefined;
  if (Array.isArray(entry.executed_branches) && Array.isArray(entry.missing_branches)) {
    const perLine = new Map<number, [found: number, covered: number]>();
    let found = 0;
    let covered = 0;
    const arcs = (list: unknown[], key: string, taken: boolean) => {
      for (const arc of list) {
        if (!Array.isArray(arc) || arc.length !== 2 || !isLine(arc[0]) || !Number.isInteger(arc[1])) {
          skips.add(`${file}: ${key} entry ${JSON.stringify(arc)?.slice(0, 40)}`);
          continue;
        }
        const slot = perLine.get(arc[0]) ?? [0, 0];
        slot[0]++;
        found++;
        if (taken) {
          slot[1]++;
          covered++;
        }
        perLine.set(arc[0], slot);
      }
    };
    arcs(entry.executed_branches, 'executed_branches', true);
    arcs(entry.missing_branches, 'missing_branches', false);
    const fromArcs = { total: found, covered };
    if (!summaryBranches || same(fromArcs, summaryBranches)) {
      for (const [line, [f, c]] of perLine) fc.addBranches(line, f, c);
      return result;
    }
    result.branchMismatch = `${file} branches ${show(fromArcs)} in its arcs, ${show(summaryBranches)} in its summary`;
  }
  if (summaryBranches && summaryBranches.total > 0) fc.addBranches(0, summaryBranches.total, summaryBranches.covered);
  return result;
}

/** Format 3 function regions: those with statements, covered when any ran. */
function readFunctions(fc: FileCoverage, functions: unknown, skips: Skips): void {
  if (functions === undefined) return;
  if (!isObj(functions)) {
    skips.add(`${fc.path}: functions is not an object`);
    return;
  }
  let total = 0;
  let covered = 0;
  for (const [name, region] of Object.entries(functions)) {
    if (name === '') continue;
    const s = isObj(region) && isObj(region.summary) ? region.summary : undefined;
    if (!s || !isCount(s.num_statements) || !isCount(s.covered_lines)) {
      skips.add(`${fc.path}: function region ${JSON.stringify(name).slice(0, 40)} has no summary`);
      continue;
    }
    if (s.num_statements === 0) continue;
    total++;
    if (s.covered_lines > 0) covered++;
  }
  fc.addFunctions(total, covered);
}

export const coveragepyParser: ReportParser = {
  format: 'coveragepy-json',
  kinds: ['coverage'],
  description: 'coverage.py JSON report (coverage json)',

  sniff(head) {
    const t = head.trimStart();
    if (!t.startsWith('{')) return false;
    const meta = /^\{\s*"meta"\s*:\s*\{/.test(t) && /"branch_coverage"\s*:/.test(t) && /"show_contexts"\s*:/.test(t);
    const lists = /"executed_lines"\s*:\s*\[/.test(t) && /"missing_lines"\s*:/.test(t) && /"num_statements"\s*:/.test(t);
    return meta || lists;
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const builder = new CoverageBuilder();
    const warnings: string[] = [];
    const skips = new Skips();
    let meta: Obj | undefined;
    let totals: Obj | undefined;
    let sawFiles = false;
    const seen = new Set<string>();
    const pending: Obj[] = [];
    const mismatches: string[] = [];
    const branchMismatches: string[] = [];
    let dropped = 0;
    let droppedFiles = 0;
    const fail = (problem: string): never => {
      throw new ReportParseError(problem, { file: ctx.path });
    };

    const handleFile = (path: string, entry: unknown) => {
      if (!isObj(entry) || !Array.isArray(entry.executed_lines) || !Array.isArray(entry.missing_lines) || !isObj(entry.summary)) {
        fail(`files[${JSON.stringify(path).slice(0, 200)}] has no executed_lines/missing_lines/summary: not a coverage.py JSON report`);
      }
      const e = entry as Obj;
      // branch_coverage comes from meta, which coverage.py writes first; a
      // file seen before meta (a re-serialised report) waits for it.
      if (!meta) {
        pending.push({ path, entry: e });
        return;
      }
      const fc = builder.file(path);
      const r = readFile(fc, e, meta.branch_coverage === true, skips);
      readFunctions(fc, e.functions, skips);
      // Pack the file now: its working columns go back to the pool for the next one.
      fc.finish();
      if (r.dropped > 0) {
        dropped += r.dropped;
        droppedFiles++;
      }
      if (r.mismatch) mismatches.push(r.mismatch);
      if (r.branchMismatch) branchMismatches.push(r.branchMismatch);
    };

    const matches = selectJson(textChunks(source, { onBytes: ctx.onBytes }), [['meta'], ['files', '*'], ['totals']], {
      file: ctx.path,
      maxDepth: ctx.limits.maxDepth,
    });
    for await (const m of matches) {
      ctx.signal?.throwIfAborted();
      if (m.pattern === 0) {
        if (!isObj(m.value)) fail('"meta" is not an object: not a coverage.py JSON report');
        meta = m.value as Obj;
        const format = meta.format ?? 1;
        if (typeof meta.version !== 'string') fail('meta.version is missing: not a coverage.py JSON report');
        if (!KNOWN_FORMATS.includes(format as number)) {
          fail(`unsupported coverage.py JSON format ${JSON.stringify(format).slice(0, 20)} (coverage.py ${String(meta.version).slice(0, 20)}; known formats: 1 to 3)`);
        }
        for (const p of pending.splice(0)) handleFile(p.path as string, p.entry);
      } else if (m.pattern === 1) {
        const path = m.path[1]!;
        if (typeof path === 'number') fail('"files" is an array, not an object keyed by path: not a coverage.py JSON report');
        sawFiles = true;
        if (seen.has(path as string)) {
          skips.add(`files[${JSON.stringify(path).slice(0, 200)}] repeated; the first entry is kept`);
          continue;
        }
        seen.add(path as string);
        handleFile(path as string, m.value);
      } else {
        totals = isObj(m.value) ? m.value : undefined;
      }
    }
    if (!meta) fail('no "meta" object: not a coverage.py JSON report');
    if (!sawFiles) fail('the report lists no files (coverage.py measured nothing)');
    const branchCoverage = meta!.branch_coverage === true;

    const data = builder.build();
    const counted = coverageTotals(data.files.values());
    const declared: DeclaredTotals = {};
    if (totals && isCount(totals.num_statements) && isCount(totals.covered_lines)) {
      declared.lines = { total: totals.num_statements, covered: totals.covered_lines };
    }
    if (branchCoverage && totals && isCount(totals.num_branches) && isCount(totals.covered_branches)) {
      declared.branches = { total: totals.num_branches, covered: totals.covered_branches };
    }
    if (declared.lines || declared.branches) data.declared = declared;

    if (dropped > 0) {
      warnings.push(
        `${ctx.path}: ${dropped} executed line(s) in ${droppedFiles} file(s) are not statements (coverage.py ${String(meta!.version).slice(0, 20)} ` +
          'lists docstrings as executed); the first executed line(s) of those files were left out so the totals match the summaries',
      );
    }
    if (mismatches.length > 0) warnings.push(`${ctx.path}: line lists disagree with the summary for ${mismatches.length} file(s) (first: ${mismatches[0]}); the lists are used`);
    if (branchMismatches.length > 0) {
      warnings.push(`${ctx.path}: branch arcs disagree with the summary for ${branchMismatches.length} file(s) (first: ${branchMismatches[0]}); the summary's totals are used`);
    }
    const totalsDiffer: string[] = [];
    if (declared.lines && !same(declared.lines, counted.lines)) totalsDiffer.push(`lines ${show(declared.lines)} declared, ${show(counted.lines)} counted`);
    if (declared.branches && !same(declared.branches, counted.branches)) {
      totalsDiffer.push(`branches ${show(declared.branches)} declared, ${show(counted.branches)} counted`);
    }
    if (totalsDiffer.length > 0) warnings.push(`${ctx.path}: "totals" differ from the files (${totalsDiffer.join('; ')}); the files are used`);
    if (skips.count > 0) warnings.push(`${ctx.path}: skipped ${skips.count} malformed entr${skips.count === 1 ? 'y' : 'ies'} (first: ${skips.first})`);
    return { kind: 'coverage', coverage: data, warnings };
  },
};
