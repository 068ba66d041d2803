import fs from 'node:fs/promises';
import path from 'node:path';
import { isReservedKey } from '../../core/reserved-names.js';

/** One note as the tenant container's app sees it in the mounted folder. */
export interface NoteEntry {
  /** Relative to the mount, `/`-separated: the object key. */
  path: string;
  size: number;
  modifiedAt: string;
  /** The first Markdown heading, null when the note has none, undefined while not read yet (start-up lists first). */
  title: string | null | undefined;
}

/** Path → entry: what the app's file sync last saw. */
export type NoteIndex = Map<string, NoteEntry>;

/** Bytes read from the top of a note to find its heading: titles sit at the top. */
const HEAD_BYTES = 4096;
/**
 * File operations on a container mount at once from the server process (reading one note). Each
 * holds a libuv pool thread (4 by default) until rclone has answered, and rclone's answer needs the
 * embedded store, which reads bodies on that same pool: enough of them at once deadlock the server
 * with itself. Scans, which do thousands, run in a child process (scan-process.ts).
 */
const MOUNT_OPERATIONS = 2;

let mountOperationsRunning = 0;
const waitingForMount: (() => void)[] = [];

/** Runs `operation` (one file-system call into a container mount) when one of the few slots is free. */
export async function onMount<T>(operation: () => Promise<T>): Promise<T> {
  if (mountOperationsRunning >= MOUNT_OPERATIONS) await new Promise<void>((resolve) => waitingForMount.push(resolve));
  else mountOperationsRunning++;
  try {
    return await operation();
  } finally {
    const next = waitingForMount.shift();
    if (next) next();
    else mountOperationsRunning--;
  }
}

/** Pure: the text of the first ATX heading (`# Title`), skipping a YAML front matter block. */
export function firstHeading(text: string): string | null {
  let lines = text.split(/\r?\n/);
  if (lines[0] === '---') {
    const end = lines.indexOf('---', 1);
    lines = end === -1 ? [] : lines.slice(end + 1);
  }
  for (const line of lines) {
    const match = /^#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (match?.[1]) return match[1];
  }
  return null;
}

/**
 * Pure: the entries of an index saved by an earlier run of the container (a JSON array), keeping only
 * well-formed ones with their title read; anything else in the file is ignored, never trusted.
 */
export function parseSavedIndex(text: string): NoteEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown): NoteEntry[] => {
    const { path: key, size, modifiedAt, title } = (item ?? {}) as Record<string, unknown>;
    const wellFormed = typeof key === 'string' && typeof size === 'number' && typeof modifiedAt === 'string' && (typeof title === 'string' || title === null);
    return wellFormed ? [{ path: key, size, modifiedAt, title }] : [];
  });
}

/** Pure: what a stopping container saves for its next start: the entries whose title it read. */
export function savedIndexText(index: NoteIndex): string {
  return JSON.stringify([...index.values()].filter((entry) => entry.title !== undefined));
}

/** Pure: whether an entry still describes the file (same size and time) with its title read, so the note need not be read again. */
export function unchanged(entry: NoteEntry | undefined, size: number, modifiedAt: string): entry is NoteEntry {
  return entry !== undefined && entry.title !== undefined && entry.size === size && entry.modifiedAt === modifiedAt;
}

async function readTitle(file: string): Promise<string | null> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return firstHeading(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** The entry for one key, or undefined when the mount shows no such file; without `titles`, only its size and time are read. */
export async function readEntry(root: string, key: string, previous: NoteEntry | undefined, titles = true): Promise<NoteEntry | undefined> {
  const file = path.join(root, ...key.split('/'));
  const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (!stat?.isFile()) return undefined;
  const modifiedAt = stat.mtime.toISOString();
  if (unchanged(previous, stat.size, modifiedAt)) return previous;
  return { path: key, size: stat.size, modifiedAt, title: titles ? await readTitle(file) : undefined };
}

/** Every note key under `root` (recursively), `/`-separated: files outside the bucket's reserved prefixes. */
async function listKeys(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  const keys = entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  return keys.filter((key) => !isReservedKey(key));
}

async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * A full scan of the mounted folder, as the app's file sync does; titles are read only for changed
 * files, and not at all without `titles` (each is one GET through the mount).
 */
export async function scanNotes(root: string, previous: NoteIndex, concurrency: number, titles = true): Promise<NoteIndex> {
  const index: NoteIndex = new Map();
  await inBatches(await listKeys(root), concurrency, async (key) => {
    const entry = await readEntry(root, key, previous.get(key), titles);
    if (entry) index.set(key, entry);
  });
  return index;
}

/** The names a folder of the mount lists now (none when it is gone): the kernel caches no listing, unlike a stat. */
async function namesIn(root: string, folder: string): Promise<Set<string>> {
  const names = await fs.readdir(path.join(root, ...folder.split('/').filter(Boolean))).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  return new Set(names);
}

/**
 * Updates just the named keys in `index` (added, changed or gone). Whether a key exists is read from
 * its folder's listing: a stat could be answered from the kernel's entry cache for a deleted file.
 */
export async function refreshKeys(root: string, keys: readonly string[], index: NoteIndex, concurrency: number): Promise<void> {
  const listings = new Map<string, Promise<Set<string>>>();
  await inBatches([...new Set(keys)], concurrency, async (key) => {
    const folder = path.posix.dirname(key) === '.' ? '' : path.posix.dirname(key);
    let listing = listings.get(folder);
    if (!listing) listings.set(folder, (listing = namesIn(root, folder)));
    const entry = (await listing).has(path.posix.basename(key)) ? await readEntry(root, key, index.get(key)) : undefined;
    if (entry) index.set(key, entry);
    else index.delete(key);
  });
}
