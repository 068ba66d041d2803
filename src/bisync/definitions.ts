import { jsonOption, profileOption, type CommandDefinition, type JsonOptions } from '../core/command.js';
import { ExitCode } from '../core/errors.js';
import type { BisyncOptions } from './commands.js';

export const bisyncCommand: CommandDefinition<BisyncOptions> = {
  path: ['cloud', 'bisync'],
  description: 'Two-way sync between the local folder and the cloud with the profile\'s safety limits.',
  options: [
    profileOption('bisync'),
    { flags: '--dry-run', description: 'show what would change each way and change nothing', default: false },
    { flags: '--resync', description: 'rebuild the sync baseline (keeps every file; newer copies win)', default: false },
    { flags: '--watch', description: 'keep running: sync on local changes and every interval', default: false },
    { flags: '--interval <duration>', description: 'with --watch: how often to check the cloud (e.g. 30s, 5m)', shownDefault: '60s, or the watchInterval setting' },
    { flags: '--path <dir>', description: 'local folder', shownDefault: 'the folder chosen at setup' },
    jsonOption('print the run result as JSON on stdout'),
  ],
  examples: ['basic-memory cloud bisync', 'basic-memory cloud bisync --dry-run', 'basic-memory cloud bisync --watch --interval 30s', 'basic-memory cloud bisync --profile safe'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.rcloneUnavailable, ExitCode.safetyStop, ExitCode.needsResync, ExitCode.interrupted],
  async handler(options, ctx) {
    const { bisync } = await import('./commands.js');
    return bisync(options, ctx);
  },
};

export const bisyncStatusCommand: CommandDefinition<JsonOptions> = {
  path: ['cloud', 'bisync-status'],
  description: 'Show the last sync: when, result, changes each way, conflicts, and whether a watch runs.',
  options: [jsonOption()],
  examples: ['basic-memory cloud bisync-status', 'basic-memory cloud bisync-status --json'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
  async handler(options, ctx) {
    const { bisyncStatus } = await import('./commands.js');
    return bisyncStatus(options, ctx);
  },
};
