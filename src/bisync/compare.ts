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
  /** Whether the pair's prior listings hold checksums (`listingHasChecksums`); a baseline has none to read. */
  priorChecksums: boolean;
}

/** Pure: the comparison a run uses, from the rclone version, the remote's hashes and the prior listings. */
export function chooseComparison(inputs: ComparisonInputs): Comparison {
  if (!versionAtLeast(inputs.version, COMPARE_SINCE)) return { kind: 'modtime', flags: [] };
  if (!inputs.commonHash) return { kind: 'modtime', flags: ['--compare', 'size,modtime'] };
  if (inputs.mode === 'sync' && !inputs.priorChecksums) return { kind: 'switching', flags: ['--compare', 'size,modtime,checksum'] };
  return { kind: 'checksum', flags: ['--compare', 'size,checksum'] };
}

// A listing line: flags, size, `type:value` or `-`, id, modtime, "name" (cmd/bisync/listing.go).
const FILE_WITH_CHECKSUM = /^- +-?\d+ \w+:[0-9a-fA-F]+ /m;
const ANY_FILE = /^- +-?\d+ /m;

/**
 * Pure: whether a bisync listing holds checksums. A listing written by the modtime comparison holds
 * none at all (rclone then sets --ignore-listing-checksum); one object without a hash (a multipart
 * upload by another tool) is normal and does not count. A listing without files has nothing to miss.
 */
export function listingHasChecksums(listing: string): boolean {
  return FILE_WITH_CHECKSUM.test(listing) || !ANY_FILE.test(listing);
}
