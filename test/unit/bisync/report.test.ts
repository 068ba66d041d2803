import { describe, expect, it } from 'vitest';
import type { BisyncOutcome } from '../../../src/bisync/outcome.js';
import { describeAttempts, describeReport, exitCodeFor } from '../../../src/bisync/report.js';
import type { SyncReport } from '../../../src/bisync/run.js';
import { ExitCode } from '../../../src/core/errors.js';

const changes = { toCloud: [{ path: 'up.md', action: 'new' as const }, { path: 'gone.md', action: 'deleted' as const }], toLocal: [{ path: 'down.md', action: 'changed' as const }] };

function report(outcome: BisyncOutcome, interrupted = false): SyncReport {
  return {
    plan: { mode: 'sync' },
    outcome,
    interrupted,
    notes: [],
    record: {
      startedAt: 'a', finishedAt: 'b', durationMs: 1, profile: 'balanced', localPath: '/n', mode: 'sync', why: undefined,
      result: outcome.kind, safetyReasons: outcome.kind === 'safety-stop' ? outcome.reasons : [], detail: undefined,
      changes: 'changes' in outcome ? outcome.changes : { toCloud: [], toLocal: [] },
      conflicts: outcome.kind === 'ok' ? outcome.conflicts : [],
    },
  };
}

describe('exitCodeFor (contract exit codes)', () => {
  it.each([
    [{ kind: 'ok', changes, conflicts: [] }, false, ExitCode.ok],
    [{ kind: 'ok', changes, conflicts: [] }, true, ExitCode.interrupted],
    [{ kind: 'safety-stop', reasons: ['max-delete'], changes, pendingDeletes: { local: 0, cloud: 1 } }, false, ExitCode.safetyStop],
    [{ kind: 'safety-stop', reasons: ['check-access'], changes, pendingDeletes: { local: 0, cloud: 0 } }, false, ExitCode.safetyStop],
    [{ kind: 'needs-baseline', reason: 'interrupted', detail: 'x' }, false, ExitCode.needsResync],
    [{ kind: 'lock-held', detail: 'x' }, false, ExitCode.failed],
    [{ kind: 'failed', transient: true, detail: 'x' }, false, ExitCode.failed],
  ] as [BisyncOutcome, boolean, number][])('%j interrupted=%s → %i', (outcome, interrupted, code) => {
    expect(exitCodeFor(report(outcome, interrupted))).toBe(code);
  });
});

describe('describeReport', () => {
  it('a dry run says what would happen each way, file by file', () => {
    const lines = describeReport(report({ kind: 'ok', changes, conflicts: [] }), { dryRun: true, maxDeletePercent: 25 });
    expect(lines.headline).toBe('Dry run: 2 to the cloud, 1 to this folder; nothing was changed.');
    expect(lines.transfers).toEqual(['↑ would upload: up.md', '↑ would delete in the cloud: gone.md', '↓ would download: down.md']);
    expect(lines.conflicts).toEqual([]);
  });

  it('a conflict names the copies kept and the winner', () => {
    const lines = describeReport(report({ kind: 'ok', changes: { toCloud: [], toLocal: [] }, conflicts: [{ path: 'a.md', copies: ['a.md..path1'], winner: 'cloud' }] }), { dryRun: false, maxDeletePercent: 25 });
    expect(lines.headline).toBe('Synced: 0 to the cloud, 0 to this folder, 1 conflict (both versions kept).');
    expect(lines.conflicts).toEqual(['conflict: a.md (the cloud copy was newer and kept the name); kept: a.md..path1']);
    expect(lines.transfers).toEqual([]);
  });

  it('a delete stop gives the profile\'s percentage and says nothing was deleted', () => {
    const lines = describeReport(report({ kind: 'safety-stop', reasons: ['max-delete'], changes, pendingDeletes: { local: 0, cloud: 1 } }), { dryRun: false, maxDeletePercent: 10 });
    expect(lines.ok).toBe(false);
    expect(lines.headline).toBe('Safety stop: more than 10% of the files on one side would be deleted (1 in the cloud, 0 here); nothing was deleted.');
    expect(lines.hint).toContain('--dry-run');
  });
});

describe('report lines are data: transfers and conflicts apart, never told apart by their text', () => {
  it('a downloaded conflict copy is a transfer, not a conflict (watch warned about it before)', () => {
    const downloaded = { toCloud: [], toLocal: [{ path: 'plan.md.conflict1', action: 'new' as const }, { path: 'conflicts/notes.md', action: 'changed' as const }] };
    const lines = describeReport(report({ kind: 'ok', changes: downloaded, conflicts: [] }), { dryRun: false, maxDeletePercent: 25 });
    expect(lines.conflicts).toEqual([]);
    expect(lines.transfers).toEqual(['↓ downloaded: plan.md.conflict1', '↓ downloaded: conflicts/notes.md']);
  });

  it('a conflict on a file whose name has no "conflict" in it is still a conflict line, with both kept names', () => {
    const conflicts = [{ path: 'todo.md', copies: ['todo.md.conflict1', 'todo.md.conflict2'], winner: undefined }];
    const lines = describeReport(report({ kind: 'ok', changes: { toCloud: [], toLocal: [] }, conflicts }), { dryRun: false, maxDeletePercent: 25 });
    expect(lines.conflicts).toEqual(['conflict: todo.md; kept: todo.md.conflict1, todo.md.conflict2']);
  });
});

describe('describeAttempts', () => {
  it('names each rclone run by its reason and how it ended', () => {
    expect(describeAttempts([
      { reason: 'sync', mode: 'sync', force: false, result: 'safety-stop', rcloneExit: 'non-critical' },
      { reason: 'forced-after-false-alarm', mode: 'sync', force: true, result: 'ok', rcloneExit: 'ok' },
      { reason: 'conflict-refresh', mode: 'baseline', force: false, result: 'ok', rcloneExit: 'ok' },
    ])).toBe('sync → safety-stop, forced re-run (every file changed, nothing to delete) → ok, baseline recording the conflict renames → ok');
  });
});

describe('describeReport: advice that works where it is given', () => {
  const stop: BisyncOutcome = { kind: 'safety-stop', reasons: ['max-delete'], changes, pendingDeletes: { local: 0, cloud: 1 } };

  it('a dry run lists what a real run would stop on and exits 0', () => {
    const lines = describeReport(report(stop), { dryRun: true, maxDeletePercent: 10, deleteAdvice: 'If those deletions are intended, run `basic-memory cloud bisync --profile fast` (it allows 50%).' });
    expect(lines.ok).toBe(true);
    expect(lines.headline).toMatch(/^Dry run: a real run would stop here \(safety stop\): more than 10%.*nothing was changed\.$/);
    expect(lines.transfers).toContain('↑ would delete in the cloud: gone.md');
    expect(lines.hint).not.toContain('--dry-run');
    expect(exitCodeFor(report(stop), { dryRun: true })).toBe(ExitCode.ok);
    expect(exitCodeFor(report(stop))).toBe(ExitCode.safetyStop);
  });

  it('a safety stop inside a watch says to stop the watch or pause the service first', () => {
    const lines = describeReport(report(stop), { dryRun: false, maxDeletePercent: 10, inWatch: true });
    expect(lines.hint).toMatch(/^Stop this watch \(Ctrl-C\) or pause the sync service \(`basic-memory cloud bisync-service pause`\) first/);
  });

  it('a key the bucket refuses points at `cloud setup`, not at trying again', () => {
    const lines = describeReport(report({ kind: 'failed', transient: true, keyRefused: true, detail: 'InvalidAccessKeyId: The AWS Access Key Id you provided does not exist' }), { dryRun: false, maxDeletePercent: 10 });
    expect(lines.hint).toContain('`basic-memory cloud setup`');
    expect(lines.hint).not.toContain('temporary');
  });

  it('an interrupted run says what was done and what was not, in one line', () => {
    const lines = describeReport(report({ kind: 'ok', changes, conflicts: [] }, true), { dryRun: false, maxDeletePercent: 10 });
    expect(lines.headline).toBe('Interrupted: the rclone run under way finished (2 to the cloud, 1 to this folder); the steps after it were not run. `basic-memory cloud bisync` finishes the rest and recovers by itself.');
    expect(lines.hint).toBeUndefined();
  });

  it('a run interrupted before rclone bisync started says that no note was synced', () => {
    const stopped = report({ kind: 'ok', changes: { toCloud: [], toLocal: [] }, conflicts: [] }, true);
    const lines = describeReport({ ...stopped, record: { ...stopped.record, result: 'interrupted', attempts: [] } }, { dryRun: false, maxDeletePercent: 10 });
    expect(lines.ok).toBe(false);
    expect(lines.headline).toBe('Interrupted before the sync started: no note was synced. Run `basic-memory cloud bisync` again to sync.');
    expect(exitCodeFor(stopped)).toBe(ExitCode.interrupted);
  });
});
