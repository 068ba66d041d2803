import { networkErrorFor } from '../api/http.js';
import type { CliError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { StatePaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { loginExpiredError, notLoggedInError, refreshLogin, tokenFreshness } from './oauth.js';
import { withFileLock } from './refresh-lock.js';
import { readableStores, type StoredLogin, type TokenStore } from './token-store.js';

/** The login an API client uses: where it came from, and a token that is fresh when asked for. */
export interface Session {
  source: 'env' | TokenStore['kind'];
  accessToken(): Promise<string>;
}

/** What finding a login needs: where the stores are, which API URL, and where to say what happened. */
export interface SessionContext {
  env: NodeJS.ProcessEnv;
  settings: Settings;
  paths: StatePaths;
  platform: NodeJS.Platform;
  output: Output;
}

/** A found login and the store that holds it (a rotated refresh token goes back there). */
export interface FoundLogin {
  login: StoredLogin;
  store: TokenStore;
}

export async function findStoredLogin(ctx: SessionContext): Promise<FoundLogin | undefined> {
  const stores = await readableStores({ credentialsFile: ctx.paths.credentials, apiUrl: ctx.settings.apiUrl, platform: ctx.platform });
  for (const store of stores) {
    const login = await store.load();
    if (login) {
      ctx.output.redactor.add(login.accessToken);
      ctx.output.redactor.add(login.refreshToken);
      ctx.output.debug(`Using the login stored in ${store.describe()}.`);
      return { login, store };
    }
  }
  return undefined;
}

/** BASIC_MEMORY_TOKEN wins over any stored login; otherwise the stored one, or exit 3. */
export async function openSession(ctx: SessionContext): Promise<Session> {
  const fromEnv = ctx.env.BASIC_MEMORY_TOKEN?.trim();
  if (fromEnv) {
    ctx.output.redactor.add(fromEnv);
    ctx.output.debug('Using the token from BASIC_MEMORY_TOKEN.');
    return { source: 'env', accessToken: () => Promise.resolve(fromEnv) };
  }
  const found = await findStoredLogin(ctx);
  if (!found) throw await noLoginError(ctx.settings.apiUrl);
  return storedSession(found, ctx.output, { lockFile: ctx.paths.loginRefreshLock });
}

const REACHABLE_TIMEOUT_MS = 5_000;

/**
 * Without a login for this cloud, a cloud that does not answer is the problem to report: a mistyped
 * `--api-url` is "cannot reach", not "log in again" (which would fail the same way).
 */
export async function noLoginError(apiUrl: string, probe: (url: string) => Promise<unknown> = answerOf): Promise<CliError> {
  try {
    await probe(apiUrl);
  } catch (error) {
    return networkErrorFor(error, apiUrl);
  }
  return notLoggedInError(apiUrl);
}

async function answerOf(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REACHABLE_TIMEOUT_MS) });
  await response.body?.cancel();
}

export interface StoredSessionOptions {
  now?: () => number;
  refresh?: typeof refreshLogin;
  /** Shared by every process of this user (see `renewLogin`). */
  lockFile?: string;
}

/**
 * Hands out the stored access token, refreshing it first when it expires within a minute; the
 * rotated tokens are saved at once (the old refresh token is spent). Concurrent callers share one refresh.
 */
export function storedSession(found: FoundLogin, output: Output, options: StoredSessionOptions = {}): Session {
  const now = options.now ?? Date.now;
  let login = found.login;
  let refreshing: Promise<StoredLogin> | undefined;
  return {
    source: found.store.kind,
    async accessToken() {
      const freshness = tokenFreshness(login, now());
      if (freshness === 'expired') throw loginExpiredError();
      if (freshness === 'refresh') {
        refreshing ??= renewLogin(found.store, login, output, { ...options, now }).finally(() => {
          refreshing = undefined;
        });
        login = await refreshing;
      }
      return login.accessToken;
    },
  };
}

/**
 * Long-lived processes (the sync service, a mount's companion, a watch) hold the login in memory
 * while other commands renew it: the refresh token this process holds may be spent already, and the
 * server answers a spent one by revoking the whole login. So the renewal runs under a lock shared by
 * every process and starts from what the store holds now, taking it as it is when it is still fresh.
 */
async function renewLogin(store: TokenStore, held: StoredLogin, output: Output, options: StoredSessionOptions & { now: () => number }): Promise<StoredLogin> {
  const renew = async () => {
    const stored = await store.load();
    const latest = stored && stored.refreshToken !== held.refreshToken ? stored : held;
    output.redactor.add(latest.accessToken);
    output.redactor.add(latest.refreshToken);
    if (latest !== held && tokenFreshness(latest, options.now()) === 'fresh') {
      output.debug(`Using the login another process renewed (${store.describe()}).`);
      return latest;
    }
    const renewed = await (options.refresh ?? refreshLogin)(latest, output, options.now);
    await store.save(renewed);
    output.debug(`Renewed the access token (saved in ${store.describe()}).`);
    return renewed;
  };
  return options.lockFile ? await withFileLock(options.lockFile, renew) : await renew();
}
