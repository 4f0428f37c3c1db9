/**
 * The GitHub Action: inputs and workflow context in, verdict out.
 *
 * Modes:
 * - `publish` (default): evaluate the workspace (evaluateLocal, as
 *   `sdlc-gate check`), publish through the Publisher (a check run per gate
 *   and `SDLC / verdict`, the sticky comment on pull requests, the tag on
 *   pushes to a tagged branch), write the job summary, the verdict JSON and
 *   the outputs. A token that may not write (a fork's pull request,
 *   Dependabot) makes GitHub answer 403: nothing is uploaded, the summary
 *   and workflow-command annotations carry the verdict, and the step fails
 *   only if the gates do.
 * - `verdict-only`: evaluate and write the verdict JSON (with the pull
 *   request it is about, for information) for an upload-artifact step;
 *   nothing is published.
 * - `publish-verdict` (on `workflow_run`): read that verdict JSON (put in
 *   the workspace by a download step), find the pull request from the
 *   event's head SHA and head repository (never from the file), publish.
 *
 * Workflow-command annotations (10 per level at most, the most important
 * first) are written when the verdict is not published as check runs (whose
 * annotations would otherwise show twice on the pull request).
 *
 * Changed lines: `git diff <base>...HEAD` when the checkout has the base
 * (input `base`, default the pull request's base commit), else the pull
 * request files API. On a push, the `before` commit when the checkout has it.
 *
 * The runner never sets the step's failure itself: it returns the one
 * message run.ts passes to core.setFailed (a gate failure with fail-on
 * gate, or an error).
 */
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { globProblem } from '../core/config/glob.js';
import { defaultConfig, type SdlcConfig } from '../core/config/schema.js';
import { ConfigError, InputError, ReportParseError, errorMessage } from '../core/errors.js';
import { fmtPct } from '../core/gates/common.js';
import { checkRunPlan, type Annotation } from '../core/render/check.js';
import { renderTable, terminalSafe } from '../core/render/table.js';
import type { Verdict } from '../core/verdict.js';
import { createActionOctokit, type ActionOctokit } from '../github/client.js';
import { PublishError, Publisher, type PublishResult, type PublishSwitches } from '../github/publisher.js';
import { evaluateLocal, readConfigFile, type ReportRequest } from '../workspace/evaluate.js';
import { findFiles } from '../workspace/files.js';
import { findPullForCommit, localChanges, pullChanges, type Changes } from './changes.js';
import { Annotator, SafeConsole, type CommandLevel } from './console.js';
import { headShaOf, readContext, type ActionContext } from './context.js';
import { DEFAULT_CONFIG, readInputs, type ActionInputs } from './inputs.js';
import { jobSummary, md } from './summary.js';
import { readVerdictFile, verdictFileJson, writeVerdictFile } from './verdict-file.js';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  out?: SafeConsole;
}

export interface RunResult {
  /** The message for core.setFailed, when the step fails. */
  failure?: string;
  verdict?: Verdict;
  published?: PublishResult;
  /** Publishing was refused for lack of write permission. */
  readOnly?: boolean;
}

export const GATE_OUTPUTS = ['coverage', 'patch_coverage', 'lint', 'security', 'tests'] as const;
/** Every output the runner sets (action.yml declares these). */
export const OUTPUT_NAMES = ['outcome', 'verdict-json', 'coverage', 'patch-coverage', ...GATE_OUTPUTS.map((g) => `gate-${g}`)] as const;

export async function runAction(opts: RunOptions = {}): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? new SafeConsole();
  try {
    return await run(env, out);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InputError || err instanceof ReportParseError) return { failure: err.message };
    if (env.RUNNER_DEBUG === '1' && err instanceof Error && err.stack) out.text(err.stack);
    return { failure: `unexpected error: ${errorMessage(err)}` };
  } finally {
    out.close();
  }
}

async function run(env: NodeJS.ProcessEnv, out: SafeConsole): Promise<RunResult> {
  const inputs = readInputs(env);
  const ctx = readContext(env);
  const log = out.logger();
  // Every request is logged at info by Octokit: kept for debug runs (RUNNER_DEBUG), failures always shown.
  const clientLog = { ...log, info: log.debug };
  const octokit = inputs.token ? createActionOctokit({ token: inputs.token, baseUrl: ctx.apiUrl, log: clientLog }) : undefined;
  if (inputs.mode === 'publish-verdict') return publishVerdict(inputs, ctx, octokit!, out);

  const cwd = ctx.workspace;
  const reports = await reportRequests(cwd, inputs.reports);
  const changes = await changedLines(ctx, inputs, octokit, cwd, out);
  const config = inputs.config === DEFAULT_CONFIG ? undefined : inputs.config;
  let result;
  try {
    result = await evaluateLocal({
      cwd,
      ...(config ? { config } : {}),
      ...(reports ? { reports } : {}),
      ...(changes ? { changes: { set: changes.set, base: changes.base } } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError && inputs.mode === 'publish' && inputs.checks && octokit) await abortChecks(err, inputs, ctx, octokit, out);
    throw err;
  }
  const verdict = result.verdict;
  out.text(renderTable(verdict, { color: false }));
  if (changes) out.text(`changed lines: from ${changes.source}`);

  const headSha = headShaOf(ctx);
  const notes: string[] = [];
  if (changes?.incomplete) {
    notes.push(`Changed lines are incomplete: ${md(changes.incomplete)}`);
    out.command(() => core.warning(`Changed lines are incomplete: ${changes.incomplete}`, { title: 'SDLC Gatekeeper' }));
  }
  if (!changes) notes.push('No base commit compared: changed-line coverage and the changed-line filters have no diff to work with.');

  const artifact = inputs.mode === 'verdict-only';
  const fileJson = verdictFileJson(
    verdict,
    artifact ? { ...(ctx.pull ? { pullRequest: { number: ctx.pull.number, headSha: ctx.pull.headSha, headRepository: ctx.pull.headRepo } } : {}) } : undefined,
  );
  const verdictPath = await writeVerdictFile(cwd, inputs.verdictPath, fileJson);
  out.text(`verdict JSON: ${verdictPath}`);

  const willFail = verdict.outcome === 'fail' && inputs.failOn === 'gate';
  const published: string[] = [];
  let publishResult: PublishResult | undefined;
  let publishFailure: string | undefined;
  let readOnly = false;
  if (inputs.mode === 'publish') {
    const switches: PublishSwitches = { checks: inputs.checks, comment: inputs.comment, tags: inputs.tags && ctx.eventName === 'push' };
    const publisher = new Publisher({
      octokit: octokit!,
      target: {
        owner: ctx.owner,
        repo: ctx.repo,
        headSha,
        ...(ctx.pull ? { pullNumber: ctx.pull.number } : {}),
        ...(switches.tags && ctx.push?.branch ? { branch: ctx.push.branch } : {}),
        ...(ctx.defaultBranch ? { defaultBranch: ctx.defaultBranch } : {}),
      },
      config: result.config,
      switches,
      ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
      log,
    });
    try {
      publishResult = await publisher.publish(verdict);
      published.push(describePublished(publishResult, switches).join('; '));
      out.text(`published: ${published.join('; ')} (${publishResult.apiCalls} API requests)`);
    } catch (err) {
      if (isWriteForbidden(err)) {
        readOnly = true;
        const why = `the token may not write to ${ctx.owner}/${ctx.repo} (${ctx.pull && ctx.pull.headRepo && ctx.pull.headRepo !== `${ctx.owner}/${ctx.repo}` ? 'a pull request from a fork' : 'a read-only token'}): nothing was published; the verdict is in this summary and the annotations. To publish it, use the verdict-only and publish-verdict workflows (see the Action's documentation).`;
        published.push(md(why));
        out.command(() => core.warning(`Not published: ${why}`, { title: 'SDLC Gatekeeper' }));
      } else {
        publishFailure = `publishing to GitHub failed: ${errorMessage(err)}`;
        published.push(md(publishFailure));
      }
    }
  } else {
    published.push(`Nothing published (mode ${inputs.mode}): the verdict JSON is at \`${md(inputs.verdictPath)}\` for an upload-artifact step.`);
  }

  // Annotations through workflow commands, unless check runs carry them.
  const checkRunsCarry = publishResult !== undefined && inputs.checks;
  if (checkRunsCarry) {
    notes.push('Annotations are on the check runs.');
  } else {
    const annotator = new Annotator(out);
    if (willFail || publishFailure) annotator.reserve('error', 1);
    const warned = readOnly || changes?.incomplete ? 1 : 0;
    annotator.reserve('warning', warned);
    const left = emitAnnotations(verdict, headSha, annotator);
    notes.push(left);
    out.text(left);
  }

  await writeSummary(jobSummary(verdict, { published, notes, ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}) }), out);
  setOutputs(verdict, verdictPath, out);

  const failure = publishFailure ?? (willFail ? failureMessage(verdict) : undefined);
  return { ...(failure ? { failure } : {}), verdict, ...(publishResult ? { published: publishResult } : {}), ...(readOnly ? { readOnly } : {}) };
}

// ---------------------------------------------------------------- publish-verdict

async function publishVerdict(inputs: ActionInputs, ctx: ActionContext, octokit: ActionOctokit, out: SafeConsole): Promise<RunResult> {
  const wr = ctx.workflowRun;
  if (!wr) throw new InputError(`input mode: publish-verdict runs on workflow_run events (this run is a ${ctx.eventName} event)`);
  const cwd = ctx.workspace;
  const log = out.logger();
  const file = await readVerdictFile(cwd, inputs.verdictPath);
  const verdict = file.verdict;
  const { config } = await readConfigFile(cwd, inputs.config === DEFAULT_CONFIG ? undefined : inputs.config);
  out.text(renderTable(verdict, { color: false }));

  let pullNumber: number | undefined;
  if (wr.event === 'pull_request' || wr.event === 'pull_request_target') {
    const found = await findPullForCommit(octokit, { owner: ctx.owner, repo: ctx.repo }, { sha: wr.headSha, headRepo: wr.headRepo, headOwner: wr.headOwner, headBranch: wr.headBranch });
    if (found) {
      pullNumber = found.number;
      if (found.others.length) log.warn(`commit ${wr.headSha} is the head of several open pull requests (${[found.number, ...found.others].map((n) => `#${n}`).join(', ')}); commenting on #${found.number}`);
    } else {
      log.warn(`no open pull request has head ${wr.headSha} from ${wr.headRepo ?? 'an unknown repository'}: publishing the check runs only`);
    }
  }
  const note = file.pullRequest;
  if (note && (note.number !== pullNumber || note.headSha !== wr.headSha)) {
    log.warn(`the verdict file names pull request #${note.number} at ${note.headSha}; ignored: the workflow_run event says ${pullNumber !== undefined ? `#${pullNumber}` : 'no pull request'} at ${wr.headSha}`);
  }

  const switches: PublishSwitches = { checks: inputs.checks, comment: inputs.comment, tags: inputs.tags && wr.event === 'push' };
  const publisher = new Publisher({
    octokit,
    target: {
      owner: ctx.owner,
      repo: ctx.repo,
      headSha: wr.headSha,
      ...(pullNumber !== undefined ? { pullNumber } : {}),
      ...(switches.tags && wr.headBranch ? { branch: wr.headBranch } : {}),
      ...(ctx.defaultBranch ? { defaultBranch: ctx.defaultBranch } : {}),
    },
    config,
    switches,
    ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
    log,
  });
  const published: string[] = [];
  let result: PublishResult;
  try {
    result = await publisher.publish(verdict);
  } catch (err) {
    const hint = isWriteForbidden(err) ? ' (the publishing workflow needs permissions checks: write and pull-requests: write)' : '';
    throw new InputError(`publishing to GitHub failed: ${errorMessage(err)}${hint}`);
  }
  published.push(`Verdict of commit \`${wr.headSha.slice(0, 12)}\`${pullNumber !== undefined ? ` on pull request #${pullNumber}` : ''}: ${describePublished(result, switches).join('; ')}`);
  out.text(`published: ${published.join('; ')} (${result.apiCalls} API requests)`);
  await writeSummary(jobSummary(verdict, { published, notes: [`Read from \`${md(inputs.verdictPath)}\`.`], ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}) }), out);
  setOutputs(verdict, resolve(cwd, inputs.verdictPath), out);
  const failure = verdict.outcome === 'fail' && inputs.failOn === 'gate' ? failureMessage(verdict) : undefined;
  return { ...(failure ? { failure } : {}), verdict, published: result };
}

// ---------------------------------------------------------------- pieces

async function reportRequests(cwd: string, globs: string[]): Promise<ReportRequest[] | undefined> {
  if (!globs.length) return undefined;
  for (const g of globs) {
    const problem = globProblem(g);
    if (problem) throw new InputError(`input reports: ${JSON.stringify(g)}: ${problem}`);
  }
  const files = await findFiles(cwd, globs);
  if (!files.length) throw new InputError(`input reports: no file matches ${globs.join(', ')}`);
  return files.map((path) => ({ path }));
}

async function changedLines(ctx: ActionContext, inputs: ActionInputs, octokit: ActionOctokit | undefined, cwd: string, out: SafeConsole): Promise<Changes | undefined> {
  const pull = ctx.pull;
  if (inputs.base) {
    const local = await localChanges(cwd, inputs.base);
    if (!('unavailable' in local)) return local;
    if (!(pull && octokit && inputs.base === pull.baseSha)) {
      throw new InputError(`input base: ${inputs.base} cannot be compared in the checkout (${local.unavailable}); fetch it, e.g. actions/checkout with fetch-depth: 0`);
    }
  }
  if (pull) {
    if (!inputs.base) {
      const local = await localChanges(cwd, pull.baseSha);
      if (!('unavailable' in local)) return local;
      out.text(`the base commit ${pull.baseSha.slice(0, 12)} is not in the checkout (${local.unavailable}): reading the changed lines from GitHub`);
    }
    if (!octokit) throw new InputError('input github-token: empty, and the base commit is not in the checkout: the changed lines can only come from GitHub');
    return pullChanges(octokit, { owner: ctx.owner, repo: ctx.repo }, pull);
  }
  if (ctx.push?.before) {
    const local = await localChanges(cwd, ctx.push.before);
    if (!('unavailable' in local)) return local;
    out.text(`the commit before the push (${ctx.push.before.slice(0, 12)}) is not in the checkout: no changed lines (fetch-depth: 0 or input base to compare)`);
  }
  return undefined;
}

/** GitHub refused a write for lack of permission (the publisher's error, or the request's). */
export function isWriteForbidden(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const status = (e as { status?: unknown }).status;
    if (status === 403) return true;
    if (e instanceof PublishError && /can write neither check runs nor commit statuses \(403\b/.test(e.message)) return true;
  }
  return false;
}

function describePublished(r: PublishResult, s: PublishSwitches): string[] {
  const out: string[] = [];
  if (!s.checks) out.push('check runs off (input checks)');
  else if (r.usedStatuses) out.push(`commit statuses (the token may not create check runs)`);
  else out.push(`${r.checkRuns.length} check runs`);
  if (r.comment) out.push(`comment ${r.comment.action}`);
  if (r.tag) out.push(`tag ${r.tag.name ? `\`${md(r.tag.name)}\` ` : ''}${r.tag.action}${r.tag.detail ? ` (${md(r.tag.detail)})` : ''}`);
  return out;
}

const LEVEL_OF: Record<Annotation['annotation_level'], CommandLevel> = { failure: 'error', warning: 'warning', notice: 'notice' };
const RANK: Record<CommandLevel, number> = { error: 0, warning: 1, notice: 2 };

/**
 * The check runs' annotations as workflow commands: by level (error,
 * warning, notice), within a level the gates that fail the verdict first,
 * then in the gates' own order (findings on changed lines first). Returns a
 * sentence saying how many were issued and left out.
 */
function emitAnnotations(verdict: Verdict, headSha: string, annotator: Annotator): string {
  const plan = checkRunPlan(verdict, { headSha });
  const failing = new Set(verdict.gates.filter((g) => g.outcome === 'fail' && !g.informational).map((g) => g.id as string));
  const all = plan.flatMap((entry, gi) =>
    entry.annotations.map((a, i) => ({ a, level: LEVEL_OF[a.annotation_level], key: [failing.has(entry.key) ? 0 : 1, gi, i] as const, gate: entry.key })),
  );
  all.sort((x, y) => RANK[x.level] - RANK[y.level] || x.key[0] - y.key[0] || x.key[1] - y.key[1] || x.key[2] - y.key[2]);
  for (const { a, level } of all) {
    annotator.annotate({
      level,
      message: a.message,
      ...(a.title ? { title: a.title } : {}),
      file: a.path,
      startLine: a.start_line,
      endLine: a.end_line,
      ...(a.start_column !== undefined ? { startColumn: a.start_column } : {}),
      ...(a.end_column !== undefined ? { endColumn: a.end_column } : {}),
    });
  }
  const { issued, dropped } = annotator.counts;
  const n = (k: CommandLevel) => issued[k] + dropped[k];
  const total = n('error') + n('warning') + n('notice');
  if (total === 0) return 'No annotations: no finding or uncovered changed line is in a repository file.';
  const parts = (['error', 'warning', 'notice'] as const).filter((k) => n(k) > 0).map((k) => `${issued[k]} of ${n(k)} ${k}${n(k) === 1 ? '' : 's'}`);
  const left = dropped.error + dropped.warning + dropped.notice;
  return `Annotations: ${parts.join(', ')}${left ? `; ${left} left out (GitHub shows at most 10 per level and step; the summary above lists them)` : ''}.`;
}

async function writeSummary(text: string, out: SafeConsole): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    out.text('no job summary: GITHUB_STEP_SUMMARY is not set');
    return;
  }
  await core.summary.addRaw(text).write();
}

function setOutputs(v: Verdict, verdictPath: string, out: SafeConsole): void {
  const gate = (id: string) => v.gates.find((g) => g.id === id);
  const pct = (id: string) => {
    const p = gate(id)?.metrics.pct;
    return typeof p === 'number' && Number.isFinite(p) ? fmtPct(p) : '';
  };
  const values: Record<string, string> = {
    outcome: v.outcome,
    'verdict-json': verdictPath,
    coverage: pct('coverage'),
    'patch-coverage': pct('patch_coverage'),
  };
  for (const id of GATE_OUTPUTS) values[`gate-${id}`] = gate(id)?.outcome ?? 'disabled';
  // Outputs go to the GITHUB_OUTPUT file (with a random delimiter), never through stdout.
  if (!process.env.GITHUB_OUTPUT) out.text('outputs: GITHUB_OUTPUT is not set; outputs are not written');
  else for (const [k, val] of Object.entries(values)) core.setOutput(k, val);
}

function failureMessage(v: Verdict): string {
  const failed = v.gates.filter((g) => g.outcome === 'fail' && !g.informational);
  return `SDLC verdict: fail: ${failed.map((g) => terminalSafe(g.summary)).join('; ')}`;
}

/** An invalid config still completes the check runs, as failures naming the problem. */
async function abortChecks(err: ConfigError, inputs: ActionInputs, ctx: ActionContext, octokit: ActionOctokit, out: SafeConsole): Promise<void> {
  const config: SdlcConfig = defaultConfig();
  const publisher = new Publisher({
    octokit,
    target: { owner: ctx.owner, repo: ctx.repo, headSha: headShaOf(ctx) },
    config,
    switches: { checks: true, comment: false, tags: false },
    ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
    log: out.logger(),
  });
  try {
    await publisher.abort('failure', `Invalid ${inputs.config}`, `The configuration is invalid:\n\n\`\`\`\n${err.message.replace(/`/g, "'")}\n\`\`\`\n`);
  } catch (e) {
    out.text(`could not mark the check runs failed: ${errorMessage(e)}`);
  }
}
