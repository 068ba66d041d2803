import { Command, Option } from 'commander';
import type { CommandDefinition, OptionSpec } from '../core/command.js';
import { EXIT_CODE_MEANINGS, ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { CommandGroup } from './commands.js';

/** The one module that knows commander: it turns the command table into a program. */
export function buildProgram(version: string, commands: readonly CommandDefinition[], groups: readonly CommandGroup[], run: CommandRunner): Command {
  const program = new Command('basic-memory')
    .description('Basic Memory: your notes as Markdown files.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  // Groups are made when their first command is, so `--help` lists them where the table puts them.
  const commanders = new Map<string, Command>([['', program]]);
  const commanderFor = (path: readonly string[]): Command => {
    const key = path.join(' ');
    const known = commanders.get(key);
    if (known) return known;
    const group = groups.find((candidate) => candidate.path.join(' ') === key);
    if (!group) throw new Error(`No group "${key}": add it to the groups.`);
    const command = commanderFor(path.slice(0, -1)).command(path.at(-1) ?? '').description(group.description);
    // A group's help lists every code its commands can return.
    const codes = commands.filter((definition) => !definition.hidden && startsWith(definition.path, path)).flatMap((definition) => definition.exitCodes);
    command.addHelpText('after', `\n${[group.helpText, exitCodeHelp(codes)].filter(Boolean).join('\n\n')}`);
    commanders.set(key, command);
    return command;
  };

  for (const definition of commands) {
    const command = commanderFor(definition.path.slice(0, -1)).command(definition.path.at(-1) ?? '', { hidden: definition.hidden ?? false }).description(definition.description).exitOverride();
    for (const argument of definition.arguments ?? []) command.argument(argument.name, argument.description);
    for (const spec of [...GLOBAL_OPTIONS, ...definition.options]) command.addOption(optionFor(spec));
    command.addHelpText('after', `\nExamples:\n${definition.examples.map((line) => `  $ ${line}`).join('\n')}\n\n${exitCodeHelp(definition.exitCodes)}`);
    command.action(run(definition));
  }
  return program;
}

const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '--api-url <url>', description: 'cloud API base URL (env BASIC_MEMORY_CLOUD_URL)' },
  { flags: '--verbose', description: 'show rclone command lines, HTTP calls and stack traces (secrets shown as ***)' },
  { flags: '--no-color', description: 'plain text without colours' },
];

function optionFor(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.choices) option.choices(spec.choices);
  return option;
}

/** The `Exit codes:` block of `--help`: the given codes, each once, in numeric order. */
export function exitCodeHelp(codes: readonly ExitCodeValue[]): string {
  const listed = Object.values(ExitCode).filter((code) => codes.includes(code));
  return `Exit codes:\n${listed.map((code) => `  ${String(code).padEnd(5)}${EXIT_CODE_MEANINGS[code]}`).join('\n')}`;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((word, index) => path[index] === word);
}

/** Turns a command definition into a commander action: builds the context, runs the handler, records the exit code. */
export type CommandRunner = (definition: CommandDefinition) => (...commanderArgs: unknown[]) => Promise<void>;
