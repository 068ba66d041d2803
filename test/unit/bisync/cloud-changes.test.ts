import { describe, expect, it } from 'vitest';
import type { FeedHandlers } from '../../../src/api/change-feed.js';
import { describeCloudChanges, describeFeedState, followCloudChanges, isForeignChange, type CloudChangesMode } from '../../../src/bisync/cloud-changes.js';
import { capturedOutput } from '../../support/captured-output.js';

describe('isForeignChange', () => {
  it.each([
    ['AK-OTHER', true],
    // The cloud app's own writes may name no key: they are not ours.
    [null, true],
    ['AK-MINE', false],
  ])('a change by %s: %s', (accessKey, expected) => {
    expect(isForeignChange({ cursor: 1, type: 'created', key: 'a.md', accessKey }, 'AK-MINE')).toBe(expected);
  });

  it("ignores another machine's run backups: they are never synced", () => {
    expect(isForeignChange({ cursor: 2, type: 'created', key: '.basic-memory-backups/run-1/a.md', accessKey: 'AK-OTHER' }, 'AK-MINE')).toBe(false);
    expect(isForeignChange({ cursor: 3, type: 'deleted', key: '.basic-memory-backups/run-1/a.md', accessKey: 'AK-OTHER' }, 'AK-MINE')).toBe(false);
  });
});

describe('describeFeedState', () => {
  it('warns on the first fallback only, and says when push is back', () => {
    expect(describeFeedState({ kind: 'missing' }, 60, false)).toEqual({ mode: 'polling', reason: 'the cloud has no change feed', notice: { level: 'warn', text: 'The cloud has no change feed: checking for cloud changes every 60s instead.' } });
    expect(describeFeedState({ kind: 'down', reason: 'ECONNREFUSED' }, 30, false).notice).toEqual({ level: 'warn', text: "The cloud's change feed is unreachable (ECONNREFUSED): checking for cloud changes every 30s until it is back." });
    expect(describeFeedState({ kind: 'down', reason: 'HTTP 502' }, 30, true).notice.level).toBe('debug');
    expect(describeFeedState({ kind: 'connected' }, 30, false)).toMatchObject({ mode: 'push', reason: null, notice: { level: 'debug' } });
    expect(describeFeedState({ kind: 'connected' }, 30, true).notice).toEqual({ level: 'info', text: "The cloud's change feed is back: cloud changes sync within seconds again." });
  });

  it('describeCloudChanges: what bisync-status says', () => {
    expect(describeCloudChanges(undefined)).toBe('connecting to the change feed');
    expect(describeCloudChanges({ mode: 'push', reason: null, since: 'T' })).toBe('push-driven by the change feed (since T)');
    expect(describeCloudChanges({ mode: 'polling', reason: 'the cloud has no change feed', since: 'T' })).toBe('polling at the interval: the cloud has no change feed (since T)');
    // One time format in human output: the local clock, as bisync-status's other lines.
    const since = new Date(2026, 10, 29, 13, 46, 53);
    expect(describeCloudChanges({ mode: 'push', reason: null, since: since.toISOString() }, new Date(2026, 10, 29, 15, 0, 0))).toBe('push-driven by the change feed (since 13:46:53)');
  });
});

describe('followCloudChanges', () => {
  /** A feed driven by the test: `play` runs against the handlers the watch gave it. */
  async function run(play: (handlers: FeedHandlers) => void) {
    const { output, stderr } = capturedOutput();
    const modes: CloudChangesMode[] = [];
    let wakes = 0;
    const stop = new AbortController();
    await followCloudChanges(
      {
        follow: (handlers) => {
          play(handlers);
          return Promise.resolve();
        },
        ownAccessKey: 'AK-MINE',
        intervalSeconds: 60,
        output,
        mode: (mode) => void modes.push(mode),
        now: () => new Date('2026-11-29T18:00:00Z'),
      },
      () => (wakes += 1),
      stop.signal,
    );
    return { modes, wakes, stderr: stderr() };
  }

  it("wakes the sync for another writer's change and for a reset, never for this machine's own uploads", async () => {
    const result = await run((feed) => {
      feed.state({ kind: 'connected' });
      feed.change({ cursor: 1, type: 'created', key: 'mine.md', accessKey: 'AK-MINE' });
      feed.change({ cursor: 2, type: 'deleted', key: 'gone.md', accessKey: 'AK-MINE' });
      feed.change({ cursor: 3, type: 'created', key: 'theirs.md', accessKey: 'AK-CLOUD-APP' });
      feed.reset();
    });
    expect(result.wakes).toBe(2);
    expect(result.modes).toEqual([{ mode: 'push', reason: null, since: '2026-11-29T18:00:00.000Z' }]);
  });

  it('says the fallback once, however often the feed fails, and records each mode', async () => {
    const result = await run((feed) => {
      feed.state({ kind: 'down', reason: 'ECONNREFUSED' });
      feed.state({ kind: 'down', reason: 'HTTP 502' });
      feed.state({ kind: 'connected' });
      feed.state({ kind: 'down', reason: 'ECONNRESET' });
    });
    expect(result.stderr.match(/checking for cloud changes every 60s/g)).toHaveLength(1);
    expect(result.stderr).toContain("The cloud's change feed is back");
    expect(result.modes.map((mode) => mode.mode)).toEqual(['polling', 'polling', 'push', 'polling']);
  });

  it('polls, saying why, when there is no login to follow the feed with', async () => {
    const { output, stderr } = capturedOutput();
    const modes: CloudChangesMode[] = [];
    await followCloudChanges(
      { follow: () => Promise.reject(new Error('not logged in')), ownAccessKey: 'AK', intervalSeconds: 30, output, mode: (mode) => void modes.push(mode) },
      () => undefined,
      new AbortController().signal,
    );
    expect(modes.map((mode) => [mode.mode, mode.reason])).toEqual([['polling', 'the change feed is unreachable (not logged in)']]);
    expect(stderr()).toContain('checking for cloud changes every 30s');
  });
});
