/**
 * JaCoCo XML (`jacoco:report`, `report-aggregate`, Gradle's jacocoTestReport,
 * `jacococli report --xml`), DTD "-//JACOCO//DTD Report 1.x//EN". The DOCTYPE
 * is only read, never fetched, so reports parse offline.
 *
 * Counting:
 * - Files are the `<sourcefile>` elements of each `<package>`, wherever the
 *   packages sit (directly under `<report>` or inside `<group>`s of any
 *   depth): the path is the package name, '/', the source file name
 *   (`com/example/Foo.java`; a default-package file is its name alone). A
 *   file listed twice (the same package in two groups) is merged.
 * - Lines are the `<line nr mi ci mb cb>` elements of a source file: each is
 *   one line, covered when `ci` (covered instructions) > 0; `ci` is kept as
 *   the line's hit count. Branches on the line: `mb + cb` found, `cb` covered.
 * - Functions are the source file's own `<counter type="METHOD">`
 *   (total = missed + covered).
 * - Declared totals are the report-level `<counter>`s (LINE, BRANCH, METHOD;
 *   total = missed + covered). These equal the per-file counts in any report
 *   JaCoCo writes; a difference (a trimmed or edited report) is a warning.
 * - Skipped, and counted in one warning: a `<line>` whose `nr` is not a
 *   positive integer or whose counts are not non-negative integers, and a line
 *   with no instructions at all (JaCoCo never writes one); a counter with bad
 *   numbers.
 * Other counters (INSTRUCTION, COMPLEXITY, CLASS) and `<class>`/`<method>`
 * details are not used. A report without source files is an error.
 */
import { ReportParseError } from '../../errors.js';
import { CoverageBuilder, coverageTotals, type Counts, type DeclaredTotals, type FileCoverage } from '../../model/coverage.js';
import type { ReportPayload } from '../../model/report.js';
import type { ByteSource } from '../../stream.js';
import { intAttr, parseXml, xmlRootTag, XmlShapeError, type XmlAttributes } from '../../xml.js';
import type { ParseContext, ReportParser } from '../types.js';
import { declaredMismatch, SkipLog } from './cobertura.js';

const JACOCO_DTD_RE = /-\/\/JACOCO\/\/DTD Report (\d+)\.(\d+)\/\/EN/;

/** Optional count attribute: absent is 0 (the DTD makes them optional), malformed is undefined. */
function countAttr(attrs: XmlAttributes, name: string): number | undefined {
  if (attrs[name] === undefined) return 0;
  return intAttr(attrs, name);
}

function readCounter(attrs: XmlAttributes): { type: string; counts: Counts } | undefined {
  const missed = intAttr(attrs, 'missed');
  const covered = intAttr(attrs, 'covered');
  const type = attrs['type'];
  if (type === undefined || missed === undefined || covered === undefined) return undefined;
  return { type, counts: { total: missed + covered, covered } };
}

export const jacocoParser: ReportParser = {
  format: 'jacoco',
  kinds: ['coverage'],
  description: 'JaCoCo XML report (Maven, Gradle, report-aggregate, jacococli)',

  sniff(head) {
    const root = xmlRootTag(head);
    if (!root || root.name !== 'report') return false;
    if (JACOCO_DTD_RE.test(root.prolog)) return true;
    return /<(?:sessioninfo|group|package)\s[^>]*(?:id|name)\s*=|<counter\s+type\s*=\s*["'](?:INSTRUCTION|LINE|BRANCH)/.test(
      head.slice(root.end, root.end + 8192),
    );
  },

  async parse(source: ByteSource, ctx: ParseContext): Promise<ReportPayload> {
    const builder = new CoverageBuilder();
    const skips = new SkipLog();
    const stack: string[] = [];
    const reportCounters = new Map<string, Counts>();
    let pkg: string | undefined;
    let file: FileCoverage | undefined;
    let sourcefiles = 0;

    await parseXml(source, ctx, {
      doctype(text) {
        if (!/JACOCO/.test(text)) return;
        const m = JACOCO_DTD_RE.exec(text);
        if (!m || m[1] !== '1') {
          throw new XmlShapeError(`unsupported JaCoCo report DTD ("${text.trim().slice(0, 120)}"): only "Report 1.x" is known`);
        }
      },
      open(name, attrs, depth) {
        stack.length = depth - 1;
        const parent = stack[depth - 2];
        stack.push(name);
        if (depth === 1) {
          if (name !== 'report') throw new XmlShapeError(`root element is <${name}>, not <report>: not a JaCoCo report`);
          return;
        }
        switch (name) {
          case 'package':
            if (parent !== 'report' && parent !== 'group') throw new XmlShapeError(`<package> inside <${parent}>`);
            if (attrs['name'] === undefined) throw new XmlShapeError('<package> without a name');
            pkg = attrs['name'];
            break;
          case 'sourcefile': {
            if (parent !== 'package' || pkg === undefined) throw new XmlShapeError(`<sourcefile> inside <${parent}>, not a <package>`);
            const fname = attrs['name'];
            if (!fname) throw new XmlShapeError('<sourcefile> without a name');
            const path = pkg === '' ? fname : `${pkg.replace(/\/+$/, '')}/${fname}`;
            file = builder.file(path);
            sourcefiles++;
            break;
          }
          case 'line': {
            if (parent !== 'sourcefile' || !file) break;
            const nrRaw = attrs['nr'];
            const nr = intAttr(attrs, 'nr');
            const mi = countAttr(attrs, 'mi');
            const ci = countAttr(attrs, 'ci');
            const mb = countAttr(attrs, 'mb');
            const cb = countAttr(attrs, 'cb');
            if (nr === undefined || nr < 1 || nr > 0xfffffffe) {
              skips.add(`<line nr="${nrRaw ?? ''}"> in ${file.path}: nr is not a positive integer`);
            } else if (mi === undefined || ci === undefined || mb === undefined || cb === undefined) {
              skips.add(`<line nr="${nrRaw}"> in ${file.path}: mi/ci/mb/cb are not non-negative integers`);
            } else if (mi + ci === 0) {
              skips.add(`<line nr="${nrRaw}"> in ${file.path}: no instructions (mi = ci = 0)`);
            } else {
              file.addLine(nr, ci);
              if (mb + cb > 0) file.addBranches(nr, mb + cb, cb);
            }
            break;
          }
          case 'counter': {
            if (parent !== 'report' && parent !== 'sourcefile') break;
            const c = readCounter(attrs);
            if (!c) {
              skips.add(`<counter type="${attrs['type'] ?? ''}" missed="${attrs['missed'] ?? ''}" covered="${attrs['covered'] ?? ''}"> under <${parent}>: not a counter`);
              break;
            }
            if (parent === 'report') reportCounters.set(c.type, c.counts);
            else if (file && c.type === 'METHOD') file.addFunctions(c.counts.total, c.counts.covered);
            break;
          }
          default:
            break;
        }
      },
      close(name) {
        if (name === 'sourcefile') file = undefined;
        else if (name === 'package') pkg = undefined;
      },
    });

    if (sourcefiles === 0) {
      throw new ReportParseError('no files in report: a JaCoCo report with no <sourcefile> elements (were the classes compiled without debug information?)', {
        file: ctx.path,
      });
    }
    const declared: DeclaredTotals = {};
    const line = reportCounters.get('LINE');
    const branch = reportCounters.get('BRANCH');
    const method = reportCounters.get('METHOD');
    if (line) declared.lines = line;
    if (branch) declared.branches = branch;
    if (method) declared.functions = method;
    const warnings: string[] = [];
    const skipped = skips.warning(ctx.path);
    if (skipped) warnings.push(skipped);
    const data = builder.build(line || branch || method ? declared : undefined);
    const t = coverageTotals(data.files.values());
    const counted: DeclaredTotals = { lines: t.lines, branches: t.branches, functions: t.functions };
    const mismatch = declaredMismatch(ctx.path, declared, counted, 'the report-level <counter>s');
    if (mismatch) warnings.push(mismatch);
    return { kind: 'coverage', coverage: data, warnings };
  },
};
