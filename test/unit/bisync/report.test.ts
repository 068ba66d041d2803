import { describe, expect, it } from 'vitest';
import type { BisyncOutcome } from '../../../src/bisync/outcome.js';
import { describeReport, exitCodeFor } from '../../../src/bisync/report.js';
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
    expect(lines.details).toEqual(['  ↑ would upload: up.md', '  ↑ would delete in the cloud: gone.md', '  ↓ would download: down.md']);
  });

  it('a conflict names the copies kept and the winner', () => {
    const lines = describeReport(report({ kind: 'ok', changes: { toCloud: [], toLocal: [] }, conflicts: [{ path: 'a.md', copies: ['a.md..path1'], winner: 'cloud' }] }), { dryRun: false, maxDeletePercent: 25 });
    expect(lines.headline).toBe('Synced: 0 to the cloud, 0 to this folder, 1 conflict (both versions kept).');
    expect(lines.details).toEqual(['  ⚠ conflict: a.md (the cloud copy was newer and kept the name); kept: a.md..path1']);
  });

  it('a delete stop gives the profile\'s percentage and says nothing was deleted', () => {
    const lines = describeReport(report({ kind: 'safety-stop', reasons: ['max-delete'], changes, pendingDeletes: { local: 0, cloud: 1 } }), { dryRun: false, maxDeletePercent: 10 });
    expect(lines.ok).toBe(false);
    expect(lines.headline).toBe('Safety stop: more than 10% of the files on one side would be deleted (1 in the cloud, 0 here); nothing was deleted.');
    expect(lines.hint).toContain('--dry-run');
  });
});
