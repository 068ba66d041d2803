import type { ApiClient } from '../api/types.js';
import type { Rclone } from '../rclone/runner.js';
import type { ExitCodeValue } from './errors.js';
import type { Output } from './output.js';
import type { StatePaths } from './paths.js';
import { PROFILE_NAMES, type Settings } from './settings.js';

/**
 * The shape every command shares: what it receives (`CommandContext`) and how it describes itself
 * (`CommandDefinition`). The composition root (src/cli/) turns the definitions into commander
 * commands and builds the context; features only fill the table.
 *
 * The one exception to "core imports nothing above it": this module names the types of the rclone
 * runner and the API client a command receives. Those imports are type-only (the layer check in
 * .dependency-cruiser.cjs allows nothing else), so loading core never loads rclone/ or api/.
 */

/** Flags every command takes. */
export interface GlobalOptions {
  apiUrl?: string;
  verbose?: boolean;
  color?: boolean;
  json?: boolean;
}

/**
 * What a command needs from the outside world, made once per run and passed in. Tests build their
 * own with fakes or temp dirs; nothing below reaches for process globals.
 */
export interface CommandContext {
  output: Output;
  settings: Settings;
  paths: StatePaths;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homeDir: string;
  cwd: string;
  /** stdin and stderr are terminals: prompts are allowed. */
  canPrompt: boolean;
  rclone: Rclone;
  /** The logged-in API client, made on first use (it reads the token store). */
  api(): Promise<ApiClient>;
}

/** One commander option as data: `flags` in commander's syntax (`--path <dir>`, `--no-browser`). */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
  choices?: readonly string[];
}

export interface ArgumentSpec {
  /** `<id>` (required) or `[id]` (optional), in commander's syntax. */
  name: string;
  description: string;
}

export interface CommandDefinition<O = object> {
  /** The words typed after the program name, e.g. `['cloud', 'bisync']`. */
  path: readonly string[];
  description: string;
  /** Left out of `--help` and the README's table: a command only a program runs. */
  hidden?: boolean;
  arguments?: readonly ArgumentSpec[];
  options: readonly OptionSpec[];
  /** Full command lines, shown in `--help` after `$`. */
  examples: readonly string[];
  /** Only the codes this command can return; `--help` lists exactly these. */
  exitCodes: readonly ExitCodeValue[];
  /**
   * Imports the implementation lazily, so `--help` and `--version` load nothing heavy. Method
   * syntax on purpose: the table holds definitions of different option types side by side.
   */
  handler(options: O, ctx: CommandContext, args: string[]): Promise<ExitCodeValue | void>;
}

/** The `--json` flag of every command that has a machine-readable result. */
export function jsonOption(description = 'print JSON on stdout'): OptionSpec {
  return { flags: '--json', description, default: false };
}

export function profileOption(kind: string): OptionSpec {
  return { flags: '--profile <name>', description: `${kind} profile (see profiles/)`, choices: PROFILE_NAMES };
}

/** The options of a command whose only flag is `--json`. */
export interface JsonOptions {
  json: boolean;
}
