import type { ExitCodeValue } from '../core/errors.js';
import { ExitCode } from '../core/errors.js';
import { readJsonFile } from '../core/atomic-file.js';
import type { CloudChangesMode } from '../bisync/cloud-changes.js';
import type { BisyncRunRecord, BisyncStateFile } from '../bisync/state.js';
import { mayNotify, notificationsFor, type Notification, type Notifier } from './notifier.js';
import { isPaused, readHealth, readPause, writeHealth, type ServiceFiles, type ServiceHealth } from './state.js';

/**
 * The watch loop the service wraps (`watchAndSync` of src/bisync/watch.ts, bound to its target):
 * it runs until `signal` aborts, then lets the running sync finish and resolves.
 */
export type ServiceWatch = (signal: AbortSignal, onCloudChanges: (mode: CloudChangesMode) => void) => Promise<ExitCodeValue>;

export interface ServiceLog {
  line(now: Date, text: string): void;
}

export interface DaemonDeps {
  watch: ServiceWatch;
  files: ServiceFiles;
  /** The tenant's bisync state file: every finished run is recorded there. */
  bisyncStateFile: string;
  notifier: Notifier;
  log: ServiceLog;
  clock: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborted by SIGTERM/SIGINT (the service manager stopping us). */
  stop: AbortSignal;
  pid: number;
}

export interface DaemonOptions {
  /** The watch's cloud check interval: the next run is due this long after the last one. */
  intervalMs: number;
  /** How often the pause file and the runs are looked at. */
  pollMs: number;
  /** Wait before starting a watch again after it ended by itself; doubles, up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_DAEMON_OPTIONS: Omit<DaemonOptions, 'intervalMs'> = { pollMs: 1_000, retryMs: 5_000, maxRetryMs: 5 * 60_000 };

/** Pure: the health after a finished run (notifications are decided separately). */
export function healthAfterRun(health: ServiceHealth, run: BisyncRunRecord, intervalMs: number): ServiceHealth {
  const ok = run.result === 'ok';
  return {
    ...health,
    state: ok ? 'watching' : 'failing',
    updatedAt: run.finishedAt,
    lastSyncAt: ok ? run.finishedAt : health.lastSyncAt,
    lastError: ok ? health.lastError : { at: run.finishedAt, message: run.detail ?? run.result },
    consecutiveFailures: ok ? 0 : health.consecutiveFailures + 1,
    nextRunAt: new Date(Date.parse(run.finishedAt) + intervalMs).toISOString(),
  };
}

/**
 * `basic-memory cloud bisync-service run`, the process the service manager starts: the watch loop,
 * stopped while paused and started again on resume (a paused service keeps running and syncs
 * nothing), restarted with backoff if it ends by itself, and every run reported into the health
 * file, the log and (rate-limited) desktop notifications. Exits 0 on SIGTERM so a stopped service
 * is not restarted.
 */
export async function runDaemon(options: DaemonOptions, deps: DaemonDeps): Promise<ExitCodeValue> {
  const { clock, log, files } = deps;
  const startedAt = clock().toISOString();
  // What a previous start knew still holds, the notification times too: a crash loop must not
  // notify once per restart.
  const previous = await readHealth(files);
  let health: ServiceHealth = {
    state: 'starting',
    pid: deps.pid,
    startedAt,
    updatedAt: startedAt,
    lastSyncAt: previous?.lastSyncAt ?? null,
    lastError: previous?.lastError ?? null,
    consecutiveFailures: previous?.consecutiveFailures ?? 0,
    nextRunAt: null,
    pausedUntil: null,
    notifiedAt: previous?.notifiedAt ?? {},
  };
  const save = async (change: Partial<ServiceHealth>) => {
    health = { ...health, ...change, updatedAt: clock().toISOString() };
    await writeHealth(files, health);
  };
  const readLastRun = async () => (await readJsonFile<BisyncStateFile>(deps.bisyncStateFile).catch(() => undefined))?.lastRun;
  // Runs from before this start were reported (or not) by whoever ran them.
  let seenRun = (await readLastRun())?.finishedAt;

  const observeRuns = async () => {
    const run = await readLastRun();
    if (!run || run.finishedAt === seenRun) return;
    seenRun = run.finishedAt;
    health = healthAfterRun(health, run, options.intervalMs);
    log.line(clock(), run.result === 'ok' ? `sync ok: ${run.changes.toCloud.length} to the cloud, ${run.changes.toLocal.length} to this folder, ${run.conflicts.length} conflicts` : `sync ${run.result}: ${run.detail ?? ''}`);
    await notify(notificationsFor(run, health.consecutiveFailures));
    await writeHealth(files, health);
  };

  const notify = async (notifications: Notification[]) => {
    for (const notification of notifications) {
      if (!mayNotify(health.notifiedAt[notification.kind], clock())) continue;
      health = { ...health, notifiedAt: { ...health.notifiedAt, [notification.kind]: clock().toISOString() } };
      log.line(clock(), `notified: ${notification.title}`);
      await deps.notifier.notify(notification);
    }
  };

  const pausedNow = async () => {
    const pause = await readPause(files);
    return isPaused(pause, clock()) ? pause : undefined;
  };

  log.line(clock(), `service started (pid ${deps.pid})`);
  let restarts = 0;
  while (!deps.stop.aborted) {
    const pause = await pausedNow();
    if (pause) {
      // Written on a change only: a long pause must not rewrite the file every second.
      if (health.state !== 'paused' || health.pausedUntil !== pause.until) {
        log.line(clock(), `paused${pause.until ? ` until ${pause.until}` : ' until resumed'}`);
        await save({ state: 'paused', pausedUntil: pause.until, nextRunAt: null, cloudChanges: null });
      }
      await deps.sleep(options.pollMs, deps.stop);
      continue;
    }
    if (health.state === 'paused') log.line(clock(), 'resumed');
    await save({ state: 'watching', pausedUntil: null });

    const controller = new AbortController();
    const stopWatch = () => controller.abort();
    deps.stop.addEventListener('abort', stopWatch, { once: true });
    let ended = false;
    // Written with the next look at the runs (within pollMs), not from inside the watch.
    let cloudChanges: CloudChangesMode | undefined;
    const saveCloudChanges = async () => {
      if (!cloudChanges) return;
      const change = { cloudChanges };
      cloudChanges = undefined;
      await save(change);
    };
    // Resolves to what made the watch end by itself, if it threw.
    const watching = deps.watch(controller.signal, (mode) => (cloudChanges = mode)).then(
      () => undefined,
      (error: unknown) => error,
    ).finally(() => {
      ended = true;
    });
    while (!ended) {
      await Promise.race([watching, deps.sleep(options.pollMs, controller.signal)]);
      await observeRuns();
      await saveCloudChanges();
      if (!controller.signal.aborted && (await pausedNow())) controller.abort();
    }
    deps.stop.removeEventListener('abort', stopWatch);
    const error = await watching;
    await observeRuns();
    if (controller.signal.aborted) {
      restarts = 0;
      continue;
    }
    // The watch ended by itself (it throws on a missing folder or filters file): retry with backoff.
    restarts += 1;
    const message = error instanceof Error ? error.message : 'the watch loop ended unexpectedly';
    log.line(clock(), `watch ended: ${message}; retrying`);
    health = { ...health, consecutiveFailures: health.consecutiveFailures + 1 };
    await notify(notificationsFor({ result: 'failed', conflicts: [], detail: message }, health.consecutiveFailures));
    await save({ state: 'failing', lastError: { at: clock().toISOString(), message } });
    await deps.sleep(Math.min(options.retryMs * 2 ** (restarts - 1), options.maxRetryMs), deps.stop);
  }
  await save({ state: 'stopped', nextRunAt: null, cloudChanges: null });
  log.line(clock(), 'service stopped');
  return ExitCode.ok;
}
