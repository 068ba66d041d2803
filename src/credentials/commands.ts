import type { CommandContext, JsonOptions } from '../core/command.js';
import { readTenantState } from '../core/tenant-state.js';
import { formatCredentialTable, markThisMachine } from './table.js';
import { isThisMachineCredential } from './this-machine.js';

/** `cloud credentials list [--json]` */
export async function listCredentials(options: JsonOptions, ctx: CommandContext): Promise<void> {
  const api = await ctx.api();
  const [credentials, state] = await Promise.all([api.listCredentials(), readTenantState(ctx.paths)]);
  const rows = markThisMachine(credentials, state);
  if (options.json) {
    ctx.output.result({ credentials: rows });
    return;
  }
  if (rows.length === 0) {
    ctx.output.info('Your tenant has no active credentials. `basic-memory cloud setup` creates one for this machine.');
    return;
  }
  ctx.output.print(formatCredentialTable(rows));
  if (rows.some((row) => row.thisMachine)) ctx.output.info('* the credential this machine uses');
}

/** `cloud credentials revoke ID`: the key stops working at once. */
export async function revokeCredential(id: string, ctx: CommandContext): Promise<void> {
  const api = await ctx.api();
  const state = await readTenantState(ctx.paths);
  // Looked up before the revoke: a revoked credential is no longer listed.
  const revoked = state ? (await api.listCredentials()).find((credential) => credential.id === id) : undefined;
  await api.revokeCredential(id);
  ctx.output.success(`Revoked credential ${id}: its key no longer works.`);
  if (state && revoked && isThisMachineCredential(revoked, state)) {
    ctx.output.warn(`That was this machine's credential: the rclone remote ${state.remoteName} stops working now.`);
    ctx.output.info('Run `basic-memory cloud setup` to create a new one for this machine.');
  }
}
