import fs from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile } from '../core/atomic-file.js';
import type { StatePaths } from '../core/paths.js';
import { isProcessAlive } from '../core/process.js';

/** What the mount command records (`mount-<tenant>.json`); only these fields are relied on. */
interface MountRecord {
  pid: number;
  mountPoint: string;
}

/** Pure: the mount points in /proc/self/mountinfo (field 5, octal escapes decoded). */
export function mountPointsOf(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => Boolean(field))
    .map((field) => field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export async function readMountTable(): Promise<string[]> {
  return mountPointsOf(await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => ''));
}

/**
 * The active mount of ours that the folder is, lies in or contains, or undefined. Active: its rclone
 * still runs, or the OS still lists the mount point (a dead rclone leaves a broken mount behind).
 */
export async function activeMountOver(
  paths: StatePaths,
  tenantId: string,
  folder: string,
  deps: { alive: (pid: number) => boolean; mountTable: () => Promise<string[]> } = { alive: isProcessAlive, mountTable: readMountTable },
): Promise<string | undefined> {
  const record = await readJsonFile<MountRecord>(paths.mountState(tenantId)).catch(() => undefined);
  if (!record?.mountPoint) return undefined;
  const mountPoint = path.resolve(record.mountPoint);
  const target = path.resolve(folder);
  const overlaps = target === mountPoint || target.startsWith(`${mountPoint}${path.sep}`) || mountPoint.startsWith(`${target}${path.sep}`);
  if (!overlaps) return undefined;
  if (deps.alive(record.pid) || (await deps.mountTable()).includes(mountPoint)) return mountPoint;
  return undefined;
}
