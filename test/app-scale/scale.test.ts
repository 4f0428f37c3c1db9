/**
 * End to end, as deployed: one web process and two worker processes (child
 * processes running src/app/serve.ts, the `npm start` entry) on the real
 * Redis, against the fake GitHub (test/helpers/github, every request checked
 * against GitHub's REST description), with the App engineer's processor
 * (src/app/worker.ts) publishing through the real publisher, and Probot's
 * throttling shared by the processes through Redis.
 *
 * 500 signed webhooks for 50 pull requests (50 installations), 150 of them
 * redeliveries; one worker is killed (SIGKILL) while it runs jobs. Every
 * pull request must end with exactly one completed check run per gate,
 * with the conclusions the processor gives for the same reports alone, and
 * exactly one comment; no redelivery is enqueued; the survivors stop
 * gracefully on SIGTERM.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createProcessor } from '../../src/app/worker.js';
import { FEATURE_SHA, MAIN_SHA, job, jobContext, prFiles, reportsZip, startAppGitHub, widgetsFile } from '../app/support.js';
import { APP_ID, GATE_CHECKS, finished, jsonLines, outcomeOf, plan, sendAll, startApp, startFleet, stopApp, type AppProcess, type Fleet } from './fleet.js';
import { REDIS_URL, cleanPrefix, parseMetrics, redisSuite, uniquePrefix, waitFor } from './support.js';

const redisUp = await redisSuite('end-to-end scaling test');
const suite = redisUp ? describe : describe.skip;

const PRS = 50;
const processes: AppProcess[] = [];
let fleet: Fleet | undefined;
let prefix: string | undefined;

afterAll(async () => {
  for (const p of processes) {
    p.child.proc.kill('SIGKILL');
    await p.child.exited;
  }
  await fleet?.gh.close();
  if (prefix) await cleanPrefix(prefix);
});

/** The conclusions the processor publishes for the sample's pull request when it runs alone. */
async function referenceConclusions(): Promise<Record<string, string | null>> {
  const gh = await startAppGitHub();
  try {
    const s = gh.fake.state;
    const config = widgetsFile('source-main/.sdlc.yml');
    s.addFile('main', '.sdlc.yml', config);
    s.addFile(FEATURE_SHA, '.sdlc.yml', config);
    s.addPull({ number: 7, headSha: FEATURE_SHA, baseSha: MAIN_SHA, headRef: 'feature', baseRef: 'main', files: prFiles() });
    s.addRun({ id: 9001, headSha: FEATURE_SHA, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI' });
    s.addArtifact(9001, 'sdlc-reports', await reportsZip('feature'));
    await createProcessor({ getOctokit: () => gh.octokit(), appId: APP_ID })(job('workflow_run', { workflowRunId: 9001, workflowName: 'CI', pullNumber: 7 }), jobContext());
    return Object.fromEntries(s.checkRuns(FEATURE_SHA).map((r) => [r.name, r.conclusion]));
  } finally {
    await gh.close();
  }
}

async function metricsOf(p: AppProcess): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${p.url}/metrics`)).text());
}

suite('web + 2 workers on Redis, 500 webhooks for 50 pull requests', () => {
  it('publishes exactly one check run per gate and one comment per pull request, loses no job to a killed worker, and does nothing for redeliveries', async () => {
    const reference = await referenceConclusions();
    // What the CLI concluded for the same reports (the coverage gate differs: the App has no base coverage here).
    const cli = JSON.parse(widgetsFile('cli-verdict-feature.json')) as { gates: { id: string; outcome: string }[] };
    for (const g of cli.gates.filter((x) => x.id !== 'coverage')) expect(reference[`SDLC / ${g.id}`]).toBe(g.outcome === 'pass' ? 'success' : 'failure');
    expect(Object.keys(reference).sort()).toEqual([...GATE_CHECKS].sort());
    expect(reference['SDLC / verdict']).toBe('failure');

    fleet = await startFleet(PRS);
    prefix = uniquePrefix('scale');
    const env = { githubUrl: fleet.gh.url, redisUrl: REDIS_URL, prefix, concurrency: 20 };
    const web = await startApp('web', env);
    processes.push(web);
    const [w1, w2] = [await startApp('worker', env), await startApp('worker', env)];
    processes.push(w1!, w2!);

    const deliveries = plan(fleet.prs, prefix);
    expect(deliveries).toHaveLength(500);
    let kill: Promise<number> | undefined;
    const results = await sendAll(`${web.url}/api/github/webhooks`, deliveries, 10, (done) => {
      if (done === 150 && !kill) {
        // Kill worker 1 while it is running jobs.
        kill = waitFor('worker 1 to run jobs', async () => {
          const running = (await metricsOf(w1!)).get('sdlc_jobs_running') ?? 0;
          return running >= 1 ? running : undefined;
        }).then((running) => {
          w1!.child.proc.kill('SIGKILL');
          return running;
        });
      }
    });
    const runningAtKill = await kill!;
    expect(runningAtKill).toBeGreaterThanOrEqual(1);
    expect((await w1!.child.exited).signal).toBe('SIGKILL');

    // Answers: every fresh delivery 202, every redelivery 200 (duplicate).
    expect(results.filter((r) => !r.delivery.redelivery).map((r) => r.status)).toEqual(new Array(350).fill(202));
    expect(results.filter((r) => r.delivery.redelivery).map((r) => r.status)).toEqual(new Array(150).fill(200));

    await waitFor('every pull request to be published', () => fleet!.prs.every((pr) => finished(outcomeOf(fleet!.fake, pr))), 180_000, 250);
    await waitFor(
      'the queue to drain',
      async () => {
        const [wm, sm] = [await metricsOf(web), await metricsOf(w2!)];
        return wm.get('sdlc_queue_depth') === 0 && sm.get('sdlc_jobs_running') === 0;
      },
      60_000,
      250,
    );

    for (const pr of fleet.prs) {
      const o = outcomeOf(fleet.fake, pr);
      expect({ repo: pr.fullName, checks: o.checks.map((c) => [c.name, c.status, c.conclusion]), comments: o.comments }).toEqual({
        repo: pr.fullName,
        checks: [...GATE_CHECKS].sort().map((name) => [name, 'completed', reference[name]]),
        comments: 1,
      });
    }
    expect(fleet.fake.violations).toEqual([]);
    expect(fleet.gh.runListViolations).toEqual([]);

    // The web process: 350 deliveries handled and enqueued, 150 redeliveries answered without work.
    const wm = await metricsOf(web);
    expect(wm.get('sdlc_webhooks_total{event="pull_request",outcome="accepted"}')).toBe(150);
    expect(wm.get('sdlc_webhooks_total{event="workflow_run",outcome="accepted"}')).toBe(100);
    expect(wm.get('sdlc_webhooks_total{event="check_suite",outcome="accepted"}')).toBe(50);
    expect(wm.get('sdlc_webhooks_total{event="check_run",outcome="accepted"}')).toBe(50);
    expect(wm.get('sdlc_webhooks_total{event="pull_request",outcome="duplicate"}')).toBe(50);
    expect(wm.get('sdlc_webhooks_total{event="workflow_run",outcome="duplicate"}')).toBe(50);
    expect(wm.get('sdlc_webhooks_total{event="check_suite",outcome="duplicate"}')).toBe(50);
    const enqueued = ['queued', 'coalesced', 'duplicate'].map((r) => wm.get(`sdlc_jobs_enqueued_total{result="${r}"}`) ?? 0);
    expect(enqueued[0]! + enqueued[1]!).toBe(350);
    expect(enqueued[2]).toBe(0);
    // Coalescing saved runs.
    expect(enqueued[1]).toBeGreaterThan(0);

    // The survivor took over the killed worker's jobs once their locks ran out.
    const survivor = jsonLines(w2!);
    expect(survivor.filter((l) => l.msg === 'a stalled job was moved back to waiting').length).toBeGreaterThanOrEqual(1);
    // Every log line about a job names the delivery, repository, SHA and job.
    const jobLines = survivor.filter((l) => l.jobId !== undefined);
    expect(jobLines.length).toBeGreaterThan(100);
    for (const l of jobLines) {
      expect([typeof l.deliveryId, typeof l.repository, typeof l.sha]).toEqual(['string', 'string', 'string']);
      expect(String(l.jobId)).toBe(`${String(l.jobId).split('/')[0]}/acme/${String(l.repository).split('/')[1]}@${String(l.sha)}`);
    }
    const sm = await metricsOf(w2!);
    expect(sm.get('sdlc_jobs_total{outcome="failed"}') ?? 0).toBe(0);
    expect(sm.get('sdlc_jobs_total{outcome="completed"}')).toBeGreaterThanOrEqual(PRS);

    // Graceful stop.
    expect(await stopApp(web)).toEqual({ code: 0, signal: null });
    expect(await stopApp(w2!)).toEqual({ code: 0, signal: null });
  }, 300_000);
});
