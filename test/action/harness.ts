/**
 * Running the Action the way the runner does: INPUT_* variables with the
 * runner's naming (`INPUT_GITHUB-TOKEN`), GITHUB_EVENT_PATH holding a real
 * webhook payload from @octokit/webhooks-examples (only repository and SHA
 * fields adjusted), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and
 * GITHUB_API_URL pointing at the fake GitHub.
 *
 * - runDist: the committed bundle, dist/index.js, as a child process (what
 *   GitHub runs);
 * - runInProcess: runner.ts in this process (for coverage of the sources),
 *   with process.env set for the run and stdout captured; run.ts's one step,
 *   core.setFailed, is reproduced as the exit code it sets.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { examplePayload } from '../helpers/github/index.js';
import { repoRoot } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/cli.js';
import { runAction, type RunResult } from '../../src/action/runner.js';

export const OWNER = 'acme';
export const REPO = 'widgets';
export const FULL = `${OWNER}/${REPO}`;
export const DIST = join(repoRoot, 'dist/index.js');

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface RunSpec {
  workspace: string;
  eventName: string;
  event: unknown;
  /** GITHUB_SHA (for pull_request: the merge commit; here the head commit checked out). */
  sha: string;
  ref?: string;
  inputs?: Record<string, string>;
  apiUrl?: string;
  env?: Record<string, string>;
}

const repository = (full = FULL) => {
  const [owner, name] = full.split('/') as [string, string];
  return { name, full_name: full, owner: { login: owner }, default_branch: 'main' };
};

export function pullRequestEvent(p: { number: number; headSha: string; baseSha: string; headRef?: string; baseRef?: string; headRepo?: string }): unknown {
  return examplePayload('pull_request', 'opened', {
    number: p.number,
    repository: repository(),
    pull_request: {
      number: p.number,
      head: { sha: p.headSha, ref: p.headRef ?? 'feature', repo: repository(p.headRepo ?? FULL) },
      base: { sha: p.baseSha, ref: p.baseRef ?? 'main', repo: repository() },
    },
  });
}

export function pushEvent(p: { before: string; after: string; ref?: string }): unknown {
  return examplePayload('push', undefined, { ref: p.ref ?? 'refs/heads/main', before: p.before, after: p.after, repository: repository() });
}

export function workflowRunEvent(p: { runId: number; headSha: string; headBranch: string; headRepo?: string; event?: string; pullRequests?: unknown[] }): unknown {
  return examplePayload('workflow_run', 'completed', {
    repository: repository(),
    workflow_run: {
      id: p.runId,
      head_sha: p.headSha,
      head_branch: p.headBranch,
      event: p.event ?? 'pull_request',
      head_repository: repository(p.headRepo ?? FULL),
      repository: repository(),
      pull_requests: p.pullRequests ?? [],
    },
  });
}

/** The GITHUB_OUTPUT file format: `name<<delimiter`, value lines, `delimiter`. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (m) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
      out[m[1]!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const at = lines[i]!.indexOf('=');
      out[lines[i]!.slice(0, at)] = lines[i]!.slice(at + 1);
    }
  }
  return out;
}

interface Prepared {
  env: Record<string, string>;
  outputPath: string;
  summaryPath: string;
}

function prepare(spec: RunSpec, files?: { outputPath: string; summaryPath: string }): Prepared {
  const dir = tempDir('sdlc-runner-');
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(spec.event));
  const outputPath = files?.outputPath ?? join(dir, 'output.txt');
  const summaryPath = files?.summaryPath ?? join(dir, 'summary.md');
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: spec.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: FULL,
    GITHUB_REPOSITORY_OWNER: OWNER,
    GITHUB_SHA: spec.sha,
    GITHUB_REF: spec.ref ?? 'refs/pull/7/merge',
    GITHUB_API_URL: spec.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: spec.workspace,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: runnerTemp,
    ...spec.env,
  };
  for (const [k, v] of Object.entries({ 'github-token': 'ghs_fake_token', ...spec.inputs })) env[`INPUT_${k.toUpperCase()}`] = v;
  return { env, outputPath, summaryPath };
}

/** Run dist/index.js as the runner does (node, cwd = the workspace, only these variables). */
export function runDist(spec: RunSpec): Promise<ActionRun> {
  const p = prepare(spec);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [DIST], {
      cwd: spec.workspace,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...p.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({
        code: code ?? -1,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(p.outputPath, 'utf8')),
        summary: readFileSync(p.summaryPath, 'utf8'),
      });
    });
  });
}

/**
 * Run runner.ts in this process. @actions/core's summary remembers the first
 * GITHUB_STEP_SUMMARY it sees, so one summary file serves the whole test file
 * (emptied before each run).
 */
let sharedSummary: string | undefined;

export async function runInProcess(spec: RunSpec): Promise<ActionRun & { result: RunResult }> {
  sharedSummary ??= join(tempDir('sdlc-summary-'), 'summary.md');
  const p = prepare(spec, { outputPath: join(tempDir('sdlc-output-'), 'output.txt'), summaryPath: sharedSummary });
  const saved = { ...process.env };
  const cwd = process.cwd();
  for (const k of Object.keys(process.env)) if (k.startsWith('GITHUB_') || k.startsWith('INPUT_') || k === 'RUNNER_DEBUG') delete process.env[k];
  Object.assign(process.env, p.env);
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  let result: RunResult;
  try {
    process.chdir(spec.workspace);
    result = await runAction();
    // run.ts: core.setFailed(result.failure) prints an error and sets exit code 1.
    if (result.failure) {
      const core = await import('@actions/core');
      core.setFailed(result.failure);
    }
  } finally {
    process.stdout.write = write;
    process.chdir(cwd);
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const code = result.failure ? 1 : 0;
  process.exitCode = 0;
  return {
    code,
    stdout,
    stderr: '',
    outputs: parseOutputFile(readFileSync(p.outputPath, 'utf8')),
    summary: readFileSync(p.summaryPath, 'utf8'),
    result,
  };
}
