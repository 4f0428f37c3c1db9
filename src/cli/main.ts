/**
 * `sdlc-gate`: the command-line adapter. Parses arguments, calls the
 * workspace runner, prints a renderer's output, and maps outcomes to exit
 * codes: 0 pass (or neutral), 1 a gate failed, 2 usage, config or input error.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, InputError, ReportParseError, errorMessage } from '../core/errors.js';
import { REPORT_KINDS, type ParsedReport, type ReportKind } from '../core/model/report.js';
import { formatIds, parseReport } from '../core/parsers/registry.js';
import { renderTable, terminalSafe } from '../core/render/table.js';
import type { ReportRequest } from '../workspace/evaluate.js';

export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function defaultIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: !!process.stdout.isTTY,
    cwd: process.cwd(),
    env: process.env,
  };
}

function kindArg(v: string): ReportKind {
  if (!(REPORT_KINDS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${REPORT_KINDS.join(', ')}`);
  return v as ReportKind;
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** A simple bytes-read indicator on a TTY, shown only when parsing takes over a second. */
function progress(io: Io, enabled: boolean) {
  if (!enabled) return { onProgress: undefined, done: () => {} };
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    onProgress: (path: string, bytes: number, size: number) => {
      const now = Date.now();
      if (now - start < 1000 || now - last < 200) return;
      last = now;
      shown = true;
      const pct = size > 0 ? ` ${Math.min(100, Math.floor((bytes / size) * 100))} %` : '';
      io.stderr(`\r\u001b[2Kreading ${terminalSafe(path)}: ${(bytes / 1048576).toFixed(1)} MB${pct}`);
    },
    done: () => {
      if (shown) io.stderr('\r\u001b[2K');
    },
  };
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let exitCode: number = EXIT.pass;
  const useColor = (opt: boolean | undefined) => opt !== false && io.isTTY && !io.env.NO_COLOR;

  const program = new Command('sdlc-gate')
    .description('Judge coverage, lint, security and test reports against the gates in .sdlc.yml.')
    .version(await packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program.addHelpText(
    'after',
    '\nExit codes: 0 all gates pass (or are neutral), 1 a gate failed, 2 usage, config or input error.',
  );

  program
    .command('check')
    .description('Evaluate every gate on the reports in this workspace and print the verdict.')
    .option('-c, --config <file>', 'config file (default: .sdlc.yml, .sdlc.yaml or .github/sdlc.yml)')
    .option('-r, --report <file>', 'a report file, format and kind sniffed from its content (repeatable; replaces discovery)', collect, [])
    .option('--base <ref>', 'git ref to compare with: changed lines come from git diff <ref>...HEAD')
    .option('--diff <file>', 'a unified diff file giving the changed lines (instead of --base)')
    .option('--base-verdict <file>', 'a previous `check --format json` output of the base commit (for coverage max_drop)')
    .option('--base-report <file>', 'a coverage report of the base commit (for coverage max_drop)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'markdown', 'json']).default('table'))
    .option('-o, --output <file>', 'also write the verdict JSON to this file')
    .option('--no-color', 'no colours, even on a terminal')
    .action(async (o: { config?: string; report: string[]; base?: string; diff?: string; baseVerdict?: string; baseReport?: string; format: string; output?: string; color?: boolean }) => {
      if (o.base && o.diff) throw new InputError('give either --base or --diff, not both');
      const prog = progress(io, io.isTTY && o.format === 'table');
      const reports: ReportRequest[] = o.report.map((p) => ({ path: p }));
      const [{ evaluateLocal }, { verdictJson }, { renderMarkdown }] = await Promise.all([
        import('../workspace/evaluate.js'),
        import('../core/render/json.js'),
        import('../core/render/markdown.js'),
      ]);
      const result = await evaluateLocal({
        cwd: io.cwd,
        ...(o.config ? { config: o.config } : {}),
        reports,
        ...(o.base ? { base: o.base } : {}),
        ...(o.diff ? { diffFile: o.diff } : {}),
        ...(o.baseVerdict ? { baseVerdict: o.baseVerdict } : {}),
        ...(o.baseReport ? { baseReport: o.baseReport } : {}),
        ...(prog.onProgress ? { onProgress: prog.onProgress } : {}),
      }).finally(prog.done);
      const v = result.verdict;
      if (o.format === 'json') io.stdout(`${JSON.stringify(verdictJson(v), null, 2)}\n`);
      else if (o.format === 'markdown') io.stdout(renderMarkdown(v));
      else io.stdout(renderTable(v, { color: useColor(o.color) }));
      if (o.output) await writeFile(resolve(io.cwd, o.output), `${JSON.stringify(verdictJson(v), null, 2)}\n`);
      exitCode = v.outcome === 'fail' ? EXIT.fail : EXIT.pass;
    });

  program
    .command('report')
    .description('Parse report files and print their normalised summary.')
    .argument('<file...>', 'report files')
    .option('-k, --kind <kind>', `read the files as this kind (${REPORT_KINDS.join(', ')})`, kindArg)
    .option('--input-format <format>', `skip detection and read as this format (${formatIds().join(', ')})`)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['json', 'table']).default('json'))
    .action(async (files: string[], o: { kind?: ReportKind; inputFormat?: string; format: string }) => {
      const parsed: ParsedReport[] = [];
      const errors: { path: string; message: string }[] = [];
      for (const f of files) {
        try {
          parsed.push(
            await parseReport(createReadStream(resolve(io.cwd, f)), { path: f, ...(o.kind ? { kind: o.kind } : {}), ...(o.inputFormat ? { format: o.inputFormat } : {}) }),
          );
        } catch (err) {
          errors.push({ path: f, message: readableFileError(f, err) });
        }
      }
      const { reportsJson } = await import('../core/render/json.js');
      const json = reportsJson(parsed, errors);
      if (o.format === 'json') io.stdout(`${JSON.stringify(json, null, 2)}\n`);
      else {
        for (const r of json.reports) {
          let detail = '';
          if ('coverage' in r && r.coverage) detail = `lines ${r.coverage.lines.covered}/${r.coverage.lines.total}`;
          if ('findings' in r && r.findings) detail = `${r.findings.total} findings ${JSON.stringify(r.findings.bySeverity)}`;
          if ('tests' in r && r.tests) detail = `${r.tests.total} tests, ${r.tests.failed} failed, ${r.tests.errored} errored`;
          io.stdout(`${terminalSafe(r.path)}: ${r.format} (${r.kind}) ${detail}\n`);
        }
      }
      for (const e of errors) io.stderr(`error: ${terminalSafe(e.message)}\n`);
      exitCode = errors.length ? EXIT.error : EXIT.pass;
    });

  program
    .command('validate')
    .description('Check the config file and print the effective settings.')
    .option('-c, --config <file>', 'config file (default: .sdlc.yml, .sdlc.yaml or .github/sdlc.yml)')
    .option('-q, --quiet', 'print nothing when valid')
    .action(async (o: { config?: string; quiet?: boolean }) => {
      const { readConfigFile } = await import('../workspace/evaluate.js');
      const { config, path } = await readConfigFile(io.cwd, o.config);
      if (!o.quiet) {
        io.stdout(`${path ?? '(no config file: defaults)'} is valid\n`);
        io.stdout(`${JSON.stringify(config, null, 2)}\n`);
      }
    });

  program
    .command('serve')
    .description('Run the GitHub App: web (webhooks), worker (jobs) or all (both). Settings from the environment: docs/deploy.md.')
    .addOption(new Option('--role <role>', 'processes to run').choices(['web', 'worker', 'all']).default(io.env.ROLE ?? 'all'))
    .action(async (o: { role: 'web' | 'worker' | 'all' }) => {
      // App code is loaded only for `serve`: the other commands never load it.
      const { runService } = await import('../app/serve.js');
      await runService(o.role);
    });

  program
    .command('schema')
    .description('Print the JSON Schema of .sdlc.yml (for editors).')
    .action(async () => {
      const { configJsonSchema } = await import('../core/config/schema.js');
      io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors 2 (commander already printed them).
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.pass : EXIT.error;
    }
    io.stderr(`${describeError(err)}\n`);
    if (io.env.SDLC_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return EXIT.error;
  }
  return exitCode;
}

function readableFileError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file}: no such file`;
  if (code === 'EISDIR') return `${file}: is a directory`;
  return errorMessage(err);
}

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return `config error:\n${err.issues.map((i) => `  ${terminalSafe(err.message.split('\n')[err.issues.indexOf(i)] ?? '')}`).join('\n')}`;
  if (err instanceof ReportParseError || err instanceof InputError) return `error: ${terminalSafe(err.message)}`;
  return `error: ${terminalSafe(errorMessage(err))}`;
}

async function packageVersion(): Promise<string> {
  try {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
