import { versionAtLeast, type RcloneVersion } from '../rclone/version.js';

/** The rclone from which bisync takes `--compare` (older ones compare size and modtime only). */
export const COMPARE_SINCE = '1.66';

/**
 * How bisync tells that a note changed:
 * - `checksum`: size, then the MD5 both sides list for free (S3 in its ETag, the disk by reading the
 *   file). No per-object request, and a note touched without a change is no change.
 * - `modtime`: size and modification time. On S3 the time lives in each object's metadata, one HEAD
 *   request per object and run: what made 10,000 notes take half a minute.
 * - `switching`: one run with all three, for a pair whose last listings were made by the modtime
 *   comparison and so hold no checksums: modtime still sees an edit of the same size made since then,
 *   and the run writes the checksums the next one compares.
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
  /** Whether the folder's prior listing holds a checksum for every file (`everyFileHasChecksum`); a baseline reads none. */
  priorChecksums: boolean;
}

/** Pure: the comparison a run uses, from the rclone version, the remote's hashes and the prior listings. */
export function chooseComparison(inputs: ComparisonInputs): Comparison {
  if (!versionAtLeast(inputs.version, COMPARE_SINCE)) return { kind: 'modtime', flags: [] };
  if (!inputs.commonHash) return { kind: 'modtime', flags: ['--compare', 'size,modtime'] };
  if (inputs.mode === 'sync' && !inputs.priorChecksums) return { kind: 'switching', flags: ['--compare', 'size,modtime,checksum'] };
  return { kind: 'checksum', flags: ['--compare', 'size,checksum'] };
}

// A file's line: flags, size, `type:value` or `-`, id, modtime, "name" (cmd/bisync/listing.go).
const FILE_WITHOUT_CHECKSUM = /^- +-?\d+ - /m;

/**
 * Pure: whether every file of the folder's listing (Path1) carries a checksum. A listing written by
 * the modtime comparison holds none (rclone then sets --ignore-listing-checksum); a run that changed
 * something updates only the changed lines, so a switching run that copied leaves a partial one. A
 * run without changes, or a baseline, writes a whole new listing. Only the folder's listing is read:
 * the disk always has an MD5, while a cloud object uploaded in parts by another tool never has one.
 */
export function everyFileHasChecksum(localListing: string): boolean {
  return !FILE_WITHOUT_CHECKSUM.test(localListing);
}
