import { CliError } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';
import type { BisyncFlags } from '../cli/program.js';

// Placeholder: replaced by the real command.
export function bisync(_o: BisyncFlags, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

export function bisyncStatus(_o: { json: boolean }, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

