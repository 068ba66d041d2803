import { claimInterrupts } from '../core/interrupt.js';
import { runBisync } from '../bisync/commands.js';
import type { CommandContext } from '../core/command.js';
import { sleep } from '../core/process.js';
import { requireTenantState } from '../core/tenant-state.js';
import { runCommand } from '../mount/platform.js';
import { DEFAULT_DAEMON_OPTIONS, runDaemon } from './daemon.js';
import { RotatingLog, serviceOutput } from './log.js';
import { desktopNotifier } from './notifier.js';
import { serviceFiles } from './state.js';

/**
 * `bisync-service run`: the daemon around `cloud bisync --watch` with every guard of `runBisync`
 * (rclone version, mounted folder, our lock), its output going to the service's rotating log.
 */
export async function runService(ctx: CommandContext) {
  const files = serviceFiles(ctx.paths.dir);
  const clock = () => new Date();
  const log = new RotatingLog(files.log);
  const watchCtx: CommandContext = { ...ctx, output: serviceOutput(log, clock, ctx.output.verbose), canPrompt: false };
  const tenant = await requireTenantState(ctx.paths);
  const intervalSeconds = ctx.settings.watchIntervalSeconds;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const release = claimInterrupts();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await runDaemon(
      { ...DEFAULT_DAEMON_OPTIONS, intervalMs: intervalSeconds * 1000 },
      {
        watch: (signal, onCloudChanges) => runBisync({ watch: true, dryRun: false, resync: false, json: false, intervalSeconds, stop: signal, onCloudChanges }, watchCtx),
        files,
        bisyncStateFile: ctx.paths.bisyncState(tenant.tenantId),
        notifier: desktopNotifier(ctx.platform, runCommand),
        log,
        clock,
        sleep,
        stop: stop.signal,
        pid: process.pid,
      },
    );
  } finally {
    release();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
