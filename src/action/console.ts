/**
 * What the Action prints, safe from workflow-command injection.
 *
 * The runner reads every line of a step's stdout and stderr for workflow
 * commands: a line starting (after blanks) with `::name ...::`, and the
 * older `##[name ...]` anywhere in a line. Report text (file paths, messages,
 * rule ids), branch names and GitHub's error messages are untrusted: a
 * message holding `\n::add-mask::...` or `##[set-output ...]` must never be
 * taken as a command. So:
 *
 * - every plain line goes out while command processing is stopped: the first
 *   one opens `::stop-commands::<token>` (a fresh random token per run, which
 *   the text cannot know), and nothing the runner would act on is parsed
 *   until `::<token>::`;
 * - annotations are the only commands the Action issues, through
 *   @actions/core (which escapes `%`, CR and LF in the message and also `:`
 *   and `,` in the properties), each after resuming;
 * - `close()` resumes before the process ends (the stop would otherwise
 *   outlast the step).
 *
 * GitHub keeps at most 10 annotations per step and level (error, warning,
 * notice); the rest are dropped silently. `Annotator` spends that budget on
 * the most important first and counts what it left out.
 */
import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';

export type CommandLevel = 'error' | 'warning' | 'notice';

/** GitHub's limit on annotations per step and level. */
export const ANNOTATIONS_PER_LEVEL = 10;

export interface Sink {
  write(s: string): void;
}

export class SafeConsole {
  private readonly token: string;
  private stopped = false;
  private readonly sink: Sink;

  constructor(sink: Sink = { write: (s) => process.stdout.write(s) }, token = `sdlc-${randomBytes(16).toString('hex')}`) {
    this.sink = sink;
    this.token = token;
  }

  /** Print text (any number of lines) with command processing stopped. */
  text(s: string): void {
    if (!this.stopped) {
      this.sink.write(`::stop-commands::${this.token}\n`);
      this.stopped = true;
    }
    let t = s.replace(/\r\n?/g, '\n');
    // A line equal to the token would resume; the token is random, but be exact.
    if (t.includes(this.token)) t = t.split(this.token).join('[token]');
    this.sink.write(t.endsWith('\n') ? t : `${t}\n`);
  }

  /** Resume command processing (before issuing a command, and at the end). */
  resume(): void {
    if (!this.stopped) return;
    this.sink.write(`::${this.token}::\n`);
    this.stopped = false;
  }

  /** Issue a workflow command through @actions/core, after resuming. */
  command(issue: () => void): void {
    this.resume();
    issue();
  }

  close(): void {
    this.resume();
  }

  /** A logger whose every line is printed as untrusted text. */
  logger(prefix = ''): { info: (...a: unknown[]) => void; warn: (...a: unknown[]) => void; debug: (...a: unknown[]) => void; error: (...a: unknown[]) => void } {
    const line = (level: string, a: unknown[]) => this.text(`${prefix}${level}${a.map(formatArg).join(' ')}`);
    return {
      info: (...a) => line('', a),
      warn: (...a) => line('warning: ', a),
      error: (...a) => line('error: ', a),
      debug: (...a) => {
        if (core.isDebug()) line('debug: ', a);
      },
    };
  }
}

function formatArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.message;
  try {
    return JSON.stringify(a) ?? String(a);
  } catch {
    return String(a);
  }
}

export interface CommandAnnotation {
  level: CommandLevel;
  message: string;
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

/** Annotations through workflow commands, at most 10 per level, in the order offered. */
export class Annotator {
  private readonly used: Record<CommandLevel, number> = { error: 0, warning: 0, notice: 0 };
  private readonly dropped: Record<CommandLevel, number> = { error: 0, warning: 0, notice: 0 };
  private readonly reserved: Record<CommandLevel, number> = { error: 0, warning: 0, notice: 0 };

  constructor(private readonly out: SafeConsole) {}

  /** Keep `n` slots of a level for later (e.g. the failure message core.setFailed prints as an error). */
  reserve(level: CommandLevel, n: number): void {
    this.reserved[level] += n;
  }

  /** Issue one annotation if its level has room; returns whether it was issued. */
  annotate(a: CommandAnnotation): boolean {
    if (this.used[a.level] + this.reserved[a.level] >= ANNOTATIONS_PER_LEVEL) {
      this.dropped[a.level]++;
      return false;
    }
    this.used[a.level]++;
    const props: core.AnnotationProperties = {};
    if (a.title) props.title = a.title;
    if (a.file) props.file = a.file;
    if (a.startLine !== undefined) props.startLine = a.startLine;
    if (a.endLine !== undefined) props.endLine = a.endLine;
    if (a.startColumn !== undefined) props.startColumn = a.startColumn;
    if (a.endColumn !== undefined) props.endColumn = a.endColumn;
    this.out.command(() => core[a.level](a.message, props));
    return true;
  }

  get counts(): { issued: Record<CommandLevel, number>; dropped: Record<CommandLevel, number> } {
    return { issued: { ...this.used }, dropped: { ...this.dropped } };
  }
}
