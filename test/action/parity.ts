/**
 * The same reports and config must give the same verdict JSON whichever
 * adapter reads them. These helpers produce it for a workspace made by
 * `makeWorkspace` (test/action/workspace.ts):
 * - actionVerdictJson: the bundled Action on a pull_request event (mode
 *   publish with checks and comment off: nothing is sent to GitHub), the
 *   text of the file its `verdict-json` output names;
 * - cliVerdictJson: `sdlc-gate check --format json --base <base sha>`.
 * Both compare with the pull request's base commit. An adapter that reads the
 * changed lines elsewhere (the App: the pull request files API) can build its
 * input from `ws.files` and compare its JSON with these.
 */
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { pullRequestEvent, runDist } from './harness.js';
import type { Workspace } from './workspace.js';

export async function actionVerdictJson(ws: Workspace, number = 7): Promise<string> {
  const run = await runDist({
    workspace: ws.dir,
    eventName: 'pull_request',
    event: pullRequestEvent({ number, headSha: ws.headSha, baseSha: ws.baseSha }),
    sha: ws.headSha,
    inputs: { checks: 'false', comment: 'false', 'fail-on': 'never' },
  });
  if (run.code !== 0 || !run.outputs['verdict-json']) throw new Error(`the Action failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return readFileSync(run.outputs['verdict-json'], 'utf8');
}

export async function cliVerdictJson(ws: Workspace): Promise<string> {
  const r = await runCli(['check', '--format', 'json', '--base', ws.baseSha], ws.dir);
  if (r.code !== 0 && r.code !== 1) throw new Error(`sdlc-gate check failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
