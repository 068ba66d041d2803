import type { CommandDefinition } from '../core/command.js';
import { ExitCode } from '../core/errors.js';
import type { LoginOptions } from './login.js';

export const loginCommand: CommandDefinition<LoginOptions> = {
  path: ['cloud', 'login'],
  description: 'Log in with your browser (OAuth device flow) or store a given token.',
  options: [
    { flags: '--token <jwt>', description: 'store this token instead of logging in with the browser' },
    { flags: '--no-browser', description: 'print the link instead of opening a browser' },
  ],
  examples: ['basic-memory cloud login', 'basic-memory cloud login --no-browser', 'basic-memory cloud login --token "$JWT"'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.auth, ExitCode.interrupted],
  async handler(options, ctx) {
    const { login } = await import('./commands.js');
    return login(options, ctx);
  },
};

export const logoutCommand: CommandDefinition = {
  path: ['cloud', 'logout'],
  description: 'Revoke the login on the server (RFC 7009), then forget it here; it is forgotten even when the server cannot be reached.',
  options: [],
  examples: ['basic-memory cloud logout'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
  async handler(_options, ctx) {
    const { logout } = await import('./commands.js');
    return logout(ctx);
  },
};
