import fs from 'node:fs/promises';
import path from 'node:path';
import type { StatePaths } from '../core/paths.js';
import { isProcessAlive } from '../core/process.js';
import { holdsLock, type LockOwner } from './orphans.js';
import type { ListingState } from './outcome.js';

/** Pure: which of rclone's listing files a session has → present, failed (`.lst-err`) or missing. */
export function listingStateOf(fileNames: string[], session: string): ListingState {
  const has = (suffix: string) => fileNames.includes(`${session}${suffix}`);
  if (has('.path1.lst') && has('.path2.lst')) return 'present';
  if (has('.path1.lst-err') || has('.path2.lst-err')) return 'failed';
  return 'missing';
}

export async function readListingState(workdir: string, session: string): Promise<ListingState> {
  return listingStateOf(await readDirNames(workdir), session);
}

/** rclone's listing of one side (path1: the folder, path2: the cloud) from the last run, or undefined when there is none. */
export async function readPriorListing(workdir: string, session: string, side: 'path1' | 'path2'): Promise<string | undefined> {
  return fs.readFile(path.join(workdir, `${session}.${side}.lst`), 'utf8').catch(() => undefined);
}

export async function readPriorCloudListing(workdir: string, session: string): Promise<string | undefined> {
  return readPriorListing(workdir, session, 'path2');
}

/** A lock file whose process is gone: ours (`bisync-<tenant>.lock`) or rclone's (`<session>.lck`). */
export interface StaleLock {
  file: string;
  pid: number | undefined;
  /** Its pid is alive but runs another program now (a reused pid). */
  reused: boolean;
}

/** Whether the process `pid` still holds a lock written by `owner` (alive and the same program). */
export type LockCheck = (pid: number, owner: LockOwner) => boolean | Promise<boolean>;

/** rclone 1.58–1.65 writes the PID alone; 1.66+ writes JSON with `PID`. Ours is JSON with `pid`. */
export function lockPid(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  try {
    const parsed = JSON.parse(trimmed) as { pid?: unknown; PID?: unknown };
    const pid = Number(parsed.pid ?? parsed.PID);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Locks left by dead processes (or pids reused by another program), for the run to clear and `cloud doctor` to report. */
export async function findStaleLocks(paths: StatePaths, tenantId: string, holds: LockCheck = holdsLock, alive: (pid: number) => boolean = isProcessAlive): Promise<StaleLock[]> {
  const workdir = paths.bisyncWorkdir(tenantId);
  const candidates = [paths.bisyncLock(tenantId), ...(await readDirNames(workdir)).filter((name) => name.endsWith('.lck')).map((name) => path.join(workdir, name))];
  const stale: StaleLock[] = [];
  for (const file of candidates) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const pid = lockPid(text);
    const owner: LockOwner = file === paths.bisyncLock(tenantId) ? 'cli' : 'rclone';
    if (pid === undefined || !(await holds(pid, owner))) stale.push({ file, pid, reused: pid !== undefined && alive(pid) });
  }
  return stale;
}

async function readDirNames(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
