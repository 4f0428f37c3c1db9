import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { selectJson, type JsonMatch, type JsonPattern, type JsonPathSegment } from '../../src/core/json.js';
import { ReportParseError } from '../../src/core/errors.js';
import { realFixturesDir } from '../helpers/fixtures.js';

const FILE = 'report.json';
/** Time limit for the tests that read tens of MB or run hundreds of generated cases (slow machines, busy CI). */
const HEAVY = 180_000;

/** The text cut at the given positions (any order, repeats and out-of-range positions allowed). */
async function* cutAt(text: string, cuts: readonly number[] = []): AsyncGenerator<string> {
  const points = [...new Set(cuts.map((c) => (text.length ? c % (text.length + 1) : 0)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of points) {
    yield text.slice(from, p);
    from = p;
  }
  yield text.slice(from);
}

async function* pieces(parts: Iterable<string>): AsyncGenerator<string> {
  for (const p of parts) yield p;
}

async function* everyChar(text: string): AsyncGenerator<string> {
  for (const ch of text.split('')) yield ch;
}

async function select(chunks: AsyncIterable<string> | string, patterns: readonly JsonPattern[], maxDepth = 512): Promise<JsonMatch[]> {
  const source = typeof chunks === 'string' ? cutAt(chunks) : chunks;
  const out: JsonMatch[] = [];
  for await (const m of selectJson(source, patterns, { file: FILE, maxDepth })) out.push(m);
  return out;
}

async function failure(chunks: AsyncIterable<string> | string, patterns: readonly JsonPattern[] = [[]], maxDepth = 512): Promise<ReportParseError> {
  try {
    await select(chunks, patterns, maxDepth);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw new Error(`expected a ReportParseError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a ReportParseError, but the document was accepted');
}

function where(err: ReportParseError): { problem: string; file: string; line?: number; column?: number } {
  return { problem: err.problem, ...err.location };
}

/** What the contract promises, computed from JSON.parse's result (recursive: test documents are shallow). */
function reference(text: string, patterns: readonly JsonPattern[]): JsonMatch[] {
  const out: JsonMatch[] = [];
  const fits = (p: JsonPattern, path: JsonPathSegment[], n: number) => {
    for (let i = 0; i < n; i++) if (p[i] !== '*' && p[i] !== path[i]) return false;
    return true;
  };
  const walk = (value: unknown, path: JsonPathSegment[]) => {
    const idx = patterns.findIndex((p) => p.length === path.length && fits(p, path, path.length));
    if (idx >= 0) {
      out.push({ pattern: idx, path: [...path], value });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (!patterns.some((p) => p.length > path.length && fits(p, path, path.length))) return;
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else for (const k of Object.keys(value)) walk((value as Record<string, unknown>)[k], [...path, k]);
  };
  walk(JSON.parse(text), []);
  return out;
}

const PATTERN_SETS: readonly (readonly JsonPattern[])[] = [
  [],
  [[]],
  [['*']],
  [['*', '*']],
  [['a', '*']],
  [[0], ['*', 0]],
  [['0'], ['a']],
  [['*', '*', '*'], ['*', 'a']],
  [['*', '*'], ['*']],
  [['a'], ['*'], ['a']],
];

const INDENTS: readonly (string | number | undefined)[] = [undefined, 2, '\t', '\r', ' \r'];

describe('selectJson: same values as JSON.parse', () => {
  it('delivers what JSON.parse gives, for generated documents cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ stringUnit: 'binary' }),
        fc.constantFrom(...INDENTS),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom(...PATTERN_SETS),
        async (value, indent, cuts, patterns) => {
          const text = JSON.stringify(value, null, indent);
          expect(await select(cutAt(text, cuts), patterns)).toEqual(reference(text, patterns));
        },
      ),
      { numRuns: 200 },
    );
  }, HEAVY);

  it('delivers what JSON.parse gives for fc.json() texts split into single characters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json(), fc.constantFrom(...PATTERN_SETS), async (text, patterns) => {
        expect(await select(everyChar(text), patterns)).toEqual(reference(text, patterns));
      }),
    );
  });

  it('accepts exactly the texts JSON.parse accepts, and fails the same way however the text is cut', async () => {
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 2 }), fc.constantFrom(...' \t\n"\\/{}[]:,.-+0123456789eEtrufalsn\u0000\u001f\u00e9\ud83d\ufeffx'.split('')));
    await fc.assert(
      fc.asyncProperty(fc.json(), fc.array(edit, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), async (valid, edits, cuts) => {
        let text = valid;
        for (const [pos, op, ch] of edits) {
          const at = pos % (text.length + 1);
          if (op === 0) text = text.slice(0, at) + ch + text.slice(at);
          else if (op === 1) text = text.slice(0, at) + text.slice(at + 1);
          else text = text.slice(0, at) + ch + text.slice(at + 1);
        }
        let parsed: { ok: true; value: unknown } | { ok: false };
        try {
          parsed = { ok: true, value: JSON.parse(text) };
        } catch {
          parsed = { ok: false };
        }
        if (parsed.ok) {
          expect(await select(cutAt(text, cuts), [[]], 10_000)).toEqual([{ pattern: 0, path: [], value: parsed.value }]);
        } else {
          const whole = await failure(text, [[]], 10_000);
          const cut = await failure(cutAt(text, cuts), [], 10_000);
          expect(whole.location.line).toBeGreaterThanOrEqual(1);
          expect(whole.location.column).toBeGreaterThanOrEqual(1);
          expect(where(cut)).toEqual(where(whole));
        }
      }),
      { numRuns: 400 },
    );
  }, HEAVY);

  it('turns any text into values or a ReportParseError, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.nat(), { maxLength: 4 }), async (text, cuts) => {
        let expected: unknown;
        try {
          expected = [{ pattern: 0, path: [], value: JSON.parse(text) }];
        } catch {
          expected = 'error';
        }
        let got: unknown;
        try {
          got = await select(cutAt(text, cuts), [[]]);
        } catch (err) {
          expect(err).toBeInstanceOf(ReportParseError);
          got = 'error';
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('reads every JSON and SARIF file of the shared real fixtures as JSON.parse does, whatever the chunking', async () => {
    const files: string[] = [];
    for (const dir of readdirSync(realFixturesDir, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const f of readdirSync(join(realFixturesDir, dir.name))) if (/\.(json|sarif)$/.test(f)) files.push(join(realFixturesDir, dir.name, f));
    }
    expect(files.length).toBe(6);
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const expected = JSON.parse(text);
      for (const size of [1, 7, 4096, 1 << 20]) {
        const parts: string[] = [];
        for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
        expect(await select(pieces(parts), [[]])).toEqual([{ pattern: 0, path: [], value: expected }]);
      }
      for (const patterns of PATTERN_SETS) expect(await select(text, patterns)).toEqual(reference(text, patterns));
    }
  }, HEAVY);

  it('selects SARIF results from a real multi-run log in document order', async () => {
    const text = readFileSync(join(realFixturesDir, 'sarif/codeql-action-valid-multi-run.sarif'), 'utf8');
    const got = await select(cutAt(text, [100, 2000, 5000]), [['runs', '*', 'tool', 'driver', 'name'], ['runs', '*', 'results', '*']]);
    const doc = JSON.parse(text) as { runs: { tool: { driver: { name: string } }; results?: unknown[] }[] };
    const expected: JsonMatch[] = [];
    doc.runs.forEach((run, r) => {
      expected.push({ pattern: 0, path: ['runs', r, 'tool', 'driver', 'name'], value: run.tool.driver.name });
      (run.results ?? []).forEach((res, i) => expected.push({ pattern: 1, path: ['runs', r, 'results', i], value: res }));
    });
    expect(doc.runs.length).toBe(2);
    expect(got).toEqual(expected);
  });
});

describe('selectJson: patterns and paths', () => {
  const doc = '{"a": [10, {"b": 2}, [3]], "0": "zero", "c": {"a": [4]}, "d": [{"a": 5}, {"x": 6}]}';

  it('gives the shortest matching pattern and nothing inside a delivered value', async () => {
    expect(await select(doc, [['a', '*'], ['a']])).toEqual([{ pattern: 1, path: ['a'], value: [10, { b: 2 }, [3]] }]);
    expect(await select(doc, [['*', '*'], ['d', 0, 'a']])).toEqual([
      { pattern: 0, path: ['a', 0], value: 10 },
      { pattern: 0, path: ['a', 1], value: { b: 2 } },
      { pattern: 0, path: ['a', 2], value: [3] },
      { pattern: 0, path: ['c', 'a'], value: [4] },
      { pattern: 0, path: ['d', 0], value: { a: 5 } },
      { pattern: 0, path: ['d', 1], value: { x: 6 } },
    ]);
  });

  it('takes the first of two patterns of the same length', async () => {
    expect(await select('{"x": {"k": 1}, "y": {"k": 2}}', [['y', '*'], ['*', 'k']])).toEqual([
      { pattern: 1, path: ['x', 'k'], value: 1 },
      { pattern: 0, path: ['y', 'k'], value: 2 },
    ]);
  });

  it('matches numbers against array indexes and strings against keys only', async () => {
    expect(await select(doc, [[0]])).toEqual([]);
    expect(await select(doc, [['0']])).toEqual([{ pattern: 0, path: ['0'], value: 'zero' }]);
    expect(await select(doc, [['a', 0], ['a', '0']])).toEqual([{ pattern: 0, path: ['a', 0], value: 10 }]);
    expect(await select('[[1, 2], [3]]', [['*', 1]])).toEqual([{ pattern: 0, path: [0, 1], value: 2 }]);
  });

  it('delivers scalars, empty containers and the root', async () => {
    expect(await select(' 42 ', [[]])).toEqual([{ pattern: 0, path: [], value: 42 }]);
    expect(await select('{"e": {}, "f": [], "g": null, "h": false, "i": true, "j": ""}', [['*']])).toEqual([
      { pattern: 0, path: ['e'], value: {} },
      { pattern: 0, path: ['f'], value: [] },
      { pattern: 0, path: ['g'], value: null },
      { pattern: 0, path: ['h'], value: false },
      { pattern: 0, path: ['i'], value: true },
      { pattern: 0, path: ['j'], value: '' },
    ]);
    expect(await select('[1, 2]', [['a']])).toEqual([]);
    expect(await select('"x"', [['*']])).toEqual([]);
  });

  it('follows the order of the text, and delivers each occurrence of a repeated key on the way', async () => {
    expect(await select('{"b": 1, "2": 2, "a": {"k": 1, "k": 2}, "a": 3}', [['*']])).toEqual([
      { pattern: 0, path: ['b'], value: 1 },
      { pattern: 0, path: ['2'], value: 2 },
      { pattern: 0, path: ['a'], value: { k: 2 } },
      { pattern: 0, path: ['a'], value: 3 },
    ]);
    // Inside a built value the last occurrence wins and keeps the first position, as with JSON.parse.
    const [m] = await select('{"x": 1, "y": 2, "x": 3}', [[]]);
    expect(Object.entries(m!.value as object)).toEqual([['x', 3], ['y', 2]]);
  });

  it('validates the parts it skips', async () => {
    expect(where(await failure('{"a": 1, "skipped": [1, 2,, 3]}', [['a']]))).toEqual({ problem: "unexpected character ','", file: FILE, line: 1, column: 27 });
    expect(where(await failure('{"a": 1, "skipped": "tab\there"}', [['a']]))).toEqual({ problem: 'unescaped control character U+0009 in string', file: FILE, line: 1, column: 25 });
    expect(where(await failure('{"a": 1, "skipped": [[[]]]}', [['a']], 3))).toEqual({ problem: 'JSON nesting too deep (more than 3 levels)', file: FILE, line: 1, column: 23 });
  });
});

describe('selectJson: keys that JSON.parse keeps as own properties', () => {
  it('keeps __proto__ as an own data property and never changes a prototype', async () => {
    const text = '{"__proto__": {"polluted": 1}, "a": {"__proto__": [1], "constructor": {"prototype": 2}}, "constructor": "c"}';
    for (const chunks of [cutAt(text), everyChar(text)]) {
      const [m] = await select(chunks, [[]]);
      const v = m!.value as Record<string, unknown>;
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.keys(v)).toEqual(['__proto__', 'a', 'constructor']);
      expect(Object.getOwnPropertyDescriptor(v, '__proto__')).toEqual({ value: { polluted: 1 }, writable: true, enumerable: true, configurable: true });
      expect((v as { polluted?: unknown }).polluted).toBeUndefined();
      const a = v.a as Record<string, unknown>;
      expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toEqual([1]);
      expect(Object.getOwnPropertyDescriptor(a, 'constructor')?.value).toEqual({ prototype: 2 });
      expect(v.constructor).toBe('c');
      expect(v).toEqual(JSON.parse(text));
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('navigates through __proto__ and constructor keys like any other', async () => {
    const text = '{"__proto__": {"x": [1, 2]}, "constructor": {"x": [3]}}';
    expect(await select(text, [['*', 'x', '*']])).toEqual([
      { pattern: 0, path: ['__proto__', 'x', 0], value: 1 },
      { pattern: 0, path: ['__proto__', 'x', 1], value: 2 },
      { pattern: 0, path: ['constructor', 'x', 0], value: 3 },
    ]);
    const [m] = await select(text, [['__proto__']]);
    expect(m).toEqual({ pattern: 0, path: ['__proto__'], value: { x: [1, 2] } });
  });
});

describe('selectJson: strings and chunk boundaries', () => {
  const text = String.raw`{"esc": "q\" b\\ s\/ \b\f\n\r\t", "u": "\u00e9\u20AC\uD83D\uDE00\ud800 x\udc00", "raw": "é€😀", "key\u0041\n": [true, false, null, -0.5e+2, 0, -0, 1E3]}`;

  it('decodes every escape and surrogate pair, cut at every position', async () => {
    const expected = JSON.parse(text) as Record<string, unknown>;
    expect(expected.u).toBe('é€😀\ud800 x\udc00');
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await select(cutAt(text, [cut]), [[]])).toEqual([{ pattern: 0, path: [], value: expected }]);
      expect(await select(cutAt(text, [cut, cut + 1, cut + 3]), [['*']])).toEqual(reference(text, [['*']]));
    }
    expect(await select(everyChar(text), [['*']])).toEqual(reference(text, [['*']]));
  });

  it('keeps a raw surrogate pair split between two chunks', async () => {
    const emoji = '😀';
    const got = await select(pieces(['["a', emoji[0]!, emoji[1]!, 'b"]']), [[0]]);
    expect(got).toEqual([{ pattern: 0, path: [0], value: 'a😀b' }]);
  });

  it('keeps raw lone surrogates as JSON.parse does, cut at every position', async () => {
    const text = '["a\ud800b", "\udc00", {"\udbff": "\ud83d\ude00x\ud83d"}]';
    expect(text.length).toBe(27);
    const expected = JSON.parse(text) as unknown[];
    expect(expected[1]).toBe('\udc00');
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await select(cutAt(text, [cut]), [['*']])).toEqual(reference(text, [['*']]));
    }
  });

  it('places multi-byte characters at every offset and next to each other', async () => {
    const odd = ['é', '€', '😀', '\ud800', '\udfff'];
    let checked = 0;
    for (let pad = 0; pad < 9; pad++) {
      for (const x of odd) {
        for (const y of odd) {
          const text = `["${'a'.repeat(pad)}${x}${'b'.repeat(pad % 3)}${y}", {"${x}${y}": "${y}${'c'.repeat(pad)}${x}"}, ${pad}]`;
          const expected = [{ pattern: 0, path: [], value: JSON.parse(text) }];
          expect(await select(text, [[]])).toEqual(expected);
          expect(await select(cutAt(text, [pad + 2, pad + 5, 2 * pad + 9]), [[]])).toEqual(expected);
          checked++;
        }
      }
    }
    expect(checked).toBe(225);
  });

  it('reads a string spread over many chunks, and keys longer than a chunk', async () => {
    const long = 'x'.repeat(100_000) + '\\n' + 'é'.repeat(70_000) + '\\u0041';
    const text = `{"${long}": "${long}", "k": 1}`;
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += 1000) parts.push(text.slice(i, i + 1000));
    const got = await select(pieces(parts), [['*']]);
    const expected = JSON.parse(text) as Record<string, unknown>;
    const key = Object.keys(expected)[0]!;
    expect(key.length).toBe(170_002);
    expect(got).toEqual([
      { pattern: 0, path: [key], value: expected[key] },
      { pattern: 0, path: ['k'], value: 1 },
    ]);
  });

  it('reads one chunk larger than the scanning window, with non-ASCII text in some windows', async () => {
    const names = ['ünïcödé', '日本語', 'emoji 😀 pair', 'lone \ud800 high', 'lone \udfff low'];
    const items = Array.from({ length: 30_000 }, (_, i) => ({ id: i, name: i % 997 === 0 ? `${names[i % 5]} ${i}` : `plain ${i}`, ok: i % 3 === 0 }));
    const text = JSON.stringify({ items });
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
    const got = await select(pieces([text]), [['items', '*']]);
    expect(got.length).toBe(30_000);
    expect(got.map((m) => m.value)).toEqual(items);
    expect(got[29_999]!.path).toEqual(['items', 29_999]);
    // The same text cut at places that split surrogate pairs and multi-byte characters between chunks.
    const cuts: number[] = [];
    for (let i = text.indexOf('😀'); i >= 0; i = text.indexOf('😀', i + 1)) cuts.push(i + 1);
    for (let i = text.indexOf('日'); i >= 0; i = text.indexOf('日', i + 1)) cuts.push(i, i + 1);
    expect(cuts.length).toBe(18);
    const again = await select(cutAt(text, cuts), [['items', '*', 'name']]);
    expect(again.map((m) => m.value)).toEqual(items.map((it) => it.name));
  }, HEAVY);
});

describe('selectJson: numbers', () => {
  it('converts numbers exactly as JSON.parse does', async () => {
    const cases = ['0', '-0', '1e400', '-1e400', '1e-400', '12345678901234567890', '123456789012345', '1234567890123456', '-123456789012345',
      '9007199254740993', '0.1', '1E+2', '2e-3', '-0.0', '5e0', '0.30000000000000004', '1.7976931348623157e308', '4.9e-324', '100000000000000000000000'];
    for (const c of cases) {
      const expected = JSON.parse(c) as number;
      const got = [
        ...(await select(cutAt(c), [[]])),
        ...(await select(everyChar(c), [[]])),
        ...(await select(cutAt(`[${c}]`, [2]), [[0]])),
        ...(await select(everyChar(`{"n": ${c}}`), [['n']])),
      ];
      expect(got.length).toBe(4);
      for (const m of got) expect([c, Object.is(m.value, expected)]).toEqual([c, true]);
    }
    const [neg] = await select('-0', [[]]);
    expect(Object.is(neg!.value, -0)).toBe(true);
    const [inf] = await select('[1e400]', [[0]]);
    expect(inf!.value).toBe(Infinity);
  });

  it('converts any double written by JSON.stringify, cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.nat(), async (d, i, cut) => {
        const text = JSON.stringify([d, i, { n: d * 1e5 }]);
        expect(await select(cutAt(text, [cut]), [[]])).toEqual([{ pattern: 0, path: [], value: JSON.parse(text) }]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('selectJson: errors', () => {
  const cases: [string, string, number, number][] = [
    ['', 'unexpected end of input', 1, 1],
    ['   \n  ', 'unexpected end of input', 2, 3],
    ['[1, 2', 'unexpected end of input', 1, 6],
    ['{"a":1', 'unexpected end of input', 1, 7],
    ['{"a"', 'unexpected end of input', 1, 5],
    ['[1,]', "unexpected character ']'", 1, 4],
    ['[,1]', "unexpected character ','", 1, 2],
    ['{"a":1,}', "unexpected character '}'", 1, 8],
    ['{a:1}', "unexpected character 'a'", 1, 2],
    ["{'a':1}", "unexpected character '''", 1, 2],
    ['{"a" 1}', "unexpected character '1'", 1, 6],
    ['{"a":1 "b":2}', "unexpected character '\"'", 1, 8],
    ['[1 2]', "unexpected character '2'", 1, 4],
    ['[01]', "unexpected character '1'", 1, 3],
    ['01', 'trailing data after the document', 1, 2],
    ['1.', 'unexpected end of input', 1, 3],
    ['[1.]', "unexpected character ']'", 1, 4],
    ['-', 'unexpected end of input', 1, 2],
    ['[-a]', "unexpected character 'a'", 1, 3],
    ['[1e]', "unexpected character ']'", 1, 4],
    ['[1e+]', "unexpected character ']'", 1, 5],
    ['[+1]', "unexpected character '+'", 1, 2],
    ['[.5]', "unexpected character '.'", 1, 2],
    ['[0x10]', "unexpected character 'x'", 1, 3],
    ['[tru]', "unexpected character ']'", 1, 5],
    ['[nul', 'unexpected end of input', 1, 5],
    ['[True]', "unexpected character 'T'", 1, 2],
    ['[NaN]', "unexpected character 'N'", 1, 2],
    ['[Infinity]', "unexpected character 'I'", 1, 2],
    ['"abc', 'unterminated string', 1, 1],
    ['{\n  "key": "abc', 'unterminated string', 2, 10],
    ['{\n  "ke', 'unterminated string', 2, 3],
    ['"a\tb"', 'unescaped control character U+0009 in string', 1, 3],
    ['"a\nb"', 'unescaped control character U+000A in string', 1, 3],
    ['"a\u0001"', 'unescaped control character U+0001 in string', 1, 3],
    ['"\\x"', "invalid escape '\\x' in string", 1, 3],
    ['"\\u12G4"', "invalid \\u escape: 'G' is not a hex digit", 1, 6],
    ['"\\u12"', "invalid \\u escape: '\"' is not a hex digit", 1, 6],
    ['"\\', 'unterminated string', 1, 1],
    ['[1]\n]', 'trailing data after the document', 2, 1],
    ['{}{}', 'trailing data after the document', 1, 3],
    ['{} x', 'trailing data after the document', 1, 4],
    ['\ufeff{}', 'unexpected character U+FEFF', 1, 1],
    ['[1,\n  2,\n  x]', "unexpected character 'x'", 3, 3],
    ['{\r\n"a":\r\n x}', "unexpected character 'x'", 3, 2],
    ['{"a":[1}', "unexpected character '}'", 1, 8],
    ['[}', "unexpected character '}'", 1, 2],
    ['{]', "unexpected character ']'", 1, 2],
    ['// comment\n{}', "unexpected character '/'", 1, 1],
    ['[\u0000]', 'unexpected character U+0000', 1, 2],
    ['[é]', 'unexpected character U+00E9', 1, 2],
    ['["é€", x]', "unexpected character 'x'", 1, 8],
    ['{"a":1}\u0000', 'trailing data after the document', 1, 8],
  ];

  it.each(cases)('%j: %s at %i:%i, however the text is cut', async (text, problem, line, column) => {
    const expected = { problem, file: FILE, line, column };
    expect(where(await failure(text))).toEqual(expected);
    expect(where(await failure(everyChar(text), []))).toEqual(expected);
    expect(where(await failure(cutAt(text, [3, 5]), [['a']]))).toEqual(expected);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('reports nesting deeper than maxDepth at the bracket that goes too deep', async () => {
    expect(where(await failure('[[[]]]', [[]], 2))).toEqual({ problem: 'JSON nesting too deep (more than 2 levels)', file: FILE, line: 1, column: 3 });
    expect(await select('[[[]]]', [[]], 3)).toEqual([{ pattern: 0, path: [], value: [[[]]] }]);
    expect(where(await failure('{"a": {"b": [1]}}', [['x']], 2))).toEqual({ problem: 'JSON nesting too deep (more than 2 levels)', file: FILE, line: 1, column: 13 });
  });

  it('stops a 1e6-deep array at the depth limit without reading the rest', async () => {
    let pulled = 0;
    async function* deep(): AsyncGenerator<string> {
      for (let i = 0; i < 1_000_000; i += 50_000) {
        pulled++;
        yield '['.repeat(50_000);
      }
      for (let i = 0; i < 1_000_000; i += 50_000) yield ']'.repeat(50_000);
    }
    expect(where(await failure(deep(), [['*']], 512))).toEqual({ problem: 'JSON nesting too deep (more than 512 levels)', file: FILE, line: 1, column: 513 });
    expect(pulled).toBe(1);
  });

  it('handles a 1e6-deep array within the limit without recursion', async () => {
    const N = 1_000_000;
    async function* deep(close: boolean): AsyncGenerator<string> {
      for (let i = 0; i < N; i += 65_536) yield '['.repeat(Math.min(65_536, N - i));
      if (close) for (let i = 0; i < N; i += 65_536) yield ']'.repeat(Math.min(65_536, N - i));
    }
    expect(await select(deep(true), [], N)).toEqual([]);
    expect(where(await failure(deep(false), [], N))).toEqual({ problem: 'unexpected end of input', file: FILE, line: 1, column: N + 1 });
    const [m] = await select(deep(true), [[]], N);
    let depth = 0;
    let odd = 0;
    let v = m!.value;
    while (Array.isArray(v)) {
      depth++;
      if (v.length !== (depth < N ? 1 : 0)) odd++;
      v = v[0];
    }
    expect(depth).toBe(N);
    expect(odd).toBe(0);
  }, HEAVY);

  it('passes on errors of the source itself unchanged', async () => {
    const disk = new Error('EIO: read failed');
    async function* broken(): AsyncGenerator<string> {
      yield '[1, 2';
      throw disk;
    }
    await expect(select(broken(), [[0]])).rejects.toBe(disk);
  });
});

describe('selectJson: large documents', () => {
  it('delivers strings that do not keep the text chunks alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    async function* chunks(): AsyncGenerator<string> {
      const encoder = new TextEncoder();
      const decoder = new TextDecoder();
      yield '[';
      for (let c = 0; c < 400; c++) {
        const parts: string[] = [];
        for (let k = 0; k < 250; k++) parts.push(`${c || k ? ',' : ''}{"msg": "message ${c}-${k} of some length", "pad": "${'x'.repeat(200)}"}`);
        // Decoded from bytes, as report text arrives: flat strings of about 64 KiB.
        yield decoder.decode(encoder.encode(parts.join('')));
      }
      yield ']';
    }
    const kept: unknown[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    for await (const m of selectJson(chunks(), [['*', 'msg']], { file: FILE, maxDepth: 8 })) {
      if (n++ % 250 === 0) kept.push(m.value);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(n).toBe(100_000);
    expect(kept.length).toBe(400);
    expect(kept[1]).toBe('message 1-0 of some length');
    // 400 chunks of ~64 KB went through; keeping one string from each must not keep the chunks (26 MB).
    expect(grown).toBeLessThan(8_000_000);
  }, HEAVY);


  /** An Istanbul coverage-final-like document of `files` entries, produced lazily in chunks. */
  function coverageFinal(files: number, progress: { chunks: number; chars: number; hits: number; statements: number; pathChars: number }) {
    return (async function* () {
      let buf = '{';
      for (let f = 0; f < files; f++) {
        const s: string[] = [];
        const map: string[] = [];
        for (let k = 0; k < 120; k++) {
          const hits = (f * 7 + k * 13) % 5;
          progress.hits += hits;
          progress.statements++;
          s.push(`"${k}":${hits}`);
          map.push(`"${k}":{"start":{"line":${k + 1},"column":0},"end":{"line":${k + 1},"column":${k % 40}}}`);
        }
        progress.pathChars += `/src/mod${f % 10}/file${f}.ts`.length;
        buf += `${f ? ',' : ''}"/src/mod${f % 10}/file${f}.ts":{"path":"/src/mod${f % 10}/file${f}.ts","statementMap":{${map.join(',')}},"fnMap":{},"branchMap":{},"s":{${s.join(',')}},"f":{},"b":{}}`;
        if (buf.length >= 65_536) {
          progress.chunks++;
          progress.chars += buf.length;
          yield buf;
          buf = '';
        }
      }
      progress.chunks++;
      progress.chars += buf.length + 1;
      yield `${buf}}`;
    })();
  }

  it('streams a ~20 MB coverage-final document, delivering entries before the end is read', async () => {
    const progress = { chunks: 0, chars: 0, hits: 0, statements: 0, pathChars: 0 };
    let firstAt = -1;
    let files = 0;
    let hits = 0;
    let statements = 0;
    let chars = 0;
    for await (const m of selectJson(coverageFinal(2_500, progress), [['*']], { file: FILE, maxDepth: 64 })) {
      if (firstAt < 0) firstAt = progress.chunks;
      const entry = m.value as { path: string; s: Record<string, number> };
      expect(m.path).toEqual([entry.path]);
      files++;
      chars += entry.path.length;
      for (const v of Object.values(entry.s)) {
        hits += v;
        statements++;
      }
    }
    expect(progress.chars).toBeGreaterThan(20_000_000);
    expect(firstAt).toBe(1);
    expect(files).toBe(2_500);
    expect(statements).toBe(300_000);
    expect(progress.statements).toBe(300_000);
    expect(hits).toBe(progress.hits);
    expect(hits).toBe(600_000);
    expect(chars).toBe(progress.pathChars);
  }, HEAVY);
});
