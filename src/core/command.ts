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

/** The flags of `GlobalOptions`, listed after each command's own in its `--help`. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '--api-url <url>', description: 'cloud API base URL (env BASIC_MEMORY_CLOUD_URL; default: the cloud of your last login)' },
  { flags: '--verbose', description: 'show rclone command lines, HTTP calls and stack traces (secrets shown as ***)' },
  { flags: '--no-color', description: 'plain text without colours' },
];

/** One commander option as data: `flags` in commander's syntax (`--path <dir>`, `--no-browser`). */
export interface OptionSpec {
  flags: string;
  description: string;
  /** Applied by the parser. A boolean's `false` is applied but not shown: it says nothing to a reader. */
  default?: string | boolean;
  /** Shown in `--help` as the default when the command works it out itself (from the settings or the previous setup). */
  shownDefault?: string;
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
  /** Other words for the last word of the path (`whoami` for `status`). */
  aliases?: readonly string[];
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

/**
 * The `--json` flag. Every command has it (the program adds this one where a definition has none):
 * one document on stdout, the result or `{"error": {...}}`.
 */
export function jsonOption(description = 'print the result as one JSON document on stdout'): OptionSpec {
  return { flags: '--json', description, default: false };
}

export function profileOption(kind: string, shownDefault = 'balanced, or the profile setting'): OptionSpec {
  return { flags: '--profile <name>', description: `${kind} profile (see profiles/)`, choices: PROFILE_NAMES, shownDefault };
}

/** The options of a command whose only flag is `--json`. */
export interface JsonOptions {
  json: boolean;
}
