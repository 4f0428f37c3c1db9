/**
 * The base commit's project line coverage, for the coverage gate's
 * `max_drop`: the App has no base checkout and no base reports, so it reads
 * what it published for the base commit earlier.
 *
 * Sources, in order:
 * 1. the base commit's `SDLC / verdict` check run (GET
 *    /repos/{o}/{r}/commits/{sha}/check-runs?check_name=SDLC / verdict): the
 *    machine-readable marker in its output (parseVerdictMarker), newest
 *    completed run first; only runs of this App when its id is known (anyone
 *    with checks: write could name a check run "SDLC / verdict");
 * 2. the base commit's tag (tagging.template rendered for the base commit
 *    with each outcome; only annotated tags that point at the base commit):
 *    the fenced JSON block of the tag message.
 * Neither: no base coverage; the gate says max_drop was not checked.
 * Looked up only when `gates.coverage.max_drop` is set (needsBaseCoverage).
 * The base commit is the pull request's base, or, for a commit evaluated
 * without a pull request (a push), its first parent (worker.ts).
 */
import type { SdlcConfig } from '../core/config/schema.js';
import { errorMessage } from '../core/errors.js';
import type { BaseInfo } from '../core/gatekeeper.js';
import { checkName, markerCoveragePct, parseVerdictMarker, tagPlan } from '../core/render/check.js';
import type { Outcome, Verdict } from '../core/verdict.js';
import type { GitHubClient } from '../github/client.js';
import { httpStatus } from './config.js';

export interface BaseLookup {
  owner: string;
  repo: string;
  /** The base commit. */
  sha: string;
  /** The base branch, for `{branch}` in tag names. */
  ref?: string;
  config: SdlcConfig;
  /** This App's id: only its check runs are believed. */
  appId?: number;
}

export interface BaseCoverage {
  coveragePct: number;
  /** Where it was read, for logs: `check run 123` or `tag sdlc/...`. */
  source: string;
}

export interface BaseLog {
  info(msg: string, extra?: object): void;
  warn(msg: string, extra?: object): void;
}

/** Marker text larger than this is not read from a tag message. */
const MAX_TAG_MESSAGE = 256 * 1024;

/** The base coverage, or undefined when no earlier verdict for the base commit can be read. */
export async function baseCoverage(octokit: GitHubClient, at: BaseLookup, log: BaseLog): Promise<BaseCoverage | undefined> {
  return (await fromCheckRun(octokit, at, log)) ?? (await fromTag(octokit, at, log));
}

async function fromCheckRun(octokit: GitHubClient, at: BaseLookup, log: BaseLog): Promise<BaseCoverage | undefined> {
  const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner: at.owner,
    repo: at.repo,
    ref: at.sha,
    check_name: checkName('verdict'),
    filter: 'latest',
    per_page: 100,
    ...(at.appId !== undefined ? { app_id: at.appId } : {}),
  });
  const runs = res.data.check_runs
    .filter((r) => r.status === 'completed' && r.head_sha === at.sha && (at.appId === undefined || r.app?.id === at.appId))
    .sort((a, b) => (b.completed_at ?? '').localeCompare(a.completed_at ?? '') || Number(b.id) - Number(a.id));
  for (const r of runs) {
    const text = `${r.output?.summary ?? ''}\n${r.output?.text ?? ''}`;
    try {
      const marker = parseVerdictMarker(text);
      if (!marker) continue;
      if (marker.head !== at.sha) {
        log.warn(`check run ${r.id} on ${at.sha.slice(0, 7)} carries a verdict for ${marker.head.slice(0, 7)}; not used`);
        continue;
      }
      const pct = markerCoveragePct(marker);
      if (pct !== undefined) return { coveragePct: pct, source: `check run ${r.id}` };
    } catch (err) {
      log.warn(`check run ${r.id}: ${errorMessage(err)}`);
    }
  }
  return undefined;
}

function stubVerdict(outcome: Outcome, phase: string): Verdict {
  return { outcome, phase, gates: [], scopes: {}, changedFiles: 0, waivers: { applied: [], expired: [], stale: [] }, warnings: [] };
}

/** The tag names the base commit may carry: the template with each outcome. */
export function candidateTagNames(config: SdlcConfig, sha: string, branch: string): string[] {
  const names = new Set<string>();
  for (const outcome of ['pass', 'fail', 'neutral'] as const) {
    try {
      names.add(tagPlan(stubVerdict(outcome, config.phase), config, { sha, branch }).name);
    } catch {
      return [];
    }
  }
  return [...names];
}

/** The `coverage` gate's pct in the fenced JSON block of a tag message. */
export function tagMessageCoveragePct(message: string): number | undefined {
  if (message.length > MAX_TAG_MESSAGE) return undefined;
  const m = /```json\n([\s\S]*?)\n```/.exec(message);
  if (!m) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(m[1]!);
  } catch {
    return undefined;
  }
  const gates = (data as { gates?: unknown } | null)?.gates;
  if (!Array.isArray(gates)) return undefined;
  const cov = gates.find((g) => (g as { id?: unknown } | null)?.id === 'coverage') as { metrics?: { pct?: unknown } } | undefined;
  const pct = cov?.metrics?.pct;
  return typeof pct === 'number' && Number.isFinite(pct) && pct >= 0 && pct <= 100 ? pct : undefined;
}

async function fromTag(octokit: GitHubClient, at: BaseLookup, log: BaseLog): Promise<BaseCoverage | undefined> {
  if (!at.config.tagging.enabled) return undefined;
  for (const name of candidateTagNames(at.config, at.sha, at.ref ?? '')) {
    let object: { type: string; sha: string };
    try {
      object = (await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner: at.owner, repo: at.repo, ref: `tags/${name}` })).data.object;
    } catch (err) {
      if (httpStatus(err) === 404) continue;
      throw err;
    }
    // A lightweight tag has no message to read.
    if (object.type !== 'tag') continue;
    const tag = (await octokit.request('GET /repos/{owner}/{repo}/git/tags/{tag_sha}', { owner: at.owner, repo: at.repo, tag_sha: object.sha })).data;
    if (tag.object.sha !== at.sha) {
      log.info(`tag ${name} points at ${tag.object.sha.slice(0, 7)}, not the base ${at.sha.slice(0, 7)}`);
      continue;
    }
    const pct = tagMessageCoveragePct(tag.message);
    if (pct !== undefined) return { coveragePct: pct, source: `tag ${name}` };
  }
  return undefined;
}

/** Whether the config judges the coverage drop, so the base commit's coverage is worth reading. */
export function needsBaseCoverage(config: SdlcConfig): boolean {
  return config.gates.coverage.max_drop !== undefined && config.gates.coverage.enabled;
}

/** BaseInfo for runGatekeeper: the base commit, with its coverage when max_drop needs it. */
export async function baseInfo(octokit: GitHubClient, at: BaseLookup, log: BaseLog): Promise<BaseInfo> {
  const info: BaseInfo = { sha: at.sha, ...(at.ref ? { ref: at.ref } : {}) };
  if (!needsBaseCoverage(at.config)) return info;
  const found = await baseCoverage(octokit, at, log);
  if (found) {
    log.info(`base coverage ${found.coveragePct} % from ${found.source}`);
    return { ...info, coveragePct: found.coveragePct };
  }
  log.info(`no coverage is known for the base commit ${at.sha.slice(0, 7)}`);
  return info;
}
