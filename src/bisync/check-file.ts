import fs from 'node:fs/promises';
import path from 'node:path';
import { CHECK_FILENAME } from './args.js';

/**
 * The check file (--check-access) also keeps a new, empty folder's listing from being empty. Every
 * machine writes the same bytes with the same time: two machines that each created their own copy
 * at a different moment once made rclone 1.75's `--resync` stop on "Modtime not equal in listing"
 * for it (issue 8, B8). A time far in the past also never wins a "newer" conflict against a note.
 */
export const CHECK_FILE_CONTENT = 'Basic Memory sync check file: keep it in this folder and in the cloud.\n';
export const CHECK_FILE_TIME = new Date('2024-01-01T00:00:00Z');

export type CheckFileAction = 'create' | 'rewrite' | 'set-time' | 'keep';

/** Pure: what the check file needs, from what the folder holds (undefined: missing). */
export function checkFileAction(current: { content: string; modifiedMs: number } | undefined): CheckFileAction {
  if (!current) return 'create';
  if (current.content !== CHECK_FILE_CONTENT) return 'rewrite';
  // File systems keep whole seconds at least; a sub-second rest is not a different time.
  if (Math.abs(current.modifiedMs - CHECK_FILE_TIME.getTime()) >= 1000) return 'set-time';
  return 'keep';
}

/** Writes the check file only when it is missing or differs (content or time); says what it did. */
export async function ensureCheckFile(folder: string): Promise<CheckFileAction> {
  const file = path.join(folder, CHECK_FILENAME);
  const [content, stat] = await Promise.all([fs.readFile(file, 'utf8').catch(() => undefined), fs.stat(file).catch(() => undefined)]);
  const action = checkFileAction(content === undefined || !stat?.isFile() ? undefined : { content, modifiedMs: stat.mtimeMs });
  if (action === 'create' || action === 'rewrite') await fs.writeFile(file, CHECK_FILE_CONTENT);
  if (action !== 'keep') await fs.utimes(file, CHECK_FILE_TIME, CHECK_FILE_TIME);
  return action;
}
