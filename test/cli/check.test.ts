import { beforeAll, describe, expect, it } from '@jest/globals';
import { git, runCli, tempDir, write } from '../helpers/cli.js';

const SRC_MAIN = Array.from({ length: 10 }, (_, i) => `export const v${i + 1} = ${i + 1};`).join('\n') + '\n';
const SRC_FEATURE = SRC_MAIN + Array.from({ length: 10 }, (_, i) => `export const w${i + 11} = ${i + 11};`).join('\n') + '\n';

/** lcov as written on a CI runner: absolute paths from another machine. */
function lcov(): string {
  const da = [
    [2, 1], [3, 1], [5, 1], [6, 1], [8, 1],
    [12, 1], [13, 4], [14, 1], [16, 0], [17, 0],
  ];
  return ['TN:', 'SF:/home/runner/work/proj/proj/src/calc.ts', ...da.map(([l, h]) => `DA:${l},${h}`), `LF:${da.length}`, 'LH:8', 'end_of_record', ''].join('\n');
}

function eslintJson(): string {
  const msg = (line: number) => ({ ruleId: 'no-var', severity: 2, message: 'Unexpected var, use let or const instead.', line, column: 1, endLine: line, endColumn: 5, nodeType: 'VariableDeclaration' });
  return JSON.stringify([
    {
      filePath: '/home/runner/work/proj/proj/src/calc.ts',
      messages: [msg(3), msg(13)],
      suppressedMessages: [],
      errorCount: 2,
      fatalErrorCount: 0,
      warningCount: 0,
      fixableErrorCount: 0,
      fixableWarningCount: 0,
      usedDeprecatedRules: [],
    },
  ]);
}

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="0" errors="0" time="0.5">
  <testsuite name="calc" tests="3" failures="0" errors="0" skipped="0" time="0.5">
    <testcase classname="calc adds" name="calc adds" time="0.1"/>
    <testcase classname="calc subtracts" name="calc subtracts" time="0.1"/>
    <testcase classname="calc multiplies" name="calc multiplies" time="0.1"/>
  </testsuite>
</testsuites>
`;

const CONFIG = `reports:
  coverage: [ci-reports/lcov.info]
  lint: [ci-reports/eslint.json]
  tests: [ci-reports/junit.xml]
gates:
  security:
    enabled: false
`;

let repo: string;

beforeAll(() => {
  repo = tempDir();
  git(repo, 'init', '-q');
  write(repo, 'src/calc.ts', SRC_MAIN);
  write(repo, 'README.md', '# proj\n');
  write(repo, '.sdlc.yml', CONFIG);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  git(repo, 'checkout', '-qb', 'feature');
  write(repo, 'src/calc.ts', SRC_FEATURE);
  git(repo, 'commit', '-qam', 'feature');
  write(repo, 'ci-reports/lcov.info', lcov());
  write(repo, 'ci-reports/eslint.json', eslintJson());
  write(repo, 'ci-reports/junit.xml', JUNIT);
});

type JsonVerdict = {
  outcome: string;
  gates: { id: string; outcome: string; summary: string; metrics: Record<string, unknown>; uncovered?: { path: string; ranges: number[][] }[]; findings?: { path?: string; line?: number }[] }[];
};

function gate(v: JsonVerdict, id: string) {
  const g = v.gates.find((x) => x.id === id);
  if (!g) throw new Error(`no gate ${id}`);
  return g;
}

describe('sdlc-gate check on a real git repository', () => {
  it('computes changed-line coverage against --base with absolute report paths from another machine', async () => {
    const r = await runCli(['check', '--base', 'main', '--format', 'json'], repo);
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout) as JsonVerdict;
    const patch = gate(v, 'patch_coverage');
    expect(patch.metrics).toMatchObject({ total: 5, covered: 3, pct: 60 });
    expect(patch.uncovered).toEqual([{ path: 'src/calc.ts', ranges: [[16, 17]] }]);
    expect(patch.outcome).toBe('fail');
    expect(patch.summary).toBe('Changed-line coverage 60 % (3/5) < 85 %');
    const cov = gate(v, 'coverage');
    expect(cov.metrics).toMatchObject({ total: 10, covered: 8, pct: 80 });
    expect(cov.outcome).toBe('pass');
    // Only the lint error on an added line counts in the default `added` mode.
    const lint = gate(v, 'lint');
    expect(lint.metrics).toMatchObject({ errors: 1, filtered_out: 1 });
    expect(lint.findings).toMatchObject([{ path: 'src/calc.ts', line: 13 }]);
    expect(gate(v, 'tests').metrics).toMatchObject({ total: 3, passed: 3, failed: 0 });
    expect(v.outcome).toBe('fail');
    expect(r.code).toBe(1);
  });

  it('without a base every lint finding counts and changed-line coverage is neutral', async () => {
    const r = await runCli(['check', '--format', 'json'], repo);
    const v = JSON.parse(r.stdout) as JsonVerdict;
    expect(gate(v, 'lint').metrics).toMatchObject({ errors: 2 });
    expect(gate(v, 'patch_coverage').outcome).toBe('neutral');
  });

  it('passes when thresholds are met, and fails (exit 1) when one is raised above what the repo reaches', async () => {
    write(repo, 'pass.yml', CONFIG.replace('gates:', 'gates:\n  lint:\n    max_errors: 2\n  patch_coverage:\n    min: 60'));
    const ok = await runCli(['check', '--config', 'pass.yml', '--base', 'main'], repo);
    expect(ok.stdout).toMatch(/^SDLC verdict: PASS/);
    expect(ok.code).toBe(0);
    write(repo, 'strict.yml', CONFIG.replace('gates:', 'gates:\n  lint:\n    max_errors: 2\n  patch_coverage:\n    min: 60\n  coverage:\n    min: 81'));
    const strict = await runCli(['check', '--config', 'strict.yml', '--base', 'main'], repo);
    expect(strict.stdout).toMatch(/Coverage 80 % < 81 %/);
    expect(strict.code).toBe(1);
  });

  it('prints a table without colours when not on a terminal, with colours on one', async () => {
    const plain = await runCli(['check', '--base', 'main'], repo);
    expect(plain.stdout).toContain('Changed-line coverage  fail');
    expect(plain.stdout).toContain('uncovered src/calc.ts: 16-17');
    expect(plain.stdout).not.toContain('\u001b[');
    const tty = await runCli(['check', '--base', 'main'], repo, { isTTY: true });
    expect(tty.stdout).toContain('\u001b[31m');
    const noColor = await runCli(['check', '--base', 'main'], repo, { isTTY: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('renders markdown and writes the verdict JSON with --output', async () => {
    const r = await runCli(['check', '--base', 'main', '--format', 'markdown', '--output', 'out/verdict.json'], repo).catch((e) => e);
    // --output into a missing directory is an input error, exit 2, no stack trace
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*out\/verdict\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const ok = await runCli(['check', '--base', 'main', '--format', 'markdown', '--output', 'verdict.json'], repo);
    expect(ok.stdout).toMatch(/^### SDLC verdict: ❌ fail/);
    expect(ok.stdout).toMatch(/\| Changed-line coverage \| ❌ fail \| 60 % \\?\(3\/5\\?\) \|/);
  });

  it('a gate without reports fails and says where it looked', async () => {
    write(repo, 'nosec.yml', 'reports:\n  coverage: [ci-reports/lcov.info]\n  lint: [ci-reports/eslint.json]\n  tests: [ci-reports/junit.xml]\n');
    const r = await runCli(['check', '--config', 'nosec.yml', '--format', 'json'], repo);
    const sec = gate(JSON.parse(r.stdout) as JsonVerdict, 'security');
    expect(sec.outcome).toBe('fail');
    expect(sec.summary).toBe('no report found for gate security (looked for: coverage/**, reports/**)');
    expect(r.code).toBe(1);
  });

  it('an unreadable report fails its gate with the file and line, never passes it', async () => {
    write(repo, 'ci-reports/broken.info', 'SF:src/calc.ts\nDA:1,1\nBOGUS LINE\n');
    write(repo, 'broken.yml', CONFIG.replace('coverage: [ci-reports/lcov.info]', 'coverage: [ci-reports/lcov.info, ci-reports/broken.info]'));
    const r = await runCli(['check', '--config', 'broken.yml', '--format', 'json'], repo);
    const cov = gate(JSON.parse(r.stdout) as JsonVerdict, 'coverage') as { outcome: string; summary: string; reasons?: string[] };
    expect(cov.outcome).toBe('fail');
    expect(cov.reasons).toEqual(['ci-reports/broken.info:3: unexpected line "BOGUS LINE" (not an lcov record)']);
    expect(r.code).toBe(1);
  });

  it('--report files replace discovery and are sniffed', async () => {
    const r = await runCli(['check', '--report', 'ci-reports/lcov.info', '--format', 'json'], repo);
    const v = JSON.parse(r.stdout) as JsonVerdict;
    expect(gate(v, 'coverage').outcome).toBe('pass');
    expect(gate(v, 'lint').summary).toBe('no report found for gate lint (looked for: ci-reports/lcov.info)');
  });

  it('rejects --base together with --diff, and an unknown ref, with exit 2', async () => {
    const both = await runCli(['check', '--base', 'main', '--diff', 'x.diff'], repo);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('error: give either --base or --diff, not both\n');
    const bad = await runCli(['check', '--base', 'no-such-branch'], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown revision "no-such-branch"/);
    const option = await runCli(['check', '--base', '--upload-pack=evil'], repo);
    expect(option.code).toBe(2);
  });

  it('takes changed lines from a diff file', async () => {
    write(repo, 'change.diff', git(repo, 'diff', 'main...HEAD'));
    const r = await runCli(['check', '--diff', 'change.diff', '--format', 'json'], repo);
    expect(gate(JSON.parse(r.stdout) as JsonVerdict, 'patch_coverage').metrics).toMatchObject({ total: 5, covered: 3 });
  });

  it('checks coverage drop against a base verdict', async () => {
    write(repo, 'drop.yml', CONFIG.replace('gates:', 'gates:\n  coverage:\n    max_drop: 1'));
    write(repo, 'base-verdict.json', JSON.stringify({ outcome: 'pass', head: { sha: 'abcdef1234567890' }, gates: [{ id: 'coverage', metrics: { pct: 85 } }] }));
    const r = await runCli(['check', '--config', 'drop.yml', '--base-verdict', 'base-verdict.json', '--format', 'json'], repo);
    const cov = gate(JSON.parse(r.stdout) as JsonVerdict, 'coverage');
    expect(cov.summary).toBe('Coverage 80 % >= 80 %; dropped 5 points vs abcdef1 (max 1)');
    expect(cov.outcome).toBe('fail');
    const viaReport = await runCli(['check', '--config', 'drop.yml', '--base-report', 'ci-reports/lcov.info', '--format', 'json'], repo);
    expect(gate(JSON.parse(viaReport.stdout) as JsonVerdict, 'coverage').summary).toBe('Coverage 80 % >= 80 %; +0 vs base');
  });
});

describe('sdlc-gate config errors', () => {
  const cases: [string, string, RegExp][] = [
    ['wrong type', 'gates:\n  coverage:\n    min: "high"\n', /^config error:\n {2}gates\.coverage\.min: expected number, got string "high" at bad\.yml:3:10\n$/],
    ['unknown key', 'gates:\n  lnt:\n    max_errors: 1\n', /^config error:\n {2}gates\.lnt: unknown key "lnt" \(did you mean "lint"\?\) at bad\.yml:2:3\n$/],
    ['YAML syntax error', 'gates: [\n', /^config error:\n {2}YAML syntax error: .+ at bad\.yml:\d+:\d+\n/],
    ['alias bomb', 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', /alias.* at bad\.yml:\d+:\d+/],
    ['__proto__ key', 'scopes:\n  __proto__: ["x/**"]\n', /^config error:\n {2}scopes\.__proto__: the key "__proto__" is not allowed at bad\.yml:2:3\n$/],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}: exit 2 with file:line:column and no stack trace`, async () => {
      const dir = tempDir();
      write(dir, 'bad.yml', text);
      const r = await runCli(['check', '--config', 'bad.yml'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const v = await runCli(['validate', '--config', 'bad.yml'], dir);
      expect(v.code).toBe(2);
      expect(v.stderr).toBe(r.stderr);
    });
  }

  it('a missing config file given by name is an error; none at all means defaults', async () => {
    const dir = tempDir();
    const missing = await runCli(['validate', '--config', 'nope.yml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error: cannot read config nope.yml: ENOENT\n');
    const defaults = await runCli(['validate'], dir);
    expect(defaults.code).toBe(0);
    expect(defaults.stdout).toMatch(/^\(no config file: defaults\) is valid\n/);
    expect(JSON.parse(defaults.stdout.slice(defaults.stdout.indexOf('{'))).gates.coverage.min).toBe(80);
  });
});

describe('sdlc-gate usage', () => {
  it('--help on every command, exit 0', async () => {
    for (const args of [['--help'], ['check', '--help'], ['report', '--help'], ['validate', '--help'], ['schema', '--help']]) {
      const r = await runCli(args, process.cwd());
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: sdlc-gate/);
    }
  });

  it('unknown options and commands exit 2', async () => {
    expect((await runCli(['check', '--nope'], process.cwd())).code).toBe(2);
    expect((await runCli(['frobnicate'], process.cwd())).code).toBe(2);
    const bad = await runCli(['check', '--format', 'xml'], process.cwd());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are table, markdown, json/);
  });

  it('schema prints the JSON Schema', async () => {
    const r = await runCli(['schema'], process.cwd());
    expect(JSON.parse(r.stdout).title).toBe('.sdlc.yml');
  });
});
