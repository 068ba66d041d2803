import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../core/errors.js';

/** Why a folder cannot hold the notes, as the file system said it. */
export type FolderProblem = 'not-a-folder' | 'read-only' | 'no-permission';

/**
 * Pure: the one sentence for a folder that cannot hold the notes. `blocker` is the path the file
 * system refused (the folder itself or the file standing where one of its parents should be).
 */
export function folderProblemMessage(folder: string, problem: FolderProblem, blocker: string): string {
  switch (problem) {
    case 'not-a-folder':
      return blocker === folder ? `${folder} is a file, not a folder.` : `${folder} cannot be a folder: ${blocker} is a file.`;
    case 'read-only':
      return `${folder} is on a read-only file system.`;
    case 'no-permission':
      return `${folder} cannot be written: permission denied.`;
  }
}

/** Pure: the problem an errno stands for, or undefined for one this check does not explain. */
export function folderProblemOf(code: string | undefined): FolderProblem | undefined {
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'not-a-folder';
    case 'EROFS':
      return 'read-only';
    case 'EACCES':
    case 'EPERM':
      return 'no-permission';
    default:
      return undefined;
  }
}

/** The nearest existing path at or above `folder` (the one the file system judges a create by). */
async function nearestExisting(folder: string): Promise<string> {
  let current = folder;
  for (;;) {
    if (await fs.lstat(current).then(() => true, () => false)) return current;
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/**
 * Makes sure the absolute `folder` is (or can become) a writable folder, without creating it, so a
 * bad path is refused before anything is changed: exit 2 with one sentence.
 */
export async function requireUsableFolder(folder: string): Promise<void> {
  const existing = await nearestExisting(folder);
  const stat = await fs.stat(existing).catch(() => undefined);
  const refuse = (problem: FolderProblem, blocker: string): never => {
    throw new CliError(folderProblemMessage(folder, problem, blocker), { hint: 'Choose another folder with --path.', exitCode: ExitCode.usage });
  };
  if (stat && !stat.isDirectory()) refuse('not-a-folder', existing);
  const access = await fs.access(existing, fs.constants.W_OK).then(() => undefined, (error: NodeJS.ErrnoException) => error.code);
  const problem = folderProblemOf(access);
  if (problem) refuse(problem, existing);
}

/** Creates the folder, turning the file system's refusal into the same sentence as `requireUsableFolder`. */
export async function makeFolder(folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true, mode: 0o700 }).catch(async (error: NodeJS.ErrnoException) => {
    const problem = folderProblemOf(error.code);
    if (!problem) throw error;
    throw new CliError(folderProblemMessage(folder, problem, problem === 'not-a-folder' ? await nearestExisting(folder) : folder), { hint: 'Choose another folder with --path.', exitCode: ExitCode.usage });
  });
}
