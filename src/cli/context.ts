import os from 'node:os';
import { Output } from '../core/output.js';
import { resolveStateDir, statePaths, type StatePaths } from '../core/paths.js';
import { CliError, ExitCode } from '../core/errors.js';
import { loadSettingsFile, resolveSettings, type Settings } from '../core/settings.js';
import { createRclone, type Rclone } from '../rclone/runner.js';
import type { ApiClient } from '../api/types.js';

/** Flags every command takes (contract section 3). */
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

export async function createContext(options: GlobalOptions): Promise<CommandContext> {
  const env = process.env;
  const homeDir = os.homedir();
  const interactive = Boolean(process.stderr.isTTY) && env.CI === undefined;
  const output = new Output({
    json: options.json ?? false,
    verbose: options.verbose ?? false,
    color: options.color !== false && env.NO_COLOR === undefined && Boolean(process.stderr.isTTY),
    interactive,
  });
  const stateDir = resolveStateDir(env, homeDir);
  const { settings, warnings, errors } = resolveSettings({
    file: await loadSettingsFile(stateDir, process.cwd()),
    env,
    flags: { apiUrl: options.apiUrl },
  });
  if (errors.length > 0) {
    throw new CliError(errors.join(' '), { hint: 'Fix the settings and run the command again.', exitCode: ExitCode.usage });
  }
  for (const warning of warnings) output.warn(warning);
  const token = env.BASIC_MEMORY_TOKEN;
  output.redactor.add(token);
  const base = {
    output,
    settings,
    paths: statePaths(stateDir),
    env,
    platform: process.platform,
    homeDir,
    cwd: process.cwd(),
    canPrompt: interactive && Boolean(process.stdin.isTTY),
    rclone: createRclone({ binary: settings.rclonePath, env, output }),
  };
  let api: Promise<ApiClient> | undefined;
  return {
    ...base,
    api: () => (api ??= import('../api/client.js').then(({ createApiClient }) => createApiClient(base))),
  };
}
