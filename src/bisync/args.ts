import { featureSince, supports } from '../rclone/capabilities.js';
import type { RcloneVersion } from '../rclone/version.js';
import { REPLACED_SUFFIX, RESERVED_EXCLUDE_ARGS } from './reserved-names.js';
import { rcloneConflictSuffix } from './conflicts.js';
import type { BisyncProfile } from './profiles.js';

/** Where the check file lives; it also keeps a brand-new folder's listing from being empty. */
export const CHECK_FILENAME = '.basic-memory-bisync';

export const TIGRIS_CONSISTENT_HEADER = 'X-Tigris-Consistent: true';

export interface BisyncArgOptions {
  localPath: string;
  remotePath: string;
  workdir: string;
  filtersFile: string;
  /** `baseline` is rclone's --resync: lists both sides afresh, copies what one side lacks. */
  mode: 'sync' | 'baseline';
  dryRun: boolean;
  /** Bypasses rclone's safety aborts; only for the "all files were changed" false alarm. */
  force: boolean;
  /** The endpoint is Tigris: ask for consistent reads (stale edge reads were a field bug). */
  tigris: boolean;
  /** Paths left out of this run (exact rclone filter rules), e.g. names the cloud refuses. */
  excludes?: string[];
  /** The comparison's flags (`chooseComparison`), in place of the profile's `--compare`. */
  comparison?: string[];
  /** When the run starts: rclone 1.66+ puts it in the names of the conflict copies it makes. */
  startedAt?: Date;
  /** Where rclone 1.66+ moves the cloud objects it replaces or deletes (`openCloudBackups`). */
  cloudBackupDir?: string;
}

/** A profile option the installed rclone lacks, and what happens instead (said once). */
export interface Fallback {
  key: string;
  message: string;
}

export interface BisyncArgs {
  args: string[];
  fallbacks: Fallback[];
}

/**
 * Pure: profile + options + detected rclone version → argv. Never passes a flag the installed
 * rclone does not know: each one is asked of the capability table.
 */
export function buildBisyncArgs(profile: BisyncProfile, options: BisyncArgOptions, version: RcloneVersion): BisyncArgs {
  const args = [
    'bisync', options.localPath, options.remotePath,
    '--workdir', options.workdir,
    '--filters-file', options.filtersFile,
    '--max-delete', String(profile.maxDeletePercent),
    '--check-filename', CHECK_FILENAME,
    // INFO lines carry the per-file changes the outcome parser reads.
    '--verbose',
  ];
  const fallbacks: Fallback[] = [];

  if (options.mode === 'baseline') args.push('--resync');
  // On a baseline the check file may exist on one side only until the baseline copies it over.
  if (profile.checkAccess && options.mode === 'sync') args.push('--check-access');

  if (profile.resilient) {
    if (supports(version, 'resilient')) args.push('--resilient');
    else fallbacks.push({
      key: 'resilient',
      message: `rclone ${version.raw} has no --resilient (${featureSince('resilient')}+): after a failed run the next one rebuilds the baseline by itself, keeping every file.`,
    });
  }

  if (supports(version, 'recover')) args.push('--recover');
  if (supports(version, 'maxLock')) args.push('--max-lock', '2m');
  if (supports(version, 'compare') && !options.comparison) args.push('--compare', profile.compare);
  if (supports(version, 'conflictResolve')) {
    // The one conflict-copy scheme on every version (see conflictCopyName), extension kept last.
    const suffix = rcloneConflictSuffix(profile.conflictSuffix, options.startedAt ?? new Date());
    args.push('--conflict-resolve', profile.conflictResolve, '--conflict-loser', profile.conflictLoser, '--conflict-suffix', suffix, '--suffix-keep-extension');
  } else if (profile.conflictResolve === 'newer') {
    fallbacks.push({
      key: 'conflict-resolve',
      message: `rclone ${version.raw} has no --conflict-resolve (${featureSince('conflictResolve')}+): conflicts are resolved after the run instead: the newer copy keeps the name, the older is kept as a conflict copy on both sides.`,
    });
  }
  if (!supports(version, 'compare') && profile.compare !== 'size,modtime') {
    fallbacks.push({
      key: 'compare',
      message: `rclone ${version.raw} has no --compare (${featureSince('compare')}+): changes are detected by modification time only.`,
    });
  }

  if (options.comparison) args.push(...options.comparison);
  if (options.tigris) args.push('--header', TIGRIS_CONSISTENT_HEADER);
  // Every run, on every version: another machine's backups are never synced, even by an older rclone.
  args.push(...RESERVED_EXCLUDE_ARGS);
  if (options.cloudBackupDir && supports(version, 'backupDirs') && !options.dryRun) args.push('--backup-dir2', options.cloudBackupDir);
  // Before 1.66 there is no backup dir: rclone renames what it replaces, on either side, instead of
  // writing over it (and before 1.63 a download is written into the note's own file).
  if (!supports(version, 'backupDirs') && !options.dryRun) args.push('--suffix', REPLACED_SUFFIX);
  if (!supports(version, 'partialDownloads')) {
    fallbacks.push({
      key: 'in-place-downloads',
      message: `rclone ${version.raw} writes a download into the note's own file (${featureSince('partialDownloads')}+ writes a new one and renames it): each note is set aside before rclone replaces it, but a save in the milliseconds before rclone opens the note can be lost. Upgrade rclone for the full guarantee.`,
    });
  }
  for (const rule of options.excludes ?? []) args.push('--exclude', rule);
  if (options.dryRun) args.push('--dry-run');
  if (options.force) args.push('--force');
  return { args, fallbacks };
}

/**
 * Pure: whether rclone settles this run's conflicts as the profile asks, from the argv it runs with.
 * Before 1.66 there is no --conflict-resolve; from 1.66 rclone ignores `newer`/`older` when --compare
 * (default size,modtime) leaves modtime out, and keeps both copies: this CLI then resolves them.
 */
export function rcloneSettlesConflicts(args: readonly string[]): boolean {
  const valueOf = (flag: string) => {
    const at = args.lastIndexOf(flag);
    return at === -1 ? undefined : args[at + 1];
  };
  const resolve = valueOf('--conflict-resolve');
  if (resolve === undefined) return false;
  if (resolve !== 'newer' && resolve !== 'older') return true;
  return (valueOf('--compare') ?? 'size,modtime').split(',').includes('modtime');
}

/** Tigris's S3 endpoints (fly.storage.tigris.dev, t3.storage.dev, …). */
export function isTigrisEndpoint(endpointUrl: string): boolean {
  let host: string;
  try {
    host = new URL(endpointUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return ['tigris.dev', 'storage.dev'].some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/**
 * rclone's session name for a pair (cmd/bisync/bilib): both roots with a trailing slash, trimmed of
 * slashes, whitespace and `\/:?*` turned into `_`, joined by `..`. Listing and lock files start with it.
 */
export function bisyncSessionName(localPath: string, remotePath: string): string {
  const canonical = (root: string) => (root.endsWith('/') ? root : `${root}/`).replace(/^[\\/]+|[\\/]+$/g, '').replace(/[\s\\/:?*]/g, '_');
  return `${canonical(localPath)}..${canonical(remotePath)}`;
}
