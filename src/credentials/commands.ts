import type { CommandContext, JsonOptions } from '../core/command.js';
import { readTenantState } from '../core/tenant-state.js';
import { confirmDestructive } from '../core/confirm.js';
import { formatCredentialTable, markThisMachine, type CredentialRow } from './table.js';
import { isThisMachineCredential } from './this-machine.js';

/** `cloud credentials list [--json]` */
export async function listCredentials(options: JsonOptions, ctx: CommandContext): Promise<void> {
  const api = await ctx.api();
  const [credentials, state] = await Promise.all([api.listCredentials(), readTenantState(ctx.paths)]);
  const rows = markThisMachine(credentials, state);
  if (options.json) {
    ctx.output.result({ credentials: rows.map(credentialDocument) });
    return;
  }
  if (rows.length === 0) {
    ctx.output.info('Your tenant has no active credentials. `basic-memory cloud setup` creates one for this machine.');
    return;
  }
  ctx.output.print(formatCredentialTable(rows));
  if (rows.some((row) => row.thisMachine)) ctx.output.info('* the credential this machine uses');
}

/** The JSON shape of a listed credential: the API's fields in the camelCase every document uses. */
function credentialDocument(row: CredentialRow) {
  return { id: row.id, accessKey: row.access_key, description: row.description, createdAt: row.created_at, lastUsedAt: row.last_used_at, thisMachine: row.thisMachine };
}

export interface RevokeOptions {
  yes: boolean;
}

/**
 * `cloud credentials revoke ID`: the key stops working at once. This machine's own credential is
 * asked about first (its sync and mount stop with it); `--yes` skips the question.
 */
export async function revokeCredential(id: string, options: RevokeOptions, ctx: CommandContext, ask?: (question: string) => Promise<boolean>): Promise<void> {
  const api = await ctx.api();
  const state = await readTenantState(ctx.paths);
  // Looked up before the revoke: a revoked credential is no longer listed.
  const revoked = state ? (await api.listCredentials()).find((credential) => credential.id === id) : undefined;
  const thisMachine = Boolean(state && revoked && isThisMachineCredential(revoked, state));
  if (state && thisMachine) {
    const confirmed = await confirmDestructive({
      question: `${id} is this machine's credential: its sync and mount stop working until \`basic-memory cloud setup\` runs again. Revoke it?`,
      action: `${id} is this machine's own credential, so revoking it stops this machine's sync and mount`,
      yes: options.yes,
      canPrompt: ctx.canPrompt,
    }, ask);
    if (!confirmed) {
      ctx.output.info('Nothing revoked.');
      if (ctx.output.json) ctx.output.result({ id, revoked: false, thisMachine });
      return;
    }
  }
  await api.revokeCredential(id);
  ctx.output.success(`Revoked credential ${id}: its key no longer works.`);
  if (state && thisMachine) {
    ctx.output.warn(`That was this machine's credential: the rclone remote ${state.remoteName} stops working now.`);
    ctx.output.info('Run `basic-memory cloud setup` to create a new one for this machine.');
  }
  if (ctx.output.json) ctx.output.result({ id, revoked: true, thisMachine });
}
