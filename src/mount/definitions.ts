import { jsonOption, profileOption, type CommandDefinition, type JsonOptions } from '../core/command.js';
import { ExitCode } from '../core/errors.js';
import type { MountOptions, UnmountOptions } from './commands.js';

export const mountCommand: CommandDefinition<MountOptions> = {
  path: ['cloud', 'mount'],
  description: 'Mount your bucket as a folder (macOS nfsmount, Linux FUSE, Windows WinFsp).',
  options: [profileOption('mount'), { flags: '--path <dir>', description: 'mount point', shownDefault: 'the folder chosen at setup' }],
  examples: ['basic-memory cloud mount', 'basic-memory cloud mount --profile fast'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.rcloneUnavailable, ExitCode.interrupted],
  async handler(options, ctx) {
    const { mount } = await import('./commands.js');
    return mount(options, ctx);
  },
};

export const unmountCommand: CommandDefinition<UnmountOptions> = {
  path: ['cloud', 'unmount'],
  description: 'Unmount and stop the rclone process. Not mounted is not an error.',
  options: [{ flags: '--force', description: 'lazy/forced unmount even when files are open', default: false }],
  examples: ['basic-memory cloud unmount', 'basic-memory cloud unmount --force'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.rcloneUnavailable],
  async handler(options, ctx) {
    const { unmount } = await import('./commands.js');
    return unmount(options, ctx);
  },
};

export const mountStatusCommand: CommandDefinition<JsonOptions> = {
  path: ['cloud', 'mount-status'],
  description: 'Show whether the bucket is mounted, the rclone process and pending uploads.',
  options: [jsonOption()],
  examples: ['basic-memory cloud mount-status', 'basic-memory cloud mount-status --json'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.rcloneUnavailable],
  async handler(options, ctx) {
    const { mountStatus } = await import('./commands.js');
    return mountStatus(options, ctx);
  },
};

/** What `cloud mount` starts beside rclone; hidden from help (see `hidden` in the command table). */
export const mountCompanionCommand: CommandDefinition<object> = {
  path: ['cloud', 'mount-companion'],
  description: 'The mount\'s companion process: shows cloud changes in the mount at once (started by `cloud mount`; not for people).',
  hidden: true,
  options: [],
  examples: ['basic-memory cloud mount-companion'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
  async handler(_options, ctx) {
    const { mountCompanion } = await import('./commands.js');
    return mountCompanion(ctx);
  },
};
