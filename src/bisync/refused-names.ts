import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Past these lengths a store may refuse a key (S3: 1,024 bytes; stores that keep objects as files:
 * about 255 per name, less their own suffix). Only a failed upload of such a name is set aside:
 * a short name that fails is a network or server error and is retried as usual.
 */
export const NAME_COMPONENT_LIMIT_BYTES = 200;
export const KEY_LIMIT_BYTES = 1024;

/** Pure: a path whose name is long enough for a store to refuse it. */
export function looksTooLong(file: string): boolean {
  return Buffer.byteLength(file) > KEY_LIMIT_BYTES || file.split('/').some((part) => Buffer.byteLength(part) > NAME_COMPONENT_LIMIT_BYTES);
}

// `ERROR : <path>: Failed to copy: InternalError: …`
const FAILED_COPY = /ERROR\s*:\s*(.+?): Failed to copy: /;

/** Pure: the over-long names whose copy failed in a run's log. */
export function refusedLongNames(log: string): string[] {
  const found = new Set<string>();
  for (const line of log.split(/\r?\n/)) {
    const file = FAILED_COPY.exec(line)?.[1]?.trim();
    if (file && looksTooLong(file)) found.add(file);
  }
  return [...found];
}

/** Pure: an rclone filter rule matching exactly this path from the root. */
export function exactExcludeRule(file: string): string {
  return `/${file.replace(/[\\*?[\]{}]/g, (char) => `\\${char}`)}`;
}

const refusedFile = (workdir: string) => path.join(workdir, 'refused-names.json');

/** The names set aside so far that still exist in the folder (a renamed one syncs again). */
export async function readRefusedNames(workdir: string, localPath: string): Promise<string[]> {
  const text = await fs.readFile(refusedFile(workdir), 'utf8').catch(() => '[]');
  const names = JSON.parse(text) as string[];
  const present = await Promise.all(names.map((name) => fs.stat(path.join(localPath, name)).then(() => true, () => false)));
  return names.filter((_, index) => present[index]);
}

export async function rememberRefusedNames(workdir: string, localPath: string, found: string[]): Promise<void> {
  if (found.length === 0) return;
  const known = await readRefusedNames(workdir, localPath);
  await fs.mkdir(workdir, { recursive: true, mode: 0o700 });
  await fs.writeFile(refusedFile(workdir), JSON.stringify([...new Set([...known, ...found])]), { mode: 0o600 });
}

/** Pure: the line said on every run while some notes are left out. */
export function refusedNamesNote(names: string[]): string {
  return `Not synced: ${names.length === 1 ? 'a note whose name is' : `${names.length} notes whose names are`} too long for the cloud (${names.map((name) => `${name.slice(0, 40)}…`).join(', ')}); ${names.length === 1 ? 'it stays' : 'they stay'} in this folder: rename to a shorter name to sync.`;
}
