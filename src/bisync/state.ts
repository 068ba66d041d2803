import fs from 'node:fs/promises';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { StatePaths } from '../core/paths.js';
import { isProcessAlive } from '../core/process.js';
import type { AttemptRecord } from './attempts.js';
import type { CloudChangesMode } from './cloud-changes.js';
import type { BisyncOutcome, Changes, Conflict, SafetyReason } from './outcome.js';

/** One finished run, as `bisync-status` shows it. */
export interface BisyncRunRecord {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  profile: string;
  localPath: string;
  /** `baseline` when rclone ran with --resync; `why` says what made it one. */
  mode: 'sync' | 'baseline';
  why: string | undefined;
  result: BisyncOutcome['kind'] | 'interrupted';
  safetyReasons: SafetyReason[];
  /** On a safety stop: the deletions rclone refused to make, per side. */
  pendingDeletes?: { local: number; cloud: number } | undefined;
  detail: string | undefined;
  changes: Changes;
  conflicts: Conflict[];
  /** Every rclone run, in order, with why it ran (absent from records older CLIs wrote). */
  attempts?: AttemptRecord[];
  /** Both sides were as rclone's last listings have them: rclone did not run (fast-path.ts). */
  nothingToSync?: boolean;
}

export interface BisyncStateFile {
  lastRun?: BisyncRunRecord;
  lastSuccessAt?: string;
  /** The last run stopped on --check-access: the next baseline must be asked for (`--resync`). */
  checkAccessStop?: boolean;
}

export async function readBisyncState(paths: StatePaths, tenantId: string): Promise<BisyncStateFile> {
  return (await readJsonFile<BisyncStateFile>(paths.bisyncState(tenantId))) ?? {};
}

export async function recordRun(paths: StatePaths, tenantId: string, run: BisyncRunRecord): Promise<void> {
  const previous = await readBisyncState(paths, tenantId);
  const stopped = run.safetyReasons.includes('check-access');
  await writeJsonFile(paths.bisyncState(tenantId), {
    lastRun: run,
    lastSuccessAt: run.result === 'ok' ? run.finishedAt : previous.lastSuccessAt,
    checkAccessStop: stopped || (previous.checkAccessStop === true && run.mode !== 'baseline'),
  } satisfies BisyncStateFile);
}

/** `<state dir>/bisync-watch-<tenant>.pid`: read by `cloud mount` to refuse mounting over a watched folder. */
export interface WatchInfo {
  pid: number;
  localPath: string;
  startedAt: string;
  /** Push-driven or polling for cloud changes; absent until the watch knows (and from older CLIs). */
  cloudChanges?: CloudChangesMode;
}

export async function writeWatchInfo(paths: StatePaths, tenantId: string, info: WatchInfo): Promise<void> {
  await writeJsonFile(paths.watchPid(tenantId), info);
}

/** Records how the running watch learns of cloud changes, for `bisync-status`. */
export async function recordWatchMode(paths: StatePaths, tenantId: string, cloudChanges: CloudChangesMode): Promise<void> {
  const info = await readJsonFile<WatchInfo>(paths.watchPid(tenantId)).catch(() => undefined);
  if (info?.pid === process.pid) await writeJsonFile(paths.watchPid(tenantId), { ...info, cloudChanges } satisfies WatchInfo);
}

export async function removeWatchInfo(paths: StatePaths, tenantId: string): Promise<void> {
  await fs.rm(paths.watchPid(tenantId), { force: true });
}

/** The running watch, or undefined when none runs (a file left by a dead process does not count). */
export async function runningWatch(paths: StatePaths, tenantId: string, alive: (pid: number) => boolean = isProcessAlive): Promise<WatchInfo | undefined> {
  const info = await readJsonFile<WatchInfo>(paths.watchPid(tenantId)).catch(() => undefined);
  return info && alive(info.pid) ? info : undefined;
}
