import { createHash } from 'node:crypto';
import { linkSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { freeCopyName, md5Of } from './conflicts.js';
import { watchFolderWrites } from './folder-watch.js';
import type { Conflict } from './outcome.js';
import { supports } from '../rclone/capabilities.js';
import type { RcloneVersion } from '../rclone/version.js';
import { REPLACED_SUFFIX } from './reserved-names.js';

/**
 * The copy-on-write safety net of one `cloud bisync` run (issue 8): rclone bisync has a window
 * between its listing and its copies in which a note edited in the folder is overwritten by the
 * cloud's version with no conflict. The net keeps every version of a note the folder held during the
 * run (a hard link of each file before the run, where rclone replaces files by rename, and a capture
 * of each file written while it runs) and afterwards restores, as a conflict copy, each one that rclone
 * replaced or deleted without an identical copy left and that had not been synced before.
 */

/** One entry of rclone's prior listing of the folder (`<session>.path1.lst`). */
export interface ListedFile {
  size: number;
  md5: string | undefined;
  modifiedMs: number;
}

/** Pure: rclone's listing file (`- size hash - modtime "path"`) → path → what was synced. */
export function parseListing(text: string): Map<string, ListedFile> {
  const files = new Map<string, ListedFile>();
  for (const line of text.split('\n')) {
    const match = /^-\s+(\d+)\s+(\S+)\s+\S+\s+(\S+)\s+(".*")\s*$/.exec(line);
    if (!match?.[1] || !match[2] || !match[3] || !match[4]) continue;
    let file: string;
    try {
      file = JSON.parse(match[4]) as string;
    } catch {
      continue;
    }
    const md5 = /^md5:([0-9a-f]{32})$/.exec(match[2])?.[1];
    files.set(file, { size: Number(match[1]), md5, modifiedMs: Date.parse(match[3]) });
  }
  return files;
}

/** A version of a note the net holds: its content hash, and whether it is the one last synced. */
export interface HeldVersion {
  path: string;
  md5: string;
  synced: boolean;
}

/**
 * Pure: the versions that must be restored as conflict copies. A version is safe when identical
 * content is in the folder after the run (under its name or as a copy) or when it is the version
 * the last sync recorded (the cloud had it, so replacing it is a pull). Only the paths rclone itself
 * wrote or deleted in the folder count: elsewhere a differing later version is the user's own save.
 */
export function versionsToRestore(held: HeldVersion[], finalHashes: Map<string, Set<string>>, rcloneWrote: (file: string) => boolean): HeldVersion[] {
  const restore: HeldVersion[] = [];
  const seen = new Set<string>();
  for (const version of held) {
    if (!rcloneWrote(version.path) || version.synced) continue;
    if (finalHashes.get(version.path)?.has(version.md5)) continue;
    const key = `${version.path}\0${version.md5}`;
    if (seen.has(key)) continue;
    seen.add(key);
    restore.push(version);
  }
  return restore;
}

export interface SafetyNetOptions {
  localPath: string;
  /**
   * Where the net keeps its versions: best on the folder's disk. The captures of a run are removed
   * after it; the links to the notes as they are stay for the next run (see `openSafetyNet`).
   */
  netDir: string;
  /** rclone's listing of the folder before the run, if there is one. */
  priorListing: string | undefined;
  /** Paths the sync ignores (filters), relative with `/`. */
  excluded: (relative: string) => boolean;
  /**
   * rclone replaces a file by renaming a new one over it (1.63+: partial files), or renames the old
   * one away first (`setsAside`), so a hard link keeps the old content; rclone writing into the note's
   * own file would write into its links too, so then the net takes copies of what the watcher sees.
   */
  rcloneRenames: boolean;
  /**
   * rclone < 1.66 with `--suffix`: each note it replaces is renamed `<note>.bm-replaced` first (what
   * an editor saved up to that moment included). Each is kept as a conflict copy unless it is the
   * version last synced or identical content is beside the note, then removed; a killed run's are
   * settled when the next net opens, before rclone can reuse the name.
   */
  setsAside?: boolean;
}

/**
 * Pure: how the net works with an rclone version. 1.63+ renames a partial download over the note;
 * before 1.66 the runs pass `--suffix` (args.ts), so rclone renames the note aside before it writes.
 */
export function safetyNetMode(version: RcloneVersion): Pick<SafetyNetOptions, 'rcloneRenames' | 'setsAside'> {
  const setsAside = !supports(version, 'backupDirs');
  return { rcloneRenames: setsAside || supports(version, 'partialDownloads'), setsAside };
}

export interface RestoredVersions {
  conflicts: Conflict[];
}

export interface SafetyNet {
  /** After the last rclone run: restore what must be kept, then drop what the net no longer needs. */
  close(rcloneWrote: (file: string) => boolean, now?: Date): Promise<RestoredVersions>;
}

interface Capture {
  path: string;
  file: string;
  /** One of the links kept from run to run (`links/`), not a capture of this run. */
  kept: boolean;
}

/** The name of a note's lasting link: one flat folder, whatever the note's path and its length. */
const linkNameOf = (relative: string) => createHash('sha1').update(relative).digest('hex');

/** Pure: whether two stats are of one file (a hard link of it): same disk, inode and change time. */
export function sameFile(a: Pick<Stats, 'dev' | 'ino' | 'ctimeMs'>, b: Pick<Stats, 'dev' | 'ino' | 'ctimeMs'>): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.ctimeMs === b.ctimeMs;
}

/**
 * Opens the net before a run. With links (rclone 1.63+), every note has one in `links/` before rclone
 * starts; a link that the last run left and that is still of the note's file (same inode: the link
 * itself keeps that inode from being reused) is that link already, so only notes saved as a new file
 * since are linked again. Linking all 10,000 notes of a folder anew took about a second per run, and
 * each link is a change event for every watcher of the folder.
 */
export async function openSafetyNet(options: SafetyNetOptions): Promise<SafetyNet> {
  const { localPath, netDir } = options;
  const linksDir = path.join(netDir, 'links');
  const runDir = path.join(netDir, 'run');
  // Only the lasting links outlive a run: whatever else is there, a killed run left.
  for (const name of await fs.readdir(netDir).catch(() => [])) {
    if (name !== 'links' || !options.rcloneRenames) await fs.rm(path.join(netDir, name), { recursive: true, force: true });
  }
  await fs.mkdir(runDir, { recursive: true, mode: 0o700 });
  const listed = options.priorListing ? parseListing(options.priorListing) : new Map<string, ListedFile>();
  const captures: Capture[] = [];
  const pending = new Set<Promise<void>>();
  let sequence = 0;
  let linksWork = options.rcloneRenames;
  // A hard link changes the file's link count, which the watcher reports as a change: the same
  // content (same inode, size and time) is kept once.
  const lastKept = new Map<string, string>();
  let closed = false;

  /** Keeps the file as it is now: `lasting` is its link in `links/` (reused when still of the file). */
  const keep = async (relative: string, lasting?: string) => {
    const source = path.join(localPath, relative);
    const file = lasting ?? path.join(runDir, String((sequence += 1)));
    try {
      // Every note before every run (10,000 at a time): synchronous calls take a fraction of the
      // time a promise each does, and delay the run's start by that much less.
      const stat = lstatSync(source);
      const identity = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      if (!stat.isFile() || lastKept.get(relative) === identity) return;
      lastKept.set(relative, identity);
      const linked = lasting ? lstatSync(lasting, { throwIfNoEntry: false }) : undefined;
      if (linked && sameFile(linked, stat)) {
        captures.push({ path: relative, file, kept: true });
        return;
      }
      if (linked) unlinkSync(lasting as string);
      // While it runs, rclone < 1.63 writes a download into whatever file has the note's name when it
      // opens it: a file an editor made a moment after rclone set the old one aside gets copied.
      if (linksWork && (lasting !== undefined || !options.setsAside)) {
        try {
          linkSync(source, file);
        } catch (error) {
          // Another disk (EXDEV) or a file system without hard links: copies from now on.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          linksWork = false;
          await fs.copyFile(source, file);
        }
      } else await fs.copyFile(source, file);
      captures.push({ path: relative, file, kept: lasting !== undefined });
    } catch (error) {
      // Gone between the event and the capture: nothing to keep.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };

  const setAside = new Set<string>();
  const ignored = (relative: string) => {
    if (options.setsAside && relative.endsWith(REPLACED_SUFFIX)) {
      setAside.add(relative);
      return true;
    }
    return relative.startsWith('..') || options.excluded(relative);
  };
  const keptAside: Conflict[] = [];
  const settleSetAside = async (candidates: Iterable<string>, now: Date) => {
    const files = [...new Set(candidates)];
    setAside.clear();
    keptAside.push(...(await keepSetAside(localPath, files, listed, now)));
  };
  const watch = await watchFolderWrites(localPath, ignored, (relative) => {
    const task = keep(relative).catch(() => undefined);
    pending.add(task);
    void task.finally(() => pending.delete(task));
  });

  // Copies of every note before each run would cost a full copy of the folder: only links are cheap.
  // Every note, the synced ones too: an editor writing in place into a linked note a moment before
  // rclone renames over it leaves the edit in the link, with no watcher event needed in time.
  if (options.rcloneRenames) {
    await fs.mkdir(linksDir, { recursive: true, mode: 0o700 });
    const wanted = new Set<string>();
    for (const relative of watch.files) {
      if (!linksWork) break;
      const name = linkNameOf(relative);
      wanted.add(name);
      await keep(relative, path.join(linksDir, name));
    }
    // Links of notes gone or out of the sync since: they would hold their space on the disk.
    for (const name of await fs.readdir(linksDir)) if (!wanted.has(name)) await fs.rm(path.join(linksDir, name), { force: true });
  }
  // A killed run's: settled before rclone could set another version aside under the same name.
  if (setAside.size > 0) await settleSetAside(setAside, new Date());

  return {
    async close(rcloneWrote, now = new Date()) {
      // A run that failed in here closes the net again on its way out: the first error is the one to tell.
      if (closed) return { conflicts: [] };
      closed = true;
      watch.close();
      await Promise.all([...pending]);
      try {
        if (options.setsAside) {
          const besideWritten = captures.filter((capture) => rcloneWrote(capture.path)).map((capture) => `${capture.path}${REPLACED_SUFFIX}`);
          await settleSetAside([...setAside, ...besideWritten], now);
        }
        const held: (HeldVersion & { file: string })[] = [];
        for (const capture of captures) {
          if (!rcloneWrote(capture.path)) continue;
          const [md5, stat] = await Promise.all([md5Of(capture.file), fs.stat(capture.file)]);
          const entry = listed.get(capture.path);
          held.push({ path: capture.path, md5, synced: isListedVersion(entry, md5, stat), file: capture.file });
        }
        const finalHashes = await hashesBeside(localPath, [...new Set(held.map((version) => version.path))]);
        const restore = versionsToRestore(held, finalHashes, rcloneWrote) as (HeldVersion & { file: string })[];
        const byPath = new Map<string, Conflict>();
        for (const version of restore) {
          if (await isPartialWriteOf(version.file, path.join(localPath, version.path))) continue;
          const copy = await freeCopyName(localPath, version.path, now);
          await fs.mkdir(path.dirname(path.join(localPath, copy)), { recursive: true });
          await fs.copyFile(version.file, path.join(localPath, copy), fs.constants.COPYFILE_EXCL);
          const conflict = byPath.get(version.path) ?? { path: version.path, copies: [], winner: undefined };
          conflict.copies.push(copy);
          byPath.set(version.path, conflict);
        }
        return { conflicts: [...keptAside, ...byPath.values()] };
      } finally {
        // What rclone replaced is kept above where it had to be: its old link only holds disk space.
        for (const capture of captures) if (capture.kept && rcloneWrote(capture.path)) await fs.rm(capture.file, { force: true });
        await fs.rm(options.rcloneRenames ? runDir : netDir, { recursive: true, force: true });
      }
    },
  };
}

/** Pure: whether a file's content is the version a listing line records (by MD5, else by size and time). */
function isListedVersion(entry: ListedFile | undefined, md5: string, stat: Pick<Stats, 'size' | 'mtimeMs'>): boolean {
  return entry !== undefined && (entry.md5 ? entry.md5 === md5 : entry.size === stat.size && Math.abs(entry.modifiedMs - stat.mtimeMs) < 1);
}

/**
 * The versions rclone set aside (`<note>.bm-replaced`, relative paths): each one that is neither the
 * version the last sync recorded nor identical to a file beside its note becomes a conflict copy;
 * the others are removed.
 */
async function keepSetAside(localPath: string, files: string[], listed: Map<string, ListedFile>, now: Date): Promise<Conflict[]> {
  const kept: Conflict[] = [];
  for (const file of files) {
    const full = path.join(localPath, file);
    const stat = await fs.lstat(full).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const note = file.slice(0, -REPLACED_SUFFIX.length);
    const md5 = await md5Of(full);
    const entry = listed.get(note);
    if (isListedVersion(entry, md5, stat) || (await hashesBeside(localPath, [note])).get(note)?.has(md5)) {
      await fs.rm(full, { force: true });
      continue;
    }
    const copy = await freeCopyName(localPath, note, now);
    await fs.rename(full, path.join(localPath, copy));
    kept.push({ path: note, copies: [copy], winner: undefined });
  }
  return kept;
}

/**
 * For each path: the hashes of it and of every file beside it whose name starts with its stem (its
 * copies). A version rclone set aside while it replaced the note (`<note>.bm-replaced`) is no copy:
 * it is removed once it is known to be kept elsewhere.
 */
export async function hashesBeside(localPath: string, files: string[]): Promise<Map<string, Set<string>>> {
  const result = new Map<string, Set<string>>();
  for (const file of files) {
    const dir = path.dirname(path.join(localPath, file));
    const base = path.basename(file);
    const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const hashes = new Set<string>();
    for (const name of names.filter((candidate) => candidate.startsWith(stem) && !candidate.endsWith(REPLACED_SUFFIX))) {
      const hash = await md5Of(path.join(dir, name)).catch(() => undefined);
      if (hash) hashes.add(hash);
    }
    result.set(file, hashes);
  }
  return result;
}

/**
 * rclone before 1.63 writes a download in place: a capture taken mid-write holds the start of the
 * new version, not an edit. Nothing is lost by skipping it: the whole version is in the folder.
 */
async function isPartialWriteOf(captured: string, current: string): Promise<boolean> {
  const [part, whole] = await Promise.all([fs.readFile(captured), fs.readFile(current).catch(() => undefined)]);
  return whole !== undefined && part.length < whole.length && whole.subarray(0, part.length).equals(part);
}
