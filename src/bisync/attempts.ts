import type { BisyncExit } from '../rclone/capabilities.js';
import type { BisyncOutcome } from './outcome.js';
import type { RunPlan } from './plan.js';

/** Why rclone ran: the plan's own run, or one of the follow-ups this CLI does by itself. */
export type AttemptReason =
  | 'sync'
  | Extract<RunPlan, { mode: 'baseline' }>['why']
  /** rclone stopped on "all files were changed" with nothing to delete: a forced run is safe. */
  | 'forced-after-false-alarm'
  /** rclone left conflicts to us (< 1.66, or newer-wins without modtime): our renames are recorded by a baseline. */
  | 'conflict-refresh'
  /** The safety net kept edits made while rclone replaced them: their copies go to the cloud. */
  | 'safety-net-upload';

export interface Attempt {
  reason: AttemptReason;
  mode: 'sync' | 'baseline';
  force: boolean;
}

export interface AttemptDone {
  attempt: Attempt;
  outcome: BisyncOutcome;
  rcloneExit: BisyncExit;
}

/** One rclone run as the run record keeps it. */
export interface AttemptRecord extends Attempt {
  result: BisyncOutcome['kind'];
  rcloneExit: BisyncExit;
}

export interface AttemptContext {
  plan: RunPlan;
  dryRun: boolean;
  /** A second Ctrl-C: nothing more may start. */
  hardStopped: boolean;
  /** A first Ctrl-C: the run finishes what it must, and starts nothing optional. */
  stopping: boolean;
  /** rclone settled the last run's conflicts as the profile asks (`rcloneSettlesConflicts`). */
  rcloneResolvesConflicts: boolean;
  /** Conflict copies the safety net kept once rclone was done; undefined while the net is open. */
  keptByNet: number | undefined;
}

const FOLLOW_UPS: readonly AttemptReason[] = ['conflict-refresh', 'safety-net-upload'];

/** Pure: the next rclone run to make, or undefined when the sync is done (or must stop). */
export function nextAttempt(done: AttemptDone[], context: AttemptContext): Attempt | undefined {
  const last = done.at(-1);
  if (!last) return context.plan.mode === 'baseline' ? { reason: context.plan.why, mode: 'baseline', force: false } : { reason: 'sync', mode: 'sync', force: false };
  const mayContinue = !context.dryRun && !context.hardStopped;
  const tried = (reason: AttemptReason) => done.some((run) => run.attempt.reason === reason);

  if (context.keptByNet === undefined) {
    if (done.length === 1 && mayContinue && isFalseAlarm(last.outcome)) {
      return { reason: 'forced-after-false-alarm', mode: context.plan.mode, force: true };
    }
    const lastIsPrimary = !FOLLOW_UPS.includes(last.attempt.reason);
    if (lastIsPrimary && mayContinue && !context.rcloneResolvesConflicts && last.outcome.kind === 'ok' && last.outcome.conflicts.length > 0) {
      return { reason: 'conflict-refresh', mode: 'baseline', force: false };
    }
    return undefined;
  }
  if (context.keptByNet > 0 && !context.stopping && resultOf(done).kind === 'ok' && !tried('safety-net-upload')) {
    return { reason: 'safety-net-upload', mode: 'sync', force: false };
  }
  return undefined;
}

/** Pure: what the runs add up to: the last primary run's outcome, unless a follow-up then failed. */
export function resultOf(done: AttemptDone[]): BisyncOutcome {
  let result: BisyncOutcome | undefined;
  for (const run of done) {
    if (!FOLLOW_UPS.includes(run.attempt.reason) || run.outcome.kind !== 'ok') result = run.outcome;
  }
  if (!result) throw new Error('resultOf needs at least one attempt');
  return result;
}

export function recordOf(run: AttemptDone): AttemptRecord {
  return { ...run.attempt, result: run.outcome.kind, rcloneExit: run.rcloneExit };
}

/**
 * rclone's "all files were changed" guard trips on any small folder where every note was edited.
 * With no delete pending on either side (the delete guard ran first and passed), a forced run can
 * only copy newer versions and keep conflicts, never remove a file.
 */
function isFalseAlarm(outcome: BisyncOutcome): boolean {
  return outcome.kind === 'safety-stop' && outcome.reasons.length === 1 && outcome.reasons[0] === 'all-files-changed' && outcome.pendingDeletes.local === 0 && outcome.pendingDeletes.cloud === 0;
}
