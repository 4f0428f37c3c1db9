import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { npmAuditParser } from '../../../src/core/parsers/security/npm-audit.js';
import { trivyParser } from '../../../src/core/parsers/security/trivy.js';
import { semgrepParser } from '../../../src/core/parsers/security/semgrep.js';
import { bytesOf } from '../../../src/core/stream.js';
import { ReportParseError } from '../../../src/core/errors.js';
import type { Finding } from '../../../src/core/model/findings.js';
import { ownFixture, parseFile, readFixture, realFixture } from '../../helpers/fixtures.js';
import { acceptedBy, findingsOf, tally, textParser } from '../../helpers/findings.js';

function byName(fs: Finding[], name: string): Finding {
  const f = fs.find((x) => x.package?.name === name);
  if (!f) throw new Error(`no finding for ${name}`);
  return f;
}

const parseText = textParser({ path: 'audit.json', format: 'npm-audit' }, 5);

function v2(vulnerabilities: object, counts: Record<string, number>): string {
  const metadata = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts };
  const total = Object.values(metadata).reduce((a, b) => a + b, 0);
  return JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { ...metadata, total } } });
}

describe('npm audit parser: npm 7+ (auditReportVersion 2)', () => {
  it('reads the shared npm 7 report: one finding per vulnerable package, matching metadata.vulnerabilities', async () => {
    const r = await parseFile(realFixture('npm-audit/npm7-many-vulns.json'));
    expect(r.format).toBe('npm-audit');
    expect(r.warnings).toEqual([]);
    const fs = findingsOf(r, 'security').findings;
    expect(fs).toHaveLength(6);
    expect(tally(fs, (f) => f.severity)).toEqual({ medium: 4, low: 2 });
    expect(fs.map((f) => f.package?.name)).toEqual(['@vercel/fun', '@vercel/node', 'debug', 'semver', 'undici', 'vercel']);
    // 3 advisory objects in `via`, each on its own package.
    const withIds = fs.filter((f) => f.ids);
    expect(withIds.map((f) => f.ids)).toEqual([['GHSA-gxpj-cx7g-858c'], ['GHSA-c2qf-rxjj-qqgw'], ['GHSA-3787-6prv-h9w3']]);
    expect(fs.filter((f) => f.ruleId === null).map((f) => f.package?.name)).toEqual(['@vercel/fun', '@vercel/node', 'vercel']);
    // 5 plain package-name references in `via`: 2 + 1 + 2.
    const through = fs.map((f) => /vulnerable through ([^(]+?)(?: \(|$)/.exec(f.message)?.[1]?.split(', ') ?? []);
    expect(through.flat()).toEqual(['debug', 'semver', 'undici', '@vercel/fun', '@vercel/node']);
    expect(fs.filter((f) => f.message.includes('direct dependency')).map((f) => f.package?.name)).toEqual(['vercel']);

    const debug = byName(fs, 'debug');
    expect(debug).toEqual({
      tool: 'npm audit',
      ruleId: 'GHSA-gxpj-cx7g-858c',
      message: 'debug 4.0.0 - 4.3.0: Regular Expression Denial of Service in debug (fix: update vercel to 32.3.0 (semver-major))',
      level: 'warning',
      severity: 'medium',
      helpUri: 'https://github.com/advisories/GHSA-gxpj-cx7g-858c',
      ids: ['GHSA-gxpj-cx7g-858c'],
      package: { name: 'debug', version: '4.0.0 - 4.3.0', manifest: 'package-lock.json' },
    });
    const vercel = byName(fs, 'vercel');
    expect(vercel.package).toEqual({
      name: 'vercel',
      version: '28.12.3 || 29.0.1 - 29.0.3 || >=32.0.2',
      fixedVersion: '32.3.0',
      manifest: 'package-lock.json',
    });
    expect(vercel.message).toBe(
      'vercel 28.12.3 || 29.0.1 - 29.0.3 || >=32.0.2: vulnerable through @vercel/fun, @vercel/node (direct dependency; fix: update to 32.3.0 (semver-major))',
    );
    expect(byName(fs, 'undici').level).toBe('note');
    for (const f of fs) {
      expect(f.path).toBeUndefined();
      expect(f.line).toBeUndefined();
    }
  });

  it('reads the npm 11 report made here: 7 packages, 2 moderate, 3 high, 2 critical', async () => {
    const r = await parseFile(ownFixture('npm-audit/npm11-vulnerable.json'));
    expect(r.format).toBe('npm-audit');
    expect(r.warnings).toEqual([]);
    const fs = findingsOf(r, 'security').findings;
    expect(fs).toHaveLength(7);
    expect(tally(fs, (f) => f.severity)).toEqual({ high: 3, critical: 2, medium: 2 });
    expect(new Set(fs.flatMap((f) => f.ids ?? [])).size).toBe(11);

    const minimist = byName(fs, 'minimist');
    expect(minimist.severity).toBe('critical');
    expect(minimist.level).toBe('error');
    expect(minimist.ids).toEqual(['GHSA-xvch-5gv4-984h', 'GHSA-vh95-rmgr-6w4m']);
    expect(minimist.package).toEqual({ name: 'minimist', version: '<=0.2.3', manifest: 'package-lock.json' });
    expect(minimist.message).toBe('minimist <=0.2.3: Prototype Pollution in minimist; Prototype Pollution in minimist (fix: update mkdirp to 0.5.6)');

    const mkdirp = byName(fs, 'mkdirp');
    expect(mkdirp.ruleId).toBeNull();
    expect(mkdirp.ids).toBeUndefined();
    expect(mkdirp.severity).toBe('critical');
    expect(mkdirp.package?.fixedVersion).toBe('0.5.6');

    const request = byName(fs, 'request');
    expect(request.message).toBe(
      'request *: Server-Side Request Forgery in Request; also vulnerable through tough-cookie (direct dependency; no fix available)',
    );
    expect(request.package?.fixedVersion).toBeUndefined();
    expect(byName(fs, 'lodash').ids).toEqual(['GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw', 'GHSA-29mw-wpgm-hmr9']);
    expect(byName(fs, 'lodash').package?.fixedVersion).toBe('4.18.1');
    expect(byName(fs, 'tough-cookie').severity).toBe('medium');
  });

  it('reads a clean npm 11 report as zero findings', async () => {
    const r = await parseFile(ownFixture('npm-audit/npm11-clean.json'));
    expect(r.format).toBe('npm-audit');
    expect(findingsOf(r, 'security').findings).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('refuses an unknown auditReportVersion, naming it', async () => {
    const text = readFixture(ownFixture('npm-audit/npm11-clean.json')).replace('"auditReportVersion": 2', '"auditReportVersion": 3');
    await expect(parseReport(bytesOf(text), { path: 'a3.json' })).rejects.toThrow(
      new ReportParseError(
        'unsupported npm audit auditReportVersion 3 (this reads version 2, written by npm 7 and later, and npm 6\'s report without a version)',
        { file: 'a3.json' },
      ),
    );
  });

  it('refuses metadata that counts vulnerabilities when no entry is listed', async () => {
    await expect(parseText(v2({}, { high: 2 }))).rejects.toThrow(
      'audit.json: metadata counts 2 vulnerable package(s) (info 0, low 0, moderate 0, high 2, critical 0) but the report lists none',
    );
    await expect(parseText(v2({ a: { name: 'a', severity: 'severe' } }, { high: 1 }))).rejects.toThrow(
      'but none of its entries could be read',
    );
  });

  it('refuses a version 2 report without metadata', async () => {
    await expect(parseText('{"auditReportVersion": 2, "vulnerabilities": {}}')).rejects.toThrow(
      'audit.json: npm audit report (auditReportVersion 2) has no metadata.vulnerabilities counts',
    );
  });

  it('skips malformed entries with one warning, and says when the counts then differ from metadata', async () => {
    const text = v2(
      {
        a: { name: 'a', severity: 'high', via: [], range: '<1' },
        b: { name: 'b', severity: 'severe', via: [] },
        c: 'not an entry',
      },
      { high: 2, low: 1 },
    );
    const r = await parseText(text);
    expect(findingsOf(r, 'security').findings.map((f) => f.package?.name)).toEqual(['a']);
    expect(r.warnings).toEqual([
      'audit.json: metadata.vulnerabilities says info 0, low 1, moderate 0, high 2, critical 0, total 3; the entries read give info 0, low 0, moderate 0, high 1, critical 0, total 1',
      'audit.json: skipped 2 malformed entries (first: vulnerabilities["b"] has severity "severe")',
    ]);
  });

  it('reports a package named __proto__ as a package without touching Object.prototype', async () => {
    const text =
      '{"auditReportVersion":2,"vulnerabilities":{"__proto__":{"name":"__proto__","severity":"critical","isDirect":true,' +
      '"via":[{"source":77,"name":"__proto__","title":"polluted","url":"https://example.test/advisories/77","severity":"critical","range":"*"}],' +
      '"effects":[],"range":"*","nodes":["node_modules/__proto__"],"fixAvailable":false},' +
      '"constructor":{"name":"constructor","severity":"low","via":["__proto__"],"range":"1.0.0","fixAvailable":true}},' +
      '"metadata":{"vulnerabilities":{"info":0,"low":1,"moderate":0,"high":0,"critical":1,"total":2}}}';
    const r = await parseText(text);
    expect(r.warnings).toEqual([]);
    const fs = findingsOf(r, 'security').findings;
    expect(fs.map((f) => [f.package?.name, f.severity, f.ruleId])).toEqual([
      ['__proto__', 'critical', 'npm-77'],
      ['constructor', 'low', null],
    ]);
    expect(fs[1]!.message).toBe('constructor 1.0.0: vulnerable through __proto__ (fix available via `npm audit fix`)');
    const probe = {} as Record<string, unknown>;
    expect(probe.severity).toBeUndefined();
    expect(probe.name).toBeUndefined();
    expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'severity')).toBe(false);
  });

  it('refuses "vulnerabilities" without an auditReportVersion', async () => {
    await expect(parseText('{"vulnerabilities": {"a": {"severity": "low"}}, "metadata": {"vulnerabilities": {"low": 1}}}')).rejects.toThrow(
      'audit.json: npm audit report has "vulnerabilities" but no auditReportVersion',
    );
  });

  it('refuses JSON that is no npm audit output', async () => {
    await expect(parseText('{"name": "x", "version": "1.0.0"}')).rejects.toThrow(
      'audit.json: not an npm audit report: no auditReportVersion, vulnerabilities or advisories',
    );
    await expect(parseText('[1, 2]')).rejects.toThrow('not an npm audit report');
  });
});

describe('npm audit parser: npm error output', () => {
  it('names npm 11\'s 405 answer from a registry that refuses audits', async () => {
    await expect(parseFile(ownFixture('npm-audit/npm11-error-405.json'))).rejects.toThrow(
      'npm audit did not produce a report (HTTP 405): 405 Method Not Allowed - POST http://127.0.0.1:4874/-/npm/v1/security/advisories/bulk',
    );
  });

  it('names the code and summary of ENOLOCK (npm 11) and ENOAUDIT (npm 6)', async () => {
    await expect(parseFile(ownFixture('npm-audit/npm11-error-enolock.json'))).rejects.toThrow(
      'npm audit did not produce a report (ENOLOCK): This command requires an existing lockfile.',
    );
    await expect(parseFile(ownFixture('npm-audit/npm6-error-enoaudit.json'))).rejects.toThrow(
      'npm audit did not produce a report (ENOAUDIT): Your configured registry (http://127.0.0.1:4874/) may not support audit requests, or the audit endpoint may be temporarily unavailable.',
    );
  });

  it('names the reason when the registry could not be reached', async () => {
    const text = JSON.stringify({
      message: 'request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9',
      error: { summary: '', detail: '' },
    });
    const r = parseReport(bytesOf(text), { path: 'down.json' });
    await expect(r).rejects.toThrow(
      'down.json: npm audit did not produce a report: request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});

describe('npm audit parser: npm 6 legacy format', () => {
  const legacy = {
    actions: [{ action: 'install', module: 'express', target: '4.16.3', isMajor: false, resolves: [{ id: 526, path: 'express>fresh' }] }],
    advisories: {
      '526': {
        findings: [
          { version: '0.3.0', paths: ['express>fresh', 'express>send>fresh'] },
          { version: '0.5.0', paths: ['serve-favicon>fresh'] },
        ],
        id: 526,
        title: 'Regular Expression Denial of Service',
        module_name: 'fresh',
        cves: ['CVE-2017-16119'],
        vulnerable_versions: '< 0.5.2',
        patched_versions: '>= 0.5.2',
        severity: 'high',
        url: 'https://npmjs.com/advisories/526',
      },
      '1500': {
        findings: [{ version: '15.3.1', paths: ['yargs-parser'] }],
        id: 1500,
        title: 'Prototype Pollution',
        module_name: 'yargs-parser',
        cves: [],
        github_advisory_id: 'GHSA-p9pc-299p-vxgp',
        patched_versions: '>=13.1.2',
        severity: 'low',
        url: 'https://github.com/advisories/GHSA-p9pc-299p-vxgp',
      },
    },
    muted: [],
    metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 3, critical: 0 }, dependencies: 12 },
    runId: 'x',
  };

  it('reads one finding per advisory and installed version', async () => {
    const text = JSON.stringify(legacy, null, 2);
    expect(npmAuditParser.sniff(text, 'audit.json')).toBe(true);
    const r = await parseReport(bytesOf(text), { path: 'npm6.json' });
    expect(r.format).toBe('npm-audit');
    expect(r.warnings).toEqual([]);
    const fs = findingsOf(r, 'security').findings;
    expect(fs.map((f) => [f.ruleId, f.package?.name, f.package?.version, f.severity])).toEqual([
      ['npm-526', 'fresh', '0.3.0', 'high'],
      ['npm-526', 'fresh', '0.5.0', 'high'],
      ['GHSA-p9pc-299p-vxgp', 'yargs-parser', '15.3.1', 'low'],
    ]);
    expect(fs[0]!.ids).toEqual(['npm-526', 'CVE-2017-16119']);
    expect(fs[0]!.message).toBe('fresh 0.3.0: Regular Expression Denial of Service (2 paths, patched: >= 0.5.2)');
    expect(fs[2]!.helpUri).toBe('https://github.com/advisories/GHSA-p9pc-299p-vxgp');
  });

  it('never reads a legacy report that counts vulnerabilities but lists no advisory as zero findings', async () => {
    const text = JSON.stringify({ ...legacy, advisories: {} });
    await expect(parseReport(bytesOf(text), { path: 'npm6.json' })).rejects.toThrow(
      'npm6.json: npm 6 audit report: metadata counts 4 vulnerabilities but no advisory is listed',
    );
  });

  it('reads a clean legacy report as zero findings', async () => {
    const text = JSON.stringify({ ...legacy, actions: [], advisories: {}, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 } } });
    const r = await parseReport(bytesOf(text), { path: 'npm6.json' });
    expect(r.format).toBe('npm-audit');
    expect(findingsOf(r, 'security').findings).toEqual([]);
  });
});

describe('npm audit sniff', () => {
  it('accepts every npm audit output here and nothing of Trivy, Semgrep, SARIF or ESLint', () => {
    const npm = [
      realFixture('npm-audit/npm7-many-vulns.json'),
      ownFixture('npm-audit/npm11-vulnerable.json'),
      ownFixture('npm-audit/npm11-clean.json'),
      ownFixture('npm-audit/npm11-error-405.json'),
      ownFixture('npm-audit/npm11-error-enolock.json'),
      ownFixture('npm-audit/npm6-error-enoaudit.json'),
    ];
    expect(acceptedBy(npmAuditParser, npm)).toEqual(npm);
    expect(acceptedBy(trivyParser, npm)).toEqual([]);
    expect(acceptedBy(semgrepParser, npm)).toEqual([]);
    const others = [
      realFixture('trivy/trivy-schema2-image.json'),
      realFixture('semgrep/semgrep-1.30.0.json'),
      realFixture('sarif/codeql-action-valid-multi-run.sarif'),
      realFixture('sarif/trivy-config.sarif'),
      realFixture('sarif/codeql-no-region.sarif'),
    ];
    expect(acceptedBy(npmAuditParser, others)).toEqual([]);
    const eslint = JSON.stringify([{ filePath: '/w/a.js', messages: [{ ruleId: 'no-undef', severity: 2, message: "'x' is not defined.", line: 1, column: 1 }], errorCount: 1, warningCount: 0 }]);
    expect(npmAuditParser.sniff(eslint, 'eslint.json')).toBe(false);
    expect(npmAuditParser.sniff('{"name":"pkg","version":"1.0.0","dependencies":{"a":"1"}}', 'package.json')).toBe(false);
  });
});
