import { versionAtLeast, type RcloneVersion } from './version.js';

interface CapabilityRow {
  since: string;
  /** What a person misses without it: a flag of `bisync`, or an rclone command. */
  noticed: { in: 'bisync' | 'rclone'; what: string } | undefined;
  platforms?: readonly NodeJS.Platform[];
}

/**
 * What rclone can do, by the release that brought it: the only place a version number decides
 * anything. `noticed` is what a person loses on an older rclone (doctor lists it); the other rows
 * change only how this CLI talks to rclone. Thresholds follow rclone's changelog and its
 * bisync, mount and rc docs.
 */
export const RCLONE_CAPABILITIES = {
  bisync: { since: '1.58', noticed: { in: 'rclone', what: 'bisync' } },
  /** Downloads go to a partial file renamed over the old one (before: written in place). */
  partialDownloads: { since: '1.63', noticed: { in: 'rclone', what: 'downloads written to a new file (before, a save in the moment rclone replaces a note can be lost)' } },
  resilient: { since: '1.64', noticed: { in: 'bisync', what: '--resilient' } },
  createEmptySrcDirs: { since: '1.64', noticed: { in: 'bisync', what: '--create-empty-src-dirs' } },
  ignoreListingChecksum: { since: '1.64', noticed: undefined },
  nfsmount: { since: '1.65', noticed: { in: 'rclone', what: 'nfsmount (the only mount on macOS)' }, platforms: ['darwin'] },
  recover: { since: '1.66', noticed: { in: 'bisync', what: '--recover' } },
  /** --conflict-resolve, --conflict-loser and --conflict-suffix came together. */
  conflictResolve: { since: '1.66', noticed: { in: 'bisync', what: '--conflict-resolve' } },
  maxLock: { since: '1.66', noticed: { in: 'bisync', what: '--max-lock' } },
  compare: { since: '1.66', noticed: { in: 'bisync', what: '--compare' } },
  backupDirs: { since: '1.66', noticed: undefined },
  /** The first SIGINT drains transfers and wraps up; a second one stops at once. */
  gracefulInterrupt: { since: '1.66', noticed: undefined },
  /** The mount's `vfs/queue` rc call: the uploads waiting and in progress. */
  vfsQueue: { since: '1.68', noticed: undefined },
  /** A critical bisync abort exits 7 (before: 2, which now means a usage error). */
  criticalExit7: { since: '1.69', noticed: undefined },
} as const satisfies Record<string, CapabilityRow>;

// "a, b and c", as the rest of the CLI's sentences.
const AND = new Intl.ListFormat('en-GB', { style: 'long', type: 'conjunction' });

export type RcloneFeature = keyof typeof RCLONE_CAPABILITIES;

/** Oldest rclone this CLI runs: the one that brought bisync. Older ones are upgraded by `cloud setup`. */
export const MINIMUM_RCLONE = RCLONE_CAPABILITIES.bisync.since;

/** The release that has every feature a person would notice missing. */
export const FULL_FEATURED_RCLONE = noticeableRows().map((row) => row.since).sort(byVersion).at(-1) ?? MINIMUM_RCLONE;

export function supports(version: RcloneVersion, feature: RcloneFeature): boolean {
  return versionAtLeast(version, RCLONE_CAPABILITIES[feature].since);
}

export function featureSince(feature: RcloneFeature): string {
  return RCLONE_CAPABILITIES[feature].since;
}

/** Pure: every feature and whether this version has it (for tables, logs and tests). */
export function capabilitiesOf(version: RcloneVersion): Record<RcloneFeature, boolean> {
  const entries = (Object.keys(RCLONE_CAPABILITIES) as RcloneFeature[]).map((feature) => [feature, supports(version, feature)] as const);
  return Object.fromEntries(entries) as Record<RcloneFeature, boolean>;
}

/**
 * Pure: what a person misses with this version on this platform, one entry per release that would
 * bring it, oldest first (`bisync --resilient and --create-empty-src-dirs (1.64)`).
 */
export function missingNoticeableFeatures(version: RcloneVersion, platform: NodeJS.Platform): string[] {
  const bySince = new Map<string, NoticeableRow[]>();
  for (const row of noticeableRows()) {
    if ((row.platforms && !row.platforms.includes(platform)) || versionAtLeast(version, row.since)) continue;
    bySince.set(row.since, [...(bySince.get(row.since) ?? []), row]);
  }
  return [...bySince.entries()].map(([since, rows]) => {
    const bisyncFlags = rows.filter((row) => row.noticed.in === 'bisync').map((row) => row.noticed.what);
    const commands = rows.filter((row) => row.noticed.in === 'rclone').map((row) => row.noticed.what);
    return `${AND.format([...commands, ...(bisyncFlags.length > 0 ? [`bisync ${AND.format(bisyncFlags)}`] : [])])} (${since})`;
  });
}

/** rclone's bisync exit codes, read for this version (the critical code moved from 2 to 7 in 1.69). */
export type BisyncExit = 'ok' | 'non-critical' | 'critical' | 'usage' | 'other';

export function bisyncExitOf(version: RcloneVersion, exitCode: number): BisyncExit {
  if (exitCode === 0) return 'ok';
  if (exitCode === 1) return 'non-critical';
  if (supports(version, 'criticalExit7')) return exitCode === 7 ? 'critical' : exitCode === 2 ? 'usage' : 'other';
  return exitCode === 2 ? 'critical' : 'other';
}

type NoticeableRow = CapabilityRow & { noticed: NonNullable<CapabilityRow['noticed']> };

function noticeableRows(): NoticeableRow[] {
  return (Object.values(RCLONE_CAPABILITIES) as CapabilityRow[]).filter((row): row is NoticeableRow => row.noticed !== undefined);
}

function byVersion(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
