/**
 * GitHub REST validation for unit tests that mock GitHub with nock.
 *
 * Three ways, from the widest to the most local:
 *
 *   const v = installOpenApiValidation();           // every nock scope for api.github.com
 *   afterEach(() => v.assertValid());              // throws listing each invalid request
 *   afterAll(() => v.uninstall());
 *
 *   const v = validateNockRequests(scope);          // one scope
 *   ...; v.assertValid();
 *
 *   scope.post('/repos/o/r/check-runs').reply(githubReply(201, { id: 1 }));
 *   // answers 422 `Validation Failed` (as GitHub would) when the request is invalid,
 *   // so the code under test sees the failure the real API would give it.
 *
 * The first two listen to nock's per-scope `request` event (nock 14 emits
 * it with the request and its body before replying); `installOpenApiValidation`
 * does so for every scope by wrapping the scope prototype's `emit`, which
 * nock creates once. Paths are validated without the scope's base path, so a
 * GitHub Enterprise scope (`https://ghe.example/api/v3`) works too.
 */
import nock from 'nock';
import { validateGitHubRequest, type ValidateOptions } from './openapi.js';

export interface NockViolation {
  method: string;
  url: string;
  errors: string[];
}

export interface NockValidation {
  /** Requests that GitHub would refuse, in order. */
  violations: NockViolation[];
  /** Requests seen (valid or not). */
  checked: number;
  /** Throws an Error listing every violation, if any; then forgets them. */
  assertValid(): void;
}

export interface NockValidationOptions extends ValidateOptions {
  /** Which scopes to check, by base URL; default `api.github.com`. */
  host?: RegExp;
}

interface RequestLike {
  method?: string;
  path?: string;
  getHeaders?: () => Record<string, string | string[] | number | undefined>;
  headers?: Record<string, string>;
}

interface ScopeInternals {
  basePath?: unknown;
  basePathname?: string;
}

function collector(): NockValidation {
  const v: NockValidation = {
    violations: [],
    checked: 0,
    assertValid() {
      if (v.violations.length === 0) return;
      const text = v.violations.map((x) => `${x.method} ${x.url}\n  - ${x.errors.join('\n  - ')}`).join('\n');
      v.violations = [];
      throw new Error(`requests GitHub would refuse:\n${text}`);
    },
  };
  return v;
}

function check(v: NockValidation, scope: ScopeInternals, req: RequestLike, body: unknown, opts: ValidateOptions): void {
  const method = (req.method ?? 'GET').toUpperCase();
  let url = req.path ?? '/';
  const prefix = scope.basePathname ?? '';
  if (prefix && url.startsWith(prefix)) url = url.slice(prefix.length) || '/';
  const headers = req.getHeaders ? req.getHeaders() : req.headers;
  v.checked++;
  const r = validateGitHubRequest({ method, url, headers, body: body === '' ? undefined : body }, opts);
  if (!r.ok) v.violations.push({ method, url, errors: r.errors });
}

/** Validates every request the given scope intercepts. */
export function validateNockRequests(scope: nock.Scope, opts: ValidateOptions = {}): NockValidation {
  const v = collector();
  scope.on('request', (req: RequestLike, _interceptor: unknown, body: string) => check(v, scope as unknown as ScopeInternals, req, body, opts));
  return v;
}

let installed: { host: RegExp; v: NockValidation; opts: ValidateOptions } | undefined;
let originalEmit: ((this: unknown, event: string | symbol, ...args: unknown[]) => boolean) | undefined;

/** Validates every request intercepted by any nock scope whose base URL matches `host`. */
export function installOpenApiValidation(opts: NockValidationOptions = {}): NockValidation & { uninstall(): void } {
  const proto = Object.getPrototypeOf(nock('https://api.github.com')) as { emit: NonNullable<typeof originalEmit> };
  const { host = /(^|\/\/)api\.github\.com(:\d+)?$/, ...validateOpts } = opts;
  const v = collector();
  installed = { host, v, opts: validateOpts };
  if (!originalEmit) {
    const emit = proto.emit;
    originalEmit = emit;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      const scope = this as ScopeInternals;
      if (event === 'request' && installed && installed.host.test(String(scope.basePath ?? ''))) {
        check(installed.v, scope, args[0] as RequestLike, args[2], installed.opts);
      }
      return emit.call(this, event, ...args);
    };
  }
  return Object.assign(v, {
    uninstall() {
      if (originalEmit) proto.emit = originalEmit;
      originalEmit = undefined;
      installed = undefined;
    },
  });
}

/**
 * A nock reply function: the given answer when the request is valid, else
 * 422 `Validation Failed` with the problems, as GitHub answers.
 */
export function githubReply(
  status: number,
  body?: nock.Body,
  headers?: Record<string, string>,
  opts: ValidateOptions = {},
): (this: nock.ReplyFnContext, uri: string, requestBody: nock.Body) => nock.ReplyFnResult {
  return function (this: nock.ReplyFnContext, uri: string, requestBody: nock.Body): nock.ReplyFnResult {
    const r = validateGitHubRequest(
      { method: this.req.method ?? 'GET', url: uri, headers: this.req.headers, body: requestBody === '' ? undefined : requestBody },
      opts,
    );
    if (!r.ok) {
      return [422, { message: 'Validation Failed', errors: r.errors.map((message) => ({ resource: 'Request', code: 'invalid', message })), status: '422' }];
    }
    return [status, body ?? '', headers ?? {}];
  };
}
