import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/core/config/load.js';
import { defaultConfig } from '../../../src/core/config/schema.js';
import { ConfigError } from '../../../src/core/errors.js';

function configError(text: string): ConfigError {
  try {
    loadConfig(text, '.sdlc.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every default when the file does not exist', () => {
    const c = loadConfig(undefined);
    expect(c.phase).toBe('implementation');
    expect(c.gates.coverage.min).toBe(80);
    expect(c.gates.patch_coverage.min).toBe(85);
    expect(c.gates.lint.max_errors).toBe(0);
    expect(c.gates.lint.max_warnings).toBeNull();
    expect(c.gates.security.fail_on).toBe('high');
    expect(c.gates.tests.max_failures).toBe(0);
    expect(c.reports.artifact).toBe('sdlc-reports');
    expect(c.comment.mode).toBe('update');
    expect(c.tagging.template).toBe('sdlc/{phase}/{outcome}/{sha7}');
    expect(c).toEqual(defaultConfig());
  });

  it('treats an empty file as all defaults', () => {
    expect(loadConfig('# nothing set\n')).toEqual(defaultConfig());
  });

  it('merges partial gate settings with their defaults', () => {
    const c = loadConfig('gates:\n  coverage:\n    min: 90\n  lint:\n    informational: true\n');
    expect(c.gates.coverage).toMatchObject({ min: 90, enabled: true, informational: false });
    expect(c.gates.lint).toMatchObject({ informational: true, max_errors: 0, filter: 'added' });
    expect(c.gates.patch_coverage.min).toBe(85);
  });

  it('names key, expectation, value, file, line and column for an out-of-range number', () => {
    const err = configError('phase: implementation\ngates:\n  coverage:\n    min: 120\n');
    expect(err.message).toBe('gates.coverage.min: expected number <= 100, got 120 at .sdlc.yml:4:10');
  });

  it('rejects a wrong type with its position', () => {
    const err = configError('gates:\n  lint:\n    max_errors: "none"\n');
    expect(err.message).toBe('gates.lint.max_errors: expected number, got string "none" at .sdlc.yml:3:17');
  });

  it('rejects unknown keys and suggests the intended one', () => {
    const err = configError('gates:\n  coverage:\n    minimum: 70\n');
    expect(err.message).toBe('gates.coverage.minimum: unknown key "minimum" (did you mean "min"?) at .sdlc.yml:3:5');
  });

  it('rejects an unknown enum value', () => {
    const err = configError('gates:\n  security:\n    fail_on: severe\n');
    expect(err.message).toBe(
      'gates.security.fail_on: expected one of critical, high, medium, low, info, none, got "severe" at .sdlc.yml:3:14',
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const err = configError('gates:\n  coverage: [1, 2\n');
    expect(err.issues[0]!.location).toMatchObject({ file: '.sdlc.yml', line: expect.any(Number), column: expect.any(Number) });
    expect(err.message).toMatch(/^YAML syntax error: .+ at \.sdlc\.yml:\d+:\d+/);
  });

  it('rejects duplicate keys', () => {
    const err = configError('phase: design\nphase: testing\n');
    expect(err.message).toMatch(/YAML syntax error: Map keys must be unique at \.sdlc\.yml:2:1/);
  });

  it('refuses an alias bomb', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i);
      const cur = String.fromCharCode(98 + i);
      lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const err = configError(lines.join('\n') + '\n');
    expect(err.message).toMatch(/alias/i);
    expect(err.issues[0]!.location.line).toBeGreaterThanOrEqual(1);
  });

  it('rejects __proto__ keys without touching Object.prototype', () => {
    const err = configError('scopes:\n  __proto__:\n    - "src/**"\n');
    expect(err.message).toBe('scopes.__proto__: the key "__proto__" is not allowed at .sdlc.yml:2:3');
    expect(({} as Record<string, unknown>).length).toBeUndefined();
  });

  it('rejects custom tags', () => {
    const err = configError('phase: !!js/function "function(){}"\n');
    expect(err.message).toMatch(/js\/function/);
    expect(err.message).toMatch(/\.sdlc\.yml:1:8/);
  });

  it('rejects a top level that is not a mapping', () => {
    expect(configError('- a\n- b\n').message).toBe('expected a mapping of settings at the top level at .sdlc.yml:1:1');
  });

  it('rejects deep nesting with a position', () => {
    const deep = 'scopes:\n  x: ' + '['.repeat(100) + ']'.repeat(100) + '\n';
    expect(configError(deep).message).toMatch(/nested more than 64 levels deep at \.sdlc\.yml:2:/);
  });

  it('validates waivers: a reason, an owner, a real date and at least one match', () => {
    const err = configError('waivers:\n  - match: {}\n    owner: ""\n    expires: 2026-02-30\n');
    const messages = err.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'waivers.0.match: a waiver must match on at least one of fingerprint, rule, advisory, path',
        'waivers.0.reason: missing required setting (expected string)',
        'waivers.0.owner: a waiver needs an owner',
        'waivers.0.expires: not a calendar date',
      ]),
    );
  });

  it('accepts reports as globs or { path, format }', () => {
    const c = loadConfig('reports:\n  coverage:\n    - coverage/lcov.info\n    - path: [a/*.xml, b/*.xml]\n      format: cobertura\n');
    expect(c.reports.coverage).toEqual(['coverage/lcov.info', { path: ['a/*.xml', 'b/*.xml'], format: 'cobertura' }]);
    expect(c.reports.lint).toBeUndefined();
  });
});
