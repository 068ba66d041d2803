import type { CommandDefinition } from '../core/command.js';
import { ExitCode } from '../core/errors.js';

export const statusCommand: CommandDefinition = {
  path: ['cloud', 'status'],
  aliases: ['whoami'],
  description: 'Show the cloud in use, your login, the tenant, the mode and folder, the last sync and what is running.',
  options: [],
  examples: ['basic-memory cloud status', 'basic-memory cloud whoami --json'],
  // A report: what it finds is not a failure; 1 only when the state dir cannot be read.
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
  async handler(_options, ctx) {
    const { status } = await import('./command.js');
    return status(ctx);
  },
};
