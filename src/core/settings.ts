import { CliError, ExitCode } from './errors.js';

export const PRODUCTION_API_URL = 'https://cloud.basicmemory.com';
export const DEFAULT_CLIENT_ID = 'basic-memory-cli';

export const PROFILE_NAMES = ['fast', 'balanced', 'safe'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Where the API URL came from, so `cloud status` can say why this cloud is the one used. */
export type ApiUrlSource = 'flag' | 'env' | 'login' | 'setup' | 'settings' | 'default';

export interface Settings {
  apiUrl: string;
  apiUrlSource: ApiUrlSource;
  /** OAuth authorization server; its RFC 8414 metadata names the device and token endpoints. */
  authUrl: string;
  clientId: string;
  rclonePath: string;
  mountProfile: ProfileName;
  bisyncProfile: ProfileName;
  /** Seconds between remote checks in `bisync --watch`. */
  watchIntervalSeconds: number;
}

/** What each source may say; later sources win: file < env < flags. */
export interface SettingsSources {
  file?: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  flags: { apiUrl?: string | undefined };
  /** The cloud of the last `cloud login`, and the one `cloud setup` configured (tenant.json). */
  remembered?: { login?: string | undefined; setup?: string | undefined };
}

export interface SettingsResult {
  settings: Settings;
  warnings: string[];
  errors: string[];
}

const KNOWN_KEYS = new Set(['apiUrl', 'authUrl', 'clientId', 'rclonePath', 'mountProfile', 'bisyncProfile', 'watchInterval']);

/** Pure: merges the sources and reports every problem at once instead of throwing on the first. */
export function resolveSettings({ file = {}, env, flags, remembered = {} }: SettingsSources): SettingsResult {
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const key of Object.keys(file)) {
    if (!KNOWN_KEYS.has(key)) warnings.push(`Unknown setting "${key}" is ignored.`);
  }
  const text = (key: string): string | undefined => {
    const value = file[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      errors.push(`Setting "${key}" must be a string.`);
      return undefined;
    }
    return value;
  };

  const [apiUrl, apiUrlSource] = pickApiUrl(flags.apiUrl, env.BASIC_MEMORY_CLOUD_URL, remembered, text('apiUrl'));
  const authUrl = env.BASIC_MEMORY_AUTH_URL ?? text('authUrl') ?? apiUrl;
  if (!isHttpUrl(apiUrl)) errors.push(`The API URL "${apiUrl}" is not an http(s) URL.`);
  if (authUrl !== apiUrl && !isHttpUrl(authUrl)) errors.push(`The auth URL "${authUrl}" is not an http(s) URL.`);

  const profile = (key: string): ProfileName => {
    const value = text(key) ?? 'balanced';
    if ((PROFILE_NAMES as readonly string[]).includes(value)) return value as ProfileName;
    errors.push(`Setting "${key}" must be one of ${PROFILE_NAMES.join(', ')}; got "${value}".`);
    return 'balanced';
  };

  let watchIntervalSeconds = 60;
  const rawInterval = file.watchInterval;
  if (rawInterval !== undefined) {
    const parsed = typeof rawInterval === 'string' || typeof rawInterval === 'number' ? parseDuration(String(rawInterval)) : undefined;
    if (parsed === undefined) errors.push(`Setting "watchInterval" must be a duration like 60s or 5m; got ${JSON.stringify(rawInterval)}.`);
    else watchIntervalSeconds = parsed;
  }

  return {
    settings: {
      apiUrl: stripTrailingSlash(apiUrl),
      apiUrlSource,
      authUrl: stripTrailingSlash(authUrl),
      clientId: env.BASIC_MEMORY_CLIENT_ID ?? text('clientId') ?? DEFAULT_CLIENT_ID,
      rclonePath: env.BASIC_MEMORY_RCLONE ?? text('rclonePath') ?? 'rclone',
      mountProfile: profile('mountProfile'),
      bisyncProfile: profile('bisyncProfile'),
      watchIntervalSeconds,
    },
    warnings,
    errors,
  };
}

/**
 * A flag or the environment says which cloud for this run; otherwise the cloud this machine logged
 * in to, then the one it was set up for, so a login to a local server is not followed by commands
 * that talk to the production cloud.
 */
function pickApiUrl(flag: string | undefined, env: string | undefined, remembered: NonNullable<SettingsSources['remembered']>, file: string | undefined): [string, ApiUrlSource] {
  const candidates: [string | undefined, ApiUrlSource][] = [[flag, 'flag'], [env, 'env'], [remembered.login, 'login'], [remembered.setup, 'setup'], [file, 'settings']];
  for (const [url, source] of candidates) if (url?.trim()) return [url.trim(), source];
  return [PRODUCTION_API_URL, 'default'];
}

/** "90", "90s", "5m", "1h" → seconds; undefined when it is not a positive duration. */
export function parseDuration(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  const seconds = unit === 'ms' ? amount / 1000 : unit === 'm' ? amount * 60 : unit === 'h' ? amount * 3600 : amount;
  return seconds > 0 ? seconds : undefined;
}

export function parseProfileName(value: string | undefined, fallback: ProfileName): ProfileName {
  if (value === undefined) return fallback;
  if ((PROFILE_NAMES as readonly string[]).includes(value)) return value as ProfileName;
  throw new CliError(`Unknown profile "${value}".`, {
    hint: `Use one of: ${PROFILE_NAMES.join(', ')}.`,
    exitCode: ExitCode.usage,
  });
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Reads the settings file: a `basic-memory` rc file found by cosmiconfig, else `<state dir>/config.json`. */
export async function loadSettingsFile(stateDir: string, cwd: string): Promise<Record<string, unknown> | undefined> {
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('basic-memory', { stopDir: cwd });
  try {
    const found = (await explorer.search(cwd)) ?? (await explorer.load(`${stateDir}/config.json`).catch(missingIsUndefined));
    if (!found || found.isEmpty) return undefined;
    if (typeof found.config !== 'object' || found.config === null || Array.isArray(found.config)) {
      throw new CliError(`The settings file ${found.filepath} must hold a JSON object.`, { exitCode: ExitCode.usage });
    }
    return found.config as Record<string, unknown>;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`The settings file could not be read: ${(error as Error).message}`, {
      hint: 'Fix or remove the file and run the command again.',
      exitCode: ExitCode.usage,
      cause: error,
    });
  }
}

function missingIsUndefined(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
