/**
 * The App's job processor: one GateJob (installation, repository, head SHA)
 * from webhook to published verdict. The queue calls it; it never runs in
 * the webhook request.
 *
 * For every job:
 * 1. The pull request: the one the event named (never one named inside an
 *    artifact), else, for a run that is not a push, the open pull request
 *    whose head is this SHA and whose head repository is the run's (GET
 *    /commits/{sha}/pulls, else the open pulls filtered by head SHA and head
 *    repository: fork pull requests are not listed in workflow_run events).
 * 2. The config (config.ts) at the head SHA, or, for a pull request from a
 *    fork (or a run of a fork's commit), at the base branch: an untrusted
 *    change must not relax its own gates. An invalid config fails
 *    `SDLC / verdict` with the problem (file:line:column, key).
 * 3. The reports: the workflow run's artifact (config.reports.artifact).
 *    Jobs without a run (pull_request, push, rerequested) look for the
 *    newest completed run of the SHA that has it (GET
 *    /actions/runs?head_sha=) and evaluate that, else start the checks
 *    ("Waiting for reports from workflow X"). A run without the artifact
 *    ends the checks neutral ("workflow X completed without the Y
 *    artifact"; failure when reports.required), unless another run of the
 *    commit is still going or has already produced a verdict. A refused
 *    artifact (zip slip, bomb, symlink...) ends them neutral with the reason.
 * 4. Evaluation: entries routed with discoverAll and parsed; changed lines
 *    from the pull request files API (paginated; a file whose patch GitHub
 *    left out although it has changes, a patch that does not parse, or more
 *    than 3000 files: the `.diff` of the pull request instead; if GitHub
 *    refuses that too, the partial list with a warning); base coverage
 *    (base.ts) when max_drop is set: of the pull request's base, or, without
 *    a pull request (a push), of the commit's first parent (one GET
 *    /git/commits/{sha}; a root commit or an unknown commit has no base);
 *    runGatekeeper.
 * 5. Publishing (src/github/publisher.ts): just before, the pull request is
 *    read again; when its head moved on, this SHA's check runs are completed
 *    but the comment is left alone (an old SHA never overwrites the newer
 *    result). Pushes to a tagged branch (tagging.branches, default: the
 *    default branch) are tagged; pushes to other branches make no job work
 *    unless a run brings reports.
 *
 * Report paths: the App has no checkout, so report paths are resolved
 * without a repository file list: relative paths as written, absolute ones
 * under a known workspace root (GitHub-hosted runners', plus roots inferred
 * from absolute report paths that end with a changed file's path).
 *
 * Failures: GitHub 5xx, 429, rate-limit 403s, network errors and timeouts
 * throw RetryableError (the queue retries with backoff); on the final
 * attempt the checks end neutral ("GitHub was unavailable: ...") instead.
 * Every log line carries the delivery id, repository, SHA and job id.
 */
import { defaultConfig, type SdlcConfig } from '../core/config/schema.js';
import { parseFilePatch, parseUnifiedDiff, type ChangeSet, type ChangeStatus, type ChangedFile } from '../core/diff.js';
import { ConfigError, InputError, errorMessage } from '../core/errors.js';
import { globMatcher } from '../core/gates/common.js';
import { runGatekeeper, type BaseInfo } from '../core/gatekeeper.js';
import type { ParsedReport } from '../core/model/report.js';
import { normalizeReportPath } from '../core/paths.js';
import { parseRouted, routeFiles } from '../core/pipeline.js';
import { checkName } from '../core/render/check.js';
import type { GitHubClient } from '../github/client.js';
import { ArtifactError, downloadArtifact, type ArtifactArchive, type DownloadLimits } from '../github/artifacts.js';
import { Publisher, type PublisherLog } from '../github/publisher.js';
import { baseInfo, needsBaseCoverage } from './base.js';
import { httpStatus, readRepoConfig } from './config.js';
import { RetryableError, type GateJob, type JobContext, type JobProcessor } from './jobs.js';

export interface ProcessorOptions {
  /** An Octokit authenticated as the installation (Probot: `app.auth(id)`). */
  getOctokit(installationId: number): Promise<GitHubClient> | GitHubClient;
  /** This App's id: only its check runs are ours (publisher, base verdict). */
  appId?: number;
  /** Web root for links to runs; default https://github.com (GitHub Enterprise Server: https://<host>). */
  webUrl?: string;
  artifactLimits?: Partial<DownloadLimits>;
  /** Completed runs of a commit searched for the artifact when the job names no run; default 5. */
  maxRunsSearched?: number;
  /** "Today", for waiver expiry (tests). */
  now?: () => Date;
}

/** The pull request files API lists at most this many files. */
export const MAX_API_FILES = 3000;
const FILES_PER_PAGE = 100;
const PULLS_PER_PAGE = 100;
const MAX_PULL_PAGES = 10;

/** Workspace roots of GitHub-hosted runners (and container actions) for a repository. */
export function hostedRoots(repo: string): string[] {
  return [`/home/runner/work/${repo}/${repo}`, `/Users/runner/work/${repo}/${repo}`, `D:/a/${repo}/${repo}`, `C:/a/${repo}/${repo}`, '/github/workspace'];
}

interface PullInfo {
  number: number;
  state: string;
  headSha: string;
  headRef: string;
  /** `owner/repo` of the head; undefined when the fork was deleted. */
  headRepo: string | undefined;
  baseSha: string;
  baseRef: string;
  defaultBranch: string | undefined;
  changedFiles: number;
  htmlUrl: string | undefined;
}

interface RunInfo {
  id: number;
  name: string;
  url: string;
}

interface JobLog extends PublisherLog {
  info(msg: string, extra?: object): void;
  warn(msg: string, extra?: object): void;
  error(msg: string, extra?: object): void;
}

/** Whether an error is worth retrying later, and when. */
export function classifyError(err: unknown): { retry: boolean; afterMs?: number } {
  if (err instanceof RetryableError) return { retry: true, ...(err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : {}) };
  const status = err instanceof ArtifactError ? err.status : httpStatus(err);
  const headers = (err as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const reset = Number(headers['x-ratelimit-reset']);
  const afterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
  const timing = afterMs !== undefined ? { afterMs } : {};
  if (status !== undefined) {
    if (status >= 500 || status === 429) return { retry: true, ...timing };
    if (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(errorMessage(err)))) return { retry: true, ...timing };
    return { retry: false };
  }
  if (err instanceof ArtifactError) return { retry: err.reason === 'api-error' || err.reason === 'download-failed' };
  const name = (err as { name?: unknown } | null)?.name;
  const code = (err as { code?: unknown } | null)?.code;
  if (name === 'TimeoutError' || name === 'AbortError' || name === 'FetchError') return { retry: true };
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|UND_ERR_\w+)$/.test(code)) return { retry: true };
  return { retry: false };
}

/** An error for messages: the HTTP status first when there is one. */
export function describeError(err: unknown): string {
  const status = err instanceof ArtifactError ? err.status : httpStatus(err);
  const msg = errorMessage(err).split('\n')[0]!;
  return status !== undefined && !msg.startsWith(String(status)) ? `${status} ${msg}` : msg;
}

function changeStatus(s: string): ChangeStatus {
  if (s === 'added' || s === 'copied') return 'added';
  if (s === 'removed') return 'deleted';
  if (s === 'renamed') return 'renamed';
  return 'modified';
}

/**
 * Workspace roots the reports were written under, inferred from absolute
 * report paths that end with a changed file's path: the shortest root per
 * path, most supported first.
 */
export function inferRoots(reports: readonly ParsedReport[], changed: Iterable<string>, limit = 50_000): string[] {
  const byBase = new Map<string, string[]>();
  for (const p of changed) {
    const base = p.slice(p.lastIndexOf('/') + 1);
    const list = byBase.get(base);
    if (list) list.push(p);
    else byBase.set(base, [p]);
  }
  if (byBase.size === 0) return [];
  const votes = new Map<string, number>();
  let seen = 0;
  const consider = (raw: string | undefined) => {
    if (raw === undefined || seen >= limit) return;
    seen++;
    const n = normalizeReportPath(raw);
    if (!n?.absolute) return;
    let best: string | undefined;
    for (const c of byBase.get(n.path.slice(n.path.lastIndexOf('/') + 1)) ?? []) {
      if (n.path.endsWith(`/${c}`) && (best === undefined || c.length > best.length)) best = c;
    }
    if (best === undefined) return;
    const root = n.path.slice(0, n.path.length - best.length - 1);
    if (root && root !== '/') votes.set(root, (votes.get(root) ?? 0) + 1);
  };
  for (const r of reports) {
    if (r.kind === 'coverage') for (const p of r.coverage.files.keys()) consider(p);
    else if (r.kind === 'tests') for (const p of r.tests.problems) consider(p.path);
    else for (const f of r.findings.findings) consider(f.path);
  }
  return [...votes.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)
    .slice(0, 10)
    .map(([root]) => root);
}

/** The processor the queue runs for every job. */
export function createProcessor(opts: ProcessorOptions): JobProcessor {
  return async (job, ctx) => {
    await new JobRun(opts, job, ctx).run();
  };
}

class JobRun {
  private octokit!: GitHubClient;
  private readonly log: JobLog;
  private readonly repoName: string;
  private config: SdlcConfig | undefined;
  private pull: PullInfo | undefined;
  private fork = false;
  private defaultBranch: string | undefined;
  /** Whether this job's commit gets a tag (a push to a tagged branch). */
  private tagged = false;

  constructor(
    private readonly opts: ProcessorOptions,
    private readonly job: GateJob,
    private readonly ctx: JobContext,
  ) {
    const fields = { deliveryId: job.deliveryId, repository: `${job.owner}/${job.repo}`, sha: job.headSha, jobId: job.key };
    const line = (level: 'info' | 'warn' | 'error') => (msg: unknown, extra?: unknown, ...more: unknown[]) => {
      const obj = extra !== null && typeof extra === 'object' ? { ...fields, ...extra } : fields;
      const text = [msg, ...(extra !== null && typeof extra === 'object' ? [] : extra === undefined ? [] : [extra]), ...more].map(String).join(' ');
      ctx.log[level](obj, text);
    };
    this.log = { info: line('info'), warn: line('warn'), error: line('error') };
    this.repoName = `${job.owner}/${job.repo}`;
  }

  private get repo() {
    return { owner: this.job.owner, repo: this.job.repo };
  }

  private checkpoint(): void {
    if (this.ctx.signal.aborted) throw new RetryableError('the worker is shutting down');
  }

  async run(): Promise<void> {
    const job = this.job;
    this.log.info(`processing ${job.reason} job (attempt ${this.ctx.attempt})`, {
      reason: job.reason,
      ...(job.pullNumber !== undefined ? { pullNumber: job.pullNumber } : {}),
      ...(job.workflowRunId !== undefined ? { workflowRunId: job.workflowRunId } : {}),
    });
    try {
      this.octokit = await this.opts.getOctokit(job.installationId);
      await this.process();
    } catch (err) {
      if (this.ctx.signal.aborted) {
        // Shutting down: the queue runs the job again later; the checks are left as they are.
        this.log.warn(`stopped for shutdown: ${describeError(err)}`);
        throw err instanceof RetryableError ? err : new RetryableError('the worker is shutting down');
      }
      const { retry, afterMs } = classifyError(err);
      if (retry && !this.ctx.finalAttempt) {
        this.log.warn(`will retry: ${errorMessage(err)}`);
        if (err instanceof RetryableError) throw err;
        throw new RetryableError(`GitHub was unavailable: ${describeError(err)}`, afterMs);
      }
      if (retry) {
        this.log.error(`giving up after ${this.ctx.attempt} attempts: ${describeError(err)}`);
        await this.tryAbort('neutral', 'GitHub was unavailable', `GitHub was unavailable: ${describeError(err)}. The checks could not be completed; re-run them when GitHub is back.`);
        return;
      }
      this.log.error(`failed: ${errorMessage(err)}`, { err });
      await this.tryAbort('neutral', 'SDLC Gatekeeper could not evaluate this commit', `The evaluation stopped with an error: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async tryAbort(conclusion: 'neutral' | 'failure', title: string, reason: string): Promise<void> {
    if (!this.octokit) return;
    try {
      await this.publisher(this.config ?? defaultConfig()).abort(conclusion, title, reason);
    } catch (err) {
      this.log.error(`could not complete the checks: ${errorMessage(err)}`);
    }
  }

  private publisher(config: SdlcConfig, opts: { runUrl?: string; comment?: boolean } = {}): Publisher {
    const pullNumber = opts.comment === false ? undefined : this.pull?.number;
    return new Publisher({
      octokit: this.octokit,
      target: {
        ...this.repo,
        headSha: this.job.headSha,
        ...(pullNumber !== undefined ? { pullNumber } : {}),
        ...(this.tagged && this.job.branch ? { branch: this.job.branch } : {}),
        ...(this.defaultBranch ? { defaultBranch: this.defaultBranch } : {}),
      },
      config,
      switches: { tags: this.tagged },
      ...(opts.runUrl ? { runUrl: opts.runUrl } : {}),
      log: this.log,
      ...(this.opts.appId !== undefined ? { appId: this.opts.appId } : {}),
    });
  }

  private async process(): Promise<void> {
    const job = this.job;
    await this.findPull();
    this.checkpoint();

    // The config: from the base branch when the head is not this repository's.
    const configRef = this.fork ? this.pull?.baseRef : job.headSha;
    let config: SdlcConfig;
    try {
      const read = await readRepoConfig(this.octokit, { ...this.repo, ...(configRef ? { ref: configRef } : {}) });
      config = read.config;
      this.log.info(`config ${read.file ?? '(defaults)'} at ${configRef ?? 'the default branch'}${this.fork ? ' (head is a fork: base branch config)' : ''}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.log.warn(`invalid config: ${err.message}`);
      // Only the verdict check run: the gates the config would enable are unknown.
      const onlyVerdict = defaultConfig();
      for (const g of Object.values(onlyVerdict.gates)) g.enabled = false;
      this.config = onlyVerdict;
      await this.publisher(onlyVerdict).abort('failure', 'Invalid SDLC Gatekeeper config', `The config could not be read, so no gate was judged:\n\n${codeBlock(err.message)}`);
      return;
    }
    this.config = config;
    this.checkpoint();

    this.tagged = await this.isTaggedBranch(config);
    if (job.workflowRunId === undefined && !this.pull && !this.tagged && job.reason === 'push') {
      this.log.info(`push to ${job.branch ?? '?'}: not a tagged branch and no pull request; nothing to do`);
      return;
    }

    if (job.workflowRunId !== undefined) {
      const run: RunInfo = {
        id: job.workflowRunId,
        name: job.workflowName ?? `run ${job.workflowRunId}`,
        url: `${(this.opts.webUrl ?? 'https://github.com').replace(/\/+$/, '')}/${job.owner}/${job.repo}/actions/runs/${job.workflowRunId}`,
      };
      const archive = await this.download(run, config);
      if (archive === 'missing') return this.runWithoutArtifact(run, config);
      if (archive === 'refused') return;
      return this.evaluate(archive, run, config);
    }
    return this.fromLatestRun(config);
  }

  // ------------------------------------------------------------ pull request

  private async getPull(number: number): Promise<PullInfo | undefined> {
    let data;
    try {
      data = (await this.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...this.repo, pull_number: number })).data;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
    return {
      number: data.number,
      state: data.state,
      headSha: data.head.sha,
      headRef: data.head.ref,
      headRepo: data.head.repo?.full_name ?? undefined,
      baseSha: data.base.sha,
      baseRef: data.base.ref,
      defaultBranch: data.base.repo.default_branch,
      changedFiles: data.changed_files,
      htmlUrl: data.html_url,
    };
  }

  private isOwnRepo(fullName: string | undefined): boolean {
    return fullName !== undefined && fullName.toLowerCase() === this.repoName.toLowerCase();
  }

  /** The job's pull request (named by the event, or found by head SHA and head repository). */
  private async findPull(): Promise<void> {
    const job = this.job;
    if (job.pullNumber !== undefined) {
      this.pull = await this.getPull(job.pullNumber);
      if (!this.pull) this.log.warn(`pull request #${job.pullNumber} was not found`);
    } else if (job.branch === undefined) {
      this.pull = await this.searchPull();
    }
    if (this.pull) {
      this.fork = !this.isOwnRepo(this.pull.headRepo);
      this.defaultBranch = this.pull.defaultBranch;
      if (this.pull.headSha !== job.headSha) this.log.info(`pull request #${this.pull.number} has moved on to ${this.pull.headSha.slice(0, 7)}`);
    } else {
      // No pull request: a commit the run says is a fork's is untrusted all the same.
      this.fork = job.headRepoFullName !== undefined && !this.isOwnRepo(job.headRepoFullName);
    }
  }

  private matches(p: { state?: string; head: { sha: string; repo?: { full_name: string } | null } }): boolean {
    if (p.state !== undefined && p.state !== 'open') return false;
    if (p.head.sha !== this.job.headSha) return false;
    const wanted = this.job.headRepoFullName;
    return wanted === undefined || (p.head.repo?.full_name ?? '').toLowerCase() === wanted.toLowerCase();
  }

  /** The open pull request whose head is this SHA (and the run's head repository). */
  private async searchPull(): Promise<PullInfo | undefined> {
    try {
      const res = await this.octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...this.repo, commit_sha: this.job.headSha, per_page: PULLS_PER_PAGE });
      const hit = res.data.filter((p) => this.matches(p)).sort((a, b) => a.number - b.number)[0];
      if (hit) {
        this.log.info(`pull request #${hit.number} found by head SHA`);
        return this.getPull(hit.number);
      }
    } catch (err) {
      // 404/422: GitHub does not know the commit in this repository (a fork's commit): list instead.
      const s = httpStatus(err);
      if (s !== 404 && s !== 422) throw err;
    }
    for (let page = 1; page <= MAX_PULL_PAGES; page++) {
      const res = await this.octokit.request('GET /repos/{owner}/{repo}/pulls', {
        ...this.repo,
        state: 'open',
        sort: 'updated',
        direction: 'desc',
        per_page: PULLS_PER_PAGE,
        page,
      });
      const hit = res.data.find((p) => this.matches(p));
      if (hit) {
        this.log.info(`pull request #${hit.number} found among the open pull requests by head SHA and head repository`);
        return this.getPull(hit.number);
      }
      if (res.data.length < PULLS_PER_PAGE) break;
    }
    this.log.info('no open pull request has this commit as its head');
    return undefined;
  }

  private async isTaggedBranch(config: SdlcConfig): Promise<boolean> {
    const branch = this.job.branch;
    if (!branch || !config.tagging.enabled) return false;
    if (config.tagging.branches.length > 0) return globMatcher(config.tagging.branches)(branch);
    if (!this.defaultBranch) this.defaultBranch = (await this.octokit.request('GET /repos/{owner}/{repo}', this.repo)).data.default_branch;
    return branch === this.defaultBranch;
  }

  // ------------------------------------------------------------ runs and artifacts

  /** The run's artifact, 'missing' when it has none by that name, 'refused' (checks already ended) when it is unsafe. */
  private async download(run: RunInfo, config: SdlcConfig): Promise<ArtifactArchive | 'missing' | 'refused'> {
    const name = config.reports.artifact;
    try {
      const archive = await downloadArtifact(this.octokit, { ...this.repo, runId: run.id, name }, this.opts.artifactLimits ?? {});
      this.log.info(`artifact ${name} of run ${run.id}: ${archive.entries.length} entries${archive.skipped.length ? `, ${archive.skipped.length} skipped` : ''}`);
      return archive;
    } catch (err) {
      if (!(err instanceof ArtifactError)) throw err;
      if (err.reason === 'not-found') return 'missing';
      if (classifyError(err).retry) throw err;
      this.log.warn(`artifact refused (${err.reason}): ${err.message}`);
      await this.publisher(config, { runUrl: run.url }).abort('neutral', `The ${name} artifact was not read (${err.reason})`, refusalText(name, run, err));
      return 'refused';
    }
  }

  private async listRuns(): Promise<{ id: number; name: string; status: string; url: string; updated: string }[]> {
    const res = await this.octokit.request('GET /repos/{owner}/{repo}/actions/runs', { ...this.repo, head_sha: this.job.headSha, per_page: 100, exclude_pull_requests: true });
    return res.data.workflow_runs.map((r) => ({
      id: Number(r.id),
      name: r.name ?? `run ${r.id}`,
      status: r.status ?? 'unknown',
      url: r.html_url,
      updated: r.updated_at,
    }));
  }

  /** No run named: evaluate the newest completed run that has the artifact, else start (or end) the checks. */
  private async fromLatestRun(config: SdlcConfig): Promise<void> {
    const runs = await this.listRuns();
    const completed = runs.filter((r) => r.status === 'completed').sort((a, b) => b.updated.localeCompare(a.updated) || b.id - a.id);
    const max = this.opts.maxRunsSearched ?? 5;
    for (const r of completed.slice(0, max)) {
      this.checkpoint();
      const run: RunInfo = { id: r.id, name: r.name, url: r.url };
      const archive = await this.download(run, config);
      if (archive === 'missing') continue;
      if (archive === 'refused') return;
      this.log.info(`evaluating completed run ${r.id} (${r.name})`);
      return this.evaluate(archive, run, config);
    }
    const pending = runs.filter((r) => r.status !== 'completed');
    if (pending.length > 0 || completed.length === 0) {
      if (this.pull && this.pull.headSha !== this.job.headSha && pending.length === 0) {
        this.log.info('the pull request has moved on and no run is coming for this commit; checks not started');
        return;
      }
      const names = [...new Set(pending.map((r) => r.name))];
      const message = names.length
        ? `Waiting for reports from workflow ${names.join(', ')}`
        : `Waiting for reports: no workflow run has uploaded the ${config.reports.artifact} artifact for this commit yet`;
      this.log.info(message);
      await this.publisher(config).start(message);
      return;
    }
    const names = [...new Set(completed.map((r) => r.name))];
    await this.endWithoutArtifact(names, config, completed[0]!.url);
  }

  /** The named run has no artifact: end the checks unless another run of the commit still may, or already did. */
  private async runWithoutArtifact(run: RunInfo, config: SdlcConfig): Promise<void> {
    const runs = await this.listRuns();
    const others = runs.filter((r) => r.id !== run.id && r.status !== 'completed');
    if (others.length > 0) {
      this.log.info(`run ${run.id} (${run.name}) has no ${config.reports.artifact} artifact; waiting for ${others.map((r) => r.name).join(', ')}`);
      return;
    }
    const res = await this.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      ...this.repo,
      ref: this.job.headSha,
      check_name: checkName('verdict'),
      ...(this.opts.appId !== undefined ? { app_id: this.opts.appId } : {}),
    });
    const done = res.data.check_runs.find((c) => c.status === 'completed' && (this.opts.appId === undefined || c.app?.id === this.opts.appId));
    if (done) {
      this.log.info(`run ${run.id} (${run.name}) has no ${config.reports.artifact} artifact; the verdict was already published (check run ${done.id})`);
      return;
    }
    await this.endWithoutArtifact([run.name], config, run.url);
  }

  private async endWithoutArtifact(workflows: string[], config: SdlcConfig, runUrl: string): Promise<void> {
    const artifact = config.reports.artifact;
    const which = workflows.length === 1 ? `workflow ${workflows[0]}` : `workflows ${workflows.join(', ')}`;
    const title = `${which} completed without the ${artifact} artifact`;
    const reason =
      `${title[0]!.toUpperCase()}${title.slice(1)}. Upload the reports with actions/upload-artifact under the name \`${artifact}\` ` +
      `(or set reports.artifact in .sdlc.yml).${config.reports.required ? ' reports.required is true, so this fails.' : ''}`;
    this.log.info(title);
    await this.publisher(config, { runUrl }).abort(config.reports.required ? 'failure' : 'neutral', title, reason);
  }

  // ------------------------------------------------------------ evaluation

  private async evaluate(archive: ArtifactArchive, run: RunInfo, config: SdlcConfig): Promise<void> {
    const job = this.job;
    const artifact = config.reports.artifact;
    const routing = routeFiles(
      archive.entries.map((e) => e.name),
      config,
      { discoverAll: true, discoverLabel: `artifact ${artifact}` },
    );
    const parsed = await parseRouted(routing, (name) => archive.open(name), { signal: this.ctx.signal });
    this.checkpoint();
    if (archive.refusal) {
      const err = archive.refusal;
      this.log.warn(`artifact refused while reading (${err.reason}): ${err.message}`);
      await this.publisher(config, { runUrl: run.url }).abort('neutral', `The ${artifact} artifact was not read (${err.reason})`, refusalText(artifact, run, err));
      return;
    }
    this.log.info(`parsed ${parsed.reports.length} reports, ${parsed.failures.length} failures, ${parsed.skipped.length} other files`);

    const warnings: string[] = [];
    for (const s of archive.skipped.slice(0, 20)) warnings.push(`artifact entry ${s.name} was not read (${s.reason}): ${s.message}`);
    if (archive.skipped.length > 20) warnings.push(`${archive.skipped.length - 20} more artifact entries were not read`);

    let changes: ChangeSet | undefined;
    let base: BaseInfo | undefined;
    const pull = this.pull;
    if (pull) {
      const diff = await this.changedLines(pull);
      changes = diff.changes;
      warnings.push(...diff.warnings);
      this.checkpoint();
      base = await this.baseOf(pull.baseSha, pull.baseRef, config);
    } else if (needsBaseCoverage(config)) {
      // A push: max_drop compares with the commit's first parent.
      const parent = await this.firstParent();
      this.checkpoint();
      if (parent) base = await this.baseOf(parent, job.branch, config);
    }
    const changed = changes ? [...changes.files.keys()] : [];
    const roots = [...inferRoots(parsed.reports, changed), ...hostedRoots(job.repo)];

    const verdict = runGatekeeper({
      config,
      reports: parsed.reports,
      failures: parsed.failures,
      searched: routing.searched,
      ...(changes ? { changes } : {}),
      ...(base ? { base } : {}),
      head: { sha: job.headSha, ...(pull ? { ref: pull.headRef } : job.branch ? { ref: job.branch } : {}) },
      ...(this.opts.now ? { now: this.opts.now() } : {}),
      paths: { roots },
    });
    verdict.warnings.push(...warnings);
    this.log.info(`verdict ${verdict.outcome}: ${verdict.gates.map((g) => `${g.id}=${g.outcome}`).join(' ')}`);

    // An old SHA's result never overwrites the newer one's comment.
    let comment = true;
    if (pull) {
      this.checkpoint();
      const now = await this.getPull(pull.number);
      if (!now || now.headSha !== job.headSha) {
        comment = false;
        this.log.info(`pull request #${pull.number} head is now ${now?.headSha.slice(0, 7) ?? 'unknown'}: completing this commit's checks, leaving the comment alone`);
      }
    }
    const result = await this.publisher(config, { runUrl: run.url, comment }).publish(verdict);
    this.log.info(
      `published: ${result.checkRuns.length} check runs${result.usedStatuses ? ' (as statuses)' : ''}, comment ${result.comment?.action ?? 'none'}, tag ${result.tag ? `${result.tag.action} ${result.tag.name}` : 'none'}, ${result.apiCalls} API calls`,
    );
  }

  /** The base commit for runGatekeeper, with its coverage when max_drop needs it. */
  private baseOf(sha: string, ref: string | undefined, config: SdlcConfig): Promise<BaseInfo> {
    return baseInfo(this.octokit, { ...this.repo, sha, ...(ref ? { ref } : {}), config, ...(this.opts.appId !== undefined ? { appId: this.opts.appId } : {}) }, this.log);
  }

  /** The evaluated commit's first parent (the git commit object: no diff), or undefined for a root commit or a commit GitHub does not have. */
  private async firstParent(): Promise<string | undefined> {
    const sha = this.job.headSha;
    let parents: { sha: string }[];
    try {
      parents = (await this.octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...this.repo, commit_sha: sha })).data.parents;
    } catch (err) {
      if (httpStatus(err) !== 404) throw err;
      this.log.info(`commit ${sha.slice(0, 7)} was not found in ${this.repoName}: max_drop has no base commit`);
      return undefined;
    }
    const first = parents[0]?.sha;
    this.log.info(first ? `no pull request: max_drop compares with the first parent ${first.slice(0, 7)}` : `${sha.slice(0, 7)} is a root commit: max_drop has no base commit`);
    return first;
  }

  /** Changed lines of the pull request: files API, or the `.diff` when the files API cannot give them all. */
  private async changedLines(pull: PullInfo): Promise<{ changes: ChangeSet; warnings: string[] }> {
    const files = new Map<string, ChangedFile>();
    const warnings: string[] = [];
    const incomplete: string[] = [];
    if (pull.changedFiles > MAX_API_FILES) incomplete.push(`the pull request changes ${pull.changedFiles} files; the files API lists ${MAX_API_FILES}`);
    for (let page = 1; page <= MAX_API_FILES / FILES_PER_PAGE; page++) {
      const res = await this.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...this.repo, pull_number: pull.number, per_page: FILES_PER_PAGE, page });
      for (const f of res.data) {
        const status = changeStatus(f.status);
        const prev = f.previous_filename ?? undefined;
        if (f.patch === undefined && status !== 'deleted' && f.additions + f.deletions > 0) incomplete.push(`${f.filename}: GitHub left out its patch (too large)`);
        try {
          const cf = parseFilePatch(f.filename, f.patch, status, prev);
          files.set(cf.path, cf);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          incomplete.push(`${f.filename}: ${err.message}`);
        }
      }
      if (res.data.length < FILES_PER_PAGE) break;
    }
    if (incomplete.length === 0) return { changes: { files }, warnings };

    this.log.info(`reading the .diff of #${pull.number}: ${incomplete[0]}${incomplete.length > 1 ? ` (+${incomplete.length - 1})` : ''}`);
    try {
      const res = await this.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...this.repo, pull_number: pull.number, mediaType: { format: 'diff' } });
      const text = res.data as unknown;
      if (typeof text !== 'string') throw new InputError('the .diff media type did not answer text');
      return { changes: parseUnifiedDiff(text, `pull request #${pull.number} diff`), warnings };
    } catch (err) {
      const s = httpStatus(err);
      if (!(err instanceof InputError) && !(s !== undefined && s >= 400 && s < 500 && s !== 429 && s !== 403)) throw err;
      warnings.push(
        `changed lines are incomplete (${incomplete.slice(0, 3).join('; ')}${incomplete.length > 3 ? '; ...' : ''}) and GitHub did not give the whole diff (${errorMessage(err).split('\n')[0]})`,
      );
      return { changes: { files }, warnings };
    }
  }
}

/** Text as a fenced code block whose fence is longer than any run of backticks in it (so the text cannot close it). */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

function refusalText(artifact: string, run: RunInfo, err: ArtifactError): string {
  return (
    `The \`${artifact}\` artifact of workflow ${run.name} (run ${run.id}) was refused, so no report was read: ${err.message}\n\n` +
    'Artifacts are read in memory with limits on size, entry count, compression ratio and entry names (no `..`, absolute paths, links or nested archives).'
  );
}
