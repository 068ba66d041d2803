import { jsonOption, type CommandDefinition, type JsonOptions } from '../core/command.js';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { ServiceDeps } from './commands.js';

type ServiceHandler<O> = (options: O, deps: ServiceDeps) => Promise<ExitCodeValue>;

function serviceCommand<O extends JsonOptions>(
  word: string,
  description: string,
  pick: (commands: typeof import('./commands.js')) => ServiceHandler<O>,
  extra: Partial<Pick<CommandDefinition<O>, 'options' | 'examples' | 'exitCodes'>> = {},
): CommandDefinition<O> {
  return {
    path: ['cloud', 'bisync-service', word],
    description,
    options: [...(extra.options ?? []), jsonOption()],
    examples: extra.examples ?? [`basic-memory cloud bisync-service ${word}`],
    exitCodes: extra.exitCodes ?? [ExitCode.ok, ExitCode.failed, ExitCode.usage],
    async handler(options, ctx) {
      const [commands, { serviceDeps }] = await Promise.all([import('./commands.js'), import('./deps.js')]);
      return pick(commands)(options, serviceDeps(ctx));
    },
  };
}

export const serviceInstallCommand = serviceCommand('install', 'Install and start the sync as a service of this OS (systemd user unit, launchd agent, Task Scheduler).', (c) => c.installService);
export const serviceUninstallCommand = serviceCommand('uninstall', 'Stop the sync service and remove every file install wrote.', (c) => c.uninstallService);
export const serviceStartCommand = serviceCommand('start', 'Start the installed sync service.', (c) => c.startService);
export const serviceStopCommand = serviceCommand('stop', 'Stop the sync service (it stays installed).', (c) => c.stopService);
export const serviceRestartCommand = serviceCommand('restart', 'Restart the sync service.', (c) => c.restartService);
export const serviceStatusCommand = serviceCommand('status', 'Show whether the sync service runs, is paused, its last sync and last error.', (c) => c.serviceStatus, {
  examples: ['basic-memory cloud bisync-service status', 'basic-memory cloud bisync-service status --json'],
});
export const serviceLogsCommand = serviceCommand<JsonOptions & { lines?: string }>('logs', "Print the last lines of the sync service's log.", (c) => c.serviceLogs, {
  options: [{ flags: '--lines <n>', description: 'how many lines', shownDefault: '50' }],
  examples: ['basic-memory cloud bisync-service logs', 'basic-memory cloud bisync-service logs --lines 200'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
});
export const servicePauseCommand = serviceCommand<JsonOptions & { for?: string }>('pause', 'Pause syncing (the service keeps running) until resume, or for a while.', (c) => c.pauseService, {
  options: [{ flags: '--for <duration>', description: 'resume by itself after this long (e.g. 30m, 2h)' }],
  examples: ['basic-memory cloud bisync-service pause', 'basic-memory cloud bisync-service pause --for 2h'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage],
});
export const serviceResumeCommand = serviceCommand('resume', 'End a pause: the service syncs again within a second.', (c) => c.resumeService);

/** What the service manager starts; hidden from help (see `hidden` in the command table). */
export const serviceRunCommand: CommandDefinition<object> = {
  path: ['cloud', 'bisync-service', 'run'],
  description: 'The sync service process (started by the service manager; not for people).',
  hidden: true,
  options: [],
  examples: ['basic-memory cloud bisync-service run'],
  exitCodes: [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.rcloneUnavailable],
  async handler(_options, ctx) {
    const { runService } = await import('./run.js');
    return runService(ctx);
  },
};
