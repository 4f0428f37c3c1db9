/**
 * How the Actions runner reads workflow commands from a step's output, for
 * asserting what the Action's output makes it do. Written from the runner's
 * documented behaviour (actions/runner, ActionCommandManager and
 * ActionCommand): each line of stdout and stderr is tried as
 * - `::name key=value,key=value::data`, the line trimmed at the start;
 * - `##[name key=value;key=value]data`, anywhere in the line;
 * against the registered command names (case-insensitive). After
 * `::stop-commands::<token>` nothing is acted on until a command named
 * `<token>` (either form); the stop and resume lines are not commands.
 * Property values are unescaped (%25 %0D %0A %3A %2C), data too (%25 %0D %0A).
 */

/** Commands the runner has (annotations, masking, outputs, env, state, groups...). */
export const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'warning',
  'stop-commands',
] as const;

export interface ParsedCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  line: string;
}

function unescapeProperty(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%25/g, '%');
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeV1(s: string): string {
  return s.replace(/%3B/gi, ';').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%5D/gi, ']').replace(/%25/g, '%');
}

function parseV2(line: string, known: Set<string>): ParsedCommand | undefined {
  const msg = line.trimStart();
  if (!msg.startsWith('::')) return undefined;
  const end = msg.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = msg.slice(2, end);
  const sp = info.indexOf(' ');
  const name = sp < 0 ? info : info.slice(0, sp);
  if (!known.has(name.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (sp > 0) {
    for (const pair of info.slice(sp + 1).trim().split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { command: name.toLowerCase(), properties, data: unescapeData(msg.slice(end + 2)), line };
}

function parseV1(line: string, known: Set<string>): ParsedCommand | undefined {
  const at = line.indexOf('##[');
  if (at < 0) return undefined;
  const rb = line.indexOf(']', at);
  if (rb < 0) return undefined;
  const info = line.slice(at + 3, rb);
  const sp = info.indexOf(' ');
  const name = sp < 0 ? info : info.slice(0, sp);
  if (!known.has(name.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (sp > 0) {
    for (const pair of info.slice(sp + 1).split(';').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescapeV1(pair.slice(eq + 1));
    }
  }
  return { command: name.toLowerCase(), properties, data: unescapeV1(line.slice(rb + 1)), line };
}

/** The commands the runner would act on, in order (stop/resume excluded), and whether it ended stopped. */
export function runnerCommands(output: string): { commands: ParsedCommand[]; stoppedAtEnd: boolean; stops: number } {
  const known = new Set<string>(RUNNER_COMMANDS);
  const commands: ParsedCommand[] = [];
  let stopToken: string | undefined;
  let stops = 0;
  for (const line of output.split(/\r?\n/)) {
    if (!line) continue;
    const cmd = parseV2(line, known) ?? parseV1(line, known);
    if (!cmd) continue;
    if (stopToken !== undefined) {
      if (cmd.command === stopToken.toLowerCase()) {
        known.delete(stopToken.toLowerCase());
        stopToken = undefined;
      }
      continue;
    }
    if (cmd.command === 'stop-commands') {
      stopToken = cmd.data;
      known.add(cmd.data.toLowerCase());
      stops++;
      continue;
    }
    commands.push(cmd);
  }
  return { commands, stoppedAtEnd: stopToken !== undefined, stops };
}
