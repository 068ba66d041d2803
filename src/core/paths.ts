import path from 'node:path';

/** Where the CLI keeps its state (README, "Files and settings"). */
export function resolveStateDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const override = env.BASIC_MEMORY_CONFIG_DIR?.trim();
  return override ? path.resolve(override) : path.join(homeDir, '.basic-memory');
}

export function remoteNameFor(tenantId: string): string {
  return `basic-memory-${tenantId}`;
}

export function defaultLocalPath(homeDir: string, tenantId: string): string {
  return path.join(homeDir, `basic-memory-${tenantId}`);
}

/** Every file the CLI owns in its state dir, in one place so no module invents its own. */
export interface StatePaths {
  dir: string;
  settings: string;
  credentials: string;
  tenant: string;
  /** Which cloud the last `cloud login` was to (the token itself is in the keychain or credentials.json). */
  login: string;
  /** Held while a process renews the login, so two processes never spend one refresh token. */
  loginRefreshLock: string;
  bisyncFilters: string;
  /** Per-tenant rclone bisync workdir (listings, lock, filters md5). */
  bisyncWorkdir: (tenantId: string) => string;
  bisyncState: (tenantId: string) => string;
  bisyncLock: (tenantId: string) => string;
  watchPid: (tenantId: string) => string;
  mountState: (tenantId: string) => string;
  mountLog: (tenantId: string) => string;
  mountCacheDir: (tenantId: string) => string;
  /** `rclone version`'s answer, keyed by the binary's path, size and mtime. */
  rcloneVersionCache: string;
}

export function statePaths(dir: string): StatePaths {
  const perTenant = (name: string) => (tenantId: string) => path.join(dir, `${name}-${tenantId}`);
  return {
    dir,
    settings: path.join(dir, 'config.json'),
    credentials: path.join(dir, 'credentials.json'),
    tenant: path.join(dir, 'tenant.json'),
    login: path.join(dir, 'login.json'),
    loginRefreshLock: path.join(dir, 'login-refresh.lock'),
    bisyncFilters: path.join(dir, 'bisync-filters.txt'),
    bisyncWorkdir: (tenantId) => path.join(dir, 'bisync', tenantId),
    bisyncState: (tenantId) => `${perTenant('bisync-state')(tenantId)}.json`,
    bisyncLock: (tenantId) => `${perTenant('bisync')(tenantId)}.lock`,
    watchPid: (tenantId) => `${perTenant('bisync-watch')(tenantId)}.pid`,
    mountState: (tenantId) => `${perTenant('mount')(tenantId)}.json`,
    mountLog: (tenantId) => `${perTenant('mount')(tenantId)}.log`,
    mountCacheDir: (tenantId) => path.join(dir, 'cache', `mount-${tenantId}`),
    rcloneVersionCache: path.join(dir, 'cache', 'rclone-version.json'),
  };
}
