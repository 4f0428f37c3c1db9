/**
 * Reading `.sdlc.yml` through the contents API of the fake GitHub (every
 * request checked against GitHub's description), with Probot's `_extends`
 * convention for organisation defaults.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { mergeConfigData, readRepoConfig } from '../../src/app/config.js';
import { defaultConfig } from '../../src/core/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github/index.js';

const SHA = '439c13bf3031be30b53abac139aa8a4d46449703';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let fake: FakeGitHub;
let octokit: Octokit;

beforeAll(async () => {
  fake = await startFakeGitHub();
  octokit = new Octokit({ baseUrl: fake.url, auth: 'token', log: quiet });
});

beforeEach(() => {
  fake.reset();
  fake.state.addRepo({ owner: 'acme', repo: 'widgets' });
  fake.state.addRepo({ owner: 'acme', repo: '.github' });
});

afterAll(async () => {
  await fake.close();
});

function read(ref: string | undefined = SHA) {
  return readRepoConfig(octokit, { owner: 'acme', repo: 'widgets', ...(ref ? { ref } : {}) });
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

function contentUrls(): string[] {
  return fake.callsTo('repos/get-content').map((c) => c.url);
}

describe('the repository config', () => {
  it('no file: every default, after trying the three names', async () => {
    const r = await read();
    expect(r).toEqual({ config: defaultConfig(), extended: [] });
    expect(contentUrls()).toEqual([
      `/repos/acme/widgets/contents/.sdlc.yml?ref=${SHA}`,
      `/repos/acme/widgets/contents/.sdlc.yaml?ref=${SHA}`,
      `/repos/acme/widgets/contents/.github%2Fsdlc.yml?ref=${SHA}`,
    ]);
    expect(fake.violations).toEqual([]);
  });

  it('the first name that exists wins, read at the given ref', async () => {
    fake.state.addFile(SHA, '.github/sdlc.yml', 'phase: release\n');
    fake.state.addFile('main', '.sdlc.yaml', 'phase: testing\n');
    expect((await read()).config.phase).toBe('release');
    expect((await read()).file).toBe('.github/sdlc.yml');
    expect((await read('main')).config.phase).toBe('testing');
  });

  it('an invalid file is a ConfigError with file, line, column and key', async () => {
    fake.state.addFile(SHA, '.sdlc.yml', 'gates:\n  lint:\n    max_errors: -1\n');
    const err = await configError(read());
    expect(err.message).toBe('gates.lint.max_errors: expected number >= 0, got -1 at .sdlc.yml:3:17');
  });

  it('a directory where the file should be is an error, not defaults', async () => {
    fake.state.addFile(SHA, '.sdlc.yml/inner.yml', 'phase: testing\n');
    const err = await configError(read());
    expect(err.message).toBe('is a directory, not a file at .sdlc.yml:1:1');
  });

  it('GitHub errors other than 404 are thrown as they are (for a retry)', async () => {
    fake.fail({ method: 'GET', path: /contents/, status: 502 });
    await expect(read()).rejects.toMatchObject({ status: 502 });
  });
});

describe('_extends: organisation defaults underneath', () => {
  const ORG = ['phase: testing', 'gates:', '  coverage:', '    min: 90', '  tests:', '    min_tests: 10', 'tagging:', '  branches: [main, release/*]', ''].join('\n');

  it('merges the .github repository config under the repository’s, keys of the repository winning', async () => {
    fake.state.addFile('main', '.sdlc.yml', ORG, 'acme/.github');
    fake.state.addFile(SHA, '.sdlc.yml', ['_extends: .github', 'gates:', '  coverage:', '    min: 70', 'tagging:', '  branches: [main]', ''].join('\n'));
    const r = await read();
    expect(r.extended).toEqual(['acme/.github:.sdlc.yml']);
    expect(r.config.phase).toBe('testing');
    expect(r.config.gates.coverage).toEqual({ ...defaultConfig().gates.coverage, min: 70 });
    expect(r.config.gates.tests.min_tests).toBe(10);
    // Lists are taken whole from the repository.
    expect(r.config.tagging.branches).toEqual(['main']);
    // The org file is read from its default branch.
    expect(contentUrls()).toEqual([`/repos/acme/widgets/contents/.sdlc.yml?ref=${SHA}`, '/repos/acme/.github/contents/.sdlc.yml']);
    expect(fake.violations).toEqual([]);
  });

  it('owner/repo:path names another owner and file', async () => {
    fake.state.addRepo({ owner: 'policies-org', repo: 'policies' });
    fake.state.addFile('main', 'gates/strict.yml', 'gates:\n  security:\n    fail_on: medium\n', 'policies-org/policies');
    fake.state.addFile(SHA, '.sdlc.yml', '_extends: policies-org/policies:gates/strict.yml\n');
    const r = await read();
    expect(r.config.gates.security.fail_on).toBe('medium');
    expect(r.extended).toEqual(['policies-org/policies:gates/strict.yml']);
  });

  it('a flow mapping works too', async () => {
    fake.state.addFile('main', '.sdlc.yml', ORG, 'acme/.github');
    fake.state.addFile(SHA, '.sdlc.yml', '{ _extends: .github, phase: release }\n');
    const r = await read();
    expect([r.config.phase, r.config.gates.coverage.min]).toEqual(['release', 90]);
  });

  it('chains are followed', async () => {
    fake.state.addRepo({ owner: 'acme', repo: 'base' });
    fake.state.addFile('main', '.sdlc.yml', 'phase: maintenance\ngates:\n  lint:\n    max_warnings: 3\n', 'acme/base');
    fake.state.addFile('main', '.sdlc.yml', '_extends: base\nphase: testing\n', 'acme/.github');
    fake.state.addFile(SHA, '.sdlc.yml', '_extends: .github\n');
    const r = await read();
    expect([r.config.phase, r.config.gates.lint.max_warnings]).toEqual(['testing', 3]);
    expect(r.extended).toEqual(['acme/.github:.sdlc.yml', 'acme/base:.sdlc.yml']);
  });

  it('a problem in the repository file keeps that file’s lines', async () => {
    fake.state.addFile('main', '.sdlc.yml', ORG, 'acme/.github');
    fake.state.addFile(SHA, '.sdlc.yml', '_extends: .github\ngates:\n  coverage:\n    mni: 70\n');
    const err = await configError(read());
    expect(err.message).toBe('gates.coverage.mni: unknown key "mni" (did you mean "min"?) at .sdlc.yml:4:5');
  });

  it('a problem in the organisation file names that file', async () => {
    fake.state.addFile('main', '.sdlc.yml', 'gates:\n  coverage:\n    min: 900\n', 'acme/.github');
    fake.state.addFile(SHA, '.sdlc.yml', '_extends: .github\n');
    const err = await configError(read());
    expect(err.message).toBe('gates.coverage.min: expected number <= 100, got 900 at acme/.github:.sdlc.yml:3:10');
  });

  it('a target that does not exist is an error at _extends', async () => {
    fake.state.addFile(SHA, '.sdlc.yml', 'phase: testing\n_extends: .github\n');
    const err = await configError(read());
    expect(err.message).toBe(
      '_extends: acme/.github has no .sdlc.yml, .sdlc.yaml, .github/sdlc.yml on its default branch (or the App is not installed on it) at .sdlc.yml:2:1',
    );
  });

  it('a value that is not a repository name is an error', async () => {
    fake.state.addFile(SHA, '.sdlc.yml', '_extends: ../../etc/passwd\n');
    const err = await configError(read());
    expect(err.message).toBe('_extends: "../../etc/passwd" is not a repository name such as .github or owner/repo:path.yml at .sdlc.yml:1:1');
    expect(contentUrls()).toHaveLength(1);
  });

  it('a cycle is an error', async () => {
    fake.state.addFile('main', '.sdlc.yml', '_extends: widgets\n', 'acme/.github');
    fake.state.addFile('main', '.sdlc.yml', '_extends: .github\n');
    const err = await configError(read('main'));
    expect(err.message).toBe('_extends: acme/widgets:.sdlc.yml is already part of this config (an _extends cycle) at acme/.github:.sdlc.yml:1:1');
  });
});

describe('mergeConfigData', () => {
  it('merges mappings key by key and takes anything else from the upper file', () => {
    expect(mergeConfigData({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3] }, e: null })).toEqual({ a: { b: 1, c: [3] }, d: 'x', e: null });
    expect(mergeConfigData({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(mergeConfigData({ a: { b: 1 } }, { a: 'scalar' })).toEqual({ a: 'scalar' });
  });
});
