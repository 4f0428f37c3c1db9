/**
 * Inputs as the runner passes them, the workflow context, and action.yml
 * kept in step with both.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { branchOf, headShaOf, readContext } from '../../src/action/context.js';
import { INPUT_DEFAULTS, INPUT_NAMES, inputEnvName, readInputs } from '../../src/action/inputs.js';
import { OUTPUT_NAMES } from '../../src/action/runner.js';
import { tempDir } from '../helpers/cli.js';
import { repoRoot } from '../helpers/fixtures.js';
import { examplePayload } from '../helpers/github/index.js';
import { pullRequestEvent, pushEvent, workflowRunEvent } from './harness.js';

const TOKEN = { 'INPUT_GITHUB-TOKEN': 'ghs_x' };

describe('readInputs', () => {
  it('reads the runner naming (hyphens kept, upper case) and applies the defaults', () => {
    expect(inputEnvName('github-token')).toBe('INPUT_GITHUB-TOKEN');
    expect(inputEnvName('fail on')).toBe('INPUT_FAIL_ON');
    expect(readInputs(TOKEN)).toEqual({
      config: '.sdlc.yml',
      reports: [],
      token: 'ghs_x',
      base: undefined,
      mode: 'publish',
      failOn: 'gate',
      comment: true,
      checks: true,
      tags: true,
      verdictPath: 'sdlc-verdict/verdict.json',
    });
  });

  it('splits reports on newlines and commas, trims values, and reads YAML booleans', () => {
    const inputs = readInputs({
      ...TOKEN,
      INPUT_REPORTS: ' coverage/lcov.info,\nreports/*.json , \n\n reports/junit.xml ',
      INPUT_COMMENT: 'False',
      INPUT_CHECKS: 'TRUE',
      INPUT_TAGS: ' false ',
      INPUT_BASE: 'origin/main',
      'INPUT_FAIL-ON': 'never',
      INPUT_MODE: 'verdict-only',
    });
    expect(inputs).toMatchObject({
      reports: ['coverage/lcov.info', 'reports/*.json', 'reports/junit.xml'],
      comment: false,
      checks: true,
      tags: false,
      base: 'origin/main',
      failOn: 'never',
      mode: 'verdict-only',
    });
  });

  it.each([
    [{ INPUT_MODE: 'publish-all' }, 'input mode: expected one of publish, verdict-only, publish-verdict'],
    [{ 'INPUT_FAIL-ON': 'always' }, 'input fail-on: expected one of gate, never'],
    [{ INPUT_COMMENT: 'yes' }, 'input comment: expected true or false, got "yes"'],
    [{ INPUT_REPORTS: 'coverage/*.info,../secrets/*' }, 'input reports: "../secrets/*": a glob may not leave the workspace (..)'],
    [{ INPUT_REPORTS: '/etc/passwd' }, 'input reports: "/etc/passwd": expected a glob relative to the workspace (forward slashes)'],
    [{ INPUT_CONFIG: '../.sdlc.yml' }, 'input config: a path may not leave the workspace (..)'],
    [{ 'INPUT_VERDICT-PATH': 'C:/x.json' }, 'input verdict-path: expected a path relative to the workspace (forward slashes)'],
    [{ INPUT_BASE: '--output=/tmp/x' }, 'input base: expected a branch name, tag or commit SHA'],
    [{ INPUT_BASE: 'main..feature' }, 'input base: expected a branch name, tag or commit SHA'],
  ])('one error naming the input: %j', (env, message) => {
    expect(() => readInputs({ ...TOKEN, ...env })).toThrow(message);
    try {
      readInputs({ ...TOKEN, ...env });
    } catch (err) {
      expect((err as Error).message.split('\n')).toHaveLength(1);
    }
  });

  it('lists every invalid input, one per line', () => {
    expect(() => readInputs({ ...TOKEN, INPUT_MODE: 'x', INPUT_TAGS: 'maybe' })).toThrow('input mode: expected one of publish, verdict-only, publish-verdict\ninput tags: expected true or false, got "maybe"');
  });

  it('needs a token to publish, not to write the verdict only', () => {
    expect(() => readInputs({})).toThrow('input github-token: empty, and mode publish publishes to GitHub');
    expect(() => readInputs({ INPUT_MODE: 'publish-verdict' })).toThrow('input github-token: empty, and mode publish-verdict publishes to GitHub');
    expect(readInputs({ INPUT_MODE: 'verdict-only' }).token).toBe('');
  });
});

describe('readContext', () => {
  function ctxFor(eventName: string, event: unknown, extra: Record<string, string> = {}) {
    const dir = tempDir('sdlc-ctx-');
    const path = join(dir, 'event.json');
    writeFileSync(path, JSON.stringify(event));
    return readContext({
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: path,
      GITHUB_REPOSITORY: 'acme/widgets',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_REF: 'refs/pull/3/merge',
      GITHUB_RUN_ID: '99',
      GITHUB_WORKSPACE: dir,
      ...extra,
    });
  }

  it('a pull request: the head commit, not the merge commit', () => {
    const ctx = ctxFor('pull_request', pullRequestEvent({ number: 3, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), headRef: 'feat/x', headRepo: 'fork/widgets' }));
    expect(ctx.pull).toEqual({ number: 3, headSha: 'a'.repeat(40), headRef: 'feat/x', headRepo: 'fork/widgets', baseSha: 'b'.repeat(40), baseRef: 'main', baseRepo: 'acme/widgets' });
    expect(headShaOf(ctx)).toBe('a'.repeat(40));
    expect(branchOf(ctx)).toBeUndefined();
    expect(ctx.runUrl).toBe('https://github.com/acme/widgets/actions/runs/99');
    expect(ctx.apiUrl).toBe('https://api.github.com');
    expect(ctx.defaultBranch).toBe('main');
  });

  it('a push: the branch, and no before commit when the branch is new', () => {
    const ctx = ctxFor('push', pushEvent({ before: '0'.repeat(40), after: 'f'.repeat(40), ref: 'refs/heads/release/1' }), { GITHUB_RUN_ATTEMPT: '2', GITHUB_API_URL: 'https://ghe.example.com/api/v3/' });
    expect(ctx.push).toEqual({ branch: 'release/1', before: undefined });
    expect(branchOf(ctx)).toBe('release/1');
    expect(headShaOf(ctx)).toBe('f'.repeat(40));
    expect(ctx.runUrl).toBe('https://github.com/acme/widgets/actions/runs/99/attempts/2');
    expect(ctx.apiUrl).toBe('https://ghe.example.com/api/v3');
  });

  it('a workflow_run: the triggering run’s head', () => {
    const ctx = ctxFor('workflow_run', workflowRunEvent({ runId: 5, headSha: 'c'.repeat(40), headBranch: 'patch-1', headRepo: 'fork/widgets' }));
    expect(ctx.workflowRun).toMatchObject({ id: 5, headSha: 'c'.repeat(40), headBranch: 'patch-1', event: 'pull_request', headRepo: 'fork/widgets', headOwner: 'fork' });
    expect(headShaOf(ctx)).toBe('c'.repeat(40));
  });

  it('names what is missing or malformed', () => {
    expect(() => readContext({})).toThrow('GITHUB_EVENT_NAME is not set: the Action runs inside a GitHub Actions workflow');
    expect(() => ctxFor('push', {}, { GITHUB_REPOSITORY: 'acme' })).toThrow('GITHUB_REPOSITORY: expected owner/name, got "acme"');
    const bad = examplePayload('pull_request', 'opened', { pull_request: { head: { sha: 'not-a-sha' } } });
    expect(() => ctxFor('pull_request', bad)).toThrow('the pull_request event payload: pull_request.head.sha: expected a commit SHA');
    expect(() => ctxFor('push', {}, { GITHUB_EVENT_PATH: '/nonexistent/event.json' })).toThrow('cannot read the event payload GITHUB_EVENT_PATH (ENOENT)');
  });
});

describe('action.yml', () => {
  const meta = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string; description: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
    branding: { icon: string; color: string };
  };

  it('declares exactly the inputs the runner reads, with the same defaults', () => {
    expect(Object.keys(meta.inputs)).toEqual(INPUT_NAMES);
    for (const name of INPUT_NAMES) expect([name, meta.inputs[name]!.default ?? '']).toEqual([name, INPUT_DEFAULTS[name]]);
  });

  it('declares exactly the outputs the runner sets', () => {
    expect(Object.keys(meta.outputs)).toEqual([...OUTPUT_NAMES]);
  });

  it('runs the committed bundle on node24, with branding', () => {
    expect(meta.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(meta.branding).toEqual({ icon: 'shield', color: 'green' });
  });
});
