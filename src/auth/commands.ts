import { CliError } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';

// Placeholder: replaced by the real command.
export function login(_o: { token?: string; browser: boolean }, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

export function logout(_c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

