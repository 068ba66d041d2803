import type { CommandContext } from '../core/command.js';
import { apiClientFor } from '../api/client.js';
import { sleep } from '../core/process.js';
import { openBrowser } from './browser.js';
import { loginCancelledError, pollForTokens } from './device-flow.js';
import { discoverAuthServer, loginFromTokens, requestDeviceAuthorization, requestToken } from './oauth.js';
import { writeLoginRecord } from './login-record.js';
import { findStoredLogin, noLoginError } from './session.js';
import { chooseTokenStores, type StoredLogin, type TokenStoreKind } from './token-store.js';

export interface LoginOptions {
  token?: string;
  browser: boolean;
}

/** What a login did, for `--json`. */
export interface LoginOutcome {
  apiUrl: string;
  tenantId: string;
  bucketName: string;
  loginStore: TokenStoreKind;
}

/**
 * Logs in (device flow, or the given token), checks the token against the cloud before keeping it,
 * then saves it in the keychain or the 0600 file and says which.
 */
export async function logIn(ctx: CommandContext, options: LoginOptions): Promise<LoginOutcome> {
  const { output, settings } = ctx;
  const login = options.token
    ? loginFromTokens({ access_token: options.token.trim() }, { apiUrl: settings.apiUrl }, Date.now())
    : await deviceLogin(ctx, options.browser);
  output.redactor.add(login.accessToken);
  output.redactor.add(login.refreshToken);

  const client = apiClientFor({ baseUrl: settings.apiUrl, accessToken: () => Promise.resolve(login.accessToken), output });
  const info = await output.step('Checking the login with the cloud', () => client.getMountInfo(), (found) => `Logged in to tenant ${found.tenant_id} (bucket ${found.bucket_name})`);
  const loginStore = await saveLogin(ctx, login);
  await writeLoginRecord(ctx.paths, { apiUrl: settings.apiUrl, tenantId: info.tenant_id, loggedInAt: new Date().toISOString() });
  return { apiUrl: settings.apiUrl, tenantId: info.tenant_id, bucketName: info.bucket_name, loginStore };
}

async function saveLogin(ctx: CommandContext, login: StoredLogin): Promise<TokenStoreKind> {
  const stores = await chooseTokenStores({ credentialsFile: ctx.paths.credentials, apiUrl: ctx.settings.apiUrl, platform: ctx.platform });
  await stores.preferred.save(login);
  // One copy only: an older login left in the other store would outlive `logout` of this one.
  for (const other of stores.all) if (other.kind !== stores.preferred.kind) await other.clear();
  ctx.output.info(stores.reason
    ? `Login stored in ${stores.preferred.describe()}, because ${stores.reason}.`
    : `Login stored in ${stores.preferred.describe()}.`);
  if (ctx.env.BASIC_MEMORY_TOKEN) ctx.output.warn('BASIC_MEMORY_TOKEN is set: it takes precedence over the stored login until you unset it.');
  return stores.preferred.kind;
}

/** RFC 8628 against the endpoints the auth server's RFC 8414 metadata names. */
async function deviceLogin(ctx: CommandContext, openTheBrowser: boolean): Promise<StoredLogin> {
  const { output, settings } = ctx;
  const metadata = await discoverAuthServer(settings.authUrl, output);
  const authorization = await requestDeviceAuthorization(metadata, settings.clientId, output);
  output.info(`To log in, open ${authorization.verification_uri} and enter the code: ${authorization.user_code}`);
  if (authorization.verification_uri_complete) output.info(`(or open ${authorization.verification_uri_complete} with the code filled in)`);
  if (openTheBrowser) await openBrowser(ctx.platform, authorization.verification_uri_complete ?? authorization.verification_uri, output);

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const tokens = await output.step('Waiting for approval in the browser (Ctrl-C to cancel)', () =>
      pollForTokens(authorization, settings.clientId, {
        requestToken: (form) => requestToken(metadata.token_endpoint, form, output),
        sleep,
        now: Date.now,
        signal: controller.signal,
      }), () => 'Approved in the browser');
    return loginFromTokens(tokens, { apiUrl: settings.apiUrl, tokenEndpoint: metadata.token_endpoint, clientId: settings.clientId }, Date.now());
  } catch (error) {
    throw controller.signal.aborted ? loginCancelledError() : error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * For `cloud setup`: a token from the environment or the store is enough; without one, log in now
 * on a terminal, or stop with exit 3 and the command to run.
 */
export async function ensureLoggedIn(ctx: CommandContext): Promise<void> {
  if (ctx.env.BASIC_MEMORY_TOKEN?.trim()) return;
  if (await findStoredLogin(ctx)) return;
  if (!ctx.canPrompt) throw await noLoginError(ctx.settings.apiUrl);
  ctx.output.info('You are not logged in yet: starting the browser login.');
  await logIn(ctx, { browser: true });
}
