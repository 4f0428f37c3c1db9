/**
 * Clover XML, as written by istanbul (jest, c8, nyc: `clover="3.2.0"`,
 * `<project name="All files">`, files inside `<package>`s), PHPUnit's
 * php-code-coverage (`<file>`s directly under `<project>`, with `<class>`
 * children) and OpenClover.
 *
 * Counting:
 * - Files are the `<file>` elements anywhere under `<project>`, named by their
 *   `path` attribute when present (istanbul and OpenClover write the base name
 *   in `name` and the full path in `path`), else by `name` (PHPUnit's full
 *   path). `<testproject>` (OpenClover's coverage of the test sources) is not
 *   read.
 * - Lines are the `<line num count>` elements of type `stmt` and `cond`; a
 *   line is covered when its count is > 0 (a `cond` line without a count, as
 *   OpenClover writes it, counts as hit when either outcome was taken). A line
 *   number given twice is one line with the counts summed.
 * - Branches come from `cond` lines. In Clover's own meaning `truecount` and
 *   `falsecount` are how often the condition was true and false: 2 branches a
 *   line, covered = how many of the two counts are > 0. Istanbul writes the
 *   line's covered and not-covered branch counts there instead (a `switch`
 *   line can carry 5 branches), so for istanbul's files a cond line is
 *   truecount + falsecount branches with truecount covered; istanbul also
 *   leaves out branches that start on a line with no statement, and the
 *   file's own `<metrics conditionals>` supplies those, recorded on line 0.
 * - Functions are the `type="method"` lines (covered when count > 0, i.e.
 *   called); a file with none (istanbul never writes them) takes its
 *   `<metrics methods coveredmethods>`. PHPUnit's `coveredmethods` counts
 *   only methods with every line covered, so for it only the method totals
 *   are compared with the declared ones.
 * - Declared totals are the project's `<metrics>`: statements (lines),
 *   conditionals (branches), methods (functions). When they differ from the
 *   per-file counts (PHPUnit's metrics cover files that a trimmed report no
 *   longer lists) the per-file counts are kept and a warning says so.
 * - Skipped, and counted in one warning: a `<line>` whose num is not a
 *   positive integer, whose count (or cond counts) is not a non-negative
 *   number, or whose type is unknown; a `<file>` without a name.
 * A report with no `<file>` is an error, not 0 %.
 */
import { ReportParseError } from '../../errors.js';
import { CoverageBuilder, coverageTotals, type Counts, type DeclaredTotals, type FileCoverage } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import type { ByteSource } from '../../stream.js';
import { intAttr, parseXml, xmlRootTag, XmlShapeError, type XmlAttributes } from '../../xml.js';
import type { ParseContext, ReportParser } from '../types.js';
import { declaredMismatch, SkipLog } from './cobertura.js';

/** Non-negative number attribute (fractions floored later), else undefined. */
function countAttr(attrs: XmlAttributes, name: string): number | undefined {
  const v = attrs[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function pair(attrs: XmlAttributes, totalName: string, coveredName: string): Counts | undefined {
  const total = intAttr(attrs, totalName);
  const covered = intAttr(attrs, coveredName);
  if (total === undefined || covered === undefined || covered > total) return undefined;
  return { total, covered };
}

interface FileState {
  file: FileCoverage;
  methods: number;
  methodsCovered: number;
  /** Branches read from this file's cond lines (istanbul: to compare with its metrics). */
  branchesFound: number;
  branchesCovered: number;
  metrics?: XmlAttributes;
}

export const cloverParser: ReportParser = {
  format: 'clover',
  kinds: ['coverage'],
  description: 'Clover XML (istanbul/jest, PHPUnit, OpenClover)',

  sniff(head) {
    const root = xmlRootTag(head);
    if (!root || root.name !== 'coverage') return false;
    if (!/\sgenerated\s*=/.test(root.attrs) || /\s(?:line-rate|lines-valid)\s*=/.test(root.attrs)) return false;
    return /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:test)?project[\s>/]/.test(head.slice(root.end, root.end + 8192));
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const builder = new CoverageBuilder();
    const skips = new SkipLog();
    const stack: string[] = [];
    let istanbul = false;
    let cloverVersion: string | undefined;
    let inProject = false;
    let sawProject = false;
    let declaredAttrs: XmlAttributes | undefined;
    let cur: FileState | undefined;
    let skippingFile = false;
    let files = 0;
    let istanbulMetricGaps = 0;

    const lineWhere = (attrs: XmlAttributes) => `<line num="${attrs['num'] ?? ''}" type="${attrs['type'] ?? ''}"> in ${cur ? cur.file.path : '?'}`;

    const readLine = (attrs: XmlAttributes) => {
      const f = cur!;
      const num = intAttr(attrs, 'num');
      if (num === undefined || num < 1 || num > 0xfffffffe) {
        skips.add(`${lineWhere(attrs)}: num is not a positive integer`);
        return;
      }
      const type = attrs['type'];
      const count = countAttr(attrs, 'count');
      if (type === 'stmt' || type === 'method') {
        if (count === undefined) {
          skips.add(`${lineWhere(attrs)}: count "${attrs['count'] ?? '(missing)'}" is not a count`);
          return;
        }
        if (type === 'stmt') {
          f.file.addLine(num, count);
        } else {
          f.methods++;
          if (count > 0) f.methodsCovered++;
        }
        return;
      }
      if (type === 'cond') {
        const t = countAttr(attrs, 'truecount');
        const fc = countAttr(attrs, 'falsecount');
        if (t === undefined || fc === undefined || (attrs['count'] !== undefined && count === undefined)) {
          skips.add(`${lineWhere(attrs)}: count/truecount/falsecount are not counts`);
          return;
        }
        f.file.addLine(num, count ?? t + fc);
        const found = istanbul ? Math.floor(t) + Math.floor(fc) : 2;
        const covered = istanbul ? Math.floor(t) : (t > 0 ? 1 : 0) + (fc > 0 ? 1 : 0);
        if (found > 0) {
          f.file.addBranches(num, found, covered);
          f.branchesFound += found;
          f.branchesCovered += covered;
        }
        return;
      }
      skips.add(`${lineWhere(attrs)}: unknown line type`);
    };

    const endFile = (f: FileState) => {
      const m = f.metrics;
      if (f.methods > 0 || !m) {
        f.file.addFunctions(f.methods, f.methodsCovered);
      } else {
        const fn = pair(m, 'methods', 'coveredmethods');
        if (fn) f.file.addFunctions(fn.total, fn.covered);
      }
      if (istanbul && m) {
        const br = pair(m, 'conditionals', 'coveredconditionals');
        if (br) {
          const missingFound = br.total - f.branchesFound;
          const missingCovered = br.covered - f.branchesCovered;
          if (missingFound > 0 && missingCovered >= 0 && missingCovered <= missingFound) f.file.addBranches(0, missingFound, missingCovered);
          else if (missingFound !== 0 || missingCovered !== 0) istanbulMetricGaps++;
        }
      }
    };

    await parseXml(source, ctx, {
      open(name, attrs, depth) {
        stack.length = depth - 1;
        const parent = stack[depth - 2];
        stack.push(name);
        if (depth === 1) {
          if (name !== 'coverage') throw new XmlShapeError(`root element is <${name}>, not <coverage>: not a Clover report`);
          cloverVersion = attrs['clover'];
          if (cloverVersion !== undefined) {
            const major = /^(\d+)\./.exec(cloverVersion);
            if (!major || Number(major[1]) < 1 || Number(major[1]) > 4) {
              throw new XmlShapeError(`unsupported Clover version clover="${cloverVersion}" (known: 1.x to 4.x)`);
            }
          }
          return;
        }
        if (depth === 2) {
          if (name === 'project') {
            if (sawProject) throw new XmlShapeError('more than one <project>');
            sawProject = true;
            inProject = true;
            istanbul = cloverVersion === '3.2.0' && attrs['name'] === 'All files';
          } else if (name !== 'testproject') {
            throw new XmlShapeError(`unexpected <${name}> under <coverage>: a Clover report has <project> here`);
          }
          return;
        }
        if (!inProject || skippingFile) return;
        switch (name) {
          case 'file': {
            if (cur) throw new XmlShapeError('<file> inside another <file>');
            const path = attrs['path'] || attrs['name'];
            files++;
            if (!path || path.trim() === '') {
              skips.add('<file> without a path or name');
              skippingFile = true;
              break;
            }
            cur = { file: builder.file(path), methods: 0, methodsCovered: 0, branchesFound: 0, branchesCovered: 0 };
            break;
          }
          case 'metrics':
            if (parent === 'project') declaredAttrs = attrs;
            else if (parent === 'file' && cur) cur.metrics = attrs;
            break;
          case 'line':
            if (parent === 'file' && cur) readLine(attrs);
            break;
          default:
            break;
        }
      },
      close(name, depth) {
        if (depth === 2) {
          inProject = false;
          return;
        }
        if (name !== 'file') return;
        if (skippingFile) {
          skippingFile = false;
          return;
        }
        if (cur) endFile(cur);
        cur = undefined;
      },
    });

    if (!sawProject) throw new ReportParseError('no <project> element: not a Clover report', { file: ctx.path });
    if (builder.files.size === 0) {
      const why = files > 0 ? ` (${files} <file> element(s), none with a name)` : '';
      throw new ReportParseError(`no files in report${why}: a Clover report with no <file> elements`, { file: ctx.path });
    }
    const declared: DeclaredTotals = {};
    if (declaredAttrs) {
      const lines = pair(declaredAttrs, 'statements', 'coveredstatements');
      const branches = pair(declaredAttrs, 'conditionals', 'coveredconditionals');
      const functions = pair(declaredAttrs, 'methods', 'coveredmethods');
      if (lines) declared.lines = lines;
      if (branches) declared.branches = branches;
      if (functions) declared.functions = functions;
    }
    const warnings: string[] = [];
    const skipped = skips.warning(ctx.path);
    if (skipped) warnings.push(skipped);
    if (istanbulMetricGaps > 0) {
      warnings.push(`${ctx.path}: ${istanbulMetricGaps} file(s) list more branches on their lines than their own <metrics conditionals> state`);
    }
    const data = builder.build(declared.lines || declared.branches || declared.functions ? declared : undefined);
    const t = coverageTotals(data.files.values());
    const counted: DeclaredTotals = { lines: t.lines, branches: t.branches, functions: t.functions };
    const mismatch = declaredMismatch(ctx.path, declared, counted, 'the project <metrics>', istanbul ? [] : ['functions']);
    if (mismatch) warnings.push(mismatch);
    return { kind: 'coverage', coverage: data, warnings };
  },
};
