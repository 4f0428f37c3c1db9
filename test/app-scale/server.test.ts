/**
 * The App's HTTP server (src/app/server.ts) over real HTTP, with Probot and
 * the real handlers (src/app/handlers.ts) feeding an in-memory queue:
 * answered at once while the job runs, 413 over the body limit without any
 * HMAC work, 400 for missing or wrong signatures with no handler run,
 * redeliveries answered without work, a failed delivery forgotten so its
 * redelivery is handled, health, readiness, metrics and the log line of
 * each delivery.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Probot } from 'probot';
import { appWithQueue } from '../../src/app/index.js';
import { jobKey, type GateJob, type JobContext, type JobQueue } from '../../src/app/jobs.js';
import { AppMetrics } from '../../src/app/metrics.js';
import { MemoryDeduper } from '../../src/app/queue/dedupe.js';
import { MemoryQueue } from '../../src/app/queue/memory.js';
import { MAX_WEBHOOK_BYTES, createAppServer, verifySignature, type AppServer } from '../../src/app/server.js';
import { examplePayload, sendWebhook, signWebhook } from '../helpers/github/index.js';
import { deferred, parseMetrics, recordingLog, waitFor, type Deferred, type LogLine } from './support.js';

const SECRET = 'It’s a Secret to Everybody';
const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const silent = (): unknown => {
  const l = { level: 'silent', child: () => l, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
  return l;
};

function prOpened(number = 12): Record<string, unknown> {
  return examplePayload('pull_request', 'opened', {
    repository: { name: 'widgets', full_name: 'acme/widgets', owner: { login: 'acme' } },
    installation: { id: 77 },
    pull_request: { number, head: { sha: SHA, repo: { full_name: 'acme/widgets' } } },
  });
}

interface Harness {
  app: AppServer;
  url: string;
  hook: string;
  queue: MemoryQueue;
  started: { job: GateJob; ctx: JobContext; done: Deferred }[];
  enqueued: GateJob[];
  hmacCalls: number;
  metrics: AppMetrics;
  log: { lines: LogLine[] };
  dedupe: MemoryDeduper;
  failEnqueue: boolean;
}

let h: Harness;

async function start(opts: { maxBodyBytes?: number; queueReady?: () => Promise<boolean> } = {}): Promise<Harness> {
  const queue = new MemoryQueue();
  const started: Harness['started'] = [];
  await queue.start(async (job, ctx) => {
    const done = deferred();
    started.push({ job, ctx, done });
    await done.promise;
  });
  const state = { hmacCalls: 0, failEnqueue: false };
  const enqueued: GateJob[] = [];
  const front: JobQueue = {
    enqueue: async (job) => {
      if (state.failEnqueue) throw new Error('Redis is down');
      enqueued.push(job);
      return queue.enqueue(job);
    },
    start: async () => {},
    depth: () => queue.depth(),
    ready: () => queue.ready(),
    close: async () => {},
  };
  const probot = new Probot({ githubToken: 'x', log: silent() as never });
  await probot.load(appWithQueue(front, { now: () => 1234 }));
  const metrics = new AppMetrics({ defaultMetrics: false });
  const log = recordingLog();
  const dedupe = new MemoryDeduper(600);
  const app = createAppServer({
    metrics,
    log,
    queue: { ready: opts.queueReady ?? (() => queue.ready()) },
    webhooks: {
      probot,
      secret: SECRET,
      dedupe,
      ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
      verify: (secret, body, sig) => {
        state.hmacCalls++;
        return verifySignature(secret, body, sig);
      },
    },
  });
  await app.listen(0, '127.0.0.1');
  const harness = {
    app,
    url: app.url,
    hook: `${app.url}/api/github/webhooks`,
    queue,
    started,
    enqueued,
    metrics,
    log,
    dedupe,
    get hmacCalls() {
      return state.hmacCalls;
    },
    get failEnqueue() {
      return state.failEnqueue;
    },
    set failEnqueue(v: boolean) {
      state.failEnqueue = v;
    },
  };
  return harness;
}

beforeEach(async () => {
  h = await start();
});

afterEach(async () => {
  for (const s of h.started) s.done.resolve();
  await h.app.close(1000);
  await h.queue.close();
});

/** A raw POST: headers as given, the body written in `chunks` (so a 413 can arrive before the body is sent). */
function rawPost(url: string, headers: Record<string, string | number>, chunks: Iterable<Buffer>): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers });
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), sentBytes: sent });
        req.destroy();
      });
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      while (!answered) {
        const n = it.next();
        if (n.done) {
          req.end();
          return;
        }
        sent += n.value.length;
        if (!req.write(n.value)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/**
 * POST over a bare TCP socket: the answer is read as soon as it arrives, whatever
 * state the body's writing is in (an http.ClientRequest whose write is still
 * pending may end in ECANCELED before it hands over an early 413). Chunked
 * framing when `transfer-encoding: chunked` is given.
 */
function socketPost(url: string, headers: Record<string, string | number>, chunks: Iterable<Buffer>): Promise<{ status: number; body: string; sentBytes: number }> {
  const u = new URL(url);
  const chunked = headers['transfer-encoding'] === 'chunked';
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    let sent = 0;
    let answered = false;
    let got = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const head = got.indexOf('\r\n\r\n');
      if (head < 0 || answered) return;
      const lines = got.subarray(0, head).toString('latin1').split('\r\n');
      const length = Number(lines.find((l) => /^content-length:/i.test(l))?.split(':')[1] ?? NaN);
      if (!(got.length - head - 4 >= length)) return;
      answered = true;
      resolve({ status: Number(lines[0]!.split(' ')[1]), body: got.subarray(head + 4, head + 4 + length).toString('utf8'), sentBytes: sent });
      sock.destroy();
    });
    sock.on('error', (err) => {
      if (!answered) reject(err);
    });
    sock.on('close', () => {
      if (!answered) reject(new Error(`connection closed before a complete answer (${got.length} bytes read)`));
    });
    const head = [`POST ${u.pathname} HTTP/1.1`, `host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    sock.write(head);
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      while (!answered && !sock.destroyed) {
        const n = it.next();
        if (n.done) {
          sock.write(chunked ? '0\r\n\r\n' : '');
          return;
        }
        sent += n.value.length;
        const framed = chunked ? Buffer.concat([Buffer.from(`${n.value.length.toString(16)}\r\n`), n.value, Buffer.from('\r\n')]) : n.value;
        if (!sock.write(framed)) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.once('connect', pump);
  });
}

function* mebibytes(n: number): Generator<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  for (let i = 0; i < n; i++) yield chunk;
}

function headersFor(body: string | Buffer, over: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'pull_request',
    'x-github-delivery': 'raw-1',
    'x-hub-signature-256': signWebhook(SECRET, body),
    ...over,
  };
}

describe('webhooks', () => {
  it('answers 202 once the job is enqueued, while the job is still running', async () => {
    const t0 = Date.now();
    const res = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'd-1' });
    const elapsed = Date.now() - t0;
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ accepted: true });
    expect(elapsed).toBeLessThan(5000);
    await waitFor('the job to start', () => h.started.length === 1);
    // The answer did not wait for the job: it is still running.
    expect(h.queue.runningCount()).toBe(1);
    expect(h.started[0]!.job).toMatchObject({ key: jobKey(77, 'acme', 'widgets', SHA), deliveryId: 'd-1', reason: 'pull_request', pullNumber: 12, receivedAt: 1234 });
    expect(h.hmacCalls).toBe(1);
    const line = h.log.lines.find((l) => l.msg === 'webhook')!;
    expect(line.obj).toMatchObject({ deliveryId: 'd-1', event: 'pull_request', action: 'opened', repository: 'acme/widgets', sha: SHA, status: 202, outcome: 'accepted' });
  });

  it('answers a redelivery 200 without enqueuing it again', async () => {
    const first = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'same' });
    const again = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'same' });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(JSON.parse(again.body)).toEqual({ duplicate: true });
    expect(h.enqueued.map((j) => j.deliveryId)).toEqual(['same']);
    const m = parseMetrics(await h.metrics.text());
    expect(m.get('sdlc_webhooks_total{event="pull_request",outcome="accepted"}')).toBe(1);
    expect(m.get('sdlc_webhooks_total{event="pull_request",outcome="duplicate"}')).toBe(1);
  });

  it('refuses a missing or wrong signature with 400 and runs no handler', async () => {
    const body = JSON.stringify(prOpened());
    const noSig = await rawPost(h.hook, { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'n-1' }, [Buffer.from(body)]);
    expect(noSig.status).toBe(400);
    expect(JSON.parse(noSig.body)).toEqual({ error: 'missing headers: x-hub-signature-256' });
    expect(h.hmacCalls).toBe(0);
    const wrong = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: 'not the secret', deliveryId: 'n-2' });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body)).toEqual({ error: 'signature does not match the payload and secret' });
    const garbled = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'n-3', signature: 'sha256=zz' });
    expect(garbled.status).toBe(400);
    expect(h.hmacCalls).toBe(2);
    const noEvent = await rawPost(h.hook, { 'content-type': 'application/json', 'x-github-delivery': 'n-4', 'x-hub-signature-256': signWebhook(SECRET, body) }, [Buffer.from(body)]);
    expect(noEvent.status).toBe(400);
    expect(JSON.parse(noEvent.body)).toEqual({ error: 'missing headers: x-github-event' });
    expect(h.enqueued).toEqual([]);
    // A wrong signature does not mark the delivery id: the genuine delivery is handled.
    const genuine = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'n-2' });
    expect(genuine.status).toBe(202);
    expect(h.enqueued.map((j) => j.deliveryId)).toEqual(['n-2']);
  });

  it('refuses a declared body over 25 MiB with 413 at once, without HMAC work or reading it', async () => {
    const res = await socketPost(h.hook, { ...headersFor('x', { 'x-github-delivery': 'big-1' }), 'content-length': MAX_WEBHOOK_BYTES + 1 }, mebibytes(26));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: `payload larger than ${MAX_WEBHOOK_BYTES} bytes` });
    // (How much of the body the client managed to send before the answer depends on the machine's load: not asserted.)
    expect(h.hmacCalls).toBe(0);
    expect(h.enqueued).toEqual([]);
  });

  it('refuses a streamed (chunked) body once it passes 25 MiB, without HMAC work', async () => {
    const res = await socketPost(h.hook, { ...headersFor('x', { 'x-github-delivery': 'big-2' }), 'transfer-encoding': 'chunked' }, mebibytes(40));
    expect(res.status).toBe(413);
    expect(res.sentBytes).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    expect(h.hmacCalls).toBe(0);
    const m = parseMetrics(await h.metrics.text());
    expect(m.get('sdlc_webhooks_total{event="pull_request",outcome="too_large"}')).toBe(1);
  });

  it('accepts a body of exactly the limit and refuses one byte more', async () => {
    await h.app.close(1000);
    await h.queue.close();
    h = await start({ maxBodyBytes: 2000 });
    const payload = JSON.stringify({ zen: 'x'.repeat(2000 - '{"zen":""}'.length) });
    expect(Buffer.byteLength(payload)).toBe(2000);
    const ok = await rawPost(h.hook, headersFor(payload, { 'x-github-event': 'ping', 'x-github-delivery': 'edge-1' }), [Buffer.from(payload)]);
    expect(ok.status).toBe(202);
    const over = `${payload} `;
    const tooBig = await rawPost(h.hook, headersFor(over, { 'x-github-event': 'ping', 'x-github-delivery': 'edge-2' }), [Buffer.from(over)]);
    expect(tooBig.status).toBe(413);
    expect(h.hmacCalls).toBe(1);
  });

  it('refuses other content types and bodies that are not JSON', async () => {
    const form = 'payload=%7B%7D';
    const r415 = await rawPost(h.hook, headersFor(form, { 'content-type': 'application/x-www-form-urlencoded' }), [Buffer.from(form)]);
    expect(r415.status).toBe(415);
    const notJson = '{"action": "opened",';
    const r400 = await rawPost(h.hook, headersFor(notJson, { 'x-github-delivery': 'bad-json' }), [Buffer.from(notJson)]);
    expect(r400.status).toBe(400);
    expect(JSON.parse(r400.body)).toEqual({ error: 'payload is not JSON' });
    // Forgotten: a corrected redelivery with the same id is handled.
    expect(await h.dedupe.dedupeDelivery('bad-json')).toBe('first');
  });

  it('answers 500 when the job cannot be enqueued, and handles the redelivery', async () => {
    h.failEnqueue = true;
    const failed = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'retry-me' });
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ error: 'the delivery could not be handled; redeliver it' });
    h.failEnqueue = false;
    const redelivered = await sendWebhook(h.hook, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'retry-me' });
    expect(redelivered.status).toBe(202);
    expect(h.enqueued.map((j) => j.deliveryId)).toEqual(['retry-me']);
    const line = h.log.lines.find((l) => l.msg === 'webhook failed')!;
    expect(line.obj).toMatchObject({ deliveryId: 'retry-me', status: 500, outcome: 'error', repository: 'acme/widgets', sha: SHA });
  });

  it('answers events the App does not handle 202 without a job', async () => {
    const res = await sendWebhook(h.hook, { event: 'issues', payload: examplePayload('issues', 'opened'), secret: SECRET, deliveryId: 'i-1' });
    expect(res.status).toBe(202);
    expect(h.enqueued).toEqual([]);
  });
});

describe('health, readiness and metrics', () => {
  it('serves /healthz, /readyz (503 when the queue store is down or while draining) and 404 elsewhere', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${h.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${h.url}/nope`)).status).toBe(404);
    const get = await fetch(h.hook);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    h.app.drain();
    const draining = await fetch(`${h.url}/readyz`);
    expect([draining.status, await draining.json()]).toEqual([503, { status: 'draining' }]);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);

    await h.app.close(1000);
    await h.queue.close();
    let up = false;
    h = await start({ queueReady: async () => up });
    const down = await fetch(`${h.url}/readyz`);
    expect([down.status, await down.json()]).toEqual([503, { status: 'queue store unreachable' }]);
    up = true;
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
  });

  it('serves Prometheus text with queue depth, job outcomes, webhook counts and API calls', async () => {
    const metrics = new AppMetrics({ defaultMetrics: false });
    const q = new MemoryQueue({ observer: metrics.queueObserver(() => 6000) });
    metrics.watchQueue(q);
    const server = createAppServer({ metrics, log: recordingLog(), queue: q });
    await server.listen(0, '127.0.0.1');
    try {
      const job = (sha: string, id: string): GateJob => ({ key: jobKey(1, 'o', 'r', sha), deliveryId: id, installationId: 1, owner: 'o', repo: 'r', headSha: sha, reason: 'push', receivedAt: 1000 });
      await q.enqueue(job('1'.repeat(40), 'a'));
      await q.enqueue(job('1'.repeat(40), 'b'));
      await q.enqueue(job('2'.repeat(40), 'c'));
      metrics.githubCall(201);
      metrics.githubCall(502);
      metrics.githubCall(undefined);
      metrics.rateLimitWait('secondary');
      let m = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
      expect(m.get('sdlc_queue_depth')).toBe(2);
      expect(m.get('sdlc_jobs_enqueued_total{result="queued"}')).toBe(2);
      expect(m.get('sdlc_jobs_enqueued_total{result="coalesced"}')).toBe(1);
      expect(m.get('sdlc_github_api_calls_total{status="2xx"}')).toBe(1);
      expect(m.get('sdlc_github_api_calls_total{status="5xx"}')).toBe(1);
      expect(m.get('sdlc_github_api_calls_total{status="network"}')).toBe(1);
      expect(m.get('sdlc_github_rate_limit_waits_total{kind="secondary"}')).toBe(1);
      await q.start(async () => {});
      await q.idle();
      m = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
      expect(m.get('sdlc_queue_depth')).toBe(0);
      expect(m.get('sdlc_jobs_total{outcome="completed"}')).toBe(2);
      expect(m.get('sdlc_job_duration_seconds_count{outcome="completed"}')).toBe(2);
      // receivedAt 1000, "now" 6000: 5 s from webhook to published checks, twice.
      expect(m.get('sdlc_webhook_to_check_seconds_sum')).toBe(10);
      expect(m.get('sdlc_webhook_to_check_seconds_count')).toBe(2);
      // Without webhooks (the worker role) the webhook path is not served.
      expect((await fetch(`${server.url}/api/github/webhooks`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close(1000);
      await q.close();
    }
  });
});
