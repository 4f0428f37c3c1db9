import { describe, expect, it } from '@jest/globals';
import { utf8Length } from '../../src/core/render/check.js';
import { MAX_CHECK_OUTPUT, MAX_COMMENT, fitLine, fitMarkdown } from '../../src/github/limits.js';
import { validateGitHubRequest } from '../helpers/github/index.js';

const LINK = 'https://github.com/acme/widgets/actions/runs/42';

/** Markdown structure that must survive a cut: open fences (0 or 1), unclosed <details>, unclosed HTML comments. */
function structure(md: string): { fences: number; details: number; comments: number } {
  let fence: string | null = null;
  let details = 0;
  let comments = 0;
  for (const line of md.split('\n')) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (f && line.trim() === fence) fence = null;
      continue;
    }
    if (f) {
      fence = f[1]!;
      continue;
    }
    details += (line.match(/<details[\s>]/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    comments += (line.match(/<!--/g) ?? []).length - (line.match(/-->/g) ?? []).length;
  }
  return { fences: fence === null ? 0 : 1, details, comments };
}

/** A check run create carrying `summary`, checked against GitHub's description. */
function summaryAccepted(summary: string): boolean {
  return validateGitHubRequest({
    method: 'POST',
    url: '/repos/acme/widgets/check-runs',
    body: { name: 'SDLC / lint', head_sha: 'a'.repeat(40), status: 'completed', conclusion: 'failure', output: { title: 't', summary } },
  }).ok;
}

describe('fitMarkdown', () => {
  it('returns text that fits unchanged', () => {
    const md = '### Title\n\n| a | b |\n| --- | --- |\n';
    expect(fitMarkdown(md, 100)).toBe(md);
    expect(fitMarkdown('é'.repeat(50), 100)).toBe('é'.repeat(50));
  });

  it('fits a 70,000-character summary cut inside <details> and a fence, closing both', () => {
    const lines = ['### Findings', '', '<details><summary>All findings</summary>', '', '```text'];
    for (let i = 0; lines.join('\n').length < 70_000; i++) lines.push(`src/file-${String(i).padStart(4, '0')}.ts:${i + 1}: something is wrong here`);
    lines.push('```', '', '</details>', '', 'footer');
    const md = lines.join('\n');
    expect(md.length).toBeGreaterThan(70_000);
    expect(summaryAccepted(md)).toBe(false);

    const out = fitMarkdown(md, MAX_CHECK_OUTPUT, { moreLink: LINK });
    expect(out.length).toBeLessThanOrEqual(MAX_CHECK_OUTPUT);
    expect(utf8Length(out)).toBeLessThanOrEqual(MAX_CHECK_OUTPUT);
    expect(summaryAccepted(out)).toBe(true);
    expect(structure(md)).toEqual({ fences: 0, details: 0, comments: 0 });
    expect(structure(out)).toEqual({ fences: 0, details: 0, comments: 0 });

    const kept = out.split('\n```\n\n</details>\n\n_… ')[0]!.split('\n');
    const m = /_… (\d+) more lines not shown: \[see the full report\]\((.+)\)\._\n$/.exec(out)!;
    expect(m[2]).toBe(LINK);
    // Every line kept is the original line; the count is exactly what was left out.
    expect(kept).toEqual(lines.slice(0, kept.length));
    expect(Number(m[1])).toBe(lines.length - kept.length);
    // As much as fits: one more line would not.
    const withOneMore = lines.slice(0, kept.length + 1).join('\n') + '\n```\n\n</details>' + `\n\n_… ${lines.length - kept.length - 1} more lines not shown: [see the full report](${LINK})._\n`;
    expect(Math.max(withOneMore.length, utf8Length(withOneMore))).toBeGreaterThan(MAX_CHECK_OUTPUT);
  });

  it('fits 40,000 "é" (80,000 bytes) on one line by cutting the line at a character', () => {
    const md = 'é'.repeat(40_000);
    expect(utf8Length(md)).toBe(80_000);
    expect(summaryAccepted(md)).toBe(true); // characters fit: only the bytes do not
    const out = fitMarkdown(md, MAX_CHECK_OUTPUT);
    const tail = '\n\n_… the rest is not shown._\n';
    expect(out.endsWith(tail)).toBe(true);
    const kept = out.slice(0, -tail.length);
    expect(kept).toBe('é'.repeat(Math.floor((MAX_CHECK_OUTPUT - utf8Length(tail)) / 2)));
    expect(utf8Length(out)).toBeLessThanOrEqual(MAX_CHECK_OUTPUT);
    expect(utf8Length(out)).toBeGreaterThanOrEqual(MAX_CHECK_OUTPUT - 1);
  });

  it('fits 40,000 "é" on 400 lines by whole lines', () => {
    const lines = Array.from({ length: 400 }, () => 'é'.repeat(100));
    const out = fitMarkdown(lines.join('\n'), MAX_CHECK_OUTPUT, { moreLink: LINK });
    expect(utf8Length(out)).toBeLessThanOrEqual(MAX_CHECK_OUTPUT);
    // 201 bytes per line with its newline: 325 lines and the note fit in 65,535 bytes.
    expect(out.split('\n').filter((l) => l === 'é'.repeat(100))).toHaveLength(325);
    expect(out.endsWith(`_… 75 more lines not shown: [see the full report](${LINK})._\n`)).toBe(true);
  });

  it('closes nested <details>, a ~~~ fence and an open HTML comment', () => {
    const body = Array.from({ length: 50 }, (_, i) => `row ${i}`);
    const nested = ['<details><summary>a</summary>', '<details><summary>b</summary>', '~~~~', ...body, '~~~~', '</details>', '</details>'].join('\n');
    const out = fitMarkdown(nested, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(structure(out)).toEqual({ fences: 0, details: 0, comments: 0 });
    expect(out).toContain('\n~~~~\n\n</details>\n\n</details>\n\n_… ');

    const comment = ['intro', '<!-- hidden', ...body, '-->', 'after'].join('\n');
    const out2 = fitMarkdown(comment, 120);
    expect(out2.length).toBeLessThanOrEqual(120);
    expect(structure(out2).comments).toBe(0);
  });

  it('never splits a surrogate pair', () => {
    const out = fitMarkdown('😀'.repeat(100), 60);
    expect(out.length).toBeLessThanOrEqual(60);
    expect(utf8Length(out)).toBeLessThanOrEqual(60);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(out.startsWith('😀😀😀')).toBe(true);
  });

  it('fits a comment-sized text under MAX_COMMENT', () => {
    const md = Array.from({ length: 5000 }, (_, i) => `- line ${i} with some text`).join('\n');
    const out = fitMarkdown(md, MAX_COMMENT);
    expect(out.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(out.length).toBeGreaterThan(MAX_COMMENT - 100);
  });
});

describe('fitLine', () => {
  it('cuts a status description to 140 characters on one line', () => {
    expect(fitLine('a\nb', 140)).toBe('a b');
    const long = fitLine('x'.repeat(300), 140);
    expect(long).toBe('x'.repeat(139) + '…');
    expect([...fitLine('😀'.repeat(200), 140)]).toHaveLength(140);
  });
});
