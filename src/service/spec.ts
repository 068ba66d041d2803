import path from 'node:path';
import type { Settings } from '../core/settings.js';

/** The name the service has in every service manager, so install, status and uninstall agree. */
export const SERVICE_NAME = 'basic-memory-bisync';
export const LAUNCHD_LABEL = 'com.basicmemory.bisync';
export const WINDOWS_TASK_NAME = '\\BasicMemory\\Bisync';

/** The hidden command the service manager runs. */
export const SERVICE_RUN_ARGS = ['cloud', 'bisync-service', 'run'] as const;
/** What install tells people to run where no service manager can be used. */
export const FOREGROUND_COMMAND = 'basic-memory cloud bisync --watch';

/** A start limit: a service failing this often this fast is left stopped, not restarted forever. */
export const RESTART_DELAY_SECONDS = 30;
export const START_LIMIT_INTERVAL_SECONDS = 600;
export const START_LIMIT_BURST = 5;

/** Everything a service file says, recorded at install time: absolute paths, no secrets. */
export interface ServiceSpec {
  description: string;
  nodePath: string;
  cliPath: string;
  args: readonly string[];
  /** Non-secret settings only (see `serviceEnvironment`). */
  environment: Record<string, string>;
  workingDirectory: string;
  /** Where the service manager sends what the process prints outside its own log (launchd only). */
  stdoutPath: string;
  stderrPath: string;
}

/**
 * Pure: the settings the service must share with the user who installed it. An allowlist, so a
 * secret in the installing shell (BASIC_MEMORY_TOKEN, AWS keys) can never reach a unit file; the
 * login is read from the keychain or the 0600 file by the service itself.
 */
export function serviceEnvironment(stateDir: string, settings: Pick<Settings, 'apiUrl' | 'authUrl' | 'rclonePath'>, env: NodeJS.ProcessEnv): Record<string, string> {
  const environment: Record<string, string> = {
    BASIC_MEMORY_CONFIG_DIR: stateDir,
    BASIC_MEMORY_CLOUD_URL: settings.apiUrl,
    BASIC_MEMORY_RCLONE: settings.rclonePath,
  };
  if (settings.authUrl !== settings.apiUrl) environment.BASIC_MEMORY_AUTH_URL = settings.authUrl;
  for (const name of ['RCLONE_CONFIG', 'AWS_CA_BUNDLE', 'PATH'] as const) {
    const value = env[name];
    if (value) environment[name] = value;
  }
  return environment;
}

export interface SpecInputs {
  nodePath: string;
  cliPath: string;
  stateDir: string;
  homeDir: string;
  settings: Pick<Settings, 'apiUrl' | 'authUrl' | 'rclonePath'>;
  env: NodeJS.ProcessEnv;
  pathApi?: path.PlatformPath;
}

/** Pure: the spec for this user's service. */
export function buildServiceSpec(inputs: SpecInputs): ServiceSpec {
  const pathApi = inputs.pathApi ?? path;
  const logs = serviceLogDir(inputs.stateDir, pathApi);
  return {
    description: 'Basic Memory cloud: two-way sync of your notes',
    nodePath: inputs.nodePath,
    cliPath: inputs.cliPath,
    args: SERVICE_RUN_ARGS,
    environment: serviceEnvironment(inputs.stateDir, inputs.settings, inputs.env),
    workingDirectory: inputs.homeDir,
    stdoutPath: pathApi.join(logs, 'bisync-service.stdout.log'),
    stderrPath: pathApi.join(logs, 'bisync-service.stderr.log'),
  };
}

export function serviceLogDir(stateDir: string, pathApi: path.PlatformPath = path): string {
  return pathApi.join(stateDir, 'logs');
}
