/**
 * Bucket names that belong to the sync machinery, not to the notes (docs/API-CONTRACT.md, "Reserved
 * names"). One definition for both programs: the CLI keeps them out of every sync, and the reference
 * server's container view keeps them out of the notes it lists.
 */

/** The bucket prefix of each bisync run's cloud backups and of the lease's markers (`src/bisync/cloud-backups.ts`, `cloud-lease.ts`). */
export const CLOUD_BACKUPS_DIR = '.basic-memory-backups';

/**
 * The name rclone before 1.66 gives, for the length of a `cloud bisync` run, to a note it replaces
 * (`--suffix`, beside the note, in the folder and in the bucket): `notes/a.md` → `notes/a.md.bm-replaced`.
 * The CLI keeps or removes each one when the run ends (`src/bisync/safety-net.ts` in the folder,
 * `src/bisync/cloud-backups.ts` in the bucket).
 */
export const REPLACED_SUFFIX = '.bm-replaced';

/** Pure: whether an object key (`/`-separated, relative to the bucket) is reserved: under the backups prefix, or a replaced note. */
export function isReservedKey(key: string): boolean {
  return key === CLOUD_BACKUPS_DIR || key.startsWith(`${CLOUD_BACKUPS_DIR}/`) || key.endsWith(REPLACED_SUFFIX);
}

/**
 * rclone filter rules for the reserved names, passed as `--exclude` flags to every rclone command
 * over the folder or the bucket (syncs, listings, mounts): never in the bisync filters file, whose
 * change would force a baseline.
 */
export const CLOUD_BACKUPS_EXCLUDE = `/${CLOUD_BACKUPS_DIR}/**`;
export const REPLACED_EXCLUDE = `*${REPLACED_SUFFIX}`;
export const RESERVED_EXCLUDE_ARGS: readonly string[] = ['--exclude', CLOUD_BACKUPS_EXCLUDE, '--exclude', REPLACED_EXCLUDE];
