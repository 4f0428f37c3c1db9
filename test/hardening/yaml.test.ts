/**
 * Hostile `.sdlc.yml` files: every one is a ConfigError naming the line and
 * column of the problem, never a config with defaults filled in, never a
 * RangeError or a stack overflow, and never slow.
 */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/core/config/load.js';
import { ConfigError } from '../../src/core/errors.js';

/** The ConfigError loadConfig throws, and how long it took. */
function rejection(text: string): { err: ConfigError; ms: number } {
  const t0 = performance.now();
  let thrown: unknown;
  try {
    const config = loadConfig(text, '.sdlc.yml');
    throw new Error(`expected a ConfigError, got a config: ${JSON.stringify(config).slice(0, 200)}`);
  } catch (err) {
    thrown = err;
  }
  const ms = performance.now() - t0;
  if (!(thrown instanceof ConfigError)) throw thrown;
  return { err: thrown, ms };
}

function message(text: string): string {
  return rejection(text).err.message;
}

/** `a: &a [x, ...]`, then each next key ten aliases of the previous one: 10^levels strings once expanded. */
function laughs(levels: number): string {
  const lines = [`a: &a [${Array(10).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('aliases', () => {
  it('stops a billion-laughs alias bomb at the alias that makes the 101st copy', () => {
    const { err, ms } = rejection(laughs(10));
    // b holds 10 aliases of a (10 copies); each alias of b copies b and its 10 aliases (11): the 9th one
    // in c (column 8 + 8 * 4 of `c: &c [*b, *b, ...`) passes 100.
    expect(err.message).toBe('c.8: too many YAML aliases: expanded, they would make more than 100 copies at .sdlc.yml:3:40');
    expect(err.issues).toHaveLength(1);
    expect(ms).toBeLessThan(10000);
  });

  it('counts plain repeated aliases too: 100 are accepted, 101 are not', () => {
    const head = 'scopes:\n  src: &s "src/**"\n';
    const uses = (n: number) => Array.from({ length: n }, (_, i) => `  s${i}: *s\n`).join('');
    const config = loadConfig(head + uses(100));
    expect(Object.keys(config.scopes)).toHaveLength(101);
    expect(config.scopes['s99']).toBe('src/**');
    expect(message(head + uses(101))).toBe('scopes.s100: too many YAML aliases: expanded, they would make more than 100 copies at .sdlc.yml:103:9');
  });

  it('refuses merge keys, also a merge of the mapping into itself', () => {
    expect(message('gates: &self\n  <<: *self\n')).toBe('gates: merge keys (<<) are not supported at .sdlc.yml:2:3');
    expect(message('base: &b {min: 50}\ngates:\n  coverage:\n    <<: *b\n')).toBe('gates.coverage: merge keys (<<) are not supported at .sdlc.yml:4:5');
  });

  it('refuses an alias inside the node its anchor names, instead of handing a cycle on', () => {
    expect(message('scopes: &x\n  a: *x\n')).toBe('scopes.a: the alias *x is inside the node its anchor names (a circular reference) at .sdlc.yml:2:6');
    expect(message('waivers: &w\n  - *w\n')).toBe('waivers.0: the alias *w is inside the node its anchor names (a circular reference) at .sdlc.yml:2:5');
  });

  it('names an alias with no anchor before it (not an alias-count problem at 1:1)', () => {
    expect(message('phase: *nope\n')).toBe('phase: the alias *nope refers to no anchor before it at .sdlc.yml:1:8');
    expect(message('phase: *later\nx: &later testing\n')).toBe('phase: the alias *later refers to no anchor before it at .sdlc.yml:1:8');
  });

  it('still reads ordinary anchors and aliases', () => {
    const config = loadConfig('scopes:\n  src: &s ["src/**"]\n  lib: *s\ngates:\n  coverage:\n    paths:\n      - path: *s\n        min: 50\n');
    expect(config.scopes).toEqual({ src: ['src/**'], lib: ['src/**'] });
    expect(config.gates.coverage.paths).toEqual([{ path: ['src/**'], min: 50 }]);
  });
});

describe('nesting', () => {
  const depthError = (line: number, column: number) => `nested more than 64 levels deep at .sdlc.yml:${line}:${column}`;

  it('refuses 5,000 levels of flow sequences at the 65th, quickly', () => {
    const { err, ms } = rejection(`scopes: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    // The root mapping is level 1: the 65th level is the 64th bracket, at column 9 + 63.
    expect(err.message).toBe(depthError(1, 72));
    expect(ms).toBeLessThan(10000);
  });

  it('refuses 5,000 levels of flow mappings', () => {
    const text = `scopes:\n  x: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`;
    // root, scopes, then 63 flow mappings of 4 characters from column 6.
    expect(message(text)).toBe(depthError(2, 6 + 62 * 4));
  });

  it('refuses 5,000 levels of compact block sequences (- - - x) and explicit keys (? ? ? x)', () => {
    expect(message(`${'- '.repeat(5000)}x\n`)).toBe(depthError(1, 129));
    expect(message(`${'? '.repeat(5000)}x\n`)).toBe(depthError(1, 129));
  });

  it('refuses indented block mappings 1,000 deep at line 65 (5,000 would be 12 MB: over the size limit)', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + '\n';
    expect(message(lines(1000))).toBe(depthError(65, 65));
    expect(message(lines(5000))).toBe('the file is larger than 1048576 bytes at .sdlc.yml:1:1');
  });

  it('refuses 1 MiB of brackets at the 65th without composing them', () => {
    const { err, ms } = rejection(`${'['.repeat(512 * 1024)}${']'.repeat(512 * 1024)}`);
    expect(err.message).toBe(depthError(1, 65));
    expect(ms).toBeLessThan(10000);
  });

  it('accepts up to the limit and reports the first node past it with its key path', () => {
    // Root, scopes and 62 sequences are 64 levels; the string inside them is the 65th.
    const text = `scopes:\n  x: ${'['.repeat(62)}"a"${']'.repeat(62)}\n`;
    expect(message(text)).toBe(`scopes.x${'.0'.repeat(62)}: nested more than 64 levels deep at .sdlc.yml:2:68`);
  });
});

describe('tags', () => {
  const cases: [string, string, string][] = [
    ['!!js/function', 'phase: !!js/function "function () { return 1 }"\n', 'YAML problem: Unresolved tag: tag:yaml.org,2002:js/function at .sdlc.yml:1:8'],
    ['!!js/undefined', 'phase: !!js/undefined ""\n', 'YAML problem: Unresolved tag: tag:yaml.org,2002:js/undefined at .sdlc.yml:1:8'],
    ['!!python/object', 'phase: !!python/object:os.system ["id"]\n', 'YAML problem: Unresolved tag: tag:yaml.org,2002:python/object:os.system at .sdlc.yml:1:8'],
    ['!!python/object/apply', 'phase: !!python/object/apply:os.system ["id"]\n', 'YAML problem: Unresolved tag: tag:yaml.org,2002:python/object/apply:os.system at .sdlc.yml:1:8'],
    ['!ruby/object', 'phase: !ruby/object:Gem::Installer\n  i: x\n', 'YAML problem: Unresolved tag: !ruby/object:Gem::Installer at .sdlc.yml:1:8'],
    ['a verbatim tag', 'phase: !<tag:yaml.org,2002:js/function> "x"\n', 'YAML problem: Unresolved tag: tag:yaml.org,2002:js/function at .sdlc.yml:1:8'],
    ['a %TAG shorthand', '%TAG !e! tag:example.com,2000:\n---\nphase: !e!foo "x"\n', 'YAML problem: Unresolved tag: tag:example.com,2000:foo at .sdlc.yml:3:8'],
    ['!!binary', 'phase: !!binary aGVsbG8=\n', 'phase: the tag tag:yaml.org,2002:binary is not allowed at .sdlc.yml:1:17'],
    ['!!set', 'scopes: !!set {a, b}\n', 'scopes: the tag tag:yaml.org,2002:set is not allowed at .sdlc.yml:1:15'],
    ['!!omap', 'scopes: !!omap [a: x]\n', 'scopes: the tag tag:yaml.org,2002:omap is not allowed at .sdlc.yml:1:16'],
  ];
  it.each(cases)('refuses %s with its position', (_name, text, expected) => {
    expect(message(text)).toBe(expected);
  });

  it('accepts the core schema tags', () => {
    expect(loadConfig('phase: !!str testing\ngates:\n  lint:\n    max_errors: !!int "3"\n').gates.lint.max_errors).toBe(3);
  });
});

describe('duplicate keys', () => {
  it.each([
    ['at the top level', 'phase: testing\nphase: release\n', 'YAML syntax error: Map keys must be unique at .sdlc.yml:2:1'],
    ['written once plain and once quoted', 'phase: testing\n"phase": release\n', 'YAML syntax error: Map keys must be unique at .sdlc.yml:2:1'],
    ['as an explicit key', 'phase: testing\n? phase\n: release\n', 'YAML syntax error: Map keys must be unique at .sdlc.yml:2:3'],
    ['nested', 'gates:\n  lint:\n    max_errors: 1\n    max_errors: 2\n', 'YAML syntax error: Map keys must be unique at .sdlc.yml:4:5'],
    ['in a flow mapping', 'scopes: {a: x, a: y}\n', 'YAML syntax error: Map keys must be unique at .sdlc.yml:1:16'],
  ])('are refused %s', (_name, text, expected) => {
    expect(message(text)).toBe(expected);
  });

  it('refuses a second document instead of reading only the first', () => {
    expect(message('phase: testing\n---\nphase: release\n')).toBe(
      'YAML syntax error: Source contains multiple documents; please use YAML.parseAllDocuments() at .sdlc.yml:2:1',
    );
  });
});

describe('prototype keys', () => {
  it('refuses constructor.prototype and __proto__ paths and leaves Object.prototype alone', () => {
    expect(message('gates:\n  constructor:\n    prototype:\n      polluted: true\n')).toBe('gates.constructor: the key "constructor" is not allowed at .sdlc.yml:2:3');
    expect(message('__proto__: {polluted: true}\n')).toBe('__proto__: the key "__proto__" is not allowed at .sdlc.yml:1:1');
    expect(message('scopes: {"prototype": "x"}\n')).toBe('scopes.prototype: the key "prototype" is not allowed at .sdlc.yml:1:10');
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
