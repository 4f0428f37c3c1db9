/**
 * Cobertura XML, as written by Cobertura itself, istanbul (jest, c8, nyc),
 * coverage.py (`coverage xml`), gcovr, coverlet and MATLAB's CoberturaFormatter.
 *
 * Counting:
 * - Files are the `<class filename>` values, kept exactly as written (coverlet
 *   writes Windows paths with backslashes). The `<sources><source>` roots are
 *   returned as `CoverageData.roots`, as written and in document order, so
 *   that path resolution can join relative filenames with them. Several `<class>`
 *   elements naming one file (coverlet's compiler-generated classes, one per
 *   async method) are aggregated into that file.
 * - Lines are the `<line number hits>` elements directly under a class's
 *   `<lines>`. A line named more than once for a file (by several classes) is
 *   one line with the hits summed, so it is covered when any of them hit it.
 *   Lines under `<method>` repeat the class's lines (istanbul writes only the
 *   declaration line there) and are used for functions only, except for a
 *   class that has no `<lines>` of its own, whose method lines are its lines.
 * - Branches come from `condition-coverage="50% (1/2)"` on lines with
 *   `branch="true"` (any letter case): (1/2) is 2 branches, 1 covered. A line
 *   named by several classes keeps the largest found and covered counts.
 * - Functions are the `<method>` elements: covered when the method's `hits`
 *   attribute (istanbul) or any of its lines has hits > 0.
 * - Declared totals are the root's `lines-valid`/`lines-covered`,
 *   `branches-valid`/`branches-covered` and (gcovr) `functions-valid`/
 *   `functions-covered` when they are non-negative integers (MATLAB writes
 *   "NaN" when it has no branch data: then none are declared). A difference
 *   from the counted totals is a warning. Istanbul's lines leave out branches
 *   that start on a line with no statement, so its branches-valid can exceed
 *   the sum of its condition-coverage (that warning is expected there); gcovr
 *   writes no `<method>`, so its functions are only declared.
 * - Skipped, and counted in one warning: a `<line>` whose number is not a
 *   positive integer or whose hits are missing, not a number or negative; a
 *   branch line whose condition-coverage cannot be read (the line still
 *   counts); a `<class>` without a filename (with its lines).
 * A document with no `<class>` that names a file is an error, not 0 %.
 *
 * Reading: through readXml's attribute reader, so the `number` and `hits` of
 * a `<line>` written as decimal digits are read without making strings (any
 * other spelling is read as Number() reads the string); each file is packed
 * when its `<class>` closes.
 */
import { ReportParseError } from '../../errors.js';
import { CoverageBuilder, coverageTotals, type Counts, type DeclaredTotals, type FileCoverage } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import type { ByteSource } from '../../stream.js';
import { ABSENT, OTHER, intAttr, readXml, xmlRootTag, XmlShapeError, type XmlAttributeReader, type XmlAttributes } from '../../xml.js';
import type { ParseContext, ReportParser } from '../types.js';

/** Counts malformed records and keeps the first reason, for one warning. */
export class SkipLog {
  count = 0;
  private first: string | undefined;

  add(why: string): void {
    this.count++;
    this.first ??= why;
  }

  warning(path: string, what = 'malformed record(s)'): string | undefined {
    return this.count > 0 ? `${path}: skipped ${this.count} ${what} (first: ${this.first})` : undefined;
  }
}

function same(a: Counts, b: Counts): boolean {
  return a.total === b.total && a.covered === b.covered;
}

/**
 * One warning listing where the report's own totals differ from what its
 * elements add up to, or undefined when they agree.
 */
export function declaredMismatch(
  path: string,
  declared: DeclaredTotals,
  counted: DeclaredTotals,
  source: string,
  /** Kinds whose declared "covered" means something else (compare their totals only). */
  totalOnly: readonly (keyof DeclaredTotals)[] = [],
): string | undefined {
  const parts: string[] = [];
  for (const key of ['lines', 'branches', 'functions'] as const) {
    const d = declared[key];
    const c = counted[key];
    if (!d || !c) continue;
    const differs = totalOnly.includes(key) ? d.total !== c.total : !same(d, c);
    if (differs) parts.push(`${key} ${d.covered}/${d.total} declared, ${c.covered}/${c.total} counted`);
  }
  if (parts.length === 0) return undefined;
  return `${path}: ${source} differ from the per-file data (${parts.join('; ')}); the per-file counts are used (the report may have been trimmed or filtered)`;
}

const CONDITION_RE = /\(\s*(\d+)\s*\/\s*(\d+)\s*\)/;

/** condition-coverage values seen, read once each ("50% (1/2)": [1, 2]; NaN when unreadable). */
const conditions = new Map<string, readonly [number, number]>();

function conditionOf(v: string): readonly [number, number] {
  let c = conditions.get(v);
  if (c === undefined) {
    const m = CONDITION_RE.exec(v);
    c = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (conditions.size >= 4096) conditions.clear();
    conditions.set(v, c);
  }
  return c;
}

/** Number attribute >= 0 (fractions allowed: they are floored), else undefined. */
function hitsAttr(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function lineNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 0xfffffffe ? n : undefined;
}

function declaredPair(attrs: XmlAttributes, totalName: string, coveredName: string): Counts | undefined {
  const total = intAttr(attrs, totalName);
  const covered = intAttr(attrs, coveredName);
  if (total === undefined || covered === undefined || covered > total) return undefined;
  return { total, covered };
}

interface ClassState {
  file: FileCoverage;
  ownLines: boolean;
  /** Lines seen under methods: [line, hits] pairs, used when the class has no `<lines>` of its own. */
  methodLines: number[];
  /** Malformed method lines: counted only when the method lines are used. */
  methodSkips: string[];
}

export const coberturaParser: ReportParser = {
  format: 'cobertura',
  kinds: ['coverage'],
  description: 'Cobertura XML (istanbul/jest, coverage.py, gcovr, coverlet, MATLAB)',

  sniff(head) {
    const root = xmlRootTag(head);
    if (!root || root.name !== 'coverage') return false;
    if (/\sgenerated\s*=/.test(root.attrs) || /<project[\s>]/.test(head.slice(root.end, root.end + 4096))) return false;
    return /\s(?:line-rate|lines-valid)\s*=/.test(root.attrs) || /cobertura|coverage-0\d\.dtd/i.test(root.prolog);
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const builder = new CoverageBuilder();
    const skips = new SkipLog();
    const roots: string[] = [];
    const stack: string[] = [];
    let declared: DeclaredTotals = {};
    let cls: ClassState | undefined;
    let skippingClass = false;
    let method: { covered: boolean } | undefined;
    let sourceText: string[] | undefined;
    let classes = 0;
    let methods = 0;

    const where = (line: string | undefined) => `<line number="${line ?? ''}"> in ${cls ? cls.file.path : '?'}`;

    const readLine = (attrs: XmlAttributeReader, inMethod: boolean) => {
      const c = cls!;
      // Decimal digits are read in place; anything else as the string Number() reads.
      const n = attrs.digits('number');
      const ln = n >= 1 && n <= 0xfffffffe ? n : n === OTHER ? lineNumber(attrs.get('number')) : undefined;
      const h = attrs.digits('hits');
      const hits = h >= 0 ? h : h === ABSENT ? undefined : hitsAttr(attrs.get('hits'));
      if (ln === undefined || hits === undefined) {
        const bad =
          ln === undefined
            ? `${where(attrs.get('number'))}: line number is not a positive integer`
            : `${where(attrs.get('number'))}: hits "${attrs.get('hits') ?? '(missing)'}" is not a count`;
        if (inMethod) c.methodSkips.push(bad);
        else skips.add(bad);
        return;
      }
      if (inMethod) {
        if (hits > 0 && method) method.covered = true;
        c.methodLines.push(ln, hits);
        return;
      }
      c.file.addLine(ln, hits);
      if (attrs.is('branch', 'true', true)) {
        const cc = attrs.get('condition-coverage');
        const [covered, found] = conditionOf(cc ?? '');
        if (!(covered <= found)) {
          skips.add(`${where(attrs.get('number'))}: condition-coverage "${cc ?? '(missing)'}" is not "N% (covered/total)"`);
          return;
        }
        if (found > 0) c.file.addBranches(ln, found, covered);
      }
    };

    await readXml(source, ctx, {
      open(name, reader, depth) {
        while (stack.length >= depth) stack.pop();
        const parent = stack[depth - 2];
        const grand = stack[depth - 3];
        stack.push(name);
        if (depth === 1) {
          if (name !== 'coverage') throw new XmlShapeError(`root element is <${name}>, not <coverage>: not a Cobertura report`);
          const attrs: XmlAttributes = reader.toObject();
          const lines = declaredPair(attrs, 'lines-valid', 'lines-covered');
          const branches = declaredPair(attrs, 'branches-valid', 'branches-covered');
          const functions = declaredPair(attrs, 'functions-valid', 'functions-covered');
          declared = {};
          if (lines) declared.lines = lines;
          if (branches) declared.branches = branches;
          if (functions) declared.functions = functions;
          return;
        }
        if (depth === 2 && name === 'project') {
          throw new XmlShapeError('<coverage> has a <project> child: this is a Clover report, not Cobertura');
        }
        if (skippingClass) return;
        if (name === 'line') {
          // Nearly every element of a report.
          if (!cls || parent !== 'lines') return;
          if (grand === 'class') readLine(reader, false);
          else if (grand === 'method' && method) readLine(reader, true);
          return;
        }
        switch (name) {
          case 'source':
            if (parent === 'sources') {
              sourceText = [];
              return true;
            }
            break;
          case 'class': {
            if (cls) throw new XmlShapeError('<class> inside another <class>');
            classes++;
            const filename = reader.get('filename');
            if (filename === undefined || filename.trim() === '') {
              skips.add(`<class name="${reader.get('name') ?? ''}"> without a filename`);
              skippingClass = true;
              break;
            }
            cls = { file: builder.file(filename), ownLines: false, methodLines: [], methodSkips: [] };
            break;
          }
          case 'method':
            if (cls && parent === 'methods') {
              const h = reader.digits('hits');
              method = { covered: (h >= 0 ? h : h === ABSENT ? 0 : (hitsAttr(reader.get('hits')) ?? 0)) > 0 };
            }
            break;
          case 'lines':
            if (cls && parent === 'class') cls.ownLines = true;
            break;
          default:
            break;
        }
      },
      close(name) {
        if (name === 'class') {
          if (skippingClass) {
            skippingClass = false;
            return;
          }
          const c = cls;
          if (c && !c.ownLines) {
            for (let i = 0; i < c.methodLines.length; i += 2) c.file.addLine(c.methodLines[i]!, c.methodLines[i + 1]!);
            for (const why of c.methodSkips) skips.add(why);
          }
          // Pack the file now: only the class being read is ever unpacked.
          if (c) c.file.finish();
          cls = undefined;
        } else if (name === 'method' && method && cls) {
          cls.file.addFunctions(1, method.covered ? 1 : 0);
          methods++;
          method = undefined;
        } else if (name === 'source' && sourceText) {
          const root = sourceText.join('').trim();
          if (root) roots.push(root);
          sourceText = undefined;
        }
      },
      text(t) {
        if (sourceText) sourceText.push(t.value());
      },
    });

    if (builder.files.size === 0) {
      const why = classes > 0 ? ` (${classes} <class> element(s), none with a filename)` : '';
      throw new ReportParseError(`no files in report${why}: a Cobertura report with no <class> elements`, { file: ctx.path });
    }
    const warnings: string[] = [];
    const skipped = skips.warning(ctx.path);
    if (skipped) warnings.push(skipped);
    const data = builder.build(declared.lines || declared.branches || declared.functions ? declared : undefined);
    const t = coverageTotals(data.files.values());
    // gcovr declares functions-valid but writes no <method>: nothing to compare then.
    const counted: DeclaredTotals = { lines: t.lines, branches: t.branches };
    if (methods > 0) counted.functions = t.functions;
    const mismatch = declaredMismatch(ctx.path, declared, counted, 'the root totals (lines-valid, branches-valid, ...)');
    if (mismatch) warnings.push(mismatch);
    if (roots.length > 0) data.roots = roots;
    return { kind: 'coverage', coverage: data, warnings };
  },
};
