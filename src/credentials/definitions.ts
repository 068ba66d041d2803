import { jsonOption, type CommandDefinition, type JsonOptions } from '../core/command.js';
import { ExitCode } from '../core/errors.js';
import type { RevokeOptions } from './commands.js';

export const listCredentialsCommand: CommandDefinition<JsonOptions> = {
  path: ['cloud', 'credentials', 'list'],
  description: 'List active credentials (never their secrets).',
  options: [jsonOption()],
  examples: ['basic-memory cloud credentials list'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.auth],
  async handler(options, ctx) {
    const { listCredentials } = await import('./commands.js');
    return listCredentials(options, ctx);
  },
};

export const revokeCredentialCommand: CommandDefinition<RevokeOptions> = {
  path: ['cloud', 'credentials', 'revoke'],
  description: 'Revoke a credential: its key stops working at once.',
  arguments: [{ name: '<id>', description: 'credential id, from `credentials list`' }],
  options: [{ flags: '-y, --yes', description: "revoke this machine's own credential without asking", default: false }],
  examples: ['basic-memory cloud credentials revoke 6f1c…', 'basic-memory cloud credentials revoke 6f1c… --yes'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.auth],
  async handler(options, ctx, [id = '']) {
    const { revokeCredential } = await import('./commands.js');
    return revokeCredential(id, options, ctx);
  },
};
