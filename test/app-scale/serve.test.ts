/**
 * The App's processes (src/app/serve.ts): settings from the environment,
 * the private key forms, the role switch, the roles in one process (memory
 * queue) and apart (web and worker on Redis), Probot's setup flow without
 * credentials, and the container files (Dockerfile, docker-compose.yml),
 * which cannot be run here: their users, health check and roles are checked
 * against what the server really serves.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { jobKey, type GateJob } from '../../src/app/jobs.js';
import { AppMetrics } from '../../src/app/metrics.js';
import { Probot } from 'probot';
import { appOctokit, readPrivateKey, readServeConfig, roleFromArgs, serve, type Running } from '../../src/app/serve.js';
import { tempDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { examplePayload, sendWebhook, startFakeGitHub } from '../helpers/github/index.js';
import { REDIS_URL, cleanPrefix, freePort, parseMetrics, redisReachable, uniquePrefix, waitFor } from './support.js';

const { privateKey: PEM } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const SECRET = 'serve-test-secret';
const SHA = '0123456789abcdef0123456789abcdef01234567';

const running: Running[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
  for (const p of prefixes.splice(0)) await cleanPrefix(p);
});

async function baseEnv(over: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    APP_ID: '4242',
    PRIVATE_KEY: PEM,
    WEBHOOK_SECRET: SECRET,
    GITHUB_API_URL: 'http://127.0.0.1:9',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...over,
  };
}

function prOpened(): unknown {
  return examplePayload('pull_request', 'opened', {
    repository: { name: 'gears', full_name: 'acme/gears', owner: { login: 'acme' } },
    installation: { id: 5 },
    pull_request: { number: 3, head: { sha: SHA, repo: { full_name: 'acme/gears' } } },
  });
}

describe('readServeConfig', () => {
  it('has defaults for everything but the credentials', () => {
    const c = readServeConfig({});
    expect(c).toEqual({
      webhookPath: '/api/github/webhooks',
      port: 3000,
      host: 'localhost',
      queuePrefix: 'sdlc',
      concurrency: 4,
      maxAttempts: 5,
      retryBaseMs: 5000,
      lockMs: 30000,
      stalledIntervalMs: 15000,
      graceMs: 25000,
      deliveryTtlSeconds: 259200,
      throttle: true,
      logLevel: 'info',
      logFormat: 'pretty',
      production: false,
    });
    expect(readServeConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
  });

  it('derives the API and web roots of GitHub Enterprise Server', () => {
    const c = readServeConfig({ GHE_HOST: 'ghe.example.com' });
    expect([c.baseUrl, c.webUrl]).toEqual(['https://ghe.example.com/api/v3', 'https://ghe.example.com']);
    const h = readServeConfig({ GHE_HOST: 'ghe.internal:8443', GHE_PROTOCOL: 'http' });
    expect([h.baseUrl, h.webUrl]).toEqual(['http://ghe.internal:8443/api/v3', 'http://ghe.internal:8443']);
    expect(readServeConfig({ GHE_HOST: 'ghe.example.com', GITHUB_API_URL: 'https://proxy.example.com/github/' }).baseUrl).toBe('https://proxy.example.com/github');
  });

  it('reads the numbers, and lists every problem at once', () => {
    const c = readServeConfig({ APP_ID: '12', WORKER_CONCURRENCY: '16', PORT: '8080', REDIS_URL: 'redis://r:6379', GITHUB_THROTTLE: 'off', QUEUE_PREFIX: 'gk-prod' });
    expect([c.appId, c.concurrency, c.port, c.redisUrl, c.throttle, c.queuePrefix]).toEqual([12, 16, 8080, 'redis://r:6379', false, 'gk-prod']);
    expect(() => readServeConfig({ APP_ID: 'abc', WORKER_CONCURRENCY: '0', PORT: 'http', GHE_HOST: 'https://ghe.example.com', QUEUE_PREFIX: 'a:b' })).toThrow(
      [
        'invalid environment:',
        '  APP_ID: a number',
        '  GHE_HOST: a host name (no scheme, no path)',
        '  PORT: Invalid input: expected number, received NaN',
        '  QUEUE_PREFIX: letters, digits, "_", "." and "-"',
        '  WORKER_CONCURRENCY: Too small: expected number to be >=1',
      ].join('\n'),
    );
  });
});

describe('readPrivateKey', () => {
  it('takes a PEM, a PEM with \\n escapes, base64 of a PEM, or a file', () => {
    expect(readPrivateKey({ PRIVATE_KEY: PEM })).toBe(PEM);
    expect(readPrivateKey({ PRIVATE_KEY: PEM.trim().replace(/\n/g, '\\n') })).toBe(PEM);
    expect(readPrivateKey({ PRIVATE_KEY: Buffer.from(PEM).toString('base64') })).toBe(PEM);
    const dir = tempDir();
    writeFileSync(join(dir, 'app.pem'), PEM);
    expect(readPrivateKey({ PRIVATE_KEY_PATH: join(dir, 'app.pem') })).toBe(PEM);
    expect(readPrivateKey({})).toBeUndefined();
    expect(() => readPrivateKey({ PRIVATE_KEY: 'hunter2' })).toThrow('PRIVATE_KEY is not a PEM private key');
    writeFileSync(join(dir, 'public.pem'), '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n');
    expect(() => readPrivateKey({ PRIVATE_KEY_PATH: join(dir, 'public.pem') })).toThrow(`PRIVATE_KEY_PATH (${join(dir, 'public.pem')}) is not a PEM private key`);
  });
});

describe('roleFromArgs', () => {
  it('reads --role, --role=, then ROLE, default all', () => {
    expect(roleFromArgs(['--role', 'worker'])).toBe('worker');
    expect(roleFromArgs(['--role=web'], { ROLE: 'worker' })).toBe('web');
    expect(roleFromArgs([], { ROLE: 'worker' })).toBe('worker');
    expect(roleFromArgs([], {})).toBe('all');
    expect(() => roleFromArgs(['--role', 'both'], {})).toThrow('--role must be one of web, worker, all, not both');
  });
});

describe('serve', () => {
  it('refuses roles that cannot work with the settings given', async () => {
    await expect(serve({ role: 'worker', env: { LOG_LEVEL: 'silent' }, handleSignals: false })).rejects.toThrow('the worker role needs APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)');
    await expect(serve({ role: 'web', env: await baseEnv(), handleSignals: false })).rejects.toThrow('the web role needs REDIS_URL: separate web and worker processes share the queue in Redis');
    await expect(serve({ role: 'all', env: await baseEnv({ WEBHOOK_SECRET: undefined }), handleSignals: false })).rejects.toThrow("the all role needs WEBHOOK_SECRET (the App's webhook secret)");
    await expect(serve({ role: 'all', env: { NODE_ENV: 'production', LOG_LEVEL: 'silent' }, handleSignals: false })).rejects.toThrow('APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required in production');
  });

  it('runs web and worker in one process with the in-memory queue, and stops gracefully', async () => {
    const jobs: GateJob[] = [];
    const metrics = new AppMetrics({ defaultMetrics: false });
    const r = await serve({ role: 'all', env: await baseEnv(), handleSignals: false, metrics, processor: () => async (job) => void jobs.push(job) });
    running.push(r);
    const res = await sendWebhook(`${r.url}/api/github/webhooks`, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'one' });
    expect(res.status).toBe(202);
    await waitFor('the job', () => jobs.length === 1);
    expect(jobs[0]).toMatchObject({ key: jobKey(5, 'acme', 'gears', SHA), deliveryId: 'one', reason: 'pull_request', pullNumber: 3 });
    const m = parseMetrics(await (await fetch(`${r.url}/metrics`)).text());
    expect(m.get('sdlc_webhooks_total{event="pull_request",outcome="accepted"}')).toBe(1);
    await waitFor('the job to be counted', async () => parseMetrics(await metrics.text()).get('sdlc_jobs_total{outcome="completed"}') === 1);
    expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
    await r.close();
    await r.closed;
    await expect(fetch(`${r.url}/healthz`)).rejects.toThrow();
  });

  it('runs web and worker as separate roles on Redis', async () => {
    if (!(await redisReachable())) {
      if (process.env.CI) throw new Error(`Redis is unreachable at ${REDIS_URL}`);
      process.stderr.write(`SKIPPED the web + worker roles test: Redis is unreachable at ${REDIS_URL}\n`);
      return;
    }
    const prefix = uniquePrefix('roles');
    prefixes.push(prefix);
    const env = { REDIS_URL, QUEUE_PREFIX: prefix };
    const jobs: GateJob[] = [];
    const web = await serve({ role: 'web', env: await baseEnv(env), handleSignals: false, metrics: new AppMetrics({ defaultMetrics: false }) });
    running.push(web);
    const worker = await serve({ role: 'worker', env: await baseEnv({ ...env, WEBHOOK_SECRET: undefined }), handleSignals: false, metrics: new AppMetrics({ defaultMetrics: false }), processor: () => async (job) => void jobs.push(job) });
    running.push(worker);
    // The worker serves health and metrics, not webhooks.
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/api/github/webhooks`, { method: 'POST' })).status).toBe(404);
    const res = await sendWebhook(`${web.url}/api/github/webhooks`, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'two' });
    expect(res.status).toBe(202);
    const again = await sendWebhook(`${web.url}/api/github/webhooks`, { event: 'pull_request', payload: prOpened(), secret: SECRET, deliveryId: 'two' });
    expect(again.status).toBe(200);
    await waitFor('the worker to run the job', () => jobs.length === 1);
    expect(jobs[0]).toMatchObject({ deliveryId: 'two', key: jobKey(5, 'acme', 'gears', SHA) });
    expect((await fetch(`${web.url}/readyz`)).status).toBe(200);
    await new Promise((res2) => setTimeout(res2, 300));
    expect(jobs).toHaveLength(1);
  });

  it('opens Probot’s setup flow without credentials', async () => {
    const before = process.env.NO_SMEE_SETUP;
    process.env.NO_SMEE_SETUP = 'true';
    try {
      const port = await freePort();
      const r = await serve({ role: 'all', env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, handleSignals: false });
      running.push(r);
      const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
      expect([root.status, root.headers.get('location')]).toEqual([302, '/probot']);
      const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
      // The manifest posted to GitHub is our app.yml.
      expect(page).toContain('SDLC Gatekeeper');
      expect(page).toContain('workflow_run');
    } finally {
      if (before === undefined) delete process.env.NO_SMEE_SETUP;
      else process.env.NO_SMEE_SETUP = before;
    }
  });
});

describe('appOctokit', () => {
  it('waits out a short rate limit inside the job and counts it, and fails a long one at once', async () => {
    const fake = await startFakeGitHub({ repos: [{ owner: 'acme', repo: 'gears', installationId: 5 }] });
    try {
      const metrics = new AppMetrics({ defaultMetrics: false });
      const silent = { level: 'silent', child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
      const probot = new Probot({ appId: 4242, privateKey: PEM, baseUrl: fake.url, log: silent as never, Octokit: appOctokit({ on: true }, 'test', metrics) });
      const octokit = await probot.auth(5);
      const limited = (retryAfter: string) => fake.fail({ method: 'GET', path: /^\/repos\/acme\/gears$/, status: 403, headers: { 'retry-after': retryAfter }, body: { message: 'You have exceeded a secondary rate limit' } });
      const waits = async () => parseMetrics(await metrics.text()).get('sdlc_github_rate_limit_waits_total{kind="secondary"}') ?? 0;

      const short = limited('1');
      const t0 = Date.now();
      const ok = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'gears' });
      expect(ok.status).toBe(200);
      expect(short.hits).toBe(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      expect(await waits()).toBe(1);

      const long = limited('120');
      const t1 = Date.now();
      await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'gears' })).rejects.toMatchObject({ status: 403 });
      expect(long.hits).toBe(1);
      expect(Date.now() - t1).toBeLessThan(5000);
      expect(await waits()).toBe(1);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('container files', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => /^[A-Z]+\s/.test(l));
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('runs as an unprivileged user with a health check on /healthz, and either role', async () => {
    const users = instructions.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    // USER is set in the final stage, after the files were copied.
    const final = stages[stages.length - 1]!;
    expect(final).toContain('USER node');
    expect(final.indexOf('USER node')).toBeGreaterThan(final.lastIndexOf('COPY '));
    const health = instructions.find((l) => l.startsWith('HEALTHCHECK '))!;
    const path = /'\/(healthz)'/.exec(health)?.[1];
    expect(path).toBe('healthz');
    expect(instructions).toContain('ENTRYPOINT ["node", "build/app/serve.js"]');
    // Every role serves the path the health check asks for (all here: a lone worker needs Redis).
    const r = await serve({ role: 'all', env: await baseEnv(), handleSignals: false, metrics: new AppMetrics({ defaultMetrics: false }), processor: () => async () => {} });
    running.push(r);
    expect((await fetch(`${r.url}/${path}`)).status).toBe(200);
  });

  it('builds with dev dependencies and ships production dependencies only', () => {
    expect(stages).toHaveLength(3);
    expect(stages[0]).toMatch(/RUN npm ci --ignore-scripts/);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(stages[1]).toMatch(/RUN npm ci --omit=dev/);
    expect(stages[2]).toContain('COPY --from=deps --chown=root:root /app/node_modules ./node_modules');
    expect(stages[2]).toContain('COPY --from=build --chown=root:root /app/build ./build');
    expect(stages[2]).not.toMatch(/npm (ci|install)/);
  });

  it('composes Redis, one web and two workers from the same image', () => {
    const compose = parseYaml(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number }; depends_on?: Record<string, unknown> }>;
    };
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['redis', 'web', 'worker']);
    expect(s.web!.command).toEqual(['--role', 'web']);
    expect(s.worker!.command).toEqual(['--role', 'worker']);
    expect(s.worker!.deploy?.replicas).toBe(2);
    expect(s.web!.image).toBe(s.worker!.image);
    expect(s.web!.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(s.worker!.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(Object.keys(s.worker!.depends_on ?? {})).toEqual(['redis']);
  });
});
