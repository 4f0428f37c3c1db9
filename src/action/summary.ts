/**
 * The job summary (GITHUB_STEP_SUMMARY): the verdict as the CLI's Markdown
 * renders it (untrusted text escaped there), then what was published, where
 * the changed lines came from and how many annotations were left out. GitHub
 * refuses a step summary over 1 MiB, so it is cut to fit on a line boundary
 * (fitMarkdown keeps fences and <details> closed and says what was cut).
 */
import { mdEscape, renderMarkdown } from '../core/render/markdown.js';
import type { Verdict } from '../core/verdict.js';
import { fitMarkdown } from '../github/limits.js';

/** GitHub's limit on one step's summary is 1 MiB; keep a little under it. */
export const SUMMARY_MAX_BYTES = 1024 * 1024 - 1024;

export interface SummaryNotes {
  /** Lines about publishing (trusted wording; untrusted parts already escaped). */
  published: string[];
  /** Lines about the run: changed lines' source, annotation counts. */
  notes: string[];
  runUrl?: string;
}

export function jobSummary(v: Verdict, n: SummaryNotes): string {
  const out = [renderMarkdown(v).trimEnd(), ''];
  if (n.published.length) out.push('**Published**', '', ...n.published.map((l) => `- ${l}`), '');
  if (n.notes.length) out.push(...n.notes.map((l) => `- ${l}`), '');
  return fitMarkdown(out.join('\n'), SUMMARY_MAX_BYTES, n.runUrl ? { moreLink: n.runUrl } : {});
}

/** Untrusted text for a summary line. */
export function md(s: string): string {
  return mdEscape(s);
}
