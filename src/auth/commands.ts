import type { CommandContext } from '../cli/context.js';
import { logIn, type LoginOptions } from './login.js';
import { readableStores } from './token-store.js';

/** `cloud login [--token JWT] [--no-browser]` */
export async function login(options: LoginOptions, ctx: CommandContext): Promise<void> {
  await logIn(ctx, options);
}

/** `cloud logout`: forgets the login for this API URL wherever it is stored; nothing stored is fine. */
export async function logout(ctx: CommandContext): Promise<void> {
  const { output, settings } = ctx;
  const stores = await readableStores({ credentialsFile: ctx.paths.credentials, apiUrl: settings.apiUrl, platform: ctx.platform });
  const cleared = [];
  for (const store of stores) if (await store.clear()) cleared.push(store.describe());
  if (cleared.length > 0) output.success(`Logged out of ${settings.apiUrl}: removed the login from ${cleared.join(' and ')}.`);
  else output.info(`Not logged in to ${settings.apiUrl}: nothing to remove.`);
  if (ctx.env.BASIC_MEMORY_TOKEN) output.warn('BASIC_MEMORY_TOKEN is still set in your environment: commands keep using it until you unset it.');
}
