import { CliError } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';

// Placeholder: replaced by the real command.
export function listCredentials(_o: { json: boolean }, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

export function revokeCredential(_id: string, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

