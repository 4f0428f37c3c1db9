/**
 * The App's HTTP server (node:http): webhooks in the web role, health and
 * metrics in every role.
 *
 *   POST /api/github/webhooks (WEBHOOK_PATH)   web role only
 *   GET  /healthz   liveness: 200 while the process serves requests
 *   GET  /readyz    readiness: 200, or 503 while draining or when the queue's
 *                   store (Redis, when configured) does not answer a PING
 *   GET  /metrics   Prometheus text (metrics.ts)
 *
 * A webhook is answered as soon as its job is enqueued (the handlers only
 * build and enqueue GateJobs; workers do the work), in this order, so that
 * each refusal costs as little as possible:
 *  1. 415 unless `Content-Type: application/json`; 400 when
 *     X-GitHub-Event, X-GitHub-Delivery or X-Hub-Signature-256 is missing
 *     (no body read);
 *  2. 413 when Content-Length, or the bytes actually sent, exceed
 *     `maxBodyBytes` (25 MiB, GitHub's cap on payloads): no HMAC is
 *     computed, the rest of the body is not read and the connection closes;
 *  3. 400 when the HMAC-SHA256 of the body with the webhook secret does not
 *     match X-Hub-Signature-256 (constant-time comparison); nothing runs;
 *  4. 200 `duplicate` for a delivery id seen before (dedupe.ts): no work;
 *  5. 400 when the body is not JSON;
 *  6. Probot's handlers (handlers.ts) run and enqueue: 202 when they
 *     succeeded, 500 when they threw (the delivery is forgotten by the
 *     de-duplication, so GitHub's redelivery is handled).
 * One log line per delivery carries its id, event, repository and SHA (and
 * the handlers' lines the job id).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Probot } from 'probot';
import type { JobQueue } from './jobs.js';
import type { AppMetrics, WebhookOutcome } from './metrics.js';
import type { DeliveryDeduper } from './queue/dedupe.js';

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

export interface ServerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface WebhookReceiver {
  /** Verified secret and handlers (Probot). */
  probot: Pick<Probot, 'receive'>;
  secret: string;
  dedupe: DeliveryDeduper;
  path?: string;
  maxBodyBytes?: number;
  /** Signature check; default HMAC-SHA256 (tests wrap it to count calls). */
  verify?: (secret: string, body: Buffer, signature: string) => boolean;
}

export interface AppServerOptions {
  metrics: AppMetrics;
  log: ServerLogger;
  /** Readiness of the queue (Redis reachable). */
  queue?: Pick<JobQueue, 'ready'>;
  /** Webhooks are served only when given (web role). */
  webhooks?: WebhookReceiver;
}

export interface AppServer {
  readonly server: Server;
  /** `http://host:port` once listening. */
  url: string;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** /readyz answers 503 from now on (the load balancer stops sending). */
  drain(): void;
  /** Stop accepting connections, let requests in flight finish (at most `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

/** Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with `secret`. */
export function verifySignature(secret: string, body: Buffer, signature: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * Answer 413 without reading the rest of the body. The answer is complete
 * (Content-Length) but the response is not ended, so Node does not read and
 * discard the rest of the body nor reset the connection under a client that
 * is still sending: the client reads the 413 and hangs up, or the connection
 * is cut after 10 s (a slow or loaded client still reads the answer first).
 */
function tooLarge(req: IncomingMessage, res: ServerResponse, max: number): void {
  const body = JSON.stringify({ error: `payload larger than ${max} bytes` });
  req.pause();
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', 'cache-control': 'no-store' });
  res.write(body);
  const timer = setTimeout(() => req.socket.destroy(), 10_000);
  req.socket.once('close', () => clearTimeout(timer));
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        reject(new TooLarge());
        return;
      }
      parts.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(parts, size)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

/** Repository and head SHA of a payload, for logs (best effort). */
export function payloadSummary(payload: unknown): { repository?: string; sha?: string; action?: string } {
  const p = (payload ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const sha =
    str((p.pull_request?.head as Record<string, unknown> | undefined)?.sha) ??
    str(p.workflow_run?.head_sha) ??
    str(p.check_run?.head_sha) ??
    str(p.check_suite?.head_sha) ??
    str((p as Record<string, unknown>).after);
  const repository = str(p.repository?.full_name);
  const action = str((p as Record<string, unknown>).action);
  return { ...(repository ? { repository } : {}), ...(sha ? { sha } : {}), ...(action ? { action } : {}) };
}

export function createAppServer(opts: AppServerOptions): AppServer {
  const { metrics, log } = opts;
  let draining = false;
  let url = '';
  const webhookPath = opts.webhooks?.path ?? DEFAULT_WEBHOOK_PATH;

  async function webhook(req: IncomingMessage, res: ServerResponse, w: WebhookReceiver): Promise<void> {
    const started = process.hrtime.bigint();
    const max = w.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
    const event = String(req.headers['x-github-event'] ?? '');
    const id = String(req.headers['x-github-delivery'] ?? '');
    const fields: Record<string, unknown> = { deliveryId: id || undefined, event: event || undefined };
    const done = (outcome: WebhookOutcome, status: number, body: unknown, extra: object = {}) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.webhook(event || 'none', outcome, seconds);
      const line = { ...fields, ...extra, status, outcome, ms: Math.round(seconds * 1e4) / 10 };
      if (status >= 500) log.error(line, 'webhook failed');
      else if (status >= 400) log.warn(line, 'webhook refused');
      else log.info(line, 'webhook');
    };

    const type = String(req.headers['content-type'] ?? '');
    if (!/^\s*application\/json\s*(?:;|$)/i.test(type)) {
      send(res, 415, { error: 'Content-Type must be application/json' }, { connection: 'close' });
      return done('unsupported_media', 415, null);
    }
    const signature = req.headers['x-hub-signature-256'];
    const missing = [['x-github-event', event], ['x-github-delivery', id], ['x-hub-signature-256', signature]].filter(([, v]) => !v).map(([h]) => h);
    if (missing.length > 0) {
      send(res, 400, { error: `missing headers: ${missing.join(', ')}` }, { connection: 'close' });
      return done('bad_request', 400, null, { missing });
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      tooLarge(req, res, max);
      return done('too_large', 413, null, { bytes: declared });
    }
    let body: Buffer;
    try {
      body = await readBody(req, max);
    } catch (err) {
      if (err instanceof TooLarge) {
        tooLarge(req, res, max);
        return done('too_large', 413, null);
      }
      return done('bad_request', 400, null, { err: (err as Error).message });
    }
    if (!(w.verify ?? verifySignature)(w.secret, body, String(signature))) {
      send(res, 400, { error: 'signature does not match the payload and secret' });
      return done('bad_signature', 400, null);
    }
    if (id.length > 200) {
      send(res, 400, { error: 'X-GitHub-Delivery is too long' });
      return done('bad_request', 400, null);
    }
    let status;
    try {
      status = await w.dedupe.dedupeDelivery(id);
    } catch (err) {
      send(res, 503, { error: 'delivery store unavailable' });
      return done('error', 503, null, { err: (err as Error).message });
    }
    if (status === 'duplicate') {
      send(res, 200, { duplicate: true });
      return done('duplicate', 200, null);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      await w.dedupe.forgetDelivery(id).catch(() => {});
      send(res, 400, { error: 'payload is not JSON' });
      return done('bad_request', 400, null);
    }
    Object.assign(fields, payloadSummary(payload));
    try {
      await w.probot.receive({ id, name: event, payload } as never);
    } catch (err) {
      await w.dedupe.forgetDelivery(id).catch(() => {});
      send(res, 500, { error: 'the delivery could not be handled; redeliver it' });
      return done('error', 500, null, { err: (err as Error).message });
    }
    send(res, 202, { accepted: true });
    return done('accepted', 202, null);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/healthz') return send(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        if (draining) return send(res, 503, { status: 'draining' });
        const ok = opts.queue ? await opts.queue.ready().catch(() => false) : true;
        return ok ? send(res, 200, { status: 'ready' }) : send(res, 503, { status: 'queue store unreachable' });
      }
      if (path === '/metrics') {
        const text = await metrics.text();
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(text);
        return;
      }
    }
    if (opts.webhooks && path === webhookPath.replace(/\/+$/, '')) {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' }, { allow: 'POST' });
      return webhook(req, res, opts.webhooks);
    }
    send(res, 404, { error: 'not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err: (err as Error).message, url: req.url }, 'request failed');
      send(res, 500, { error: 'internal error' });
    });
  });
  // Slow clients cannot hold connections forever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;

  return {
    server,
    get url() {
      return url;
    },
    listen(port: number, host?: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
          resolve(a);
        });
      });
    },
    drain() {
      draining = true;
    },
    async close(timeoutMs = 10_000) {
      draining = true;
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      server.closeAllConnections();
    },
  };
}
