import { CliError } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';
import type { ApiClient } from './types.js';

// Placeholder until the API client lands (issue 3).
export function createApiClient(_ctx: Omit<CommandContext, 'api'>): Promise<ApiClient> {
  return Promise.reject(new CliError('The cloud API client is not built yet.'));
}
