#!/usr/bin/env node
/**
 * Deterministic synthetic monorepo reports for the benchmarks.
 *
 *   node bench/generate.mjs [--sizes small,large,huge] [--force]
 *
 * Writes, per size, into bench/data/<size>/ (a workspace the CLI can check):
 *
 *   reports/lcov.info            lcov, as istanbul's lcovonly reporter writes it
 *                                (geninfo's "-" for branches of lines never run)
 *   reports/cobertura.xml        Cobertura, as istanbul's cobertura reporter writes it
 *   reports/coverage-final.json  istanbul per-file JSON (the JavaScript packages only)
 *   reports/eslint.json          ESLint's json formatter (every linted file, `source`
 *                                for files with problems)
 *   reports/codeql.sarif         SARIF 2.1.0 as CodeQL writes it (rules, artifacts,
 *                                code flows, fingerprints)
 *   pr.diff                      a pull request's unified diff (git diff format)
 *   .sdlc.yml                    routes the reports above to their gates
 *   .git/                        an index naming every source file (no contents), so
 *                                that path resolution works as in a real checkout
 *   manifest.json                what each file must read as (exact totals)
 *
 * Sizes: small (200 files), large (20,000 files of about 300 instrumented
 * lines: ~90 MB lcov, ~350 MB Cobertura) and huge (100,000 files: ~450 MB
 * lcov, and a coverage-final.json of 24,000 files above the 512 MiB a
 * JavaScript string can hold). The data of file N is derived from a seeded
 * PRNG keyed by the size's seed and N only, so every format describes the same
 * lines, branches and functions, and the output is byte-identical between
 * runs. Files are written in ~1 MB pieces; nothing holds a whole report.
 * Existing data is reused when its manifest matches the generator version.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATOR_VERSION = 4;
export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');
/** Where the reports say the checkout was (CI runner paths). */
export const CI_ROOT = '/home/runner/work/mono/mono';

/**
 * files: source files in the monorepo; finalFiles: how many of them (the first
 * ones) coverage-final.json covers; formats: which reports the size has.
 */
export const SIZES = {
  small: { seed: 0x5eed0001, files: 200, finalFiles: 80, diffFiles: 50, formats: ['lcov', 'cobertura', 'final', 'eslint', 'sarif', 'diff'] },
  large: { seed: 0x5eed0002, files: 20_000, finalFiles: 8_000, diffFiles: 500, formats: ['lcov', 'cobertura', 'final', 'eslint', 'sarif', 'diff'] },
  huge: { seed: 0x5eed0003, files: 100_000, finalFiles: 24_000, diffFiles: 0, formats: ['lcov', 'final'] },
};

export const REPORT_FILES = {
  lcov: 'reports/lcov.info',
  cobertura: 'reports/cobertura.xml',
  final: 'reports/coverage-final.json',
  eslint: 'reports/eslint.json',
  sarif: 'reports/codeql.sarif',
  diff: 'pr.diff',
};

// ---------------------------------------------------------------- PRNG

/** mulberry32: a 32-bit state PRNG; returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for item `i` of stream `salt` (integer hash, so neighbours are unrelated). */
function seedOf(seed, salt, i) {
  let h = (seed ^ Math.imul(salt, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pick = (r, list) => list[Math.floor(r() * list.length)];

// ---------------------------------------------------------------- per-file data

const DIRS = ['api', 'core', 'utils', 'components', 'services', 'hooks', 'models', 'store'];
const FILES_PER_PACKAGE = 100;
const FILES_PER_DIR = 20;
const VERBS = ['get', 'set', 'load', 'save', 'parse', 'render', 'handle', 'build', 'resolve', 'update', 'create', 'remove'];
const NOUNS = ['User', 'Order', 'Cart', 'Session', 'Config', 'Item', 'Route', 'Token', 'Report', 'Cache', 'Query', 'Event'];

/** Repository-relative path of file `i`: packages/pkg-N/src/<dir>/file-i.ts. */
export function filePath(i) {
  const pkg = Math.floor(i / FILES_PER_PACKAGE);
  const dir = DIRS[Math.floor((i % FILES_PER_PACKAGE) / FILES_PER_DIR) % DIRS.length];
  return `packages/pkg-${pkg}/src/${dir}/file-${i}.ts`;
}

/**
 * The coverage of file `i`: 200-400 instrumented lines (gaps of 0-5 source
 * lines between them), hits 0 for ~15 % of lines, a function every ~20 lines
 * (its hits are its declaration line's), a branch point on ~12 % of lines with
 * 2-4 outcomes (0 when the line never ran, else some untaken).
 */
export function fileData(seed, i) {
  const r = prng(seedOf(seed, 1, i));
  const n = int(r, 200, 400);
  const lines = new Uint32Array(n);
  const hits = new Uint32Array(n);
  let ln = int(r, 1, 4);
  // Runs of unexecuted code: a cold block switches lines off for a while.
  let cold = 0;
  for (let k = 0; k < n; k++) {
    lines[k] = ln;
    if (cold > 0) cold--;
    else if (r() < 0.02) cold = int(r, 2, 15);
    hits[k] = cold > 0 || r() < 0.04 ? 0 : r() < 0.5 ? int(r, 1, 9) : Math.floor(Math.exp(r() * 9));
    const g = r();
    ln += g < 0.55 ? 1 : g < 0.85 ? 2 : int(r, 3, 6);
  }
  const fns = [];
  const brs = [];
  for (let k = 0; k < n; k++) {
    if (k === 0 || r() < 0.05) {
      const fi = fns.length;
      const name = r() < 0.15 ? `(anonymous_${fi})` : r() < 0.05 ? `${pick(r, VERBS)}${pick(r, NOUNS)}${fi}<T>` : `${pick(r, VERBS)}${pick(r, NOUNS)}${fi}`;
      fns.push({ name, line: lines[k], end: lines[Math.min(n - 1, k + int(r, 3, 25))], hits: hits[k] });
    } else if (r() < 0.12) {
      const outcomes = r() < 0.75 ? 2 : r() < 0.6 ? 3 : 4;
      const counts = [];
      for (let o = 0; o < outcomes; o++) counts.push(hits[k] === 0 || r() < 0.3 ? 0 : int(r, 1, hits[k]));
      brs.push({ line: lines[k], type: outcomes === 2 ? pick(r, ['if', 'cond-expr', 'binary-expr']) : 'switch', counts });
    }
  }
  return { i, path: filePath(i), lines, hits, fns, brs, maxLine: lines[n - 1] + int(r, 1, 8) };
}

/** Totals of a range of files, as every coverage format must read them. */
function coverageTotals(seed, from, to) {
  const t = { files: to - from, lines: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 }, functions: { total: 0, covered: 0 } };
  for (let i = from; i < to; i++) {
    const f = fileData(seed, i);
    t.lines.total += f.lines.length;
    for (const h of f.hits) if (h > 0) t.lines.covered++;
    for (const b of f.brs) {
      t.branches.total += b.counts.length;
      for (const c of b.counts) if (c > 0) t.branches.covered++;
    }
    t.functions.total += f.fns.length;
    for (const fn of f.fns) if (fn.hits > 0) t.functions.covered++;
  }
  return t;
}

// ---------------------------------------------------------------- output

/** Buffered writer: joins pieces and writes ~1 MB at a time; renames into place on close. */
class Out {
  constructor(path) {
    this.path = path;
    this.tmp = `${path}.tmp`;
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(this.tmp, 'w');
    this.parts = [];
    this.len = 0;
    this.bytes = 0;
  }

  w(s) {
    this.parts.push(s);
    this.len += s.length;
    if (this.len >= 1 << 20) this.flush();
  }

  flush() {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.len = 0;
  }

  close() {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    return this.bytes;
  }
}

const pct = (c, t) => (t === 0 ? 1 : c / t);
const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// ---------------------------------------------------------------- lcov

function writeLcov(path, seed, files) {
  const out = new Out(path);
  for (let i = 0; i < files; i++) {
    const f = fileData(seed, i);
    const p = [`TN:\nSF:${f.path}\n`];
    for (const fn of f.fns) p.push(`FN:${fn.line},${fn.name}\n`);
    let fnh = 0;
    for (const fn of f.fns) if (fn.hits > 0) fnh++;
    p.push(`FNF:${f.fns.length}\nFNH:${fnh}\n`);
    for (const fn of f.fns) p.push(`FNDA:${fn.hits},${fn.name}\n`);
    let lh = 0;
    for (let k = 0; k < f.lines.length; k++) {
      p.push(`DA:${f.lines[k]},${f.hits[k]}\n`);
      if (f.hits[k] > 0) lh++;
    }
    p.push(`LF:${f.lines.length}\nLH:${lh}\n`);
    let brf = 0;
    let brh = 0;
    f.brs.forEach((b, bi) => {
      const ran = f.hits[f.lines.indexOf(b.line)] > 0;
      b.counts.forEach((c, o) => {
        p.push(`BRDA:${b.line},${bi},${o},${ran ? c : '-'}\n`);
        brf++;
        if (c > 0) brh++;
      });
    });
    p.push(`BRF:${brf}\nBRH:${brh}\nend_of_record\n`);
    out.w(p.join(''));
  }
  return out.close();
}

// ---------------------------------------------------------------- Cobertura

function writeCobertura(path, seed, files, totals) {
  const out = new Out(path);
  const { lines, branches } = totals;
  out.w('<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n');
  out.w(
    `<coverage lines-valid="${lines.total}" lines-covered="${lines.covered}" line-rate="${pct(lines.covered, lines.total).toFixed(4)}" ` +
      `branches-valid="${branches.total}" branches-covered="${branches.covered}" branch-rate="${pct(branches.covered, branches.total).toFixed(4)}" ` +
      'timestamp="1717171717171" complexity="0" version="0.1">\n',
  );
  out.w(`  <sources>\n    <source>${CI_ROOT}</source>\n  </sources>\n  <packages>\n`);
  let openPkg;
  for (let i = 0; i < files; i++) {
    const f = fileData(seed, i);
    const pkg = f.path.slice(0, f.path.lastIndexOf('/')).replace(/\//g, '.');
    if (pkg !== openPkg) {
      if (openPkg) out.w('      </classes>\n    </package>\n');
      out.w(`    <package name="${pkg}" line-rate="0.8" branch-rate="0.7">\n      <classes>\n`);
      openPkg = pkg;
    }
    let lh = 0;
    for (const h of f.hits) if (h > 0) lh++;
    let bf = 0;
    let bh = 0;
    const byLine = new Map();
    for (const b of f.brs) {
      const c = b.counts.filter((x) => x > 0).length;
      byLine.set(b.line, [c, b.counts.length]);
      bf += b.counts.length;
      bh += c;
    }
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    const p = [`        <class name="${name}" filename="${f.path}" line-rate="${pct(lh, f.lines.length).toFixed(4)}" branch-rate="${pct(bh, bf).toFixed(4)}">\n          <methods>\n`];
    for (const fn of f.fns) {
      p.push(
        `            <method name="${xmlEscape(fn.name)}" hits="${fn.hits}" signature="()V">\n              <lines>\n` +
          `                <line number="${fn.line}" hits="${fn.hits}"/>\n              </lines>\n            </method>\n`,
      );
    }
    p.push('          </methods>\n          <lines>\n');
    for (let k = 0; k < f.lines.length; k++) {
      const b = byLine.get(f.lines[k]);
      if (b) {
        p.push(`            <line number="${f.lines[k]}" hits="${f.hits[k]}" branch="true" condition-coverage="${Math.round((b[0] / b[1]) * 100)}% (${b[0]}/${b[1]})"/>\n`);
      } else {
        p.push(`            <line number="${f.lines[k]}" hits="${f.hits[k]}" branch="false"/>\n`);
      }
    }
    p.push('          </lines>\n        </class>\n');
    out.w(p.join(''));
  }
  if (openPkg) out.w('      </classes>\n    </package>\n');
  out.w('  </packages>\n</coverage>\n');
  return out.close();
}

// ---------------------------------------------------------------- istanbul coverage-final.json

function hex40(r) {
  let s = '';
  for (let k = 0; k < 5; k++) s += (Math.floor(r() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
  return s;
}

const loc = (line, c1, c2) => `{"start":{"line":${line},"column":${c1}},"end":{"line":${line},"column":${c2}}}`;

function writeFinal(path, seed, files) {
  const out = new Out(path);
  out.w('{');
  for (let i = 0; i < files; i++) {
    const f = fileData(seed, i);
    const r = prng(seedOf(seed, 2, i));
    const abs = `${CI_ROOT}/${f.path}`;
    const p = [`${i ? ',' : ''}"${abs}":{"path":"${abs}","statementMap":{`];
    for (let k = 0; k < f.lines.length; k++) {
      const c = 2 * int(r, 1, 4);
      p.push(`${k ? ',' : ''}"${k}":${loc(f.lines[k], c, c + int(r, 8, 70))}`);
    }
    p.push('},"fnMap":{');
    f.fns.forEach((fn, k) => {
      const c = fn.name.startsWith('(') ? 16 : 9;
      const name = JSON.stringify(fn.name);
      p.push(
        `${k ? ',' : ''}"${k}":{"name":${name},"decl":${loc(fn.line, c, c + fn.name.length)},` +
          `"loc":{"start":{"line":${fn.line},"column":${c + fn.name.length}},"end":{"line":${fn.end},"column":1}},"line":${fn.line}}`,
      );
    });
    p.push('},"branchMap":{');
    f.brs.forEach((b, k) => {
      const c = 2 * int(r, 1, 4);
      const locs = b.counts.map((_, o) => loc(b.line, c + 6 * o, c + 6 * o + 5)).join(',');
      p.push(`${k ? ',' : ''}"${k}":{"loc":${loc(b.line, c, c + 6 * b.counts.length)},"type":"${b.type}","locations":[${locs}],"line":${b.line}}`);
    });
    p.push('},"s":{');
    for (let k = 0; k < f.lines.length; k++) p.push(`${k ? ',' : ''}"${k}":${f.hits[k]}`);
    p.push('},"f":{');
    f.fns.forEach((fn, k) => p.push(`${k ? ',' : ''}"${k}":${fn.hits}`));
    p.push('},"b":{');
    f.brs.forEach((b, k) => p.push(`${k ? ',' : ''}"${k}":[${b.counts.join(',')}]`));
    p.push(`},"_coverageSchema":"1a1c01bbd47fc00a2c39e90264f33305c2c8b1c2","hash":"${hex40(r)}"}`);
    out.w(p.join(''));
  }
  out.w('}\n');
  return out.close();
}

// ---------------------------------------------------------------- source text (ESLint `source`, diff lines)

/** A plausible TypeScript source line (with quotes, tabs and backslashes now and then). */
function sourceLine(r, ln) {
  switch (int(r, 0, 7)) {
    case 0:
      return `  const ${pick(r, NOUNS).toLowerCase()}${ln} = await ${pick(r, VERBS)}${pick(r, NOUNS)}(id, { retries: ${int(r, 1, 5)} });`;
    case 1:
      return `  if (value${ln} === "${pick(r, NOUNS)}" || count > ${int(r, 1, 999)}) {`;
    case 2:
      return `    throw new Error(\`cannot ${pick(r, VERBS)} \${name}: "${pick(r, NOUNS)}" is missing\`);`;
    case 3:
      return '  }';
    case 4:
      return `\treturn path.replace(/\\\\/g, '/').split("/")[${int(r, 0, 3)}];`;
    case 5:
      return `  // ${pick(r, VERBS)} the ${pick(r, NOUNS).toLowerCase()} before the next tick`;
    case 6:
      return `export function ${pick(r, VERBS)}${pick(r, NOUNS)}${ln}(input: string): number {`;
    default:
      return '';
  }
}

function sourceText(seed, f) {
  const r = prng(seedOf(seed, 3, f.i));
  const out = [];
  for (let ln = 1; ln <= f.maxLine; ln++) out.push(sourceLine(r, ln));
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------- ESLint JSON

const ESLINT_RULES = [
  ['@typescript-eslint/no-unused-vars', "'{n}' is assigned a value but never used.", 'unusedVar', 'Identifier'],
  ['@typescript-eslint/no-explicit-any', 'Unexpected any. Specify a different type.', 'unexpectedAny', 'TSAnyKeyword'],
  ['no-console', 'Unexpected console statement.', 'unexpected', 'MemberExpression'],
  ['eqeqeq', "Expected '===' and instead saw '=='.", 'unexpected', 'BinaryExpression'],
  ['prefer-const', "'{n}' is never reassigned. Use 'const' instead.", 'useConst', 'Identifier'],
  ['no-empty', 'Empty block statement.', 'unexpected', 'BlockStatement'],
];

function writeEslint(path, seed, files) {
  const out = new Out(path);
  const t = { results: files, filesWithMessages: 0, messages: 0, errors: 0, warnings: 0 };
  out.w('[');
  for (let i = 0; i < files; i++) {
    const r = prng(seedOf(seed, 4, i));
    const abs = `${CI_ROOT}/${filePath(i)}`;
    const n = r() < 0.3 ? int(r, 1, 6) : 0;
    const msgs = [];
    let errors = 0;
    let warnings = 0;
    let fixableErrors = 0;
    let fixableWarnings = 0;
    let f;
    if (n > 0) f = fileData(seed, i);
    for (let k = 0; k < n; k++) {
      const [rule, text, messageId, nodeType] = pick(r, ESLINT_RULES);
      const severity = r() < 0.35 ? 2 : 1;
      const line = int(r, 1, f.maxLine);
      const column = int(r, 1, 40);
      const fixable = rule === 'prefer-const' || rule === 'eqeqeq';
      if (severity === 2) {
        errors++;
        if (fixable) fixableErrors++;
      } else {
        warnings++;
        if (fixable) fixableWarnings++;
      }
      const message = JSON.stringify(text.replace('{n}', `v${line}`));
      const fix = fixable ? `,"fix":{"range":[${line * 31},${line * 31 + 3}],"text":"${rule === 'eqeqeq' ? '===' : 'const'}"}` : '';
      msgs.push(
        `{"ruleId":"${rule}","severity":${severity},"message":${message},"line":${line},"column":${column},"nodeType":"${nodeType}",` +
          `"messageId":"${messageId}","endLine":${line},"endColumn":${column + int(r, 1, 12)}${fix}}`,
      );
    }
    const source = n > 0 ? `,"source":${JSON.stringify(sourceText(seed, f))}` : '';
    out.w(
      `${i ? ',' : ''}{"filePath":"${abs}","messages":[${msgs.join(',')}],"suppressedMessages":[],"errorCount":${errors},"fatalErrorCount":0,` +
        `"warningCount":${warnings},"fixableErrorCount":${fixableErrors},"fixableWarningCount":${fixableWarnings}${source},"usedDeprecatedRules":[]}`,
    );
    if (n > 0) t.filesWithMessages++;
    t.messages += n;
    t.errors += errors;
    t.warnings += warnings;
  }
  out.w(']\n');
  t.bytes = out.close();
  return t;
}

// ---------------------------------------------------------------- SARIF (CodeQL)

const SARIF_RULES = [
  ['js/sql-injection', 'Database query built from user-controlled sources', 'error', '8.8'],
  ['js/path-injection', 'Uncontrolled data used in path expression', 'error', '7.5'],
  ['js/xss', 'Client-side cross-site scripting', 'error', '6.1'],
  ['js/regex-injection', 'Regular expression injection', 'error', '7.5'],
  ['js/prototype-pollution', 'Prototype-polluting assignment', 'warning', '6.1'],
  ['js/incomplete-sanitization', 'Incomplete string escaping or encoding', 'warning', '7.8'],
  ['js/insecure-randomness', 'Insecure randomness', 'warning', '7.8'],
  ['js/log-injection', 'Log injection', 'error', '7.8'],
  ['js/unused-local-variable', 'Unused variable, import, function or class', 'note', undefined],
  ['js/useless-assignment-to-local', 'Useless assignment to local variable', 'warning', undefined],
  ['js/hardcoded-credentials', 'Hard-coded credentials', 'error', '9.8'],
  ['js/clear-text-logging', 'Clear-text logging of sensitive information', 'error', '7.5'],
];

function writeSarif(path, seed, files, results) {
  const out = new Out(path);
  const r = prng(seedOf(seed, 5, 0));
  const t = { results, byLevel: { error: 0, warning: 0, note: 0 } };
  out.w('{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "tool": {\n        "driver": {\n');
  out.w('          "name": "CodeQL",\n          "organization": "GitHub",\n          "semanticVersion": "2.17.6",\n          "rules": [\n');
  SARIF_RULES.forEach(([id, name, level, score], k) => {
    const props = score ? `"tags": ["security", "external/cwe/cwe-0${int(r, 20, 99)}"], "precision": "high", "security-severity": "${score}"` : '"tags": ["maintainability"], "precision": "very-high"';
    out.w(
      `${k ? ',\n' : ''}            {"id": "${id}", "name": "${id.slice(3)}", "shortDescription": {"text": "${name}"}, "fullDescription": {"text": "${name}."}, ` +
        `"defaultConfiguration": {"enabled": true, "level": "${level}"}, "properties": {${props}, "kind": "${score ? 'path-problem' : 'problem'}", "id": "${id}"}}`,
    );
  });
  out.w('\n          ]\n        }\n      },\n      "artifacts": [\n');
  // One artifact per file named by a result: files with results are every k-th file.
  const stride = Math.max(1, Math.floor(files / Math.min(files, Math.ceil(results / 4))));
  const artifactFiles = [];
  for (let i = 0; i < files; i += stride) artifactFiles.push(i);
  artifactFiles.forEach((i, k) => out.w(`${k ? ',\n' : ''}        {"location": {"uri": "${filePath(i)}", "uriBaseId": "%SRCROOT%", "index": ${k}}}`));
  out.w('\n      ],\n      "results": [\n');
  for (let k = 0; k < results; k++) {
    const ri = int(r, 0, SARIF_RULES.length - 1);
    const [id, name, level] = SARIF_RULES[ri];
    t.byLevel[level]++;
    const ai = int(r, 0, artifactFiles.length - 1);
    const uri = filePath(artifactFiles[ai]);
    const line = int(r, 1, 380);
    const col = int(r, 1, 60);
    const region = `{"startLine": ${line}, "startColumn": ${col}, "endColumn": ${col + int(r, 3, 40)}}`;
    const phys = `{"artifactLocation": {"uri": "${uri}", "uriBaseId": "%SRCROOT%", "index": ${ai}}, "region": ${region}}`;
    let flows = '';
    if (SARIF_RULES[ri][3] && r() < 0.4) {
      const steps = [];
      for (let s = 0; s < int(r, 2, 5); s++) {
        const l2 = int(r, 1, 380);
        steps.push(`{"location": {"physicalLocation": {"artifactLocation": {"uri": "${uri}", "uriBaseId": "%SRCROOT%", "index": ${ai}}, "region": {"startLine": ${l2}, "startColumn": 3, "endColumn": 19}}, "message": {"text": "req.query[\\"id\\"]"}}}`);
      }
      flows = `, "codeFlows": [{"threadFlows": [{"locations": [${steps.join(', ')}]}]}]`;
    }
    out.w(
      `${k ? ',\n' : ''}        {"ruleId": "${id}", "ruleIndex": ${ri}, "rule": {"id": "${id}", "index": ${ri}}, "level": "${level}", ` +
        `"message": {"text": "${name} depends on a [user-provided value](1).\\nSee \\"${uri}\\"."}, "locations": [{"physicalLocation": ${phys}}], ` +
        `"partialFingerprints": {"primaryLocationLineHash": "${hex40(r).slice(0, 16)}:1", "primaryLocationStartColumnFingerprint": "${col - 1}"}${flows}}`,
    );
  }
  out.w('\n      ],\n      "columnKind": "utf16CodeUnits",\n      "properties": {"semmle.formatSpecifier": "sarif-latest"}\n    }\n  ]\n}\n');
  t.bytes = out.close();
  return t;
}

// ---------------------------------------------------------------- pull request diff

/**
 * A diff touching `count` files spread over the repository: 1-3 hunks each
 * (3 lines of context, 1-6 removed and 2-20 added lines), and every 20th file
 * newly added. New-side line numbers are lines of the file as the coverage
 * reports describe it, so patch coverage is the coverage of the added lines
 * that are instrumented.
 */
function writeDiff(path, seed, files, count) {
  const out = new Out(path);
  const r = prng(seedOf(seed, 6, 0));
  const t = { files: count, added: 0, coverable: 0, covered: 0 };
  const step = Math.floor(files / count);
  for (let d = 0; d < count; d++) {
    const i = d * step + int(r, 0, step - 1);
    const f = fileData(seed, i);
    const src = sourceText(seed, f).split('\n');
    const hitsOf = new Map();
    for (let k = 0; k < f.lines.length; k++) hitsOf.set(f.lines[k], f.hits[k]);
    const addedLines = [];
    const p = [`diff --git a/${f.path} b/${f.path}\n`];
    if (d % 20 === 19) {
      p.push(`new file mode 100644\nindex 0000000..${hex40(r).slice(0, 7)}\n--- /dev/null\n+++ b/${f.path}\n@@ -0,0 +1,${f.maxLine} @@\n`);
      for (let ln = 1; ln <= f.maxLine; ln++) {
        p.push(`+${src[ln - 1]}\n`);
        addedLines.push(ln);
      }
    } else {
      p.push(`index ${hex40(r).slice(0, 7)}..${hex40(r).slice(0, 7)} 100644\n--- a/${f.path}\n+++ b/${f.path}\n`);
      const hunks = int(r, 1, 3);
      const span = Math.floor((f.maxLine - 10) / hunks);
      let shift = 0;
      for (let h = 0; h < hunks; h++) {
        const added = int(r, 2, 20);
        const removed = int(r, 0, 6);
        const ctxStart = h * span + int(r, 1, Math.max(1, span - added - 8));
        const newStart = ctxStart;
        const oldStart = ctxStart - shift;
        const lines = [];
        for (let c = 0; c < 3; c++) lines.push(` ${src[newStart - 1 + c]}`);
        for (let k = 0; k < removed; k++) lines.push(`-  legacy${k}(${int(r, 1, 99)});`);
        for (let k = 0; k < added; k++) {
          const ln = newStart + 3 + k;
          lines.push(`+${src[ln - 1]}`);
          addedLines.push(ln);
        }
        for (let c = 0; c < 3; c++) lines.push(` ${src[newStart + 2 + added + c]}`);
        p.push(`@@ -${oldStart},${6 + removed} +${newStart},${6 + added} @@ export function ${pick(r, VERBS)}${pick(r, NOUNS)}() {\n${lines.join('\n')}\n`);
        shift += added - removed;
      }
    }
    for (const ln of addedLines) {
      t.added++;
      const h = hitsOf.get(ln);
      if (h !== undefined) {
        t.coverable++;
        if (h > 0) t.covered++;
      }
    }
    out.w(p.join(''));
  }
  t.bytes = out.close();
  return t;
}

// ---------------------------------------------------------------- workspace

const SDLC_YML = `# Generated by bench/generate.mjs: routes the synthetic reports to their gates.
reports:
  coverage:
    - reports/lcov.info
    - reports/cobertura.xml
    - reports/coverage-final.json
  lint:
    - reports/eslint.json
  security:
    - reports/codeql.sarif
  discover: []
gates:
  coverage:
    min: 80
  patch_coverage:
    min: 85
  lint:
    max_errors: 0
  tests:
    enabled: false
`;

/** A git index naming every source file (empty blobs, no working files), as a checkout's `git ls-files` would. */
function writeGitIndex(dir, files) {
  const git = (args, input) => execFileSync('git', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 }).toString();
  rmSync(join(dir, '.git'), { recursive: true, force: true });
  git(['init', '-q']);
  const blob = git(['hash-object', '-w', '--stdin'], '').trim();
  const entries = [];
  for (let i = 0; i < files; i++) entries.push(`100644 ${blob}\t${filePath(i)}\n`);
  git(['update-index', '--add', '--index-info'], entries.join(''));
}

// ---------------------------------------------------------------- driver

export function manifestPath(size) {
  return join(DATA_DIR, size, 'manifest.json');
}

export function readManifest(size) {
  const p = manifestPath(size);
  if (!existsSync(p)) return undefined;
  const m = JSON.parse(readFileSync(p, 'utf8'));
  return m.version === GENERATOR_VERSION ? m : undefined;
}

export function generate(size, { force = false, log = (s) => process.stderr.write(s) } = {}) {
  const spec = SIZES[size];
  if (!spec) throw new Error(`unknown size ${size} (known: ${Object.keys(SIZES).join(', ')})`);
  const existing = force ? undefined : readManifest(size);
  if (existing) return existing;
  const dir = join(DATA_DIR, size);
  rmSync(manifestPath(size), { force: true });
  mkdirSync(join(dir, 'reports'), { recursive: true });
  const m = { version: GENERATOR_VERSION, size, files: spec.files, reports: {} };
  const t0 = Date.now();
  const step = (name, fn) => {
    log(`generate ${size}: ${name}...`);
    const s = Date.now();
    const v = fn();
    log(` ${((Date.now() - s) / 1000).toFixed(1)} s\n`);
    return v;
  };
  const all = step('totals', () => coverageTotals(spec.seed, 0, spec.files));
  const has = (f) => spec.formats.includes(f);
  if (has('lcov')) m.reports.lcov = { ...all, bytes: step('lcov', () => writeLcov(join(dir, REPORT_FILES.lcov), spec.seed, spec.files)) };
  if (has('cobertura')) m.reports.cobertura = { ...all, bytes: step('cobertura', () => writeCobertura(join(dir, REPORT_FILES.cobertura), spec.seed, spec.files, all)) };
  if (has('final')) {
    const sub = step('final totals', () => coverageTotals(spec.seed, 0, spec.finalFiles));
    m.reports.final = { ...sub, bytes: step('coverage-final.json', () => writeFinal(join(dir, REPORT_FILES.final), spec.seed, spec.finalFiles)) };
  }
  if (has('eslint')) m.reports.eslint = step('eslint', () => writeEslint(join(dir, REPORT_FILES.eslint), spec.seed, spec.files));
  if (has('sarif')) m.reports.sarif = step('sarif', () => writeSarif(join(dir, REPORT_FILES.sarif), spec.seed, spec.files, Math.round(spec.files * 1)));
  if (has('diff')) {
    m.diff = step('diff', () => writeDiff(join(dir, REPORT_FILES.diff), spec.seed, spec.files, spec.diffFiles));
    writeFileSync(join(dir, '.sdlc.yml'), SDLC_YML);
    step('git index', () => writeGitIndex(dir, spec.files));
  }
  m.seconds = (Date.now() - t0) / 1000;
  writeFileSync(manifestPath(size), `${JSON.stringify(m, null, 2)}\n`);
  return m;
}

function main(argv) {
  const i = argv.indexOf('--sizes');
  const sizes = i >= 0 ? argv[i + 1].split(',') : ['small', 'large'];
  const force = argv.includes('--force');
  for (const s of sizes) {
    const m = generate(s, { force });
    const parts = Object.entries(m.reports).map(([k, v]) => `${k} ${(v.bytes / 1e6).toFixed(1)} MB`);
    process.stderr.write(`${s}: ${m.files} files; ${parts.join(', ')}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
