import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Rclone } from '../rclone/runner.js';
import { conflictCopyName, conflictStamp } from './conflicts.js';
import type { BisyncOutcome, Conflict } from './outcome.js';
import { CLOUD_BACKUPS_DIR, REPLACED_SUFFIX } from './reserved-names.js';
import { hashesBeside, parseListing, type ListedFile } from './safety-net.js';

/**
 * The cloud side of issue 8's invariant. Between bisync's listing of the bucket and its upload of a
 * note, another writer may upload its own version of that note: rclone then replaces a version this
 * machine never saw, and the bucket keeps no versions. Each run therefore has rclone move every
 * object it replaces out of the way first: into a backup dir in the bucket (`--backup-dir2`, rclone
 * 1.66+; deletions too), or beside the note under a reserved name (`--suffix`, before 1.66). After
 * the run, a moved object that differs from what the run's prior listing said the cloud held is
 * another writer's version: it is kept as a conflict copy on both sides. The rest is removed: it
 * keeps nothing that is kept elsewhere.
 */

/** The workdir file naming the backup dirs of runs not settled yet (a killed CLI leaves its own). */
const PENDING_FILE = 'cloud-backups-pending.json';

const remoteJoin = (remote: string, file: string) => `${remote.replace(/\/+$/, '')}/${file}`;
const ownGroup = { detached: true };

/** Pure: a run's own backup dir in the bucket, unique per run and readable by date. */
export function cloudBackupDir(remotePath: string, runId: string): string {
  return remoteJoin(remotePath, `${CLOUD_BACKUPS_DIR}/${runId}`);
}

export function newRunId(now: Date = new Date()): string {
  return `${conflictStamp(now)}-${randomBytes(4).toString('hex')}`;
}

/** An object rclone moved into a run's backup dir, relative to it. */
export interface BackedUpObject {
  path: string;
  size: number;
  md5: string | undefined;
  modifiedMs: number;
}

/**
 * Pure: the backed-up objects that hold a version this machine never had. One is known when the
 * prior cloud listing recorded it (same MD5; without MD5s, same size and time), or when identical
 * content is in the folder after the run under the note's name or one of its copies.
 */
export function versionsNeverSeen(backups: BackedUpObject[], priorCloud: Map<string, ListedFile>, localHashes: Map<string, Set<string>>): BackedUpObject[] {
  return backups.filter((backup) => {
    const listed = priorCloud.get(backup.path);
    if (listed && sameVersion(backup, listed)) return false;
    return !(backup.md5 !== undefined && localHashes.get(backup.path)?.has(backup.md5));
  });
}

function sameVersion(backup: BackedUpObject, listed: ListedFile): boolean {
  if (backup.md5 !== undefined && listed.md5 !== undefined) return backup.md5 === listed.md5;
  // The checksum comparison records no time (year 1): then only a hash can tell.
  return backup.size === listed.size && Number.isFinite(listed.modifiedMs) && listed.modifiedMs > 0 && Math.abs(backup.modifiedMs - listed.modifiedMs) < 1000;
}

/**
 * Pure: whether rclone may have moved anything into the backup dir: it replaced or deleted a cloud
 * object, kept a conflict, or its log could not say what it did.
 */
export function mayHaveBackups(outcome: BisyncOutcome): boolean {
  if (!('changes' in outcome)) return true;
  return outcome.changes.toCloud.length > 0 || (outcome.kind === 'ok' && outcome.conflicts.length > 0);
}

export interface CloudPair {
  localPath: string;
  remotePath: string;
  workdir: string;
}

/** One run's backups: the backup dir's flag for rclone, and the reconciliation after it. */
export interface CloudBackups {
  /** The run's backup dir for `--backup-dir2` (rclone 1.66+); undefined where rclone names them `--suffix`. */
  dir: string | undefined;
  /** After the rclone run: keep each version never seen as a conflict copy, then remove the backups. */
  settle(outcome: BisyncOutcome, priorCloudListing: string | undefined, now?: Date): Promise<Conflict[]>;
}

/**
 * Where a run's replaced cloud objects wait for the reconciliation: a backup dir (1.66+), or names
 * beside the notes (`<note>.bm-replaced`, rclone < 1.66's `--suffix`).
 */
interface BackupPlace {
  /** What is there, by note path; undefined when it cannot be read. */
  list(): Promise<BackedUpObject[] | undefined>;
  /** The remote path of the backed-up version of `file`. */
  remoteOf(file: string): string;
  /** Removes what is still there once the versions to keep were moved out; false when it could not. */
  clear(): Promise<boolean>;
}

type LsjsonEntry = { Path: string; Size: number; ModTime: string; Hashes?: { md5?: string } };
const backedUp = (entry: LsjsonEntry, file: string): BackedUpObject => ({ path: file, size: entry.Size, md5: entry.Hashes?.md5 || undefined, modifiedMs: Date.parse(entry.ModTime) });
const LSJSON = ['lsjson', '--files-only', '--hash', '--hash-type', 'md5', '--no-mimetype'];
const notFound = (stderr: string) => /directory not found|not found/i.test(stderr);

function backupDirPlace(rclone: Rclone, dir: string): BackupPlace {
  return {
    async list() {
      const listed = await rclone.run([...LSJSON, '-R', dir], ownGroup);
      if (listed.exitCode !== 0) return notFound(listed.stderr) ? [] : undefined;
      return (JSON.parse(listed.stdout || '[]') as LsjsonEntry[]).map((entry) => backedUp(entry, entry.Path));
    },
    remoteOf: (file) => remoteJoin(dir, file),
    async clear() {
      const purged = await rclone.run(['purge', dir], ownGroup);
      return purged.exitCode === 0 || notFound(purged.stderr);
    },
  };
}

/**
 * rclone < 1.66's replaced objects beside the notes: those of the given notes, or (undefined: a run
 * whose log could not say, or a killed one) every one in the bucket.
 */
function replacedNamesPlace(rclone: Rclone, pair: CloudPair, notes: string[] | undefined): BackupPlace {
  let found: string[] = [];
  const list = path.join(pair.workdir, 'replaced-in-cloud.txt');
  const selection = async (names: string[] | undefined): Promise<string[]> => {
    if (names === undefined) return ['--include', `*${REPLACED_SUFFIX}`];
    await fs.writeFile(list, names.join('\n'), { mode: 0o600 });
    return ['--files-from-raw', list, '--no-traverse'];
  };
  return {
    async list() {
      if (notes?.length === 0) return [];
      // Without --recursive a listing finds only the names at the top of the bucket, not in folders.
      const listed = await rclone.run([...LSJSON, '--recursive', ...(await selection(notes?.map((note) => `${note}${REPLACED_SUFFIX}`))), pair.remotePath], ownGroup);
      if (listed.exitCode !== 0) return notFound(listed.stderr) ? [] : undefined;
      const entries = (JSON.parse(listed.stdout || '[]') as LsjsonEntry[]).filter((entry) => entry.Path.endsWith(REPLACED_SUFFIX));
      found = entries.map((entry) => entry.Path);
      return entries.map((entry) => backedUp(entry, entry.Path.slice(0, -REPLACED_SUFFIX.length)));
    },
    remoteOf: (file) => remoteJoin(pair.remotePath, `${file}${REPLACED_SUFFIX}`),
    async clear() {
      if (found.length === 0) return true;
      const removed = await rclone.run(['delete', ...(await selection(found)), pair.remotePath], ownGroup);
      return removed.exitCode === 0 || notFound(removed.stderr);
    },
  };
}

/** The run id that stands for rclone < 1.66's replaced names in the pending file: settled by a listing of the bucket. */
const REPLACED_NAMES_RUN = 'replaced-names';

/**
 * Opens a run's backups after settling those a killed earlier run left (their prior listing is
 * gone: the current one is the best guess, and a version kept twice is noise, never a loss). With a
 * backup dir (rclone 1.66+) `dir` is the run's; without, rclone's `--suffix` names are settled.
 */
export async function openCloudBackups(rclone: Rclone, pair: CloudPair, priorCloudListing: string | undefined): Promise<{ backups: CloudBackups & { dir: string }; leftOver: Conflict[] }>;
export async function openCloudBackups(rclone: Rclone, pair: CloudPair, priorCloudListing: string | undefined, backupDirs: boolean): Promise<{ backups: CloudBackups; leftOver: Conflict[] }>;
export async function openCloudBackups(rclone: Rclone, pair: CloudPair, priorCloudListing: string | undefined, backupDirs = true): Promise<{ backups: CloudBackups; leftOver: Conflict[] }> {
  const leftOver: Conflict[] = [];
  for (const runId of await readPending(pair.workdir)) {
    const place = runId === REPLACED_NAMES_RUN ? replacedNamesPlace(rclone, pair, undefined) : backupDirPlace(rclone, cloudBackupDir(pair.remotePath, runId));
    const kept = await keepNeverSeen(rclone, pair, place, priorCloudListing, new Date());
    if (kept === undefined) continue;
    leftOver.push(...kept);
    await writePending(pair.workdir, (await readPending(pair.workdir)).filter((id) => id !== runId));
  }
  const runId = backupDirs ? newRunId() : REPLACED_NAMES_RUN;
  await writePending(pair.workdir, [...(await readPending(pair.workdir)), runId]);
  const dir = backupDirs ? cloudBackupDir(pair.remotePath, runId) : undefined;
  return {
    leftOver,
    backups: {
      dir,
      async settle(outcome, prior, now = new Date()) {
        const place = dir ? backupDirPlace(rclone, dir) : replacedNamesPlace(rclone, pair, replacedCandidates(outcome));
        const kept = mayHaveBackups(outcome) ? await keepNeverSeen(rclone, pair, place, prior, now) : [];
        // Unreadable backups stay pending: the next run settles them.
        if (kept === undefined) return [];
        await writePending(pair.workdir, (await readPending(pair.workdir)).filter((id) => id !== runId));
        return kept;
      },
    },
  };
}

/** Pure: the notes whose cloud object a run may have replaced (uploads and conflicts); undefined when its log could not say. */
export function replacedCandidates(outcome: BisyncOutcome): string[] | undefined {
  if (!('changes' in outcome)) return undefined;
  const conflicts = outcome.kind === 'ok' ? outcome.conflicts.map((conflict) => conflict.path) : [];
  return [...new Set([...outcome.changes.toCloud.filter((change) => change.action !== 'deleted').map((change) => change.path), ...conflicts])];
}

/** undefined when the backups could not be read or removed (they stay for a later run). */
async function keepNeverSeen(rclone: Rclone, pair: CloudPair, place: BackupPlace, priorCloudListing: string | undefined, now: Date): Promise<Conflict[] | undefined> {
  const backups = await place.list();
  if (backups === undefined) return undefined;
  if (backups.length === 0) return [];
  const prior = priorCloudListing ? parseListing(priorCloudListing) : new Map<string, ListedFile>();
  const localHashes = await hashesBeside(pair.localPath, backups.map((backup) => backup.path));
  const kept = new Map<string, Conflict>();
  for (const version of versionsNeverSeen(backups, prior, localHashes)) {
    const copy = await freeNameOnBothSides(rclone, pair, version.path, now);
    if (copy === undefined) return undefined;
    const moved = await rclone.run(['moveto', place.remoteOf(version.path), remoteJoin(pair.remotePath, copy)], ownGroup);
    if (moved.exitCode !== 0) return undefined;
    await fs.mkdir(path.dirname(path.join(pair.localPath, copy)), { recursive: true });
    const copied = await rclone.run(['copyto', remoteJoin(pair.remotePath, copy), path.join(pair.localPath, copy)], ownGroup);
    // The copy is in the bucket: the next sync brings it down if this copy failed.
    if (copied.exitCode !== 0) continue;
    const conflict = kept.get(version.path) ?? { path: version.path, copies: [], winner: 'local' as const };
    conflict.copies.push(copy);
    kept.set(version.path, conflict);
  }
  return (await place.clear()) ? [...kept.values()] : undefined;
}

/** A conflict-copy name taken neither in the folder nor in the bucket (another machine may have made one this second). */
async function freeNameOnBothSides(rclone: Rclone, pair: CloudPair, file: string, now: Date): Promise<string | undefined> {
  const folder = path.posix.dirname(file);
  const listed = await rclone.run(['lsf', '--files-only', remoteJoin(pair.remotePath, folder === '.' ? '' : folder)], ownGroup);
  if (listed.exitCode !== 0 && !/directory not found/i.test(listed.stderr)) return undefined;
  const inCloud = new Set(listed.stdout.split('\n').map((name) => (folder === '.' ? name : `${folder}/${name}`)));
  for (let attempt = 1; ; attempt += 1) {
    const candidate = conflictCopyName(file, now, attempt);
    const taken = inCloud.has(candidate) || (await fs.lstat(path.join(pair.localPath, candidate)).then(() => true, () => false));
    if (!taken) return candidate;
  }
}

async function readPending(workdir: string): Promise<string[]> {
  const text = await fs.readFile(path.join(workdir, PENDING_FILE), 'utf8').catch(() => '[]');
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string' && /^[\w-]+$/.test(id)) : [];
  } catch {
    return [];
  }
}

async function writePending(workdir: string, runIds: string[]): Promise<void> {
  const file = path.join(workdir, PENDING_FILE);
  if (runIds.length === 0) {
    await fs.rm(file, { force: true });
    return;
  }
  await fs.mkdir(workdir, { recursive: true, mode: 0o700 });
  await fs.writeFile(file, JSON.stringify(runIds), { mode: 0o600 });
}
