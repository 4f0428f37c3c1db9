/**
 * A worker process for the BullMQ tests: runs a BullQueue worker on the
 * prefix in argv, reports every job it starts to the parent (IPC), and then
 * either never finishes it (`hang`: the parent kills the process) or
 * finishes it after `ms` milliseconds (`work <ms>`).
 */
import { BullQueue } from '../../src/app/queue/bullmq.js';

const [redisUrl, prefix, mode, ms] = process.argv.slice(2);
const queue = new BullQueue({ redisUrl: redisUrl!, prefix: prefix!, lockMs: 1000, stalledIntervalMs: 250, busyDelayMs: 100 });
await queue.start(
  async (job, ctx) => {
    process.send!({ started: job.key, deliveries: job.deliveries ?? [job.deliveryId], attempt: ctx.attempt, pid: process.pid });
    if (mode === 'hang') await new Promise(() => {});
    await new Promise((r) => setTimeout(r, Number(ms ?? 0)));
    process.send!({ finished: job.key, pid: process.pid });
  },
  { concurrency: 2 },
);
process.send!({ ready: process.pid });
process.on('SIGTERM', () => {
  queue.close().then(() => process.exit(0));
});
