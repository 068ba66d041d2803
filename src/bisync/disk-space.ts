import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../core/errors.js';
import type { Rclone } from '../rclone/runner.js';
import { RESERVED_EXCLUDE_ARGS } from './reserved-names.js';

/**
 * Above this much free space the check does not list the bucket: a run pulls the cloud's new and
 * changed notes, and more than this in one run is not how notes grow. A run that still fills the
 * disk is caught afterwards (`diskFullPaths`).
 */
export const SKIP_CHECK_FREE_BYTES = 1024 ** 3;

/** Kept free beyond what the pull needs: rclone's listings, editors' swap files. */
export function marginBytes(pending: number): number {
  return 1024 ** 2 + Math.ceil(pending / 10);
}

export interface SizedFile {
  path: string;
  size: number;
}

/**
 * Pure: the bytes a run may write into the folder. With a prior cloud listing (a normal sync):
 * every cloud file that is new or changed size since it. Without one (a baseline): every cloud file
 * the folder lacks or has at another size. A changed file counts whole: rclone writes the new copy
 * before the old one goes.
 */
export function pendingDownloadBytes(cloud: SizedFile[], known: Map<string, number>): number {
  return cloud.reduce((sum, file) => (known.get(file.path) === file.size ? sum : sum + file.size), 0);
}

export type SpaceVerdict = { kind: 'enough' } | { kind: 'short'; neededBytes: number; freeBytes: number };

/** Pure: enough room for the pending bytes plus the margin? */
export function judgeSpace(freeBytes: number, pendingBytes: number): SpaceVerdict {
  const neededBytes = pendingBytes + marginBytes(pendingBytes);
  return freeBytes >= neededBytes ? { kind: 'enough' } : { kind: 'short', neededBytes, freeBytes };
}

/** rclone's words for a local disk that is full: 1.60 "preallocate: file too big", any version ENOSPC. */
const DISK_FULL = /preallocate: file too big|no space left on device|disk quota exceeded|not enough space on the disk/i;
// `ERROR : notes/a.md: Failed to copy: preallocate: file too big`
const FAILED_FILE = /ERROR\s*:\s*(.+?): (?:Failed to copy|Failed to set modification time|.*?error)/i;

/** Pure: the files rclone failed to write because the disk was full (relative paths, from its log). */
export function diskFullPaths(log: string): string[] {
  const found = new Set<string>();
  for (const line of log.split(/\r?\n/)) {
    if (!DISK_FULL.test(line)) continue;
    const file = FAILED_FILE.exec(line)?.[1]?.trim();
    if (file && !file.startsWith('/') && !file.includes('Bisync')) found.add(file);
  }
  return [...found];
}

/** Pure: did the run fail on local writes? */
export function failedOnLocalWrites(log: string): boolean {
  return log.split(/\r?\n/).some((line) => DISK_FULL.test(line));
}

/** Pure: `1.5 MB` style, for the one sentence. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function diskFullError(folder: string, verdict: { neededBytes: number; freeBytes: number }): CliError {
  return new CliError(`The disk holding ${folder} has ${formatBytes(verdict.freeBytes)} free and this sync needs ${formatBytes(verdict.neededBytes)}, so nothing was synced.`, {
    hint: 'Free some space on that disk (or sync into a folder on a larger one with --path), then run the command again; your notes are safe in the cloud.',
    exitCode: ExitCode.failed,
  });
}

export interface DiskSpaceDeps {
  rclone: Rclone;
  /** Free bytes for an unprivileged writer on the disk holding `folder` (the folder may not exist yet). */
  freeBytes(folder: string): Promise<number>;
}

export interface DiskSpaceTarget {
  localPath: string;
  remotePath: string;
  filtersFile: string;
  /** The cloud side's listing from the last run (rclone's `<session>.path2.lst`), when there is one. */
  priorCloudListing: string | undefined;
}

/** Stops the run (CliError, exit 1) before rclone starts when the folder's disk cannot take the pull. */
export async function requireDiskSpace(deps: DiskSpaceDeps, target: DiskSpaceTarget, options: { always: boolean }): Promise<void> {
  const free = await deps.freeBytes(target.localPath);
  if (!options.always && free >= SKIP_CHECK_FREE_BYTES) return;
  const listed = await deps.rclone.run(['lsjson', '-R', '--files-only', '--no-modtime', '--no-mimetype', ...RESERVED_EXCLUDE_ARGS, '--filter-from', target.filtersFile, target.remotePath], { detached: true });
  // Not being able to list is the sync's own error to report, with its own advice.
  if (listed.exitCode !== 0) return;
  const cloud = (JSON.parse(listed.stdout || '[]') as { Path: string; Size: number }[]).map((entry) => ({ path: entry.Path, size: entry.Size }));
  const known = target.priorCloudListing === undefined ? await localSizes(target.localPath, cloud) : parseListingSizes(target.priorCloudListing);
  const verdict = judgeSpace(free, pendingDownloadBytes(cloud, known));
  if (verdict.kind === 'short') throw diskFullError(target.localPath, verdict);
}

// `- 409600 md5:… - 2026-11-29T14:00:00.000000000+0000 "notes/a.md"`; 1.66+ adds fields before the time.
const LISTING_LINE = /^- +(\d+) .* "(.*)"$/;

/** Pure: path → size from one of rclone's bisync listing files. */
export function parseListingSizes(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = LISTING_LINE.exec(line);
    if (!match?.[2]) continue;
    sizes.set(unquote(match[2]), Number(match[1]));
  }
  return sizes;
}

/** rclone writes the name as a Go quoted string: JSON reads the same escapes for everything but \x. */
function unquote(quoted: string): string {
  try {
    return JSON.parse(`"${quoted.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')}"`) as string;
  } catch {
    return quoted;
  }
}

async function localSizes(folder: string, cloud: SizedFile[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  await Promise.all(cloud.map(async (file) => {
    const stat = await fs.stat(path.join(folder, file.path)).catch(() => undefined);
    if (stat?.isFile()) sizes.set(file.path, stat.size);
  }));
  return sizes;
}

/** Free bytes on the disk of `folder`, or of its nearest existing parent before the first sync. */
export async function freeBytesAt(folder: string): Promise<number> {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    try {
      const stats = await fs.statfs(dir);
      return stats.bavail * stats.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dir === path.dirname(dir)) throw error;
    }
  }
}

/**
 * After a run that filled the disk: rclone 1.60 leaves the file it could not preallocate truncated
 * to 0 bytes (later versions leave a `.partial`). The cloud holds the version that was being
 * pulled, so the truncated copy is removed here; otherwise the next baseline would upload it over
 * the cloud's. Any other file is complete (rclone removes a copy that failed mid-write) and stays.
 */
export async function removePartialFiles(rclone: Rclone, target: { localPath: string; remotePath: string }, files: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const file of files) {
    const local = path.join(target.localPath, file);
    const stat = await fs.stat(local).catch(() => undefined);
    if (!stat?.isFile() || stat.size !== 0) continue;
    const listed = await rclone.run(['lsjson', '--no-modtime', '--no-mimetype', `${target.remotePath.replace(/\/+$/, '')}/${file}`], { detached: true });
    const cloud = listed.exitCode === 0 ? (JSON.parse(listed.stdout || '[]') as { Size: number }[])[0] : undefined;
    if (!cloud || cloud.Size === 0) continue;
    // Asked again: an editor may have saved into the empty file while the cloud was asked.
    if ((await fs.stat(local).catch(() => undefined))?.size !== 0) continue;
    await fs.rm(local);
    removed.push(file);
  }
  for (const leftover of await partialLeftovers(target.localPath)) {
    await fs.rm(leftover, { force: true });
  }
  return removed;
}

/** rclone 1.63+ writes `name.<hash>.partial` and renames it when complete. */
async function partialLeftovers(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && /\.[0-9a-f]{8}\.partial$/.test(entry.name)).map((entry) => path.join(entry.parentPath, entry.name));
}
