/**
 * Hostile XML reports, read through parseReport as the CLI and the App read
 * them, for every XML format (Cobertura, Clover, JaCoCo, Checkstyle, JUnit):
 * entity expansion bombs, external entities (XXE), character reference
 * floods, absurd nesting, and prototype names as tags and attributes.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { ReportParseError } from '../../src/core/errors.js';
import { coverageTotals } from '../../src/core/model/coverage.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { parseReport } from '../../src/core/parsers/registry.js';
import { bytesOf } from '../../src/core/stream.js';
import { ownFixture, realFixture } from '../helpers/fixtures.js';

/**
 * One small valid report per format. `@A` is an attribute value and `@T` a
 * text node the parser reads; both are replaced by each test.
 */
const DOCS = {
  cobertura:
    '<coverage line-rate="1" lines-valid="1" lines-covered="1" version="1"><sources><source>@T</source></sources><packages><package name="p"><classes>' +
    '<class name="c" filename="@A"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>',
  clover: '<coverage generated="1"><project timestamp="1"><file name="@A"><line num="1" type="stmt" count="1"/></file>@T</project></coverage>',
  jacoco: '<report name="r"><package name="p"><sourcefile name="@A"><line nr="1" mi="0" ci="1" mb="0" cb="0"/></sourcefile></package>@T</report>',
  checkstyle: '<checkstyle version="8"><file name="@A"><error line="1" severity="error" message="m" source="s"/></file>@T</checkstyle>',
  junit: '<testsuites><testsuite name="s"><testcase name="@A"><failure>@T</failure></testcase></testsuite></testsuites>',
} as const;
type Format = keyof typeof DOCS;
const FORMATS = Object.keys(DOCS) as Format[];

function doc(format: Format, attr: string, text = 'x', prolog = ''): string {
  return prolog + DOCS[format].replace('@A', attr).replace('@T', text);
}

async function parse(text: string | Uint8Array, format?: string): Promise<ParsedReport> {
  return parseReport(bytesOf(text), { path: 'r.xml', ...(format ? { format } : {}) });
}

async function failure(text: string, format?: string): Promise<ReportParseError> {
  try {
    await parse(text, format);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('expected a ReportParseError');
}

/** The value the parser took from the `@A` attribute (a file path or a test name). */
function attrValue(r: ParsedReport): string {
  if (r.kind === 'coverage') {
    const [path] = [...r.coverage.files.keys()];
    return r.format === 'jacoco' ? path!.slice('p/'.length) : path!;
  }
  if (r.kind === 'tests') return r.tests.problems[0]!.name;
  if (r.kind === 'lint' || r.kind === 'security') return r.findings.findings[0]!.path!;
  throw new Error('unexpected report');
}

const LAUGHS = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE lolz [',
  ' <!ENTITY lol "lol">',
  ' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
  ' <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">',
  ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">',
  ']>',
  '',
].join('\n');

/** No socket may be opened while a report is read (http, https and fetch all connect through net.Socket). */
let connects: unknown[][] = [];
beforeEach(() => {
  connects = [];
  jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    connects.push(args);
    throw new Error('network access while parsing a report');
  });
  jest.spyOn(globalThis, 'fetch').mockImplementation(() => {
    connects.push(['fetch']);
    return Promise.reject(new Error('network access while parsing a report'));
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

describe.each(FORMATS)('%s', (format) => {
  it('reads the template itself (so the failures below are the hostile part)', async () => {
    const r = await parse(doc(format, 'src/a.c'), format);
    expect(r.format).toBe(format);
    expect(attrValue(r)).toBe('src/a.c');
  });

  it('refuses a billion-laughs entity at its first use, sniffed or named, without expanding it', async () => {
    for (const named of [undefined, format]) {
      const t0 = performance.now();
      const err = await failure(doc(format, '&lol3;', 'x', LAUGHS), named);
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(err.problem).toMatch(/^undefined entity: &?lol3;?/);
      expect(err.location.file).toBe('r.xml');
      expect(err.location.line).toBe(8);
      expect(err.format).toBe(format);
    }
  });

  it('refuses one internal entity referenced 10,000 times at the first reference', async () => {
    const err = await failure(doc(format, '&e;'.repeat(10000), 'x', '<!DOCTYPE x [<!ENTITY e "x">]>\n'), format);
    expect(err.problem).toMatch(/^undefined entity: &?e;?/);
    expect(err.location.line).toBe(2);
  });

  it('reads a report that declares entities it never uses', async () => {
    expect(attrValue(await parse(doc(format, 'plain', 'x', LAUGHS), format))).toBe('plain');
  });

  it.each([
    ['file:///etc/passwd', 'SYSTEM "file:///etc/passwd"'],
    ['http://127.0.0.1:1/x', 'SYSTEM "http://127.0.0.1:1/x"'],
    ['a public id', 'PUBLIC "-//X//Y//EN" "https://example.invalid/x.dtd"'],
  ])('refuses an external entity (%s) in an attribute and in text, reading and fetching nothing', async (_name, ext) => {
    const prolog = `<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe ${ext}>]>\n`;
    for (const text of [doc(format, '&xxe;', 'x', prolog), doc(format, 'a', '&xxe;', prolog)]) {
      const err = await failure(text, format);
      expect(err.problem).toMatch(/^undefined entity: &?xxe;?/);
      expect(err.location.line).toBe(3);
      const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0]! : 'root:x:0:0';
      expect(JSON.stringify({ message: err.message, problem: err.problem })).not.toContain(passwd);
    }
    expect(connects).toEqual([]);
  });

  it('ignores an external parameter entity in the internal subset instead of fetching it', async () => {
    const prolog = '<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote;]>\n';
    expect(attrValue(await parse(doc(format, 'b', 'x', prolog), format))).toBe('b');
    expect(connects).toEqual([]);
  });

  it('expands a flood of 100,000 character references (500 KB) correctly and quickly', async () => {
    const t0 = performance.now();
    const r = await parse(doc(format, '&#65;'.repeat(100_000)), format);
    expect(performance.now() - t0).toBeLessThan(15000);
    const value = attrValue(r);
    expect(value).toHaveLength(100_000);
    expect(/^A+$/.test(value)).toBe(true);
  });

  it('stops at 512 levels of nesting with "nesting too deep", not a stack overflow, for 100,000 levels', async () => {
    const deep = '<x>'.repeat(100_000) + '</x>'.repeat(100_000);
    const text = doc(format, 'a', deep);
    const t0 = performance.now();
    const err = await failure(text, format);
    expect(performance.now() - t0).toBeLessThan(10000);
    expect(err.problem).toBe('nesting too deep (more than 512 levels)');
    expect(err.location.line).toBe(1);
    // The 513th open element (its `<` is at column `at`): the error points into that tag.
    let depth = 0;
    let at = -1;
    for (let i = 0; i < text.length && at < 0; i = text.indexOf('<', i + 1)) {
      const gt = text.indexOf('>', i);
      if (text[i + 1] === '/') depth--;
      else if (text[gt - 1] !== '/' && ++depth === 513) at = i + 1;
    }
    expect(err.location.column).toBeGreaterThanOrEqual(at);
    expect(err.location.column).toBeLessThanOrEqual(at + 3);
  });
});

describe('prototype names as tags and attributes', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  afterEach(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('cobertura', async () => {
    const r = await parse(
      '<coverage line-rate="1" lines-valid="2" lines-covered="1" version="1" __proto__="x" constructor="y"><packages><package name="p">' +
        '<__proto__ polluted="1"/><constructor/><classes><class name="c" filename="__proto__" hasOwnProperty="1" toString="x"><lines>' +
        '<line number="1" hits="1" __proto__="1"/><line number="2" hits="0" constructor="2"/></lines></class></classes></package></packages></coverage>',
      'cobertura',
    );
    if (r.kind !== 'coverage') throw new Error(r.kind);
    expect([...r.coverage.files.keys()]).toEqual(['__proto__']);
    expect(coverageTotals(r.coverage.files.values()).lines).toEqual({ total: 2, covered: 1 });
    expect(r.coverage.declared?.lines).toEqual({ total: 2, covered: 1 });
  });

  it('clover', async () => {
    const r = await parse(
      '<coverage generated="1" __proto__="x"><project timestamp="1" constructor="1"><file name="__proto__"><line num="1" type="stmt" count="1" __proto__="x"/>' +
        '<line num="2" type="stmt" count="0" constructor="x"/></file><__proto__ polluted="1"/></project></coverage>',
      'clover',
    );
    if (r.kind !== 'coverage') throw new Error(r.kind);
    expect([...r.coverage.files].map(([k, f]) => [k, f.lines])).toEqual([['__proto__', { total: 2, covered: 1 }]]);
  });

  it('jacoco', async () => {
    const r = await parse(
      '<report name="r" __proto__="x"><package name="__proto__"><sourcefile name="constructor" __proto__="1"><line nr="1" mi="0" ci="2" mb="0" cb="0" __proto__="x"/>' +
        '<counter type="METHOD" missed="0" covered="1" constructor="x"/></sourcefile></package><__proto__ polluted="1"/></report>',
      'jacoco',
    );
    if (r.kind !== 'coverage') throw new Error(r.kind);
    expect([...r.coverage.files].map(([k, f]) => [k, f.lines, f.functions])).toEqual([['__proto__/constructor', { total: 1, covered: 1 }, { total: 1, covered: 1 }]]);
  });

  it('checkstyle', async () => {
    const r = await parse(
      '<checkstyle __proto__="x"><file name="__proto__" constructor="y"><error line="1" severity="error" message="m" source="constructor" __proto__="a"/></file>' +
        '<__proto__ polluted="1"><constructor/></__proto__></checkstyle>',
      'checkstyle',
    );
    if (r.kind !== 'lint') throw new Error(r.kind);
    expect(r.findings.findings).toEqual([{ tool: 'checkstyle', ruleId: 'constructor', message: 'm', level: 'error', severity: 'high', path: '__proto__', line: 1 }]);
    expect(r.warnings).toEqual(['r.xml: ignored 2 unexpected element(s) (first: <__proto__>)']);
  });

  it('junit', async () => {
    const r = await parse(
      '<testsuites __proto__="x"><testsuite name="__proto__" tests="2" constructor="1"><__proto__ polluted="1"/>' +
        '<testcase name="constructor" classname="__proto__" __proto__="1"><failure message="prototype" __proto__="x"/></testcase>' +
        '<testcase name="toString" hasOwnProperty="x"/></testsuite></testsuites>',
      'junit',
    );
    if (r.kind !== 'tests') throw new Error(r.kind);
    expect(r.tests).toEqual({
      total: 2,
      passed: 1,
      failed: 1,
      errored: 0,
      skipped: 0,
      problems: [{ kind: 'failure', name: 'constructor', message: 'prototype', suite: '__proto__', classname: '__proto__' }],
      declared: { total: 2 },
    });
  });
});

describe('real reports with a DOCTYPE parse offline', () => {
  it.each([
    ['JaCoCo playground', realFixture('jacoco/jacoco-playground.report.xml'), 'jacoco', { total: 27, covered: 12 }, { total: 6, covered: 2 }],
    ['JaCoCo 0.8.6', ownFixture('jacoco/jacoco-0.8.6.xml'), 'jacoco', { total: 39, covered: 33 }, { total: 22, covered: 16 }],
    ['gcovr 5.0 Cobertura', realFixture('cobertura/gcovr-5.0.cobertura.xml'), 'cobertura', { total: 572, covered: 345 }, { total: 252, covered: 100 }],
    ['gcovr 5.2 Cobertura', ownFixture('cobertura/gcovr-5.2.cobertura.xml'), 'cobertura', { total: 27, covered: 23 }, { total: 20, covered: 17 }],
  ])('%s', async (_name, file, format, lines, branches) => {
    expect(readFileSync(file, 'utf8')).toMatch(/<!DOCTYPE (report|coverage) (PUBLIC|SYSTEM) /);
    const r = await parseReport(createReadStream(file), { path: file });
    expect(r.format).toBe(format);
    if (r.kind !== 'coverage') throw new Error(r.kind);
    const t = coverageTotals(r.coverage.files.values());
    expect([t.lines, t.branches]).toEqual([lines, branches]);
    expect(connects).toEqual([]);
  });
});

describe('a 5 MB character-reference flood', () => {
  // 2 x 524,288 references of 5 bytes: 5 MB.
  const flood = () => doc('junit', '&#65;'.repeat(512 * 1024), '&#66;'.repeat(512 * 1024));

  it('is read correctly in bounded time (linear: a quadratic reader would take minutes)', async () => {
    const t0 = performance.now();
    const r = await parse(flood(), 'junit');
    expect(performance.now() - t0).toBeLessThan(30000);
    if (r.kind !== 'tests') throw new Error(r.kind);
    expect(r.tests.problems[0]!.name).toBe('A'.repeat(512 * 1024));
    // The failure text is kept to its first 1,000 characters.
    expect(r.tests.problems[0]!.message).toBe('B'.repeat(1000));
  }, 60000);
});
