/**
 * Findings from lint and security tools, normalised to one shape. Lint gates
 * judge `level`; security gates judge `severity`. Every parser sets both, so a
 * SARIF file can feed either gate.
 */

export const LEVELS = ['error', 'warning', 'note'] as const;
export type Level = (typeof LEVELS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank for sorting and thresholds: higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

export function levelRank(l: Level): number {
  return LEVELS.length - LEVELS.indexOf(l);
}

/** The level a security severity is shown at (annotations, lint-style counts). */
export function levelForSeverity(s: Severity): Level {
  if (s === 'critical' || s === 'high') return 'error';
  if (s === 'medium') return 'warning';
  return 'note';
}

/** GitHub code scanning's mapping of a level to a severity when no score is given. */
export function severityForLevel(l: Level): Severity {
  if (l === 'error') return 'high';
  if (l === 'warning') return 'medium';
  return 'low';
}

/**
 * GitHub code scanning's mapping of a CVSS-like `security-severity` score:
 * >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low, else info.
 */
export function severityForScore(score: number): Severity | undefined {
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** Normalise a tool's own severity word (Trivy, npm audit, Semgrep, ...). */
export function parseSeverityWord(word: string | undefined | null): Severity | undefined {
  switch ((word ?? '').trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'error':
      return 'high';
    case 'moderate':
    case 'medium':
    case 'warning':
      return 'medium';
    case 'low':
      return 'low';
    case 'info':
    case 'informational':
    case 'negligible':
    case 'none':
    case 'unknown':
      return 'info';
    default:
      return undefined;
  }
}

/** A dependency a finding is about (npm audit, Trivy): such findings have no line. */
export interface PackageRef {
  name: string;
  version?: string;
  fixedVersion?: string;
  /** Manifest or lockfile the package was found through, repository-relative when known. */
  manifest?: string;
}

export interface Finding {
  /** Tool that reported it, e.g. `eslint`, `CodeQL`, `npm audit`. */
  tool: string;
  ruleId: string | null;
  message: string;
  level: Level;
  severity: Severity;
  /** Path as written in the report (normalised to forward slashes); absent for project-level findings. */
  path?: string;
  line?: number;
  endLine?: number;
  column?: number;
  endColumn?: number;
  helpUri?: string;
  /** Fingerprint stated by the tool (SARIF partialFingerprints/fingerprints). */
  toolFingerprint?: string;
  /** Advisory ids: CVE, GHSA, ... */
  ids?: string[];
  package?: PackageRef;
}

export interface FindingsData {
  findings: Finding[];
  /** Tools that contributed, in order of appearance. */
  tools: string[];
}
