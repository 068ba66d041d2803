/**
 * Bucket names that belong to the sync machinery, not to the notes (docs/API-CONTRACT.md, "Reserved
 * names"). One definition for both programs: the CLI keeps them out of every sync, and the reference
 * server's container view keeps them out of the notes it lists.
 */

/** The bucket prefix of each bisync run's cloud backups and of the lease's markers (`src/bisync/cloud-backups.ts`, `cloud-lease.ts`). */
export const CLOUD_BACKUPS_DIR = '.basic-memory-backups';

/** Pure: whether an object key (`/`-separated, relative to the bucket) lies under a reserved prefix. */
export function isReservedKey(key: string): boolean {
  return key === CLOUD_BACKUPS_DIR || key.startsWith(`${CLOUD_BACKUPS_DIR}/`);
}
