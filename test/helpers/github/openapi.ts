/**
 * Checks HTTP requests (and the fake server's own answers) against GitHub's
 * official REST description, `@octokit/openapi`'s api.github.com.json
 * (OpenAPI 3.0.3).
 *
 * - The 13 MB description is read once per process, on first use. Its OpenAPI
 *   `nullable` is rewritten to JSON Schema (`type: [t, 'null']`, or
 *   `anyOf [.., {type: 'null'}]` when there is no `type`), and
 *   `components.schemas` is registered with ajv as one document, so the
 *   description's `$ref`s resolve as written.
 * - Validators are compiled per operation on first use and cached: path
 *   parameters, query parameters, the JSON request body, and the JSON answer
 *   for one status code. ajv runs with strict mode off (the description uses
 *   `example`, `x-*`, `discriminator`...) and with ajv-formats, so `date-time`,
 *   `uri`, `email`, `int64` are checked, and the description's own limits
 *   (annotations `maxItems: 50`, `output.summary` `maxLength: 65535`...) hold.
 * - An operation is found by method and path template. Parameters the
 *   description marks `x-multi-segment` (`ref`, `path`, `basehead`, `sha`...)
 *   may span several segments; when several templates match, the one with the
 *   most literal segments wins.
 *
 * Stricter than GitHub, on purpose (both can be turned off per call): a query
 * parameter the operation does not declare, and a body property its schema
 * does not declare, are errors. GitHub silently ignores both, which is how a
 * typo (`detail_url`, `per-page`) ships unnoticed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

export interface GitHubRequest {
  method: string;
  /** Path and query string, e.g. `/repos/o/r/check-runs?per_page=100`; a full URL is accepted too. */
  url: string;
  headers?: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON, or the raw text / bytes of the body. */
  body?: unknown;
}

export interface ValidateOptions {
  /** `'error'` (default): a query parameter the operation does not declare is an error. */
  unknownQuery?: 'error' | 'ignore';
  /** `'error'` (default): a body property the schema does not declare is an error. */
  unknownBodyProperties?: 'error' | 'ignore';
}

export interface GitHubOperation {
  operationId: string;
  method: string;
  /** e.g. `/repos/{owner}/{repo}/check-runs/{check_run_id}` */
  pathTemplate: string;
  /** Decoded path parameters, as strings. */
  pathParams: Record<string, string>;
  /** The operation's page in GitHub's REST documentation. */
  documentationUrl: string | undefined;
}

export type GitHubRequestValidation =
  | ({ ok: true } & GitHubOperation)
  | { ok: false; errors: string[]; operation?: GitHubOperation };

export type GitHubResponseValidation = { ok: true } | { ok: false; errors: string[] };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  'x-multi-segment'?: boolean;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> } | { $ref: string }>;
  externalDocs?: { url?: string };
}

interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter>; responses: Record<string, unknown> };
}

interface Route {
  template: string;
  regex: RegExp;
  names: string[];
  /** Higher wins: literal segments count most, then plain parameters. */
  score: number;
  /** The last segment is a multi-segment parameter that may be empty. */
  optionalTail: boolean;
  methods: Record<string, Operation>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);
const DOC_ID = 'github-rest';

let loaded: { spec: Spec; routes: Route[]; ajv: Ajv } | undefined;
const validators = new Map<string, ValidateFunction | null>();

/** The spec file's location, resolved through Node's module resolution. */
export function openApiPath(): string {
  return createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
}

function load(): { spec: Spec; routes: Route[]; ajv: Ajv } {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(openApiPath(), 'utf8')) as Spec;
  convertNullable(spec.components.schemas);
  convertNullable(spec.paths);
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, verbose: true });
  const addFormats = addFormatsModule as unknown as { default?: (a: Ajv) => Ajv } & ((a: Ajv) => Ajv);
  (addFormats.default ?? addFormats)(ajv);
  ajv.addSchema({ $id: DOC_ID, components: { schemas: spec.components.schemas } });
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const methods: Record<string, Operation> = {};
    for (const [m, op] of Object.entries(item)) if (HTTP_METHODS.has(m)) methods[m] = op;
    routes.push(buildRoute(spec, template, methods));
  }
  loaded = { spec, routes, ajv };
  return loaded;
}

/** OpenAPI 3.0 `nullable: true` as JSON Schema, in place. */
function convertNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) convertNullable(n);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Schema;
  for (const v of Object.values(o)) convertNullable(v);
  if (o.nullable !== true) return;
  delete o.nullable;
  if (typeof o.type === 'string') {
    o.type = [o.type, 'null'];
    if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
    return;
  }
  const rest: Schema = {};
  for (const k of Object.keys(o)) {
    if (k === 'description' || k === 'title' || k === 'example') continue;
    rest[k] = o[k];
    delete o[k];
  }
  o.anyOf = [rest, { type: 'null' }];
}

function resolveParam(spec: Spec, p: Parameter | { $ref: string }): Parameter {
  if ('$ref' in p) {
    const name = p.$ref.replace('#/components/parameters/', '');
    const found = spec.components.parameters[name];
    if (!found) throw new Error(`OpenAPI description: unresolved parameter ${p.$ref}`);
    return found;
  }
  return p;
}

function buildRoute(spec: Spec, template: string, methods: Record<string, Operation>): Route {
  const multi = new Set<string>();
  for (const op of Object.values(methods)) {
    for (const p of op.parameters ?? []) {
      const param = resolveParam(spec, p);
      if (param.in === 'path' && param['x-multi-segment']) multi.add(param.name);
    }
  }
  const names: string[] = [];
  let score = 0;
  let source = '^';
  let optionalTail = false;
  const segments = template.split('/').slice(1);
  segments.forEach((seg, i) => {
    const whole = /^\{([^}]+)\}$/.exec(seg);
    if (whole) {
      const name = whole[1] as string;
      names.push(name);
      if (!multi.has(name)) {
        score += 10;
        source += '/([^/]+)';
      } else if (i === segments.length - 1) {
        // A trailing multi-segment parameter may be empty (`GET /repos/o/r/contents/` lists the root).
        score += 1;
        optionalTail = true;
        source += '(?:/(.*))?';
      } else {
        score += 1;
        source += '/(.+?)';
      }
    } else if (seg.includes('{')) {
      // Scores nothing, so `{base}...{head}` loses to `{basehead}`, the same URL under GitHub's current name.
      source += `/${seg
        .split(/(\{[^}]+\})/)
        .map((piece) => {
          const m = /^\{([^}]+)\}$/.exec(piece);
          if (!m) return escapeRegex(piece);
          names.push(m[1] as string);
          return '([^/]+?)';
        })
        .join('')}`;
    } else {
      score += 100;
      source += `/${escapeRegex(seg)}`;
    }
  });
  source += '$';
  return { template, regex: new RegExp(source), names, score, optionalTail, methods };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function splitUrl(url: string): { pathname: string; search: URLSearchParams } {
  const u = new URL(url, 'http://github.invalid');
  return { pathname: u.pathname.replace(/\/+$/, '') || '/', search: u.searchParams };
}

/** Shows a path that matches no template, naming owner and repo as GitHub's templates do. */
function displayPath(pathname: string): string {
  return pathname.replace(/^\/repos\/[^/]+\/[^/]+/, '/repos/{owner}/{repo}');
}

/**
 * Finds the operation for a method and path (query string ignored).
 * Returns an error text when GitHub has no such endpoint or method.
 */
export function findGitHubOperation(method: string, url: string): GitHubOperation | { error: string } {
  const { routes } = load();
  const { pathname } = splitUrl(url);
  const m = method.toLowerCase();
  let best: { route: Route; match: RegExpExecArray; score: number } | undefined;
  const pathOnly: Route[] = [];
  for (const route of routes) {
    const match = route.regex.exec(pathname);
    if (!match) continue;
    if (!route.methods[m]) {
      pathOnly.push(route);
      continue;
    }
    // A trailing multi-segment parameter left empty ranks below the template without it (`/branches` vs `/branches/{branch}`).
    const score = route.score - (route.optionalTail && !match[match.length - 1] ? 2 : 0);
    if (!best || score > best.score) best = { route, match, score };
  }
  if (!best) {
    if (pathOnly.length > 0) {
      const allowed = [...new Set(pathOnly.flatMap((r) => Object.keys(r.methods)))].map((x) => x.toUpperCase());
      const tpl = pathOnly.sort((a, b) => b.score - a.score)[0]?.template ?? pathname;
      return { error: `GitHub has no ${method.toUpperCase()} ${tpl} (it has ${allowed.sort().join(', ')})` };
    }
    return { error: `GitHub has no ${method.toUpperCase()} ${displayPath(pathname)}` };
  }
  const op = best.route.methods[m] as Operation;
  const pathParams: Record<string, string> = {};
  best.route.names.forEach((name, i) => {
    const raw = best.match[i + 1] ?? '';
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Left as sent; the parameter check reports it.
    }
    pathParams[name] = value;
  });
  return {
    operationId: op.operationId,
    method: m.toUpperCase(),
    pathTemplate: best.route.template,
    pathParams,
    documentationUrl: op.externalDocs?.url,
  };
}

function operationOf(found: GitHubOperation): Operation {
  const { spec } = load();
  return spec.paths[found.pathTemplate]?.[found.method.toLowerCase()] as Operation;
}

/** Deep copy with `#/components/...` references pointing into the registered document. */
function anchored(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema as Schema)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : anchored(v);
  }
  return out;
}

function validator(key: string, schema: () => Schema | undefined): ValidateFunction | null {
  if (validators.has(key)) return validators.get(key) as ValidateFunction | null;
  const s = schema();
  const v = s ? load().ajv.compile(anchored(s) as Schema) : null;
  validators.set(key, v);
  return v;
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const at =
      where +
      e.instancePath.replace(/\/([^/]*)/g, (_m, seg: string) => {
        const s = seg.replace(/~1/g, '/').replace(/~0/g, '~');
        return /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
      });
    let text: string;
    if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      text = `${at} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (got ${JSON.stringify(e.data)})`;
    } else if (e.keyword === 'maxLength' || e.keyword === 'maxItems') {
      const size = Array.isArray(e.data) ? e.data.length : typeof e.data === 'string' ? e.data.length : '?';
      text = `${at} ${e.message ?? e.keyword} (it has ${size})`;
    } else {
      text = `${at} ${e.message ?? e.keyword}`;
    }
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

function deref(schema: unknown): Schema | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  let s = schema as Schema;
  for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
    const name = (s.$ref as string).replace(/^(github-rest)?#\/components\/schemas\//, '');
    const next = load().spec.components.schemas[name];
    if (!next) return undefined;
    s = next;
  }
  return s;
}

/** Properties GitHub would silently ignore: not declared by an object schema that lists its properties. */
function unknownProperties(schemaIn: unknown, value: unknown, at: string, out: string[]): void {
  const schema = deref(schemaIn);
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => unknownProperties(schema.items, v, `${at}[${i}]`, out));
    return;
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) return;
  const branches = [schema, ...(['allOf', 'anyOf', 'oneOf'] as const).flatMap((k) => (Array.isArray(schema[k]) ? (schema[k] as unknown[]) : []))];
  const known = new Map<string, unknown>();
  for (const b of branches) {
    const d = deref(b);
    const props = d?.properties as Record<string, unknown> | undefined;
    if (props) for (const [k, v] of Object.entries(props)) if (!known.has(k)) known.set(k, v);
  }
  if (known.size === 0) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!known.has(k)) out.push(`${at}.${k} is not a property GitHub knows (GitHub would ignore it)`);
    else unknownProperties(known.get(k), v, `${at}.${k}`, out);
  }
}

function coerce(schemaIn: Schema | undefined, values: string[]): unknown {
  const schema = deref(schemaIn) ?? {};
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  if (type === 'array') {
    const items = values.flatMap((v) => v.split(','));
    return items.map((v) => coerce(deref(schema.items) ?? {}, [v]));
  }
  const v = values[values.length - 1] as string;
  if (type === 'integer' && /^-?\d+$/.test(v)) return Number(v);
  if (type === 'number' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

function headerValue(headers: GitHubRequest['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(', ') : v === undefined ? undefined : String(v);
  }
  return undefined;
}

function parseBody(body: unknown): { present: boolean; value?: unknown; error?: string } {
  if (body === undefined || body === null) return { present: false };
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  if (text === undefined) return { present: true, value: body };
  if (text.trim() === '') return { present: false };
  try {
    return { present: true, value: JSON.parse(text) as Json };
  } catch (e) {
    return { present: true, error: `body is not JSON: ${(e as Error).message}` };
  }
}

/**
 * Validates one request against the description. `ok: true` names the
 * operation; `ok: false` lists every problem found, one sentence each.
 */
export function validateGitHubRequest(req: GitHubRequest, opts: ValidateOptions = {}): GitHubRequestValidation {
  const found = findGitHubOperation(req.method, req.url);
  if ('error' in found) return { ok: false, errors: [found.error] };
  const { spec } = load();
  const op = operationOf(found);
  const key = `${found.method} ${found.pathTemplate}`;
  const errors: string[] = [];
  const params = (op.parameters ?? []).map((p) => resolveParam(spec, p));

  // Path parameters.
  for (const p of params.filter((x) => x.in === 'path')) {
    const raw = found.pathParams[p.name];
    if (raw === undefined || (raw === '' && !p['x-multi-segment'])) {
      errors.push(`path parameter ${p.name} is missing`);
      continue;
    }
    const v = validator(`${key} path ${p.name}`, () => p.schema);
    if (v && !v(coerce(p.schema, [raw]))) errors.push(...formatErrors(`path parameter ${p.name}`, v.errors));
  }

  // Query parameters.
  const { search } = splitUrl(req.url);
  const declared = new Map(params.filter((x) => x.in === 'query').map((x) => [x.name, x]));
  for (const name of new Set(search.keys())) {
    const p = declared.get(name) ?? declared.get(name.replace(/\[\]$/, ''));
    if (!p) {
      if (opts.unknownQuery !== 'ignore') {
        const names = [...declared.keys()];
        errors.push(`query parameter ${name} is not one ${key} accepts (${names.length ? names.join(', ') : 'it takes none'})`);
      }
      continue;
    }
    const v = validator(`${key} query ${p.name}`, () => p.schema);
    if (v && !v(coerce(p.schema, search.getAll(name)))) errors.push(...formatErrors(`query parameter ${name}`, v.errors));
  }
  for (const p of declared.values()) {
    if (p.required && !search.has(p.name)) errors.push(`query parameter ${p.name} is required`);
  }

  // Body.
  const body = parseBody(req.body);
  const json = op.requestBody?.content['application/json'];
  if (body.error) errors.push(body.error);
  else if (!op.requestBody) {
    if (body.present) errors.push(`${key} takes no request body`);
  } else if (!body.present) {
    if (op.requestBody.required) errors.push(`${key} requires a JSON body`);
  } else if (json?.schema) {
    const contentType = headerValue(req.headers, 'content-type');
    if (contentType !== undefined && !/json/i.test(contentType)) errors.push(`content-type ${contentType} is not JSON`);
    const v = validator(`${key} body`, () => json.schema);
    if (v && !v(body.value)) errors.push(...formatErrors('body', v.errors));
    if (opts.unknownBodyProperties !== 'ignore') unknownProperties(json.schema, body.value, 'body', errors);
  }

  return errors.length === 0 ? { ok: true, ...found } : { ok: false, errors, operation: found };
}

/**
 * Validates a JSON answer against the schema the description gives for that
 * operation and status. Statuses the description does not document, and
 * answers it describes without a JSON schema, are accepted as they are.
 */
export function validateGitHubResponse(res: { method: string; url: string; status: number; body: unknown }): GitHubResponseValidation {
  const found = findGitHubOperation(res.method, res.url);
  if ('error' in found) return { ok: false, errors: [found.error] };
  const op = operationOf(found);
  const declared = op.responses[String(res.status)];
  if (!declared) return { ok: true };
  let resolved = declared;
  if ('$ref' in resolved) {
    const name = resolved.$ref.replace('#/components/responses/', '');
    resolved = load().spec.components.responses[name] as typeof resolved;
  }
  const schema = 'content' in resolved ? resolved.content?.['application/json']?.schema : undefined;
  if (!schema) return { ok: true };
  const v = validator(`${found.method} ${found.pathTemplate} response ${res.status}`, () => schema);
  if (!v || v(res.body)) return { ok: true };
  return { ok: false, errors: formatErrors(`${found.operationId} ${res.status} answer`, v.errors) };
}
