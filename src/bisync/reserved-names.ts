import { CLOUD_BACKUPS_DIR } from '../core/reserved-names.js';

export { CLOUD_BACKUPS_DIR };

/**
 * The bucket prefix of each run's backup dir (`cloud-backups.ts`) is kept out of every sync by an
 * `--exclude` flag, not by the filters file, whose change would force a baseline.
 */
export const CLOUD_BACKUPS_EXCLUDE = `/${CLOUD_BACKUPS_DIR}/**`;
