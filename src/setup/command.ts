import { CliError } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';
import type { SetupFlags } from '../cli/program.js';

// Placeholder: replaced by the real command.
export function setup(_o: SetupFlags, _c: CommandContext): Promise<void> {
  return Promise.reject(new CliError('Not built yet.'));
}

