import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { CliError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { interruptedLine, interruptsClaimed } from '../core/interrupt.js';
import type { Output } from '../core/output.js';
import type { GlobalOptions } from '../core/command.js';
import { COMMANDS, GROUPS } from './commands.js';
import { createContext } from './context.js';
import { buildProgram, type CommandRunner } from './program.js';

/** The only place that ends the process. */
async function main(argv: string[]): Promise<number> {
  let output: Output | undefined;
  let verbose = argv.includes('--verbose');
  let exitCode: ExitCodeValue = ExitCode.ok;

  const run: CommandRunner = (definition) => async (...commanderArgs: unknown[]) => {
    // commander passes the positional arguments, the command's options, then the Command itself.
    const commanderCommand = commanderArgs.at(-1) as Command;
    const options: GlobalOptions = commanderCommand.optsWithGlobals();
    verbose = options.verbose ?? false;
    const ctx = await createContext(options);
    output = ctx.output;
    const code = await definition.handler(commanderCommand.opts(), ctx, commanderCommand.args);
    exitCode = code ?? ExitCode.ok;
  };

  // Ctrl-C that no command claimed: stop at once, saying how far the command got.
  process.on('SIGINT', () => {
    if (interruptsClaimed()) return;
    if (output) output.interrupted();
    else process.stderr.write(`${interruptedLine(undefined, [])}\n`);
    process.exit(ExitCode.interrupted);
  });

  const program = buildProgram(readVersion(), COMMANDS, GROUPS, run);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return reportError(error, output, verbose);
  }
}

function reportError(error: unknown, output: Output | undefined, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; usage mistakes were already printed by it.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const print = (line: string) => (output ? output.error(line) : process.stderr.write(`Error: ${line}\n`));
  const hint = (line: string) => (output ? output.info(line) : process.stderr.write(`${line}\n`));
  if (error instanceof CliError) {
    print(error.message);
    if (error.hint) hint(error.hint);
    if (verbose && error.cause instanceof Error) hint(error.cause.stack ?? String(error.cause));
    return error.exitCode;
  }
  // Ctrl-C at a prompt no command wraps: inquirer rejects with this error instead of a signal.
  if (error instanceof Error && error.name === 'ExitPromptError') {
    if (output) output.interrupted();
    else process.stderr.write(`${interruptedLine(undefined, [])}\n`);
    return ExitCode.interrupted;
  }
  const message = error instanceof Error ? error.message : String(error);
  print(`Unexpected failure: ${message}`);
  hint(verbose && error instanceof Error ? (error.stack ?? '') : 'Run again with --verbose for details, and report it if it persists.');
  return ExitCode.failed;
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

const code = await main(process.argv);
// Exit explicitly so an idle keep-alive socket or watcher cannot hold the process open, but only
// after stdout has flushed (a piped `--json` document must arrive whole).
process.stdout.write('', () => process.exit(code));
