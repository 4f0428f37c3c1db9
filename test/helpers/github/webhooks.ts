/**
 * Webhook deliveries as GitHub sends them: real payloads from
 * `@octokit/webhooks-examples` (api.github.com/index.json: one entry per
 * event, with `actions` and `examples`), the `X-Hub-Signature-256` HMAC, and
 * a POST over real HTTP with GitHub's delivery headers.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface WebhookDefinition {
  name: string;
  actions: string[];
  examples: Record<string, unknown>[];
}

let definitions: WebhookDefinition[] | undefined;

function load(): WebhookDefinition[] {
  if (!definitions) {
    const path = createRequire(import.meta.url).resolve('@octokit/webhooks-examples');
    definitions = JSON.parse(readFileSync(path, 'utf8')) as WebhookDefinition[];
  }
  return definitions;
}

/** Objects are merged key by key, recursively; arrays, scalars and null replace; undefined is skipped. */
export type DeepPartial<T> = T extends (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export function deepMerge<T>(target: T, overrides: unknown): T {
  if (!isPlainObject(overrides) || !isPlainObject(target)) return (overrides === undefined ? target : overrides) as T;
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : v;
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** The events and actions there are examples for. */
export function exampleEvents(): { event: string; actions: string[] }[] {
  return load().map((d) => ({
    event: d.name,
    actions: [...new Set(d.examples.map((e) => e.action).filter((a): a is string => typeof a === 'string'))],
  }));
}

/**
 * A deep copy of a real payload GitHub sent for `event` (and `action`, for
 * events that have one), with `overrides` merged in, e.g.
 *
 *   examplePayload('pull_request', 'opened', {
 *     repository: { name: 'widgets', full_name: 'acme/widgets', owner: { login: 'acme' } },
 *     pull_request: { number: 7, head: { sha: HEAD }, base: { sha: BASE } },
 *     installation: { id: 99 },
 *   })
 *
 * `index` picks among several examples for the same action (default the first).
 */
export function examplePayload<T = Record<string, unknown>>(event: string, action?: string, overrides?: DeepPartial<NoInfer<T>> | Record<string, unknown>, index = 0): T {
  const def = load().find((d) => d.name === event);
  if (!def) throw new Error(`no webhook examples for event "${event}" (there are: ${load().map((d) => d.name).join(', ')})`);
  const candidates = action === undefined ? def.examples : def.examples.filter((e) => e.action === action);
  const picked = candidates[index];
  if (!picked) {
    const actions = [...new Set(def.examples.map((e) => String(e.action)))].join(', ');
    throw new Error(`no webhook example ${index} for ${event}${action ? `.${action}` : ''} (examples exist for actions: ${actions})`);
  }
  return deepMerge(structuredClone(picked), overrides) as T;
}

/** The `X-Hub-Signature-256` header value for a delivery body. */
export function signWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookDelivery {
  event: string;
  /** An object (sent as JSON) or the exact body text. */
  payload: unknown;
  secret: string;
  /** `X-GitHub-Delivery`; default a random UUID. */
  deliveryId?: string;
  /** Replaces the computed signature (to test rejection). */
  signature?: string;
  headers?: Record<string, string>;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  deliveryId: string;
}

/**
 * POSTs a delivery over HTTP with GitHub's headers (`X-GitHub-Event`,
 * `X-GitHub-Delivery`, `X-GitHub-Hook-ID`, `X-Hub-Signature` (SHA-1) and
 * `X-Hub-Signature-256`). Only local URLs are accepted.
 */
export async function sendWebhook(url: string, d: WebhookDelivery): Promise<WebhookResponse> {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) throw new Error(`sendWebhook only posts to local servers, not ${host}`);
  const body = typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload);
  const deliveryId = d.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/fake',
    'x-github-event': d.event,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': '1',
    'x-hub-signature': `sha1=${createHmac('sha1', d.secret).update(body).digest('hex')}`,
    'x-hub-signature-256': d.signature ?? signWebhook(d.secret, body),
    ...d.headers,
  };
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: text, deliveryId };
}
