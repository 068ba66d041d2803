import { CommanderError, type Command } from 'commander';
import { CliError, errorDocument, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { interruptedLine, interruptsClaimed } from '../core/interrupt.js';
import type { Output } from '../core/output.js';
import type { GlobalOptions } from '../core/command.js';
import { COMMANDS, GROUPS } from './commands.js';
import { createContext } from './context.js';
import { buildProgram, versionAlias, type CommandRunner } from './program.js';

/** What is known of the run when something fails: where to say it, and how. */
interface RunState {
  output: Output | undefined;
  verbose: boolean;
  json: boolean;
  exitCode: ExitCodeValue;
}

/** The only place that ends the process. */
async function main(argv: string[]): Promise<number> {
  // Until commander has parsed the flags (a usage error stops it first), argv is all there is.
  const state: RunState = { output: undefined, verbose: argv.includes('--verbose'), json: argv.includes('--json'), exitCode: ExitCode.ok };

  const run: CommandRunner = (definition) => async (...commanderArgs: unknown[]) => {
    // commander passes the positional arguments, the command's options, then the Command itself.
    const commanderCommand = commanderArgs.at(-1) as Command;
    const options: GlobalOptions = commanderCommand.optsWithGlobals();
    state.verbose = options.verbose ?? false;
    state.json = options.json ?? false;
    const ctx = await createContext(options);
    state.output = ctx.output;
    const code = await definition.handler(commanderCommand.opts(), ctx, commanderCommand.args);
    state.exitCode = code ?? ExitCode.ok;
  };

  // Ctrl-C that no command claimed: stop at once, saying how far the command got.
  process.on('SIGINT', () => {
    if (interruptsClaimed()) return;
    if (state.output) state.output.interrupted();
    else process.stderr.write(`${interruptedLine(undefined, [])}\n`);
    process.exit(ExitCode.interrupted);
  });

  const program = buildProgram(COMMANDS, GROUPS, run);
  try {
    await program.parseAsync(versionAlias(argv));
  } catch (error) {
    return reportError(error, state);
  }
  const { exitCode, json, output } = state;
  if (json && exitCode !== ExitCode.ok && !output?.hasResult) {
    // The command said why on stderr; scripts still get their one document.
    writeErrorDocument(exitCode, `The command ended with exit code ${exitCode}.`, 'See the messages on stderr.', output);
  }
  return exitCode;
}

function reportError(error: unknown, state: RunState): number {
  const { output, verbose, json } = state;
  if (error instanceof CommanderError) {
    // Help is an "error" to commander; usage mistakes were already printed by it. A group typed
    // alone (`basic-memory`, `basic-memory cloud`) is a question: its help is the answer, exit 0.
    if (error.exitCode === 0 || error.code === 'commander.help') return ExitCode.ok;
    if (json) writeErrorDocument(ExitCode.usage, error.message.replace(/^error: /, ''), 'Run the command with --help for its usage.');
    return ExitCode.usage;
  }
  const print = (line: string) => (output ? output.error(line) : process.stderr.write(`Error: ${line}\n`));
  const hint = (line: string) => (output ? output.info(line) : process.stderr.write(`${line}\n`));
  if (error instanceof CliError) {
    print(error.message);
    if (error.hint) hint(error.hint);
    if (verbose && error.cause instanceof Error) hint(error.cause.stack ?? String(error.cause));
    if (json && !output?.hasResult) writeErrorDocument(error.exitCode, error.message, error.hint, output);
    return error.exitCode;
  }
  // Ctrl-C at a prompt no command wraps: inquirer rejects with this error instead of a signal.
  if (error instanceof Error && error.name === 'ExitPromptError') {
    if (output) output.interrupted();
    else process.stderr.write(`${interruptedLine(undefined, [])}\n`);
    return ExitCode.interrupted;
  }
  const message = error instanceof Error ? error.message : String(error);
  const advice = 'Run again with --verbose for details, and report it if it persists.';
  print(`Unexpected failure: ${message}`);
  hint(verbose && error instanceof Error ? (error.stack ?? '') : advice);
  if (json && !output?.hasResult) writeErrorDocument(ExitCode.failed, `Unexpected failure: ${message}`, advice, output);
  return ExitCode.failed;
}

function writeErrorDocument(exitCode: ExitCodeValue, message: string, hint: string | undefined, output?: Output): void {
  const text = JSON.stringify(errorDocument(exitCode, message, hint), null, 2);
  process.stdout.write(`${output ? output.redactor.redact(text) : text}\n`);
}

const code = await main(process.argv);
// Exit explicitly so an idle keep-alive socket or watcher cannot hold the process open, but only
// after stdout has flushed (a piped `--json` document must arrive whole).
process.stdout.write('', () => process.exit(code));
