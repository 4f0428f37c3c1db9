/**
 * Webhook handlers on real payloads from @octokit/webhooks-examples, adjusted
 * only in repository, SHA and pull request fields (and `installation`, which
 * every delivery to a GitHub App carries but some examples lack), delivered
 * through Probot's own `receive`: the right job, or none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Probot } from 'probot';
import { parse } from 'yaml';
import { HANDLED_EVENTS, jobFromEvent, registerHandlers } from '../../src/app/handlers.js';
import type { EnqueueResult, GateJob, JobQueue } from '../../src/app/jobs.js';
import { examplePayload } from '../helpers/github/index.js';
import { repoRoot } from '../helpers/fixtures.js';

const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const OTHER = 'ffffeeeeddddccccbbbbaaaa9999888877776666';
const INSTALLATION = 4711;
const REPO_ID = 555001;
const NOW = 1_700_000_000_000;

const repository = { id: REPO_ID, name: 'widgets', full_name: 'acme/widgets', owner: { login: 'acme' }, default_branch: 'main' };
const installation = { id: INSTALLATION };

class RecordingQueue implements JobQueue {
  readonly jobs: GateJob[] = [];
  failWith: Error | undefined;
  async enqueue(job: GateJob): Promise<EnqueueResult> {
    if (this.failWith) throw this.failWith;
    this.jobs.push(job);
    return 'queued';
  }
  async start(): Promise<void> {}
  async depth(): Promise<number> {
    return this.jobs.length;
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

interface LogLine {
  level: string;
  obj: unknown;
  msg: unknown;
}

/** Enough of a pino logger for Probot (it makes child loggers per event). */
function recordingLogger(lines: LogLine[], bindings: object = {}): unknown {
  const at = (level: string) => (obj: unknown, msg?: unknown) => {
    lines.push({ level, obj: typeof obj === 'object' && obj !== null ? { ...bindings, ...obj } : obj, msg: msg ?? obj });
  };
  return {
    level: 'trace',
    child: (b: object) => recordingLogger(lines, { ...bindings, ...b }),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
}

async function deliver(name: string, payload: unknown, id = 'delivery-1'): Promise<{ jobs: GateJob[]; lines: LogLine[] }> {
  const queue = new RecordingQueue();
  const lines: LogLine[] = [];
  const probot = new Probot({ githubToken: 'test-token', log: recordingLogger(lines) as never });
  await probot.load((app) => registerHandlers(app, queue, { now: () => NOW }));
  await probot.receive({ id, name, payload } as never);
  return { jobs: queue.jobs, lines };
}

function key(sha = HEAD): string {
  return `${INSTALLATION}/acme/widgets@${sha}`;
}

describe('pull_request', () => {
  for (const action of ['opened', 'synchronize', 'reopened']) {
    it(`${action} -> a pull_request job naming the pull request and its head repository`, async () => {
      const payload = examplePayload('pull_request', action, {
        repository,
        installation,
        number: 17,
        pull_request: { number: 17, head: { sha: HEAD, repo: { full_name: 'acme/widgets' } } },
      }, action === 'opened' ? 1 : 0);
      const { jobs } = await deliver('pull_request', payload, `d-${action}`);
      expect(jobs).toEqual([
        {
          key: key(),
          deliveryId: `d-${action}`,
          installationId: INSTALLATION,
          owner: 'acme',
          repo: 'widgets',
          headSha: HEAD,
          reason: 'pull_request',
          pullNumber: 17,
          headRepoFullName: 'acme/widgets',
          receivedAt: NOW,
        },
      ]);
    });
  }

  it('a fork pull request keeps the fork as head repository', async () => {
    const payload = examplePayload('pull_request', 'opened', {
      repository,
      installation,
      pull_request: { number: 3, head: { sha: HEAD, repo: { full_name: 'mallory/widgets' } } },
    }, 1);
    const { jobs } = await deliver('pull_request', payload);
    expect(jobs.map((j) => [j.pullNumber, j.headRepoFullName])).toEqual([[3, 'mallory/widgets']]);
  });

  it('a pull request whose fork was deleted (head.repo null) has no head repository', async () => {
    const payload = examplePayload('pull_request', 'synchronize', { repository, installation, pull_request: { number: 4, head: { sha: HEAD, repo: null } } });
    const { jobs } = await deliver('pull_request', payload);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.pullNumber).toBe(4);
    expect('headRepoFullName' in jobs[0]!).toBe(false);
  });

  for (const action of ['closed', 'labeled', 'ready_for_review']) {
    it(`${action} -> no job`, async () => {
      const payload = examplePayload('pull_request', action, { repository, installation, pull_request: { head: { sha: HEAD } } });
      expect((await deliver('pull_request', payload)).jobs).toEqual([]);
    });
  }

  it('no installation -> no job', async () => {
    const payload = examplePayload('pull_request', 'opened', { repository, pull_request: { head: { sha: HEAD } } }, 0);
    expect('installation' in payload).toBe(false);
    const decision = jobFromEvent({ id: 'x', name: 'pull_request', payload }, NOW);
    expect(decision).toEqual({ ignored: 'pull_request.opened: no installation in the payload' });
    expect((await deliver('pull_request', payload)).jobs).toEqual([]);
  });

  it('a head SHA that is not a SHA -> no job, with the reason', async () => {
    const payload = examplePayload('pull_request', 'opened', { repository, installation, pull_request: { head: { sha: 'main' } } }, 1);
    const decision = jobFromEvent({ id: 'x', name: 'pull_request', payload }, NOW);
    expect(decision).toEqual({ ignored: 'pull_request.opened: unexpected payload (pull_request.head.sha: a commit SHA)' });
  });
});

describe('workflow_run', () => {
  const run = (overrides: Record<string, unknown>) =>
    examplePayload('workflow_run', 'completed', { repository, installation, workflow_run: { id: 9001, name: 'CI', head_sha: HEAD, ...overrides } });

  it('a pull request run of this repository -> a workflow_run job with the pull request GitHub lists', async () => {
    const payload = run({
      event: 'pull_request',
      head_branch: 'feature',
      head_repository: { full_name: 'acme/widgets' },
      pull_requests: [{ number: 12, head: { sha: HEAD, ref: 'feature', repo: { id: REPO_ID } }, base: { ref: 'main', repo: { id: REPO_ID } } }],
    });
    const { jobs } = await deliver('workflow_run', payload, 'd-run');
    expect(jobs).toEqual([
      {
        key: key(),
        deliveryId: 'd-run',
        installationId: INSTALLATION,
        owner: 'acme',
        repo: 'widgets',
        headSha: HEAD,
        reason: 'workflow_run',
        workflowRunId: 9001,
        workflowName: 'CI',
        pullNumber: 12,
        headRepoFullName: 'acme/widgets',
        receivedAt: NOW,
      },
    ]);
  });

  it('a fork run (pull_requests empty) -> no pull request number; the fork as head repository; no branch', async () => {
    const payload = run({ event: 'pull_request', head_branch: 'main', head_repository: { full_name: 'mallory/widgets' }, pull_requests: [] });
    const { jobs } = await deliver('workflow_run', payload);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ reason: 'workflow_run', workflowRunId: 9001, headRepoFullName: 'mallory/widgets' });
    expect(jobs[0]!.pullNumber).toBeUndefined();
    expect(jobs[0]!.branch).toBeUndefined();
  });

  it('a listed pull request of another base repository or another head SHA is not taken', async () => {
    const payload = run({
      event: 'pull_request',
      head_repository: { full_name: 'acme/widgets' },
      pull_requests: [
        { number: 5, head: { sha: HEAD, repo: { id: REPO_ID } }, base: { repo: { id: 999 } } },
        { number: 6, head: { sha: OTHER, repo: { id: REPO_ID } }, base: { repo: { id: REPO_ID } } },
      ],
    });
    const { jobs } = await deliver('workflow_run', payload);
    expect(jobs[0]!.pullNumber).toBeUndefined();
  });

  it('a push run -> the pushed branch (for tags)', async () => {
    const payload = run({ event: 'push', head_branch: 'main', head_repository: { full_name: 'acme/widgets' }, pull_requests: [] });
    const { jobs } = await deliver('workflow_run', payload);
    expect(jobs[0]).toMatchObject({ reason: 'workflow_run', branch: 'main', workflowName: 'CI' });
  });

  it('requested / in_progress -> no job', async () => {
    const payload = examplePayload('workflow_run', 'requested', { repository, installation, workflow_run: { head_sha: HEAD } });
    expect((await deliver('workflow_run', payload)).jobs).toEqual([]);
  });
});

describe('check_run and check_suite re-requests', () => {
  it('check_run rerequested on one of our check runs -> rerequested', async () => {
    const payload = examplePayload('check_run', 'rerequested', {
      repository,
      installation,
      check_run: { name: 'SDLC / coverage', head_sha: HEAD, pull_requests: [] },
    });
    const { jobs } = await deliver('check_run', payload, 'd-cr');
    expect(jobs).toEqual([
      { key: key(), deliveryId: 'd-cr', installationId: INSTALLATION, owner: 'acme', repo: 'widgets', headSha: HEAD, reason: 'rerequested', receivedAt: NOW },
    ]);
  });

  it("check_run rerequested on another app's check run -> no job", async () => {
    const payload = examplePayload('check_run', 'rerequested', { repository, installation, check_run: { head_sha: HEAD } });
    expect((payload as { check_run: { name: string } }).check_run.name).toBe('randscape');
    const decision = jobFromEvent({ id: 'x', name: 'check_run', payload }, NOW);
    expect(decision).toEqual({ ignored: 'check_run.rerequested: "randscape" is not one of our check runs' });
    expect((await deliver('check_run', payload)).jobs).toEqual([]);
  });

  it('check_suite rerequested -> rerequested, with the pull request GitHub lists for this head', async () => {
    const payload = examplePayload('check_suite', 'rerequested', {
      repository,
      installation,
      check_suite: {
        head_sha: HEAD,
        pull_requests: [{ number: 2, head: { ref: 'changes', sha: HEAD, repo: { id: REPO_ID } }, base: { ref: 'main', repo: { id: REPO_ID } } }],
      },
    });
    const { jobs } = await deliver('check_suite', payload);
    expect(jobs.map((j) => [j.reason, j.pullNumber, j.headSha])).toEqual([['rerequested', 2, HEAD]]);
  });

  it('check_run created / completed -> no job', async () => {
    for (const action of ['created', 'completed']) {
      const payload = examplePayload('check_run', action, { repository, installation, check_run: { name: 'SDLC / verdict', head_sha: HEAD } });
      expect((await deliver('check_run', payload)).jobs).toEqual([]);
    }
  });
});

describe('push', () => {
  it('a push to a branch -> a push job with the branch', async () => {
    const payload = examplePayload('push', undefined, { repository, installation, after: HEAD }, 4);
    const { jobs } = await deliver('push', payload, 'd-push');
    expect(jobs).toEqual([
      { key: key(), deliveryId: 'd-push', installationId: INSTALLATION, owner: 'acme', repo: 'widgets', headSha: HEAD, reason: 'push', branch: 'master', receivedAt: NOW },
    ]);
  });

  it('a tag push and a deleted branch -> no job', async () => {
    const tag = examplePayload('push', undefined, { repository, installation, after: HEAD }, 0);
    expect((tag as { ref: string }).ref).toBe('refs/tags/simple-tag');
    expect((await deliver('push', tag)).jobs).toEqual([]);
    const deleted = examplePayload('push', undefined, { repository, installation, ref: 'refs/heads/old', deleted: true }, 4);
    expect(jobFromEvent({ id: 'x', name: 'push', payload: deleted }, NOW)).toEqual({ ignored: 'push: refs/heads/old was deleted' });
  });
});

describe('the handler itself', () => {
  it('events the app does not handle are ignored', async () => {
    const payload = examplePayload('issues', 'opened', { repository, installation });
    expect((await deliver('issues', payload)).jobs).toEqual([]);
    expect(jobFromEvent({ id: 'x', name: 'issues', payload }, NOW)).toEqual({ ignored: 'issues.opened: not an event the app handles' });
  });

  it('logs the enqueue with delivery id, repository, SHA and job id', async () => {
    const payload = examplePayload('pull_request', 'opened', { repository, installation, pull_request: { number: 17, head: { sha: HEAD } } }, 1);
    const { lines } = await deliver('pull_request', payload, 'd-log');
    const line = lines.find((l) => l.msg === 'job queued');
    expect(line?.obj).toMatchObject({ deliveryId: 'd-log', repository: 'acme/widgets', sha: HEAD, jobId: key(), reason: 'pull_request', enqueue: 'queued' });
  });

  it('an enqueue failure fails the delivery (answered 5xx, GitHub can redeliver)', async () => {
    const queue = new RecordingQueue();
    queue.failWith = new Error('redis is down');
    const probot = new Probot({ githubToken: 'test-token', log: recordingLogger([]) as never });
    await probot.load((app) => registerHandlers(app, queue));
    const payload = examplePayload('pull_request', 'opened', { repository, installation, pull_request: { head: { sha: HEAD } } }, 1);
    await expect(probot.receive({ id: 'd', name: 'pull_request', payload } as never)).rejects.toThrow('redis is down');
  });
});

describe('app.yml', () => {
  const manifest = parse(readFileSync(join(repoRoot, 'app.yml'), 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> };

  it('subscribes exactly the events the handlers handle', () => {
    const handled = [...new Set(HANDLED_EVENTS.map((e) => e.split('.')[0]))].sort();
    expect([...manifest.default_events].sort()).toEqual(handled);
    expect(handled).toEqual(['check_run', 'check_suite', 'pull_request', 'push', 'workflow_run']);
  });

  it('asks for the least privileges the App uses', () => {
    expect(manifest.default_permissions).toEqual({
      actions: 'read',
      checks: 'write',
      contents: 'write',
      metadata: 'read',
      pull_requests: 'write',
      statuses: 'write',
    });
  });
});
