/**
 * A fake GitHub for tests, held to GitHub's official REST description
 * (`@octokit/openapi`, api.github.com.json).
 *
 * ## Validating requests: openapi.ts
 *
 *   validateGitHubRequest({ method, url, headers?, body? })
 *     -> { ok: true, operationId, pathTemplate, pathParams, documentationUrl }
 *      | { ok: false, errors: string[], operation? }
 *
 * Finds the operation by method and path template and checks path
 * parameters, query parameters and the JSON body with ajv against the
 * description (formats, enums, `maxItems: 50` annotations, `maxLength: 65535`
 * summaries...). Unknown endpoints are errors ("GitHub has no POST
 * /repos/{owner}/{repo}/frobnicate"); so are query parameters and body
 * properties the description does not declare (GitHub ignores them silently;
 * pass `{ unknownQuery: 'ignore', unknownBodyProperties: 'ignore' }` to allow).
 * `validateGitHubResponse({ method, url, status, body })` checks an answer.
 *
 * ## The fake server: fake-server.ts, state.ts, shapes.ts
 *
 *   const fake = await startFakeGitHub({ repos: [{ owner: 'acme', repo: 'widgets' }] });
 *   const octokit = new Octokit({ baseUrl: fake.url, auth: 'x' });
 *   ...
 *   expect(fake.violations).toEqual([]);      // no request GitHub would refuse
 *   await fake.close();
 *
 * A real HTTP server on 127.0.0.1 with state in memory. Every request is
 * validated (invalid: 422 `Validation Failed` with the problems in `errors`,
 * unknown endpoint: 404, non-JSON body: 400; all recorded in
 * `fake.violations`), recorded in `fake.calls` ({ method, url, path,
 * operationId, params, status, body, headers, response, injected, counted }),
 * and answered with GitHub-shaped JSON (checked against the description's
 * response schemas too). `fake.callsTo('checks/create')` filters by operation.
 *
 * Served (operation ids in brackets):
 * - check runs: create, update (output replaced, annotations appended, only
 *   the owning app may update), get, list annotations, list for a ref
 *   (`check_name`, `status`, `app_id`, `filter=latest|all` (default latest:
 *   newest per app and name), newest first) [checks/*];
 * - commit statuses: create (description <= 140 characters), list for a ref
 *   (newest first), combined status [repos/create-commit-status,
 *   repos/list-commit-statuses-for-ref, repos/get-combined-status-for-ref];
 * - issue comments: list (oldest first, `since`), get, create, update,
 *   delete; bodies over 65536 characters answer 422 [issues/*-comment(s)];
 * - git: create/get tag objects, get a commit (its parents), create/get/
 *   update/delete refs; creating an existing ref answers 422 "Reference
 *   already exists" [git/*];
 * - pulls: get (also as a unified diff with `Accept:
 *   application/vnd.github.diff`), list files (with `patch`, at most 3000),
 *   list (`state`, `head=owner:branch`, `base`), pulls for a commit,
 *   compare `base...head` (JSON or diff) [pulls/get, pulls/list-files,
 *   pulls/list, repos/list-pull-requests-associated-with-commit,
 *   repos/compare-commits-with-basehead];
 * - contents: base64 file (or raw with `application/vnd.github.raw`), or a
 *   directory listing, 404 when missing [repos/get-content];
 * - actions: workflow run, its artifacts (`name` filter), artifact download:
 *   302 to a URL on the same server that serves the zip for
 *   `downloadUrlTtlMs` (then 403, like the storage host); an expired
 *   artifact answers 410 [actions/get-workflow-run,
 *   actions/list-workflow-run-artifacts, actions/download-artifact];
 * - app: installation token (JWT auth), repository installation (JWT auth),
 *   the app itself, the repository, rate limit [apps/*, repos/get,
 *   rate-limit/get].
 * Anything else GitHub has answers 501 and is recorded as an `unsupported`
 * violation.
 *
 * Lists are paginated like GitHub (`per_page` default 30, at most 100,
 * `page`, `Link` with next/last/prev/first). Ids increase per kind. Every
 * answer carries `x-ratelimit-limit/remaining/reset/used/resource`; GET
 * answers carry an ETag, and `If-None-Match` with it answers 304, which is
 * not counted in `fake.rateLimited` (nor is `GET /rate_limit`). When the
 * limit runs out (`state.setRateLimit({ remaining: 0 })`), requests answer
 * 403 "API rate limit exceeded".
 *
 * Authentication: any `Authorization: token|Bearer <x>` is accepted, but the
 * app endpoints want a JWT whose `iss` is the app id, and other endpoints
 * refuse a JWT (401 either way). Without a header: 401.
 *
 * Seeding (`fake.state`): addRepo({ owner, repo, defaultBranch, headSha }),
 * addPull({ number, headSha, baseSha, headRef, baseRef, headRepoFullName,
 * files: [{ filename, status, patch }] }), addIssue(n), addFile(ref, path,
 * content), addRun({ id, headSha, headBranch, event, pullRequests }),
 * addArtifact(runId, name, zip, { expired }), addComment(n, { body, user }),
 * addCheckRun({ headSha, name, app }) (another app's check run),
 * addCompare({ base, head, files }), addCommit(sha, parents) (a known
 * commit without one is a root commit), setRef('refs/tags/v1', sha),
 * setPermissions({ checks: 'read', ... }) or readOnly() (a fork pull
 * request's token: writes answer 403 "Resource not accessible by
 * integration"), setRateLimit({ remaining }), expireDownloadUrls().
 * Methods taking `repo?: 'owner/name'` default to the first repository.
 *
 * Inspectors (copies): checkRuns(sha?), annotations(checkRunId),
 * comments(n), statuses(sha), tags(), refs(), pulls().
 *
 * Faults: `fake.fail({ method?, path?: RegExp, times = 1, status = 502,
 * headers?, body?, performed?, hang? })` returns a handle with `hits` and
 * `remaining`. `performed: true` does the work then answers the error (GitHub
 * did it, the client saw a 502); `hang: true` never answers (until the client
 * gives up or `close()`). Typical: `{ status: 403, headers: { 'retry-after':
 * '60' }, body: { message: 'You have exceeded a secondary rate limit' } }`,
 * `{ status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': ... } }`.
 *
 * `fake.reset()` forgets calls, violations, rules and state (the `repos`
 * option is seeded again); `fake.close()` stops the server.
 *
 * ## nock: nock.ts (import it directly: importing nock starts intercepting)
 *
 * installOpenApiValidation() / validateNockRequests(scope) collect requests
 * GitHub would refuse (`assertValid()` throws with the list);
 * githubReply(status, body) answers 422 to an invalid request.
 *
 * ## Webhooks: webhooks.ts
 *
 * examplePayload(event, action?, overrides?) is a real payload from
 * `@octokit/webhooks-examples` deep-merged with `overrides`;
 * signWebhook(secret, body) is the `X-Hub-Signature-256` value;
 * sendWebhook(url, { event, payload, secret, deliveryId? }) posts it with
 * GitHub's headers.
 */
export { findGitHubOperation, openApiPath, validateGitHubRequest, validateGitHubResponse } from './openapi.js';
export type { GitHubOperation, GitHubRequest, GitHubRequestValidation, GitHubResponseValidation, ValidateOptions } from './openapi.js';
export { startFakeGitHub } from './fake-server.js';
export type { FailHandle, FailRule, FakeGitHub, FakeGitHubOptions, RecordedCall, Violation } from './fake-server.js';
export { FakeGitHubState, PERMISSION_NAMES } from './state.js';
export type { CheckRunSeed, CommentSeed, CompareSeed, Permission, PermissionName, Permissions, PullSeed, RepoSeed, RunSeed } from './state.js';
export type { AnnotationRecord, AppIdentity, ArtifactRecord, CheckRunRecord, CommentRecord, FileChange, PullRecord, RunRecord, StatusRecord, TagRecord } from './shapes.js';
export { deepMerge, examplePayload, exampleEvents, sendWebhook, signWebhook } from './webhooks.js';
export type { WebhookDelivery, WebhookResponse } from './webhooks.js';
