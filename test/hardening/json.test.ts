/**
 * Hostile JSON reports, read through parseReport, for every JSON format
 * (Istanbul final and summary, ESLint, SARIF, npm audit, Trivy, Semgrep,
 * coverage.py): prototype keys, a million levels of nesting arriving as a
 * stream, and SARIF logs past the run and result limits.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { ReportParseError } from '../../src/core/errors.js';
import type { ParsedReport } from '../../src/core/model/report.js';
import { parseReport } from '../../src/core/parsers/registry.js';
import { bytesOf, type ByteSource } from '../../src/core/stream.js';

const encoder = new TextEncoder();

async function parse(text: string, format?: string): Promise<ParsedReport> {
  return parseReport(bytesOf(text), { path: 'r.json', ...(format ? { format } : {}) });
}

function coverageRows(r: ParsedReport): [string, number, number, number][] {
  if (r.kind !== 'coverage') throw new Error(r.kind);
  return [...r.coverage.files].map(([k, f]) => [k, f.lines.total, f.lines.covered, f.functions.total]);
}

function findingRows(r: ParsedReport): unknown[][] {
  if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
  return r.findings.findings.map((f) => [f.path ?? null, f.ruleId, f.level, f.severity, f.message]);
}

describe('prototype keys stay plain keys', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  afterEach(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    const probe = {} as Record<string, unknown>;
    for (const key of ['polluted', 'severity', 'level', 'x', 'statementMap', 'executed_lines']) expect(probe[key]).toBeUndefined();
  });

  it('Istanbul coverage-final.json: files and statement ids named __proto__ and constructor', async () => {
    const loc = (l: number) => `{"start":{"line":${l},"column":0},"end":{"line":${l},"column":5}}`;
    const file = (p: string) =>
      `{"path":"${p}","statementMap":{"0":${loc(1)},"__proto__":${loc(2)},"constructor":${loc(3)}},"s":{"0":1,"__proto__":0,"constructor":2},` +
      '"fnMap":{},"f":{},"branchMap":{},"b":{}}';
    const r = await parse(`{"__proto__":${file('__proto__')},"constructor":${file('constructor')},"src/a.js":${file('src/a.js')}}`, 'istanbul-json');
    expect(coverageRows(r)).toEqual([
      ['__proto__', 3, 2, 0],
      ['constructor', 3, 2, 0],
      ['src/a.js', 3, 2, 0],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('Istanbul coverage-summary.json: entries named __proto__ and constructor, and constructor.prototype refused as a summary', async () => {
    const sum = (t: number, c: number) =>
      `{"lines":{"total":${t},"covered":${c},"skipped":0,"pct":0},"statements":{"total":${t},"covered":${c},"skipped":0,"pct":0},` +
      `"functions":{"total":1,"covered":1,"skipped":0,"pct":100},"branches":{"total":0,"covered":0,"skipped":0,"pct":100}}`;
    const r = await parse(`{"total":${sum(4, 2)},"__proto__":${sum(2, 1)},"constructor":${sum(2, 1)}}`, 'istanbul-summary');
    if (r.kind !== 'coverage') throw new Error(r.kind);
    expect(coverageRows(r)).toEqual([
      ['__proto__', 0, 0, 1],
      ['constructor', 0, 0, 1],
    ]);
    expect(r.coverage.declared).toEqual({ lines: { total: 4, covered: 2 }, branches: { total: 0, covered: 0 }, functions: { total: 1, covered: 1 } });
    await expect(parse(`{"total":${sum(2, 1)},"constructor":{"prototype":${sum(2, 1)}}}`, 'istanbul-summary')).rejects.toThrow(
      new ReportParseError('file "constructor" is not an istanbul summary object: no lines, statements, functions or branches (keys: prototype)', { file: 'r.json' }),
    );
  });

  it('ESLint: a message whose __proto__ says severity 2 has no severity', async () => {
    const r = await parse(
      '[{"filePath":"__proto__","messages":[{"ruleId":"constructor","severity":2,"message":"m","line":1,"column":1,"__proto__":{"severity":1}},' +
        '{"__proto__":{"severity":2},"message":"x"}],"errorCount":1,"warningCount":0,"constructor":{"prototype":{"polluted":1}}}]',
      'eslint-json',
    );
    expect(findingRows(r)).toEqual([['__proto__', 'constructor', 'error', 'high', 'm']]);
    expect(r.warnings).toEqual(['r.json: skipped 1 malformed message(s) (first: [0].messages[1]: severity undefined)']);
  });

  it('SARIF: __proto__ in a run and in a result changes neither the level nor the rules', async () => {
    const log = {
      version: '2.1.0',
      runs: [
        {
          __proto__: { polluted: 1 },
          constructor: { prototype: { polluted: 2 } },
          tool: { driver: { name: 'T', rules: [{ id: 'constructor', defaultConfiguration: { level: 'error' } }] } },
          results: [
            { ruleId: 'constructor', message: { text: 'c' } },
            { ruleId: 'toString', __proto__: { level: 'error' }, message: { text: 't' } },
          ],
        },
      ],
    };
    // JSON.stringify of an object literal drops a __proto__ key: write it as text.
    const text = JSON.stringify(log)
      .replace('"constructor":{"prototype"', '"__proto__":{"polluted":1},"constructor":{"prototype"')
      .replace('"ruleId":"toString",', '"ruleId":"toString","__proto__":{"level":"error"},');
    expect(text).toContain('"__proto__":{"level":"error"}');
    const r = await parse(text, 'sarif');
    expect(findingRows(r)).toEqual([
      [null, 'constructor', 'error', 'high', 'c'],
      [null, 'toString', 'warning', 'medium', 't'],
    ]);
  });

  it('npm audit: packages named __proto__, constructor and toString', async () => {
    const entry = (name: string, severity: string) => `"${name}":{"name":"${name}","severity":"${severity}","via":[],"range":"*"}`;
    const r = await parse(
      `{"auditReportVersion":2,"vulnerabilities":{${entry('__proto__', 'high')},${entry('constructor', 'critical')},${entry('toString', 'low')}},` +
        '"metadata":{"vulnerabilities":{"info":0,"low":1,"moderate":0,"high":1,"critical":1,"total":3}}}',
      'npm-audit',
    );
    expect(findingRows(r).map((row) => [row[2], row[3], row[4]])).toEqual([
      ['error', 'high', '__proto__ *: vulnerable'],
      ['error', 'critical', 'constructor *: vulnerable'],
      ['note', 'low', 'toString *: vulnerable'],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('Trivy: a __proto__ severity inside a vulnerability is not its severity', async () => {
    const r = await parse(
      '{"SchemaVersion":2,"ArtifactName":"x","Results":[{"Target":"__proto__","Class":"lang-pkgs","Type":"npm","Vulnerabilities":[' +
        '{"__proto__":{"Severity":"LOW"},"VulnerabilityID":"CVE-2024-0001","PkgName":"constructor","InstalledVersion":"1","Severity":"HIGH"}]}]}',
      'trivy-json',
    );
    expect(findingRows(r)).toEqual([['__proto__', 'CVE-2024-0001', 'error', 'high', 'constructor 1: CVE-2024-0001 (no fixed version)']]);
  });

  it('Semgrep: a __proto__ security-severity in the metadata is ignored', async () => {
    const r = await parse(
      '{"version":"1.30.0","results":[{"check_id":"constructor","path":"__proto__","start":{"line":1,"col":1},"end":{"line":1,"col":2},' +
        '"extra":{"message":"m","severity":"WARNING","metadata":{"__proto__":{"security-severity":"9.8"},"constructor":{"prototype":{"x":1}}}}}],' +
        '"errors":[],"paths":{"scanned":[]}}',
      'semgrep-json',
    );
    expect(findingRows(r)).toEqual([['__proto__', 'constructor', 'warning', 'medium', 'm']]);
  });

  it('coverage.py: files named __proto__ and constructor', async () => {
    const file = '{"executed_lines":[1],"missing_lines":[2],"excluded_lines":[],"summary":{"covered_lines":1,"num_statements":2}}';
    const r = await parse(
      `{"meta":{"version":"7.16.0","format":3,"branch_coverage":false,"show_contexts":false},"files":{"__proto__":${file},"constructor":${file}},` +
        '"totals":{"covered_lines":2,"num_statements":4}}',
      'coveragepy-json',
    );
    expect(coverageRows(r)).toEqual([
      ['__proto__', 2, 1, 0],
      ['constructor', 2, 1, 0],
    ]);
    expect(r.warnings).toEqual([]);
  });
});

describe('a million levels of nesting, arriving as a stream', () => {
  const LEVELS = 1_000_000;
  const CHUNK = 64 * 1024;

  /** `prefix`, then a million `open`s and closes, in 64 KiB chunks made on demand; counts the chunks taken. */
  function deep(prefix: string, open = '[', close = ']'): { source: ByteSource; taken: () => number } {
    let taken = 0;
    async function* gen(): ByteSource {
      taken++;
      yield encoder.encode(prefix);
      const opens = encoder.encode(open.repeat(CHUNK / open.length));
      const closes = encoder.encode(close.repeat(CHUNK / close.length));
      for (let i = 0; i < LEVELS; i += CHUNK / open.length) {
        taken++;
        yield opens;
      }
      for (let i = 0; i < LEVELS; i += CHUNK / close.length) {
        taken++;
        yield closes;
      }
    }
    return { source: gen(), taken: () => taken };
  }

  /** Containers open at the end of `prefix`. */
  function depthOf(prefix: string): number {
    let d = 0;
    let inString = false;
    for (let i = 0; i < prefix.length; i++) {
      const c = prefix[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '[' || c === '{') d++;
      else if (c === ']' || c === '}') d--;
    }
    return d;
  }

  it.each([
    ['istanbul-json', '{"a.js":{"statementMap":'],
    ['istanbul-summary', '{"total":'],
    ['eslint-json', '[{"filePath":"a","messages":'],
    ['sarif', '{"version":"2.1.0","runs":'],
    ['npm-audit', '{"auditReportVersion":2,"vulnerabilities":{"x":'],
    ['trivy-json', '{"SchemaVersion":2,"Results":'],
    ['semgrep-json', '{"version":"1.0.0","results":'],
    ['coveragepy-json', '{"meta":{"version":"7","format":3,"branch_coverage":false,"show_contexts":false},"files":'],
  ])('%s: a clear error at the 513th level, after reading only the first chunks', async (format, prefix) => {
    const { source, taken } = deep(prefix);
    const t0 = performance.now();
    const err = await parseReport(source, { path: 'deep.json', format }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(10000);
    expect(err).toBeInstanceOf(ReportParseError);
    const e = err as ReportParseError;
    expect(e.problem).toBe('JSON nesting too deep (more than 512 levels)');
    expect(e.location).toEqual({ file: 'deep.json', line: 1, column: prefix.length + (513 - depthOf(prefix)) });
    expect(e.format).toBe(format);
    expect(taken()).toBeLessThanOrEqual(3);
  });

  it('the same with objects ({"a":{"a":...), and unsniffed input is not a report', async () => {
    const objects = deep('', '{"a":', '}');
    const err = (await parseReport(objects.source, { path: 'deep.json', format: 'sarif' }).catch((e: unknown) => e)) as ReportParseError;
    expect(err.problem).toBe('JSON nesting too deep (more than 512 levels)');
    expect(err.location.column).toBe(512 * 5 + 1);
    const arrays = deep('');
    const unknown = (await parseReport(arrays.source, { path: 'deep.json' }).catch((e: unknown) => e)) as ReportParseError;
    expect(unknown.problem).toMatch(/^not a report format this tool reads/);
    expect(arrays.taken()).toBeLessThanOrEqual(2);
  });
});

describe('SARIF past its limits: bounded, and the truncation is stated', () => {
  /** A log of `runs` runs with `perRun` error results each, streamed in pieces; `toolLast` puts each run's tool after its results. */
  async function* sarif(runs: number, perRun: number, toolLast = false): ByteSource {
    yield encoder.encode('{"version":"2.1.0","runs":[');
    for (let r = 0; r < runs; r++) {
      const tool = `"tool":{"driver":{"name":"Tool${r}","rules":[{"id":"R","defaultConfiguration":{"level":"error"}}]}}`;
      yield encoder.encode(`${r ? ',' : ''}{${toolLast ? '' : `${tool},`}"results":[`);
      let piece = '';
      for (let i = 0; i < perRun; i++) {
        piece += `${i ? ',' : ''}{"ruleId":"R","message":{"text":"finding ${i}"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/f${i % 50}.ts"},"region":{"startLine":${i + 1}}}}]}`;
        if (piece.length > 60000) {
          yield encoder.encode(piece);
          piece = '';
        }
      }
      yield encoder.encode(`${piece}]${toolLast ? `,${tool}` : ''}}`);
    }
    yield encoder.encode(']}');
  }

  it('reads the first 20 of 25 runs and says how many results the others had', async () => {
    const r = await parseReport(sarif(25, 3), { path: 'many.sarif' });
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings).toHaveLength(60);
    expect(r.findings.tools).toEqual(Array.from({ length: 20 }, (_, i) => `Tool${i}`));
    expect(r.warnings).toEqual(['many.sarif: read the first 20 of 25 runs (limit maxRuns); the 15 result(s) of the other runs are not counted']);
  });

  it.each([
    ['its tool first', false],
    ['its tool after the results', true],
  ])('keeps 25,000 of 25,500 results of one run (%s) and counts the rest', async (_name, toolLast) => {
    const t0 = performance.now();
    const r = await parseReport(sarif(1, 25_500, toolLast), { path: 'big.sarif' });
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings).toHaveLength(25_000);
    expect(r.findings.findings[24_999]).toMatchObject({ message: 'finding 24999', path: 'src/f49.ts', line: 25_000, level: 'error' });
    expect(r.warnings).toEqual(['big.sarif: 25500 findings, only the first 25000 are kept (limit maxFindings); 500 more are not listed']);
  }, 30000);

  it('applies the same caps when the caller lowers them', async () => {
    const r = await parseReport(sarif(5, 10), { path: 'small.sarif', limits: { maxRuns: 2, maxFindings: 15 } });
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings).toHaveLength(15);
    expect(r.warnings).toEqual([
      'small.sarif: read the first 2 of 5 runs (limit maxRuns); the 30 result(s) of the other runs are not counted',
      'small.sarif: 20 findings, only the first 15 are kept (limit maxFindings); 5 more are not listed',
    ]);
  });
});

describe('SARIF that would be worth far more memory than its size', () => {
  it('cuts messages filled in from a shared {0}{0}{0}... template with a long argument', async () => {
    const results = Array.from({ length: 50 }, () => ({ ruleId: 'R', message: { id: 'm', arguments: ['x'.repeat(20_000)] } }));
    const ownText = { ruleId: 'R', message: { text: '{0}'.repeat(2000), arguments: ['y'.repeat(20_000)] } };
    const log = { version: '2.1.0', runs: [{ tool: { driver: { name: 'T', rules: [{ id: 'R', messageStrings: { m: { text: '{0}'.repeat(2000) } } }] } }, results: [...results, ownText] }] };
    // 1 MB of log; filled in as written, 51 messages of 40 million characters.
    const t0 = performance.now();
    const r = await parse(JSON.stringify(log), 'sarif');
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings.map((f) => f.message.length)).toEqual(Array(51).fill(4000));
    expect(r.findings.findings[50]!.message).toBe('y'.repeat(4000));
    expect(r.warnings).toEqual(['r.json: 51 message(s) were cut to 4000 characters when their arguments were filled in']);
  });

  it('keeps short filled-in messages whole, escapes included', async () => {
    const log = {
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'T', rules: [{ id: 'R', messageStrings: { m: { text: '{{{0}}} in {1}, not {2}' } } }] } }, results: [{ ruleId: 'R', message: { id: 'm', arguments: ['a', 'b'] } }] }],
    };
    const r = await parse(JSON.stringify(log), 'sarif');
    expect(findingRows(r)).toEqual([[null, 'R', 'warning', 'medium', '{a} in b, not {2}']]);
    expect(r.warnings).toEqual([]);
  });

  it('keeps 32 advisory ids a finding when a rule names 50,000 and 25,000 results use it', async () => {
    const tags = Array.from({ length: 50_000 }, (_, i) => `CVE-2024-${10_000 + i}`);
    const results = Array.from({ length: 25_000 }, () => ({ ruleId: 'R', message: { text: 'm' } }));
    const t0 = performance.now();
    const r = await parse(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T', rules: [{ id: 'R', properties: { tags } }] } }, results }] }), 'sarif');
    expect(performance.now() - t0).toBeLessThan(25000);
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings).toHaveLength(25_000);
    expect(r.findings.findings[24_999]!.ids).toEqual(tags.slice(0, 32));
  }, 20000);

  it('drops paths built from a chain of long base URIs instead of giving every finding megabytes of path', async () => {
    const bases: Record<string, { uri: string; uriBaseId?: string }> = {};
    for (let i = 0; i < 16; i++) bases[`B${i}`] = { uri: `${'d'.repeat(50_000)}/`, ...(i < 15 ? { uriBaseId: `B${i + 1}` } : {}) };
    const results = Array.from({ length: 2000 }, (_, i) => ({
      ruleId: 'R',
      message: { text: 'm' },
      locations: [{ physicalLocation: { artifactLocation: { uri: `a${i}.ts`, uriBaseId: 'B0' } } }],
    }));
    results.push({ ruleId: 'R', message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'src/ok.ts', uriBaseId: 'NONE' } } }] });
    const t0 = performance.now();
    const r = await parse(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, originalUriBaseIds: bases, results }] }), 'sarif');
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings).toHaveLength(2001);
    expect(r.findings.findings.filter((f) => f.path !== undefined).map((f) => f.path)).toEqual(['src/ok.ts']);
    expect(r.warnings).toEqual(['r.json: 2000 result(s) name a file longer than 4096 characters; they are kept without a location']);
  });
});

describe('long lists inside one entry stay linear', () => {
  // Each was quadratic (a list searched for every entry it holds): 100,000 items took 45 to 115 seconds.
  const N = 100_000;

  it('npm audit: a package vulnerable through 100,000 packages, and one with 25,000 advisories', async () => {
    const strings = JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: { a: { name: 'a', severity: 'high', via: Array.from({ length: N }, (_, i) => `pkg${i}`), range: '*' } },
      metadata: { vulnerabilities: { high: 1, total: 1 } },
    });
    let t0 = performance.now();
    let r = await parse(strings, 'npm-audit');
    expect(performance.now() - t0).toBeLessThan(15000);
    expect(findingRows(r)[0]![4]).toBe(`a *: vulnerable through ${Array.from({ length: 10 }, (_, i) => `pkg${i}`).join(', ')}, and 99990 more`);
    const advisories = JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: {
        a: { name: 'a', severity: 'high', range: '*', via: Array.from({ length: N / 4 }, (_, i) => ({ source: 1_000_000 + i, title: `t${i}`, cves: [`CVE-2024-${10_000 + i}`] })) },
      },
      metadata: { vulnerabilities: { high: 1, total: 1 } },
    });
    t0 = performance.now();
    r = await parse(advisories, 'npm-audit');
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'security') throw new Error(r.kind);
    const f = r.findings.findings[0]!;
    expect(f.ids).toHaveLength(32);
    expect(f.ids!.slice(0, 3)).toEqual(['npm-1000000', 'CVE-2024-10000', 'npm-1000001']);
    expect(f.message).toBe(`a *: ${Array.from({ length: 10 }, (_, i) => `t${i}`).join('; ')}; and 24990 more`);
  });

  it('Trivy: a vulnerability with 100,000 vendor ids', async () => {
    const t0 = performance.now();
    const r = await parse(
      JSON.stringify({ SchemaVersion: 2, ArtifactName: 'x', Results: [{ Target: 't', Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'p', Severity: 'HIGH', VendorIDs: Array.from({ length: N }, (_, i) => `V-${i % (N / 2)}`) }] }] }),
      'trivy-json',
    );
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings[0]!.ids).toEqual(['CVE-1', ...Array.from({ length: 31 }, (_, i) => `V-${i}`)]);
  });

  it('Semgrep: a result naming 100,000 CWEs', async () => {
    const t0 = performance.now();
    const r = await parse(
      JSON.stringify({
        version: '1.30.0',
        results: [{ check_id: 'c', path: 'p', start: { line: 1 }, end: { line: 1 }, extra: { message: 'm', severity: 'ERROR', metadata: { cwe: Array.from({ length: N }, (_, i) => `CWE-${i % 7}: x`) } } }],
        errors: [],
        paths: { scanned: [] },
      }),
      'semgrep-json',
    );
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings[0]!.ids).toEqual(['CWE-0', 'CWE-1', 'CWE-2', 'CWE-3', 'CWE-4', 'CWE-5', 'CWE-6']);
  });
});

describe('SARIF rule lookups stay linear', () => {
  it('finds rules of a 20,000-rule extension by id for 20,000 results', async () => {
    const rules = Array.from({ length: 20_000 }, (_, i) => ({ id: `R${i}`, defaultConfiguration: { level: i === 19_999 ? 'error' : 'note' } }));
    const results = Array.from({ length: 20_000 }, () => ({ rule: { id: 'R19999', toolComponent: { index: 0 } }, message: { text: 'm' } }));
    const t0 = performance.now();
    const r = await parse(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T' }, extensions: [{ name: 'E', rules }] }, results }] }), 'sarif');
    expect(performance.now() - t0).toBeLessThan(15000);
    if (r.kind !== 'lint' && r.kind !== 'security') throw new Error(r.kind);
    expect(r.findings.findings.map((f) => f.level)).toEqual(Array(20_000).fill('error'));
  }, 20000);

  it('shortens hierarchical rule ids a few levels, not once per slash of a 100 KB id', async () => {
    const tool = { driver: { name: 'T', rules: [{ id: 'CA2101', defaultConfiguration: { level: 'error' } }] } };
    const results = [
      { ruleId: 'CA2101/1/2', message: { text: 'short' } },
      ...Array.from({ length: 10 }, () => ({ ruleId: `CA2101${'/a'.repeat(50_000)}`, message: { text: 'long' } })),
    ];
    const t0 = performance.now();
    const r = await parse(JSON.stringify({ version: '2.1.0', runs: [{ tool, results }] }), 'sarif');
    expect(performance.now() - t0).toBeLessThan(10000);
    expect(findingRows(r).map((row) => [row[2], row[4]])).toEqual([['error', 'short'], ...Array(10).fill(['warning', 'long'])]);
  });
});
