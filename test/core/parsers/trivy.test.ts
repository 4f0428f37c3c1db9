import { describe, expect, it } from '@jest/globals';
import { parseReport } from '../../../src/core/parsers/registry.js';
import { npmAuditParser } from '../../../src/core/parsers/security/npm-audit.js';
import { trivyParser } from '../../../src/core/parsers/security/trivy.js';
import { semgrepParser } from '../../../src/core/parsers/security/semgrep.js';
import { bytesOf } from '../../../src/core/stream.js';
import { ReportParseError } from '../../../src/core/errors.js';
import { ownFixture, parseFile, readFixture, realFixture } from '../../helpers/fixtures.js';
import { acceptedBy, findingsOf, textParser } from '../../helpers/findings.js';

const parseText = textParser({ path: 'trivy.json' }, 7);

/** A `trivy fs --scanners vuln,misconfig,secret --format json` shaped report. */
const fsReport = {
  SchemaVersion: 2,
  CreatedAt: '2024-05-02T10:00:00Z',
  ArtifactName: '.',
  ArtifactType: 'filesystem',
  Results: [
    {
      Target: 'web/package-lock.json',
      Class: 'lang-pkgs',
      Type: 'npm',
      Vulnerabilities: [
        {
          VulnerabilityID: 'CVE-2021-23337',
          VendorIDs: ['GHSA-35jh-r3h4-6jhm'],
          PkgName: 'lodash',
          InstalledVersion: '4.17.15',
          FixedVersion: '4.17.21',
          PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2021-23337',
          Title: 'nodejs-lodash: command injection via template',
          Severity: 'HIGH',
        },
        {
          VulnerabilityID: 'CVE-2099-0001',
          PkgName: 'left-pad',
          InstalledVersion: '1.0.0',
          Severity: 'UNKNOWN',
        },
        {
          VulnerabilityID: 'CVE-2099-0002',
          PkgName: 'right-pad',
          InstalledVersion: '2.0.0',
          CVSS: { ghsa: { V3Score: 5.1 }, nvd: { V3Score: 9.8 } },
        },
        { PkgName: 'no-id', Severity: 'LOW' },
        { VulnerabilityID: 'CVE-2099-0003', PkgName: 'odd', Severity: 'SEVERE' },
      ],
    },
    {
      Target: 'Dockerfile',
      Class: 'config',
      Type: 'dockerfile',
      MisconfSummary: { Successes: 20, Failures: 2, Exceptions: 1 },
      Misconfigurations: [
        {
          Type: 'Dockerfile Security Check',
          ID: 'DS002',
          AVDID: 'AVD-DS-0002',
          Title: 'Image user should not be \'root\'',
          Message: "Specify at least 1 USER command in Dockerfile with non-root user as argument",
          Severity: 'HIGH',
          PrimaryURL: 'https://avd.aquasec.com/misconfig/ds002',
          Status: 'FAIL',
          CauseMetadata: { Provider: 'Dockerfile', Service: 'general', Code: { Lines: null } },
        },
        {
          ID: 'DS026',
          AVDID: 'AVD-DS-0026',
          Title: 'No HEALTHCHECK defined',
          Message: 'Add HEALTHCHECK instruction in your Dockerfile',
          Severity: 'LOW',
          Status: 'FAIL',
          CauseMetadata: { StartLine: 3, EndLine: 5 },
        },
        { ID: 'DS001', AVDID: 'AVD-DS-0001', Title: "':latest' tag used", Severity: 'MEDIUM', Status: 'PASS' },
        { ID: 'DS005', AVDID: 'AVD-DS-0005', Title: 'ADD instead of COPY', Severity: 'LOW', Status: 'EXCEPTION' },
      ],
    },
    {
      Target: 'deploy/.env',
      Class: 'secret',
      Secrets: [
        {
          RuleID: 'aws-access-key-id',
          Category: 'AWS',
          Severity: 'CRITICAL',
          Title: 'AWS Access Key ID',
          StartLine: 4,
          EndLine: 4,
          Match: 'AWS_ACCESS_KEY_ID=********************',
        },
      ],
    },
    { Target: 'go.mod', Class: 'lang-pkgs', Type: 'gomod', Vulnerabilities: null },
  ],
};

describe('Trivy JSON parser', () => {
  it('reads the shared image scan: 3 results, 5 vulnerabilities, MEDIUM 3 / HIGH 1 / CRITICAL 1, 5 distinct ids', async () => {
    const r = await parseFile(realFixture('trivy/trivy-schema2-image.json'));
    expect(r.format).toBe('trivy-json');
    expect(r.warnings).toEqual([]);
    const fs = findingsOf(r, 'security').findings;
    expect(fs).toHaveLength(5);
    expect(fs.map((f) => f.severity)).toEqual(['medium', 'high', 'critical', 'medium', 'medium']);
    expect(new Set(fs.map((f) => f.ruleId)).size).toBe(5);
    expect(fs.map((f) => f.path)).toEqual([
      'teamdojo:latest (alpine 3.9.4)',
      'teamdojo:latest (alpine 3.9.4)',
      'teamdojo:latest (alpine 3.9.4)',
      'app/libs/commons-compress-1.14.jar',
      'app/libs/commons-compress-1.14.jar',
    ]);
    expect(fs[0]).toEqual({
      tool: 'Trivy',
      ruleId: 'CVE-2020-15999',
      message: 'freetype 2.9.1-r2: freetype: Heap-based buffer overflow due to integer truncation in Load_SBit_Png (fixed in 2.9.1-r3)',
      level: 'warning',
      severity: 'medium',
      path: 'teamdojo:latest (alpine 3.9.4)',
      helpUri: 'https://avd.aquasec.com/nvd/cve-2020-15999',
      ids: ['CVE-2020-15999'],
      package: { name: 'freetype', version: '2.9.1-r2', fixedVersion: '2.9.1-r3' },
    });
    expect(fs[2]!.level).toBe('error');
    // A jar is not a manifest: no package.manifest.
    expect(fs[3]!.package).toEqual({ name: 'org.apache.commons:commons-compress', version: '1.14', fixedVersion: '1.18' });
    for (const f of fs) expect(f.line).toBeUndefined();
  });

  it('reads vulnerabilities of a lockfile, failed misconfigurations and secrets', async () => {
    const r = await parseText(JSON.stringify(fsReport, null, 2));
    expect(r.format).toBe('trivy-json');
    const fs = findingsOf(r, 'security').findings;
    expect(fs.map((f) => [f.path, f.ruleId, f.severity, f.level, f.line, f.endLine])).toEqual([
      ['web/package-lock.json', 'CVE-2021-23337', 'high', 'error', undefined, undefined],
      ['web/package-lock.json', 'CVE-2099-0001', 'info', 'note', undefined, undefined],
      ['web/package-lock.json', 'CVE-2099-0002', 'critical', 'error', undefined, undefined],
      ['Dockerfile', 'DS002', 'high', 'error', undefined, undefined],
      ['Dockerfile', 'DS026', 'low', 'note', 3, 5],
      ['deploy/.env', 'aws-access-key-id', 'critical', 'error', 4, 4],
    ]);
    expect(fs[0]!.package).toEqual({ name: 'lodash', version: '4.17.15', fixedVersion: '4.17.21', manifest: 'web/package-lock.json' });
    expect(fs[0]!.ids).toEqual(['CVE-2021-23337', 'GHSA-35jh-r3h4-6jhm']);
    expect(fs[1]!.message).toBe('left-pad 1.0.0: CVE-2099-0001 (no fixed version)');
    expect(fs[3]!.ids).toEqual(['DS002', 'AVD-DS-0002']);
    expect(fs[3]!.message).toBe("Image user should not be 'root': Specify at least 1 USER command in Dockerfile with non-root user as argument");
    expect(fs[3]!.helpUri).toBe('https://avd.aquasec.com/misconfig/ds002');
    expect(fs[5]!.message).toBe('Secret: AWS Access Key ID');
    expect(fs[5]!.message).not.toContain('****');
    expect(r.warnings).toEqual([
      'trivy.json: skipped 2 malformed entries (first: Results[0].Vulnerabilities[3] has no VulnerabilityID or PkgName)',
    ]);
  });

  it('warns when MisconfSummary.Failures disagrees with the failed checks listed', async () => {
    const report = structuredClone(fsReport);
    report.Results[1]!.MisconfSummary = { Successes: 20, Failures: 3, Exceptions: 1 };
    const r = await parseText(JSON.stringify(report));
    expect(r.warnings[0]).toBe('trivy.json: Dockerfile: MisconfSummary says 3 failure(s) but 2 failed check(s) are listed');
  });

  it('reads a report without Results (nothing scanned) as zero findings', async () => {
    const r = await parseText('{"SchemaVersion": 2, "CreatedAt": "2024-05-02T10:00:00Z", "ArtifactName": "empty", "ArtifactType": "filesystem"}');
    expect(findingsOf(r, 'security').findings).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('refuses an unknown SchemaVersion, naming it', async () => {
    const text = readFixture(realFixture('trivy/trivy-schema2-image.json')).replace('"SchemaVersion": 2', '"SchemaVersion": 3');
    await expect(parseText(text, { path: 'v3.json' })).rejects.toThrow(
      new ReportParseError('unsupported Trivy JSON SchemaVersion 3 (this reads SchemaVersion 2)', { file: 'v3.json' }),
    );
    await expect(parseText('{"SchemaVersion": "2", "Results": []}')).rejects.toThrow('unsupported Trivy JSON SchemaVersion "2"');
  });

  it('refuses the pre-0.20 array format clearly', async () => {
    const text = '[{"Target": "alpine:3.10 (alpine 3.10.2)", "Type": "alpine", "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1549", "PkgName": "openssl", "Severity": "MEDIUM"}]}]';
    expect(trivyParser.sniff(text, 'old.json')).toBe(true);
    await expect(parseText(text, { path: 'old.json' })).rejects.toThrow(
      'old.json: Trivy JSON without SchemaVersion (a bare array of results, written by Trivy before 0.20) is not supported; rerun with a current Trivy',
    );
  });

  it('refuses a JSON file with no SchemaVersion when named as trivy-json', async () => {
    await expect(parseReport(bytesOf('{"Results": []}'), { path: 't.json', format: 'trivy-json' })).rejects.toThrow(
      't.json: not a Trivy JSON report: no SchemaVersion',
    );
  });

  it('refuses findings whose result has no Target', async () => {
    const text = JSON.stringify({ SchemaVersion: 2, Results: [{ Class: 'secret', Secrets: [{ RuleID: 'x', Severity: 'LOW', StartLine: 1 }] }] });
    await expect(parseText(text)).rejects.toThrow('trivy.json: Results[0] has findings but no Target');
  });

  it('keeps at most maxFindings and says how many more there were', async () => {
    const r = await parseReport(bytesOf(JSON.stringify(fsReport)), { path: 'cap.json', limits: { maxFindings: 2 } });
    expect(findingsOf(r, 'security').findings.map((f) => f.ruleId)).toEqual(['CVE-2021-23337', 'CVE-2099-0001']);
    expect(r.warnings).toContain('cap.json: kept the first 2 findings; 4 more were not kept');
  });
});

describe('Trivy sniff', () => {
  it('accepts Trivy JSON and rejects npm audit, Semgrep, SARIF (also Trivy\'s), ESLint and other JSON', () => {
    const image = realFixture('trivy/trivy-schema2-image.json');
    expect(acceptedBy(trivyParser, [image])).toEqual([image]);
    expect(trivyParser.sniff(JSON.stringify(fsReport, null, 2), 'fs.json')).toBe(true);
    expect(npmAuditParser.sniff(JSON.stringify(fsReport), 'fs.json')).toBe(false);
    expect(semgrepParser.sniff(JSON.stringify(fsReport), 'fs.json')).toBe(false);
    const others = [
      realFixture('npm-audit/npm7-many-vulns.json'),
      ownFixture('npm-audit/npm11-vulnerable.json'),
      realFixture('semgrep/semgrep-1.30.0.json'),
      realFixture('sarif/trivy-config.sarif'),
      realFixture('sarif/codeql-action-valid-multi-run.sarif'),
    ];
    expect(acceptedBy(trivyParser, others)).toEqual([]);
    const eslint = '[{"filePath":"/w/a.js","messages":[],"suppressedMessages":[],"errorCount":0,"fatalErrorCount":0,"warningCount":0}]';
    expect(trivyParser.sniff(eslint, 'eslint.json')).toBe(false);
    expect(trivyParser.sniff('{"total": {"lines": {"total": 4, "covered": 4, "skipped": 0, "pct": 100}}}', 'coverage-summary.json')).toBe(false);
  });
});
