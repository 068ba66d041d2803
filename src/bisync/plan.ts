import { CliError, ExitCode } from '../core/errors.js';
import { supports } from '../rclone/capabilities.js';
import type { RcloneVersion } from '../rclone/version.js';
import { CHECK_FILENAME } from './args.js';
import type { ListingState } from './outcome.js';

export interface PlanInputs {
  requestedBaseline: boolean;
  listings: ListingState;
  filtersChanged: boolean;
  /**
   * The last run was stopped (Ctrl-C ends a run before its follow-ups) and the folder's listing holds
   * rclone < 1.66's conflict copies (`name..path1`, `name..path2`) it did not name. Their names come
   * back in rclone's next conflict of the note, while another machine may have renamed them: rclone
   * then deletes its new copies and stops (exit 6). Copies an older tool left in a pair are kept as
   * they are.
   */
  leftoverCopies: boolean;
  checkAccessStop: boolean;
  version: RcloneVersion;
}

export type RunPlan =
  | { mode: 'sync' }
  | { mode: 'baseline'; why: 'requested' | 'first-run' | 'recovery' | 'filters-changed' | 'leftover-copies'; announce: string | undefined };

/** Pure: a normal sync, or which baseline (rclone --resync) and the one line that says why. */
export function planRun(inputs: PlanInputs): RunPlan {
  if (inputs.requestedBaseline) return { mode: 'baseline', why: 'requested', announce: undefined };
  if (inputs.checkAccessStop) {
    throw new CliError(`The last sync stopped because the check file ${CHECK_FILENAME} was missing on one side, so the folder or the bucket may not be what it seems.`, {
      hint: 'Check that both the folder and the bucket hold your notes, then run `basic-memory cloud bisync --resync` (it deletes nothing).',
      exitCode: ExitCode.safetyStop,
    });
  }
  if (inputs.listings === 'missing') {
    return { mode: 'baseline', why: 'first-run', announce: 'First sync of this folder: making the baseline (nothing is deleted on either side).' };
  }
  if (inputs.listings === 'failed') {
    const means = supports(inputs.version, 'recover')
      ? 'its listings were lost'
      : `rclone ${inputs.version.raw} has no --recover`;
    return { mode: 'baseline', why: 'recovery', announce: `The last sync did not finish and ${means}: recovering with a fresh baseline that keeps every file on both sides.` };
  }
  if (inputs.filtersChanged) {
    return { mode: 'baseline', why: 'filters-changed', announce: 'The filters file changed since the last baseline: rebuilding it (nothing is deleted on either side).' };
  }
  if (inputs.leftoverCopies) {
    return { mode: 'baseline', why: 'leftover-copies', announce: 'The last sync stopped before naming its conflict copies: naming them and rebuilding the baseline (nothing is deleted on either side).' };
  }
  return { mode: 'sync' };
}

/** Pure: whether a listing (`<session>.path1.lst`) holds rclone < 1.66's conflict copies (`"name..path1"`). */
export function hasRcloneCopies(listing: string): boolean {
  return /\.\.path[12]"\s*$/m.test(listing);
}
