import fs from 'node:fs/promises';
import path from 'node:path';

// `plan.conflict-20261129-134601.md`, rclone 1.66+'s `plan.conflict-20261129-134601-1.md`, and
// rclone < 1.66's `plan.md..path1` / `..path2` (before the CLI renames them).
const CONFLICT_COPY = /\.conflict-\d{8}-\d{6}(-\d+)?(\.[^./]+)?$|\.\.path[12]$/;

/** Pure: the file name is a conflict copy (one version of a note that changed on both sides). */
export function isConflictCopy(file: string): boolean {
  return CONFLICT_COPY.test(path.posix.basename(file));
}

/**
 * The conflict copies in the folder (relative, `/`-separated, sorted): every one still there, not
 * only the last run's, so none is forgotten until it is merged and deleted.
 */
export async function listConflictCopies(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && isConflictCopy(entry.name))
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
