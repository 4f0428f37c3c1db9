/**
 * The verdict JSON file the Action writes (output `verdict-json`), and the
 * one `mode: publish-verdict` reads back.
 *
 * - In modes publish and verdict-only the file is the JSON contract of
 *   `sdlc-gate check --format json` (`verdictJson`): the same reports and
 *   config give the same bytes.
 * - In mode verdict-only (the artifact a fork's pull request run uploads) it
 *   also carries every finding the gates carry (up to 1000 per gate, where
 *   the CLI lists 100), so the publishing run can annotate as many as a
 *   direct run, and a `pullRequest` member (number, head SHA, head
 *   repository) for people reading it. The publishing run never takes the
 *   pull request or the commit from it.
 *
 * Reading: the file comes from an artifact a pull request's own code
 * produced, so it is untrusted. It must be a regular file under 64 MiB, be
 * JSON of contract version 1, and match the shape field by field (types,
 * enums, lengths, counts); its outcome must agree with its gates. Anything
 * else is one InputError naming the field.
 */
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { GATE_IDS, PHASES, type GateId } from '../core/config/schema.js';
import { InputError } from '../core/errors.js';
import { overall } from '../core/gatekeeper.js';
import { GATE_NAMES } from '../core/gates/common.js';
import { LEVELS, SEVERITIES } from '../core/model/findings.js';
import { JSON_CONTRACT_VERSION, verdictJson } from '../core/render/json.js';
import type { GateFinding, GateResult, Verdict, WaiverUse } from '../core/verdict.js';

/** Findings per gate in a verdict-only artifact: all a gate carries. */
export const ARTIFACT_MAX_FINDINGS = 1000;
export const MAX_VERDICT_FILE_BYTES = 64 * 1024 * 1024;

export interface PullRequestNote {
  number: number;
  headSha: string;
  headRepository: string | undefined;
}

export function verdictFileJson(v: Verdict, artifact?: { pullRequest?: PullRequestNote }): Record<string, unknown> {
  if (!artifact) return verdictJson(v);
  const json: Record<string, unknown> = verdictJson(v, { maxFindings: ARTIFACT_MAX_FINDINGS });
  if (artifact.pullRequest) {
    const p = artifact.pullRequest;
    json.pullRequest = { number: p.number, headSha: p.headSha, ...(p.headRepository ? { headRepository: p.headRepository } : {}) };
  }
  return json;
}

/** Write the file (directories made as needed); returns its absolute path. */
export async function writeVerdictFile(cwd: string, rel: string, json: unknown): Promise<string> {
  const path = resolve(cwd, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

// ---------------------------------------------------------------- reading

const str = (max: number) => z.string().max(max);
const posInt = z.number().int().min(1).max(2 ** 31);
const ranges = z.array(z.tuple([posInt, posInt])).max(100_000);

/** A metric value: JSON of limited depth and size (numbers finite). */
function metricValue(v: unknown, depth = 0): boolean {
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'string') return v.length <= 2000;
  if (depth >= 4) return false;
  if (Array.isArray(v)) return v.length <= 1000 && v.every((x) => metricValue(x, depth + 1));
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length <= 100 && entries.every(([k, x]) => k.length <= 200 && metricValue(x, depth + 1));
  }
  return false;
}

const finding = z.object({
  tool: str(200),
  ruleId: str(1000).nullable(),
  level: z.enum(LEVELS),
  severity: z.enum(SEVERITIES),
  message: str(100_000),
  path: str(4096).optional(),
  line: posInt.optional(),
  endLine: posInt.optional(),
  helpUri: str(4096).optional(),
  ids: z.array(str(200)).max(100).optional(),
  package: z
    .object({ name: str(1000), version: str(200).optional(), fixedVersion: str(1000).optional(), manifest: str(4096).optional() })
    .optional(),
  fingerprint: str(1000),
  onChangedLine: z.boolean(),
  waivedBy: str(400).optional(),
});

const hex = z.string().regex(/^[0-9a-f]{7,64}$/, 'expected a commit SHA');
const waiverUse = z.object({ id: str(400), reason: str(2000), owner: str(200), expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD') });

const gate = z.object({
  id: z.enum(GATE_IDS as [GateId, ...GateId[]]),
  outcome: z.enum(['pass', 'fail', 'neutral']),
  summary: str(10_000),
  metrics: z.record(str(200), z.unknown()).refine((m) => Object.keys(m).length <= 100 && Object.values(m).every((x) => metricValue(x)), 'metrics: JSON too deep or too large'),
  informational: z.boolean(),
  threshold: str(1000),
  reasons: z.array(str(10_000)).max(1000),
  reports: z.array(str(4096)).max(10_000),
  findings: z.array(finding).max(ARTIFACT_MAX_FINDINGS).optional(),
  waived: z.array(finding).max(ARTIFACT_MAX_FINDINGS).optional(),
  uncovered: z.array(z.object({ path: str(4096), ranges })).max(100_000).optional(),
  missingFiles: z.array(str(4096)).max(100_000).optional(),
});

const verdictFile = z.object({
  version: z.literal(JSON_CONTRACT_VERSION, { error: () => `unsupported version (this Action reads version ${JSON_CONTRACT_VERSION})` }),
  outcome: z.enum(['pass', 'fail', 'neutral']),
  phase: z.enum(PHASES),
  base: z.object({ ref: str(1024).optional(), sha: hex.optional() }).optional(),
  head: z.object({ sha: hex.optional(), ref: str(1024).optional() }).optional(),
  changedFiles: z.number().int().min(0),
  scopes: z.record(z.string(), z.number().int().min(0)).refine((r) => Object.keys(r).every((k) => /^[A-Za-z0-9_.-]{1,200}$/.test(k)), 'expected scope names (letters, digits, _ . -)'),
  gates: z.array(gate).max(GATE_IDS.length),
  waivers: z.object({
    applied: z.array(waiverUse.extend({ findings: z.number().int().min(0) })).max(1000),
    expired: z.array(waiverUse).max(1000),
    stale: z.array(waiverUse).max(1000),
  }),
  warnings: z.array(str(10_000)).max(10_000),
  pullRequest: z.object({ number: z.number().int().positive(), headSha: hex, headRepository: str(300).optional() }).optional(),
});

export interface VerdictFile {
  verdict: Verdict;
  /** What the file says about its pull request: information only. */
  pullRequest?: PullRequestNote;
}

/** Read and check a verdict file written by `verdictFileJson`. */
export async function readVerdictFile(cwd: string, rel: string): Promise<VerdictFile> {
  const path = resolve(cwd, rel);
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(
      err.code === 'ENOENT'
        ? `verdict file ${rel} does not exist (the workflow's download step puts the verdict-only run's artifact there: see verdict-path)`
        : `cannot read verdict file ${rel}: ${err.code ?? err.message}`,
    );
  });
  if (!st.isFile()) throw new InputError(`verdict file ${rel}: not a regular file`);
  if (st.size > MAX_VERDICT_FILE_BYTES) throw new InputError(`verdict file ${rel}: ${st.size} bytes, more than ${MAX_VERDICT_FILE_BYTES}`);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError(`verdict file ${rel}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseVerdictFile(data, `verdict file ${rel}`);
}

/** Check parsed JSON as a verdict file and rebuild the Verdict. */
export function parseVerdictFile(data: unknown, name = 'verdict file'): VerdictFile {
  const r = verdictFile.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const where = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new InputError(`${name}: ${where || '(root)'}: ${i.message}`);
  }
  const d = r.data;
  const seen = new Set<string>();
  for (const g of d.gates) {
    if (seen.has(g.id)) throw new InputError(`${name}: gate ${g.id} appears twice`);
    seen.add(g.id);
  }
  const waiverById = new Map<string, WaiverUse>();
  for (const w of [...d.waivers.applied, ...d.waivers.expired, ...d.waivers.stale]) waiverById.set(w.id, { id: w.id, reason: w.reason, owner: w.owner, expires: w.expires });
  const toFinding = (f: z.infer<typeof finding>): GateFinding => ({
    tool: f.tool,
    ruleId: f.ruleId,
    message: f.message,
    level: f.level,
    severity: f.severity,
    ...(f.path !== undefined ? { path: f.path } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
    ...(f.helpUri !== undefined ? { helpUri: f.helpUri } : {}),
    ...(f.ids ? { ids: f.ids } : {}),
    ...(f.package ? { package: f.package } : {}),
    fingerprint: f.fingerprint,
    onChangedLine: f.onChangedLine,
    ...(f.waivedBy !== undefined ? { waivedBy: waiverById.get(f.waivedBy) ?? { id: f.waivedBy, reason: '', owner: '', expires: '' } } : {}),
  });
  const gates: GateResult[] = d.gates.map((g) => ({
    id: g.id,
    name: GATE_NAMES[g.id],
    outcome: g.outcome,
    informational: g.informational,
    summary: g.summary,
    metrics: g.metrics,
    threshold: g.threshold,
    reasons: g.reasons,
    reports: g.reports,
    ...(g.findings ? { findings: g.findings.map(toFinding) } : {}),
    ...(g.waived ? { waived: g.waived.map(toFinding) } : {}),
    ...(g.uncovered ? { uncovered: g.uncovered.map((u) => ({ path: u.path, ranges: u.ranges })) } : {}),
    ...(g.missingFiles ? { missingFiles: g.missingFiles } : {}),
  }));
  const expected = overall(gates);
  if (expected !== d.outcome) throw new InputError(`${name}: outcome ${d.outcome} contradicts its gates (${expected})`);
  const verdict: Verdict = {
    outcome: d.outcome,
    phase: d.phase,
    gates,
    scopes: d.scopes,
    changedFiles: d.changedFiles,
    ...(d.base ? { base: d.base } : {}),
    ...(d.head ? { head: d.head } : {}),
    waivers: d.waivers,
    warnings: d.warnings,
  };
  return { verdict, ...(d.pullRequest ? { pullRequest: { number: d.pullRequest.number, headSha: d.pullRequest.headSha, headRepository: d.pullRequest.headRepository } } : {}) };
}
