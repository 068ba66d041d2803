import fs from 'node:fs/promises';
import path from 'node:path';
import type { Rclone } from '../rclone/runner.js';

// 1.60: `ERROR : proj: Failed to copy: open /x/proj: is a directory`;
// 1.63+: `ERROR : proj.9d0d4ff3.partial: partial file rename failed: …`.
const IS_A_DIRECTORY = /ERROR\s*:\s*(.+?): Failed to copy: .*is a directory/;
const PARTIAL_RENAME = /ERROR\s*:\s*(.+?)\.[0-9a-f]{8}\.partial: partial file rename failed/;

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Pure: paths rclone could not write into the folder, where a folder may be in the way. */
export function clashCandidates(log: string): string[] {
  const found = new Set<string>();
  for (const line of log.replace(ANSI, '').split(/\r?\n/)) {
    const file = (IS_A_DIRECTORY.exec(line) ?? PARTIAL_RENAME.exec(line))?.[1]?.trim();
    if (file) found.add(file);
  }
  return [...found];
}

/** Pure: the name the folder moves to, the first one free. */
export function folderKeepName(name: string, taken: (candidate: string) => boolean): string {
  for (let index = 1; ; index += 1) {
    const candidate = `${name} (folder${index === 1 ? '' : ` ${index}`})`;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * A folder here where the cloud now has a file of the same name (replaced on another machine):
 * rclone cannot write the file and every run fails. The folder moves aside, with everything in
 * it, so both the file and the folder's notes are kept and synced.
 */
export async function moveClashingFolders(rclone: Rclone, target: { localPath: string; remotePath: string }, candidates: string[]): Promise<{ from: string; to: string }[]> {
  const moved: { from: string; to: string }[] = [];
  for (const file of candidates) {
    const local = path.join(target.localPath, file);
    if (!(await fs.stat(local).catch(() => undefined))?.isDirectory()) continue;
    const parent = path.posix.dirname(file);
    const listed = await rclone.run(['lsf', '--files-only', '--max-depth', '1', parent === '.' ? target.remotePath : `${target.remotePath.replace(/\/+$/, '')}/${parent}`], { detached: true });
    if (listed.exitCode !== 0 || !listed.stdout.split('\n').includes(path.posix.basename(file))) continue;
    const names = new Set(await fs.readdir(path.dirname(local)));
    const keep = folderKeepName(path.basename(local), (candidate) => names.has(candidate));
    await fs.rename(local, path.join(path.dirname(local), keep));
    moved.push({ from: file, to: path.posix.join(parent === '.' ? '' : parent, keep) });
  }
  return moved;
}
