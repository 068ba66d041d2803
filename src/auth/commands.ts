import type { CommandContext } from '../core/command.js';
import { logIn, type LoginOptions } from './login.js';
import { revokeLogin } from './oauth.js';
import { forgetLoginRecord } from './login-record.js';
import { findStoredLogin } from './session.js';
import { readableStores } from './token-store.js';

/** `cloud login [--token JWT] [--no-browser]` */
export async function login(options: LoginOptions, ctx: CommandContext): Promise<void> {
  const outcome = await logIn(ctx, options);
  if (ctx.output.json) ctx.output.result(outcome);
}

/**
 * `cloud logout`: asks the login server to revoke the tokens (RFC 7009), then forgets the login for
 * this API URL wherever it is stored, whatever the server said; nothing stored is fine.
 */
export async function logout(ctx: CommandContext): Promise<void> {
  const { output, settings } = ctx;
  const found = await findStoredLogin(ctx);
  let revokedOnServer: boolean | null = null;
  if (found) {
    const outcome = await output.step('Revoking the login on the server', () => revokeLogin(found.login, { authUrl: settings.authUrl, clientId: settings.clientId }, output), (result) =>
      result.kind === 'revoked' ? 'The login server revoked your tokens' : 'The tokens were not revoked on the server');
    revokedOnServer = outcome.kind === 'revoked';
    if (outcome.kind === 'not-revoked') output.warn(`Could not revoke the login on the server (${outcome.reason}): its tokens stay valid until they expire; forgetting it here anyway.`);
  }
  const stores = await readableStores({ credentialsFile: ctx.paths.credentials, apiUrl: settings.apiUrl, platform: ctx.platform });
  const cleared = [];
  for (const store of stores) if (await store.clear()) cleared.push(store.describe());
  await forgetLoginRecord(ctx.paths, settings.apiUrl);
  if (cleared.length > 0) output.success(`Logged out of ${settings.apiUrl}: removed the login from ${cleared.join(' and ')}.`);
  else output.info(`Not logged in to ${settings.apiUrl}: nothing to remove.`);
  if (ctx.env.BASIC_MEMORY_TOKEN) output.warn('BASIC_MEMORY_TOKEN is still set in your environment: commands keep using it until you unset it.');
  if (output.json) output.result({ apiUrl: settings.apiUrl, loggedOut: cleared.length > 0, revokedOnServer, envTokenSet: Boolean(ctx.env.BASIC_MEMORY_TOKEN) });
}
