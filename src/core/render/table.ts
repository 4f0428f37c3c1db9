/** Plain-text verdict for terminals (`sdlc-gate check --format table`). */
import { formatRanges } from '../diff.js';
import type { Outcome, Verdict } from '../verdict.js';
import { gateValue } from './common.js';

export interface TableOptions {
  /** ANSI colours (only on a TTY). */
  color?: boolean;
  /** Findings and uncovered files listed per gate. */
  details?: number;
}

const COLORS: Record<Outcome, string> = { pass: '\u001b[32m', fail: '\u001b[31m', neutral: '\u001b[33m' };
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

/**
 * Make untrusted text safe for a terminal: no control characters or escape
 * sequences, no line breaks (a path with a newline could print a fake row),
 * no bidirectional overrides (which reorder what is shown).
 */
export function terminalSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}

function pad(s: string, n: number): string {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
}

export function renderTable(v: Verdict, opts: TableOptions = {}): string {
  const paint = (o: Outcome, s: string) => (opts.color ? `${COLORS[o]}${s}${RESET}` : s);
  const dim = (s: string) => (opts.color ? `${DIM}${s}${RESET}` : s);
  const details = opts.details ?? 5;
  const rows = v.gates.map((g) => [g.name + (g.informational ? ' (info)' : ''), g.outcome, gateValue(g), g.threshold]);
  const head = ['Gate', 'Outcome', 'Value', 'Threshold'];
  const widths = head.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]!].length)));
  const out: string[] = [];
  out.push(`SDLC verdict: ${paint(v.outcome, v.outcome.toUpperCase())}  (phase: ${v.phase}${v.base ? `, base: ${terminalSafe(v.base.sha?.slice(0, 12) ?? v.base.ref ?? '')}` : ''})`);
  out.push('');
  out.push(head.map((h, i) => pad(h, widths[i]!)).join('  '));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  v.gates.forEach((g, gi) => {
    const r = rows[gi]!;
    out.push(r.map((c, i) => (i === 1 ? paint(g.outcome, pad(c, widths[i]!)) : pad(terminalSafe(c), widths[i]!))).join('  ').trimEnd());
  });
  out.push('');
  for (const g of v.gates) {
    out.push(`${paint(g.outcome, g.outcome === 'pass' ? '✓' : g.outcome === 'fail' ? '✗' : '-')} ${terminalSafe(g.summary)}`);
    for (const reason of g.reasons.slice(0, details)) out.push(dim(`    ${terminalSafe(reason)}`));
    if (g.reasons.length > details) out.push(dim(`    … ${g.reasons.length - details} more`));
    for (const u of (g.uncovered ?? []).slice(0, details)) out.push(`    uncovered ${terminalSafe(u.path)}: ${formatRanges(u.ranges)}`);
    if ((g.uncovered?.length ?? 0) > details) out.push(dim(`    … ${g.uncovered!.length - details} more files with uncovered changed lines`));
    if (g.id !== 'coverage' && g.id !== 'patch_coverage') {
      const fs = g.findings ?? [];
      for (const f of fs.slice(0, details)) {
        const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : f.package ? `${f.package.name}${f.package.version ? `@${f.package.version}` : ''}` : '(project)';
        const sev = g.id === 'security' ? f.severity : f.level;
        out.push(`    ${sev} ${terminalSafe(where)} ${terminalSafe(f.message.split('\n')[0]!.slice(0, 160))}${f.ruleId ? dim(` [${terminalSafe(f.ruleId)}]`) : ''}`);
      }
      if (fs.length > details) out.push(dim(`    … ${fs.length - details} more`));
    }
  }
  const w = v.waivers;
  if (w.expired.length) out.push(`Expired waivers (no longer applied): ${w.expired.map((x) => `${terminalSafe(x.id)} (${x.expires})`).join(', ')}`);
  if (w.stale.length) out.push(`Stale waivers (match nothing): ${w.stale.map((x) => terminalSafe(x.id)).join(', ')}`);
  for (const warning of v.warnings.slice(0, 10)) out.push(dim(`warning: ${terminalSafe(warning)}`));
  if (v.warnings.length > 10) out.push(dim(`… ${v.warnings.length - 10} more warnings`));
  return out.join('\n') + '\n';
}
