/**
 * The Redis queue (src/app/queue/bullmq.ts) against the real Redis on
 * 127.0.0.1:6379 (TEST_REDIS_URL), each test on its own key prefix, removed
 * afterwards: the memory queue's semantics across processes (coalescing,
 * one running job per key over two workers, retries and the final attempt),
 * jobs that outlive the worker, a graceful close that hands a running job
 * back, a killed worker process whose job another worker finishes, and
 * delivery de-duplication in Redis.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { RetryableError, jobKey, type GateJob, type JobContext, type JobReason } from '../../src/app/jobs.js';
import { BullQueue, type BullQueueOptions } from '../../src/app/queue/bullmq.js';
import type { JobOutcome } from '../../src/app/queue/common.js';
import { RedisDeduper } from '../../src/app/queue/dedupe.js';
import { RedisClient } from '../../src/app/queue/redis.js';
import { REDIS_URL, bundle, cleanPrefix, deferred, redisSuite, startChild, uniquePrefix, waitFor, type Child, type Deferred } from './support.js';

const redisUp = await redisSuite('BullMQ queue tests');
const suite = redisUp ? describe : describe.skip;

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

function gate(sha: string, deliveryId: string, reason: JobReason = 'pull_request', over: Partial<GateJob> = {}): GateJob {
  return { key: jobKey(11, 'acme', 'widgets', sha), deliveryId, installationId: 11, owner: 'acme', repo: 'widgets', headSha: sha, reason, receivedAt: 1000, ...over };
}

const cleanups: (() => Promise<unknown>)[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  for (const p of prefixes.splice(0)) await cleanPrefix(p);
});

function newPrefix(tag: string): string {
  const p = uniquePrefix(tag);
  prefixes.push(p);
  return p;
}

function queue(prefix: string, over: Partial<BullQueueOptions> = {}): BullQueue {
  const q = new BullQueue({ redisUrl: REDIS_URL, prefix, lockMs: 2000, stalledIntervalMs: 300, busyDelayMs: 100, graceMs: 2000, ...over });
  cleanups.push(() => q.close());
  return q;
}

interface Call {
  worker: string;
  job: GateJob;
  ctx: JobContext;
  at: number;
  done: Deferred;
}

function recorder() {
  const calls: Call[] = [];
  const runningPerKey = new Map<string, number>();
  let overlap = false;
  const processor = (worker: string) => async (job: GateJob, ctx: JobContext) => {
    const done = deferred();
    calls.push({ worker, job, ctx, at: Date.now(), done });
    const n = (runningPerKey.get(job.key) ?? 0) + 1;
    runningPerKey.set(job.key, n);
    if (n > 1) overlap = true;
    try {
      await done.promise;
    } finally {
      runningPerKey.set(job.key, runningPerKey.get(job.key)! - 1);
    }
  };
  return {
    calls,
    processor,
    get overlap() {
      return overlap;
    },
  };
}

suite('BullQueue', () => {
  it('coalesces waiting jobs through the job id, and reports duplicates', async () => {
    const prefix = newPrefix('coalesce');
    const q = queue(prefix);
    expect(await q.enqueue(gate(SHA_A, 'd1', 'pull_request', { pullNumber: 4, receivedAt: 700 }))).toBe('queued');
    expect(await q.enqueue(gate(SHA_A, 'd2', 'workflow_run', { workflowRunId: 31, workflowName: 'CI', receivedAt: 900 }))).toBe('coalesced');
    expect(await q.enqueue(gate(SHA_A, 'd2', 'workflow_run'))).toBe('duplicate');
    expect(await q.enqueue(gate(SHA_B, 'd3'))).toBe('queued');
    expect(await q.depth()).toBe(2);
    // One BullMQ job per key, named after the key and its generation.
    const redis = new RedisClient(REDIS_URL);
    cleanups.push(async () => redis.close());
    const hash = `${prefix}:gate-jobs:${BullQueue.jobId(gate(SHA_A, 'x').key, 0)}`;
    const stored = JSON.parse((await redis.call('HGET', hash, 'data')) as string) as { job: GateJob; attempt: number };
    expect(stored.job.deliveries).toEqual(['d1', 'd2']);
    expect(stored.attempt).toBe(1);

    const r = recorder();
    await q.start(r.processor('w1'), { concurrency: 4 });
    await waitFor('both jobs to start', () => r.calls.length === 2);
    const a = r.calls.find((c) => c.job.headSha === SHA_A)!;
    expect(a.job).toMatchObject({ reason: 'workflow_run', pullNumber: 4, workflowRunId: 31, deliveryId: 'd2', deliveries: ['d1', 'd2'], receivedAt: 700 });
    expect(a.ctx.attempt).toBe(1);
    // The running job's deliveries are duplicates too.
    expect(await q.enqueue(gate(SHA_A, 'd1'))).toBe('duplicate');
    for (const c of r.calls) c.done.resolve();
    await waitFor('the queue to empty', async () => (await q.depth()) === 0 && q.runningCount() === 0);
  });

  it('runs one job per key across two workers; a newer event waits behind the running one and coalesces', async () => {
    const prefix = newPrefix('perkey');
    const q1 = queue(prefix);
    const q2 = queue(prefix);
    const r = recorder();
    await q1.start(r.processor('w1'), { concurrency: 3 });
    await q2.start(r.processor('w2'), { concurrency: 3 });
    expect(await q1.enqueue(gate(SHA_A, 'a1'))).toBe('queued');
    await waitFor('a1 to start', () => r.calls.length === 1);
    // Events for the running key: a new waiting job, then folded into it.
    expect(await q2.enqueue(gate(SHA_A, 'a2'))).toBe('queued');
    expect(await q1.enqueue(gate(SHA_A, 'a3', 'rerequested'))).toBe('coalesced');
    expect(await q2.enqueue(gate(SHA_B, 'b1'))).toBe('queued');
    await waitFor('b1 to start', () => r.calls.some((c) => c.job.deliveryId === 'b1'));
    // Give the other worker time to pick the second A job up and defer it (the key is locked).
    await new Promise((res) => setTimeout(res, 600));
    expect(r.calls.map((c) => c.job.deliveryId)).toEqual(['a1', 'b1']);
    // The deferred job is counted as waiting (it is briefly active while a worker defers it again).
    await waitFor('the deferred job to show in the depth', async () => (await q1.depth()) === 1);
    r.calls[0]!.done.resolve();
    await waitFor('the second A job', () => r.calls.find((c) => c.job.deliveries?.includes('a2')));
    const second = r.calls.find((c) => c.job.deliveries?.includes('a2'))!;
    expect(second.job.deliveries).toEqual(['a2', 'a3']);
    expect(second.job.reason).toBe('rerequested');
    expect(second.at).toBeGreaterThanOrEqual(r.calls[0]!.at);
    for (const c of r.calls) c.done.resolve();
    await waitFor('all done', async () => (await q1.depth()) === 0 && q1.runningCount() + q2.runningCount() === 0);
    expect(r.calls).toHaveLength(3);
    expect(r.overlap).toBe(false);
  });

  it('keeps per-key order and exclusivity under 200 concurrent events for 10 keys', async () => {
    const prefix = newPrefix('storm');
    const workers = [queue(prefix), queue(prefix), queue(prefix)];
    const starts: { key: string; deliveries: string[] }[] = [];
    const running = new Map<string, number>();
    let overlap = false;
    const proc = async (job: GateJob) => {
      const n = (running.get(job.key) ?? 0) + 1;
      running.set(job.key, n);
      if (n > 1) overlap = true;
      starts.push({ key: job.key, deliveries: job.deliveries ?? [job.deliveryId] });
      await new Promise((res) => setTimeout(res, 20 + Math.floor(Math.random() * 30)));
      running.set(job.key, running.get(job.key)! - 1);
    };
    for (const w of workers) await w.start(proc, { concurrency: 4 });
    const shas = Array.from({ length: 10 }, (_, i) => String(i).repeat(40));
    const events = Array.from({ length: 200 }, (_, i) => gate(shas[i % 10]!, `e${i}`));
    const results = await Promise.all(events.map((e, i) => workers[i % 3]!.enqueue(e)));
    expect(results.every((r) => r === 'queued' || r === 'coalesced')).toBe(true);
    await waitFor('every delivery to be processed', () => starts.flatMap((s) => s.deliveries).length === 200, 30_000);
    await waitFor('the queue to empty', async () => (await workers[0]!.depth()) === 0 && workers.every((w) => w.runningCount() === 0));
    const processed = starts.flatMap((s) => s.deliveries).sort();
    expect(processed).toEqual(events.map((e) => e.deliveryId).sort());
    expect(overlap).toBe(false);
    // Coalescing saved runs: fewer runs than events.
    expect(starts.length).toBe(results.filter((r) => r === 'queued').length);
    expect(starts.length).toBeLessThan(200);
  });

  it('retries a RetryableError with backoff, flags the final attempt, and counts outcomes', async () => {
    const prefix = newPrefix('retry');
    const outcomes: [JobOutcome, number][] = [];
    const q = queue(prefix, { retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 10_000 }, random: () => 1, observer: { finished: (_j, o, _ms, attempt) => outcomes.push([o, attempt]) } });
    const seen: { attempt: number; final: boolean; at: number }[] = [];
    await q.start(async (_job, ctx) => {
      seen.push({ attempt: ctx.attempt, final: ctx.finalAttempt, at: Date.now() });
      throw new RetryableError('GitHub answered 503');
    });
    await q.enqueue(gate(SHA_A, 'd1'));
    await waitFor('three attempts', () => seen.length === 3 && outcomes.length === 3, 10_000);
    await new Promise((res) => setTimeout(res, 800));
    expect(seen.map((s) => [s.attempt, s.final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // random = 1: the full backoff, 200 ms then 400 ms.
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(200);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(400);
    expect(outcomes).toEqual([
      ['retried', 1],
      ['retried', 2],
      ['failed', 3],
    ]);
    expect(await q.depth()).toBe(0);
  });

  it('keeps jobs while no worker runs: a worker started later does them', async () => {
    const prefix = newPrefix('restart');
    const web = queue(prefix);
    expect(await web.enqueue(gate(SHA_A, 'd1'))).toBe('queued');
    expect(await web.enqueue(gate(SHA_B, 'd2'))).toBe('queued');
    await web.close();
    const later = queue(prefix);
    expect(await later.depth()).toBe(2);
    const done: string[] = [];
    await later.start(async (job) => {
      done.push(job.deliveryId);
    });
    await waitFor('both jobs', () => done.length === 2);
    expect(done.sort()).toEqual(['d1', 'd2']);
  });

  it('close() hands a job that does not finish in the grace period back to the queue, not charged an attempt', async () => {
    const prefix = newPrefix('release');
    const outcomes: JobOutcome[] = [];
    const first = queue(prefix, { graceMs: 300, abortWaitMs: 1000, observer: { finished: (_j, o) => outcomes.push(o) } });
    const started = deferred<JobContext>();
    await first.start(
      (_job, ctx) =>
        new Promise<void>((_, reject) => {
          started.resolve(ctx);
          ctx.signal.addEventListener('abort', () => reject(new Error('stopped')));
        }),
    );
    await first.enqueue(gate(SHA_A, 'd1'));
    const ctx1 = await started.promise;
    expect(ctx1.attempt).toBe(1);
    const t0 = Date.now();
    await first.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(ctx1.signal.aborted).toBe(true);
    expect(outcomes).toEqual(['released']);

    const second = queue(prefix);
    expect(await second.depth()).toBe(1);
    const again = deferred<[GateJob, JobContext]>();
    await second.start(async (job, ctx) => again.resolve([job, ctx]));
    const [job, ctx2] = await again.promise;
    expect(job.deliveryId).toBe('d1');
    expect(ctx2.attempt).toBe(1);
  });

  it('close() gives up a job that ignores its signal; another worker takes it over once the locks expire', async () => {
    const prefix = newPrefix('stuck');
    const outcomes: JobOutcome[] = [];
    const first = queue(prefix, { lockMs: 1000, graceMs: 100, abortWaitMs: 200, observer: { finished: (_j, o) => outcomes.push(o) } });
    const started = deferred();
    await first.start(async () => {
      started.resolve();
      await new Promise(() => {});
    });
    await first.enqueue(gate(SHA_A, 'stuck-1'));
    await started.promise;
    const t0 = Date.now();
    await first.close();
    expect(Date.now() - t0).toBeLessThan(15000);
    expect(outcomes).toEqual([]);
    const taken = deferred<GateJob>();
    const second = queue(prefix, { lockMs: 1000, stalledIntervalMs: 250 });
    await second.start(async (job) => taken.resolve(job));
    expect((await taken.promise).deliveryId).toBe('stuck-1');
  });

  it('recovers the job of a killed worker process on another worker', async () => {
    const prefix = newPrefix('crash');
    const file = await bundle('test/app-scale/queue-child.ts');
    const child: Child = startChild(file, [REDIS_URL, prefix, 'hang'], {});
    cleanups.push(async () => {
      child.proc.kill('SIGKILL');
      await child.exited;
    });
    await child.message((m) => typeof (m as { ready?: number }).ready === 'number');
    const producer = queue(prefix);
    await producer.enqueue(gate(SHA_A, 'd1', 'workflow_run', { workflowRunId: 8, workflowName: 'CI' }));
    const started = await child.message<{ started: string; attempt: number; pid: number }>((m) => (m as { started?: string }).started !== undefined);
    expect(started.started).toBe(gate(SHA_A, 'x').key);
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const rescued = deferred<[GateJob, JobContext]>();
    const rescuer = queue(prefix, { lockMs: 1000, stalledIntervalMs: 250 });
    await rescuer.start(async (job, ctx) => rescued.resolve([job, ctx]));
    const [job, ctx] = await rescued.promise;
    expect(job).toMatchObject({ deliveryId: 'd1', reason: 'workflow_run', workflowRunId: 8 });
    expect(ctx.attempt).toBe(1);
    // Not before the dead worker's locks (1 s) ran out.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(500);
    await waitFor('the queue to empty', async () => (await rescuer.depth()) === 0 && rescuer.runningCount() === 0);
  });

  it('de-duplicates deliveries with SET NX EX, and forgets a failed one', async () => {
    const prefix = newPrefix('dedupe');
    const redis = new RedisClient(REDIS_URL);
    cleanups.push(async () => redis.close());
    const a = new RedisDeduper(redis, prefix, 600);
    const other = new RedisClient(REDIS_URL);
    cleanups.push(async () => other.close());
    const b = new RedisDeduper(other, prefix, 600);
    expect(await a.dedupeDelivery('0b3c-1')).toBe('first');
    // Another replica sees it too.
    expect(await b.dedupeDelivery('0b3c-1')).toBe('duplicate');
    const ttl = (await redis.call('TTL', `${prefix}:delivery:0b3c-1`)) as number;
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    await b.forgetDelivery('0b3c-1');
    expect(await a.dedupeDelivery('0b3c-1')).toBe('first');
    await expect(a.dedupeDelivery('')).rejects.toThrow('delivery id must have 1 to 200 characters, not 0');
  });
});
