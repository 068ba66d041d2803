import { Command, Option } from 'commander';
import { GLOBAL_OPTIONS, jsonOption, type CommandDefinition, type OptionSpec } from '../core/command.js';
import { EXIT_CODE_MEANINGS, ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { CommandGroup } from './commands.js';

/** The one module that knows commander: it turns the command table into a program. */
export function buildProgram(commands: readonly CommandDefinition[], groups: readonly CommandGroup[], run: CommandRunner): Command {
  const program = new Command('basic-memory')
    .description('Basic Memory: your notes as Markdown files.')
    // Listed for `--help` only: `versionAlias` turns these flags into the `version` command first.
    .option('-v, --version', 'print the CLI, rclone and Node.js versions')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ optionDescription })
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
    for (const alias of definition.aliases ?? []) command.alias(alias);
    for (const argument of definition.arguments ?? []) command.argument(argument.name, argument.description);
    // The command's own flags first: they are what its reader came for.
    const own = definition.options.some((spec) => spec.flags === '--json') ? definition.options : [...definition.options, jsonOption()];
    for (const spec of [...own, ...GLOBAL_OPTIONS]) command.addOption(optionFor(spec));
    applyUnshownDefaults(command, own);
    command.addHelpText('after', `\nExamples:\n${definition.examples.map((line) => `  $ ${line}`).join('\n')}\n\n${exitCodeHelp(definition.exitCodes)}`);
    command.action(run(definition));
  }
  return program;
}

/** The defaults `--help` shows, by option: the parser's own string defaults and the ones a command works out. */
const shownDefaults = new WeakMap<Option, string>();

function optionFor(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (typeof spec.default === 'string') option.default(spec.default);
  const shown = spec.shownDefault ?? (typeof spec.default === 'string' ? spec.default : undefined);
  if (shown !== undefined) shownDefaults.set(option, shown);
  if (spec.choices) option.choices(spec.choices);
  return option;
}

/** An option's help line: its choices and the default a reader needs, never a boolean's `false`. */
function optionDescription(option: Option): string {
  const extras = [
    ...(option.argChoices ? [`choices: ${option.argChoices.join(', ')}`] : []),
    ...(shownDefaults.has(option) ? [`default: ${shownDefaults.get(option) ?? ''}`] : []),
  ];
  return extras.length > 0 ? `${option.description} (${extras.join('; ')})` : option.description;
}

/** Boolean defaults are set before the action instead of on the option, which would print `(default: false)`. */
function applyUnshownDefaults(command: Command, specs: readonly OptionSpec[]): void {
  const booleans = specs.filter((spec) => typeof spec.default === 'boolean').map((spec) => ({ key: new Option(spec.flags).attributeName(), value: spec.default as boolean }));
  if (booleans.length === 0) return;
  command.hook('preAction', (_program, actionCommand) => {
    for (const { key, value } of booleans) if (actionCommand.getOptionValue(key) === undefined) actionCommand.setOptionValueWithSource(key, value, 'default');
  });
}

/** `-v`, `-V` and `--version` as the first word are the `version` command (with its `--json`). */
export function versionAlias(argv: readonly string[]): string[] {
  const [node = '', script = '', first, ...rest] = argv;
  return first === '-v' || first === '-V' || first === '--version' ? [node, script, 'version', ...rest] : [...argv];
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
