import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/core/config/load.js';
import { InputError } from '../../src/core/errors.js';
import { runGatekeeper } from '../../src/core/gatekeeper.js';
import {
  ANNOTATION_TEXT_MAX_BYTES,
  COMMENT_MARKER,
  capText,
  checkRunPlan,
  commentBody,
  commentTablePart,
  gateAnnotations,
  markerCoveragePct,
  parseVerdictMarker,
  repoRelativePath,
  sanitizeRefName,
  tagPlan,
  utf8Length,
  verdictMarker,
} from '../../src/core/render/check.js';
import { mdEscape } from '../../src/core/render/markdown.js';
import type { GateFinding, GateResult, Verdict } from '../../src/core/verdict.js';
import { ownFixture, parseFile } from '../helpers/fixtures.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function finding(f: Partial<GateFinding> & Pick<GateFinding, 'message'>): GateFinding {
  return { tool: 'eslint', ruleId: 'r', level: 'error', severity: 'high', fingerprint: `fp-${f.message}`, onChangedLine: false, ...f };
}

function gate(g: Partial<GateResult> & Pick<GateResult, 'id' | 'outcome'>): GateResult {
  return { name: g.id, informational: false, summary: `${g.id} summary`, metrics: {}, threshold: 't', reasons: [], reports: [], ...g };
}

function verdict(gates: GateResult[], extra: Partial<Verdict> = {}): Verdict {
  const outcome = gates.some((g) => g.outcome === 'fail' && !g.informational) ? 'fail' : gates.some((g) => g.outcome === 'pass') ? 'pass' : 'neutral';
  return { outcome, phase: 'implementation', gates, scopes: {}, changedFiles: 0, waivers: { applied: [], expired: [], stale: [] }, warnings: [], head: { sha: SHA }, ...extra };
}

/** A verdict with every gate, findings of every kind and location. */
function fullVerdict(): Verdict {
  return verdict(
    [
      gate({
        id: 'coverage',
        name: 'Coverage',
        outcome: 'pass',
        summary: 'Coverage 83.4 % >= 80 %',
        metrics: { total: 1000, covered: 834, pct: 83.4, branches: { total: 10, covered: 5, pct: 50 }, functions: { total: 0, covered: 0, pct: null }, files: 12 },
        threshold: '>= 80 %',
        reports: ['coverage/lcov.info'],
      }),
      gate({
        id: 'patch_coverage',
        name: 'Changed-line coverage',
        outcome: 'fail',
        summary: 'Changed-line coverage 50 % (3/6) < 85 %',
        metrics: { total: 6, covered: 3, pct: 50, files_changed: 2 },
        threshold: '>= 85 %',
        uncovered: [
          { path: 'src/a.ts', ranges: [[16, 17], [20, 20]] },
          { path: '/abs/outside.ts', ranges: [[1, 1]] },
        ],
      }),
      gate({
        id: 'lint',
        name: 'Lint',
        outcome: 'fail',
        summary: 'Lint: 1 error, 1 warning on changed lines',
        metrics: { errors: 1, warnings: 1, notes: 2, counted: 5 },
        findings: [
          finding({ message: 'note first in input', level: 'note', path: 'src/c.ts', line: 3, ruleId: 'n1' }),
          finding({ message: "'x' is never used", level: 'error', path: 'src/a.ts', line: 5, column: 9, endColumn: 10, ruleId: 'no-unused-vars' }),
          finding({ message: 'multi-line warning', level: 'warning', path: 'src/b.ts', line: 10, endLine: 12, column: 2, endColumn: 4, ruleId: 'w1' }),
          finding({ message: 'whole-file note', level: 'note', path: 'src/d.ts', ruleId: 'max-lines' }),
          finding({ message: 'unresolved path', level: 'error', ruleId: 'lost' }),
        ],
      }),
      gate({
        id: 'security',
        name: 'Security',
        outcome: 'fail',
        summary: 'Security: 1 critical, 1 medium, 1 low, 1 info',
        metrics: { critical: 1, medium: 1, low: 1, info: 1, counted: 5 },
        findings: [
          finding({ tool: 'semgrep', message: 'SQL injection', severity: 'critical', level: 'error', path: 'src/db.ts', line: 40, ruleId: 'sqli', helpUri: 'https://example.test/sqli' }),
          finding({ tool: 'trivy', message: 'lodash prototype pollution', severity: 'high', level: 'error', ruleId: 'CVE-2021-23337', ids: ['CVE-2021-23337'], package: { name: 'lodash', version: '4.17.20', fixedVersion: '4.17.21' } }),
          finding({ tool: 'semgrep', message: 'weak hash', severity: 'medium', level: 'warning', path: 'src/h.ts', line: 2, ruleId: 'md5' }),
          finding({ tool: 'semgrep', message: 'debug on', severity: 'low', level: 'note', path: 'src/cfg.ts', line: 1, ruleId: 'debug' }),
          finding({ tool: 'trivy', message: 'info item', severity: 'info', level: 'note', path: 'package-lock.json', ruleId: 'CVE-X', package: { name: 'x', manifest: 'package-lock.json' } }),
        ],
      }),
      gate({
        id: 'tests',
        name: 'Tests',
        outcome: 'fail',
        summary: 'Tests: 8 passed, 1 failed, 1 errored, 0 skipped',
        metrics: { total: 10, passed: 8, failed: 1, errored: 1, skipped: 0, failures: 2 },
        findings: [
          finding({ tool: 'tests', ruleId: 'failure', message: 'math › adds: expected 3, got 4', path: 'test/math.test.ts', line: 7 }),
          finding({ tool: 'tests', ruleId: 'error', message: 'io › reads: ENOENT', path: '/home/runner/work/x/test/io.test.ts', line: 3 }),
        ],
      }),
    ],
    { base: { ref: 'main', sha: 'fedcba9876543210fedcba9876543210fedcba98' }, scopes: { src: 3, tests: 1 }, changedFiles: 4 },
  );
}

describe('checkRunPlan: check runs', () => {
  it('plans one check run per gate then the verdict, with names, external ids and conclusions', () => {
    const plan = checkRunPlan(fullVerdict());
    expect(plan.map((e) => [e.key, e.name, e.externalId, e.conclusion, e.title])).toEqual([
      ['coverage', 'SDLC / coverage', `sdlc:coverage:${SHA}`, 'success', 'Coverage 83.4 % >= 80 %'],
      ['patch_coverage', 'SDLC / patch_coverage', `sdlc:patch_coverage:${SHA}`, 'failure', 'Changed-line coverage 50 % (3/6) < 85 %'],
      ['lint', 'SDLC / lint', `sdlc:lint:${SHA}`, 'failure', 'Lint: 1 error, 1 warning on changed lines'],
      ['security', 'SDLC / security', `sdlc:security:${SHA}`, 'failure', 'Security: 1 critical, 1 medium, 1 low, 1 info'],
      ['tests', 'SDLC / tests', `sdlc:tests:${SHA}`, 'failure', 'Tests: 8 passed, 1 failed, 1 errored, 0 skipped'],
      ['verdict', 'SDLC / verdict', `sdlc:verdict:${SHA}`, 'failure', '4 of 5 gates failed: Changed-line coverage, Lint, Security, Tests'],
    ]);
  });

  it('maps neutral and informational outcomes, and titles a passing verdict', () => {
    const v = verdict([gate({ id: 'coverage', outcome: 'pass' }), gate({ id: 'lint', outcome: 'neutral', informational: true })]);
    expect(checkRunPlan(v).map((e) => [e.key, e.conclusion, e.title])).toEqual([
      ['coverage', 'success', 'coverage summary'],
      ['lint', 'neutral', 'lint summary'],
      ['verdict', 'success', '1 gates passed, 1 neutral'],
    ]);
    const none = verdict([gate({ id: 'patch_coverage', outcome: 'neutral' })]);
    expect(checkRunPlan(none).at(-1)).toMatchObject({ conclusion: 'neutral', title: 'No gate could be judged (1 neutral)' });
  });

  it('takes the head SHA from the options before the verdict, and refuses to plan without one', () => {
    const v = fullVerdict();
    expect(checkRunPlan(v, { headSha: 'a'.repeat(40) })[0]!.externalId).toBe(`sdlc:coverage:${'a'.repeat(40)}`);
    delete v.head;
    expect(() => checkRunPlan(v)).toThrow(InputError);
  });

  it('annotates uncovered changed lines as warning ranges, skipping paths outside the repository', () => {
    const patch = checkRunPlan(fullVerdict()).find((e) => e.key === 'patch_coverage')!;
    expect(patch.annotations).toEqual([
      { path: 'src/a.ts', start_line: 16, end_line: 17, annotation_level: 'warning', message: 'Lines 16-17 are not covered by tests', title: 'Uncovered changed lines' },
      { path: 'src/a.ts', start_line: 20, end_line: 20, annotation_level: 'warning', message: 'Line 20 is not covered by tests', title: 'Uncovered changed line' },
    ]);
  });

  it('annotates lint findings at their level, most important first, columns only on one line, whole-file findings on line 1', () => {
    const lint = checkRunPlan(fullVerdict()).find((e) => e.key === 'lint')!;
    expect(lint.annotations.map((a) => [a.path, a.start_line, a.end_line, a.start_column, a.end_column, a.annotation_level, a.title, a.message])).toEqual([
      ['src/a.ts', 5, 5, 9, 10, 'failure', 'eslint: no-unused-vars', "'x' is never used"],
      ['src/b.ts', 10, 12, undefined, undefined, 'warning', 'eslint: w1', 'multi-line warning'],
      ['src/c.ts', 3, 3, undefined, undefined, 'notice', 'eslint: n1', 'note first in input'],
      ['src/d.ts', 1, 1, undefined, undefined, 'notice', 'eslint: max-lines (whole file)', 'whole-file note'],
    ]);
    expect(lint.annotations[0]!.raw_details).toBe(`Tool: eslint\nFingerprint: fp-'x' is never used`);
    expect(lint.summary).toContain('1 of the listed findings have no file in the repository and are not annotated.');
  });

  it('annotates security findings by severity and leaves package findings without a file to the summary', () => {
    const sec = checkRunPlan(fullVerdict()).find((e) => e.key === 'security')!;
    expect(sec.annotations.map((a) => [a.path, a.start_line, a.annotation_level, a.title])).toEqual([
      ['src/db.ts', 40, 'failure', 'critical: sqli'],
      ['src/h.ts', 2, 'warning', 'medium: md5'],
      ['src/cfg.ts', 1, 'notice', 'low: debug'],
      ['package-lock.json', 1, 'notice', 'info: CVE-X in x (whole file)'],
    ]);
    expect(sec.annotations[0]!.raw_details).toBe('Help: https://example.test/sqli\nTool: semgrep\nFingerprint: fp-SQL injection');
    expect(sec.summary).toContain(`- **high** \`lodash\` lodash prototype pollution (${mdEscape('CVE-2021-23337')})`);
  });

  it('annotates failing tests that name a repository file, as failures', () => {
    const t = checkRunPlan(fullVerdict()).find((e) => e.key === 'tests')!;
    expect(t.annotations).toEqual([
      { path: 'test/math.test.ts', start_line: 7, end_line: 7, annotation_level: 'failure', message: 'math › adds: expected 3, got 4', title: 'Test failure' },
    ]);
  });

  it('gives the coverage gate no annotations and a metrics table', () => {
    const c = checkRunPlan(fullVerdict())[0]!;
    expect(c.annotations).toEqual([]);
    expect(c.summary).toContain(`| lines | ${mdEscape('834/1000 (83.4 %)')} |`);
    expect(c.summary).toContain(`| branches | ${mdEscape('5/10 (50 %)')} |`);
    expect(c.summary).toContain('| files | 12 |');
    expect(c.summary).toContain(`compared with ${mdEscape('main (fedcba9)')}`);
    expect(c.text).toBeUndefined();
  });

  it('caps annotation messages to 64,000 UTF-8 bytes and titles to 255 characters', () => {
    const g = gate({
      id: 'lint',
      outcome: 'fail',
      findings: [finding({ message: 'é'.repeat(40_000), ruleId: 'r'.repeat(400), path: 'src/a.ts', line: 1 })],
    });
    const [a] = gateAnnotations(g);
    expect(utf8Length(a!.message)).toBeLessThanOrEqual(ANNOTATION_TEXT_MAX_BYTES);
    expect(utf8Length(a!.message)).toBeGreaterThan(ANNOTATION_TEXT_MAX_BYTES - 4);
    expect(a!.message.endsWith('…')).toBe(true);
    expect(a!.title!.length).toBe(255);
  });

  it('moves long lists to the text and says how many findings the gate did not carry', () => {
    const findings = Array.from({ length: 25 }, (_, i) => finding({ message: `m${i}`, path: 'src/a.ts', line: i + 1 }));
    const plan = checkRunPlan(verdict([gate({ id: 'lint', outcome: 'fail', findings, metrics: { errors: 30, warnings: 0, counted: 30 } })]));
    expect(plan[0]!.annotations).toHaveLength(25);
    expect(plan[0]!.uncarried).toBe(5);
    expect(plan[0]!.summary).toContain('5 more counted findings are not listed or annotated (a gate carries the first 25).');
    expect(plan[0]!.text!.split('\n').filter((l) => l.startsWith('- **error**'))).toHaveLength(25);
  });
});

describe('verdict marker', () => {
  it('round-trips the outcome, phase, head and every gate metric through the verdict summary', () => {
    const v = fullVerdict();
    const summary = checkRunPlan(v).at(-1)!.summary;
    const m = parseVerdictMarker(summary);
    expect(m).toEqual({
      version: 1,
      outcome: 'fail',
      phase: 'implementation',
      head: SHA,
      gates: v.gates.map((g) => ({ id: g.id, outcome: g.outcome, metrics: g.metrics })),
    });
    expect(markerCoveragePct(m!)).toBe(83.4);
    expect(summary.startsWith('<!-- sdlc-verdict:v1 {')).toBe(true);
  });

  it('survives metric strings that would close an HTML comment', () => {
    const v = verdict([gate({ id: 'coverage', outcome: 'pass', metrics: { pct: 90, paths: [{ path: 'a-->b <x>', min: 1 }] } })]);
    const line = verdictMarker(v, SHA);
    expect(line.indexOf('-->')).toBe(line.length - 3);
    expect(parseVerdictMarker(`before\n${line}\nafter`)!.gates[0]!.metrics).toEqual({ pct: 90, paths: [{ path: 'a-->b <x>', min: 1 }] });
  });

  it('returns undefined without a marker and throws on a broken or unknown one', () => {
    expect(parseVerdictMarker('no marker here')).toBeUndefined();
    expect(() => parseVerdictMarker('<!-- sdlc-verdict:v2 {} -->')).toThrow('unsupported version v2');
    expect(() => parseVerdictMarker('<!-- sdlc-verdict:v1 {"version":1 -->')).toThrow('invalid JSON');
    expect(() => parseVerdictMarker('<!-- sdlc-verdict:v1 {"version":1,"outcome":"great","phase":"x","head":"h","gates":[]} -->')).toThrow('outcome must be');
    expect(() => parseVerdictMarker('<!-- sdlc-verdict:v1 {"version":1,"outcome":"pass","phase":"x","head":"h","gates":[{"id":"speed","outcome":"pass","metrics":{}}]} -->')).toThrow(
      'gates[0].id is not a gate',
    );
    expect(() => parseVerdictMarker('<!-- sdlc-verdict:v1 {"version":1}')).toThrow('not closed');
  });

  it('has no coverage when the base verdict measured none', () => {
    const m = parseVerdictMarker(verdictMarker(verdict([gate({ id: 'coverage', outcome: 'fail', metrics: {} })]), SHA))!;
    expect(markerCoveragePct(m)).toBeUndefined();
  });
});

describe('commentBody', () => {
  it('holds the table, collapsed uncovered lines, top findings, waivers and the base, and ends with the marker', () => {
    const v = fullVerdict();
    v.waivers = {
      applied: [{ id: 'legacy-eval', reason: 'old code', owner: 'team-a', expires: '2099-01-01', findings: 2 }],
      expired: [{ id: 'waivers[1]', reason: 'r', owner: 'bob', expires: '2020-01-01' }],
      stale: [],
    };
    const body = commentBody(v, { runUrl: 'https://github.com/o/r/actions/runs/1' });
    expect(body.trimEnd().endsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain(`| ${mdEscape('Changed-line coverage')} | ❌ fail | ${mdEscape('50 % (3/6)')} | ${mdEscape('>= 85 %')} |`);
    expect(body).toContain('<details><summary>Uncovered changed lines</summary>\n\n- `src/a.ts`: 16-17, 20\n- `/abs/outside.ts`: 1\n\n</details>');
    expect(body).toContain('- **critical** `src/db.ts:40` SQL injection (sqli)');
    expect(body).toContain(`- ${mdEscape('legacy-eval')}: applied to 2 finding(s) until 2099-01-01 (${mdEscape('team-a')}: old code)`);
    expect(body).toContain(`- ${mdEscape('waivers[1]')}: **expired** on 2020-01-01, no longer applied (bob)`);
    expect(body).toContain(`compared with ${mdEscape('main (fedcba9)')}`);
    expect(body).toContain('[run details](https://github.com/o/r/actions/runs/1)');
  });

  it('compares only the heading and gate table for only_on_change', () => {
    const a = fullVerdict();
    const b = fullVerdict();
    b.gates[2]!.findings![1]!.message = 'another message';
    expect(commentTablePart(commentBody(a))).toBe(commentTablePart(commentBody(b)));
    expect(commentBody(a)).not.toBe(commentBody(b));
    const c = fullVerdict();
    c.gates[0]!.metrics.pct = 83.5;
    expect(commentTablePart(commentBody(c))).not.toBe(commentTablePart(commentBody(a)));
    expect(commentTablePart(commentBody(a)).split('\n')).toHaveLength(1 + 2 + 5);
  });
});

describe('tagPlan', () => {
  const cfg = (yaml: string) => loadConfig(yaml);

  it('fills the default template and writes phase, scopes, gates and a JSON block into the message', () => {
    const v = fullVerdict();
    const t = tagPlan(v, cfg(''), { sha: SHA, branch: 'main' });
    expect(t.name).toBe('sdlc/implementation/fail/0123456');
    const lines = t.message.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'SDLC verdict: fail',
      'Phase: implementation',
      `Commit: ${SHA}`,
      'Branch: main',
      'File scope: src (3 files), tests (1 file)',
      'Base: main (fedcba9)',
    ]);
    expect(t.message).toContain('- coverage: pass: Coverage 83.4 % >= 80 %\n  total=1000, covered=834, pct=83.4, branches=5/10 (50 %), functions=0/0, files=12');
    const json = /```json\n([\s\S]*?)\n```/.exec(t.message)![1]!;
    const data = JSON.parse(json) as { gates: { id: string; outcome: string; metrics: unknown }[]; scopes: unknown; sha: string };
    expect(data.sha).toBe(SHA);
    expect(data.scopes).toEqual({ src: 3, tests: 1 });
    expect(data.gates.map((g) => [g.id, g.outcome])).toEqual([
      ['coverage', 'pass'],
      ['patch_coverage', 'fail'],
      ['lint', 'fail'],
      ['security', 'fail'],
      ['tests', 'fail'],
    ]);
    expect(data.gates[0]!.metrics).toEqual(v.gates[0]!.metrics);
  });

  it('keeps a fence inside a metric string from closing the JSON block', () => {
    const v = verdict([gate({ id: 'coverage', outcome: 'pass', metrics: { note: 'a ``` b' } })]);
    const t = tagPlan(v, cfg(''), { sha: SHA, branch: 'main' });
    expect(t.message.split('\n').filter((l) => l.startsWith('```'))).toEqual(['```json', '```']);
    const json = /```json\n([\s\S]*?)\n```/.exec(t.message)![1]!;
    expect((JSON.parse(json) as { gates: { metrics: { note: string } }[] }).gates[0]!.metrics.note).toBe('a ``` b');
  });

  it('fills every placeholder and sanitises the branch into a valid ref name', () => {
    const t = tagPlan(verdict([gate({ id: 'coverage', outcome: 'pass' })]), cfg('tagging:\n  template: "ci/{branch}/{phase}-{outcome}/{sha}"\n'), {
      sha: SHA,
      branch: 'feature/x y..z~1^2:3',
    });
    expect(t.name).toBe(`ci/feature/x-y.z-1-2-3/implementation-pass/${SHA}`);
  });

  it('rejects an unknown placeholder', () => {
    expect(() => tagPlan(fullVerdict(), cfg('tagging:\n  template: "v{version}"\n'), { sha: SHA, branch: 'main' })).toThrow('unknown placeholder {version}');
  });

  it('sanitises hostile names into names git itself accepts', () => {
    const cases: [string, string][] = [
      ['.hidden/x.lock', 'hidden/x'],
      ['a..b', 'a.b'],
      ['a//b/', 'a/b'],
      ['x@{y}', 'x@-y}'],
      ['tab\there', 'tab-here'],
      ['star*?[q]\\', 'star---q]-'],
      ['end.', 'end'],
      ['a/.b/c.lock.lock', 'a/b/c'],
      ['ünïcode/ok', 'ünïcode/ok'],
    ];
    for (const [input, want] of cases) {
      const got = sanitizeRefName(input);
      expect([input, got]).toEqual([input, want]);
      // git's own rules decide: exit status 0 means a valid ref name.
      execFileSync('git', ['check-ref-format', `refs/tags/${got}`]);
    }
    expect(() => sanitizeRefName('@')).toThrow(InputError);
    expect(() => sanitizeRefName('/../.')).toThrow(InputError);
  });
});

describe('helpers', () => {
  it('accepts only repository-relative paths for annotations', () => {
    expect(['src/a.ts', './src/a.ts', '/abs/a.ts', 'C:/x/a.ts', '../a.ts', 'src/../a.ts', 'a\\b.ts', '', 'a//b'].map(repoRelativePath)).toEqual([
      'src/a.ts',
      'src/a.ts',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('cuts text by characters and bytes without splitting a surrogate pair', () => {
    expect(capText('abcdef', 4)).toBe('abc…');
    expect(capText('😀😀😀', 5)).toBe('😀😀…');
    expect(capText('😀😀😀', 100, 9)).toBe('😀…');
    expect(utf8Length('aé😀€')).toBe(1 + 2 + 4 + 3);
  });
});

describe('a verdict from a real ESLint report', () => {
  it('annotates the 9 problems ESLint printed, errors first', async () => {
    const report = await parseFile(ownFixture('eslint/eslint.json'));
    const v = runGatekeeper({
      config: loadConfig('gates:\n  coverage: {enabled: false}\n  patch_coverage: {enabled: false}\n  security: {enabled: false}\n  tests: {enabled: false}\n'),
      reports: [report],
      paths: { roots: ['/tmp/eslint-sample'], repoFiles: ['src/server.js', 'src/broken.js'] },
      head: { sha: SHA },
    });
    const lint = checkRunPlan(v)[0]!;
    expect(lint.conclusion).toBe('failure');
    expect(lint.annotations.map((a) => `${a.annotation_level} ${a.path}:${a.start_line}:${a.start_column ?? ''} ${a.title}`)).toEqual([
      'failure src/broken.js:6:3 eslint',
      'failure src/server.js:5:9 eslint: no-unused-vars',
      'failure src/server.js:14:3 eslint: security/detect-child-process',
      'failure src/server.js:18:10 eslint: security/detect-eval-with-expression',
      'failure src/server.js:27:61 eslint: no-undef',
      'warning src/server.js:6:10 eslint: security/detect-non-literal-fs-filename',
      'warning src/server.js:10:10 eslint: security/detect-non-literal-regexp',
      'warning src/server.js:22:9 eslint: eqeqeq',
      'warning src/server.js:22:15 eslint: no-console',
    ]);
  });
});
