import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Rclone } from '../rclone/runner.js';
import { TIGRIS_CONSISTENT_HEADER } from './args.js';
import { openCloudBackups } from './cloud-backups.js';
import { folderExcludedBy } from './fast-path.js';
import type { Conflict, FileChange } from './outcome.js';
import { exactExcludeRule } from './refused-names.js';
import { CLOUD_BACKUPS_EXCLUDE, REPLACED_EXCLUDE } from './reserved-names.js';
import { parseListing } from './safety-net.js';

/**
 * A watched save reaches the bucket before the bisync that records it (issue 11): at 10,000 notes
 * rclone bisync spends seconds listing both sides before it uploads one note. The edited notes are
 * copied first, every object they replace moved into the run's own cloud backup dir, which is then
 * settled as any run's: a version this machine never had (another machine's upload) is kept as a
 * conflict copy on both sides. The bisync that follows finds the note changed on both sides with
 * the same content, which rclone 1.66+ records without a conflict.
 */

/** At most this many notes are uploaded first: a save, not a burst (which the bisync takes whole). */
export const UPLOAD_FIRST_MAX_FILES = 3;

export interface UploadFirstInputs {
  /** The edited files the watch saw (relative, with `/`). */
  edited: string[];
  /**
   * The pair is as a good run left it, with checksum listings (every `fastPathBlocker` condition
   * but the watched edit itself holds): no baseline due, nothing left over, filters the watcher reads as rclone does.
   */
  settled: boolean;
  /** rclone 1.66+: `--backup-dir` to keep what the upload replaces, and bisync's equal-content check. */
  backupDirs: boolean;
}

/** Pure: the notes to upload before the bisync, or why none are. */
export function planUploadFirst(inputs: UploadFirstInputs): { files: string[] } | { why: string } {
  if (!inputs.backupDirs) return { why: 'rclone before 1.66 keeps no backup of what an upload replaces' };
  if (!inputs.settled) return { why: 'the pair is not as a good run with checksums left it' };
  if (inputs.edited.length === 0) return { why: 'the watch named no edited note' };
  if (inputs.edited.length > UPLOAD_FIRST_MAX_FILES) return { why: 'more notes changed than one save writes' };
  return { files: [...inputs.edited].sort() };
}

/**
 * Those of `files` that are regular files in the folder now and in the sync (the upload names them
 * one by one, past the filters file); a path deleted, a folder, a link or one filtered out is left to
 * the bisync, which follows anyway. undefined when none is left.
 */
export function uploadableFiles(localPath: string, files: string[], excluded: (relative: string) => boolean): string[] | undefined {
  const uploadable = files.filter((file) => {
    const folder = path.posix.dirname(file);
    if (excluded(file) || (folder !== '.' && folderExcludedBy(folder, excluded))) return false;
    return lstatSync(path.join(localPath, file), { throwIfNoEntry: false })?.isFile() === true;
  });
  return uploadable.length > 0 ? uploadable : undefined;
}

export interface UploadFirstTarget {
  localPath: string;
  remotePath: string;
  workdir: string;
  tigris: boolean;
}

export interface UploadedFirst {
  uploaded: FileChange[];
  /** Versions of another machine the uploads replaced, kept as conflict copies on both sides. */
  kept: Conflict[];
}

/**
 * Copies `files` to the bucket, each object they replace moved to a backup dir of this run, then
 * settles that dir. Any failure leaves the notes to the bisync: it uploads what did not arrive.
 */
export async function uploadFirst(rclone: Rclone, target: UploadFirstTarget, files: string[], priorCloudListing: string | undefined): Promise<UploadedFirst> {
  const { backups, leftOver } = await openCloudBackups(rclone, target, priorCloudListing);
  // Filter rules, not --files-from: rclone takes no other filter beside that, and the backup dir
  // inside the bucket must be excluded for rclone to accept it.
  const rules = [`- ${CLOUD_BACKUPS_EXCLUDE}`, `- ${REPLACED_EXCLUDE}`, ...files.map((file) => `+ ${exactExcludeRule(file)}`), '- **'];
  const args = ['copy', target.localPath, target.remotePath, ...rules.flatMap((rule) => ['--filter', rule]), '--no-traverse', '--checksum', '--backup-dir', backups.dir];
  if (target.tigris) args.push('--header', TIGRIS_CONSISTENT_HEADER);
  const copied = await rclone.run(args, { detached: true });
  const inCloud = priorCloudListing ? parseListing(priorCloudListing) : new Map<string, unknown>();
  const uploaded = copied.exitCode === 0 ? files.map((file): FileChange => ({ path: file, action: inCloud.has(file) ? 'changed' : 'new' })) : [];
  // Settled whether or not the copy worked: it may have replaced some objects before it failed.
  const kept = await backups.settle({ kind: 'ok', changes: { toCloud: files.map((file) => ({ path: file, action: 'changed' })), toLocal: [] }, conflicts: [] }, priorCloudListing);
  return { uploaded, kept: [...leftOver, ...kept] };
}
