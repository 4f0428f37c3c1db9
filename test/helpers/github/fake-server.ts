/**
 * A fake GitHub REST API on a real HTTP server (node:http, 127.0.0.1, a free
 * port), with state in memory. See index.ts for the overview; this file holds
 * the request pipeline and the endpoint handlers.
 *
 * Pipeline, per request:
 *  1. recorded in `calls` (before anything else, so a hanging request shows);
 *  2. artifact download URLs (`/_artifacts/...`) and raw file URLs
 *     (`/_raw/...`) are served here: they stand for GitHub's storage hosts,
 *     not the API, so they are not validated or rate-limited;
 *  3. the request is checked against GitHub's REST description: a body that
 *     is not JSON answers 400, an unknown endpoint 404, any other problem 422
 *     `Validation Failed` with the problems in `errors`; all three are also
 *     recorded in `violations`;
 *  4. rate limit exhausted: 403 `API rate limit exceeded`;
 *  5. a matching `fail()` rule answers its error (after doing the work when
 *     `performed`, or never when `hang`);
 *  6. authentication: `Authorization: token|Bearer <x>` on every endpoint
 *     but `GET /rate_limit`; the app endpoints (`/app...`,
 *     `/repos/{o}/{r}/installation`) want the app's JWT instead (`iss` = app
 *     id, unexpired; the signature is not checked); 401 otherwise;
 *  7. permissions: a write to a resource the token may only read (see
 *     `state.setPermissions`) answers 403 `Resource not accessible by
 *     integration`, like GitHub;
 *  8. the handler; an endpoint GitHub has but this fake does not serve
 *     answers 501 and is recorded in `violations` as `unsupported`;
 *  9. answers carry `x-ratelimit-*` headers; a GET answer carries an ETag
 *     and a matching `If-None-Match` gets 304, which does not count against
 *     the rate limit (neither does `GET /rate_limit`); JSON answers of
 *     documented statuses are checked against the description too
 *     (`violations` kind `response`), so the fake stays honest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateGitHubRequest, validateGitHubResponse, type GitHubOperation, type ValidateOptions } from './openapi.js';
import {
  annotationObject,
  appObject,
  artifactObject,
  botUser,
  checkRunObject,
  commentObject,
  commitObject,
  contentDirEntry,
  contentFileObject,
  diffEntryObject,
  fakeSha,
  gitCommitObject,
  githubTime,
  installationObject,
  pullObject,
  refObject,
  repositoryObject,
  runObject,
  statusObject,
  tagObject,
  unifiedDiff,
  type AnnotationRecord,
  type AppIdentity,
  type CheckRunRecord,
  type FileChange,
  type PullRecord,
  type RepoRecord,
  type ShapeContext,
  type StatusRecord,
} from './shapes.js';
import { FakeGitHubState, isSha, type Permission, type PermissionName, type RepoSeed } from './state.js';

export interface FakeGitHubOptions {
  /** Repositories to add at start (and again after `reset()`). */
  repos?: RepoSeed[];
  /** The GitHub App the tokens belong to. Default `{ id: 4242, slug: 'sdlc-gatekeeper', name: 'SDLC Gatekeeper' }`. */
  app?: Partial<AppIdentity>;
  /** Clock in epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** Requests per hour. Default 5000. */
  rateLimit?: number;
  /** Lifetime of an artifact download URL. Default 60 000 ms (GitHub: one minute). */
  downloadUrlTtlMs?: number;
  /** Check the fake's own JSON answers against the description. Default true. */
  validateResponses?: boolean;
  /** Passed to validateGitHubRequest (unknown query parameters / body properties). */
  validation?: ValidateOptions;
  /** Require an Authorization header. Default true. */
  requireAuth?: boolean;
}

export interface RecordedCall {
  method: string;
  /** Path and query string as sent. */
  url: string;
  /** Path without the query string. */
  path: string;
  /** From GitHub's description; `fake/artifact-download` or `fake/raw` for the storage URLs; undefined for unknown endpoints. */
  operationId: string | undefined;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  /** Undefined while the request has no answer (a `hang` rule). */
  status: number | undefined;
  /** The parsed JSON request body, when there was one. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The JSON answer (or text of a text answer). */
  response: unknown;
  /** True when a `fail()` rule produced the answer. */
  injected: boolean;
  /** Whether the request counted against the rate limit. */
  counted: boolean;
}

export interface Violation {
  kind: 'request' | 'response' | 'unsupported';
  method: string;
  url: string;
  operationId: string | undefined;
  errors: string[];
}

export interface FailRule {
  method?: string;
  /** Tested against the path with its query string; a string is a regular expression source. */
  path?: RegExp | string;
  /** How many matching requests fail. Default 1; `Infinity` for all. */
  times?: number;
  /** Default 502. */
  status?: number;
  /** Extra answer headers (`retry-after`, `x-ratelimit-remaining`, `x-ratelimit-reset`...). */
  headers?: Record<string, string>;
  /** Answer body; default `{ message }` with the status's usual text. */
  body?: unknown;
  /** Do the request's work first, then answer the error ("GitHub performed it but the client saw a 502"). */
  performed?: boolean;
  /** Never answer (until `close()`); with `performed`, after doing the work. */
  hang?: boolean;
}

export interface FailHandle {
  readonly rule: FailRule;
  /** Requests this rule answered so far. */
  hits: number;
  /** Requests it will still answer. */
  remaining: number;
}

export interface FakeGitHub {
  /** Base URL, e.g. `http://127.0.0.1:40123`: pass as Octokit's `baseUrl`. */
  url: string;
  readonly state: FakeGitHubState;
  readonly calls: RecordedCall[];
  readonly violations: Violation[];
  /** Requests counted against the rate limit (304 answers and `GET /rate_limit` are not). */
  readonly rateLimited: number;
  /** The calls to one operation, e.g. `callsTo('checks/create')`. */
  callsTo(operationId: string): RecordedCall[];
  fail(rule: FailRule): FailHandle;
  /** Forget calls, violations, fail rules and all state (in place); re-add `opts.repos`. */
  reset(): void;
  /** Stops the server; hanging requests are cut. */
  close(): Promise<void>;
}

interface Answer {
  status: number;
  json?: unknown;
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Ctx {
  op: GitHubOperation;
  params: Record<string, string>;
  query: URLSearchParams;
  // Request bodies have been checked against the description before a handler runs.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: IncomingHttpHeaders;
  url: string;
  repo: RepoRecord;
}

type Handler = (ctx: Ctx) => Answer;

const DEFAULT_APP: AppIdentity = { id: 4242, slug: 'sdlc-gatekeeper', name: 'SDLC Gatekeeper' };

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Requires authentication',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  422: 'Validation Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
  504: 'We couldn’t respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.',
};

/** Which token permission each served operation needs; alternatives are any-of. */
const PERMISSIONS: Record<string, [PermissionName[], 'read' | 'write']> = {
  'checks/create': [['checks'], 'write'],
  'checks/update': [['checks'], 'write'],
  'checks/get': [['checks'], 'read'],
  'checks/list-annotations': [['checks'], 'read'],
  'checks/list-for-ref': [['checks'], 'read'],
  'repos/create-commit-status': [['statuses'], 'write'],
  'repos/list-commit-statuses-for-ref': [['statuses'], 'read'],
  'repos/get-combined-status-for-ref': [['statuses'], 'read'],
  'issues/list-comments': [['issues', 'pull_requests'], 'read'],
  'issues/get-comment': [['issues', 'pull_requests'], 'read'],
  'issues/create-comment': [['issues', 'pull_requests'], 'write'],
  'issues/update-comment': [['issues', 'pull_requests'], 'write'],
  'issues/delete-comment': [['issues', 'pull_requests'], 'write'],
  'git/create-tag': [['contents'], 'write'],
  'git/create-ref': [['contents'], 'write'],
  'git/update-ref': [['contents'], 'write'],
  'git/delete-ref': [['contents'], 'write'],
  'git/get-ref': [['contents'], 'read'],
  'git/get-tag': [['contents'], 'read'],
  'git/get-commit': [['contents'], 'read'],
  'repos/get-content': [['contents'], 'read'],
  'repos/compare-commits-with-basehead': [['contents'], 'read'],
  'pulls/get': [['pull_requests'], 'read'],
  'pulls/list': [['pull_requests'], 'read'],
  'pulls/list-files': [['pull_requests'], 'read'],
  'repos/list-pull-requests-associated-with-commit': [['pull_requests'], 'read'],
  'actions/get-workflow-run': [['actions'], 'read'],
  'actions/list-workflow-runs-for-repo': [['actions'], 'read'],
  'actions/list-workflow-run-artifacts': [['actions'], 'read'],
  'actions/download-artifact': [['actions'], 'read'],
  'repos/get': [['metadata'], 'read'],
};

/** Operations authenticated with the app's JWT rather than a token. */
const JWT_OPERATIONS = new Set(['apps/create-installation-access-token', 'apps/get-repo-installation', 'apps/get-authenticated']);
/** Operations that need no repository in the path. */
const NO_REPO_OPERATIONS = new Set(['apps/create-installation-access-token', 'apps/get-authenticated', 'rate-limit/get']);

const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2 };

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const app: AppIdentity = { ...DEFAULT_APP, ...opts.app };
  const now = opts.now ?? Date.now;
  const ttl = opts.downloadUrlTtlMs ?? 60_000;
  const validateResponses = opts.validateResponses ?? true;
  const requireAuth = opts.requireAuth ?? true;
  const calls: RecordedCall[] = [];
  const violations: Violation[] = [];
  let rules: FailHandle[] = [];
  let counted = 0;
  const state = new FakeGitHubState({ now, app, rateLimit: opts.rateLimit ?? 5000 });
  for (const r of opts.repos ?? []) state.addRepo(r);
  const fake = {
    url: '',
    state,
    calls,
    violations,
    get rateLimited() {
      return counted;
    },
    callsTo: (operationId: string) => calls.filter((c) => c.operationId === operationId),
    fail(rule: FailRule): FailHandle {
      const handle: FailHandle = { rule, hits: 0, remaining: rule.times ?? 1 };
      rules.push(handle);
      return handle;
    },
    reset() {
      calls.length = 0;
      violations.length = 0;
      rules = [];
      counted = 0;
      state.clear();
      for (const r of opts.repos ?? []) state.addRepo(r);
    },
    close: async () => {},
  };
  const ctxShape = (): ShapeContext => ({ api: fake.url, web: 'https://github.com' });
  const appOwner = () => fake.state.user('sdlc-org');

  const handlers = buildHandlers(() => fake.state, ctxShape, app, appOwner, now, ttl);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (e) {
        send(res, undefined, { status: 500, json: { message: `fake GitHub crashed: ${(e as Error).stack ?? String(e)}` } }, false);
      }
    });
  });

  function rateHeaders(): Record<string, string> {
    const r = fake.state.rateLimit;
    return {
      'x-ratelimit-limit': String(r.limit),
      'x-ratelimit-remaining': String(Math.max(0, r.remaining)),
      'x-ratelimit-reset': String(r.reset),
      'x-ratelimit-used': String(r.used),
      'x-ratelimit-resource': 'core',
    };
  }

  function send(res: ServerResponse, call: RecordedCall | undefined, a: Answer, isGet: boolean, ifNoneMatch?: string): void {
    let payload: Buffer;
    let contentType = a.contentType;
    if (a.raw !== undefined) payload = Buffer.isBuffer(a.raw) ? a.raw : Buffer.from(a.raw, 'utf8');
    else if (a.json !== undefined) {
      payload = Buffer.from(JSON.stringify(a.json), 'utf8');
      contentType ??= 'application/json; charset=utf-8';
    } else payload = Buffer.alloc(0);
    const headers: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
    };
    let status = a.status;
    if (isGet && status === 200) {
      const etag = `W/"${createHash('sha256').update(payload).digest('hex').slice(0, 40)}"`;
      headers.etag = etag;
      if (ifNoneMatch && ifNoneMatch.split(',').map((s) => s.trim()).includes(etag)) {
        status = 304;
        payload = Buffer.alloc(0);
        contentType = undefined;
      }
    }
    const isCounted = call !== undefined && call.operationId !== 'rate-limit/get' && status !== 304 && !call.operationId?.startsWith('fake/');
    if (isCounted) {
      counted++;
      fake.state.rateLimit.used++;
      fake.state.rateLimit.remaining--;
    }
    if (call && !call.operationId?.startsWith('fake/')) Object.assign(headers, rateHeaders());
    Object.assign(headers, a.headers);
    if (contentType) headers['content-type'] = contentType;
    if (status !== 304 && status !== 204) headers['content-length'] = String(payload.length);
    if (call) {
      call.status = status;
      call.counted = isCounted;
      call.response = status === 304 ? undefined : a.json !== undefined ? a.json : a.raw !== undefined && !Buffer.isBuffer(a.raw) ? a.raw : undefined;
    }
    res.writeHead(status, headers);
    res.end(status === 304 || status === 204 ? undefined : payload);
  }

  function errorAnswer(status: number, message: string, op?: GitHubOperation, extra: Record<string, unknown> = {}): Answer {
    return {
      status,
      json: {
        message,
        ...extra,
        documentation_url: op?.documentationUrl ?? 'https://docs.github.com/rest',
        status: String(status),
      },
    };
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const call: RecordedCall = {
      method,
      url,
      path,
      operationId: undefined,
      params: {},
      status: undefined,
      body: undefined,
      headers: req.headers,
      response: undefined,
      injected: false,
      counted: false,
    };
    calls.push(call);

    if (path.startsWith('/_artifacts/') || path.startsWith('/_raw/')) {
      call.operationId = path.startsWith('/_raw/') ? 'fake/raw' : 'fake/artifact-download';
      send(res, call, path.startsWith('/_raw/') ? serveRaw(path) : serveDownload(path), false);
      return;
    }

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
        call.body = body;
      } catch {
        violations.push({ kind: 'request', method, url, operationId: undefined, errors: ['body is not JSON'] });
        send(res, call, errorAnswer(400, 'Problems parsing JSON'), false);
        return;
      }
    }

    const v = validateGitHubRequest({ method, url, headers: req.headers as Record<string, string>, body }, opts.validation);
    const op = v.ok ? v : v.operation;
    call.operationId = op?.operationId;
    call.params = op?.pathParams ?? {};
    if (!v.ok) {
      violations.push({ kind: 'request', method, url, operationId: op?.operationId, errors: v.errors });
      if (!op) send(res, call, errorAnswer(404, 'Not Found', undefined, { errors: v.errors }), false);
      else send(res, call, errorAnswer(422, 'Validation Failed', op, { errors: v.errors.map((message) => ({ resource: 'Request', code: 'invalid', message })) }), false);
      return;
    }
    const opId = v.operationId;

    if (opId !== 'rate-limit/get' && fake.state.rateLimit.remaining <= 0) {
      send(res, call, errorAnswer(403, `API rate limit exceeded for installation ID ${fake.state.findRepo(v.pathParams.owner ?? '', v.pathParams.repo ?? '')?.installationId ?? 1}.`, v), false);
      return;
    }

    const rule = rules.find((r) => r.remaining > 0 && matches(r.rule, method, url));
    if (rule) {
      rule.hits++;
      rule.remaining--;
      call.injected = true;
      if (rule.rule.performed) serve(req, v, body, url);
      if (rule.rule.hang) return; // The response stays open until the client gives up or close() cuts it.
      const status = rule.rule.status ?? 502;
      const a: Answer =
        rule.rule.body !== undefined
          ? { status, json: rule.rule.body }
          : errorAnswer(status, STATUS_TEXT[status] ?? 'Error', v);
      a.headers = rule.rule.headers;
      send(res, call, a, false);
      return;
    }

    const answer = serve(req, v, body, url);
    if (validateResponses && answer.json !== undefined && answer.status < 300) {
      const rv = validateGitHubResponse({ method, url, status: answer.status, body: answer.json });
      if (!rv.ok) violations.push({ kind: 'response', method, url, operationId: opId, errors: rv.errors });
    }
    if (answer.status === 501) violations.push({ kind: 'unsupported', method, url, operationId: opId, errors: [`the fake does not serve ${opId}`] });
    send(res, call, answer, method === 'GET', headerOf(req.headers, 'if-none-match'));
  }

  /** Authentication, permission and the handler. */
  function serve(req: IncomingMessage, op: GitHubOperation, body: unknown, url: string): Answer {
    const opId = op.operationId;
    const auth = headerOf(req.headers, 'authorization');
    if (opId !== 'rate-limit/get' && requireAuth) {
      const problem = checkAuth(auth, JWT_OPERATIONS.has(opId));
      if (problem) return errorAnswer(401, problem, op);
    }
    const need = PERMISSIONS[opId];
    if (need) {
      const [names, level] = need;
      if (!names.some((n) => RANK[fake.state.permissionSet[n]] >= RANK[level])) {
        const a = errorAnswer(403, 'Resource not accessible by integration', op);
        a.headers = { 'x-accepted-github-permissions': names.map((n) => `${n}=${level}`).join('; ') };
        return a;
      }
    }
    const h = handlers[opId];
    if (!h) return errorAnswer(501, `The fake GitHub does not serve ${op.method} ${op.pathTemplate} (${opId})`, op);
    let repo: RepoRecord | undefined;
    if (!NO_REPO_OPERATIONS.has(opId)) {
      repo = fake.state.findRepo(op.pathParams.owner ?? '', op.pathParams.repo ?? '');
      if (!repo) return errorAnswer(404, 'Not Found', op);
    }
    const query = new URL(url, 'http://x').searchParams;
    return h({ op, params: op.pathParams, query, body, headers: req.headers, url, repo: repo as RepoRecord });
  }

  function checkAuth(auth: string | undefined, wantJwt: boolean): string | undefined {
    if (!auth) return 'Requires authentication';
    const m = /^(token|bearer)\s+(\S+)$/i.exec(auth);
    if (!m) return 'Bad credentials';
    const credential = m[2] as string;
    const jwt = decodeJwt(credential);
    if (wantJwt) {
      if (!jwt) return 'A JSON web token could not be decoded';
      if (String(jwt.iss) !== String(app.id)) return `'Issuer' claim ('iss') must be the app id ${app.id}`;
      if (typeof jwt.exp !== 'number' || jwt.exp * 1000 < now()) return "'Expiration time' claim ('exp') is in the past";
      return undefined;
    }
    if (jwt) return 'A JSON web token cannot be used here: use an installation access token';
    return undefined;
  }

  function serveDownload(path: string): Answer {
    const d = fake.state.downloads.get(path.slice('/_artifacts/'.length));
    if (!d) return { status: 404, raw: 'The specified resource does not exist.', contentType: 'text/plain' };
    if (d.expired || now() > d.expiresAt) {
      return {
        status: 403,
        contentType: 'application/xml',
        raw: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>The download URL has expired.</Message></Error>',
      };
    }
    const a = fake.state.artifactList.find((x) => x.id === d.artifactId);
    if (!a) return { status: 404, raw: 'The specified blob does not exist.', contentType: 'text/plain' };
    return { status: 200, raw: a.zip, contentType: 'application/zip' };
  }

  function serveRaw(path: string): Answer {
    const [, , owner = '', name = '', ref = '', ...rest] = path.split('/');
    const repo = fake.state.findRepo(owner, name);
    const content = repo ? findFile(fake.state, repo, decodeURIComponent(ref), rest.map(decodeURIComponent).join('/')) : undefined;
    if (!content || !Buffer.isBuffer(content)) return { status: 404, raw: '404: Not Found', contentType: 'text/plain' };
    return { status: 200, raw: content, contentType: 'text/plain; charset=utf-8' };
  }

  // Keep idle connections open longer than any client keeps them (undici: 4 s), so a
  // reused socket is never closed under the client on a loaded machine (ECONNRESET).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  return fake;
}

function matches(rule: FailRule, method: string, url: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (rule.path !== undefined) {
    const re = typeof rule.path === 'string' ? new RegExp(rule.path) : rule.path;
    if (!re.test(url)) return false;
  }
  return true;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function decodeJwt(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof header.alg !== 'string') return undefined;
    return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function wantsMedia(headers: IncomingHttpHeaders, kind: 'diff' | 'patch' | 'raw'): boolean {
  const accept = headerOf(headers, 'accept') ?? '';
  return new RegExp(`application/vnd\\.github(\\.v3)?\\.${kind}\\b`).test(accept);
}

/** Seeded file content for a ref, or the names under a directory. */
function findFile(state: FakeGitHubState, repo: RepoRecord, ref: string, path: string): Buffer | Map<string, { type: 'file' | 'dir'; size: number }> | undefined {
  const byRef = state.fileMap.get(repo.fullName.toLowerCase());
  if (!byRef) return undefined;
  const wanted = state.resolveRef(repo.fullName, ref);
  const trees = [...byRef.entries()].filter(([k]) => k === ref || (wanted !== undefined && state.resolveRef(repo.fullName, k) === wanted));
  for (const [, files] of trees) {
    const f = files.get(path);
    if (f) return f;
  }
  const dir = path === '' ? '' : `${path.replace(/\/+$/, '')}/`;
  const entries = new Map<string, { type: 'file' | 'dir'; size: number }>();
  for (const [, files] of trees) {
    for (const [p, content] of files) {
      if (!p.startsWith(dir)) continue;
      const rest = p.slice(dir.length);
      const slash = rest.indexOf('/');
      if (slash < 0) entries.set(p, { type: 'file', size: content.length });
      else entries.set(dir + rest.slice(0, slash), { type: 'dir', size: 0 });
    }
  }
  return entries.size > 0 ? entries : undefined;
}

function paginate<T>(ctx: Ctx, api: string, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string): string => {
    const u = new URL(ctx.url, api);
    u.searchParams.set('page', String(n));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length ? { link: links.join(', ') } : {} };
}

function buildHandlers(
  st: () => FakeGitHubState,
  shape: () => ShapeContext,
  app: AppIdentity,
  appOwner: () => ReturnType<FakeGitHubState['user']>,
  now: () => number,
  ttl: number,
): Record<string, Handler> {
  const err = (status: number, message: string, ctx: Ctx, extra: Record<string, unknown> = {}): Answer => ({
    status,
    json: { message, ...extra, documentation_url: ctx.op.documentationUrl ?? 'https://docs.github.com/rest', status: String(status) },
  });
  const notFound = (ctx: Ctx) => err(404, 'Not Found', ctx);
  const invalid = (ctx: Ctx, resource: string, field: string, message: string) =>
    err(422, 'Validation Failed', ctx, { errors: [{ resource, code: 'custom', field, message }] });
  const noCommit = (ctx: Ctx, sha: string) => err(422, `No commit found for SHA: ${sha}`, ctx);

  const checkRunJson = (r: CheckRunRecord, repo: RepoRecord) =>
    checkRunObject(shape(), r, repo, appOwner(), repo.createdAt, st().pullList.filter((p) => p.repo === repo.fullName));
  const findRun = (ctx: Ctx): CheckRunRecord | undefined =>
    st().checkRunList.find((c) => c.id === Number(ctx.params.check_run_id) && c.repo === ctx.repo.fullName);
  const headRepoOf = (p: PullRecord) => st().repo(p.headRepoFullName);

  function applyCheckRun(r: CheckRunRecord, b: Record<string, unknown>, ctx: Ctx): Answer | undefined {
    if (b.conclusion === 'stale') return invalid(ctx, 'CheckRun', 'conclusion', 'Only GitHub can set a check run conclusion to stale');
    if ((b.status === 'completed' || b.completed_at !== undefined) && b.conclusion === undefined && r.conclusion === null) {
      return invalid(ctx, 'CheckRun', 'conclusion', 'conclusion is required when status is completed or completed_at is given');
    }
    if (typeof b.name === 'string') r.name = b.name;
    if (typeof b.details_url === 'string') r.detailsUrl = b.details_url;
    if (typeof b.external_id === 'string') r.externalId = b.external_id;
    if (typeof b.started_at === 'string') r.startedAt = githubTime(Date.parse(b.started_at));
    if (typeof b.status === 'string') r.status = b.status as CheckRunRecord['status'];
    if (typeof b.conclusion === 'string') {
      r.conclusion = b.conclusion;
      r.status = 'completed';
    }
    if (r.status === 'completed') {
      r.completedAt = typeof b.completed_at === 'string' ? githubTime(Date.parse(b.completed_at)) : (r.completedAt ?? st().time());
    } else {
      r.conclusion = null;
      r.completedAt = null;
    }
    const output = b.output as { title: string; summary: string; text?: string; annotations?: AnnotationRecord[] } | undefined;
    if (output) {
      // Title, summary and text are replaced; annotations are appended, as on GitHub.
      r.output = { title: output.title, summary: output.summary, text: output.text ?? null };
      for (const a of output.annotations ?? []) r.annotations.push({ ...a });
    }
    return undefined;
  }

  function comparison(ctx: Ctx): { files: FileChange[]; base: string; head: string; aheadBy: number; behindBy: number } | undefined {
    const basehead = ctx.params.basehead ?? '';
    const sep = basehead.includes('...') ? '...' : '..';
    const i = basehead.indexOf(sep);
    if (i <= 0) return undefined;
    const base = basehead.slice(0, i);
    const head = basehead.slice(i + sep.length);
    const seeded = st().compareList.find((c) => c.repo === ctx.repo.fullName && c.base === base && c.head === head);
    if (seeded) return { files: seeded.files, base, head, aheadBy: seeded.aheadBy, behindBy: seeded.behindBy };
    const pull = st().pullList.find(
      (p) =>
        p.repo === ctx.repo.fullName &&
        (p.baseRef === base || p.baseSha === base) &&
        (p.headSha === head || p.headRef === head || `${headRepoOf(p).owner}:${p.headRef}` === head),
    );
    if (pull) return { files: pull.files, base: pull.baseSha, head: pull.headSha, aheadBy: 1, behindBy: 0 };
    const b = st().resolveRef(ctx.repo.fullName, base);
    const h = st().resolveRef(ctx.repo.fullName, head);
    if (b !== undefined && b === h) return { files: [], base: b, head: h, aheadBy: 0, behindBy: 0 };
    return undefined;
  }

  return {
    // ---- check runs ----
    'checks/create': (ctx) => {
      const b = ctx.body as Record<string, unknown>;
      const sha = b.head_sha as string;
      if (!isSha(sha)) return noCommit(ctx, sha);
      const t = st().time();
      const r: CheckRunRecord = {
        repo: ctx.repo.fullName,
        id: st().nextId('checkRun'),
        name: b.name as string,
        headSha: sha,
        status: 'queued',
        conclusion: null,
        detailsUrl: null,
        externalId: null,
        startedAt: t,
        completedAt: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
        app,
        checkSuiteId: st().checkSuiteId(ctx.repo.fullName, sha, app.id),
        updates: 0,
        // GitHub lists only pull requests whose head branch is in this repository.
        pullRequests: st()
          .pullsForSha(ctx.repo.fullName, sha)
          .filter((p) => p.headRepoFullName === ctx.repo.fullName)
          .map((p) => p.number),
      };
      const problem = applyCheckRun(r, b, ctx);
      if (problem) return problem;
      st().checkRunList.push(r);
      return { status: 201, json: checkRunJson(r, ctx.repo) };
    },
    'checks/update': (ctx) => {
      const r = findRun(ctx);
      if (!r) return notFound(ctx);
      if (r.app.id !== app.id) return err(403, 'Resource not accessible by integration', ctx);
      const copy = structuredClone(r);
      const problem = applyCheckRun(copy, ctx.body as Record<string, unknown>, ctx);
      if (problem) return problem;
      Object.assign(r, copy, { updates: r.updates + 1 });
      return { status: 200, json: checkRunJson(r, ctx.repo) };
    },
    'checks/get': (ctx) => {
      const r = findRun(ctx);
      return r ? { status: 200, json: checkRunJson(r, ctx.repo) } : notFound(ctx);
    },
    'checks/list-annotations': (ctx) => {
      const r = findRun(ctx);
      if (!r) return notFound(ctx);
      const p = paginate(ctx, shape().api, r.annotations);
      return { status: 200, json: p.items.map((a) => annotationObject(shape(), a, ctx.repo, r.headSha)), headers: p.headers };
    },
    'checks/list-for-ref': (ctx) => {
      const sha = st().resolveRef(ctx.repo.fullName, ctx.params.ref ?? '');
      if (!sha) return noCommit(ctx, ctx.params.ref ?? '');
      const q = ctx.query;
      let runs = st().checkRunList.filter((c) => c.repo === ctx.repo.fullName && c.headSha === sha);
      if (q.has('check_name')) runs = runs.filter((c) => c.name === q.get('check_name'));
      if (q.has('status')) runs = runs.filter((c) => c.status === q.get('status'));
      if (q.has('app_id')) runs = runs.filter((c) => c.app.id === Number(q.get('app_id')));
      runs = [...runs].sort((a, b) => b.id - a.id);
      if ((q.get('filter') ?? 'latest') === 'latest') {
        const seen = new Set<string>();
        runs = runs.filter((c) => {
          const k = `${c.app.id} ${c.name}`;
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
      }
      const p = paginate(ctx, shape().api, runs);
      return { status: 200, json: { total_count: runs.length, check_runs: p.items.map((c) => checkRunJson(c, ctx.repo)) }, headers: p.headers };
    },

    // ---- commit statuses ----
    'repos/create-commit-status': (ctx) => {
      const sha = ctx.params.sha ?? '';
      if (!isSha(sha)) return noCommit(ctx, sha);
      const b = ctx.body as { state: 'error' | 'failure' | 'pending' | 'success'; context?: string; description?: string | null; target_url?: string | null };
      if (typeof b.description === 'string' && b.description.length > 140) {
        return invalid(ctx, 'Status', 'description', 'description is too long (maximum is 140 characters)');
      }
      const t = st().time();
      const s = {
        repo: ctx.repo.fullName,
        id: st().nextId('status'),
        sha,
        state: b.state,
        context: b.context ?? 'default',
        description: b.description ?? null,
        targetUrl: b.target_url ?? null,
        createdAt: t,
        updatedAt: t,
        creator: botUser(app),
      };
      st().statusList.push(s);
      return { status: 201, json: statusObject(shape(), s, ctx.repo) };
    },
    'repos/list-commit-statuses-for-ref': (ctx) => {
      const sha = st().resolveRef(ctx.repo.fullName, ctx.params.ref ?? '');
      if (!sha) return notFound(ctx);
      const list = st()
        .statusList.filter((s) => s.repo === ctx.repo.fullName && s.sha === sha)
        .sort((a, b) => b.id - a.id);
      const p = paginate(ctx, shape().api, list);
      return { status: 200, json: p.items.map((s) => statusObject(shape(), s, ctx.repo)), headers: p.headers };
    },
    'repos/get-combined-status-for-ref': (ctx) => {
      const sha = st().resolveRef(ctx.repo.fullName, ctx.params.ref ?? '');
      if (!sha) return notFound(ctx);
      const latest = new Map<string, StatusRecord>();
      for (const s of st().statusList.filter((x) => x.repo === ctx.repo.fullName && x.sha === sha).sort((a, b) => b.id - a.id)) {
        if (!latest.has(s.context.toLowerCase())) latest.set(s.context.toLowerCase(), s);
      }
      const all = [...latest.values()];
      const state = all.some((s) => s.state === 'error' || s.state === 'failure')
        ? 'failure'
        : all.length === 0 || all.some((s) => s.state === 'pending')
          ? 'pending'
          : 'success';
      const p = paginate(ctx, shape().api, all);
      return {
        status: 200,
        json: {
          state,
          sha,
          total_count: all.length,
          statuses: p.items.map((s) => {
            const o = statusObject(shape(), s, ctx.repo);
            delete o.creator;
            return o;
          }),
          repository: repositoryObject(shape(), ctx.repo),
          commit_url: `${shape().api}/repos/${ctx.repo.fullName}/commits/${sha}`,
          url: `${shape().api}/repos/${ctx.repo.fullName}/commits/${sha}/status`,
        },
        headers: p.headers,
      };
    },

    // ---- issue comments ----
    'issues/list-comments': (ctx) => {
      const n = Number(ctx.params.issue_number);
      if (!st().issueNumbers.get(ctx.repo.fullName.toLowerCase())?.has(n)) return notFound(ctx);
      const since = ctx.query.get('since');
      const list = st().commentList.filter(
        (c) => c.repo === ctx.repo.fullName && c.issueNumber === n && (since === null || Date.parse(c.updatedAt) >= Date.parse(since)),
      );
      const p = paginate(ctx, shape().api, list);
      return { status: 200, json: p.items.map((c) => commentObject(shape(), c, ctx.repo, appOwner())), headers: p.headers };
    },
    'issues/get-comment': (ctx) => {
      const c = st().commentList.find((x) => x.repo === ctx.repo.fullName && x.id === Number(ctx.params.comment_id));
      return c ? { status: 200, json: commentObject(shape(), c, ctx.repo, appOwner()) } : notFound(ctx);
    },
    'issues/create-comment': (ctx) => {
      const n = Number(ctx.params.issue_number);
      if (!st().issueNumbers.get(ctx.repo.fullName.toLowerCase())?.has(n)) return notFound(ctx);
      const body = (ctx.body as { body: string }).body;
      if (body.length > 65536) return invalid(ctx, 'IssueComment', 'data', 'Body is too long (maximum is 65536 characters)');
      const t = st().time();
      const c = { repo: ctx.repo.fullName, id: st().nextId('comment'), issueNumber: n, body, user: botUser(app), createdAt: t, updatedAt: t, app };
      st().commentList.push(c);
      return { status: 201, json: commentObject(shape(), c, ctx.repo, appOwner()) };
    },
    'issues/update-comment': (ctx) => {
      const c = st().commentList.find((x) => x.repo === ctx.repo.fullName && x.id === Number(ctx.params.comment_id));
      if (!c) return notFound(ctx);
      const body = (ctx.body as { body: string }).body;
      if (body.length > 65536) return invalid(ctx, 'IssueComment', 'data', 'Body is too long (maximum is 65536 characters)');
      c.body = body;
      c.updatedAt = st().time();
      return { status: 200, json: commentObject(shape(), c, ctx.repo, appOwner()) };
    },
    'issues/delete-comment': (ctx) => {
      const list = st().commentList;
      const i = list.findIndex((x) => x.repo === ctx.repo.fullName && x.id === Number(ctx.params.comment_id));
      if (i < 0) return notFound(ctx);
      list.splice(i, 1);
      return { status: 204 };
    },

    // ---- git tags and refs ----
    'git/create-tag': (ctx) => {
      const b = ctx.body as { tag: string; message: string; object: string; type: 'commit' | 'tree' | 'blob'; tagger?: { name: string; email: string; date?: string } };
      if (!isSha(b.object)) return invalid(ctx, 'Tag', 'object', 'Object does not exist');
      const bot = botUser(app);
      const tagger = b.tagger
        ? { name: b.tagger.name, email: b.tagger.email, date: b.tagger.date ? githubTime(Date.parse(b.tagger.date)) : st().time() }
        : { name: bot.login, email: `${bot.id}+${bot.login}@users.noreply.github.com`, date: st().time() };
      const base = { tag: b.tag, message: b.message, object: { sha: b.object, type: b.type }, tagger };
      const t = { repo: ctx.repo.fullName, sha: st().tagSha(base), ...base };
      st().tagList.push(t);
      return { status: 201, json: tagObject(shape(), t, ctx.repo) };
    },
    'git/get-tag': (ctx) => {
      const t = st().tagList.find((x) => x.repo === ctx.repo.fullName && x.sha === ctx.params.tag_sha);
      return t ? { status: 200, json: tagObject(shape(), t, ctx.repo) } : notFound(ctx);
    },
    'git/create-ref': (ctx) => {
      const b = ctx.body as { ref: string; sha: string };
      if (!/^refs\/[^/]+\/.+/.test(b.ref)) return err(422, `${b.ref} is not a valid ref name.`, ctx);
      if (!isSha(b.sha)) return err(422, 'Object does not exist', ctx);
      const refs = st().refs0(ctx.repo.fullName);
      if (refs.has(b.ref)) return err(422, 'Reference already exists', ctx);
      refs.set(b.ref, b.sha);
      const type = st().tagList.some((t) => t.sha === b.sha) ? 'tag' : 'commit';
      return { status: 201, json: refObject(shape(), b.ref, b.sha, type, ctx.repo) };
    },
    'git/get-ref': (ctx) => {
      const ref = `refs/${ctx.params.ref ?? ''}`;
      const sha = st().refs0(ctx.repo.fullName).get(ref);
      if (sha === undefined) return notFound(ctx);
      const type = st().tagList.some((t) => t.sha === sha) ? 'tag' : 'commit';
      return { status: 200, json: refObject(shape(), ref, sha, type, ctx.repo) };
    },
    'git/update-ref': (ctx) => {
      const ref = `refs/${ctx.params.ref ?? ''}`;
      const refs = st().refs0(ctx.repo.fullName);
      if (!refs.has(ref)) return err(422, 'Reference does not exist', ctx);
      const sha = (ctx.body as { sha: string }).sha;
      if (!isSha(sha)) return err(422, 'Object does not exist', ctx);
      refs.set(ref, sha);
      const type = st().tagList.some((t) => t.sha === sha) ? 'tag' : 'commit';
      return { status: 200, json: refObject(shape(), ref, sha, type, ctx.repo) };
    },
    'git/delete-ref': (ctx) => {
      const ref = `refs/${ctx.params.ref ?? ''}`;
      if (!st().refs0(ctx.repo.fullName).delete(ref)) return err(422, 'Reference does not exist', ctx);
      return { status: 204 };
    },
    'git/get-commit': (ctx) => {
      const sha = ctx.params.commit_sha ?? '';
      const parents = st().commitParents(ctx.repo.fullName, sha);
      return parents ? { status: 200, json: gitCommitObject(shape(), ctx.repo, sha, parents, st().time()) } : notFound(ctx);
    },

    // ---- pull requests ----
    'pulls/get': (ctx) => {
      const p = st().pullList.find((x) => x.repo === ctx.repo.fullName && x.number === Number(ctx.params.pull_number));
      if (!p) return notFound(ctx);
      if (wantsMedia(ctx.headers, 'diff') || wantsMedia(ctx.headers, 'patch')) {
        return { status: 200, raw: unifiedDiff(p.files), contentType: 'application/vnd.github.diff; charset=utf-8' };
      }
      return { status: 200, json: pullObject(shape(), p, ctx.repo, headRepoOf(p), true) };
    },
    'pulls/list-files': (ctx) => {
      const p = st().pullList.find((x) => x.repo === ctx.repo.fullName && x.number === Number(ctx.params.pull_number));
      if (!p) return notFound(ctx);
      const page = paginate(ctx, shape().api, p.files.slice(0, 3000));
      return { status: 200, json: page.items.map((f) => diffEntryObject(shape(), f, ctx.repo, p.headSha)), headers: page.headers };
    },
    'pulls/list': (ctx) => {
      const q = ctx.query;
      const state = q.get('state') ?? 'open';
      let list = st().pullList.filter((p) => p.repo === ctx.repo.fullName && (state === 'all' || p.state === state));
      const head = q.get('head');
      if (head !== null) list = list.filter((p) => `${headRepoOf(p).owner}:${p.headRef}` === head);
      const base = q.get('base');
      if (base !== null) list = list.filter((p) => p.baseRef === base);
      list = [...list].sort((a, b) => (q.get('direction') === 'asc' ? a.number - b.number : b.number - a.number));
      const page = paginate(ctx, shape().api, list);
      return { status: 200, json: page.items.map((p) => pullObject(shape(), p, ctx.repo, headRepoOf(p), false)), headers: page.headers };
    },
    'repos/list-pull-requests-associated-with-commit': (ctx) => {
      const sha = ctx.params.commit_sha ?? '';
      const list = st()
        .pullList.filter((p) => p.repo === ctx.repo.fullName && (p.headSha === sha || p.mergeCommitSha === sha))
        .sort((a, b) => b.number - a.number);
      const page = paginate(ctx, shape().api, list);
      return { status: 200, json: page.items.map((p) => pullObject(shape(), p, ctx.repo, headRepoOf(p), false)), headers: page.headers };
    },
    'repos/compare-commits-with-basehead': (ctx) => {
      const c = comparison(ctx);
      if (!c) return notFound(ctx);
      if (wantsMedia(ctx.headers, 'diff') || wantsMedia(ctx.headers, 'patch')) {
        return { status: 200, raw: unifiedDiff(c.files), contentType: 'application/vnd.github.diff; charset=utf-8' };
      }
      const baseSha = st().resolveRef(ctx.repo.fullName, c.base) ?? fakeSha('commit', c.base);
      const headSha = st().resolveRef(ctx.repo.fullName, c.head) ?? fakeSha('commit', c.head);
      const t = st().time();
      const web = `https://github.com/${ctx.repo.fullName}/compare/${ctx.params.basehead}`;
      const status = c.aheadBy === 0 && c.behindBy === 0 ? 'identical' : c.behindBy === 0 ? 'ahead' : c.aheadBy === 0 ? 'behind' : 'diverged';
      return {
        status: 200,
        json: {
          url: `${shape().api}/repos/${ctx.repo.fullName}/compare/${ctx.params.basehead}`,
          html_url: web,
          permalink_url: `https://github.com/${ctx.repo.fullName}/compare/${baseSha.slice(0, 7)}...${headSha.slice(0, 7)}`,
          diff_url: `${web}.diff`,
          patch_url: `${web}.patch`,
          base_commit: commitObject(shape(), ctx.repo, baseSha, [], t),
          merge_base_commit: commitObject(shape(), ctx.repo, baseSha, [], t),
          status,
          ahead_by: c.aheadBy,
          behind_by: c.behindBy,
          total_commits: c.aheadBy,
          commits: c.aheadBy > 0 ? [commitObject(shape(), ctx.repo, headSha, [baseSha], t)] : [],
          files: c.files.map((f) => diffEntryObject(shape(), f, ctx.repo, headSha)),
        },
      };
    },

    // ---- contents ----
    'repos/get-content': (ctx) => {
      const ref = ctx.query.get('ref') ?? ctx.repo.defaultBranch;
      const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
      const found = findFile(st(), ctx.repo, ref, path);
      if (!found) return notFound(ctx);
      if (Buffer.isBuffer(found)) {
        if (wantsMedia(ctx.headers, 'raw')) return { status: 200, raw: found, contentType: 'text/plain; charset=utf-8' };
        return { status: 200, json: contentFileObject(shape(), ctx.repo, path, ref, found) };
      }
      const entries = [...found.entries()].sort(([a], [b]) => a.localeCompare(b));
      return { status: 200, json: entries.map(([p, e]) => contentDirEntry(shape(), ctx.repo, p, ref, e.type, e.size)) };
    },

    // ---- actions ----
    'actions/get-workflow-run': (ctx) => {
      const run = st().runList.find((r) => r.repo === ctx.repo.fullName && r.id === Number(ctx.params.run_id));
      if (!run) return notFound(ctx);
      const pulls = ctx.query.get('exclude_pull_requests') === 'true' ? [] : st().pullList.filter((p) => p.repo === ctx.repo.fullName && run.pullRequests.includes(p.number));
      return { status: 200, json: runObject(shape(), run, ctx.repo, st().repo(run.headRepoFullName), pulls) };
    },
    'actions/list-workflow-runs-for-repo': (ctx) => {
      const q = (k: string) => ctx.query.get(k);
      const list = st()
        .runList.filter(
          (r) =>
            r.repo === ctx.repo.fullName &&
            (q('head_sha') === null || r.headSha === q('head_sha')) &&
            (q('branch') === null || r.headBranch === q('branch')) &&
            (q('event') === null || r.event === q('event')) &&
            (q('status') === null || r.status === q('status') || r.conclusion === q('status')),
        )
        .sort((a, b) => b.id - a.id);
      const page = paginate(ctx, shape().api, list);
      return {
        status: 200,
        json: {
          total_count: list.length,
          workflow_runs: page.items.map((run) => {
            const pulls = st().pullList.filter((p) => p.repo === ctx.repo.fullName && run.pullRequests.includes(p.number));
            return runObject(shape(), run, ctx.repo, st().repo(run.headRepoFullName), pulls);
          }),
        },
        headers: page.headers,
      };
    },
    'actions/list-workflow-run-artifacts': (ctx) => {
      const run = st().runList.find((r) => r.repo === ctx.repo.fullName && r.id === Number(ctx.params.run_id));
      if (!run) return notFound(ctx);
      const name = ctx.query.get('name');
      const list = st()
        .artifactList.filter((a) => a.repo === ctx.repo.fullName && a.runId === run.id && (name === null || a.name === name))
        .sort((a, b) => (ctx.query.get('direction') === 'asc' ? a.id - b.id : b.id - a.id));
      const page = paginate(ctx, shape().api, list);
      const headRepo = st().repo(run.headRepoFullName);
      return {
        status: 200,
        json: { total_count: list.length, artifacts: page.items.map((a) => artifactObject(shape(), a, ctx.repo, run, headRepo)) },
        headers: page.headers,
      };
    },
    'actions/download-artifact': (ctx) => {
      const a = st().artifactList.find((x) => x.repo === ctx.repo.fullName && x.id === Number(ctx.params.artifact_id));
      if (!a || ctx.params.archive_format !== 'zip') return notFound(ctx);
      if (a.expired) return err(410, 'Artifact has expired', ctx);
      const token = randomBytes(16).toString('hex');
      st().downloads.set(token, { token, artifactId: a.id, repo: a.repo, expiresAt: now() + ttl, expired: false });
      return { status: 302, headers: { location: `${shape().api}/_artifacts/${token}` } };
    },

    // ---- app, installation, repository, rate limit ----
    'apps/get-authenticated': () => ({ status: 200, json: appObject(shape(), app, appOwner(), githubTime(0)) }),
    'apps/get-repo-installation': (ctx) => ({
      status: 200,
      json: installationObject(shape(), ctx.repo, app, { ...st().permissionSet }),
    }),
    'apps/create-installation-access-token': (ctx) => {
      const id = Number(ctx.params.installation_id);
      if (![...st().repos.values()].some((r) => r.installationId === id)) return notFound(ctx);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      const token = `ghs_${[...randomBytes(36)].map((b) => alphabet[b % alphabet.length]).join('')}`;
      st().issuedTokens.push(token);
      const requested = (ctx.body as { permissions?: Record<string, string> } | undefined)?.permissions;
      return {
        status: 201,
        json: {
          token,
          expires_at: githubTime(now() + 3600_000),
          permissions: requested ?? { ...st().permissionSet },
          repository_selection: 'all',
        },
      };
    },
    'repos/get': (ctx) => ({ status: 200, json: repositoryObject(shape(), ctx.repo) }),
    'rate-limit/get': () => {
      const r = st().rateLimit;
      const core = { limit: r.limit, remaining: Math.max(0, r.remaining), reset: r.reset, used: r.used };
      const other = (limit: number) => ({ limit, remaining: limit, reset: r.reset, used: 0 });
      return {
        status: 200,
        json: {
          resources: { core, search: other(30), graphql: other(5000), integration_manifest: other(5000), code_scanning_upload: other(1000) },
          rate: core,
        },
      };
    },
  };
}
