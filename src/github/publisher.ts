/**
 * Publishes a verdict on GitHub: the only product code that writes to the
 * GitHub API. Both the Action and the App drive it the same way:
 * `start()` when work begins, `publish(verdict)` at the end, or `abort()`
 * when no verdict can be reached.
 *
 * Idempotent, so a re-delivered webhook or a re-run job never duplicates:
 * - check runs are found by external_id (`sdlc:<gate>:<head sha>`) among
 *   the head commit's check runs named "SDLC / ..." (one paginated list)
 *   and updated in place; a create that fails with a 5xx, a network error or
 *   a timeout is followed by a new list before it is retried, so a create
 *   GitHub performed is never made twice. GitHub appends annotations on
 *   every update, so annotations an earlier run already put on a check run
 *   are read back (only when it has any) and not sent again;
 * - the pull request comment is found by its hidden marker (a bot's comment
 *   ending with it);
 * - a tag that exists is never moved: at the same commit it is 'exists', at
 *   another one 'conflict'; a tag created by a concurrent run between our
 *   lookup and our create is read again, not reported as an error.
 *
 * Requests, for a verdict of G enabled gates (plus the verdict run):
 * check runs 1 list + G+1 creates-or-completes, each carrying its first 50
 * annotations, + 1 update per further 50 (at most comment.max_annotations
 * per check run); comment 1 list (per 100 comments) + 1 create or edit
 * (mode new: + 1 delete per old comment); tag 1 ref lookup (+ 1 read of the
 * tag object when it exists) + 1 tag object + 1 ref create.
 *
 * When creating a check run answers 403 (a token without checks: write),
 * the gates are published as commit statuses (context "SDLC / <gate>")
 * instead, and `usedStatuses` is set.
 */
import { GATE_IDS, type SdlcConfig } from '../core/config/schema.js';
import { InputError } from '../core/errors.js';
import { globMatcher } from '../core/gates/common.js';
import {
  CHECK_NAME_PREFIX,
  COMMENT_MARKER,
  checkName,
  checkRunPlan,
  commentBody,
  commentTablePart,
  externalIdFor,
  tagPlan,
  type Annotation,
  type CheckConclusion,
  type CheckKey,
  type CheckRunPlanEntry,
} from '../core/render/check.js';
import type { Verdict } from '../core/verdict.js';
import type { GitHubClient } from './client.js';
import { ANNOTATION_TITLE_MAX, CHECK_RUNS_PER_PAGE, LIST_PER_PAGE, MAX_ANNOTATIONS_PER_REQUEST, MAX_CHECK_OUTPUT, MAX_COMMENT, MAX_STATUS_DESCRIPTION, fitLine, fitMarkdown } from './limits.js';

export interface GitHubTarget {
  owner: string;
  repo: string;
  headSha: string;
  pullNumber?: number;
  /** The branch the head commit was pushed to; tags are made only when it is set. */
  branch?: string;
  /** The repository's default branch; looked up (one request) when tagging.branches is empty and it is not given. */
  defaultBranch?: string;
}

/** What to publish. Defaults: checks and comment on, tags off (the caller turns tags on where a commit may be tagged: pushes). */
export interface PublishSwitches {
  checks: boolean;
  comment: boolean;
  tags: boolean;
}

export interface PublishResult {
  checkRuns: { key: string; id: number }[];
  usedStatuses: boolean;
  comment?: { id?: number; action: 'created' | 'updated' | 'unchanged' | 'recreated' | 'deleted' | 'skipped' };
  tag?: { name: string; action: 'created' | 'exists' | 'conflict' | 'skipped'; detail?: string };
  /** Requests this publish() made (attempts a client plugin repeats are counted by the client: ActionOctokit.apiCounts). */
  apiCalls: number;
}

export interface PublisherLog {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
}

export interface PublisherOptions {
  octokit: GitHubClient;
  target: GitHubTarget;
  config: SdlcConfig;
  switches?: Partial<PublishSwitches>;
  runUrl?: string;
  log?: PublisherLog;
  /** Only check runs of this GitHub App are ours (the App passes its id; the Action's runs belong to GitHub Actions). */
  appId?: number;
}

/** Neither check runs nor commit statuses could be written (`cause`: GitHub's answer), or GitHub answered what we cannot work with. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}

/** Creating a check run answered 403: the token has no checks: write. */
class ChecksForbidden extends Error {}

interface KnownRun {
  id: number;
  name: string;
  status: string;
  annotations: number;
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

function statusOf(err: unknown): number | undefined {
  const s = (err as HttpError | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}

function isRateLimit(err: unknown): boolean {
  const e = err as HttpError | undefined;
  return /rate limit/i.test(e?.message ?? '') || String(e?.response?.headers?.['x-ratelimit-remaining']) === '0';
}

/** A failure after which GitHub may or may not have performed the request. */
function isUncertain(err: unknown): boolean {
  const s = statusOf(err);
  return s === undefined || s >= 500;
}

function isForbidden(err: unknown): boolean {
  return statusOf(err) === 403 && !isRateLimit(err);
}

function describe(err: unknown): string {
  const e = err as HttpError | undefined;
  return `${e?.status ?? 'error'}: ${e?.message ?? String(err)}`;
}

function annotationKey(a: Pick<Annotation, 'path' | 'start_line' | 'end_line' | 'annotation_level' | 'message'> & { title?: string | null }): string {
  return [a.path, a.start_line, a.end_line, a.annotation_level, a.message, a.title ?? ''].join('\u0000');
}

function normalizeBody(s: string): string {
  return s.replace(/\r\n?/g, '\n').trimEnd();
}

const STATUS_STATE: Record<CheckConclusion, 'success' | 'failure'> = { success: 'success', failure: 'failure', neutral: 'success' };
const MAX_LIST_PAGES = 10;
const MAX_COMMENT_PAGES = 30;
const MAX_ANNOTATION_PAGES = 50;
const CREATE_ATTEMPTS = 3;

export class Publisher {
  private readonly octokit: GitHubClient;
  private readonly target: GitHubTarget;
  private readonly config: SdlcConfig;
  private readonly switches: PublishSwitches;
  private readonly runUrl: string | undefined;
  private readonly log: PublisherLog;
  private readonly appId: number | undefined;
  /** SDLC check runs of the head commit, by external_id. */
  private readonly runs = new Map<string, KnownRun>();
  private listed = false;
  private useStatuses = false;
  private calls = 0;

  constructor(opts: PublisherOptions) {
    this.octokit = opts.octokit;
    this.target = opts.target;
    this.config = opts.config;
    this.switches = { checks: true, comment: true, tags: false, ...opts.switches };
    this.runUrl = opts.runUrl;
    this.log = opts.log ?? { info: () => {}, warn: () => {} };
    this.appId = opts.appId;
  }

  /** Requests made so far by this publisher. */
  get apiCalls(): number {
    return this.calls;
  }

  /** The client, counting one request per use: write `this.api.request(...)` once per request. */
  private get api(): GitHubClient {
    this.calls++;
    return this.octokit;
  }

  private get repo() {
    return { owner: this.target.owner, repo: this.target.repo };
  }

  private enabledKeys(): CheckKey[] {
    return [...GATE_IDS.filter((id) => this.config.gates[id].enabled), 'verdict'];
  }

  // ------------------------------------------------------------ lifecycle

  /** Create (or reset to in_progress) the check runs of every enabled gate and of the verdict. */
  async start(message: string): Promise<void> {
    await this.writeEvery(
      { status: 'in_progress', started_at: new Date().toISOString(), output: { title: fitLine(message, ANNOTATION_TITLE_MAX), summary: fitMarkdown(message, MAX_CHECK_OUTPUT) } },
      'pending',
      message,
    );
  }

  /** Complete the check runs, then the comment (when pullNumber is set), then the tag (when tags are on and branch is set). */
  async publish(verdict: Verdict): Promise<PublishResult> {
    const before = this.calls;
    const result: PublishResult = { checkRuns: [], usedStatuses: false, apiCalls: 0 };
    if (this.switches.checks) {
      const plan = checkRunPlan(verdict, { headSha: this.target.headSha, ...(this.runUrl ? { runUrl: this.runUrl } : {}) });
      await this.publishChecks(plan, result);
    }
    if (this.target.pullNumber !== undefined) result.comment = await this.publishComment(verdict);
    if (this.switches.tags) result.tag = await this.publishTag(verdict);
    result.usedStatuses = this.useStatuses;
    result.apiCalls = this.calls - before;
    return result;
  }

  /** Complete every check run with a reason (config error, GitHub unavailable, no artifact). */
  async abort(conclusion: 'neutral' | 'failure', title: string, reason: string): Promise<void> {
    const summary = fitMarkdown(reason, MAX_CHECK_OUTPUT, this.runUrl ? { moreLink: this.runUrl } : {});
    await this.writeEvery(
      { status: 'completed', conclusion, completed_at: new Date().toISOString(), output: { title: fitLine(title, ANNOTATION_TITLE_MAX), summary } },
      STATUS_STATE[conclusion],
      `${title}: ${reason}`,
    );
  }

  /**
   * Write the same state to the check run of every enabled gate and of the
   * verdict; with commit statuses instead when Checks is forbidden.
   */
  private async writeEvery(fields: Omit<RunBody, 'name' | 'external_id'>, state: 'success' | 'failure' | 'pending', statusText: string): Promise<void> {
    if (!this.switches.checks) return;
    const keys = this.enabledKeys();
    if (!this.useStatuses) {
      await this.ensureListed();
      try {
        for (const key of keys) {
          const externalId = externalIdFor(key, this.target.headSha);
          await this.writeRun(externalId, {
            name: checkName(key),
            external_id: externalId,
            ...fields,
            ...(this.runUrl ? { details_url: this.runUrl } : {}),
          });
        }
        return;
      } catch (err) {
        if (!(err instanceof ChecksForbidden)) throw err;
        this.switchToStatuses(err);
      }
    }
    for (const key of keys) await this.postStatus(key, state, statusText);
  }

  // ------------------------------------------------------------ check runs

  private async publishChecks(plan: CheckRunPlanEntry[], result: PublishResult): Promise<void> {
    if (!this.useStatuses) {
      await this.ensureListed();
      try {
        for (const entry of plan) result.checkRuns.push({ key: entry.key, id: await this.completeRun(entry) });
        await this.closeLeftovers(plan);
      } catch (err) {
        if (!(err instanceof ChecksForbidden)) throw err;
        this.switchToStatuses(err);
        result.checkRuns = [];
      }
    }
    if (this.useStatuses) {
      for (const entry of plan) {
        const word = entry.conclusion === 'neutral' ? 'neutral: ' : '';
        await this.postStatus(entry.key, STATUS_STATE[entry.conclusion], `${word}${entry.title}`);
      }
    }
  }

  private switchToStatuses(err: Error): void {
    this.log.warn(`cannot create check runs (${err.message}); publishing commit statuses instead (grant checks: write for check runs)`);
    this.useStatuses = true;
  }

  private async ensureListed(): Promise<void> {
    if (this.listed) return;
    try {
      await this.listRuns();
    } catch (err) {
      if (!isForbidden(err)) throw err;
      this.log.warn(`cannot list check runs (${describe(err)}); creating them`);
      this.listed = true;
    }
  }

  /** One paginated list of the head commit's check runs, keeping ours. */
  private async listRuns(): Promise<void> {
    this.runs.clear();
    for (let page = 1; page <= MAX_LIST_PAGES; page++) {
      const res = await this.api.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        ...this.repo,
        ref: this.target.headSha,
        per_page: CHECK_RUNS_PER_PAGE,
        page,
        ...(this.appId !== undefined ? { app_id: this.appId } : {}),
      });
      const runs = res.data.check_runs;
      for (const r of runs) {
        if (!r.name.startsWith(CHECK_NAME_PREFIX) || !r.external_id) continue;
        if (this.appId !== undefined && r.app?.id !== this.appId) continue;
        const known = this.runs.get(r.external_id);
        if (known && known.id > Number(r.id)) continue;
        this.runs.set(r.external_id, { id: Number(r.id), name: r.name, status: r.status, annotations: r.output?.annotations_count ?? 0 });
      }
      if (runs.length < CHECK_RUNS_PER_PAGE || page * CHECK_RUNS_PER_PAGE >= res.data.total_count) break;
    }
    this.listed = true;
  }

  /** Update the known check run, or create one; returns its id. Throws ChecksForbidden on a 403 create. */
  private async writeRun(externalId: string, body: RunBody): Promise<number> {
    const known = this.runs.get(externalId);
    if (known) {
      try {
        const res = await this.api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...this.repo, check_run_id: known.id, ...body });
        known.status = res.data.status;
        return known.id;
      } catch (err) {
        const s = statusOf(err);
        if (!(s === 404 || isForbidden(err))) throw err;
        this.log.warn(`check run ${known.id} (${known.name}) cannot be updated (${describe(err)}); creating a new one`);
        this.runs.delete(externalId);
      }
    }
    return this.createRun(externalId, body);
  }

  private async createRun(externalId: string, body: RunBody): Promise<number> {
    let last: unknown;
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      try {
        const res = await this.api.request('POST /repos/{owner}/{repo}/check-runs', {
          ...this.repo,
          head_sha: this.target.headSha,
          ...body,
          // Not retried blindly: GitHub may have created it (see below).
          request: { retries: 0 },
        });
        const id = Number(res.data.id);
        this.runs.set(externalId, { id, name: res.data.name, status: res.data.status, annotations: res.data.output?.annotations_count ?? 0 });
        return id;
      } catch (err) {
        if (isForbidden(err)) throw new ChecksForbidden(describe(err));
        if (!isUncertain(err)) throw err;
        last = err;
        this.log.warn(`creating check run ${body.name} failed (${describe(err)}); checking whether GitHub created it`);
        await this.listRuns();
        const found = this.runs.get(externalId);
        if (found) return found.id;
      }
    }
    throw last;
  }

  private async completeRun(entry: CheckRunPlanEntry): Promise<number> {
    const cap = this.config.comment.max_annotations;
    const known = this.runs.get(entry.externalId);
    const planned = entry.annotations.slice(0, cap);
    let toSend = planned;
    if (known && known.annotations > 0) {
      const present = await this.existingAnnotations(known);
      toSend = planned.filter((a) => {
        const k = annotationKey(a);
        const n = present.get(k) ?? 0;
        if (n > 0) present.set(k, n - 1);
        return n === 0;
      });
    }
    let summary = entry.summary;
    const overflow = entry.annotations.length - planned.length;
    if (overflow > 0) {
      summary += `\n---\n\n${planned.length} of ${entry.annotations.length} annotations are shown (comment.max_annotations: ${cap}, most important first); ${overflow} more are not annotated.\n`;
    }
    const linkOpt = this.runUrl ? { moreLink: this.runUrl } : {};
    const output = {
      title: entry.title,
      summary: fitMarkdown(summary, MAX_CHECK_OUTPUT, linkOpt),
      ...(entry.text ? { text: fitMarkdown(entry.text, MAX_CHECK_OUTPUT, linkOpt) } : {}),
    };
    const first = toSend.slice(0, MAX_ANNOTATIONS_PER_REQUEST);
    const id = await this.writeRun(entry.externalId, {
      name: entry.name,
      external_id: entry.externalId,
      status: 'completed',
      conclusion: entry.conclusion,
      completed_at: new Date().toISOString(),
      ...(this.runUrl ? { details_url: this.runUrl } : {}),
      output: { ...output, ...(first.length ? { annotations: first } : {}) },
    });
    for (let i = MAX_ANNOTATIONS_PER_REQUEST; i < toSend.length; i += MAX_ANNOTATIONS_PER_REQUEST) {
      await this.api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        ...this.repo,
        check_run_id: id,
        // The whole output again: an update replaces it (only annotations are appended).
        output: { ...output, annotations: toSend.slice(i, i + MAX_ANNOTATIONS_PER_REQUEST) },
      });
    }
    const run = this.runs.get(entry.externalId);
    if (run) {
      run.status = 'completed';
      run.annotations = (known === run ? run.annotations : 0) + toSend.length;
    }
    return id;
  }

  /** Annotations an earlier run put on a check run, counted by identity. */
  private async existingAnnotations(run: KnownRun): Promise<Map<string, number>> {
    const present = new Map<string, number>();
    const pages = Math.min(MAX_ANNOTATION_PAGES, Math.ceil(run.annotations / LIST_PER_PAGE));
    for (let page = 1; page <= pages; page++) {
      const res = await this.api.request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations', {
        ...this.repo,
        check_run_id: run.id,
        per_page: LIST_PER_PAGE,
        page,
      });
      for (const a of res.data) {
        const level = a.annotation_level;
        if (level !== 'notice' && level !== 'warning' && level !== 'failure') continue;
        const k = annotationKey({ path: a.path, start_line: a.start_line, end_line: a.end_line, annotation_level: level, message: a.message ?? '', title: a.title });
        present.set(k, (present.get(k) ?? 0) + 1);
      }
      if (res.data.length < LIST_PER_PAGE) break;
    }
    return present;
  }

  /** SDLC check runs of this commit left in progress by start() for a gate the verdict does not have. */
  private async closeLeftovers(plan: CheckRunPlanEntry[]): Promise<void> {
    const planned = new Set(plan.map((e) => e.externalId));
    for (const [externalId, run] of this.runs) {
      if (planned.has(externalId) || run.status === 'completed' || !externalId.endsWith(`:${this.target.headSha}`)) continue;
      await this.writeRun(externalId, {
        name: run.name,
        external_id: externalId,
        status: 'completed',
        conclusion: 'neutral',
        completed_at: new Date().toISOString(),
        output: { title: 'Not evaluated', summary: 'This gate was not part of the verdict (disabled in .sdlc.yml).' },
      });
      run.status = 'completed';
    }
  }

  private async postStatus(key: CheckKey, state: 'success' | 'failure' | 'pending' | 'error', description: string): Promise<void> {
    try {
      await this.api.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        ...this.repo,
        sha: this.target.headSha,
        state,
        context: checkName(key),
        description: fitLine(description, MAX_STATUS_DESCRIPTION),
        ...(this.runUrl ? { target_url: this.runUrl } : {}),
      });
    } catch (err) {
      if (isForbidden(err)) {
        throw new PublishError(`the token can write neither check runs nor commit statuses (${describe(err)}): grant checks: write or statuses: write`, { cause: err });
      }
      throw err;
    }
  }

  // ------------------------------------------------------------ comment

  private async publishComment(verdict: Verdict): Promise<NonNullable<PublishResult['comment']>> {
    const mode = this.config.comment.mode;
    if (!this.switches.comment || mode === 'off') return { action: 'skipped' };
    const full = commentBody(verdict, this.runUrl ? { runUrl: this.runUrl } : {});
    const body = this.fitComment(full);
    let ours: { id: number; body: string }[];
    try {
      ours = await this.findComments();
    } catch (err) {
      if (!isForbidden(err)) throw err;
      this.log.warn(`cannot read pull request comments (${describe(err)}); no comment posted`);
      return { action: 'skipped' };
    }
    const latest = ours[ours.length - 1];
    if (latest && this.config.comment.only_on_change && commentTablePart(latest.body) === commentTablePart(body)) {
      return { id: latest.id, action: 'unchanged' };
    }
    try {
      if (mode === 'update') {
        if (latest) {
          if (normalizeBody(latest.body) === normalizeBody(body)) return { id: latest.id, action: 'unchanged' };
          try {
            await this.api.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...this.repo, comment_id: latest.id, body });
            return { id: latest.id, action: 'updated' };
          } catch (err) {
            if (statusOf(err) !== 404) throw err;
            return { id: await this.postComment(body), action: 'recreated' };
          }
        }
        return { id: await this.postComment(body), action: 'created' };
      }
      for (const c of ours) {
        try {
          await this.api.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...this.repo, comment_id: c.id });
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }
      return { id: await this.postComment(body), action: ours.length ? 'recreated' : 'created' };
    } catch (err) {
      if (!isForbidden(err)) throw err;
      this.log.warn(`cannot write the pull request comment (${describe(err)})`);
      return { action: 'skipped' };
    }
  }

  /** Fit the comment into GitHub's limit, keeping the marker as its last line. */
  private fitComment(body: string): string {
    const trimmed = body.trimEnd();
    const withoutMarker = trimmed.endsWith(COMMENT_MARKER) ? trimmed.slice(0, -COMMENT_MARKER.length) : trimmed;
    const room = MAX_COMMENT - COMMENT_MARKER.length - 2;
    return `${fitMarkdown(withoutMarker, room, this.runUrl ? { moreLink: this.runUrl } : {}).trimEnd()}\n\n${COMMENT_MARKER}\n`;
  }

  /** Our comments on the pull request (a bot's comment ending with the marker), oldest first. */
  private async findComments(): Promise<{ id: number; body: string }[]> {
    const out: { id: number; body: string }[] = [];
    for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
      const res = await this.api.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...this.repo,
        issue_number: this.target.pullNumber!,
        per_page: LIST_PER_PAGE,
        page,
      });
      for (const c of res.data) {
        const body = c.body ?? '';
        if (c.user?.type === 'Bot' && body.trimEnd().endsWith(COMMENT_MARKER)) out.push({ id: Number(c.id), body });
      }
      if (res.data.length < LIST_PER_PAGE) break;
    }
    return out;
  }

  private async postComment(body: string): Promise<number> {
    let last: unknown;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const res = await this.api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...this.repo,
          issue_number: this.target.pullNumber!,
          body,
          request: { retries: 0 },
        });
        return Number(res.data.id);
      } catch (err) {
        if (!isUncertain(err)) throw err;
        last = err;
        this.log.warn(`posting the comment failed (${describe(err)}); checking whether GitHub posted it`);
        const posted = (await this.findComments()).find((c) => normalizeBody(c.body) === normalizeBody(body));
        if (posted) return posted.id;
      }
    }
    throw last;
  }

  // ------------------------------------------------------------ tag

  private async publishTag(verdict: Verdict): Promise<NonNullable<PublishResult['tag']>> {
    const branch = this.target.branch;
    const cfg = this.config.tagging;
    if (!branch) return { name: '', action: 'skipped', detail: 'no branch: only commits pushed to a branch are tagged' };
    if (!cfg.enabled) return { name: '', action: 'skipped', detail: 'tagging.enabled is false' };
    if (cfg.branches.length) {
      if (!globMatcher(cfg.branches)(branch)) return { name: '', action: 'skipped', detail: `branch ${branch} is not in tagging.branches` };
    } else {
      const def = this.target.defaultBranch ?? (await this.api.request('GET /repos/{owner}/{repo}', this.repo)).data.default_branch;
      if (branch !== def) return { name: '', action: 'skipped', detail: `branch ${branch} is not the default branch (${def}); list it in tagging.branches to tag it` };
    }
    let plan;
    try {
      plan = tagPlan(verdict, this.config, { sha: this.target.headSha, branch });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.log.warn(err.message);
      return { name: '', action: 'skipped', detail: err.message };
    }
    const { name } = plan;
    try {
      const existing = await this.tagTarget(name);
      if (existing !== undefined) return this.judgeTag(name, existing);
      const tag = await this.api.request('POST /repos/{owner}/{repo}/git/tags', {
        ...this.repo,
        tag: name,
        message: plan.message,
        object: this.target.headSha,
        type: 'commit',
      });
      try {
        await this.api.request('POST /repos/{owner}/{repo}/git/refs', { ...this.repo, ref: `refs/tags/${name}`, sha: tag.data.sha });
        this.log.info(`tagged ${this.target.headSha.slice(0, 12)} as ${name}`);
        return { name, action: 'created' };
      } catch (err) {
        if (statusOf(err) !== 422) throw err;
        // Created by a concurrent run since our lookup: judge what is there now.
        const now = await this.tagTarget(name);
        if (now === undefined) throw new PublishError(`creating tag ${name} answered 422 (${describe(err)}) but the tag does not exist`);
        return this.judgeTag(name, now);
      }
    } catch (err) {
      if (!isForbidden(err)) throw err;
      this.log.warn(`cannot create tag ${name} (${describe(err)}): the token needs contents: write`);
      return { name, action: 'skipped', detail: `no permission to create tags (${describe(err)})` };
    }
  }

  private judgeTag(name: string, commit: string): NonNullable<PublishResult['tag']> {
    if (commit === this.target.headSha) return { name, action: 'exists' };
    const detail = `tag ${name} already points at ${commit.slice(0, 12)}, not ${this.target.headSha.slice(0, 12)}; it was left where it is`;
    this.log.warn(detail);
    return { name, action: 'conflict', detail };
  }

  /** The object a tag ref ends at (annotated tags followed), or undefined when the tag does not exist. */
  private async tagTarget(name: string): Promise<string | undefined> {
    let obj: { type: string; sha: string };
    try {
      obj = (await this.api.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...this.repo, ref: `tags/${name}` })).data.object;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    for (let depth = 0; obj.type === 'tag'; depth++) {
      if (depth >= 4) throw new PublishError(`tag ${name}: more than 4 nested tag objects`);
      obj = (await this.api.request('GET /repos/{owner}/{repo}/git/tags/{tag_sha}', { ...this.repo, tag_sha: obj.sha })).data.object;
    }
    return obj.sha;
  }
}

interface RunBody {
  name: string;
  external_id?: string;
  status?: 'queued' | 'in_progress' | 'completed';
  started_at?: string;
  conclusion?: CheckConclusion;
  completed_at?: string;
  details_url?: string;
  output?: { title: string; summary: string; text?: string; annotations?: Annotation[] };
}
