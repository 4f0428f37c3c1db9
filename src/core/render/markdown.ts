/**
 * Markdown verdict: the PR comment, the check run summary, the job summary
 * and `sdlc-gate check --format markdown`. Untrusted text (paths, messages)
 * is escaped so it cannot inject markup, mentions or HTML.
 */
import { formatRanges } from '../diff.js';
import type { GateResult, Verdict } from '../verdict.js';
import { OUTCOME_ICON, gateValue } from './common.js';

/** Escape text for a Markdown table cell or inline text (`&` too: `&#64;` would spell a mention). */
export function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]#+!|~]/g, (c) => `\\${c}`)
    .replace(/@/g, '@\u200b')
    .replace(/\r\n?|[\n\u2028\u2029]/g, ' ');
}

/** Untrusted text as an inline code span: no backticks to close it, no line breaks to end the paragraph. */
export function mdCode(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/[\r\n\u2028\u2029]+/g, ' ')}\``;
}

export function renderGateTable(v: Verdict): string {
  const lines = ['| Gate | Outcome | Value | Threshold |', '| --- | --- | --- | --- |'];
  for (const g of v.gates) {
    lines.push(`| ${mdEscape(g.name)}${g.informational ? ' _(informational)_' : ''} | ${OUTCOME_ICON[g.outcome]} ${g.outcome} | ${mdEscape(gateValue(g))} | ${mdEscape(g.threshold)} |`);
  }
  return lines.join('\n');
}

export function renderGateDetails(g: GateResult, max = 20): string {
  const out: string[] = [];
  for (const r of g.reasons.slice(0, max)) out.push(`- ${mdEscape(r)}`);
  if (g.uncovered?.length) {
    out.push('', '<details><summary>Uncovered changed lines</summary>', '');
    for (const u of g.uncovered.slice(0, max)) out.push(`- ${mdCode(u.path)}: ${formatRanges(u.ranges)}`);
    if (g.uncovered.length > max) out.push(`- … ${g.uncovered.length - max} more files`);
    out.push('', '</details>');
  }
  if (g.missingFiles?.length) {
    out.push('', `<details><summary>Changed files not in any coverage report (${g.missingFiles.length})</summary>`, '');
    for (const p of g.missingFiles.slice(0, max)) out.push(`- ${mdCode(p)}`);
    out.push('', '</details>');
  }
  if (g.findings?.length && g.id !== 'tests') {
    out.push('', `<details><summary>Top findings (${g.findings.length})</summary>`, '');
    for (const f of g.findings.slice(0, max)) {
      const where = f.path ? mdCode(`${f.path}${f.line ? `:${f.line}` : ''}`) : f.package ? mdCode(f.package.name) : 'project';
      out.push(`- **${g.id === 'security' ? f.severity : f.level}** ${where} ${mdEscape(f.message.split('\n')[0]!.slice(0, 200))}${f.ruleId ? ` (${mdEscape(f.ruleId)})` : ''}`);
    }
    out.push('', '</details>');
  }
  if (g.findings?.length && g.id === 'tests') {
    out.push('', `<details><summary>Failing tests (${g.findings.length})</summary>`, '');
    for (const f of g.findings.slice(0, max)) out.push(`- ${mdEscape(f.message.split('\n')[0]!.slice(0, 200))}`);
    out.push('', '</details>');
  }
  return out.join('\n');
}

export function renderMarkdown(v: Verdict): string {
  const out: string[] = [];
  out.push(`### SDLC verdict: ${OUTCOME_ICON[v.outcome]} ${v.outcome}`);
  out.push('');
  out.push(renderGateTable(v));
  out.push('');
  for (const g of v.gates) {
    const d = renderGateDetails(g);
    out.push(`**${mdEscape(g.name)}**: ${mdEscape(g.summary)}`);
    if (d) out.push('', d);
    out.push('');
  }
  const w = v.waivers;
  if (w.applied.length || w.expired.length || w.stale.length) {
    out.push('**Waivers**', '');
    for (const a of w.applied) out.push(`- ${mdEscape(a.id)}: applied to ${a.findings} finding(s) until ${a.expires} (${mdEscape(a.owner)}: ${mdEscape(a.reason)})`);
    for (const e of w.expired) out.push(`- ${mdEscape(e.id)}: **expired** on ${e.expires}, no longer applied`);
    for (const s of w.stale) out.push(`- ${mdEscape(s.id)}: stale, matches nothing`);
    out.push('');
  }
  const meta = [`phase ${v.phase}`];
  if (v.base) meta.push(`compared with ${v.base.sha ? `\`${v.base.sha.slice(0, 12)}\`` : mdEscape(v.base.ref ?? '')}`);
  const scopes = Object.entries(v.scopes).map(([k, n]) => `${k} (${n})`);
  if (scopes.length) meta.push(`changed scopes: ${scopes.join(', ')}`);
  out.push(`<sub>${meta.join(' · ')}</sub>`);
  return out.join('\n') + '\n';
}
