#!/usr/bin/env node
/**
 * Parser speed and memory, side by side with the parsers users would
 * otherwise pick, on synthetic monorepo reports (bench/generate.mjs).
 *
 *   npm run build && node bench/run.mjs [--sizes small,large,huge] [--only lcov,cobertura,final,eslint,sarif,cli,api,app]
 *                                       [--runs N] [--timeout SECONDS]
 *
 * Every measurement runs in a fresh child process, so that its peak RSS
 * (process.resourceUsage().maxRSS at the end of the child) is its own. A
 * child loads its modules first and then times reading and parsing the file
 * (wall clock and CPU); it also returns the totals it read, which must equal
 * the generator's manifest: a parser that is fast but wrong fails the run.
 * The runs of the contestants of one file are interleaved (A B C A B C ...),
 * so that a change in the machine's load affects them alike; the table shows
 * the median wall time, MB/s and the largest peak RSS of the runs. A
 * contestant whose first run takes more than --slow seconds (default 20) is
 * run once. Ratios compare medians within this one run.
 *
 * Contestants per report:
 *   lcov.info            ours, lcov-parse, @friedemannsommer/lcov-parser
 *   cobertura.xml        ours, fast-xml-parser, xml2js (both with tree walks
 *                        that count what ours counts; capped at
 *                        --max-old-space-size=4096, a crash is "out of memory")
 *   coverage-final.json  ours, JSON.parse + istanbul-lib-coverage,
 *                        stream-json + istanbul-lib-coverage
 *   eslint.json          ours, JSON.parse
 *   codeql.sarif         ours, JSON.parse
 * and, for each, two physical baselines: "read" (stream the bytes through)
 * and "newline scan" (stream the bytes and find every newline with
 * Buffer#indexOf): the least any line-oriented reader must spend.
 *
 * "cli" runs `sdlc-gate check --diff pr.diff --format json` in the generated
 * workspace (all five reports, a 500-file diff at the large size) and checks
 * its coverage and changed-line totals; its time is compared with the sum of
 * the per-report "read" baselines and with the sum of our per-report parse
 * times. It also times `sdlc-gate --version` and counts the modules each
 * command loads from build/app, build/action and build/github and from the
 * GitHub packages (probot, @octokit, @actions): a CLI must load none.
 *
 * "app" (independent of --sizes) runs bench/app.mjs: the App under load on
 * Redis, one web and 1, 2 and 4 worker processes against the fake GitHub
 * (webhook acknowledgement p50/p99, webhook to completed checks, API calls
 * per pull request and per evaluation). Skipped, with a message, when Redis
 * does not answer.
 *
 * "api" (independent of --sizes) bundles bench/api-calls.ts with esbuild into
 * .tmp/bench/ and runs it in a child process: for 0, 120 and 5,000 ESLint
 * findings on a pull request, under the default configuration (check runs
 * and one comment), it publishes the verdict through the real Publisher
 * against the fake GitHub of the tests (real HTTP, every request validated
 * against GitHub's REST description) and counts the requests as the
 * publisher, the client and the fake saw them. The table shows them by
 * operation next to the minimum the performance issue defines: one request
 * per check run (created or completed with its first 50 annotations), one
 * per further 50 annotations, one list and one edit or create for the
 * comment.
 *
 * Writes bench/results.json.
 */
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DATA_DIR, REPORT_FILES, SIZES, generate } from './generate.mjs';

const ANNOTATIONS_PER_REQUEST = 50;
/** The operations the issue's minimum is made of; any other request is beyond it. */
const MINIMUM_OPERATIONS = ['checks/create', 'checks/update', 'issues/list-comments', 'issues/create-comment', 'issues/update-comment'];

const here = fileURLToPath(import.meta.url);
const root = resolve(dirname(here), '..');
const require = createRequire(join(root, 'package.json'));

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
function opt(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
}

// ---------------------------------------------------------------- measured work (children)

/** Coverage totals of our model. */
function ourCoverage(cov) {
  const t = { files: cov.files.size, lines: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 }, functions: { total: 0, covered: 0 } };
  for (const f of cov.files.values()) {
    for (const k of ['lines', 'branches', 'functions']) {
      const c = f[k];
      t[k].total += c.total;
      t[k].covered += c.covered;
    }
  }
  return t;
}

function blankTotals() {
  return { files: 0, lines: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 }, functions: { total: 0, covered: 0 } };
}

const asArray = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Totals of a Cobertura tree from fast-xml-parser (attributes unprefixed) or xml2js (attributes in `$`). */
function coberturaTreeTotals(doc, attrOf) {
  const t = blankTotals();
  const files = new Set();
  const coverage = doc.coverage;
  for (const pkg of asArray(coverage.packages?.package ?? coverage.packages?.[0]?.package)) {
    const classes = pkg.classes?.class ?? pkg.classes?.[0]?.class;
    for (const cls of asArray(classes)) {
      files.add(attrOf(cls).filename);
      for (const m of asArray(cls.methods?.method ?? cls.methods?.[0]?.method)) {
        t.functions.total++;
        if (Number(attrOf(m).hits) > 0) t.functions.covered++;
      }
      for (const l of asArray(cls.lines?.line ?? cls.lines?.[0]?.line)) {
        const a = attrOf(l);
        t.lines.total++;
        if (Number(a.hits) > 0) t.lines.covered++;
        if (a.branch === 'true') {
          const m = /\((\d+)\/(\d+)\)/.exec(a['condition-coverage']);
          t.branches.total += Number(m[2]);
          t.branches.covered += Number(m[1]);
        }
      }
    }
  }
  t.files = files.size;
  return t;
}

/** Totals of lcov-parse / @friedemannsommer/lcov-parser results (per file: lines, branches, functions details). */
function lcovTotals(records, shape) {
  const t = blankTotals();
  const files = new Set();
  for (const r of records) {
    const d = shape(r);
    files.add(d.file);
    for (const l of d.lines) {
      t.lines.total++;
      if (l > 0) t.lines.covered++;
    }
    for (const b of d.branches) {
      t.branches.total++;
      if (b > 0) t.branches.covered++;
    }
    for (const f of d.functions) {
      t.functions.total++;
      if (f > 0) t.functions.covered++;
    }
  }
  t.files = files.size;
  return t;
}

function istanbulTotals(map) {
  const s = map.getCoverageSummary();
  return {
    files: map.files().length,
    lines: { total: s.lines.total, covered: s.lines.covered },
    branches: { total: s.branches.total, covered: s.branches.covered },
    functions: { total: s.functions.total, covered: s.functions.covered },
  };
}

async function ours(path) {
  const { parseReport } = await import(pathToFileURL(join(root, 'build/core/parsers/registry.js')).href);
  return async () => {
    const r = await parseReport(createReadStream(path), { path });
    if (r.kind === 'coverage') return ourCoverage(r.coverage);
    const byLevel = { error: 0, warning: 0, note: 0 };
    for (const f of r.findings.findings) byLevel[f.level]++;
    return { findings: r.findings.findings.length, byLevel, warnings: r.warnings.length };
  };
}

/** Each contestant: a function that loads its modules and returns the timed work. */
const CONTESTANTS = {
  ours,
  async read(path) {
    return async () => {
      let bytes = 0;
      for await (const chunk of createReadStream(path)) bytes += chunk.length;
      return { bytes };
    };
  },
  async newlines(path) {
    return async () => {
      let lines = 0;
      for await (const chunk of createReadStream(path)) {
        let i = chunk.indexOf(10);
        while (i !== -1) {
          lines++;
          i = chunk.indexOf(10, i + 1);
        }
      }
      return { lines };
    };
  },
  async 'lcov-parse'(path) {
    const parse = require('lcov-parse');
    return () =>
      new Promise((ok, fail) =>
        parse(path, (err, data) =>
          err
            ? fail(new Error(String(err)))
            : ok(
                lcovTotals(data, (r) => ({
                  file: r.file,
                  lines: r.lines.details.map((l) => l.hit),
                  branches: r.branches.details.map((b) => (b.taken === '-' ? 0 : Number(b.taken))),
                  functions: [...new Map(r.functions.details.map((f) => [f.name, f.hit ?? 0])).values()],
                })),
              ),
        ),
      );
  },
  async '@friedemannsommer/lcov-parser'(path) {
    const { lcovParser } = await import(pathToFileURL(require.resolve('@friedemannsommer/lcov-parser')).href.replace(/index\.cjs$/, 'index.mjs'));
    return async () =>
      lcovTotals(await lcovParser({ from: createReadStream(path) }), (r) => ({
        file: r.path,
        lines: r.lines.details.map((l) => l.hit),
        branches: r.branches.details.map((b) => b.hit),
        functions: [...new Map(r.functions.details.map((f) => [f.name, f.hit])).values()],
      }));
  },
  async 'fast-xml-parser'(path) {
    const { XMLParser } = require('fast-xml-parser');
    return async () => {
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(path, 'utf8'));
      return coberturaTreeTotals(doc, (n) => n);
    };
  },
  async xml2js(path) {
    const xml2js = require('xml2js');
    return async () => {
      const doc = await xml2js.parseStringPromise(readFileSync(path, 'utf8'));
      return coberturaTreeTotals(doc, (n) => n.$);
    };
  },
  async 'JSON.parse + istanbul-lib-coverage'(path) {
    const lib = require('istanbul-lib-coverage');
    return async () => istanbulTotals(lib.createCoverageMap(JSON.parse(readFileSync(path, 'utf8'))));
  },
  async 'stream-json + istanbul-lib-coverage'(path) {
    const lib = require('istanbul-lib-coverage');
    const { parser } = await import(pathToFileURL(require.resolve('stream-json')).href);
    const { streamObject } = await import(pathToFileURL(join(dirname(require.resolve('stream-json')), 'streamers/stream-object.js')).href);
    const { default: chain } = await import(pathToFileURL(require.resolve('stream-chain')).href);
    return () =>
      new Promise((ok, fail) => {
        const map = lib.createCoverageMap({});
        const pipeline = chain([createReadStream(path), parser(), streamObject()]);
        pipeline.on('data', ({ value }) => map.addFileCoverage(value));
        pipeline.on('error', fail);
        pipeline.on('end', () => ok(istanbulTotals(map)));
      });
  },
  async 'JSON.parse'(path) {
    return async () => {
      const doc = JSON.parse(readFileSync(path, 'utf8'));
      const byLevel = { error: 0, warning: 0, note: 0 };
      let findings = 0;
      if (Array.isArray(doc)) {
        for (const file of doc) {
          for (const m of file.messages) {
            findings++;
            byLevel[m.severity === 2 ? 'error' : 'warning']++;
          }
        }
      } else {
        for (const run of doc.runs) {
          for (const r of run.results) {
            findings++;
            byLevel[r.level ?? 'warning']++;
          }
        }
      }
      return { findings, byLevel };
    };
  },
};

async function child(spec) {
  const make = CONTESTANTS[spec.contestant];
  const work = await make(spec.path);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, peakRSS: process.resourceUsage().maxRSS * 1024, result };
}

// ---------------------------------------------------------------- parent

function runChild(spec, { heapMB, timeout }) {
  return new Promise((ok) => {
    const execArgv = heapMB ? [`--max-old-space-size=${heapMB}`] : [];
    const cp = fork(here, ['--child', JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let message;
    cp.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const timer = setTimeout(() => cp.kill('SIGKILL'), timeout * 1000);
    cp.on('message', (m) => {
      message = m;
    });
    cp.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (message?.ok) ok(message.value);
      else if (signal === 'SIGKILL') ok({ error: `timeout (${timeout} s)` });
      else if (/heap out of memory|Allocation failed/i.test(stderr)) ok({ error: `out of memory (heap cap ${heapMB} MB)` });
      else ok({ error: message?.error ?? `exit ${code ?? signal}: ${stderr.trim().split('\n').pop()}` });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mb = (bytes) => bytes / 1e6;

/** The totals a contestant must return for a report, from the manifest. */
function expected(kind, manifest) {
  const r = manifest.reports[kind];
  if (kind === 'eslint') return { findings: r.messages, byLevel: { error: r.errors, warning: r.warnings, note: 0 } };
  if (kind === 'sarif') return { findings: r.results, byLevel: r.byLevel };
  return { files: r.files, lines: r.lines, branches: r.branches, functions: r.functions };
}

function sameTotals(got, want) {
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'object') {
      if (!sameTotals(got?.[k] ?? {}, v)) return false;
    } else if (got?.[k] !== v) return false;
  }
  return true;
}

const PLAN = {
  lcov: ['ours', 'lcov-parse', '@friedemannsommer/lcov-parser', 'read', 'newlines'],
  cobertura: ['ours', 'fast-xml-parser', 'xml2js', 'read', 'newlines'],
  final: ['ours', 'JSON.parse + istanbul-lib-coverage', 'stream-json + istanbul-lib-coverage', 'read', 'newlines'],
  eslint: ['ours', 'JSON.parse', 'read', 'newlines'],
  sarif: ['ours', 'JSON.parse', 'read', 'newlines'],
};
const LABEL = { ours: 'ours (parseReport)', read: 'baseline: read', newlines: 'baseline: newline scan' };

async function benchReport(size, kind, manifest, o) {
  const path = join(DATA_DIR, size, REPORT_FILES[kind]);
  const bytes = statSync(path).size;
  const runs = o.runs ?? (size === 'small' ? 5 : size === 'large' ? 3 : 2);
  const want = expected(kind, manifest);
  const rows = PLAN[kind].map((contestant) => ({ contestant, times: [], cpu: [], rss: [], error: undefined, wrong: undefined }));
  for (let run = 0; run < runs; run++) {
    for (const row of rows) {
      if (row.error || (run > 0 && row.times[0] > o.slow)) continue;
      const heapMB = row.contestant === 'ours' || row.contestant === 'read' || row.contestant === 'newlines' ? undefined : 4096;
      const r = await runChild({ contestant: row.contestant, path }, { heapMB, timeout: o.timeout });
      if (r.error) {
        row.error = r.error;
        continue;
      }
      row.times.push(r.seconds);
      row.cpu.push(r.cpu);
      row.rss.push(r.peakRSS);
      if (row.contestant !== 'read' && row.contestant !== 'newlines' && !sameTotals(r.result, want)) {
        row.wrong = `read ${JSON.stringify(r.result)}, expected ${JSON.stringify(want)}`;
      }
      process.stderr.write(`  ${size} ${kind} ${row.contestant}: ${r.seconds.toFixed(2)} s, ${(r.peakRSS / 1048576).toFixed(0)} MB\n`);
    }
  }
  const ourRow = rows[0];
  const ourMedian = ourRow.times.length ? median(ourRow.times) : undefined;
  return {
    size,
    report: REPORT_FILES[kind],
    bytes,
    rows: rows.map((row) => {
      const t = row.times.length ? median(row.times) : undefined;
      return {
        contestant: row.contestant,
        runs: row.times.length,
        seconds: t,
        cpuSeconds: row.cpu.length ? median(row.cpu) : undefined,
        mbPerSecond: t ? mb(bytes) / t : undefined,
        peakRSSMB: row.rss.length ? Math.max(...row.rss) / 1048576 : undefined,
        // > 1: ours is that many times faster; for baselines < 1 (ours is slower by 1/x).
        oursFasterBy: t && ourMedian && row.contestant !== 'ours' ? t / ourMedian : undefined,
        error: row.error,
        wrong: row.wrong,
      };
    }),
  };
}

// ---------------------------------------------------------------- CLI

/** A preload that records every module URL the process resolves, and its peak RSS at exit. */
function cliHooks() {
  const dir = join(tmpdir(), `sdlc-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function resolve(specifier, context, next) {\n' +
      '  const r = await next(specifier, context);\n' +
      "  appendFileSync(process.env.SDLC_BENCH_MODULES, r.url + '\\n');\n" +
      '  return r;\n' +
      '}\n',
  );
  writeFileSync(
    join(dir, 'preload.mjs'),
    "import { register } from 'node:module';\nimport { writeFileSync } from 'node:fs';\n" +
      "register('./hooks.mjs', import.meta.url);\n" +
      "process.on('exit', () => writeFileSync(process.env.SDLC_BENCH_RSS, String(process.resourceUsage().maxRSS * 1024)));\n",
  );
  return dir;
}

function runCli(args, cwd, hooksDir, tag) {
  const modules = join(hooksDir, `${tag}.modules`);
  const rssFile = join(hooksDir, `${tag}.rss`);
  writeFileSync(modules, '');
  return new Promise((ok) => {
    const t0 = process.hrtime.bigint();
    const cp = spawn(process.execPath, ['--import', pathToFileURL(join(hooksDir, 'preload.mjs')).href, join(root, 'bin/sdlc-gate.js'), ...args], {
      cwd,
      env: { ...process.env, SDLC_BENCH_MODULES: modules, SDLC_BENCH_RSS: rssFile, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    let err = '';
    cp.stdout.on('data', (d) => out.push(d));
    cp.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    cp.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const urls = readFileSync(modules, 'utf8').split('\n').filter(Boolean);
      const unique = [...new Set(urls)];
      const forbidden = unique.filter((u) => /\/build\/(app|action|github)\//.test(u) || /node_modules\/(probot|@octokit|@actions|bullmq)\//.test(u));
      let peakRSS;
      try {
        peakRSS = Number(readFileSync(rssFile, 'utf8'));
      } catch {
        peakRSS = undefined;
      }
      ok({ code, seconds, stdout: Buffer.concat(out).toString('utf8'), stderr: err, modules: unique.length, forbidden, peakRSS });
    });
  });
}

async function benchCli(size, manifest, reports, o) {
  const cwd = join(DATA_DIR, size);
  const hooks = cliHooks();
  const runs = o.runs ?? (size === 'small' ? 5 : 3);
  const checks = [];
  let lastCheck;
  for (let i = 0; i < runs; i++) {
    const r = await runCli(['check', '--diff', 'pr.diff', '--format', 'json'], cwd, hooks, `check${i}`);
    process.stderr.write(`  ${size} cli check: ${r.seconds.toFixed(2)} s (exit ${r.code})\n`);
    checks.push(r);
    lastCheck = r;
    if (r.code === 2 || (i === 0 && r.seconds > o.slow)) break;
  }
  const versions = [];
  let lastVersion;
  for (let i = 0; i < 5; i++) {
    lastVersion = await runCli(['--version'], cwd, hooks, `version${i}`);
    versions.push(lastVersion.seconds);
  }
  let wrong;
  try {
    const v = JSON.parse(lastCheck.stdout);
    const cov = v.gates.find((g) => g.id === 'coverage').metrics;
    const patch = v.gates.find((g) => g.id === 'patch_coverage').metrics;
    const want = manifest.reports.lcov.lines;
    if (cov.total !== want.total || cov.covered !== want.covered) wrong = `coverage ${cov.covered}/${cov.total}, expected ${want.covered}/${want.total}`;
    if (patch.total !== manifest.diff.coverable || patch.covered !== manifest.diff.covered) {
      wrong = `${wrong ? `${wrong}; ` : ''}changed lines ${patch.covered}/${patch.total}, expected ${manifest.diff.covered}/${manifest.diff.coverable}`;
    }
  } catch (err) {
    wrong = `no verdict JSON (exit ${lastCheck.code}): ${lastCheck.stderr.trim().slice(-300) || err.message}`;
  }
  const sumOf = (contestant) => {
    let s = 0;
    for (const rep of reports) {
      const row = rep.rows.find((x) => x.contestant === contestant);
      if (row?.seconds === undefined) return undefined;
      s += row.seconds;
    }
    return s;
  };
  const seconds = median(checks.map((c) => c.seconds));
  const complete = reports.length === 5;
  return {
    size,
    check: {
      runs: checks.length,
      seconds,
      exitCode: lastCheck.code,
      peakRSSMB: Math.max(...checks.map((c) => c.peakRSS ?? 0)) / 1048576,
      modules: lastCheck.modules,
      appModules: lastCheck.forbidden,
      wrong,
      sumOfReadBaselines: complete ? sumOf('read') : undefined,
      sumOfOurParses: complete ? sumOf('ours') : undefined,
    },
    version: { runs: versions.length, seconds: median(versions), modules: lastVersion.modules, appModules: lastVersion.forbidden },
  };
}

// ---------------------------------------------------------------- GitHub API calls

/** bench/api-calls.ts as one ESM file under .tmp/bench/ (packages external: node_modules resolves from the repository). */
async function bundleApiCalls() {
  const { build } = await import('esbuild');
  const outfile = join(root, '.tmp', 'bench', 'api-calls.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['bench/api-calls.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    sourcemap: false,
  });
  return outfile;
}

/**
 * The least a publish can cost, as the performance issue defines it: one
 * request per check run (its create or completion carries the first 50
 * annotations), one per further 50 annotations, and for the comment one
 * list plus one edit or create.
 */
function minimumRequests(checkRuns) {
  let n = 2;
  for (const r of checkRuns) n += 1 + Math.max(0, Math.ceil(r.plannedAnnotations / ANNOTATIONS_PER_REQUEST) - 1);
  return n;
}

async function benchApi(o) {
  const t0 = Date.now();
  const file = await bundleApiCalls();
  const r = await new Promise((ok) => {
    const cp = spawn(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    const timer = setTimeout(() => cp.kill('SIGKILL'), o.timeout * 1000);
    cp.stdout.on('data', (d) => out.push(d));
    cp.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    cp.on('exit', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
  const seconds = (Date.now() - t0) / 1000;
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const error = r.code === 0 ? undefined : r.signal === 'SIGKILL' ? `timeout (${o.timeout} s)` : `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
  const rows = lines.map((l) => {
    const minimum = minimumRequests(l.checkRuns);
    const wrong = [];
    if (l.apiCalls !== l.requestsSeenByFake) wrong.push(`the publisher counted ${l.apiCalls} requests, the fake saw ${l.requestsSeenByFake}`);
    if (l.clientRequests !== l.requestsSeenByFake) wrong.push(`the client sent ${l.clientRequests} attempts, the fake saw ${l.requestsSeenByFake}`);
    for (const c of l.checkRuns) {
      if (c.annotationsHeld !== c.plannedAnnotations) wrong.push(`${c.name}: ${c.annotationsHeld ?? 'no check run'} annotations on GitHub, ${c.plannedAnnotations} planned`);
    }
    if (l.commentsHeld !== 1) wrong.push(`${l.commentsHeld} comments on the pull request, expected 1`);
    if (l.violations.length) wrong.push(`${l.violations.length} requests GitHub would refuse: ${l.violations.slice(0, 3).join(' | ')}`);
    return {
      findings: l.findings,
      lint: l.lint,
      checkRuns: l.checkRuns.length,
      annotations: l.checkRuns.reduce((s, c) => s + c.plannedAnnotations, 0),
      maxAnnotations: l.maxAnnotations,
      requests: l.requestsSeenByFake,
      publisherApiCalls: l.apiCalls,
      clientRequests: l.clientRequests,
      minimum,
      overMinimum: l.requestsSeenByFake - minimum,
      outsideMinimum: Object.fromEntries(Object.entries(l.byOperation).filter(([op]) => !MINIMUM_OPERATIONS.includes(op))),
      byOperation: l.byOperation,
      comment: l.comment,
      usedStatuses: l.usedStatuses,
      wrong: wrong.length ? wrong.join('; ') : undefined,
    };
  });
  return { scenario: 'pull request, default .sdlc.yml (5 gates + verdict as check runs, one comment), first evaluation', seconds, rows, error };
}

// ---------------------------------------------------------------- table

function fmt(n, digits = 2) {
  return n === undefined ? '-' : n.toFixed(digits);
}

function printReport(rep) {
  const lines = [];
  lines.push(`\n${rep.size}: ${rep.report} (${fmt(mb(rep.bytes), 1)} MB)`);
  lines.push(`  ${'parser'.padEnd(38)} ${'runs'.padStart(4)} ${'median s'.padStart(9)} ${'cpu s'.padStart(7)} ${'MB/s'.padStart(8)} ${'peak RSS MB'.padStart(11)}  ours faster by`);
  for (const row of rep.rows) {
    const label = LABEL[row.contestant] ?? row.contestant;
    if (row.error) {
      lines.push(`  ${label.padEnd(38)} ${String(row.runs).padStart(4)}  ${row.error}`);
      continue;
    }
    const ratio = row.oursFasterBy === undefined ? '' : `${fmt(row.oursFasterBy, 2)}x`;
    lines.push(
      `  ${label.padEnd(38)} ${String(row.runs).padStart(4)} ${fmt(row.seconds, 3).padStart(9)} ${fmt(row.cpuSeconds, 2).padStart(7)} ${fmt(row.mbPerSecond, 1).padStart(8)} ${fmt(row.peakRSSMB, 0).padStart(11)}  ${ratio}`,
    );
    if (row.wrong) lines.push(`    WRONG TOTALS: ${row.wrong}`);
  }
  return lines.join('\n');
}

function printCli(c) {
  const k = c.check;
  const lines = [`\n${c.size}: sdlc-gate check (all reports${c.size === 'small' ? '' : ', 500-file diff'})`];
  lines.push(
    `  check: ${k.runs} run(s), median ${fmt(k.seconds, 2)} s, peak RSS ${fmt(k.peakRSSMB, 0)} MB, exit ${k.exitCode}, ${k.modules} modules, ${k.appModules.length} from App/Action/GitHub code`,
  );
  if (k.sumOfReadBaselines !== undefined) {
    lines.push(`  vs sum of per-report read baselines ${fmt(k.sumOfReadBaselines, 2)} s: ${fmt(k.seconds / k.sumOfReadBaselines, 2)}x`);
    lines.push(`  vs sum of our per-report parses ${fmt(k.sumOfOurParses, 2)} s: ${fmt(k.seconds / k.sumOfOurParses, 2)}x`);
  }
  if (k.wrong) lines.push(`  WRONG: ${k.wrong}`);
  const v = c.version;
  lines.push(`  --version: median ${fmt(v.seconds * 1000, 0)} ms over ${v.runs} runs, ${v.modules} modules, ${v.appModules.length} from App/Action/GitHub code`);
  for (const m of [...k.appModules, ...v.appModules].slice(0, 10)) lines.push(`    loaded: ${m}`);
  return lines.join('\n');
}

function printApi(a) {
  const lines = ['\nGitHub API calls per evaluation (real Publisher against the fake GitHub; pull request, default config)'];
  lines.push(`  ${'findings'.padStart(8)} ${'annotations'.padStart(11)} ${'requests'.padStart(8)} ${'minimum'.padStart(7)} ${'over min'.padStart(8)}  by operation`);
  for (const row of a.rows) {
    const ops = Object.entries(row.byOperation)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    lines.push(
      `  ${String(row.findings).padStart(8)} ${String(row.annotations).padStart(11)} ${String(row.requests).padStart(8)} ${String(row.minimum).padStart(7)} ${`+${row.overMinimum}`.padStart(8)}  ${ops}`,
    );
    if (row.wrong) lines.push(`    WRONG: ${row.wrong}`);
  }
  if (a.error) lines.push(`  ERROR: ${a.error}`);
  const outside = [...new Set(a.rows.flatMap((r) => Object.keys(r.outsideMinimum)))];
  if (outside.length) {
    lines.push(`  requests of operations the minimum does not count: ${outside.map((op) => `${op} ${a.rows.map((r) => r.outsideMinimum[op] ?? 0).join('/')}`).join(', ')} (per findings count)`);
  }
  const first = a.rows[0];
  if (first) {
    lines.push(
      `  requests: as recorded by the fake; the publisher's own count and the client's attempts agree unless WRONG is shown. annotations: sent, at most comment.max_annotations (${first.maxAnnotations}) per check run.`,
    );
    lines.push(
      `  minimum (issue): 1 request per check run (${first.checkRuns} here: create or complete, with its first ${ANNOTATIONS_PER_REQUEST} annotations) + 1 per further ${ANNOTATIONS_PER_REQUEST} annotations + 1 list and 1 edit or create for the comment.`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- app

/** bench/app.mjs in a child process: its table, and its rows as JSON; skipped when Redis does not answer. */
function benchApp() {
  const file = join(tmpdir(), `sdlc-bench-app-${process.pid}.json`);
  const r = spawnSync(process.execPath, [join(root, 'bench/app.mjs'), '--json', file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 });
  let rows;
  try {
    rows = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    rows = undefined;
  }
  const tail = (r.stdout ?? '').trim();
  if (r.status !== 0 || !rows) {
    const why = r.error ? String(r.error) : `exit ${r.status}`;
    return { skipped: true, text: `\nThe App under load: not measured (${why}; it needs Redis at TEST_REDIS_URL or redis://127.0.0.1:6379)\n${tail.split('\n').slice(-5).join('\n')}` };
  }
  return { ...rows, text: `\nThe App under load (bench/app.mjs)${tail.slice(tail.indexOf('\n'))}` };
}

// ---------------------------------------------------------------- main

async function main() {
  const sizes = opt('sizes', 'small,large').split(',');
  const only = opt('only', 'lcov,cobertura,final,eslint,sarif,cli,api,app').split(',');
  const o = { runs: opt('runs') ? Number(opt('runs')) : undefined, timeout: Number(opt('timeout', 600)), slow: Number(opt('slow', 20)) };
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(', ')})`);
  const sections = ['lcov', 'cobertura', 'final', 'eslint', 'sarif', 'cli', 'api', 'app'];
  for (const s of only) if (!sections.includes(s)) throw new Error(`unknown section ${s} (known: ${sections.join(', ')})`);
  // Every section but api and app reads the data of a size and runs build/ (they bundle their own sources).
  const perSize = only.some((s) => s !== 'api' && s !== 'app');
  if (perSize) {
    try {
      statSync(join(root, 'build/core/parsers/registry.js'));
    } catch {
      throw new Error('build/ is missing: run npm run build first');
    }
  }
  const started = Date.now();
  const results = { started: new Date(started).toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, sizes: {} };
  try {
    results.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    results.commit = undefined;
  }
  const out = [];
  for (const size of perSize ? sizes : []) {
    const manifest = generate(size);
    const reports = [];
    for (const kind of ['lcov', 'cobertura', 'final', 'eslint', 'sarif']) {
      if (!only.includes(kind) || !manifest.reports[kind]) continue;
      const rep = await benchReport(size, kind, manifest, o);
      reports.push(rep);
      out.push(printReport(rep));
      process.stderr.write(`${printReport(rep)}\n`);
    }
    results.sizes[size] = { files: manifest.files, reports };
    if (only.includes('cli') && manifest.diff) {
      const cli = await benchCli(size, manifest, reports, o);
      results.sizes[size].cli = cli;
      out.push(printCli(cli));
      process.stderr.write(`${printCli(cli)}\n`);
    }
  }
  if (only.includes('api')) {
    process.stderr.write('  api: bundling bench/api-calls.ts and publishing 0, 120 and 5000 findings\n');
    const api = await benchApi(o);
    results.api = api;
    out.push(printApi(api));
    process.stderr.write(`${printApi(api)}\n`);
  }
  if (only.includes('app')) {
    process.stderr.write('  app: one web and 1, 2, 4 worker processes on Redis, 50 pull requests (a few minutes)\n');
    const app = benchApp();
    results.app = app;
    out.push(app.text);
  }
  results.seconds = (Date.now() - started) / 1000;
  writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${out.join('\n')}\n\nTotal ${fmt(results.seconds, 0)} s; results in bench/results.json\n`);
}

if (argv[0] === '--child') {
  child(JSON.parse(argv[1])).then(
    (value) => process.send({ ok: true, value }, () => process.exit(0)),
    (err) => process.send({ ok: false, error: String(err?.stack ?? err).split('\n').slice(0, 3).join(' ') }, () => process.exit(1)),
  );
} else {
  main().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
