import fs from 'node:fs/promises';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { StatePaths } from '../core/paths.js';

/**
 * `<state dir>/mount-<tenant>.json`, mode 0600 (it holds the rc password). The bisync command reads
 * `pid` and `mountPoint` to refuse syncing a mounted folder: keep those two names stable.
 */
export interface MountState {
  pid: number;
  mountPoint: string;
  remotePath: string;
  profile: string;
  rcloneVersion: string;
  startedAt: string;
  logPath: string;
  rcAddr: string;
  rcUser: string;
  rcPass: string;
  /** The companion that shows cloud changes at once (src/mount/companion.ts); absent when it could not start. */
  companionPid?: number;
}

export async function readMountState(paths: StatePaths, tenantId: string): Promise<MountState | undefined> {
  // A half-written or hand-edited file is as good as none: the OS and the process list decide.
  const state = await readJsonFile<MountState>(paths.mountState(tenantId)).catch(() => undefined);
  return state && typeof state.pid === 'number' && typeof state.mountPoint === 'string' ? state : undefined;
}

export async function writeMountState(paths: StatePaths, tenantId: string, state: MountState): Promise<void> {
  await writeJsonFile(paths.mountState(tenantId), state);
}

export async function clearMountState(paths: StatePaths, tenantId: string): Promise<void> {
  await fs.rm(paths.mountState(tenantId), { force: true });
}
