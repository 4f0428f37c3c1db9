/**
 * The in-process queue (src/app/queue/memory.ts): one running job per key,
 * coalescing of waiting jobs, jobs for a running key waiting behind it,
 * bounded concurrency, retries with exponential backoff and jitter (fake
 * timers, a fixed jitter source), Retry-After, the final-attempt flag, and
 * close() with its grace period.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { RetryableError, jobKey, type GateJob, type JobContext, type JobReason } from '../../src/app/jobs.js';
import { retryDelayMs, type JobOutcome } from '../../src/app/queue/common.js';
import { MemoryQueue } from '../../src/app/queue/memory.js';
import { deferred, recordingLog, type Deferred } from './support.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_C = 'c'.repeat(40);

function gate(sha: string, deliveryId: string, reason: JobReason = 'pull_request', over: Partial<GateJob> = {}): GateJob {
  return { key: jobKey(7, 'Acme', 'Widgets', sha), deliveryId, installationId: 7, owner: 'Acme', repo: 'Widgets', headSha: sha, reason, receivedAt: 1000, ...over };
}

interface Call {
  job: GateJob;
  ctx: JobContext;
  at: number;
  done: Deferred;
}

/** A processor whose every call waits until the test settles it. */
function controlled() {
  const calls: Call[] = [];
  let running = 0;
  let maxRunning = 0;
  const perKey = new Map<string, number>();
  let overlapPerKey = false;
  const processor = async (job: GateJob, ctx: JobContext) => {
    const done = deferred();
    calls.push({ job, ctx, at: Date.now(), done });
    running++;
    maxRunning = Math.max(maxRunning, running);
    perKey.set(job.key, (perKey.get(job.key) ?? 0) + 1);
    if (perKey.get(job.key)! > 1) overlapPerKey = true;
    try {
      await done.promise;
    } finally {
      running--;
      perKey.set(job.key, perKey.get(job.key)! - 1);
    }
  };
  return {
    calls,
    processor,
    get maxRunning() {
      return maxRunning;
    },
    get overlapPerKey() {
      return overlapPerKey;
    },
  };
}

/** Let promise callbacks run (real timers). */
const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  jest.useRealTimers();
});

describe('retryDelayMs', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 6000 };
  it('doubles per attempt, jittered between half and all of it, capped', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, policy, undefined, () => 0))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, policy, undefined, () => 1))).toEqual([1000, 2000, 4000, 6000]);
    expect(retryDelayMs(2, policy, undefined, () => 0.5)).toBe(1500);
  });
  it('waits at least Retry-After, with at most 10 % (and 1 s) on top', () => {
    expect(retryDelayMs(1, policy, 4000, () => 0)).toBe(4000);
    expect(retryDelayMs(1, policy, 4000, () => 1)).toBe(4400);
    expect(retryDelayMs(1, policy, 60_000, () => 1)).toBe(61_000);
    // A Retry-After shorter than the backoff does not shorten it.
    expect(retryDelayMs(3, policy, 100, () => 0)).toBe(2000);
  });
});

describe('MemoryQueue', () => {
  it('coalesces jobs for a waiting key and reports duplicates', async () => {
    const q = new MemoryQueue();
    expect(await q.enqueue(gate(SHA_A, 'd1', 'pull_request', { pullNumber: 3, receivedAt: 500 }))).toBe('queued');
    expect(await q.enqueue(gate(SHA_A, 'd2', 'workflow_run', { workflowRunId: 99, workflowName: 'CI', receivedAt: 900 }))).toBe('coalesced');
    expect(await q.enqueue(gate(SHA_A, 'd2', 'workflow_run'))).toBe('duplicate');
    expect(await q.enqueue(gate(SHA_A, 'd1'))).toBe('duplicate');
    expect(await q.enqueue(gate(SHA_B, 'd3'))).toBe('queued');
    expect(await q.depth()).toBe(2);

    const p = controlled();
    await q.start(p.processor, { concurrency: 4 });
    expect(p.calls.map((c) => c.job.headSha)).toEqual([SHA_A, SHA_B]);
    const merged = p.calls[0]!.job;
    expect(merged.reason).toBe('workflow_run');
    expect(merged.pullNumber).toBe(3);
    expect(merged.workflowRunId).toBe(99);
    expect(merged.deliveryId).toBe('d2');
    expect(merged.deliveries).toEqual(['d1', 'd2']);
    expect(merged.receivedAt).toBe(500);
    expect(await q.depth()).toBe(0);
    for (const c of p.calls) c.done.resolve();
    await q.idle();
    await q.close();
  });

  it('runs at most one job per key and at most `concurrency` jobs', async () => {
    const q = new MemoryQueue();
    const p = controlled();
    await q.start(p.processor, { concurrency: 2 });
    expect(await q.enqueue(gate(SHA_A, 'a1'))).toBe('queued');
    expect(await q.enqueue(gate(SHA_B, 'b1'))).toBe('queued');
    expect(await q.enqueue(gate(SHA_C, 'c1'))).toBe('queued');
    expect(p.calls.map((c) => c.job.deliveryId)).toEqual(['a1', 'b1']);
    expect(q.runningCount()).toBe(2);
    expect(await q.depth()).toBe(1);

    // A newer event for the running key A waits behind it; a third folds into that one.
    expect(await q.enqueue(gate(SHA_A, 'a2'))).toBe('queued');
    expect(await q.enqueue(gate(SHA_A, 'a3', 'rerequested'))).toBe('coalesced');
    // The running job's own delivery again is a duplicate.
    expect(await q.enqueue(gate(SHA_A, 'a1'))).toBe('duplicate');
    expect(await q.depth()).toBe(2);

    p.calls[0]!.done.resolve(); // A finishes: C (waiting longer) starts before the second A
    await tick();
    expect(p.calls.map((c) => c.job.deliveryId)).toEqual(['a1', 'b1', 'c1']);
    p.calls[1]!.done.resolve(); // B finishes: the second A starts
    await tick();
    // The merged job carries the latest delivery id and all of them.
    expect(p.calls.map((c) => c.job.deliveryId)).toEqual(['a1', 'b1', 'c1', 'a3']);
    expect(p.calls[3]!.job.deliveries).toEqual(['a2', 'a3']);
    expect(p.calls[3]!.job.reason).toBe('rerequested');
    for (const c of p.calls.slice(2)) c.done.resolve();
    await q.idle();
    expect(p.maxRunning).toBe(2);
    expect(p.overlapPerKey).toBe(false);
    await q.close();
  });

  it('retries a RetryableError with exponential backoff and jitter, flags the final attempt, then fails', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const outcomes: [string, JobOutcome, number][] = [];
    const log = recordingLog();
    const q = new MemoryQueue({
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 },
      random: () => 0.5,
      log,
      observer: { finished: (job, outcome, _ms, attempt) => outcomes.push([job.deliveryId, outcome, attempt]) },
    });
    const seen: { attempt: number; final: boolean; at: number }[] = [];
    await q.start(
      async (_job, ctx) => {
        seen.push({ attempt: ctx.attempt, final: ctx.finalAttempt, at: Date.now() });
        throw new RetryableError('GitHub answered 502');
      },
      { concurrency: 1 },
    );
    await q.enqueue(gate(SHA_A, 'd1'));
    await jest.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ attempt: 1, final: false, at: 1_000_000 }]);
    // Attempt 1 failed: 1000 ms * (0.5 + 0.5 * 0.5) = 750 ms.
    await jest.advanceTimersByTimeAsync(749);
    expect(seen).toHaveLength(1);
    expect(await q.depth()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(seen[1]).toEqual({ attempt: 2, final: false, at: 1_000_750 });
    // Attempt 2 failed: 2000 ms * 0.75 = 1500 ms.
    await jest.advanceTimersByTimeAsync(1499);
    expect(seen).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(seen[2]).toEqual({ attempt: 3, final: true, at: 1_002_250 });
    await jest.advanceTimersByTimeAsync(600_000);
    expect(seen).toHaveLength(3);
    expect(outcomes).toEqual([
      ['d1', 'retried', 1],
      ['d1', 'retried', 2],
      ['d1', 'failed', 3],
    ]);
    const warn = log.lines.find((l) => l.level === 'warn')!;
    expect(warn.obj).toMatchObject({ deliveryId: 'd1', repository: 'Acme/Widgets', sha: SHA_A, jobId: jobKey(7, 'Acme', 'Widgets', SHA_A), attempt: 1, retryInMs: 750 });
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['attempt 3 of 3 failed; no attempts left']);
    expect(await q.depth()).toBe(0);
    await q.close();
  });

  it('waits at least the Retry-After of the error', async () => {
    jest.useFakeTimers({ now: 5_000 });
    const q = new MemoryQueue({ retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000 }, random: () => 0 });
    const at: number[] = [];
    await q.start(async () => {
      at.push(Date.now());
      if (at.length === 1) throw new RetryableError('secondary rate limit', 30_000);
    });
    await q.enqueue(gate(SHA_A, 'd1'));
    await jest.advanceTimersByTimeAsync(29_999);
    expect(at).toEqual([5_000]);
    await jest.advanceTimersByTimeAsync(1);
    expect(at).toEqual([5_000, 35_000]);
    await q.close();
  });

  it('fails other errors at once, without retrying', async () => {
    jest.useFakeTimers();
    const outcomes: JobOutcome[] = [];
    const q = new MemoryQueue({ observer: { finished: (_j, o) => outcomes.push(o) } });
    let runs = 0;
    await q.start(async () => {
      runs++;
      throw new Error('config is invalid');
    });
    await q.enqueue(gate(SHA_A, 'd1'));
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(runs).toBe(1);
    expect(outcomes).toEqual(['failed']);
    await q.close();
  });

  it('folds a failed job into a newer waiting one, which runs at once with its own attempt count', async () => {
    jest.useFakeTimers({ now: 0 });
    const q = new MemoryQueue({ retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 } });
    const p = controlled();
    await q.start(p.processor);
    await q.enqueue(gate(SHA_A, 'old', 'workflow_run', { workflowRunId: 5, workflowName: 'CI', pullNumber: 2 }));
    await jest.advanceTimersByTimeAsync(0);
    expect(await q.enqueue(gate(SHA_A, 'new', 'pull_request'))).toBe('queued');
    p.calls[0]!.done.reject(new RetryableError('502'));
    await jest.advanceTimersByTimeAsync(0);
    expect(p.calls).toHaveLength(2);
    const second = p.calls[1]!;
    expect(second.ctx.attempt).toBe(1);
    expect(second.job.deliveries).toEqual(['old', 'new']);
    // The stronger reason (the run's evaluation) survives the merge.
    expect(second.job.reason).toBe('workflow_run');
    expect(second.job.workflowRunId).toBe(5);
    expect(second.job.pullNumber).toBe(2);
    second.done.resolve();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(p.calls).toHaveLength(2);
    await q.close();
  });

  it('close(): takes no new job, lets running ones finish within the grace period, then aborts them', async () => {
    jest.useFakeTimers({ now: 0 });
    const outcomes: [string, JobOutcome][] = [];
    const log = recordingLog();
    const q = new MemoryQueue({ graceMs: 1000, abortWaitMs: 500, log, observer: { finished: (j, o) => outcomes.push([j.deliveryId, o]) } });
    const aborted: string[] = [];
    let release!: () => void;
    await q.start(
      async (job, ctx) => {
        if (job.deliveryId === 'quick') {
          await new Promise<void>((r) => (release = r));
          return;
        }
        // Stops only when aborted.
        await new Promise<void>((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted.push(job.deliveryId);
            reject(new Error('aborted'));
          }),
        );
      },
      { concurrency: 2 },
    );
    await q.enqueue(gate(SHA_A, 'quick'));
    await q.enqueue(gate(SHA_B, 'stuck'));
    await q.enqueue(gate(SHA_C, 'waiting'));
    await jest.advanceTimersByTimeAsync(0);
    let closed = false;
    const closing = q.close().then(() => (closed = true));
    await expect(q.enqueue(gate(SHA_C, 'late'))).rejects.toThrow('the job queue is closed');
    expect(await q.ready()).toBe(false);
    await jest.advanceTimersByTimeAsync(100);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(outcomes).toEqual([['quick', 'completed']]);
    // The waiting job never started.
    await jest.advanceTimersByTimeAsync(899);
    expect(aborted).toEqual([]);
    expect(closed).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(aborted).toEqual(['stuck']);
    await closing;
    expect(outcomes).toEqual([
      ['quick', 'completed'],
      ['stuck', 'released'],
    ]);
    expect(log.lines.filter((l) => l.level !== 'debug').map((l) => l.msg)).toEqual([
      '1 job(s) still running after 1000 ms: stopping them',
      'job stopped by shutdown; the in-memory queue does not keep it',
      '1 waiting job(s) dropped at shutdown',
    ]);
  });

  it('refuses a second start and bad concurrency', async () => {
    const q = new MemoryQueue();
    await expect(q.start(async () => {}, { concurrency: 0 })).rejects.toThrow('concurrency must be a whole number from 1 to 1000, not 0');
    await q.start(async () => {});
    await expect(q.start(async () => {})).rejects.toThrow('already started');
    await q.close();
    expect(() => new MemoryQueue({ retry: { maxAttempts: 0 } })).toThrow('retry.maxAttempts must be a whole number >= 1, not 0');
  });
});
