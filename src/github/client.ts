/**
 * The GitHub client the publisher needs, and the one the Action builds.
 *
 * `GitHubClient` is just `request` of @octokit/core: the Action's
 * @octokit/rest client and Probot's `context.octokit` both satisfy it.
 *
 * `createActionOctokit` is @octokit/rest with bounded recovery:
 * - a per-attempt timeout (`AbortSignal.timeout`), so a hung request ends;
 * - at most 3 retries of a 5xx or network error (plugin-retry; backoff
 *   1, 4, 9 s), never of 4xx; a request can ask for fewer with
 *   `request: { retries: 0 }` (the publisher does, for creates that must not
 *   run twice);
 * - rate limits waited out as GitHub documents (plugin-throttling): a
 *   secondary limit (403/429 "secondary rate limit") after `retry-after`,
 *   else 60 s; a primary limit (`x-ratelimit-remaining: 0`) until
 *   `x-ratelimit-reset`; at most 2 waits per request and none longer than
 *   60 s: a longer one fails the request at once;
 * - counts of every attempt, retry, timeout and rate-limit wait.
 */
import type { Octokit as CoreOctokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

export type GitHubClient = Pick<CoreOctokit, 'request'>;

export interface Logger {
  info(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  debug?(...a: unknown[]): void;
  error?(...a: unknown[]): void;
}

export interface ApiCounts {
  /** HTTP requests sent, each retry included. */
  requests: number;
  /** Attempts beyond the first (5xx, network errors, rate limits). */
  retries: number;
  /** Attempts ended by the per-request timeout. */
  timeouts: number;
  /** Rate-limit waits taken. */
  rateLimitWaits: number;
  /** Rate limits not waited for (too long, or too many waits). */
  rateLimitRefusals: number;
}

export interface ActionOctokitOptions {
  token: string;
  /** REST API root, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  baseUrl?: string;
  log?: Logger;
  /** Per-attempt timeout; default 30 s. */
  timeoutMs?: number;
  /** Retries of a 5xx or network error; default 3. */
  maxRetries?: number;
  /** Rate-limit waits per request; default 2. */
  maxRateLimitWaits?: number;
  /** Longest rate-limit wait, seconds; default 60. */
  maxRateLimitWaitSeconds?: number;
  /**
   * Milliseconds per second of backoff and of rate-limit waits; default 1000.
   * Tests lower it so a "retry-after: 5" takes 5 ms.
   */
  timeUnitMs?: number;
  userAgent?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_RETRIES = 3;
export const MAX_RATE_LIMIT_WAITS = 2;
export const MAX_RATE_LIMIT_WAIT_SECONDS = 60;

type AnyRequest = (options: Record<string, unknown> & { request?: Record<string, unknown> }) => Promise<unknown>;

/**
 * The per-attempt layer (registered before retry and throttling, so it runs
 * again for every attempt they make): a fresh timeout signal per attempt,
 * and the counts. Hooks share one options object (before-after-hook binds
 * it to every layer), so the signal is set on it rather than passed on.
 */
function attemptLayer(counts: ApiCounts, timeoutMs: number) {
  /** Options seen before -> the signal the caller gave, if any. */
  const seen = new WeakMap<object, AbortSignal | undefined>();
  return (octokit: CoreOctokit) => {
    const layer = async (request: AnyRequest, opts: Record<string, unknown> & { request?: Record<string, unknown> }): Promise<unknown> => {
      counts.requests++;
      let caller: AbortSignal | undefined;
      if (seen.has(opts)) {
        counts.retries++;
        caller = seen.get(opts);
      } else {
        caller = opts.request?.signal as AbortSignal | undefined;
        seen.set(opts, caller);
      }
      const timeout = AbortSignal.timeout(timeoutMs);
      opts.request = { ...opts.request, signal: caller ? AbortSignal.any([caller, timeout]) : timeout };
      try {
        return await request(opts);
      } catch (err) {
        if (timeout.aborted && !caller?.aborted) {
          counts.timeouts++;
          const e = err as { message?: string };
          if (e && typeof e === 'object') e.message = `request timed out after ${timeoutMs} ms (${String(opts.method)} ${String(opts.url)})`;
        }
        throw err;
      }
    };
    octokit.hook.wrap('request', layer as unknown as Parameters<typeof octokit.hook.wrap<'request'>>[1]);
    return {};
  };
}

export type ActionOctokit = InstanceType<typeof Octokit> & { apiCounts: ApiCounts };

export function createActionOctokit(opts: ActionOctokitOptions): ActionOctokit {
  const counts: ApiCounts = { requests: 0, retries: 0, timeouts: 0, rateLimitWaits: 0, rateLimitRefusals: 0 };
  const log = opts.log;
  const unit = opts.timeUnitMs ?? 1000;
  const maxWaits = opts.maxRateLimitWaits ?? MAX_RATE_LIMIT_WAITS;
  const maxWait = opts.maxRateLimitWaitSeconds ?? MAX_RATE_LIMIT_WAIT_SECONDS;
  const onLimit = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
    const what = `${options.method ?? ''} ${options.url ?? ''}`.trim();
    if (retryCount < maxWaits && retryAfter <= maxWait) {
      counts.rateLimitWaits++;
      log?.warn(`GitHub ${kind} rate limit on ${what}: waiting ${retryAfter} s (wait ${retryCount + 1} of at most ${maxWaits})`);
      return true;
    }
    counts.rateLimitRefusals++;
    log?.warn(
      `GitHub ${kind} rate limit on ${what}: ${retryAfter > maxWait ? `the wait (${retryAfter} s) is longer than ${maxWait} s` : `already waited ${retryCount} times`}; giving up`,
    );
    return false;
  };
  const Client = Octokit.plugin(attemptLayer(counts, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), retry, throttling);
  const octokit = new Client({
    auth: opts.token,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: opts.userAgent ?? 'sdlc-gatekeeper',
    log: {
      debug: (m: string) => log?.debug?.(m),
      info: (m: string) => log?.info(m),
      warn: (m: string) => log?.warn(m),
      error: (m: string) => (log?.error ? log.error(m) : log?.warn(m)),
    },
    retry: {
      retries: opts.maxRetries ?? MAX_RETRIES,
      retryAfterBaseValue: unit,
      // 429 is the throttling layer's: it knows GitHub's rate-limit headers.
      // 406: GitHub refuses a .diff that is too large; asking again does not help.
      doNotRetry: [400, 401, 403, 404, 406, 410, 422, 429, 451],
    },
    throttle: {
      retryAfterBaseValue: unit,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });
  return Object.assign(octokit, { apiCounts: counts });
}
