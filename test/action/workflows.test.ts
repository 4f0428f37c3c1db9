/**
 * The workflow files: this repository's CI and the two workflows
 * docs/action.md gives for pull requests from forks, read as YAML, with
 * their permissions kept to what each needs.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/fixtures.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[]; if?: string }>;
}

function docWorkflows(): Workflow[] {
  const md = readFileSync(join(repoRoot, 'docs/action.md'), 'utf8');
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Workflow).filter((w) => w && typeof w === 'object' && 'jobs' in w);
}

describe('docs/action.md', () => {
  const [quick, prRun, publish] = docWorkflows();

  it('gives three complete workflows', () => {
    expect([quick?.name, prRun?.name, publish?.name]).toEqual(['CI', 'CI', 'SDLC verdict']);
  });

  it("the fork pull request's run has a read-only token and writes the verdict only", () => {
    expect(Object.keys(prRun!.on)).toEqual(['pull_request']);
    expect(prRun!.permissions).toEqual({ contents: 'read' });
    const steps = prRun!.jobs.test!.steps;
    expect(steps.find((s) => s.uses?.startsWith('sdlc-gatekeeper/'))!.with).toEqual({ mode: 'verdict-only' });
    expect(steps.find((s) => s.uses === 'actions/upload-artifact@v4')!.with).toMatchObject({ name: 'sdlc-verdict', path: 'sdlc-verdict/verdict.json' });
  });

  it('the publishing run has least privilege, never checks out the pull request, and reads the artifact of the triggering run', () => {
    expect(publish!.on).toEqual({ workflow_run: { workflows: ['CI'], types: ['completed'] } });
    expect(publish!.permissions).toEqual({ contents: 'read', actions: 'read', checks: 'write', 'pull-requests': 'write' });
    const steps = publish!.jobs.publish!.steps;
    const checkout = steps.find((s) => s.uses === 'actions/checkout@v4')!;
    expect(checkout.with).toEqual({ 'persist-credentials': false });
    expect(steps.find((s) => s.uses === 'actions/download-artifact@v4')!.with).toEqual({
      name: 'sdlc-verdict',
      path: 'sdlc-verdict',
      'run-id': '${{ github.event.workflow_run.id }}',
      'github-token': '${{ github.token }}',
    });
    expect(steps.find((s) => s.uses?.startsWith('sdlc-gatekeeper/'))!.with).toEqual({ mode: 'publish-verdict' });
    expect(steps.some((s) => s.run !== undefined)).toBe(false);
  });
});

describe('.github/workflows/ci.yml', () => {
  const ci = parse(readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8')) as Workflow;

  it('runs the Action from this checkout with checks: write, pull-requests: write, contents: read', () => {
    const job = ci.jobs.build!;
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'read', checks: 'write', 'pull-requests': 'write' });
    const action = job.steps.find((s) => s.uses === './')!;
    expect(action.with).toEqual({ tags: false });
    const order = job.steps.map((s) => s.uses ?? s.run ?? '');
    expect(order.indexOf('npm run gate')).toBeLessThan(order.indexOf('actions/upload-artifact@v4'));
    expect(order.indexOf('actions/upload-artifact@v4')).toBeLessThan(order.indexOf('./'));
    expect(order.some((s) => s.includes('npm run bundle') && s.includes('git diff --exit-code -- dist/'))).toBe(true);
  });
});
