/**
 * The job summary: the CLI's Markdown verdict plus what was published, cut to
 * GitHub's 1 MiB limit.
 */
import { describe, expect, it } from '@jest/globals';
import { SUMMARY_MAX_BYTES, jobSummary } from '../../src/action/summary.js';
import { renderMarkdown } from '../../src/core/render/markdown.js';
import type { Verdict } from '../../src/core/verdict.js';

function verdict(warnings: string[] = []): Verdict {
  return {
    outcome: 'pass',
    phase: 'implementation',
    gates: [
      {
        id: 'tests',
        name: 'Tests',
        outcome: 'pass',
        informational: false,
        summary: 'Tests: 3 passed',
        metrics: { total: 3, passed: 3 },
        threshold: '<= 0 failures',
        reasons: [],
        reports: ['reports/junit.xml'],
      },
    ],
    scopes: {},
    changedFiles: 0,
    waivers: { applied: [], expired: [], stale: [] },
    warnings,
  };
}

describe('jobSummary', () => {
  it('is the verdict Markdown followed by what was published and the notes', () => {
    const v = verdict();
    const text = jobSummary(v, { published: ['5 check runs; comment created'], notes: ['Annotations are on the check runs.'] });
    expect(text).toBe(`${renderMarkdown(v).trimEnd()}\n\n**Published**\n\n- 5 check runs; comment created\n\n- Annotations are on the check runs.\n`);
  });

  it('stays under 1 MiB, in characters and in UTF-8 bytes, and says what it cut', () => {
    const notes = Array.from({ length: 40_000 }, (_, i) => `note ${i}: ${'é'.repeat(20)}`);
    const text = jobSummary(verdict(), { published: [], notes, runUrl: 'https://github.com/acme/widgets/actions/runs/1' });
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(SUMMARY_MAX_BYTES).toBeLessThan(1024 * 1024);
    expect(Buffer.byteLength(text, 'utf8')).toBeGreaterThan(SUMMARY_MAX_BYTES - 200);
    expect(text).toContain('- note 0: ');
    expect(text).not.toContain('- note 39999: ');
    expect(text).toMatch(/more lines not shown/);
    expect(text).toContain('https://github.com/acme/widgets/actions/runs/1');
  });
});
