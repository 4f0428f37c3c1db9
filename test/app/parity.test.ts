/**
 * The App, the Action and `sdlc-gate check --format json` reach the same
 * verdict for the same reports and config (the Action and the CLI byte for
 * byte; the App the same outcomes and metrics), although the App has no
 * checkout: reports from the workflow artifact, changed lines from the pull
 * request files API, report paths resolved without a repository file list.
 * The workspace and the CLI run come from the Action's parity tests
 * (test/action/parity.ts, test/action/workspace.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createProcessor } from '../../src/app/worker.js';
import { parseVerdictMarker } from '../../src/core/render/check.js';
import { actionVerdictJson, cliVerdictJson } from '../action/parity.js';
import { FAILING_CONFIG, PASSING_CONFIG, makeWorkspace } from '../action/workspace.js';
import { job, jobContext, startAppGitHub, zipOf, type AppGitHub } from './support.js';

let gh: AppGitHub;

beforeEach(async () => {
  gh = await startAppGitHub();
});

afterEach(async () => {
  expect(gh.fake.violations).toEqual([]);
  await gh.close();
});

describe('the App, the Action and the CLI', () => {
  it.each([
    ['failing gates', FAILING_CONFIG],
    ['passing gates', PASSING_CONFIG],
  ])('judge the same: %s', async (_name, config) => {
    const ws = makeWorkspace({ config });
    const cliText = await cliVerdictJson(ws);
    const cli = JSON.parse(cliText) as { outcome: string; gates: { id: string; outcome: string; metrics: unknown }[] };
    expect(await actionVerdictJson(ws)).toBe(cliText);

    const s = gh.fake.state;
    s.addFile(ws.headSha, '.sdlc.yml', config);
    s.addPull({ number: 7, headSha: ws.headSha, baseSha: ws.baseSha, headRef: 'feature', baseRef: 'main', files: ws.files });
    s.addRun({ id: 500, headSha: ws.headSha, headBranch: 'feature', event: 'pull_request', pullRequests: [7], name: 'CI' });
    const entries = ['coverage/lcov.info', 'reports/eslint.json', 'reports/junit.xml'];
    s.addArtifact(500, 'sdlc-reports', await zipOf(Object.fromEntries(entries.map((e) => [e, readFileSync(join(ws.dir, e))]))));

    await createProcessor({ getOctokit: () => gh.octokit(), appId: 4242 })(
      job('workflow_run', { headSha: ws.headSha, workflowRunId: 500, workflowName: 'CI', pullNumber: 7 }),
      jobContext(),
    );
    const verdictRun = s.checkRuns(ws.headSha).find((r) => r.name === 'SDLC / verdict')!;
    const marker = parseVerdictMarker(verdictRun.output.summary ?? '')!;
    expect(marker.outcome).toBe(cli.outcome);
    expect(marker.gates).toEqual(cli.gates.map((g) => ({ id: g.id, outcome: g.outcome, metrics: g.metrics })));
  }, 60_000);
});
