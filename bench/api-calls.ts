/**
 * GitHub API calls per evaluation, for 0, 120 and 5,000 findings.
 *
 * Bundled by bench/run.mjs (section `api`) into .tmp/bench/ and run in a
 * child process. For each count it builds a pull request's verdict the way
 * the CLI and the Action do: an ESLint JSON report with that many problems,
 * an lcov report, a JUnit report and a CodeQL SARIF (every line covered,
 * every test passed, no alert) read through `parseReport`, a unified diff that adds the linted files read
 * through `parseUnifiedDiff`, judged by `runGatekeeper` under the default
 * configuration. It then publishes the verdict through the real `Publisher`
 * and the Action's client (`createActionOctokit`) against the fake GitHub of
 * the tests (test/helpers/github), which answers over real HTTP and checks
 * every request against GitHub's REST description.
 *
 * Every count starts from an empty repository (no check runs, no comment),
 * as the first evaluation of a pull request does. Requests are counted three
 * ways, so that none of the counts rests on the publisher alone: the
 * publisher's `apiCalls`, the client's attempts (`apiCounts.requests`) and
 * the requests the fake recorded (`requestsSeenByFake`, grouped by
 * operation in `byOperation`). `checkRuns` gives, per check run, the
 * annotations the verdict plans to send (after `comment.max_annotations`)
 * and the annotations the fake holds, from which run.mjs derives the
 * issue's minimum.
 *
 * Prints one JSON line per count on stdout.
 */
import { loadConfig } from '../src/core/config/load.js';
import { parseUnifiedDiff } from '../src/core/diff.js';
import { runGatekeeper } from '../src/core/gatekeeper.js';
import { parseReport } from '../src/core/parsers/registry.js';
import { checkRunPlan } from '../src/core/render/check.js';
import { bytesOf } from '../src/core/stream.js';
import { createActionOctokit } from '../src/github/client.js';
import { Publisher } from '../src/github/publisher.js';
import { startFakeGitHub } from '../test/helpers/github/index.js';

const COUNTS = [0, 120, 5000];
const OWNER = 'acme';
const REPO = 'widgets';
const PULL = 7;
const SHA = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const BASE = 'ba5e0000ba5e0000ba5e0000ba5e0000ba5e0000';
const RUN_URL = `https://github.com/${OWNER}/${REPO}/actions/runs/5`;
const ROOT = `/home/runner/work/${REPO}/${REPO}`;
const FILES = 7;
const LINES = 800;
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const fileName = (f: number) => `src/f${f}.ts`;

/** ESLint's json formatter output with `n` problems spread over the files (odd: errors, even: warnings). */
function eslintJson(n: number): string {
  const messages: { ruleId: string; severity: number; message: string; line: number; column: number; endLine: number; endColumn: number }[][] = Array.from({ length: FILES }, () => []);
  for (let i = 0; i < n; i++) {
    const line = (Math.floor(i / FILES) % LINES) + 1;
    messages[i % FILES]!.push({
      ruleId: i % 2 ? 'no-unused-vars' : 'eqeqeq',
      severity: i % 2 ? 2 : 1,
      message: `problem ${i}`,
      line,
      column: 1 + (i % 40),
      endLine: line,
      endColumn: 2 + (i % 40),
    });
  }
  return JSON.stringify(
    messages.map((m, f) => {
      const errorCount = m.filter((x) => x.severity === 2).length;
      return {
        filePath: `${ROOT}/${fileName(f)}`,
        messages: m,
        suppressedMessages: [],
        errorCount,
        fatalErrorCount: 0,
        warningCount: m.length - errorCount,
        fixableErrorCount: 0,
        fixableWarningCount: 0,
        usedDeprecatedRules: [],
      };
    }),
  );
}

/** lcov with every line of every file run once. */
function lcov(): string {
  let s = '';
  for (let f = 0; f < FILES; f++) {
    s += `TN:\nSF:${ROOT}/${fileName(f)}\n`;
    for (let l = 1; l <= LINES; l++) s += `DA:${l},1\n`;
    s += `LF:${LINES}\nLH:${LINES}\nend_of_record\n`;
  }
  return s;
}

function junit(): string {
  const cases = Array.from({ length: 4 }, (_, i) => `    <testcase classname="widgets" name="case ${i}" time="0.001"/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="4" failures="0" errors="0" time="0.004">\n  <testsuite name="widgets" tests="4" failures="0" errors="0" skipped="0" time="0.004">\n${cases}\n  </testsuite>\n</testsuites>\n`;
}

/** A CodeQL scan that found nothing, so that only the lint gate carries findings. */
const EMPTY_SARIF = JSON.stringify({
  $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'CodeQL', semanticVersion: '2.20.0', rules: [] } }, results: [] }],
});

/** The pull request adds the linted files. */
function diff(): string {
  let s = '';
  for (let f = 0; f < FILES; f++) {
    const p = fileName(f);
    s += `diff --git a/${p} b/${p}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/${p}\n@@ -0,0 +1,${LINES} @@\n`;
    for (let l = 1; l <= LINES; l++) s += `+export const v${l} = ${l};\n`;
  }
  return s;
}

async function verdictFor(findings: number) {
  const reports = [
    await parseReport(bytesOf(eslintJson(findings)), { path: 'reports/eslint.json' }),
    await parseReport(bytesOf(lcov()), { path: 'coverage/lcov.info' }),
    await parseReport(bytesOf(junit()), { path: 'reports/junit.xml' }),
    await parseReport(bytesOf(EMPTY_SARIF), { path: 'reports/codeql.sarif' }),
  ];
  const lint = reports[0]!;
  if (lint.kind !== 'lint' || lint.findings.findings.length !== findings) {
    throw new Error(`the ESLint report read as ${lint.kind} with ${lint.kind === 'lint' ? lint.findings.findings.length : 0} findings, expected lint with ${findings}`);
  }
  const kinds = reports.map((r) => r.kind).join(',');
  if (kinds !== 'lint,coverage,tests,security') throw new Error(`the reports read as ${kinds}`);
  const config = loadConfig('');
  const verdict = runGatekeeper({
    config,
    reports,
    changes: parseUnifiedDiff(diff(), 'pr.diff'),
    paths: { roots: [ROOT], repoFiles: Array.from({ length: FILES }, (_, f) => fileName(f)) },
    head: { sha: SHA },
    base: { ref: 'main', sha: BASE },
  });
  return { config, verdict };
}

async function main(): Promise<void> {
  const fake = await startFakeGitHub();
  try {
    // The server reads GitHub's description on its first request: not inside a measurement.
    await createActionOctokit({ token: 'ghs_warmup', baseUrl: fake.url, log: quiet }).request('GET /rate_limit');
    for (const findings of COUNTS) {
      fake.reset();
      fake.state.addRepo({ owner: OWNER, repo: REPO, defaultBranch: 'main', headSha: BASE });
      fake.state.addPull({ number: PULL, headSha: SHA, baseSha: BASE, headRef: 'feature', baseRef: 'main' });
      const { config, verdict } = await verdictFor(findings);
      const plan = checkRunPlan(verdict, { headSha: SHA, runUrl: RUN_URL });
      const octokit = createActionOctokit({ token: 'ghs_bench', baseUrl: fake.url, log: quiet });
      const publisher = new Publisher({ octokit, target: { owner: OWNER, repo: REPO, headSha: SHA, pullNumber: PULL }, config, runUrl: RUN_URL });
      const result = await publisher.publish(verdict);

      const byOperation: Record<string, number> = {};
      for (const c of fake.calls) {
        const op = c.operationId ?? `unknown ${c.method} ${c.path}`;
        byOperation[op] = (byOperation[op] ?? 0) + 1;
      }
      const held = fake.state.checkRuns(SHA);
      const cap = config.comment.max_annotations;
      const line = {
        findings,
        lint: verdict.gates.find((g) => g.id === 'lint')?.summary,
        outcome: verdict.outcome,
        gates: Object.fromEntries(verdict.gates.map((g) => [g.id, g.outcome])),
        apiCalls: result.apiCalls,
        clientRequests: octokit.apiCounts.requests,
        clientRetries: octokit.apiCounts.retries,
        requestsSeenByFake: fake.calls.length,
        byOperation,
        checkRuns: plan.map((entry) => ({
          name: entry.name,
          plannedAnnotations: Math.min(entry.annotations.length, cap),
          annotationsHeld: held.find((r) => r.name === entry.name)?.annotations.length,
        })),
        maxAnnotations: cap,
        comment: result.comment?.action,
        commentsHeld: fake.state.comments(PULL).length,
        usedStatuses: result.usedStatuses,
        violations: fake.violations.map((v) => `${v.kind} ${v.method} ${v.url}: ${v.errors.join('; ')}`),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } finally {
    await fake.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
