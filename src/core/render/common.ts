import { fmtPct, plural } from '../gates/common.js';
import type { GateResult, Outcome } from '../verdict.js';

export { fmtPct };

/** The short value shown in gate tables. */
export function gateValue(g: GateResult): string {
  const m = g.metrics as Record<string, unknown>;
  switch (g.id) {
    case 'coverage':
    case 'patch_coverage': {
      const p = m.pct;
      if (typeof p !== 'number') return '—';
      return g.id === 'patch_coverage' ? `${fmtPct(p)} % (${String(m.covered)}/${String(m.total)})` : `${fmtPct(p)} %`;
    }
    case 'lint':
      if (typeof m.errors !== 'number') return '—';
      return `${plural(m.errors, 'error')}, ${plural(Number(m.warnings), 'warning')}`;
    case 'security': {
      if (typeof m.counted !== 'number') return '—';
      const parts = ['critical', 'high', 'medium', 'low'].filter((s) => Number(m[s]) > 0).map((s) => `${String(m[s])} ${s}`);
      return parts.length ? parts.join(', ') : 'none';
    }
    case 'tests':
      if (typeof m.total !== 'number') return '—';
      return `${String(m.passed)}/${m.total} passed`;
  }
}

export const OUTCOME_WORD: Record<Outcome, string> = { pass: 'pass', fail: 'fail', neutral: 'neutral' };
export const OUTCOME_ICON: Record<Outcome, string> = { pass: '✅', fail: '❌', neutral: '⚪' };
