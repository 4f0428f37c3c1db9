/** The outcome of an evaluation: what every renderer and publisher works from. */
import type { GateId } from './config/schema.js';
import type { LineRanges } from './diff.js';
import type { Finding } from './model/findings.js';

export type Outcome = 'pass' | 'fail' | 'neutral';

export interface UncoveredFile {
  path: string;
  /** Uncovered changed lines. */
  ranges: LineRanges;
}

export interface WaiverUse {
  /** The waiver's id, or its index in `.sdlc.yml` as `waivers[N]`. */
  id: string;
  reason: string;
  owner: string;
  expires: string;
}

export interface GateFinding extends Finding {
  /** Stable identity: the tool's fingerprint, or rule + path + line text. */
  fingerprint: string;
  /** Repository-relative path, when the report path could be resolved. */
  path?: string;
  /** On a line the change added (false when no diff is known). */
  onChangedLine: boolean;
  /** Set when a waiver applies; such findings are not counted. */
  waivedBy?: WaiverUse;
}

export interface GateResult {
  id: GateId;
  /** Display name, e.g. "Coverage". */
  name: string;
  outcome: Outcome;
  informational: boolean;
  /** One line, e.g. "Coverage 83.4 % >= 80 %". */
  summary: string;
  /** The numbers that decided the gate. */
  metrics: Record<string, unknown>;
  /** Human-readable threshold, e.g. ">= 80 %". */
  threshold: string;
  /** Why the gate is neutral or failed beyond the threshold (unreadable reports, missing base...). */
  reasons: string[];
  /** Report files that fed the gate. */
  reports: string[];
  /** Findings that count (lint/security), most important first. */
  findings?: GateFinding[];
  /** Findings waived by a waiver. */
  waived?: GateFinding[];
  /** Uncovered changed lines (patch coverage). */
  uncovered?: UncoveredFile[];
  /** Changed files that no coverage report names (patch coverage). */
  missingFiles?: string[];
}

export interface WaiverStatus {
  applied: (WaiverUse & { findings: number })[];
  expired: WaiverUse[];
  stale: WaiverUse[];
}

export interface Verdict {
  outcome: Outcome;
  phase: string;
  gates: GateResult[];
  /** Scopes the changed files fall into, with file counts. */
  scopes: Record<string, number>;
  changedFiles: number;
  base?: { ref?: string; sha?: string };
  head?: { sha?: string; ref?: string };
  waivers: WaiverStatus;
  warnings: string[];
}
