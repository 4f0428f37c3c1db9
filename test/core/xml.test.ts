import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ReportParseError } from '../../src/core/errors.js';
import { DEFAULT_LIMITS, type ParseContext } from '../../src/core/parsers/types.js';
import { bytesOf, detectBom } from '../../src/core/stream.js';
import { ABSENT, OTHER, parseXml, readXml, xmlRootName, xmlRootTag, XmlShapeError } from '../../src/core/xml.js';
import { ownFixturesDir, realFixturesDir } from '../helpers/fixtures.js';

const ctx = (path = 'doc.xml', maxDepth = DEFAULT_LIMITS.maxDepth): ParseContext => ({ path, limits: { ...DEFAULT_LIMITS, maxDepth } });

type Event = [kind: string, ...rest: unknown[]];

/** Events of our reader: text inside the root only, adjacent text joined. */
async function ours(data: Uint8Array | string, chunk = 64 * 1024): Promise<Event[]> {
  const events: Event[] = [];
  const text = (t: string) => {
    const last = events[events.length - 1];
    if (last?.[0] === 'text') last[1] = `${last[1] as string}${t}`;
    else events.push(['text', t]);
  };
  await parseXml(bytesOf(data, chunk), ctx(), {
    open: (name, attrs, depth) => events.push(['open', name, { ...attrs }, depth, Object.getPrototypeOf(attrs)]),
    close: (name, depth) => events.push(['close', name, depth]),
    text,
    doctype: (d) => events.push(['doctype', d]),
  });
  return events.filter((e) => e[0] !== 'text' || e[1] !== '');
}

/** The same events from saxes, on text decoded as the old saxes wrapper decoded it. */
function reference(bytes: Uint8Array): Event[] {
  const { encoding, bomLength } = detectBom(bytes);
  let enc: string = encoding;
  if (bomLength === 0) {
    const m = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(new TextDecoder('latin1').decode(bytes.subarray(0, 256)).trimStart());
    if (m) enc = m[1]!.toLowerCase();
  }
  const text = new TextDecoder(enc, { ignoreBOM: true }).decode(bytes.subarray(bomLength));
  const events: Event[] = [];
  let depth = 0;
  const onText = (t: string) => {
    if (depth === 0) return;
    const last = events[events.length - 1];
    if (last?.[0] === 'text') last[1] = `${last[1] as string}${t}`;
    else events.push(['text', t]);
  };
  const p = new SaxesParser({ xmlns: false });
  p.on('opentag', (tag: SaxesTagPlain) => {
    depth++;
    events.push(['open', tag.name, { ...tag.attributes }, depth, null]);
  });
  p.on('closetag', (tag: SaxesTagPlain) => {
    events.push(['close', tag.name, depth]);
    depth--;
  });
  p.on('text', onText);
  p.on('cdata', onText);
  p.on('doctype', (d) => events.push(['doctype', d]));
  p.on('error', (e) => {
    throw e;
  });
  p.write(text).close();
  return events.filter((e) => e[0] !== 'text' || e[1] !== '');
}

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...xmlFiles(p));
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out.sort();
}

async function failure(data: Uint8Array | string, chunk?: number, path = 'bad.xml'): Promise<ReportParseError> {
  const err = await parseXml(bytesOf(data, chunk), ctx(path), { open: () => {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ReportParseError)) throw new Error(`expected a ReportParseError, got ${String(err)}`);
  return err;
}

const EDGE = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<!-- a comment with - dashes - and <tags> -->',
  '<!DOCTYPE root [',
  '  <!ENTITY unused "a > b">',
  '  <!-- ] > inside the subset -->',
  '  <?pi in the subset ?>',
  ']>',
  '<?stylesheet href="x"?>',
  '<root a="x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#10;!" b=\'single "quoted"\' c="tab\there&#9;kept" d="line\r\nbreak\nand\rcr">',
  '  <child name="caf\u00e9 \u{1F600}" empty=""/>',
  '  <text>one &amp; two\r\nthree\rfour <![CDATA[<raw> & ]] ]>\r\n]]> end</text>',
  '  <mixed>a<!-- c -->b<?p i?>c</mixed>',
  '  <spaced   x = "1"   y=\'2\'  ></spaced >',
  '</root>',
  '<!-- after -->',
  '',
].join('\n');

describe('XML reader: the events saxes gives', () => {
  const files = [...xmlFiles(realFixturesDir), ...xmlFiles(ownFixturesDir)];

  it('on every XML fixture, in 64 KiB, 4 KiB and 1000-byte chunks', async () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const file of files) {
      const bytes = readFileSync(file);
      const want = reference(bytes);
      expect(want.length).toBeGreaterThan(1);
      for (const chunk of [64 * 1024, 4096, 1000]) {
        const got = await ours(bytes, chunk);
        expect({ file, chunk, events: got.map((e) => e.slice(0, 4)) }).toEqual({ file, chunk, events: want.map((e) => e.slice(0, 4)) });
      }
    }
  });

  it('on entities, CDATA, comments, PIs, a DOCTYPE subset, line ends and whitespace in values, cut at every byte', async () => {
    const bytes = new TextEncoder().encode(EDGE);
    const want = reference(bytes);
    expect(want).toContainEqual(['open', 'root', { a: 'x & y <z> "q" \'s\' AB\n!', b: 'single "quoted"', c: 'tab here\tkept', d: 'line break and cr' }, 1, null]);
    expect(want).toContainEqual(['text', 'one & two\nthree\nfour <raw> & ]] ]>\n end']);
    expect(want).toContainEqual(['open', 'child', { name: 'caf\u00e9 \u{1F600}', empty: '' }, 2, null]);
    const whole = await ours(bytes);
    expect(whole.map((e) => e.slice(0, 4))).toEqual(want.map((e) => e.slice(0, 4)));
    // Attribute objects have no prototype.
    for (const e of whole) if (e[0] === 'open') expect(e[4]).toBeNull();
    for (let cut = 1; cut < bytes.length; cut++) {
      const halves = async function* () {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      };
      const events: Event[] = [];
      await parseXml(halves(), ctx(), {
        open: (name, attrs, depth) => events.push(['open', name, { ...attrs }, depth]),
        close: (name, depth) => events.push(['close', name, depth]),
        text: (t) => {
          const last = events[events.length - 1];
          if (last?.[0] === 'text') last[1] = `${last[1] as string}${t}`;
          else if (t) events.push(['text', t]);
        },
        doctype: (d) => events.push(['doctype', d]),
      });
      expect({ cut, events }).toEqual({ cut, events: want.map((e) => e.slice(0, 4)) });
    }
  });

  it('on the same document with a working buffer of 1 to 64 bytes: every token cut and completed later', async () => {
    const bytes = new TextEncoder().encode(EDGE);
    const want = reference(bytes).map((e) => e.slice(0, 4));
    for (let workSize = 1; workSize <= 64; workSize++) {
      const events: Event[] = [];
      await parseXml(bytesOf(bytes, 7), ctx(), {
        open: (name, attrs, depth) => events.push(['open', name, { ...attrs }, depth]),
        close: (name, depth) => events.push(['close', name, depth]),
        text: (t) => {
          const last = events[events.length - 1];
          if (last?.[0] === 'text') last[1] = `${last[1] as string}${t}`;
          else if (t) events.push(['text', t]);
        },
        doctype: (d) => events.push(['doctype', d]),
      }, { workSize });
      expect({ workSize, events }).toEqual({ workSize, events: want });
    }
  });

  it('reads the whole document one byte at a time', async () => {
    const bytes = new TextEncoder().encode(EDGE);
    expect((await ours(bytes, 1)).map((e) => e.slice(0, 4))).toEqual(reference(bytes).map((e) => e.slice(0, 4)));
  });

  it('decodes UTF-16 (BOM, or `<?` without one) and declared single-byte encodings', async () => {
    const doc = '<?xml version="1.0" encoding="UTF-16"?><r n="\u00e9\u20ac\u{1F600}">t\u00e9xt</r>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    const want = [['open', 'r', { n: '\u00e9\u20ac\u{1F600}' }, 1], ['text', 't\u00e9xt'], ['close', 'r', 1]];
    for (const bytes of [le, be, Buffer.from(doc, 'utf16le')]) {
      expect((await ours(bytes, 3)).map((e) => e.slice(0, 4))).toEqual(want);
    }
    const latin = Buffer.from('<?xml version="1.0" encoding="ISO-8859-15"?><r n="\xe9\xa4">\xe9</r>', 'latin1');
    expect((await ours(latin, 5)).map((e) => e.slice(0, 4))).toEqual([['open', 'r', { n: '\u00e9\u20ac' }, 1], ['text', '\u00e9'], ['close', 'r', 1]]);
    // UTF-16 declared in ASCII bytes without a BOM cannot be UTF-16: read as UTF-8.
    expect((await ours('<?xml version="1.0" encoding="UTF-16"?><r n="\u00e9"/>')).map((e) => e.slice(0, 4))).toEqual([
      ['open', 'r', { n: '\u00e9' }, 1],
      ['close', 'r', 1],
    ]);
  });
});

describe('XML reader: hardening', () => {
  it('expands no declared entity (billion laughs) and fetches no external one (XXE), at the reference', async () => {
    const laughs = '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "aaaa">\n<!ENTITY b "&a;&a;&a;&a;">\n]>\n<r>\n  <x v="&b;"/>\n</r>';
    const e1 = await failure(laughs, 7);
    expect(e1.problem).toBe('undefined entity: &b; (only the predefined entities and character references are expanded)');
    expect(e1.location).toEqual({ file: 'bad.xml', line: 7, column: 12 });
    const xxe = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    expect((await failure(xxe)).location).toEqual({ file: 'bad.xml', line: 1, column: 61 });
  });

  it('stops at the depth cap without recursion', async () => {
    const deep = '<a>'.repeat(200_000) + '</a>'.repeat(200_000);
    const err = await parseXml(bytesOf(deep), ctx('deep.xml', 100), { open: () => {} }).catch((e: unknown) => e as ReportParseError);
    expect(err).toBeInstanceOf(ReportParseError);
    expect((err as ReportParseError).problem).toBe('nesting too deep (more than 100 levels)');
    expect((err as ReportParseError).location).toEqual({ file: 'deep.xml', line: 1, column: 304 });
  });

  it('keeps __proto__ and constructor as plain attribute names', async () => {
    const events = await ours('<r __proto__="x" constructor="y" toString="z"/>');
    expect(events[0]).toEqual(['open', 'r', { ['__proto__']: 'x', constructor: 'y', toString: 'z' }, 1, null]);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('tolerates the control characters real tools write: colour codes dropped, other controls as U+FFFD', async () => {
    const red = '\u001b[31m';
    const reset = '\u001b[39m';
    const doc = `<r m="${red}x${reset}\u0001"><a>${red}expect(received)${reset}\u0007 ok</a><b><![CDATA[${red}y${reset}]]></b><c>&#x1b;[1mz&#1;</c></r>`;
    for (const chunk of [64 * 1024, 7, 1]) {
      const events = await ours(doc, chunk);
      expect({ chunk, events }).toEqual({
        chunk,
        events: [
          ['open', 'r', { m: 'x\ufffd' }, 1, null],
          ['open', 'a', {}, 2, null],
          ['text', 'expect(received)\ufffd ok'],
          ['close', 'a', 2],
          ['open', 'b', {}, 2, null],
          ['text', 'y'],
          ['close', 'b', 2],
          ['open', 'c', {}, 2, null],
          ['text', 'z\ufffd'],
          ['close', 'c', 2],
          ['close', 'r', 1],
        ],
      });
    }
    // Small working buffers cut the sequences anywhere; the text is the same.
    for (const workSize of [3, 5, 11]) {
      const texts: string[] = [];
      await parseXml(bytesOf(doc), ctx(), { open: () => {}, text: (t) => texts.push(t) }, { workSize });
      expect({ workSize, text: texts.join('') }).toEqual({ workSize, text: 'expect(received)\ufffd okyz\ufffd' });
    }
  });

  it('reads U+FFFE and U+FFFF (jest-junit copies them from test names) as U+FFFD, and still refuses a NUL reference', async () => {
    expect(await ours('<r a="\uffff"><!-- \u0001 -->\ufffe</r>')).toEqual([
      ['open', 'r', { a: '\ufffd' }, 1, null],
      ['text', '\ufffd'],
      ['close', 'r', 1],
    ]);
    expect((await failure('<r>&#0;</r>')).problem).toBe('malformed character entity.');
  });

  it.each([
    ['<r><a></b></r>', 'unmatched closing tag: </b> closes <a>.', 1, 11],
    ['<r a="1" a="2"/>', 'duplicate attribute: a.', 1, 17],
    ['<r a="x<y"/>', 'disallowed character.', 1, 9],
    ['<r a=1/>', 'unquoted attribute value.', 1, 7],
    ['<r a/>', 'attribute without value.', 1, 6],
    ['<r a="1"b="2"/>', 'no whitespace between attributes.', 1, 10],
    ['<r/><s/>', 'documents may contain only one root.', 1, 9],
    ['x<r/>', 'text data outside of root node.', 1, 2],
    ['<r/>\n&amp;', 'text data outside of root node.', 2, 2],
    ['<r>a]]>b</r>', 'the string "]]>" is disallowed in char data.', 1, 8],
    ['<r>&#0;</r>', 'malformed character entity.', 1, 8],
    ['<r>&;</r>', 'empty entity name.', 1, 6],
    ['<r><!-- a -- b --></r>', 'malformed comment ("--" inside it).', 1, 14],
    [' <?xml version="1.0"?><r/>', 'an XML declaration must be at the start of the document.', 1, 23],
    ['<?xml version="2.0"?><r/>', 'version number must match /^1\\.[0-9]+$/.', 1, 22],
    ['<?xml encoding="UTF-8"?><r/>', 'unexpected "encoding" in the XML declaration.', 1, 25],
    ['<r/><!DOCTYPE r>', 'inappropriately located doctype declaration.', 1, 14],
    ['<r><!ELEMENT x ANY></r>', 'incorrect syntax.', 1, 7],
    ['<1r/>', 'disallowed character in tag name.', 1, 3],
    ['', 'no XML root element: the file is empty or not XML', 1, 1],
    ['<!-- only a comment -->\n', 'no XML root element: the file is empty or not XML', 2, 1],
    ['<r>\n  <a>\n    <b x="1', 'unclosed tag: a', 3, 12],
    ['<r><!-- never closed', 'unclosed tag: r', 1, 21],
    ['<r/><!-- never closed', 'unexpected end.', 1, 22],
  ])('refuses %j: %s at %i:%i', async (doc, problem, line, column) => {
    for (const chunk of [64 * 1024, 1]) {
      const err = await failure(doc, chunk);
      expect({ chunk, problem: err.problem, location: err.location }).toEqual({ chunk, problem, location: { file: 'bad.xml', line, column } });
    }
  });

  // Columns are 1-based: the characters read up to and including the offending one, plus one (saxes' column + 1).
  it('finds a duplicate attribute in a tag like the one before it, wherever the working buffer cuts it', async () => {
    const doc = '<r><a x="1" y="2"/><a x="1" x="2"/></r>';
    for (let workSize = 1; workSize <= doc.length; workSize++) {
      const err = await parseXml(bytesOf(doc), ctx(), { open: () => {} }, { workSize }).catch((e: unknown) => e as ReportParseError);
      expect({ workSize, problem: (err as ReportParseError).problem }).toEqual({ workSize, problem: 'duplicate attribute: x.' });
    }
  });

  it('locates errors and reads every fixture the same with a 16-byte working buffer', async () => {
    const err = await parseXml(bytesOf('<r>\n  <a>\n    <b x="1'), ctx('bad.xml'), { open: () => {} }, { workSize: 16 }).catch((e: unknown) => e as ReportParseError);
    expect(err).toEqual(new ReportParseError('unclosed tag: a', { file: 'bad.xml', line: 3, column: 12 }));
    const lol = '<r>\n' + '\u00e9'.repeat(40) + '<x v="&b;"/></r>';
    const err2 = (await parseXml(bytesOf(lol), ctx('bad.xml'), { open: () => {} }, { workSize: 16 }).catch((e: unknown) => e)) as ReportParseError;
    expect(err2.location).toEqual({ file: 'bad.xml', line: 2, column: 50 });
    for (const file of [...xmlFiles(realFixturesDir), ...xmlFiles(ownFixturesDir)].slice(0, 6)) {
      const bytes = readFileSync(file);
      const events: Event[] = [];
      await parseXml(bytesOf(bytes, 4096), ctx(), {
        open: (name, attrs, depth) => events.push(['open', name, { ...attrs }, depth]),
        close: (name, depth) => events.push(['close', name, depth]),
        text: (t) => {
          const last = events[events.length - 1];
          if (last?.[0] === 'text') last[1] = `${last[1] as string}${t}`;
          else if (t) events.push(['text', t]);
        },
        doctype: (d) => events.push(['doctype', d]),
      }, { workSize: 16 });
      expect({ file, events }).toEqual({ file, events: reference(bytes).map((e) => e.slice(0, 4)) });
    }
  });

  it('counts columns in characters, and carries them across buffer boundaries', async () => {
    const long = `<r>${'\u00e9'.repeat(600_000)}<a b="&nope;"/></r>`;
    const err = await failure(long, 4096);
    expect(err.location).toEqual({ file: 'bad.xml', line: 1, column: 600_000 + 16 });
  });

  it('locates a handler error after the tag it was given', async () => {
    const err = await parseXml(bytesOf('<r>\n  <x a="1"\n     b="2"/></r>'), ctx(), {
      open(name) {
        if (name === 'x') throw new XmlShapeError('no x here');
      },
    }).catch((e: unknown) => e as ReportParseError);
    expect(err).toEqual(new ReportParseError('no x here', { file: 'doc.xml', line: 3, column: 13 }));
  });

  it('streams a CDATA section and a comment larger than the working buffer', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 + 17);
    const texts: string[] = [];
    await parseXml(bytesOf(`<r><!--${big}--><![CDATA[${big}]]></r>`), ctx(), { open: () => {}, text: (t) => texts.push(t) });
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe(big);
  });

  it('reads an attribute value larger than the working buffer', async () => {
    const big = 'v'.repeat(2 * 1024 * 1024 + 3);
    let got = '';
    await parseXml(bytesOf(`<r a="${big}"/>`), ctx(), { open: (_, attrs) => (got = attrs['a']!) });
    expect(got).toBe(big);
  });
});

describe('XML reader: attributes in place', () => {
  it('reads decimal values without strings, and the rest as strings', async () => {
    const seen: unknown[] = [];
    await readXml(bytesOf('<r n="42" z="007" big="1234567890123456" neg="-1" sp=" 1" e="&#52;2" u="\u00e9" t="TRUE"/>'), ctx(), {
      open(_, a) {
        seen.push(a.count, a.digits('n'), a.digits('z'), a.digits('big'), a.digits('neg'), a.digits('sp'), a.digits('e'), a.digits('missing'));
        seen.push(a.get('e'), a.get('u'), a.get('missing'), a.is('t', 'true'), a.is('t', 'true', true), a.is('n', '42'), a.is('missing', ''));
      },
    });
    expect(seen).toEqual([8, 42, 7, OTHER, OTHER, OTHER, OTHER, ABSENT, '42', '\u00e9', undefined, false, true, true, false]);
  });

  it('finds attributes with non-ASCII names, never mistaking raw bytes for Latin-1 characters', async () => {
    let v: string | undefined;
    await readXml(bytesOf('<r d\u00e9j\u00e0="oui" x="1"/>'), ctx(), {
      open: (_, a) => {
        v = a.get('d\u00e9j\u00e0');
      },
    });
    expect(v).toBe('oui');
    // "\u00c3\u00a9" is the UTF-8 bytes of "\u00e9" read as Latin-1: a different name.
    const names: string[][] = [];
    await readXml(bytesOf('<r><a \u00c3\u00a9="1"/><a \u00e9="2"/><\u00c3\u00a9/><\u00e9/></r>'), ctx(), {
      open: (name, a) => {
        names.push([name, ...Object.keys(a.toObject())]);
      },
    });
    expect(names).toEqual([['r'], ['a', '\u00c3\u00a9'], ['a', '\u00e9'], ['\u00c3\u00a9'], ['\u00e9']]);
  });

  it('gives text only inside the elements whose open asked for it', async () => {
    const texts: string[] = [];
    await readXml(bytesOf('<r>a<s>b<t>c</t>d</s>e<s/>f<u>g</u><![CDATA[h]]><s><![CDATA[i]]></s></r>'), ctx(), {
      open: (name) => name === 's',
      text: (t) => {
        texts.push(t.value());
      },
    });
    expect(texts).toEqual(['b', 'c', 'd', 'i']);
  });
});

describe('sniffing the root element', () => {
  it('finds the root tag past the prolog and an internal subset', () => {
    expect(xmlRootTag('\n<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><!-- c --><report name="r">')).toEqual({
      name: 'report',
      attrs: ' name="r"',
      prolog: '\n<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><!-- c -->',
      end: 79,
    });
    expect(xmlRootTag('text <coverage>')).toBeUndefined();
    expect(xmlRootTag('<!-- unterminated')).toBeUndefined();
    expect(xmlRootTag('<coverage line-rate="1"')).toBeUndefined();
  });

  it('names the root even when the head cuts its start tag', () => {
    expect(xmlRootName('<?xml version="1.0"?>\n<!-- x --><testsuites name="a very long')).toBe('testsuites');
    expect(xmlRootName('<!DOCTYPE checkstyle [<!ENTITY e "x">]>\n<checkstyle version="8">')).toBe('checkstyle');
    expect(xmlRootName('{"not": "xml"}')).toBeUndefined();
    expect(xmlRootName('<?xml version="1.0"')).toBeUndefined();
  });
});
