import { supports } from '../rclone/capabilities.js';
import type { RcloneVersion } from '../rclone/version.js';

/**
 * How bisync tells that a note changed:
 * - `checksum`: size, then the MD5 both sides list for free (S3 in its ETag, the disk by reading the
 *   file). No per-object request, and a note touched without a change is no change.
 * - `modtime`: size and modification time. On S3 the time lives in each object's metadata, one HEAD
 *   request per object and run: what made 10,000 notes take half a minute.
 * - `switching`: all three, while the pair's listings still hold lines of the modtime comparison
 *   (no checksums): modtime still sees an edit of the same size made since then, and the run writes
 *   the checksums the next ones compare. Never after checksum runs: their lines hold no time, and
 *   comparing times against them makes rclone call the pair out of sync.
 */
export type ComparisonKind = 'checksum' | 'modtime' | 'switching';

export interface Comparison {
  kind: ComparisonKind;
  /** Flags for `rclone bisync`; empty where rclone's own default is the choice. */
  flags: string[];
}

export interface ComparisonInputs {
  version: RcloneVersion;
  /** A hash the remote's listing carries and the local disk can compute (S3: MD5), if any. */
  commonHash: 'md5' | undefined;
  mode: 'sync' | 'baseline';
  /** Whether the folder's prior listing has lines of the modtime comparison (`hasModtimeOnlyLines`); a baseline reads none. */
  priorModtimeOnly: boolean;
}

/** Pure: the comparison a run uses, from the rclone version, the remote's hashes and the prior listings. */
export function chooseComparison(inputs: ComparisonInputs): Comparison {
  // Before --compare, bisync compares size and modtime only.
  if (!supports(inputs.version, 'compare')) return { kind: 'modtime', flags: [] };
  if (!inputs.commonHash) return { kind: 'modtime', flags: ['--compare', 'size,modtime'] };
  if (inputs.mode === 'sync' && inputs.priorModtimeOnly) return { kind: 'switching', flags: ['--compare', 'size,modtime,checksum'] };
  return { kind: 'checksum', flags: ['--compare', 'size,checksum'] };
}

// A file's line: flags, size, `type:value` or `-`, id, modtime, "name" (cmd/bisync/listing.go). The
// checksum comparison records no time (year 1), so a line with a time and no checksum is the old one's.
const MODTIME_ONLY_LINE = /^- +-?\d+ - \S+ (?!0001-)\d{4}-/m;

/**
 * Pure: whether the folder's listing (Path1) still has lines written by the modtime comparison. Such
 * a listing holds no checksum at all (rclone then sets --ignore-listing-checksum); a run that changed
 * something rewrites only the changed lines, and a run without changes (or a baseline) writes the
 * whole listing from the disk, where every file has an MD5. Only the folder's listing is read: a
 * cloud object uploaded in parts by another tool never has one, and a note downloaded from it gets
 * its listing line (with no time under the checksum comparison).
 */
export function hasModtimeOnlyLines(localListing: string): boolean {
  return MODTIME_ONLY_LINE.test(localListing);
}
