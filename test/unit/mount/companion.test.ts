import { describe, expect, it } from 'vitest';
import type { FeedHandlers } from '../../../src/api/change-feed.js';
import { companionMode, forgetParams, runCompanion, type CompanionState } from '../../../src/mount/companion.js';
import { cloudChangesLine } from '../../../src/mount/commands.js';
import { describeCloudChanges, formatCloudChanges } from '../../../src/mount/status.js';

describe('forgetParams', () => {
  it.each([
    [['note.md'], { file: 'note.md', dir: '' }],
    [['a/b/c.md'], { file: 'a/b/c.md', dir: 'a/b', dir2: 'a', dir3: '' }],
    // Several changes in one call: every file, each folder once.
    [['a/x.md', 'a/y.md', 'z.md'], { file: 'a/x.md', file2: 'a/y.md', file3: 'z.md', dir: 'a', dir2: '' }],
    [['folder/'], { file: 'folder', dir: '' }],
    [[''], {}],
  ])('%j → %j', (keys, expected) => {
    expect(forgetParams(keys)).toEqual(expected);
  });
});

describe('companionMode', () => {
  it('push when connected, polling with the reason otherwise', () => {
    expect(companionMode({ kind: 'connected' })).toMatchObject({ mode: 'push', reason: null });
    expect(companionMode({ kind: 'missing' })).toMatchObject({ mode: 'polling', reason: 'the cloud has no change feed' });
    expect(companionMode({ kind: 'down', reason: 'HTTP 502' })).toMatchObject({ mode: 'polling', reason: 'the change feed is unreachable (HTTP 502)' });
  });
});

describe('runCompanion', () => {
  function world(play: (handlers: FeedHandlers) => Promise<void> | void, options: { mountAliveFor?: number } = {}) {
    const calls: Record<string, string>[] = [];
    const states: CompanionState[] = [];
    const lines: string[] = [];
    let checks = 0;
    const stop = new AbortController();
    const run = runCompanion({
      follow: async (handlers, signal) => {
        await play(handlers);
        if (options.mountAliveFor === undefined) stop.abort();
        await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));
      },
      ownAccessKey: 'AK-MOUNT',
      forget: (params) => {
        calls.push(params);
        return Promise.resolve({ ok: true, value: {} });
      },
      mountAlive: () => (checks += 1) <= (options.mountAliveFor ?? Infinity),
      writeState: (state) => Promise.resolve(void states.push(state)),
      log: (line) => lines.push(line),
      now: () => new Date('2026-11-29T18:00:00Z'),
      sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
      pid: 10,
      mountPid: 20,
      stop: stop.signal,
    });
    return { run, calls, states, lines };
  }

  it("forgets another writer's paths, never the mount's own uploads, and counts what it showed", async () => {
    const { run, calls, states } = world((feed) => {
      feed.state({ kind: 'connected' });
      feed.change({ cursor: 1, type: 'created', key: 'own.md', accessKey: 'AK-MOUNT' });
      feed.change({ cursor: 2, type: 'created', key: 'notes/theirs.md', accessKey: 'AK-APP' });
      feed.change({ cursor: 3, type: 'deleted', key: 'old.md', accessKey: null });
    });
    await run;
    expect(calls.flatMap((params) => Object.entries(params).filter(([name]) => name.startsWith('file')).map(([, value]) => value))).toEqual(['notes/theirs.md', 'old.md']);
    expect(states.at(-1)).toMatchObject({ pid: 10, mountPid: 20, mode: 'push', changesShown: 2, lastError: null });
  });

  it('forgets everything once after a reset (changes were lost)', async () => {
    const { run, calls } = world((feed) => feed.reset());
    await run;
    expect(calls).toEqual([{}]);
  });

  it('ends by itself when the mount\'s rclone is gone', async () => {
    const { run, lines, states } = world((feed) => feed.state({ kind: 'missing' }), { mountAliveFor: 3 });
    await run;
    expect(lines.at(-1)).toBe("the mount's rclone (pid 20) is gone: stopping");
    expect(states.at(-1)).toMatchObject({ mode: 'polling', reason: 'the cloud has no change feed' });
  });
});

describe('what cloud mount and mount-status say about cloud changes', () => {
  it('cloud mount: at once, or within the dir-cache time and why', () => {
    expect(cloudChangesLine({ mode: 'push', reason: null }, '10s')).toContain('show here at once');
    expect(cloudChangesLine({ mode: 'polling', reason: 'the cloud has no change feed' }, '10s')).toBe('changes made in the cloud show here within 10s: the cloud has no change feed');
    expect(cloudChangesLine(undefined, '10s')).toBe('changes made in the cloud show here within 10s');
  });

  it('mount-status: a state file counts only while the companion runs', () => {
    const state: CompanionState = { pid: 5, mountPid: 6, mode: 'push', reason: null, since: 'T', changesShown: 4, lastChangeAt: 'U', lastError: null };
    expect(describeCloudChanges({ state, alive: true })).toMatchObject({ companion: 'running', pid: 5, mode: 'push', changesShown: 4 });
    expect(describeCloudChanges({ state, alive: false })).toMatchObject({ companion: 'not-running', pid: null, mode: null });
    expect(formatCloudChanges(describeCloudChanges({ state, alive: true }), 'fast')).toBe('Cloud changes: shown at once (companion pid 5 follows the change feed; 4 shown).');
    expect(formatCloudChanges(describeCloudChanges({ state: { ...state, mode: 'polling', reason: 'the cloud has no change feed' }, alive: true }), 'fast')).toBe('Cloud changes: show after the dir-cache time of profile fast: the cloud has no change feed (companion pid 5 keeps trying).');
    expect(formatCloudChanges(describeCloudChanges(undefined), 'fast')).toContain('the companion that shows them at once is not running');
  });
});
