/**
 * The Action's inputs, read the way the runner passes them (`INPUT_<NAME>`:
 * the name upper-cased, spaces as `_`, hyphens kept, so `github-token` is
 * `INPUT_GITHUB-TOKEN`) and checked with zod. Defaults here are those of
 * action.yml (a test keeps the two equal), so a run without the runner's
 * defaults behaves the same. An invalid input is one InputError naming it.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';

export const MODES = ['publish', 'verdict-only', 'publish-verdict'] as const;
export type Mode = (typeof MODES)[number];
export const FAIL_ON = ['gate', 'never'] as const;

/** Every input action.yml declares, with its default ('' = none). */
export const INPUT_DEFAULTS = {
  config: '.sdlc.yml',
  reports: '',
  'github-token': '${{ github.token }}',
  base: '',
  mode: 'publish',
  'fail-on': 'gate',
  comment: 'true',
  checks: 'true',
  tags: 'true',
  'verdict-path': 'sdlc-verdict/verdict.json',
} as const;
export type InputName = keyof typeof INPUT_DEFAULTS;
export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[];

/** The config input's default: it also accepts `.sdlc.yaml` and `.github/sdlc.yml` (like the CLI). */
export const DEFAULT_CONFIG = INPUT_DEFAULTS.config;

export interface ActionInputs {
  config: string;
  /** Globs of report files; empty: the config's report globs and discovery. */
  reports: string[];
  token: string;
  base: string | undefined;
  mode: Mode;
  failOn: (typeof FAIL_ON)[number];
  comment: boolean;
  checks: boolean;
  tags: boolean;
  verdictPath: string;
}

/** The environment variable the runner sets for an input. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

// The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them.
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

const bool = z.string().transform((s, ctx) => {
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got ${JSON.stringify(s.slice(0, 40))}` });
  return z.NEVER;
});

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A path or glob inside the workspace: relative, no `..` segment, no control characters. */
function insideWorkspace(what: string) {
  return z
    .string()
    .min(1, `expected a ${what}`)
    .max(1024, `${what} longer than 1024 characters`)
    .refine((s) => !CONTROL.test(s), `${what} contains a control character`)
    .refine((s) => !s.startsWith('/') && !/^[A-Za-z]:/.test(s) && !s.includes('\\'), `expected a ${what} relative to the workspace (forward slashes)`)
    .refine((s) => !s.split('/').includes('..'), `a ${what} may not leave the workspace (..)`);
}

const reportsList = z.string().transform((s, ctx) => {
  const globs = s
    .split(/[\n,]/)
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
  if (globs.length > 100) {
    ctx.addIssue({ code: 'custom', message: `at most 100 globs, got ${globs.length}` });
    return z.NEVER;
  }
  const one = insideWorkspace('glob');
  for (const g of globs) {
    const r = one.safeParse(g);
    if (!r.success) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(g.slice(0, 80))}: ${r.error.issues[0]!.message}` });
      return z.NEVER;
    }
  }
  return globs;
});

const gitRef = z
  .string()
  .max(256, 'longer than 256 characters')
  .refine((s) => s === '' || (!s.startsWith('-') && !/[\s~^:?*[\\]/.test(s) && !CONTROL.test(s) && !s.includes('..')), 'expected a branch name, tag or commit SHA');

const schema = z.object({
  config: insideWorkspace('path'),
  reports: reportsList,
  'github-token': z.string(),
  base: gitRef,
  mode: z.enum(MODES, { error: () => `expected one of ${MODES.join(', ')}` }),
  'fail-on': z.enum(FAIL_ON, { error: () => `expected one of ${FAIL_ON.join(', ')}` }),
  comment: bool,
  checks: bool,
  tags: bool,
  'verdict-path': insideWorkspace('path'),
});

/**
 * Read and check every input. Values are trimmed (as @actions/core does); an
 * absent or empty input takes action.yml's default.
 */
export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const raw: Record<string, string> = {};
  for (const name of INPUT_NAMES) {
    const v = (env[inputEnvName(name)] ?? '').trim();
    const def = INPUT_DEFAULTS[name];
    // The token's default is an expression only the runner can evaluate.
    raw[name] = v !== '' ? v : name === 'github-token' ? '' : def;
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `input ${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new InputError(lines.join('\n'));
  }
  const d = r.data;
  const inputs: ActionInputs = {
    config: d.config,
    reports: d.reports,
    token: d['github-token'],
    base: d.base || undefined,
    mode: d.mode,
    failOn: d['fail-on'],
    comment: d.comment,
    checks: d.checks,
    tags: d.tags,
    verdictPath: d['verdict-path'],
  };
  if (!inputs.token && inputs.mode !== 'verdict-only') {
    throw new InputError(`input github-token: empty, and mode ${inputs.mode} publishes to GitHub (pass github-token: \${{ github.token }})`);
  }
  return inputs;
}
