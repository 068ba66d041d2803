import fs from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { compileFilterRules } from './filters.js';
import { describeReport, exitCodeFor } from './report.js';
import { syncOnce, type SyncDeps, type SyncRequest, type SyncTarget } from './run.js';
import { SyncScheduler } from './scheduler.js';
import { removeWatchInfo, writeWatchInfo } from './state.js';

export interface WatchOptions {
  intervalMs: number;
  debounceMs: number;
}

/** After a run, events for the files it wrote itself are echoes, not user edits. */
const ECHO_WINDOW_MS = 2_000;

/**
 * `cloud bisync --watch`: sync on local changes (chokidar, filtered like the sync, debounced) and
 * every interval for the cloud's; one status line; stops cleanly on SIGINT/SIGTERM.
 */
export async function watchAndSync(deps: SyncDeps, target: SyncTarget, request: SyncRequest, options: WatchOptions): Promise<ExitCodeValue> {
  const { output } = deps;
  const excluded = compileFilterRules(await fs.readFile(target.filtersFile, 'utf8'));
  const ignored = (file: string) => {
    const relative = path.relative(target.localPath, file).split(path.sep).join('/');
    if (!relative || relative.startsWith('..')) return false;
    return excluded(relative) || excluded(`${relative}/`);
  };
  let echoes = new Set<string>();
  let echoesUntil = 0;
  let lastLine = 'starting';

  const status = (dueInMs: number) => {
    const next = new Date(Date.now() + dueInMs).toLocaleTimeString();
    output.live(`${lastLine} · next cloud check ${next} · watching ${target.localPath} (Ctrl-C to stop)`);
  };

  const scheduler: SyncScheduler = new SyncScheduler({
    debounceMs: options.debounceMs,
    intervalMs: options.intervalMs,
    backoffMs: 5_000,
    maxBackoffMs: Math.max(options.intervalMs, 5 * 60_000),
    onScheduled: status,
    run: async () => {
      try {
        const report = await syncOnce(deps, target, { ...request, baseline: false });
        const lines = describeReport(report, { dryRun: false, maxDeletePercent: request.profile.maxDeletePercent });
        for (const note of report.notes) output.info(note);
        echoes = new Set([...report.record.changes.toLocal.map((change) => change.path), ...report.record.conflicts.flatMap((conflict) => [conflict.path, ...conflict.copies])]);
        echoesUntil = Date.now() + ECHO_WINDOW_MS;
        const time = new Date().toLocaleTimeString();
        if (lines.ok) {
          lastLine = `${time} ✓ ${lines.headline}`;
          if (report.record.conflicts.length > 0) for (const line of lines.details.filter((detail) => detail.includes('conflict'))) output.warn(line.trim());
        } else {
          lastLine = `${time} ✗ ${lines.headline}`;
          output.warn(`${lines.headline}${lines.hint ? ` ${lines.hint}` : ''}`);
        }
        return exitCodeFor(report) === ExitCode.ok;
      } catch (error) {
        lastLine = `${new Date().toLocaleTimeString()} ✗ ${(error as Error).message}`;
        output.warn(lastLine);
        return false;
      }
    },
  });

  const { watch } = await import('chokidar');
  const watcher = watch(target.localPath, { ignoreInitial: true, ignored, persistent: true });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('all', (_event, file) => {
    const relative = path.relative(target.localPath, file).split(path.sep).join('/');
    if (Date.now() < echoesUntil && echoes.has(relative)) return;
    scheduler.localChange();
  });
  watcher.on('error', (error) => output.debug(`watcher: ${String(error)}`));

  await writeWatchInfo(deps.paths, target.tenantId, { pid: process.pid, localPath: target.localPath, startedAt: new Date().toISOString() });
  const stopped = new Promise<void>((resolve) => deps.interrupts.onStop(resolve));
  try {
    await ready;
    scheduler.runNow();
    await stopped;
    await scheduler.stop();
  } finally {
    await watcher.close();
    await removeWatchInfo(deps.paths, target.tenantId);
  }
  output.info('Watch stopped.');
  return ExitCode.interrupted;
}
