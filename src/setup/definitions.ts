import { profileOption, jsonOption, type CommandDefinition } from '../core/command.js';
import { ExitCode } from '../core/errors.js';
import type { SetupOptions } from './command.js';

export const setupCommand: CommandDefinition<SetupOptions> = {
  path: ['cloud', 'setup'],
  description: 'Install rclone, log in, create scoped credentials, write the rclone remote and do the first sync or mount.',
  options: [
    { flags: '--mode <mode>', description: 'bisync (a real local folder) or mount (a live view)', choices: ['bisync', 'mount'], shownDefault: 'bisync, or the mode of the previous setup' },
    profileOption('bisync or mount'),
    { flags: '--path <dir>', description: 'local folder', shownDefault: '~/basic-memory-<tenant>, or the folder of the previous setup' },
    { flags: '-y, --yes', description: 'accept the defaults without asking', default: false },
    { flags: '--skip-install', description: 'do not install or upgrade rclone', default: false },
    { flags: '--service', description: 'install the sync service at the end (bisync mode; asked on a terminal, where yes is the default)' },
    { flags: '--no-service', description: 'do not install the sync service, and do not ask' },
    { flags: '--rclone <source>', description: "package: the system's rclone; official: rclone's newest release in ~/.basic-memory/bin", choices: ['package', 'official'], shownDefault: 'package' },
    jsonOption('print a JSON summary on stdout'),
  ],
  examples: ['basic-memory cloud setup', 'basic-memory cloud setup --mode mount --profile fast', 'basic-memory cloud setup --yes --path ~/notes', 'basic-memory cloud setup --rclone official', 'basic-memory cloud setup --yes --no-service'],
  // The first sync or mount runs inside setup, so setup can end with any of their codes.
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.auth, ExitCode.rcloneUnavailable, ExitCode.safetyStop, ExitCode.needsResync, ExitCode.interrupted],
  async handler(options, ctx) {
    const { setup } = await import('./command.js');
    return setup(options, ctx);
  },
};
