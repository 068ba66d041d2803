import { loginCommand, logoutCommand } from '../auth/definitions.js';
import { bisyncCommand, bisyncStatusCommand } from '../bisync/definitions.js';
import { GLOBAL_OPTIONS, type CommandDefinition } from '../core/command.js';
import { CliError, ExitCode } from '../core/errors.js';
import { listCredentialsCommand, revokeCredentialCommand } from '../credentials/definitions.js';
import { doctorCommand } from '../doctor/definitions.js';
import { mountCommand, mountCompanionCommand, mountStatusCommand, unmountCommand } from '../mount/definitions.js';
import { serviceInstallCommand, serviceLogsCommand, servicePauseCommand, serviceRestartCommand, serviceResumeCommand, serviceRunCommand, serviceStartCommand, serviceStatusCommand, serviceStopCommand, serviceUninstallCommand } from '../service/definitions.js';
import { setupCommand } from '../setup/definitions.js';
import { statusCommand } from '../status/definitions.js';
import { completionScript, completionTree, SHELLS, type Shell } from './completion.js';
import { versionCommand } from './version.js';

/** `completion SHELL`: generated from the table above, so a new command or flag completes at once. */
export const completionCommand: CommandDefinition = {
  path: ['completion'],
  description: 'Print the shell completion script for bash, zsh, fish or PowerShell.',
  arguments: [{ name: '<shell>', description: SHELLS.join(', ') }],
  options: [],
  examples: ['source <(basic-memory completion bash)', 'basic-memory completion fish > ~/.config/fish/completions/basic-memory.fish'],
  exitCodes: [ExitCode.ok, ExitCode.usage],
  handler(_options, ctx, [shell = '']) {
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new CliError(`No completion for "${shell}": the shells are ${SHELLS.join(', ')}.`, { hint: 'Run `basic-memory completion bash` (or zsh, fish, powershell).', exitCode: ExitCode.usage });
    }
    const script = completionScript(shell as Shell, completionTree(COMMANDS, GROUPS, { flags: GLOBAL_OPTIONS, rootFlags: ['--help', '--version', '-v'] }));
    if (ctx.output.json) ctx.output.result({ shell, script });
    else ctx.output.print(script);
    return Promise.resolve();
  },
};

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

/** Every command a user can type, in the order `--help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [
  loginCommand,
  logoutCommand,
  statusCommand,
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
  versionCommand,
  completionCommand,
];

