#!/usr/bin/env node
/**
 * The GitHub App under load: one web process and 1, 2 and 4 worker
 * processes (`src/app/serve.ts`, as `npm start --role ...` runs it) on Redis,
 * against the local fake GitHub (test/helpers/github), each pull request in
 * its own installation with the `widgets` sample's real reports.
 *
 *   node bench/app.mjs [--prs 50] [--workers 1,2,4] [--concurrency 8] [--throttle on|off] [--senders 10] [--json FILE]
 *
 * `--json FILE` also writes the rows as JSON (bench/run.mjs's `app` section).
 *
 * Needs Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379). Per
 * configuration it sends 10 signed deliveries per pull request (7 distinct
 * events and 3 redeliveries, test/app-scale/fleet.ts) with `--senders` in
 * flight, and reports:
 * - ack p50 / p99: webhook request to answer, as GitHub would see it;
 * - e2e: first webhook sent to the last pull request with all its check
 *   runs completed and its comment; per-PR p50 / p99 from each pull
 *   request's first webhook to the same point (polled every 50 ms);
 * - API calls per PR, and per evaluation (a completed job run), counted by
 *   the fake GitHub (token exchanges and artifact downloads included; the
 *   runs list, served by the test proxy in front of it, is not).
 * `--throttle on` (default) keeps Probot's throttling, shared through Redis:
 * at most one write a second per installation, as in production; `off`
 * measures the App without it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
function arg(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
}
const PRS = Number(arg('prs', 50));
const WORKERS = String(arg('workers', '1,2,4')).split(',').map(Number);
const CONCURRENCY = Number(arg('concurrency', 8));
const THROTTLE = arg('throttle', 'on') !== 'off';
const SENDERS = Number(arg('senders', 10));
const JSON_OUT = arg('json', undefined);

// The fleet helpers are TypeScript: bundle them (two levels below the root, where they expect to be).
const outdir = join(root, '.tmp', 'app-bench');
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, 'fleet.mjs');
await build({ absWorkingDir: root, entryPoints: ['test/app-scale/fleet.ts'], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
const f = await import(pathToFileURL(outfile).href);

if (!(await f.redisReachable())) {
  console.error(`Redis is unreachable at ${f.REDIS_URL}: start redis-server (or set TEST_REDIS_URL)`);
  process.exit(2);
}

async function metrics(p) {
  return f.parseMetrics(await (await fetch(`${p.url}/metrics`)).text());
}

async function runOnce(workers) {
  const fleet = await f.startFleet(PRS);
  const prefix = f.uniquePrefix(`bench${workers}`);
  const env = { githubUrl: fleet.gh.url, redisUrl: f.REDIS_URL, prefix, concurrency: CONCURRENCY, throttle: THROTTLE, extra: { LOG_LEVEL: 'warn' } };
  const procs = [];
  try {
    const web = await f.startApp('web', env);
    procs.push(web);
    const ws = [];
    for (let i = 0; i < workers; i++) ws.push(await f.startApp('worker', env));
    procs.push(...ws);
    // Warm the web process up (the first request loads code paths): a ping, which makes no job; not counted.
    await f.sendAll(`${web.url}/api/github/webhooks`, [{ event: 'ping', deliveryId: `${prefix}-warm`, payload: { zen: 'Keep it logically awesome.', hook_id: 1 }, redelivery: false, pr: fleet.prs[0] }], 1);
    const callsBefore = fleet.fake.calls.length;

    const deliveries = f.plan(fleet.prs, prefix);
    const firstSent = new Map();
    const doneAt = new Map();
    const t0 = performance.now();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const pr of fleet.prs) if (!doneAt.has(pr.fullName) && f.finished(f.outcomeOf(fleet.fake, pr))) doneAt.set(pr.fullName, performance.now());
        if (doneAt.size === fleet.prs.length) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const results = await f.sendAll(`${web.url}/api/github/webhooks`, deliveries, SENDERS);
    for (const r of results) firstSent.set(r.delivery.pr.fullName, Math.min(r.at, firstSent.get(r.delivery.pr.fullName) ?? Infinity));
    const bad = results.filter((r) => r.status !== (r.delivery.redelivery ? 200 : 202));
    if (bad.length) throw new Error(`${bad.length} unexpected answers, e.g. ${bad[0].status} for ${bad[0].delivery.deliveryId}`);
    const deadline = Date.now() + 600_000;
    while (doneAt.size < fleet.prs.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    polling = false;
    await poller;
    if (doneAt.size < fleet.prs.length) throw new Error(`only ${doneAt.size} of ${fleet.prs.length} pull requests were published within 10 minutes`);
    // Let the last jobs finish before counting.
    for (let i = 0; i < 600; i++) {
      const [wm, ...wms] = await Promise.all([metrics(web), ...ws.map(metrics)]);
      if (wm.get('sdlc_queue_depth') === 0 && wms.every((m) => (m.get('sdlc_jobs_running') ?? 0) === 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const e2e = Math.max(...doneAt.values()) - t0;
    const perPr = fleet.prs.map((pr) => doneAt.get(pr.fullName) - firstSent.get(pr.fullName));
    const wms = await Promise.all(ws.map(metrics));
    const runs = wms.reduce((a, m) => a + (m.get('sdlc_jobs_total{outcome="completed"}') ?? 0), 0);
    const counted = fleet.fake.calls.slice(callsBefore);
    const calls = counted.length;
    for (const p of procs) await f.stopApp(p);
    const acks = results.map((r) => r.ms);
    return {
      workers,
      ackP50: f.percentile(acks, 50),
      ackP99: f.percentile(acks, 99),
      e2e,
      prP50: f.percentile(perPr, 50),
      prP99: f.percentile(perPr, 99),
      runs,
      callsPerPr: calls / PRS,
      callsPerRun: calls / runs,
      violations: fleet.fake.violations.length + fleet.gh.runListViolations.length,
    };
  } finally {
    for (const p of procs) {
      if (p.child.proc.exitCode === null) p.child.proc.kill('SIGKILL');
    }
    await fleet.gh.close();
    await f.cleanPrefix(prefix);
  }
}

const rows = [];
for (const w of WORKERS) {
  process.stderr.write(`${w} worker(s)...\n`);
  rows.push(await runOnce(w));
}

const ms = (v) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const header = ['workers', 'ack p50', 'ack p99', 'e2e (all PRs)', 'per-PR p50', 'per-PR p99', 'job runs', 'API calls/PR', 'calls/run', 'violations'];
const table = rows.map((r) => [String(r.workers), ms(r.ackP50), ms(r.ackP99), ms(r.e2e), ms(r.prP50), ms(r.prP99), String(r.runs), r.callsPerPr.toFixed(1), r.callsPerRun.toFixed(1), String(r.violations)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
console.log(`\n${PRS} pull requests (${PRS} installations), ${PRS * 10} webhooks (${PRS * 3} redeliveries), ${SENDERS} in flight; worker concurrency ${CONCURRENCY}; throttling ${THROTTLE ? 'on (Redis)' : 'off'}; node ${process.version}\n`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ prs: PRS, webhooks: PRS * 10, redeliveries: PRS * 3, senders: SENDERS, concurrency: CONCURRENCY, throttle: THROTTLE, rows }, null, 2)}\n`);
