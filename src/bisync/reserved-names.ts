import { CLOUD_BACKUPS_DIR, REPLACED_SUFFIX } from '../core/reserved-names.js';

export { CLOUD_BACKUPS_DIR, REPLACED_SUFFIX };

/**
 * The bucket prefix of each run's backup dir (`cloud-backups.ts`) is kept out of every sync by an
 * `--exclude` flag, not by the filters file, whose change would force a baseline.
 */
export const CLOUD_BACKUPS_EXCLUDE = `/${CLOUD_BACKUPS_DIR}/**`;

/** Notes rclone < 1.66 set aside while it replaces them (`replaced-versions.ts`), in any folder. */
export const REPLACED_EXCLUDE = `*${REPLACED_SUFFIX}`;

/** The `--exclude` flags that keep the reserved names out of an rclone command over the folder or the bucket. */
export const RESERVED_EXCLUDE_ARGS: readonly string[] = ['--exclude', CLOUD_BACKUPS_EXCLUDE, '--exclude', REPLACED_EXCLUDE];
