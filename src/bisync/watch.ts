import fs from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { CHECK_FILENAME } from './args.js';
import { EditDetector, THROTTLE_MS } from './edit-detector.js';
import { compileFilterRules } from './filters.js';
import { progressDetail } from './progress.js';
import { describeReport, exitCodeFor } from './report.js';
import { syncOnce, type SyncDeps, type SyncRequest, type SyncTarget } from './run.js';
import { SyncScheduler } from './scheduler.js';
import { watchStatusLine, type WatchState } from './status-line.js';
import { removeWatchInfo, writeWatchInfo, type BisyncRunRecord } from './state.js';

export interface WatchOptions {
  intervalMs: number;
  debounceMs: number;
  /** See `SchedulerOptions.quickDebounce`. */
  quickDebounce?: { ms: number; upTo: number };
  /** Stops the watch like a first Ctrl-C (the running sync finishes): the service's pause and stop. */
  stop?: AbortSignal | undefined;
  /** Follows the cloud's changes, calling `wake` for each to sync after the debounce (src/bisync/cloud-changes.ts); without it only the interval finds them. */
  cloudChanges?: ((wake: () => void, signal: AbortSignal) => Promise<void>) | undefined;
  /** The storage's host and port, named by the status line when it keeps a run waiting. */
  storage: string;
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
  const edits = new EditDetector();
  let isEcho: (file: string) => boolean = () => false;
  let duringRun: Set<string> | undefined;
  let echoesUntil = 0;
  let firstRun = true;
  // The files edited since the last run started, taken by the next run.
  let edited: Set<string> | undefined;
  const localEdit = (file: string) => {
    output.debug(`local change: ${file}`);
    (edited ??= new Set()).add(file);
    scheduler.localChange(file);
  };
  let state: WatchState = { kind: 'starting' };
  let nextRunAt: Date | undefined;
  let shown = '';
  // On a terminal the line is redrawn when it changes; off one (a log) it is written once per run.
  const render = (runEnded: boolean) => {
    const line = watchStatusLine({ state, nextRunAt, folder: target.localPath, now: new Date(), columns: output.columns });
    if (output.interactive ? line === shown : !runEnded) return;
    output.live(line);
    shown = line;
  };
  // On a terminal a run's counts and bytes show in the status line, as a one-shot run's progress line shows them.
  const syncDeps: SyncDeps = {
    ...deps,
    progress: output.interactive
      ? (stats, elapsedMs) => {
          if (state.kind !== 'syncing') return;
          state = { ...state, progress: progressDetail({ stats, elapsedMs, storage: options.storage }) };
          render(false);
        }
      : undefined,
  };
  const failed = (headline: string, warning: string, key: string) => {
    state = { kind: 'failing', since: state.kind === 'failing' ? state.since : new Date(), headline };
    // Said once per watch: the status line keeps telling it at every retry.
    output.warnOnce(`watch: ${key}`, warning);
  };

  const scheduler: SyncScheduler = new SyncScheduler({
    debounceMs: options.debounceMs,
    ...(options.quickDebounce ? { quickDebounce: options.quickDebounce } : {}),
    intervalMs: options.intervalMs,
    backoffMs: 5_000,
    maxBackoffMs: Math.max(options.intervalMs, 5 * 60_000),
    onScheduled: (dueInMs) => {
      nextRunAt = new Date(Date.now() + dueInMs);
      render(false);
    },
    run: async () => {
      const watchedEdit = edited && { files: [...edited] };
      edited = undefined;
      // What this run syncs is what the edited files hold now: an event that still shows it is no new edit.
      await edits.refresh(target.localPath);
      if (state.kind !== 'failing') state = { kind: 'syncing', since: new Date() };
      nextRunAt = undefined;
      render(false);
      const seenDuringRun = new Set<string>();
      duringRun = seenDuringRun;
      try {
        // --resync applies to the first run only; later ones rebuild the baseline only when needed.
        const report = await syncOnce(syncDeps, target, { ...request, baseline: request.baseline && firstRun, watchedEdit });
        firstRun = false;
        const lines = describeReport(report, { dryRun: false, maxDeletePercent: request.profile.maxDeletePercent, inWatch: true });
        for (const note of report.notes) output.info(note);
        isEcho = echoesOf(report.record);
        echoesUntil = Date.now() + ECHO_WINDOW_MS;
        if (lines.ok) {
          state = { kind: 'synced', at: new Date(), headline: lines.headline };
          for (const line of lines.conflicts) output.warn(line);
        } else {
          failed(lines.headline, `${lines.headline}${lines.hint ? ` ${lines.hint}` : ''}`, report.outcome.kind === 'safety-stop' ? 'safety-stop' : lines.headline);
        }
        return exitCodeFor(report) === ExitCode.ok;
      } catch (error) {
        failed((error as Error).message, (error as Error).message, (error as Error).message);
        return false;
      } finally {
        render(true);
        duringRun = undefined;
        // An edit made while rclone ran needs one more run; rclone's own downloads do not.
        for (const file of [...seenDuringRun].filter((seen) => !isEcho(seen))) localEdit(file);
        // The net's last links and unlinks end just before: a save within chokidar's throttle after them has no event.
        setTimeout(() => void edits.changedUnreported(target.localPath).then((changed) => changed.forEach((file) => localEdit(file)), () => undefined), THROTTLE_MS * 2);
      }
    },
  });

  const { watch } = await import('chokidar');
  // The first scan's files (with their stats) seed the detector instead of being reported.
  const watcher = watch(target.localPath, { ignoreInitial: false, alwaysStat: true, ignored, persistent: true });
  let scanned = false;
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => {
    scanned = true;
    resolve();
  }));
  watcher.on('all', (event, file, stats) => {
    const relative = path.relative(target.localPath, file).split(path.sep).join('/');
    if (!scanned) return edits.seed(relative, stats);
    if (!edits.isEdit(event, relative, stats)) return;
    if (duringRun) duringRun.add(relative);
    else if (Date.now() >= echoesUntil || !isEcho(relative)) localEdit(relative);
  });
  watcher.on('error', (error) => output.debug(`watcher: ${String(error)}`));

  await writeWatchInfo(deps.paths, target.tenantId, { pid: process.pid, localPath: target.localPath, startedAt: new Date().toISOString() });
  const feed = new AbortController();
  const following = options.cloudChanges?.(() => scheduler.localChange(), feed.signal);
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
    feed.abort();
    await following;
    await watcher.close();
    await removeWatchInfo(deps.paths, target.tenantId);
  }
  output.info('Watch stopped.');
  return ExitCode.interrupted;
}
