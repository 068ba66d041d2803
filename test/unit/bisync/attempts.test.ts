import { describe, expect, it } from 'vitest';
import { nextAttempt, resultOf, type Attempt, type AttemptContext, type AttemptDone, type AttemptReason } from '../../../src/bisync/attempts.js';
import type { BisyncOutcome } from '../../../src/bisync/outcome.js';

const none = { toCloud: [], toLocal: [] };
const ok: BisyncOutcome = { kind: 'ok', changes: none, conflicts: [] };
const okWithConflict: BisyncOutcome = { kind: 'ok', changes: none, conflicts: [{ path: 'a.md', copies: ['a.md..path1', 'a.md..path2'], winner: undefined }] };
const falseAlarm: BisyncOutcome = { kind: 'safety-stop', reasons: ['all-files-changed'], changes: none, pendingDeletes: { local: 0, cloud: 0 } };
const allChangedWithDeletes: BisyncOutcome = { kind: 'safety-stop', reasons: ['all-files-changed'], changes: none, pendingDeletes: { local: 1, cloud: 0 } };
const tooManyDeletes: BisyncOutcome = { kind: 'safety-stop', reasons: ['max-delete'], changes: none, pendingDeletes: { local: 0, cloud: 9 } };
const failed: BisyncOutcome = { kind: 'failed', transient: true, detail: 'network' };

const context = (overrides: Partial<AttemptContext> = {}): AttemptContext => ({
  plan: { mode: 'sync' },
  dryRun: false,
  hardStopped: false,
  stopping: false,
  rcloneResolvesConflicts: false,
  keptByNet: undefined,
  ...overrides,
});

const ran = (reason: AttemptReason, outcome: BisyncOutcome, mode: Attempt['mode'] = 'sync', force = false): AttemptDone => ({
  attempt: { reason, mode, force },
  outcome,
  rcloneExit: outcome.kind === 'ok' ? 'ok' : 'non-critical',
});

describe('nextAttempt: the first run follows the plan', () => {
  it.each([
    [{ mode: 'sync' } as const, { reason: 'sync', mode: 'sync', force: false }],
    [{ mode: 'baseline', why: 'first-run', announce: 'x' } as const, { reason: 'first-run', mode: 'baseline', force: false }],
    [{ mode: 'baseline', why: 'recovery', announce: 'x' } as const, { reason: 'recovery', mode: 'baseline', force: false }],
    [{ mode: 'baseline', why: 'requested', announce: undefined } as const, { reason: 'requested', mode: 'baseline', force: false }],
    [{ mode: 'baseline', why: 'filters-changed', announce: 'x' } as const, { reason: 'filters-changed', mode: 'baseline', force: false }],
  ])('%j → %j', (plan, expected) => {
    expect(nextAttempt([], context({ plan }))).toEqual(expected);
  });
});

describe('nextAttempt: the follow-ups, each with its reason', () => {
  it.each([
    ['a clean sync is done', [ran('sync', ok)], {}, undefined],
    ['"all files changed" with nothing to delete is forced once', [ran('sync', falseAlarm)], {}, { reason: 'forced-after-false-alarm', mode: 'sync', force: true }],
    ['a forced baseline stays a baseline', [ran('first-run', falseAlarm, 'baseline')], { plan: { mode: 'baseline', why: 'first-run', announce: 'x' } }, { reason: 'forced-after-false-alarm', mode: 'baseline', force: true }],
    ['"all files changed" with a delete pending is not forced', [ran('sync', allChangedWithDeletes)], {}, undefined],
    ['a delete stop is never forced', [ran('sync', tooManyDeletes)], {}, undefined],
    ['no forcing in a dry run', [ran('sync', falseAlarm)], { dryRun: true }, undefined],
    ['no forcing after a second Ctrl-C', [ran('sync', falseAlarm)], { hardStopped: true }, undefined],
    ['a forced run that stops again is not forced twice', [ran('sync', falseAlarm), ran('forced-after-false-alarm', falseAlarm, 'sync', true)], {}, undefined],
    ['rclone < 1.66 conflicts: our renames are recorded by a baseline', [ran('sync', okWithConflict)], {}, { reason: 'conflict-refresh', mode: 'baseline', force: false }],
    ['… also after a forced run', [ran('sync', falseAlarm), ran('forced-after-false-alarm', okWithConflict, 'sync', true)], {}, { reason: 'conflict-refresh', mode: 'baseline', force: false }],
    ['rclone 1.66+ names conflicts itself: no refresh', [ran('sync', okWithConflict)], { rcloneResolvesConflicts: true }, undefined],
    ['no refresh in a dry run', [ran('sync', okWithConflict)], { dryRun: true }, undefined],
    ['the refresh runs once', [ran('sync', okWithConflict), ran('conflict-refresh', okWithConflict, 'baseline')], {}, undefined],
    ['edits kept by the safety net are uploaded', [ran('sync', ok)], { keptByNet: 2 }, { reason: 'safety-net-upload', mode: 'sync', force: false }],
    ['… once', [ran('sync', ok), ran('safety-net-upload', ok)], { keptByNet: 2 }, undefined],
    ['… not after a first Ctrl-C', [ran('sync', ok)], { keptByNet: 2, stopping: true }, undefined],
    ['… not when the sync failed', [ran('sync', failed)], { keptByNet: 2 }, undefined],
    ['… not when the conflict refresh failed', [ran('sync', okWithConflict), ran('conflict-refresh', failed, 'baseline')], { keptByNet: 1 }, undefined],
    ['nothing kept by the net, nothing to upload', [ran('sync', ok)], { keptByNet: 0 }, undefined],
  ] as [string, AttemptDone[], Partial<AttemptContext>, Attempt | undefined][])('%s', (_label, done, overrides, expected) => {
    expect(nextAttempt(done, context(overrides))).toEqual(expected);
  });
});

describe('resultOf: what the runs add up to', () => {
  it.each([
    ['the only run', [ran('sync', tooManyDeletes)], tooManyDeletes],
    ['the forced run replaces the false alarm', [ran('sync', falseAlarm), ran('forced-after-false-alarm', ok, 'sync', true)], ok],
    ['a refresh that worked keeps the sync\'s changes and conflicts', [ran('sync', okWithConflict), ran('conflict-refresh', ok, 'baseline')], okWithConflict],
    ['a refresh that failed is the result', [ran('sync', okWithConflict), ran('conflict-refresh', failed, 'baseline')], failed],
    ['an upload that failed is the result', [ran('sync', ok), ran('safety-net-upload', failed)], failed],
  ] as [string, AttemptDone[], BisyncOutcome][])('%s', (_label, done, expected) => {
    expect(resultOf(done)).toBe(expected);
  });
});
