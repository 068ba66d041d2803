import path from 'node:path';
import { readJsonFile } from '../core/atomic-file.js';
import type { StatePaths } from '../core/paths.js';
import { isProcessAlive } from '../core/process.js';
import { readLinuxMountTable } from '../local/mount-table.js';
import { foldersOverlap } from '../local/paths.js';

/** What the mount command records (`mount-<tenant>.json`); only these fields are relied on. */
interface MountRecord {
  pid: number;
  mountPoint: string;
}

async function mountPoints(): Promise<string[]> {
  return (await readLinuxMountTable()).map((entry) => entry.mountPoint);
}

/**
 * The active mount of ours that the folder is, lies in or contains, or undefined. Active: its rclone
 * still runs, or the OS still lists the mount point (a dead rclone leaves a broken mount behind).
 */
export async function activeMountOver(
  paths: StatePaths,
  tenantId: string,
  folder: string,
  deps: { alive: (pid: number) => boolean; mountTable: () => Promise<string[]>; platform: NodeJS.Platform } = { alive: isProcessAlive, mountTable: mountPoints, platform: process.platform },
): Promise<string | undefined> {
  const record = await readJsonFile<MountRecord>(paths.mountState(tenantId)).catch(() => undefined);
  if (!record?.mountPoint) return undefined;
  const mountPoint = path.resolve(record.mountPoint);
  if (!foldersOverlap(folder, mountPoint, deps.platform)) return undefined;
  if (deps.alive(record.pid) || (await deps.mountTable()).includes(mountPoint)) return mountPoint;
  return undefined;
}
