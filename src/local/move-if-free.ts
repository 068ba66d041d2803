import fs from 'node:fs/promises';

/** Errors of a file system that has no hard links (FAT, exFAT, some network shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

export interface MoveIfFreeDeps {
  link: (existing: string, created: string) => Promise<void>;
}

/**
 * Renames `from` to `to` unless `to` exists, and says whether it did. A plain rename replaces the
 * target: a note an editor saved under that name a moment before would be gone. A hard link fails
 * instead when the name is taken, atomically, so the check and the move are one step; where the disk
 * has no hard links, the check comes just before the rename (a window of a system call).
 */
export async function moveIfFree(from: string, to: string, deps: MoveIfFreeDeps = { link: fs.link }): Promise<boolean> {
  try {
    await deps.link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
    if (await fs.lstat(to).then(() => true, () => false)) return false;
    await fs.rename(from, to);
    return true;
  }
  await fs.unlink(from);
  return true;
}
