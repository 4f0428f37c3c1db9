/**
 * `.sdlc.yml`: the single source of truth for its shape and defaults.
 * `schemas/sdlc.schema.json` is generated from this (npm run schemas).
 * Every object is strict: an unknown key is an error, so a typo can never
 * silently switch a gate off.
 */
import { z } from 'zod';
import { SEVERITIES } from '../model/findings.js';
import { globProblem } from './glob.js';

const MAX_GLOB = 1024;

/** Patterns the glob matcher cannot use (a negated extglob, a huge brace range, ...); see config/glob.ts. */
function checkGlob(g: string, ctx: z.core.$RefinementCtx<string>): void {
  if (g.length > MAX_GLOB) return;
  const problem = globProblem(g);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid glob: ${problem}`, input: g });
}

/** A glob pattern. Capped in length and checked: patterns come from untrusted branches. */
export const globSchema = z
  .string()
  .min(1, 'expected a non-empty glob')
  .max(MAX_GLOB, `glob longer than ${MAX_GLOB} characters`)
  .superRefine(checkGlob)
  .describe('A glob pattern, relative to the repository root: *, **, ?, [a-z], {a,b}, extglobs @(a|b) ?(a) *(a) +(a), a leading ! negates; matched in linear time (see the README).');

/** One glob or a list of globs. */
export const globsSchema = z.union([globSchema, z.array(globSchema).max(200)]);
export type Globs = z.infer<typeof globsSchema>;

export function asArray<T>(v: T | readonly T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

export const PHASES = ['planning', 'requirements', 'design', 'implementation', 'testing', 'release', 'maintenance'] as const;
export const FILTER_MODES = ['added', 'diff_context', 'file', 'nofilter'] as const;
export type FilterMode = (typeof FILTER_MODES)[number];

function isCalendarDate(d: string): boolean {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

const percent = z.number().min(0).max(100);

const gateBase = {
  enabled: z.boolean().default(true).describe('Evaluate this gate.'),
  informational: z.boolean().default(false).describe('Report the gate, but never fail the verdict because of it.'),
};

const reportSourceSchema = z.union([
  globSchema,
  z.strictObject({
    path: globsSchema.describe('Glob(s) of report files.'),
    format: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'expected a format id such as lcov or sarif')
      .optional()
      .describe('Report format; omit to detect it from the content.'),
  }),
]);
export type ReportSource = z.infer<typeof reportSourceSchema>;

const reportListSchema = z.array(reportSourceSchema).max(100);

export const DEFAULT_SCOPES: Record<string, string[]> = {
  src: ['src/**', 'lib/**', 'app/**', 'packages/*/src/**', 'cmd/**', 'pkg/**', 'internal/**'],
  tests: ['test/**', 'tests/**', '**/__tests__/**', '**/*.test.*', '**/*.spec.*', '**/*_test.go', '**/test_*.py'],
  docs: ['docs/**', '**/*.md', '**/*.rst', '**/*.txt'],
  config: ['.github/**', '**/*.yml', '**/*.yaml', '**/*.json', '**/*.toml', '**/*.ini', '**/Dockerfile', '**/.*rc'],
};

export const DEFAULT_DISCOVERY_DIRS = ['coverage', 'reports'] as const;

const waiverSchema = z.strictObject({
  id: z.string().max(200).optional().describe('A name for the waiver, shown in the output.'),
  match: z
    .strictObject({
      fingerprint: z.string().min(1).max(500).optional().describe("A finding's fingerprint, as printed by sdlc-gate."),
      rule: z.string().min(1).max(500).optional().describe('A rule id, e.g. no-eval or js/sql-injection.'),
      advisory: z.string().min(1).max(200).optional().describe('An advisory id: CVE-..., GHSA-...'),
      path: globSchema.optional().describe('Only findings in files matching this glob.'),
    })
    .refine((m) => Object.values(m).some((v) => v !== undefined), 'a waiver must match on at least one of fingerprint, rule, advisory, path'),
  reason: z.string().min(1, 'a waiver needs a reason').max(2000),
  owner: z.string().min(1, 'a waiver needs an owner').max(200),
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
    .refine(isCalendarDate, 'not a calendar date')
    .describe('Last day (UTC) the waiver applies.'),
});
export type Waiver = z.infer<typeof waiverSchema>;

export const configSchema = z
  .strictObject({
    phase: z.enum(PHASES).default('implementation').describe('SDLC phase recorded in tags and verdicts.'),
    scopes: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'scope names are letters, digits, _ . -'), globsSchema)
      .default(DEFAULT_SCOPES)
      .describe('Named file scopes used to classify changed files.'),
    reports: z
      .strictObject({
        coverage: reportListSchema.optional(),
        lint: reportListSchema.optional(),
        security: reportListSchema.optional(),
        tests: reportListSchema.optional(),
        discover: z
          .array(globSchema)
          .max(50)
          .default([...DEFAULT_DISCOVERY_DIRS])
          .describe('Directories searched (and content-sniffed) for the kinds not listed above.'),
        artifact: z.string().min(1).max(256).default('sdlc-reports').describe('Workflow artifact holding the reports (App).'),
        required: z.boolean().default(false).describe('Fail, rather than stay neutral, when the artifact never arrives (App).'),
      })
      .default({ discover: [...DEFAULT_DISCOVERY_DIRS], artifact: 'sdlc-reports', required: false }),
    gates: z
      .strictObject({
        coverage: z
          .strictObject({
            ...gateBase,
            min: percent.default(80).describe('Minimum project line coverage, percent.'),
            max_drop: percent.optional().describe('Largest allowed drop in percentage points against the base commit.'),
            paths: z
              .array(z.strictObject({ path: globsSchema, min: percent }))
              .max(100)
              .default([])
              .describe('Per-component minimums.'),
            ignore: z.array(globSchema).max(200).default([]).describe('Files left out of coverage (generated code, tests).'),
            path_fixes: z
              .array(z.strictObject({ before: z.string().max(1024), after: z.string().max(1024) }))
              .max(50)
              .default([])
              .describe('Prefix rewrites applied to report paths before matching them to repository files.'),
          })
          .default({ enabled: true, informational: false, min: 80, paths: [], ignore: [], path_fixes: [] }),
        patch_coverage: z
          .strictObject({
            ...gateBase,
            min: percent.default(85).describe('Minimum coverage of the changed coverable lines, percent.'),
            min_lines: z.number().int().min(1).default(1).describe('Fewer changed coverable lines than this: neutral.'),
            missing_files: z
              .enum(['ignore', 'uncovered'])
              .default('ignore')
              .describe('Changed source files absent from every report: ignored, or their added lines counted as uncovered.'),
          })
          .default({ enabled: true, informational: false, min: 85, min_lines: 1, missing_files: 'ignore' }),
        lint: z
          .strictObject({
            ...gateBase,
            max_errors: z.number().int().min(0).default(0),
            max_warnings: z.number().int().min(0).nullable().default(null).describe('null: warnings never fail.'),
            filter: z.enum(FILTER_MODES).default('added').describe('Which findings count when a diff is known.'),
          })
          .default({ enabled: true, informational: false, max_errors: 0, max_warnings: null, filter: 'added' }),
        security: z
          .strictObject({
            ...gateBase,
            fail_on: z
              .enum([...SEVERITIES, 'none'])
              .default('high')
              .describe('Lowest severity that fails the gate; none: never fails.'),
            filter: z.enum(FILTER_MODES).default('nofilter'),
          })
          .default({ enabled: true, informational: false, fail_on: 'high', filter: 'nofilter' }),
        tests: z
          .strictObject({
            ...gateBase,
            max_failures: z.number().int().min(0).default(0).describe('Failed plus errored tests allowed.'),
            min_tests: z.number().int().min(0).default(1).describe('Fewer tests than this ran: the gate fails.'),
          })
          .default({ enabled: true, informational: false, max_failures: 0, min_tests: 1 }),
      })
      .default({
        coverage: { enabled: true, informational: false, min: 80, paths: [], ignore: [], path_fixes: [] },
        patch_coverage: { enabled: true, informational: false, min: 85, min_lines: 1, missing_files: 'ignore' },
        lint: { enabled: true, informational: false, max_errors: 0, max_warnings: null, filter: 'added' },
        security: { enabled: true, informational: false, fail_on: 'high', filter: 'nofilter' },
        tests: { enabled: true, informational: false, max_failures: 0, min_tests: 1 },
      }),
    comment: z
      .strictObject({
        mode: z.enum(['update', 'new', 'off']).default('update'),
        only_on_change: z.boolean().default(false),
        max_annotations: z.number().int().min(0).max(5000).default(200),
      })
      .default({ mode: 'update', only_on_change: false, max_annotations: 200 }),
    tagging: z
      .strictObject({
        enabled: z.boolean().default(true),
        template: z
          .string()
          .min(1)
          .max(200)
          .default('sdlc/{phase}/{outcome}/{sha7}')
          .describe('Tag name; placeholders {phase} {outcome} {sha} {sha7} {branch}.'),
        branches: z.array(z.string().min(1).max(256).superRefine(checkGlob)).max(50).default([]).describe('Branches to tag; empty: the default branch.'),
      })
      .default({ enabled: true, template: 'sdlc/{phase}/{outcome}/{sha7}', branches: [] }),
    waivers: z.array(waiverSchema).max(1000).default([]),
  })
  .describe('SDLC Gatekeeper configuration (.sdlc.yml)');

export type SdlcConfig = z.output<typeof configSchema>;
export type GateId = 'coverage' | 'patch_coverage' | 'lint' | 'security' | 'tests';
export const GATE_IDS: readonly GateId[] = ['coverage', 'patch_coverage', 'lint', 'security', 'tests'];

export function defaultConfig(): SdlcConfig {
  return configSchema.parse({});
}

/** JSON Schema of the input side (defaulted fields are optional), for editors. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: '.sdlc.yml',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
