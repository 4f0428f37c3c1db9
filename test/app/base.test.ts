/**
 * Base coverage for max_drop: read back from what the App published for the
 * base commit (its `SDLC / verdict` check run, else its tag), against the
 * fake GitHub.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { baseCoverage, baseInfo, candidateTagNames, tagMessageCoveragePct } from '../../src/app/base.js';
import { createProcessor } from '../../src/app/worker.js';
import { loadConfig } from '../../src/core/config/load.js';
import { defaultConfig } from '../../src/core/config/schema.js';
import { FEATURE_SHA, MAIN_SHA, job, jobContext, reportsZip, startAppGitHub, widgetsFile, type AppGitHub } from './support.js';

const APP_ID = 4242;
const CONFIG = widgetsFile('source-main/.sdlc.yml');
const config = loadConfig(CONFIG);
/** jest's "Lines : 78.94% ( 15/19 )" on main. */
const MAIN_PCT = (15 * 100) / 19;

let gh: AppGitHub;
const logged: string[] = [];
const log = { info: (m: string) => logged.push(`info ${m}`), warn: (m: string) => logged.push(`warn ${m}`) };

beforeEach(async () => {
  gh = await startAppGitHub();
  logged.length = 0;
});

afterEach(async () => {
  expect(gh.fake.violations).toEqual([]);
  await gh.close();
});

/** Evaluate the push of main with the App itself: it publishes SDLC / verdict and the tag. */
async function publishMain(): Promise<void> {
  const s = gh.fake.state;
  s.addFile('main', '.sdlc.yml', CONFIG);
  s.addRun({ id: 8001, headSha: MAIN_SHA, headBranch: 'main', event: 'push', name: 'CI' });
  s.addArtifact(8001, 'sdlc-reports', await reportsZip('main'));
  await createProcessor({ getOctokit: () => gh.octokit(), appId: APP_ID })(
    job('workflow_run', { headSha: MAIN_SHA, workflowRunId: 8001, workflowName: 'CI', branch: 'main' }),
    jobContext(),
  );
}

const at = { owner: 'acme', repo: 'widgets', sha: MAIN_SHA, ref: 'main', config, appId: APP_ID };

describe('baseCoverage', () => {
  it('reads the base commit’s SDLC / verdict check run', async () => {
    await publishMain();
    const found = await baseCoverage(gh.octokit(), at, log);
    const verdictRun = gh.fake.state.checkRuns(MAIN_SHA).find((r) => r.name === 'SDLC / verdict')!;
    expect(found).toEqual({ coveragePct: MAIN_PCT, source: `check run ${verdictRun.id}` });
  });

  it('falls back to the base commit’s tag when there is no check run', async () => {
    await publishMain();
    gh.fake.state.checkRunList.length = 0;
    const found = await baseCoverage(gh.octokit(), at, log);
    expect(found).toEqual({ coveragePct: MAIN_PCT, source: 'tag sdlc/implementation/pass/1d86174' });
  });

  it('believes only this App’s check runs, and only a verdict about the base commit itself', async () => {
    const marker = (head: string, pct: number) =>
      `<!-- sdlc-verdict:v1 {"version":1,"outcome":"pass","phase":"implementation","head":"${head}","gates":[{"id":"coverage","outcome":"pass","metrics":{"pct":${pct}}}]} -->`;
    const s = gh.fake.state;
    s.addCheckRun({ headSha: MAIN_SHA, name: 'SDLC / verdict', conclusion: 'success', app: { id: 999, slug: 'impostor', name: 'Impostor' }, output: { title: 't', summary: marker(MAIN_SHA, 100) } });
    expect(await baseCoverage(gh.octokit(), at, log)).toBeUndefined();
    s.addCheckRun({ headSha: MAIN_SHA, name: 'SDLC / verdict', conclusion: 'success', output: { title: 't', summary: marker(FEATURE_SHA, 99) } });
    expect(await baseCoverage(gh.octokit(), at, log)).toBeUndefined();
    expect(logged).toContain(`warn check run ${s.checkRunList[1]!.id} on 1d86174 carries a verdict for 439c13b; not used`);
    s.addCheckRun({ headSha: MAIN_SHA, name: 'SDLC / verdict', conclusion: 'success', output: { title: 't', summary: marker(MAIN_SHA, 61.5) } });
    expect((await baseCoverage(gh.octokit(), at, log))?.coveragePct).toBe(61.5);
  });

  it('a malformed marker is a warning, not a crash', async () => {
    gh.fake.state.addCheckRun({ headSha: MAIN_SHA, name: 'SDLC / verdict', conclusion: 'success', output: { title: 't', summary: '<!-- sdlc-verdict:v1 {"version":1, -->' } });
    expect(await baseCoverage(gh.octokit(), at, log)).toBeUndefined();
    expect(logged.some((l) => l.startsWith('warn check run') && l.includes('verdict marker: invalid JSON'))).toBe(true);
  });

  it('nothing published: undefined, after one check run list and one lookup per possible tag name', async () => {
    expect(await baseCoverage(gh.octokit(), at, log)).toBeUndefined();
    expect(gh.fake.callsTo('checks/list-for-ref')).toHaveLength(1);
    expect(gh.fake.callsTo('git/get-ref').map((c) => c.params.ref)).toEqual([
      'tags/sdlc/implementation/pass/1d86174',
      'tags/sdlc/implementation/fail/1d86174',
      'tags/sdlc/implementation/neutral/1d86174',
    ]);
  });
});

describe('baseInfo', () => {
  it('asks GitHub nothing when max_drop is not set', async () => {
    const info = await baseInfo(gh.octokit(), { ...at, config: defaultConfig() }, log);
    expect(info).toEqual({ sha: MAIN_SHA, ref: 'main' });
    expect(gh.fake.calls).toEqual([]);
  });
});

describe('tag names and messages', () => {
  it('a template without {outcome} gives one name', () => {
    const c = loadConfig('tagging:\n  template: "verified/{branch}/{sha7}"\n');
    expect(candidateTagNames(c, MAIN_SHA, 'main')).toEqual(['verified/main/1d86174']);
  });

  it('reads the coverage pct from the fenced JSON of a tag message, and nothing from other text', () => {
    expect(tagMessageCoveragePct('SDLC verdict: pass\n\n```json\n{"gates":[{"id":"coverage","metrics":{"pct":81.25}}]}\n```\n')).toBe(81.25);
    expect(tagMessageCoveragePct('```json\n{"gates":[{"id":"coverage","metrics":{"pct":181}}]}\n```')).toBeUndefined();
    expect(tagMessageCoveragePct('```json\n{not json}\n```')).toBeUndefined();
    expect(tagMessageCoveragePct('a release')).toBeUndefined();
  });
});
