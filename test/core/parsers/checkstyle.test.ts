import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseReport, SNIFF_BYTES } from '../../../src/core/parsers/registry.js';
import { checkstyleParser } from '../../../src/core/parsers/lint/checkstyle.js';
import { bytesOf, decodeHead } from '../../../src/core/stream.js';
import { ReportParseError } from '../../../src/core/errors.js';
import type { Finding } from '../../../src/core/model/findings.js';
import { ownFixture, ownFixturesDir, parseFile, realFixture, realFixturesDir } from '../../helpers/fixtures.js';

function lintOf(r: Awaited<ReturnType<typeof parseReport>>) {
  if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(`expected findings, got ${r.kind}`);
  return r.findings;
}

function parseText(text: string | Uint8Array, path = 'checkstyle-result.xml', chunk = 64 * 1024) {
  return parseReport(bytesOf(text, chunk), { path });
}

function tally(findings: Finding[], key: (f: Finding) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[key(f)] = (out[key(f)] ?? 0) + 1;
  return out;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('checkstyle parser', () => {
  it('reads the Phan report declared as ISO-8859-15 (2 files, 7 errors, 3 error + 4 warning, 2 without source, no column)', async () => {
    const r = await parseFile(realFixture('checkstyle/phan-iso-8859-15-no-column.checkstyle.xml'));
    expect(r.format).toBe('checkstyle');
    expect(r.kind).toBe('lint');
    expect(r.warnings).toEqual([]);
    const { findings, tools } = lintOf(r);
    expect(tools).toEqual(['checkstyle']);
    expect(findings).toHaveLength(7);
    expect(new Set(findings.map((f) => f.path)).size).toBe(2);
    expect(tally(findings, (f) => f.level)).toEqual({ error: 3, warning: 4 });
    expect(tally(findings, (f) => f.severity)).toEqual({ high: 3, medium: 4 });
    expect(findings.filter((f) => f.ruleId === null)).toHaveLength(2);
    expect(findings.filter((f) => f.column !== undefined)).toHaveLength(0);
    expect(findings.map((f) => f.line)).toEqual([13, 12, 21, 28, 38, 54, 69]);
    expect(findings[0]).toEqual({
      tool: 'checkstyle',
      ruleId: 'PhanUndeclaredMethod',
      message: 'Call to undeclared method \\PHPUnit\\Framework\\MockObject\\MockObject::getPermissionIds',
      level: 'error',
      severity: 'high',
      path: 'test/phpunit/Traits/BuildingPermissionIdAwareTraitTest.php',
      line: 13,
    });
    expect(findings[6]).toEqual({
      tool: 'checkstyle',
      ruleId: null,
      message: 'Call to undeclared method \\PHPUnit\\Framework\\MockObject\\MockObject::matchAny',
      level: 'error',
      severity: 'high',
      path: 'test/phpunit/Utils/Cidr/MultiCidrMatchTest.php',
      line: 69,
    });
  });

  it('reads ESLint checkstyle output with the totals ESLint printed (8 problems: 5 errors, 3 warnings)', async () => {
    const r = await parseFile(ownFixture('checkstyle/eslint.checkstyle.xml'));
    expect(r.format).toBe('checkstyle');
    expect(r.warnings).toEqual([]);
    const { findings } = lintOf(r);
    expect(findings).toHaveLength(8);
    expect(tally(findings, (f) => f.level)).toEqual({ error: 5, warning: 3 });
    expect(findings.map((f) => [f.path, f.line, f.column, f.level, f.ruleId])).toEqual([
      ['/tmp/ecs/proj/src/broken.js', 2, 3, 'error', null],
      ['/tmp/ecs/proj/src/cart.js', 3, 7, 'error', 'eslint.rules.no-unused-vars'],
      ['/tmp/ecs/proj/src/cart.js', 3, 7, 'warning', 'eslint.rules.prefer-const'],
      ['/tmp/ecs/proj/src/cart.js', 3, 16, 'error', 'eslint.rules.quotes'],
      ['/tmp/ecs/proj/src/cart.js', 5, 18, 'warning', 'eslint.rules.eqeqeq'],
      ['/tmp/ecs/proj/src/cart.js', 8, 3, 'warning', 'eslint.rules.no-console'],
      ['/tmp/ecs/proj/src/cart.js', 8, 15, 'error', 'eslint.rules.quotes'],
      ['/tmp/ecs/proj/src/cart.js', 9, 16, 'error', 'eslint.rules.no-undef'],
    ]);
    expect(findings[0]!.message).toBe("Parsing error: Unexpected keyword 'return'");
    expect(findings[4]!.message).toBe("Expected '===' and instead saw '=='. (eqeqeq)");
  });

  it('decodes the declared ISO-8859-15 encoding (0xA4 is the euro sign, 0xBD is oe)', async () => {
    const head = '<?xml version="1.0" encoding="ISO-8859-15"?>\n<checkstyle version="6.5">\n<file name="src/caf';
    const mid = '.php">\n<error line="3" severity="warning" message="Price ';
    const tail = ' is not a c';
    const end = 'ur value" source="X.Y"/>\n</file>\n</checkstyle>\n';
    const bytes = Buffer.concat([
      Buffer.from(head, 'latin1'),
      Buffer.from([0xe9]),
      Buffer.from(mid, 'latin1'),
      Buffer.from([0xa4]),
      Buffer.from(tail, 'latin1'),
      Buffer.from([0xbd]),
      Buffer.from(end, 'latin1'),
    ]);
    const { findings } = lintOf(await parseText(bytes, 'phan.xml', 5));
    expect(findings).toEqual([
      {
        tool: 'checkstyle',
        ruleId: 'X.Y',
        message: 'Price \u20ac is not a c\u0153ur value',
        level: 'warning',
        severity: 'medium',
        path: 'src/caf\u00e9.php',
        line: 3,
      },
    ]);
  });

  it('maps info to note, skips and counts ignore, and treats line/column 0 as no position', async () => {
    const xml = [
      '<checkstyle version="10.12.0">',
      '<file name="src\\main\\A.java">',
      '<error line="0" column="0" severity="info" message="File-level note" source="com.puppycrawl.tools.checkstyle.checks.NewlineAtEndOfFileCheck"/>',
      '<error line="4" column="0" severity="error" message="Line only" source="  "/>',
      '<error line="5" severity="ignore" message="suppressed" source="S"/>',
      '<error line="6" severity="IGNORE" message="suppressed too" source="S"/>',
      '</file>',
      '</checkstyle>',
    ].join('\n');
    const r = await parseText(xml);
    expect(lintOf(r).findings).toEqual([
      {
        tool: 'checkstyle',
        ruleId: 'com.puppycrawl.tools.checkstyle.checks.NewlineAtEndOfFileCheck',
        message: 'File-level note',
        level: 'note',
        severity: 'low',
        path: 'src/main/A.java',
      },
      { tool: 'checkstyle', ruleId: null, message: 'Line only', level: 'error', severity: 'high', path: 'src/main/A.java', line: 4 },
    ]);
    expect(r.warnings).toEqual(['checkstyle-result.xml: skipped 2 finding(s) with severity "ignore"']);
  });

  it('skips malformed records and counts them in one warning', async () => {
    const xml = [
      '<checkstyle>',
      '<file name="a.go">',
      '<error line="NaN" severity="error" message="bad line" source="r1"/>',
      '<error line="-3" severity="error" message="negative line" source="r1"/>',
      '<error line="2" column="1.5" severity="error" message="fractional column" source="r1"/>',
      '<error line="7" severity="fatal" message="unknown severity" source="r2"/>',
      '<error line="8" message="no severity" source="r2"/>',
      '<error line="9" column="4" severity="warning" message="kept" source="r3"/>',
      '</file>',
      '<file><error line="1" severity="error" message="file without a name"/></file>',
      '</checkstyle>',
    ].join('\n');
    const r = await parseText(xml);
    expect(lintOf(r).findings).toEqual([
      { tool: 'checkstyle', ruleId: 'r3', message: 'kept', level: 'warning', severity: 'medium', path: 'a.go', line: 9, column: 4 },
    ]);
    expect(r.warnings).toEqual(['checkstyle-result.xml: skipped 6 malformed <error> record(s) (first: line "NaN" / column "" in a.go)']);
  });

  it('refuses a report whose every record is malformed instead of reporting zero findings', async () => {
    const xml = '<checkstyle><file name="a.go"><error line="1" severity="blocker" message="m"/></file></checkstyle>';
    await expect(parseText(xml, 'x.xml')).rejects.toThrow(
      new ReportParseError('every <error> record is malformed (first: severity "blocker" in a.go)', { file: 'x.xml' }),
    );
  });

  it('accepts a report with no findings (a clean run)', async () => {
    const r = await parseText('<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="8.0">\n<file name="a.java">\n</file>\n</checkstyle>\n');
    expect(lintOf(r).findings).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('turns a Checkstyle <exception> into an error-level finding', async () => {
    const xml = [
      '<checkstyle version="10.3">',
      '<file name="Broken.java">',
      '<exception>',
      '<![CDATA[',
      'com.puppycrawl.tools.checkstyle.api.CheckstyleException: IllegalStateException occurred while parsing file Broken.java.',
      '\tat com.puppycrawl.tools.checkstyle.JavaParser.parse(JavaParser.java:105)',
      ']]>',
      '</exception>',
      '</file>',
      '</checkstyle>',
    ].join('\n');
    const { findings } = lintOf(await parseText(xml));
    expect(findings).toEqual([
      {
        tool: 'checkstyle',
        ruleId: null,
        message:
          'the tool failed on this file: com.puppycrawl.tools.checkstyle.api.CheckstyleException: IllegalStateException occurred while parsing file Broken.java.',
        level: 'error',
        severity: 'high',
        path: 'Broken.java',
      },
    ]);
  });

  it('keeps maxFindings findings and says how many were dropped', async () => {
    const errors = Array.from({ length: 5 }, (_, i) => `<error line="${i + 1}" severity="warning" message="m${i}" source="r"/>`).join('');
    const r = await parseReport(bytesOf(`<checkstyle><file name="f.c">${errors}</file></checkstyle>`), {
      path: 'cs.xml',
      limits: { maxFindings: 3 },
    });
    expect(lintOf(r).findings.map((f) => f.message)).toEqual(['m0', 'm1', 'm2']);
    expect(r.warnings).toEqual(['cs.xml: kept the first 3 findings; 2 more were counted and dropped']);
  });

  it('counts unexpected elements in one warning', async () => {
    const r = await parseText('<checkstyle><file name="a"><error line="1" severity="error" message="m"/><note/></file><summary/></checkstyle>');
    expect(lintOf(r).findings).toHaveLength(1);
    expect(r.warnings).toEqual(['checkstyle-result.xml: ignored 2 unexpected element(s) (first: <note>)']);
  });

  it('reports truncated XML with its line', async () => {
    const full = readFileSync(realFixture('checkstyle/phan-iso-8859-15-no-column.checkstyle.xml'));
    const cut = full.subarray(0, full.indexOf('<error line="28"') + 10);
    await expect(parseText(cut, 'cut.xml')).rejects.toThrow(new ReportParseError('unclosed tag: file', { file: 'cut.xml', line: 9, column: 15 }));
  });

  it('rejects billion laughs and XXE documents without expanding or fetching', async () => {
    const laughs = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE checkstyle [',
      '<!ENTITY lol "lol">',
      '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">',
      ']>',
      '<checkstyle><file name="a"><error line="1" severity="error" message="&lol3;"/></file></checkstyle>',
    ].join('\n');
    await expect(parseText(laughs, 'lol.xml')).rejects.toThrow(/lol\.xml:7:\d+: .*undefined entity/i);
    const xxe = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE checkstyle [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
      '<checkstyle><file name="&xxe;"><error line="1" severity="error" message="m"/></file></checkstyle>',
    ].join('\n');
    await expect(parseText(xxe, 'xxe.xml')).rejects.toThrow(/xxe\.xml:3:\d+: .*undefined entity/i);
  });

  it('stops 100k-deep nesting with "nesting too deep" instead of overflowing the stack', async () => {
    const depth = 100_000;
    const xml = '<checkstyle><file name="a">' + '<x>'.repeat(depth) + '</x>'.repeat(depth) + '</file></checkstyle>';
    await expect(parseText(xml, 'deep.xml')).rejects.toThrow(/deep\.xml:1:\d+: nesting too deep \(more than 512 levels\)/);
  });

  it('leaves Object.prototype alone when __proto__ is a tag or attribute name', async () => {
    const xml =
      '<checkstyle __proto__="x"><file name="__proto__" __proto__="y"><__proto__ polluted="yes"/>' +
      '<error line="1" severity="error" message="m" source="__proto__" constructor="c"/></file></checkstyle>';
    const r = await parseText(xml);
    expect(lintOf(r).findings).toEqual([
      { tool: 'checkstyle', ruleId: '__proto__', message: 'm', level: 'error', severity: 'high', path: '__proto__', line: 1 },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('x');
  });

  it('refuses another XML document when the format is given', async () => {
    await expect(
      parseReport(bytesOf('<?xml version="1.0"?>\n<coverage line-rate="1"></coverage>'), { path: 'c.xml', format: 'checkstyle' }),
    ).rejects.toThrow(new ReportParseError('not a Checkstyle report: the root element is <coverage>, expected <checkstyle>', { file: 'c.xml', line: 2, column: 25 }));
  });

  it('sniffs Checkstyle reports and nothing else', () => {
    const files = [...filesUnder(realFixturesDir), ...filesUnder(ownFixturesDir)].filter((p) => !p.endsWith('.md'));
    const accepted = files
      .filter((p) => checkstyleParser.sniff(decodeHead(readFileSync(p).subarray(0, SNIFF_BYTES)), p))
      .map((p) => p.slice(p.lastIndexOf('/') + 1))
      .sort();
    expect(accepted).toEqual(['eslint.checkstyle.xml', 'phan-iso-8859-15-no-column.checkstyle.xml']);
    expect(checkstyleParser.sniff('<!-- generated -->\n<!DOCTYPE checkstyle [ <!ELEMENT checkstyle ANY> ]>\n<checkstyle>', 'x')).toBe(true);
    expect(checkstyleParser.sniff('<?xml version="1.0"?>\n<module name="Checker"><module name="TreeWalker"/></module>', 'checkstyle.xml')).toBe(false);
    expect(checkstyleParser.sniff('<testsuites><testsuite name="<checkstyle>"/></testsuites>', 'checkstyle.xml')).toBe(false);
    expect(checkstyleParser.sniff('{"checkstyle": 1}', 'checkstyle.json')).toBe(false);
    expect(checkstyleParser.sniff('<?xml version="1.0"', 'x.xml')).toBe(false);
  });
});
