import { describe, expect, it } from 'vitest';
import { hasRcloneCopies, planRun, type PlanInputs } from '../../../src/bisync/plan.js';
import { CliError, ExitCode } from '../../../src/core/errors.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

const inputs = (overrides: Partial<PlanInputs>): PlanInputs => ({
  requestedBaseline: false,
  listings: 'present',
  filtersChanged: false,
  leftoverCopies: false,
  checkAccessStop: false,
  version: rcloneVersion('1.60.1'),
  ...overrides,
});

describe('planRun', () => {
  it.each([
    ['a normal sync', {}, 'sync', undefined, undefined],
    ['--resync asked for', { requestedBaseline: true, listings: 'failed' }, 'baseline', 'requested', undefined],
    ['the first run', { listings: 'missing' }, 'baseline', 'first-run', 'First sync of this folder'],
    ['a run that did not finish (1.60)', { listings: 'failed' }, 'baseline', 'recovery', 'rclone 1.60.1 has no --recover'],
    ['a lockout on 1.66+', { listings: 'failed', version: rcloneVersion('1.66') }, 'baseline', 'recovery', 'its listings were lost'],
    ['changed filters', { filtersChanged: true }, 'baseline', 'filters-changed', 'The filters file changed'],
    ['conflict copies a stopped run left unnamed (rclone < 1.66)', { leftoverCopies: true }, 'baseline', 'leftover-copies', 'stopped before naming its conflict copies'],
  ] as const)('%s', (_label, overrides, mode, why, announce) => {
    const plan = planRun(inputs(overrides));
    expect(plan.mode).toBe(mode);
    if (plan.mode === 'baseline') {
      expect(plan.why).toBe(why);
      if (announce) expect(plan.announce).toContain(announce);
      else expect(plan.announce).toBeUndefined();
    }
  });

  it('after a check-access stop, only an explicit --resync goes on (exit 5 otherwise)', () => {
    let error: unknown;
    try {
      planRun(inputs({ checkAccessStop: true, listings: 'failed' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.safetyStop);
    expect(planRun(inputs({ checkAccessStop: true, requestedBaseline: true })).mode).toBe('baseline');
  });
});

describe('hasRcloneCopies', () => {
  it.each([
    ['-       12 md5:764efa883dda1e11db47671c4a3bbd9e - 2026-11-30T01:37:17.000000000+0000 "n4.md..path1"', true],
    ['-       12 md5:764efa883dda1e11db47671c4a3bbd9e - 2026-11-30T01:37:17.000000000+0000 "notes/n4.md..path2"', true],
    ['-       12 md5:764efa883dda1e11db47671c4a3bbd9e - 2026-11-30T01:37:17.000000000+0000 "n4.conflict-20261130-013700.md"', false],
    ['-       12 md5:764efa883dda1e11db47671c4a3bbd9e - 2026-11-30T01:37:17.000000000+0000 "a..path1.md"', false],
  ])('%s → %s', (line, expected) => {
    expect(hasRcloneCopies(`# bisync listing v1 from 2026-11-30T01:37:18.000000000+0000\n${line}\n`)).toBe(expected);
  });
});
