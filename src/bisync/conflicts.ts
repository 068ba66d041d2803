import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../core/errors.js';
import type { Rclone } from '../rclone/runner.js';
import type { Conflict } from './outcome.js';

interface PairPaths {
  localPath: string;
  remotePath: string;
  filtersFile: string;
}

const remoteJoin = (remote: string, file: string) => `${remote.replace(/\/+$/, '')}/${file}`;

/** Like the sync itself, outside the terminal's process group: Ctrl-C lets these short steps finish. */
const ownGroup = { detached: true };

/** Pure: which of two copies is newer; on a tie the cloud's, so an upload never hides a download. */
export function newerSide(localModified: number, cloudModified: number): 'local' | 'cloud' {
  return localModified > cloudModified ? 'local' : 'cloud';
}

/**
 * rclone before 1.66 keeps both versions of a conflict as `name..path1` (the folder's) and
 * `name..path2` (the cloud's), on both sides. The balanced and fast profiles promise "newer wins,
 * older kept": give the newer copy its name back on both sides and leave the older one as it is.
 */
export async function resolveConflictsByAge(rclone: Rclone, pair: PairPaths, conflicts: Conflict[]): Promise<Conflict[]> {
  const resolved: Conflict[] = [];
  for (const conflict of conflicts) {
    const localCopy = `${conflict.path}..path1`;
    const cloudCopy = `${conflict.path}..path2`;
    const [localStat, cloudStat] = await Promise.all([
      fs.stat(path.join(pair.localPath, localCopy)).catch(() => undefined),
      fs.stat(path.join(pair.localPath, cloudCopy)).catch(() => undefined),
    ]);
    const nameTaken = await fs.stat(path.join(pair.localPath, conflict.path)).then(() => true, () => false);
    if (!localStat || !cloudStat || nameTaken) {
      resolved.push(conflict);
      continue;
    }
    const winner = newerSide(localStat.mtimeMs, cloudStat.mtimeMs);
    const [winning, losing] = winner === 'local' ? [localCopy, cloudCopy] : [cloudCopy, localCopy];
    const moved = await rclone.run(['moveto', remoteJoin(pair.remotePath, winning), remoteJoin(pair.remotePath, conflict.path)], ownGroup);
    if (moved.exitCode !== 0) {
      resolved.push(conflict);
      continue;
    }
    await fs.rename(path.join(pair.localPath, winning), path.join(pair.localPath, conflict.path));
    resolved.push({ path: conflict.path, copies: [losing], winner });
  }
  return resolved;
}

/**
 * Before a baseline: rclone's --resync lets the folder's copy of a file overwrite a different cloud
 * copy. Where the cloud's copy is the newer one, keep it beside the folder's as `name..path2`
 * (rclone's own name for the cloud side of a conflict), so the baseline uploads both.
 */
export async function keepCloudVersions(rclone: Rclone, pair: PairPaths): Promise<Conflict[]> {
  const check = await rclone.run(['check', pair.localPath, pair.remotePath, '--filter-from', pair.filtersFile, '--differ', '-'], ownGroup);
  // Exit 1 also means "differences found"; anything else unexplained must not pass for "all equal".
  if (check.exitCode !== 0 && !/\d+ differences found/.test(check.stderr)) {
    throw new CliError('Could not compare the folder with the cloud before rebuilding the sync baseline, so nothing was synced.', {
      hint: `rclone said: ${lastLine(check.stderr)}. Run the command again; \`basic-memory cloud doctor\` checks the connection.`,
    });
  }
  const differing = check.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  const kept: Conflict[] = [];
  for (const file of differing) {
    const [localStat, listing] = await Promise.all([
      fs.stat(path.join(pair.localPath, file)).catch(() => undefined),
      rclone.run(['lsjson', remoteJoin(pair.remotePath, file)], ownGroup),
    ]);
    const cloud = (JSON.parse(listing.stdout || '[]') as { ModTime?: string }[])[0];
    if (!localStat || !cloud?.ModTime) continue;
    if (newerSide(localStat.mtimeMs, Date.parse(cloud.ModTime)) === 'local') continue;
    const copy = await freeName(pair.localPath, `${file}..path2`);
    const copied = await rclone.run(['copyto', remoteJoin(pair.remotePath, file), path.join(pair.localPath, copy)], ownGroup);
    if (copied.exitCode !== 0) {
      throw new CliError(`Could not keep the cloud's copy of ${file} before rebuilding the sync baseline, so nothing was synced.`, { hint: `rclone said: ${lastLine(copied.stderr)}. Run the command again.` });
    }
    kept.push({ path: file, copies: [file, copy], winner: undefined });
  }
  return kept;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.replace(/^\S+ \S+ /, '') ?? 'nothing';
}

async function freeName(folder: string, wanted: string): Promise<string> {
  for (let index = 0; ; index += 1) {
    const candidate = index === 0 ? wanted : `${wanted}${index + 1}`;
    const taken = await fs.stat(path.join(folder, candidate)).then(() => true, () => false);
    if (!taken) return candidate;
  }
}
