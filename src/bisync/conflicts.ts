import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../core/errors.js';
import { moveIfFree } from '../local/move-if-free.js';
import type { Rclone } from '../rclone/runner.js';
import { RESERVED_EXCLUDE_ARGS } from './reserved-names.js';
import type { Conflict } from './outcome.js';

interface PairPaths {
  localPath: string;
  remotePath: string;
  filtersFile: string;
  /** rclone's working folder for the pair: where a list of files for one rclone call is written. */
  workdir: string;
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
 * `name..path2` (the cloud's), on both sides; 1.66+ does the same under `name.conflict-STAMP-N.ext`
 * when it cannot compare times (--compare without modtime). The balanced and fast profiles promise
 * "newer wins, older kept": give the newer copy its name back on both sides, leave the older as it is.
 */
export async function resolveConflictsByAge(rclone: Rclone, pair: PairPaths, conflicts: Conflict[]): Promise<Conflict[]> {
  const sides = conflicts.map((conflict) => ({ conflict, ...copiesBySide(conflict) }));
  // The cloud copy's time is the bucket's: rclone 1.66+ comparing checksums dates a download by when
  // the bucket received it, which made the cloud's copy look newer than an edit made here since.
  const cloudModified = await cloudTimes(rclone, pair, sides.map((side) => side.cloud));
  const resolved: Conflict[] = [];
  for (const { conflict, local: localCopy, cloud: cloudCopy } of sides) {
    const [localStat, cloudHere] = await Promise.all([
      fs.stat(path.join(pair.localPath, localCopy)).catch(() => undefined),
      fs.stat(path.join(pair.localPath, cloudCopy)).then(() => true, () => false),
    ]);
    const cloudMs = cloudModified.get(cloudCopy);
    if (!localStat || !cloudHere || cloudMs === undefined) {
      resolved.push(conflict);
      continue;
    }
    const winner = newerSide(localStat.mtimeMs, cloudMs);
    const [winning, losing] = winner === 'local' ? [localCopy, cloudCopy] : [cloudCopy, localCopy];
    // A note saved under the name since rclone renamed it away is the newest of all: it keeps the name.
    if (!(await moveOnBothSides(rclone, pair, winning, conflict.path))) {
      resolved.push(conflict);
      continue;
    }
    resolved.push({ path: conflict.path, copies: [losing], winner });
  }
  return resolved;
}

/** The cloud's modification times of some files (relative), in one listing; none when it cannot be read. */
async function cloudTimes(rclone: Rclone, pair: PairPaths, files: string[]): Promise<Map<string, number>> {
  if (files.length === 0) return new Map();
  await fs.mkdir(pair.workdir, { recursive: true, mode: 0o700 });
  const list = path.join(pair.workdir, 'conflict-copies.txt');
  await fs.writeFile(list, files.join('\n'), { mode: 0o600 });
  try {
    const listed = await rclone.run(['lsjson', '--recursive', '--files-only', '--no-mimetype', '--files-from-raw', list, '--no-traverse', pair.remotePath], ownGroup);
    if (listed.exitCode !== 0) return new Map();
    return new Map((JSON.parse(listed.stdout || '[]') as { Path: string; ModTime: string }[]).map((entry) => [entry.Path, Date.parse(entry.ModTime)]));
  } finally {
    await fs.rm(list, { force: true });
  }
}

/**
 * Pure: which copy of an unresolved conflict is the folder's and which the cloud's. rclone < 1.66
 * says so in the name (`..path1`/`..path2`); 1.66+ numbers them Path1 first (`-1`, `-2`), and the
 * outcome lists them in rclone's order. Copies that are not there leave the conflict as it is.
 */
export function copiesBySide(conflict: Conflict): { local: string; cloud: string } {
  const [first, second] = conflict.copies;
  const numbered = conflict.copies.length === 2 && conflict.winner === undefined && !/\.\.path[12]$/.test(first ?? '');
  if (numbered && first && second) return { local: first, cloud: second };
  return { local: `${conflict.path}..path1`, cloud: `${conflict.path}..path2` };
}

/**
 * rclone before 1.66 keeps both versions of a note changed on both sides even when they are the same
 * bytes (a killed run's uploads come back as thousands of `..path1` copies). A copy identical to the
 * note or to another copy keeps nothing: it is removed on both sides, and a note whose copies are all
 * identical gets its name back from the first. What is left are the conflicts that keep a version.
 */
export async function dropIdenticalCopies(rclone: Rclone, pair: PairPaths, conflicts: Conflict[]): Promise<Conflict[]> {
  const kept: Conflict[] = [];
  for (const conflict of conflicts) {
    const hashOf = (file: string) => md5Of(path.join(pair.localPath, file)).catch(() => undefined);
    const noteHash = await hashOf(conflict.path);
    const copyHashes = await Promise.all(conflict.copies.map(hashOf));
    const copies: string[] = [];
    const seen = new Set(noteHash === undefined ? [] : [noteHash]);
    for (const [index, copy] of conflict.copies.entries()) {
      const hash = copyHashes[index];
      if (hash === undefined) {
        copies.push(copy);
      } else if (noteHash === undefined && seen.size === 0 && copyHashes.every((other) => other === hash)) {
        seen.add(hash);
        if (!(await moveOnBothSides(rclone, pair, copy, conflict.path))) copies.push(copy);
      } else if (seen.has(hash)) {
        if (!(await removeOnBothSides(rclone, pair, copy, hash))) copies.push(copy);
      } else {
        seen.add(hash);
        copies.push(copy);
      }
    }
    if (copies.length > 0) kept.push({ ...conflict, copies });
  }
  return kept;
}

const notInCloud = (stderr: string) => /not found|doesn't exist|directory not found/i.test(stderr);

/**
 * Gives a copy the note's name on both sides, the folder first and only while the name is free there
 * (an editor's save under it is never replaced); false, and nothing moved, when it could not.
 */
async function moveOnBothSides(rclone: Rclone, pair: PairPaths, from: string, to: string): Promise<boolean> {
  const [localFrom, localTo] = [path.join(pair.localPath, from), path.join(pair.localPath, to)];
  if (!(await moveIfFree(localFrom, localTo))) return false;
  const moved = await rclone.run(['moveto', remoteJoin(pair.remotePath, from), remoteJoin(pair.remotePath, to)], ownGroup);
  if (moved.exitCode === 0 || notInCloud(moved.stderr)) return true;
  await moveIfFree(localTo, localFrom);
  return false;
}

/** Removes a copy holding `hash` on both sides; false (kept here) when it could not, or was saved since. */
async function removeOnBothSides(rclone: Rclone, pair: PairPaths, file: string, hash: string): Promise<boolean> {
  const removed = await rclone.run(['deletefile', remoteJoin(pair.remotePath, file)], ownGroup);
  if (removed.exitCode !== 0 && !notInCloud(removed.stderr)) return false;
  const local = path.join(pair.localPath, file);
  // Hashed again: someone merging the conflict may have saved into this copy while the cloud's went.
  const now = await md5Of(local).catch(() => undefined);
  if (now !== undefined && now !== hash) return false;
  await fs.rm(local, { force: true });
  return true;
}

export function md5Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(file).on('error', reject).on('data', (chunk) => hash.update(chunk)).on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * rclone before 1.66 names both copies of every conflict `name..path1` / `name..path2`, so the next
 * conflict of the same note replaces the copies of the last one (seen losing versions under a writer
 * loop). Give each copy the one naming scheme instead, unique and keeping the extension, on both sides.
 */
export async function renameRcloneCopies(rclone: Rclone, pair: PairPaths, conflicts: Conflict[], now: Date = new Date()): Promise<Conflict[]> {
  const renamed: Conflict[] = [];
  for (const conflict of conflicts) {
    const copies: string[] = [];
    for (const copy of conflict.copies) {
      const exists = await fs.lstat(path.join(pair.localPath, copy)).then((stat) => stat.isFile(), () => false);
      if (!/\.\.path[12]$/.test(copy) || !exists) {
        copies.push(copy);
        continue;
      }
      const name = await freeCopyName(pair.localPath, conflict.path, now);
      const moved = await rclone.run(['moveto', remoteJoin(pair.remotePath, copy), remoteJoin(pair.remotePath, name)], ownGroup);
      // Not in the cloud (a run that stopped before uploading it) is fine: the baseline uploads it.
      if (moved.exitCode !== 0 && !/not found|doesn't exist|directory not found/i.test(moved.stderr)) {
        copies.push(copy);
        continue;
      }
      await fs.rename(path.join(pair.localPath, copy), path.join(pair.localPath, name));
      copies.push(name);
    }
    renamed.push({ ...conflict, copies });
  }
  return renamed;
}

/**
 * Before a baseline on rclone < 1.66: copies `name..path1`/`name..path2` left by a run that did not
 * finish get unique names too (the next conflict of the same note would replace them).
 */
export async function renameLeftoverCopies(rclone: Rclone, pair: PairPaths, now: Date = new Date()): Promise<Conflict[]> {
  const entries = await fs.readdir(pair.localPath, { recursive: true, withFileTypes: true }).catch(() => []);
  const byNote = new Map<string, Conflict>();
  for (const entry of entries) {
    if (!entry.isFile() || !/\.\.path[12]$/.test(entry.name)) continue;
    const copy = path.relative(pair.localPath, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    const note = copy.replace(/\.\.path[12]$/, '');
    const conflict = byNote.get(note) ?? { path: note, copies: [], winner: undefined };
    conflict.copies.push(copy);
    byNote.set(note, conflict);
  }
  return renameRcloneCopies(rclone, pair, [...byNote.values()], now);
}

/**
 * Pure: the name a kept version gets, the same on every rclone version and keeping the extension so
 * the note still opens as a note: `plan.md` → `plan.conflict-20261129-134601.md` (`-2`, `-3`… when taken).
 */
export function conflictCopyName(file: string, when: Date, attempt = 1): string {
  const stamp = conflictStamp(when);
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  const hasExtension = dot > slash + 1;
  const stem = hasExtension ? file.slice(0, dot) : file;
  const extension = hasExtension ? file.slice(dot) : '';
  return `${stem}.conflict-${stamp}${attempt > 1 ? `-${attempt}` : ''}${extension}`;
}

/** Pure: the time part of every conflict-copy name, in UTC: `20261129-134601`. */
export function conflictStamp(when: Date): string {
  return when.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Pure: rclone 1.66+'s `--conflict-suffix` for a run starting at `when`. With
 * `--suffix-keep-extension` and rclone's own numbering (`--conflict-loser num`) its copies follow
 * the scheme above: `plan.md` → `plan.conflict-20261129-134601-1.md`, `-2`…; the number rclone
 * appends keeps two copies of one run apart without ever reusing a name.
 */
export function rcloneConflictSuffix(word: string, when: Date): string {
  return `${word}-${conflictStamp(when)}-`;
}

export interface VersionFacts {
  size: number;
  modifiedMs: number;
}

/**
 * Pure: which side's version keeps the name before a baseline. A non-empty version always beats an
 * empty one (a failed download leaves 0-byte files); otherwise the newer wins. The loser is kept too.
 */
export function baselineWinner(local: VersionFacts, cloud: VersionFacts): 'local' | 'cloud' {
  if ((local.size === 0) !== (cloud.size === 0)) return local.size === 0 ? 'cloud' : 'local';
  return newerSide(local.modifiedMs, cloud.modifiedMs);
}

/**
 * Before a baseline: rclone's --resync lets the folder's copy of every differing file overwrite the
 * cloud's, whatever its age. Keep both instead: the winner (see `baselineWinner`) gets the name in
 * the folder, the other version is saved beside it as a conflict copy, and the baseline that follows
 * uploads both.
 */
export async function keepBothBeforeBaseline(rclone: Rclone, pair: PairPaths, now: Date = new Date()): Promise<Conflict[]> {
  const check = await rclone.run(['check', pair.localPath, pair.remotePath, ...RESERVED_EXCLUDE_ARGS, '--filter-from', pair.filtersFile, '--differ', '-'], ownGroup);
  // Exit 1 also means "differences found"; anything else unexplained must not pass for "all equal".
  if (check.exitCode !== 0 && !/\d+ differences found/.test(check.stderr)) {
    throw new CliError('Could not compare the folder with the cloud before rebuilding the sync baseline, so nothing was synced.', {
      hint: `rclone said: ${lastLine(check.stderr)}. Run the command again; \`basic-memory cloud doctor\` checks the connection.`,
    });
  }
  const differing = check.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  const kept: Conflict[] = [];
  for (const file of differing) {
    const localFile = path.join(pair.localPath, file);
    const [localStat, listing] = await Promise.all([
      fs.stat(localFile).catch(() => undefined),
      rclone.run(['lsjson', remoteJoin(pair.remotePath, file)], ownGroup),
    ]);
    const cloud = (JSON.parse(listing.stdout || '[]') as { ModTime?: string; Size?: number }[])[0];
    if (!localStat || !cloud?.ModTime) continue;
    const winner = baselineWinner({ size: localStat.size, modifiedMs: localStat.mtimeMs }, { size: cloud.Size ?? 0, modifiedMs: Date.parse(cloud.ModTime) });
    // The losing version is kept as `copy`. The cloud's version comes down first, under a copy's name:
    // the folder's note is moved aside only once something can take its place, and that only takes
    // the name if no editor has saved under it since.
    const copy = await freeCopyName(pair.localPath, file, now);
    const download = winner === 'local' ? copy : await freeCopyName(pair.localPath, file, now, new Set([copy]));
    const copied = await rclone.run(['copyto', remoteJoin(pair.remotePath, file), path.join(pair.localPath, download)], ownGroup);
    if (copied.exitCode !== 0) {
      // rclone < 1.63 writes into the file it downloads to: a part of the cloud's version, not a copy.
      await fs.rm(path.join(pair.localPath, download), { force: true });
      throw new CliError(`Could not keep the cloud's copy of ${file} before rebuilding the sync baseline, so nothing was synced.`, { hint: `rclone said: ${lastLine(copied.stderr)}. Run the command again.` });
    }
    if (winner === 'local') {
      kept.push({ path: file, copies: [copy], winner });
      continue;
    }
    await fs.rename(localFile, path.join(pair.localPath, copy));
    const named = await moveIfFree(path.join(pair.localPath, download), localFile);
    kept.push(named ? { path: file, copies: [copy], winner } : { path: file, copies: [copy, download], winner: 'local' });
  }
  return kept;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.replace(/^\S+ \S+ /, '') ?? 'nothing';
}

/** A conflict-copy name not taken in the folder, nor `reserved` for another copy. */
export async function freeCopyName(folder: string, file: string, when: Date, reserved: ReadonlySet<string> = new Set()): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const candidate = conflictCopyName(file, when, attempt);
    const taken = reserved.has(candidate) || (await fs.lstat(path.join(folder, candidate)).then(() => true, () => false));
    if (!taken) return candidate;
  }
}
