import { jsonOption, type CommandDefinition, type JsonOptions } from '../core/command.js';
import { ExitCode } from '../core/errors.js';

export const doctorCommand: CommandDefinition<JsonOptions> = {
  path: ['cloud', 'doctor'],
  description: 'Check rclone, FUSE/NFS, the API, your login, the remote, filters, locks and the environment; each problem with its fix.',
  options: [jsonOption('print the checks as JSON on stdout')],
  examples: ['basic-memory cloud doctor', 'basic-memory cloud doctor --json'],
  // A failed check is exit 1; a rejected login is a failed check, not exit 3.
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
  async handler(options, ctx) {
    const { doctor } = await import('./command.js');
    return doctor(options, ctx);
  },
};
