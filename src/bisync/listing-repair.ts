import fs from 'node:fs/promises';
import path from 'node:path';
import { parseListing, type ListedFile } from './safety-net.js';

/**
 * After a run, rclone's two listings must describe one synced state: a note both list with
 * different content was not synced, whatever rclone's next run will think. Seen with real rclone:
 * 1.60 lists the folder again after its copies, so a note saved while it ran is recorded as synced
 * without an upload ("No changes found" on every later run, and a later pull replaces the save); a
 * note saved while 1.66+ uploaded its previous version can be recorded the same way. Each such note
 * is given back to the next run:
 * - `local-ahead`: the cloud holds a version this folder had (the one the last run recorded, or the
 *   one this run uploaded), so the save is simply newer: the folder's line takes the cloud's values,
 *   the file a fresh modification time, and the next run uploads it.
 * - `forget`: the cloud holds a version this folder never recorded (a pull the save landed on):
 *   both lines go, the next run finds the note new on both sides, and keeps both versions if they differ.
 */

export type ListingRepair = { path: string; action: 'local-ahead' | 'forget' };

export interface ListingsAfterRun {
  path1: Map<string, ListedFile>;
  path2: Map<string, ListedFile>;
  /** The folder's listing before the run. */
  priorPath1: Map<string, ListedFile>;
  /** Notes this run uploaded, and those it wrote in the folder (a pull or a conflict). */
  uploaded: ReadonlySet<string>;
  pulled: ReadonlySet<string>;
}

/** Pure: the notes the two listings disagree on, and how each is given back to the next run. */
export function planListingRepairs(listings: ListingsAfterRun): ListingRepair[] {
  const repairs: ListingRepair[] = [];
  for (const [file, local] of listings.path1) {
    const cloud = listings.path2.get(file);
    if (!cloud || !disagree(local, cloud)) continue;
    const cloudWasOurs = (cloud.md5 !== undefined && listings.priorPath1.get(file)?.md5 === cloud.md5) || (listings.uploaded.has(file) && !listings.pulled.has(file));
    repairs.push({ path: file, action: cloudWasOurs ? 'local-ahead' : 'forget' });
  }
  return repairs;
}

/** Two lines of one note with different content: by MD5 where both have one, else by size. */
function disagree(a: ListedFile, b: ListedFile): boolean {
  if (a.md5 !== undefined && b.md5 !== undefined) return a.md5 !== b.md5;
  return a.size !== b.size;
}

/** Pure: a listing's text with the lines of `drop` removed and those of `replace` swapped for the given lines. */
export function editListing(text: string, drop: ReadonlySet<string>, replace: ReadonlyMap<string, string>): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const file = lineFile(line);
      if (file === undefined) return [line];
      if (drop.has(file)) return [];
      return [replace.get(file) ?? line];
    })
    .join('\n');
}

function lineFile(line: string): string | undefined {
  const quoted = /^-\s.*\s(".*")\s*$/.exec(line)?.[1];
  if (!quoted) return undefined;
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}

export interface ListingFiles {
  workdir: string;
  session: string;
  localPath: string;
}

/**
 * Reads the listings a run left, repairs those that disagree (atomically, each file replaced by a
 * rename) and gives a note ahead in the folder a fresh modification time, which rclone before 1.66
 * needs to see it changed. Returns the repairs made; none when a listing is missing (the next run
 * is a baseline, which compares the sides themselves).
 */
export async function repairListings(files: ListingFiles, run: Pick<ListingsAfterRun, 'priorPath1' | 'uploaded' | 'pulled'>, now: Date = new Date()): Promise<ListingRepair[]> {
  const file1 = path.join(files.workdir, `${files.session}.path1.lst`);
  const file2 = path.join(files.workdir, `${files.session}.path2.lst`);
  const [text1, text2] = await Promise.all([fs.readFile(file1, 'utf8').catch(() => undefined), fs.readFile(file2, 'utf8').catch(() => undefined)]);
  if (text1 === undefined || text2 === undefined) return [];
  const repairs = planListingRepairs({ ...run, path1: parseListing(text1), path2: parseListing(text2) });
  if (repairs.length === 0) return [];
  const forget = new Set(repairs.filter((repair) => repair.action === 'forget').map((repair) => repair.path));
  const cloudLines = new Map<string, string>();
  for (const line of text2.split('\n')) {
    const file = lineFile(line);
    if (file !== undefined && repairs.some((repair) => repair.path === file && repair.action === 'local-ahead')) cloudLines.set(file, line);
  }
  await writeAtomically(file1, editListing(text1, forget, cloudLines));
  if (forget.size > 0) await writeAtomically(file2, editListing(text2, forget, new Map()));
  for (const file of cloudLines.keys()) await fs.utimes(path.join(files.localPath, file), now, now).catch(() => undefined);
  return repairs;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.repair`;
  await fs.writeFile(temporary, text, { mode: 0o600 });
  await fs.rename(temporary, file);
}
