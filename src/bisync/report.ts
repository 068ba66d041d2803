import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { AttemptReason, AttemptRecord } from './attempts.js';
import type { Conflict, FileChange } from './outcome.js';
import type { SyncReport } from './run.js';

/** Pure: the contract's exit code for a run. A dry run that lists what would stop a real one did its job. */
export function exitCodeFor(report: Pick<SyncReport, 'outcome' | 'interrupted'>, options: { dryRun?: boolean } = {}): ExitCodeValue {
  if (report.interrupted) return ExitCode.interrupted;
  if (options.dryRun && report.outcome.kind === 'safety-stop') return ExitCode.ok;
  switch (report.outcome.kind) {
    case 'ok': return ExitCode.ok;
    case 'safety-stop': return ExitCode.safetyStop;
    case 'needs-baseline': return ExitCode.needsResync;
    case 'lock-held':
    case 'disk-full':
    case 'failed': return ExitCode.failed;
  }
}

export interface ReportLines {
  /** The headline: success or the one-sentence reason it stopped. */
  headline: string;
  ok: boolean;
  /** What to do next, when it stopped. */
  hint: string | undefined;
  /** One line per file copied or deleted (shown for --dry-run and --verbose). */
  transfers: string[];
  /** One line per conflict, naming both kept copies (always shown). */
  conflicts: string[];
}

const KEY_REFUSED_HINT = "The bucket refused this machine's access key (revoked or unknown): run `basic-memory cloud setup` to make a new one.";
const WATCH_SAFETY_HINT = 'Stop this watch (Ctrl-C) or pause the sync service (`basic-memory cloud bisync-service pause`) first, then run `basic-memory cloud bisync --dry-run` to see the list and `basic-memory cloud bisync` for the way to apply it.';

const verbs = (dryRun: boolean) => ({
  toCloud: { new: dryRun ? 'would upload' : 'uploaded', changed: dryRun ? 'would upload' : 'uploaded', deleted: dryRun ? 'would delete in the cloud' : 'deleted in the cloud' },
  toLocal: { new: dryRun ? 'would download' : 'downloaded', changed: dryRun ? 'would download' : 'downloaded', deleted: dryRun ? 'would delete here' : 'deleted here' },
});

/** Pure: what to tell people about a run. */
export function describeReport(report: SyncReport, options: { dryRun: boolean; maxDeletePercent: number; deleteAdvice?: string; inWatch?: boolean }): ReportLines {
  const { dryRun } = options;
  const { outcome, record } = report;
  const words = verbs(dryRun);
  const details = {
    transfers: [
      ...record.changes.toCloud.map((change: FileChange) => `↑ ${words.toCloud[change.action]}: ${change.path}`),
      ...record.changes.toLocal.map((change: FileChange) => `↓ ${words.toLocal[change.action]}: ${change.path}`),
    ],
    conflicts: record.conflicts.map(describeConflict),
  };
  const counts = `${record.changes.toCloud.length} to the cloud, ${record.changes.toLocal.length} to this folder${record.conflicts.length ? `, ${record.conflicts.length} conflict${record.conflicts.length > 1 ? 's' : ''} (both versions kept)` : ''}`;
  if (report.interrupted) {
    if (record.attempts?.length === 0) return { ok: false, headline: 'Interrupted before the sync started: no note was synced. Run `basic-memory cloud bisync` again to sync.', hint: undefined, ...details };
    const done = outcome.kind === 'ok' ? `the rclone run under way finished (${counts})` : 'rclone was stopped mid-run';
    return { ok: false, headline: `Interrupted: ${done}; the steps after it were not run. \`basic-memory cloud bisync\` finishes the rest and recovers by itself.`, hint: undefined, ...details };
  }
  switch (outcome.kind) {
    case 'ok':
      if (record.nothingToSync) return { ok: true, headline: 'Nothing to sync: the folder and the cloud are as the last sync left them.', hint: undefined, ...details };
      return { ok: true, headline: dryRun ? `Dry run: ${counts}; nothing was changed.` : `${record.mode === 'baseline' ? 'Baseline made' : 'Synced'}: ${counts}.`, hint: undefined, ...details };
    case 'safety-stop': {
      const why = outcome.reasons.map((reason) => ({
        'max-delete': `more than ${options.maxDeletePercent}% of the files on one side would be deleted (${outcome.pendingDeletes.cloud} in the cloud, ${outcome.pendingDeletes.local} here)`,
        'all-files-changed': 'every file on one side changed since the last sync',
        'check-access': 'the check file .basic-memory-bisync is missing on one side',
        'empty-side': 'one side (the folder or the cloud) is empty now, as if emptied from elsewhere',
      })[reason]).join(', and ');
      if (dryRun) return { ok: true, headline: `Dry run: a real run would stop here (safety stop): ${why}; nothing was changed.`, hint: options.deleteAdvice, ...details };
      // The watch holds the sync lock: every command the usual advice names would be refused.
      if (options.inWatch) return { ok: false, headline: `Safety stop: ${why}; nothing was deleted.`, hint: WATCH_SAFETY_HINT, ...details };
      return {
        ok: false,
        headline: `Safety stop: ${why}; nothing was deleted.`,
        hint: outcome.reasons.includes('check-access') || outcome.reasons.includes('empty-side')
          ? 'Check that the folder and the bucket both hold your notes, then run `basic-memory cloud bisync --resync` (it copies the notes to the empty side and deletes nothing).'
          : options.deleteAdvice ?? 'Run `basic-memory cloud bisync` once by hand: it names the command that applies those deletions; `--dry-run` shows the list.',
        ...details,
      };
    }
    case 'needs-baseline':
      return { ok: false, headline: `The sync baseline was lost (${outcome.reason}): ${outcome.detail}`, hint: 'Run `basic-memory cloud bisync` again: it rebuilds the baseline by itself, keeping every file.', ...details };
    case 'disk-full':
      return {
        ok: false,
        headline: `The disk holding ${record.localPath} is full: rclone could not write ${outcome.files.length === 0 ? 'the notes it was pulling' : outcome.files.join(', ')}; no note was emptied.`,
        hint: 'Free some space on that disk, then run the command again: it checks the space first and finishes the sync, keeping every version.',
        ...details,
      };
    case 'lock-held':
      return { ok: false, headline: `rclone found another bisync of this folder running: ${outcome.detail}`, hint: 'Wait for it to finish, or run `basic-memory cloud doctor` to find stale locks.', ...details };
    case 'failed':
      return {
        ok: false,
        headline: `The sync failed: ${outcome.detail}`,
        hint: outcome.keyRefused ? KEY_REFUSED_HINT : outcome.transient ? 'This is usually temporary (network, server): run the command again.' : 'Run again with --verbose to see rclone\'s log, or `basic-memory cloud doctor`.',
        ...details,
      };
  }
}

/** Pure: one conflict, the copies both versions were kept under, and the winner when there is one. */
export function describeConflict(conflict: Conflict): string {
  const winner = conflict.winner ? ` (the ${conflict.winner} copy was newer and kept the name)` : '';
  const kept = conflict.copies.length > 0 ? `kept: ${conflict.copies.join(', ')}` : 'rclone named no copy: check both versions with `basic-memory cloud bisync --dry-run --verbose`';
  return `conflict: ${conflict.path}${winner}; ${kept}`;
}

const ATTEMPT_REASONS: Record<AttemptReason, string> = {
  'sync': 'sync',
  'requested': 'baseline asked for (--resync)',
  'first-run': 'first baseline',
  'recovery': 'recovery baseline after an unfinished run',
  'filters-changed': 'baseline after a filters change',
  'leftover-copies': 'baseline naming the conflict copies an interrupted run left',
  'forced-after-false-alarm': 'forced re-run (every file changed, nothing to delete)',
  'conflict-refresh': 'baseline recording the conflict renames',
  'safety-net-upload': 'upload of edits kept by the safety net',
};

/** Pure: each rclone run of a sync and how it ended (`first baseline → ok, sync → safety-stop`). */
export function describeAttempts(attempts: AttemptRecord[]): string {
  return attempts.map((attempt) => `${ATTEMPT_REASONS[attempt.reason]} → ${attempt.result}`).join(', ');
}
