import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounceFor, nextDelay, SyncScheduler } from '../../../src/bisync/scheduler.js';

describe('nextDelay', () => {
  const options = { intervalMs: 60_000, backoffMs: 5_000, maxBackoffMs: 300_000 };
  it.each([
    [0, 60_000],
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [10, 300_000],
  ])('after %i failures: %i ms', (failures, delay) => {
    expect(nextDelay(failures, options)).toBe(delay);
  });
});

describe('SyncScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A run that finishes when the test says so, with the result the test gives. */
  function controlledRuns() {
    const finishers: ((ok: boolean) => void)[] = [];
    let active = 0;
    let maxActive = 0;
    const run = vi.fn(() => new Promise<boolean>((resolve) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      finishers.push((ok) => {
        active -= 1;
        resolve(ok);
      });
    }));
    const finish = async (ok: boolean) => {
      finishers.shift()?.(ok);
      await vi.advanceTimersByTimeAsync(0);
    };
    return { run, finish, maxActive: () => maxActive };
  }

  const make = (run: () => Promise<boolean>) => new SyncScheduler({ debounceMs: 1_000, intervalMs: 60_000, backoffMs: 5_000, maxBackoffMs: 300_000, run });

  it('debounces a burst of local changes into one run', async () => {
    const runs = controlledRuns();
    const scheduler = make(runs.run);
    for (let index = 0; index < 5; index += 1) {
      scheduler.localChange();
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(runs.run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs.run).toHaveBeenCalledTimes(1);
    await runs.finish(true);
    await scheduler.stop();
  });

  it('never runs twice at once: a change during a run schedules exactly one more', async () => {
    const runs = controlledRuns();
    const scheduler = make(runs.run);
    scheduler.runNow();
    scheduler.localChange();
    scheduler.localChange();
    scheduler.runNow();
    await runs.finish(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs.run).toHaveBeenCalledTimes(2);
    await runs.finish(true);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(runs.run).toHaveBeenCalledTimes(2);
    expect(runs.maxActive()).toBe(1);
    await scheduler.stop();
  });

  it('checks the cloud every interval', async () => {
    const runs = controlledRuns();
    const scheduler = make(runs.run);
    scheduler.runNow();
    await runs.finish(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs.run).toHaveBeenCalledTimes(2);
    await runs.finish(true);
    await scheduler.stop();
  });

  it('backs off exponentially on failure and returns to the interval after a success', async () => {
    const runs = controlledRuns();
    const scheduler = make(runs.run);
    scheduler.runNow();
    await runs.finish(false);
    scheduler.localChange();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(runs.run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.run).toHaveBeenCalledTimes(2);
    await runs.finish(false);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(runs.run).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.run).toHaveBeenCalledTimes(3);
    await runs.finish(true);
    expect(scheduler.consecutiveFailures).toBe(0);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(runs.run).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.run).toHaveBeenCalledTimes(4);
    await runs.finish(true);
    await scheduler.stop();
  });

  it('stop waits for the running sync and starts no other', async () => {
    const runs = controlledRuns();
    const scheduler = make(runs.run);
    scheduler.runNow();
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    scheduler.localChange();
    await runs.finish(true);
    await stopping;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs.run).toHaveBeenCalledTimes(1);
  });
});

describe('debounceFor: a note saved is synced sooner than a burst', () => {
  const options = { debounceMs: 1_000, quickDebounce: { ms: 250, upTo: 3 } };
  it.each([
    ['one note saved', ['a.md'], 250],
    ['a note and its editor backup', ['a.md', 'a.md~'], 250],
    ['three files', ['a.md', 'b.md', 'c.md'], 250],
    ['four files: a burst', ['a.md', 'b.md', 'c.md', 'd.md'], 1_000],
    ['a change that did not say which file', undefined, 1_000],
  ])('%s → %i ms', (_why, files, expected) => {
    expect(debounceFor(files ? new Set(files) : undefined, options)).toBe(expected);
  });

  it('without a quick debounce, every change waits the full debounce', () => {
    expect(debounceFor(new Set(['a.md']), { debounceMs: 1_000 })).toBe(1_000);
  });
});

describe('SyncScheduler with a quick debounce', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs 250 ms after one saved note, and waits the full debounce once a burst grows past three files', async () => {
    const run = vi.fn(() => Promise.resolve(true));
    const scheduler = new SyncScheduler({ debounceMs: 1_000, quickDebounce: { ms: 250, upTo: 3 }, intervalMs: 60_000, backoffMs: 5_000, maxBackoffMs: 300_000, run });
    scheduler.localChange('a.md');
    await vi.advanceTimersByTimeAsync(250);
    expect(run).toHaveBeenCalledTimes(1);

    for (const file of ['b.md', 'c.md', 'd.md', 'e.md']) scheduler.localChange(file);
    await vi.advanceTimersByTimeAsync(300);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(700);
    expect(run).toHaveBeenCalledTimes(2);
    await scheduler.stop();
  });
});
