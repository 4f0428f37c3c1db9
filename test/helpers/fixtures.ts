import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReport, type ParseReportOptions } from '../../src/core/parsers/registry.js';
import type { ParsedReport } from '../../src/core/model/report.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared/fixtures/real/`: reports written by real tools in public repositories. */
export const realFixturesDir = resolve(repoRoot, '../shared/fixtures/real');

/** Fixtures committed in this repository (`test/fixtures/`). */
export const ownFixturesDir = join(repoRoot, 'test/fixtures');

export function realFixture(rel: string): string {
  const p = join(realFixturesDir, rel);
  if (!existsSync(p)) throw new Error(`missing shared fixture ${p}: ../shared must sit beside the repository`);
  return p;
}

export function ownFixture(rel: string): string {
  return join(ownFixturesDir, rel);
}

export function readFixture(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Parse a file from disk through the registry, as the CLI does. */
export function parseFile(path: string, opts: Partial<ParseReportOptions> = {}): Promise<ParsedReport> {
  return parseReport(createReadStream(path), { path, ...opts });
}
