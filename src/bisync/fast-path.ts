import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, type BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { Rclone } from '../rclone/runner.js';
import { TIGRIS_CONSISTENT_HEADER } from './args.js';
import type { ComparisonKind } from './compare.js';
import type { RunPlan } from './plan.js';
import { RESERVED_EXCLUDE_ARGS } from './reserved-names.js';

/**
 * "Nothing to sync" without starting rclone bisync (issue 11): when the folder holds exactly what
 * rclone's last listing of it says (path, size, MD5) and the bucket exactly what its last listing of
 * the bucket says, rclone would find no change on either side. Anything this module cannot be sure
 * of (a listing it does not read, a missing hash, a filter it does not understand, a leftover of an
 * unfinished run) means rclone runs as before: a wrong "nothing to sync" would leave an edit unsynced.
 */

/** One file of a listing or of a side: its size and its MD5 (undefined when the side has none). */
export interface SideFile {
  size: number;
  md5: string | undefined;
}

export type SideFiles = Map<string, SideFile>;

// `- size hash id modtime "path"` (cmd/bisync/listing.go); `-` is a file's flag, the hash `md5:<hex>` or `-`.
const LISTING_HEADER = /^# bisync listing v1 from /;
const LISTING_LINE = /^- +(\d+) (\S+) \S+ \S+ (".*")$/;

/** Pure: rclone bisync's listing file → its files, or undefined when any line is not one this reads. */
export function parseListingStrict(text: string): SideFiles | undefined {
  const lines = text.split('\n');
  if (!LISTING_HEADER.test(lines[0] ?? '')) return undefined;
  const files: SideFiles = new Map();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const match = LISTING_LINE.exec(line);
    if (!match?.[1] || !match[2] || !match[3]) return undefined;
    let name: unknown;
    try {
      name = JSON.parse(match[3]);
    } catch {
      return undefined;
    }
    if (typeof name !== 'string') return undefined;
    const md5 = /^md5:([0-9a-f]{32})$/.exec(match[2])?.[1];
    if (match[2] !== '-' && md5 === undefined) return undefined;
    files.set(name, { size: Number(match[1]), md5 });
  }
  return files;
}

/** Pure: whether a side is exactly its listing, every file with an MD5 on both: sizes and hashes equal. */
export function sameAsListing(listing: SideFiles, side: SideFiles): boolean {
  if (listing.size !== side.size) return false;
  for (const [name, listed] of listing) {
    const found = side.get(name);
    if (!found || found.size !== listed.size || !listed.md5 || found.md5 !== listed.md5) return false;
  }
  return true;
}

// The filter rules `compileFilterRules` reads exactly as rclone does: `+`/`-`, `*`, `**`, `?`, plain
// characters. Braces, brackets, escapes, `!` and regular expressions are rclone's alone: with them,
// a folder walk could leave out a file rclone syncs.
const SIMPLE_RULE = /^[+-] [^{}[\]\\]+$/;

/** Pure: whether every line of a filters file is one `compileFilterRules` matches as rclone does. */
export function filtersUnderstood(text: string): boolean {
  return text.split(/\r?\n/).map((line) => line.trim()).every((line) => line === '' || line.startsWith('#') || line.startsWith(';') || SIMPLE_RULE.test(line));
}

/** rclone's files for a pair that a finished run leaves; any other (a lock, `-err`, `-new`) is a run not finished. */
const SETTLED_SUFFIXES = ['.path1.lst', '.path2.lst', '.path1.lst-old', '.path2.lst-old'];

export interface FastPathPreconditions {
  plan: RunPlan;
  dryRun: boolean;
  comparison: ComparisonKind;
  /** The last run's result from the state file (undefined: no run recorded). */
  lastResult: string | undefined;
  workdirNames: string[];
  session: string;
  filters: string;
  /** Names left out of runs because the cloud refused them (refused-names.ts). */
  refusedNames: number;
  /** The watch saw a note edited since the last run: the folder differs from its listing, so rclone runs. */
  watchedEdit: boolean;
}

/** `fastPathBlocker`'s reason when only the watched edit stops the check. */
export const WATCHED_EDIT = 'the watch saw a note edited';

/** Pure: why rclone must run anyway, or undefined when the two sides may be compared with the listings. */
export function fastPathBlocker(inputs: FastPathPreconditions): string | undefined {
  if (inputs.plan.mode !== 'sync') return 'a baseline is due';
  if (inputs.dryRun) return 'a dry run shows what rclone would do';
  if (inputs.comparison !== 'checksum') return 'the listings carry no checksums (rclone before 1.66, or a pair still switching)';
  if (inputs.lastResult !== 'ok') return 'the last run did not end well';
  const unsettled = inputs.workdirNames.find((name) => name.startsWith(inputs.session) && !SETTLED_SUFFIXES.some((suffix) => name === `${inputs.session}${suffix}`));
  if (unsettled) return `rclone left ${unsettled} in its workdir`;
  if (!filtersUnderstood(inputs.filters)) return 'the filters use rules only rclone reads';
  if (inputs.refusedNames > 0) return 'some names are left out for the cloud refusing them';
  // Last: this reason alone means the pair is settled (the upload of a save first relies on it).
  if (inputs.watchedEdit) return WATCHED_EDIT;
  return undefined;
}

/** What the folder walk remembers between runs: a file's MD5 by its stat, as git's index does. */
export interface HashCacheEntry {
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  md5: string;
}

export type HashCache = Record<string, HashCacheEntry>;

/**
 * A write in the same clock tick as the hashing would leave the times unchanged: a hash is kept for
 * later runs only when the file's last change is older than this.
 */
const SETTLED_MS = 2_000n;

interface FileStat {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

/** Pure: the cached MD5 of a file whose stat is the one it was hashed with. */
export function cachedHash(entry: HashCacheEntry | undefined, stat: FileStat): string | undefined {
  if (!entry) return undefined;
  const same = entry.size === Number(stat.size) && entry.mtimeNs === String(stat.mtimeNs) && entry.ctimeNs === String(stat.ctimeNs) && entry.ino === String(stat.ino);
  return same ? entry.md5 : undefined;
}

/** Pure: whether a hash taken now may be kept for later runs. */
export function settledAt(stat: FileStat, nowMs: number): boolean {
  const newest = stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs;
  return newest / 1_000_000n + SETTLED_MS < BigInt(nowMs);
}

/**
 * The folder as rclone's local listing would see it: regular files not filtered out (rclone skips
 * symbolic links), each with its size and MD5; the MD5 read from the cache when the stat matches.
 * Files whose size differs from the listing are not hashed: they differ anyway.
 */
export async function walkFolder(root: string, excluded: (relative: string) => boolean, listing: SideFiles, cacheFile: string): Promise<SideFiles> {
  const cache = (await readJsonFile<HashCache>(cacheFile).catch(() => undefined)) ?? {};
  const nextCache: HashCache = {};
  const files: SideFiles = new Map();
  const toHash: { relative: string; stat: FileStat }[] = [];
  const folderExcluded = new Map<string, boolean>();
  const now = Date.now();
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const folder = entry.parentPath === root ? '' : entry.parentPath.slice(root.length + 1).split(path.sep).join('/');
    if (!folderExcluded.has(folder)) folderExcluded.set(folder, folder !== '' && folderExcludedBy(folder, excluded));
    const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (folderExcluded.get(folder) === true || excluded(relative)) continue;
    // Thousands of small stats: the synchronous call is many times faster than a promise each.
    let stat: BigIntStats;
    try {
      stat = lstatSync(path.join(root, relative), { bigint: true });
    } catch {
      continue;
    }
    if (!stat.isFile()) continue;
    const size = Number(stat.size);
    const cached = listing.get(relative)?.size === size ? cachedHash(cache[relative], stat) : undefined;
    if (cached) {
      files.set(relative, { size, md5: cached });
      nextCache[relative] = cache[relative] as HashCacheEntry;
    } else if (listing.get(relative)?.size === size) toHash.push({ relative, stat });
    // A size other than the listing's differs anyway: no need to read the file.
    else files.set(relative, { size, md5: undefined });
  }
  let next = 0;
  const worker = async () => {
    while (next < toHash.length) {
      const { relative, stat } = toHash[next] as (typeof toHash)[number];
      next += 1;
      const size = Number(stat.size);
      const md5 = await md5OfFile(path.join(root, relative));
      files.set(relative, { size, md5 });
      if (md5 && settledAt(stat, now)) nextCache[relative] = { size, mtimeNs: String(stat.mtimeNs), ctimeNs: String(stat.ctimeNs), ino: String(stat.ino), md5 };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (toHash.length > 0 || Object.keys(nextCache).length !== Object.keys(cache).length) await writeJsonFile(cacheFile, nextCache).catch(() => undefined);
  return files;
}

/** Pure: a folder is out of the sync when a folder rule (`dir/`, `dir/**`) excludes it or a folder above it. */
export function folderExcludedBy(folder: string, excluded: (relative: string) => boolean): boolean {
  const parts = folder.split('/');
  for (let depth = 1; depth <= parts.length; depth += 1) if (excluded(`${parts.slice(0, depth).join('/')}/`)) return true;
  return false;
}

async function md5OfFile(file: string): Promise<string | undefined> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

interface LsjsonEntry {
  Path?: unknown;
  Size?: unknown;
  IsDir?: unknown;
  Hashes?: { md5?: unknown };
}

/** Pure: `rclone lsjson --hash` output → the files, or undefined when it is not what this reads. */
export function parseLsjson(text: string): SideFiles | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const files: SideFiles = new Map();
  for (const entry of parsed as LsjsonEntry[]) {
    if (entry.IsDir === true) continue;
    if (typeof entry.Path !== 'string' || typeof entry.Size !== 'number') return undefined;
    const md5 = typeof entry.Hashes?.md5 === 'string' && /^[0-9a-f]{32}$/.test(entry.Hashes.md5) ? entry.Hashes.md5 : undefined;
    files.set(entry.Path, { size: entry.Size, md5 });
  }
  return files;
}

/**
 * The bucket as rclone lists it, with the sync's own filters: one listing walk (S3 ListObjectsV2),
 * the MD5 from each ETag, no per-object request (no modification times). `files` is undefined when
 * rclone failed or was stopped.
 */
export async function listBucket(rclone: Rclone, target: { remotePath: string; filtersFile: string; tigris: boolean }): Promise<{ files: Promise<SideFiles | undefined>; stop(): void }> {
  const args = ['lsjson', target.remotePath, '--recursive', '--files-only', '--no-modtime', '--no-mimetype', '--hash', '--hash-type', 'MD5', ...RESERVED_EXCLUDE_ARGS, '--filter-from', target.filtersFile];
  if (target.tigris) args.push('--header', TIGRIS_CONSISTENT_HEADER);
  const child = await rclone.start(args);
  return {
    files: child.result.then((result) => (result.exitCode === 0 ? parseLsjson(result.stdout) : undefined), () => undefined),
    stop: () => child.kill('SIGTERM'),
  };
}

export interface QuickCheckInputs extends Omit<FastPathPreconditions, 'workdirNames' | 'filters'> {
  rclone: Rclone;
  target: { localPath: string; remotePath: string; workdir: string; filtersFile: string; tigris: boolean };
  excluded: (relative: string) => boolean;
}

export type QuickCheck = { nothingToSync: true } | { nothingToSync: false; why: string };

/** Whether rclone bisync would find nothing to do: both sides compared with rclone's last listings. */
export async function checkNothingToSync(inputs: QuickCheckInputs): Promise<QuickCheck> {
  const { target } = inputs;
  const [workdirNames, filters] = await Promise.all([
    fs.readdir(target.workdir).catch(() => [] as string[]),
    fs.readFile(target.filtersFile, 'utf8').catch(() => ''),
  ]);
  const blocker = fastPathBlocker({ ...inputs, workdirNames, filters });
  if (blocker) return { nothingToSync: false, why: blocker };
  const listingOf = async (side: 'path1' | 'path2') => parseListingStrict(await fs.readFile(path.join(target.workdir, `${inputs.session}.${side}.lst`), 'utf8').catch(() => ''));
  const [localListing, cloudListing] = await Promise.all([listingOf('path1'), listingOf('path2')]);
  if (!localListing || !cloudListing) return { nothingToSync: false, why: 'a listing is not one this CLI reads' };
  // The bucket's listing waits on the network while the folder is walked; a changed folder stops it.
  const bucket = await listBucket(inputs.rclone, target);
  const folder = await walkFolder(target.localPath, inputs.excluded, localListing, hashCacheFile(target.workdir)).catch((error: unknown) => {
    bucket.stop();
    throw error;
  });
  if (!sameAsListing(localListing, folder)) {
    bucket.stop();
    await bucket.files;
    return { nothingToSync: false, why: 'the folder changed' };
  }
  const cloud = await bucket.files;
  if (!cloud) return { nothingToSync: false, why: 'the bucket could not be listed' };
  if (!sameAsListing(cloudListing, cloud)) return { nothingToSync: false, why: 'the bucket changed' };
  return { nothingToSync: true };
}

/** The folder's MD5s by stat, kept beside rclone's listings. */
function hashCacheFile(workdir: string): string {
  return path.join(workdir, 'folder-hashes.json');
}

