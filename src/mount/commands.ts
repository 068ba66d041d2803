import { CliError } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';

// Placeholder: replaced by the real command.
export function mount(_o: { profile?: string; path?: string }, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

export function unmount(_o: { force: boolean }, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

export function mountStatus(_o: { json: boolean }, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

