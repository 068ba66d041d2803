import fs from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { CHECK_FILENAME } from './args.js';
import { compileFilterRules } from './filters.js';
import { describeReport, exitCodeFor } from './report.js';
import { syncOnce, type SyncDeps, type SyncRequest, type SyncTarget } from './run.js';
import { SyncScheduler } from './scheduler.js';
import { removeWatchInfo, writeWatchInfo, type BisyncRunRecord } from './state.js';

export interface WatchOptions {
  intervalMs: number;
  debounceMs: number;
  /** See `SchedulerOptions.quickDebounce`. */
  quickDebounce?: { ms: number; upTo: number };
  /** Stops the watch like a first Ctrl-C (the running sync finishes): the service's pause and stop. */
  stop?: AbortSignal | undefined;
}

/** Events for the files a run wrote itself are echoes, not user edits; some arrive just after it. */
const ECHO_WINDOW_MS = 2_000;

/**
 * Pure: the folder paths a run itself wrote (downloads, deletions, conflict copies and renames, the
 * check file, and the folders they created), whose file events are not user edits.
 */
export function echoesOf(run: Pick<BisyncRunRecord, 'changes' | 'conflicts'>): (file: string) => boolean {
  const written = new Set<string>([CHECK_FILENAME]);
  for (const file of [...run.changes.toLocal.map((change) => change.path), ...run.conflicts.flatMap((conflict) => conflict.copies)]) {
    const parts = file.split('/');
    for (let depth = 1; depth <= parts.length; depth += 1) written.add(parts.slice(0, depth).join('/'));
  }
  const conflicted = run.conflicts.map((conflict) => conflict.path);
  return (file) => written.has(file) || conflicted.some((name) => file.startsWith(name));
}

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
  let isEcho: (file: string) => boolean = () => false;
  let duringRun: Set<string> | undefined;
  let echoesUntil = 0;
  let lastLine = 'starting';
  let firstRun = true;

  const status = (dueInMs: number) => {
    const next = new Date(Date.now() + dueInMs).toLocaleTimeString();
    output.live(`${lastLine} · next cloud check ${next} · watching ${target.localPath} (Ctrl-C to stop)`);
  };

  const scheduler: SyncScheduler = new SyncScheduler({
    debounceMs: options.debounceMs,
    ...(options.quickDebounce ? { quickDebounce: options.quickDebounce } : {}),
    intervalMs: options.intervalMs,
    backoffMs: 5_000,
    maxBackoffMs: Math.max(options.intervalMs, 5 * 60_000),
    onScheduled: status,
    run: async () => {
      const seenDuringRun = new Set<string>();
      duringRun = seenDuringRun;
      try {
        // --resync applies to the first run only; later ones rebuild the baseline only when needed.
        const report = await syncOnce(deps, target, { ...request, baseline: request.baseline && firstRun });
        firstRun = false;
        const lines = describeReport(report, { dryRun: false, maxDeletePercent: request.profile.maxDeletePercent });
        for (const note of report.notes) output.info(note);
        isEcho = echoesOf(report.record);
        echoesUntil = Date.now() + ECHO_WINDOW_MS;
        const time = new Date().toLocaleTimeString();
        if (lines.ok) {
          lastLine = `${time} ✓ ${lines.headline}`;
          for (const line of lines.conflicts) output.warn(line);
        } else {
          lastLine = `${time} ✗ ${lines.headline}`;
          output.warn(`${lines.headline}${lines.hint ? ` ${lines.hint}` : ''}`);
        }
        return exitCodeFor(report) === ExitCode.ok;
      } catch (error) {
        lastLine = `${new Date().toLocaleTimeString()} ✗ ${(error as Error).message}`;
        output.warn(lastLine);
        return false;
      } finally {
        duringRun = undefined;
        // An edit made while rclone ran needs one more run; rclone's own downloads do not.
        if ([...seenDuringRun].some((file) => !isEcho(file))) scheduler.localChange();
      }
    },
  });

  const { watch } = await import('chokidar');
  const watcher = watch(target.localPath, { ignoreInitial: true, ignored, persistent: true });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('all', (_event, file) => {
    const relative = path.relative(target.localPath, file).split(path.sep).join('/');
    if (duringRun) duringRun.add(relative);
    else if (Date.now() >= echoesUntil || !isEcho(relative)) scheduler.localChange(relative);
  });
  watcher.on('error', (error) => output.debug(`watcher: ${String(error)}`));

  await writeWatchInfo(deps.paths, target.tenantId, { pid: process.pid, localPath: target.localPath, startedAt: new Date().toISOString() });
  const stopped = new Promise<void>((resolve) => {
    deps.interrupts.onStop(resolve);
    if (options.stop?.aborted) resolve();
    else options.stop?.addEventListener('abort', () => resolve(), { once: true });
  });
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
