import { loginCommand, logoutCommand } from '../auth/definitions.js';
import { bisyncCommand, bisyncStatusCommand } from '../bisync/definitions.js';
import type { CommandDefinition } from '../core/command.js';
import { listCredentialsCommand, revokeCredentialCommand } from '../credentials/definitions.js';
import { doctorCommand } from '../doctor/definitions.js';
import { mountCommand, mountCompanionCommand, mountStatusCommand, unmountCommand } from '../mount/definitions.js';
import { serviceInstallCommand, serviceLogsCommand, servicePauseCommand, serviceRestartCommand, serviceResumeCommand, serviceRunCommand, serviceStartCommand, serviceStatusCommand, serviceStopCommand, serviceUninstallCommand } from '../service/definitions.js';
import { setupCommand } from '../setup/definitions.js';

/** Every command a user can type, in the order `--help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [
  loginCommand,
  logoutCommand,
  setupCommand,
  mountCommand,
  unmountCommand,
  mountStatusCommand,
  mountCompanionCommand,
  bisyncCommand,
  bisyncStatusCommand,
  serviceInstallCommand,
  serviceUninstallCommand,
  serviceStartCommand,
  serviceStopCommand,
  serviceRestartCommand,
  serviceStatusCommand,
  serviceLogsCommand,
  servicePauseCommand,
  serviceResumeCommand,
  serviceRunCommand,
  listCredentialsCommand,
  revokeCredentialCommand,
  doctorCommand,
];

/** Words that only group commands: `cloud`, `cloud credentials`. */
export interface CommandGroup {
  path: readonly string[];
  description: string;
  /** Shown after the group's own help. */
  helpText?: string;
}

export const GROUPS: readonly CommandGroup[] = [
  {
    path: ['cloud'],
    description: 'Your Basic Memory cloud notes as a local folder: two-way sync (bisync) or a live mount.',
    helpText: `Start here:
  $ basic-memory cloud setup            log in, install rclone, configure and sync ~/basic-memory-<tenant>
  $ basic-memory cloud bisync --watch   keep the folder and the cloud in sync
  $ basic-memory cloud doctor           check everything and say what to fix`,
  },
  { path: ['cloud', 'credentials'], description: 'List or revoke the bucket credentials of your tenant.' },
  { path: ['cloud', 'bisync-service'], description: 'Run the sync as a service of this OS: starts at login, restarts after a crash, can be paused.' },
];
