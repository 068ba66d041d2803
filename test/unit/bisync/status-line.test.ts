import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { watchStatusLine, type WatchState } from '../../../src/bisync/status-line.js';

// Local times, so the expected clock strings hold in any time zone.
const now = new Date(2026, 10, 29, 13, 50, 0);
const at = (h: number, m: number, s: number) => new Date(2026, 10, 29, h, m, s);
const folder = '/home/ann/basic-memory-1a2b3c4d';
const synced: WatchState = { kind: 'synced', at: at(13, 46, 53), headline: 'Synced: 2 to the cloud, 0 to this folder.' };
const failing: WatchState = { kind: 'failing', since: at(13, 40, 0), headline: 'The sync failed: connection refused' };

describe('watchStatusLine (width → line)', () => {
  it.each([
    [undefined, synced, at(13, 51, 0), `✓ 13:46:53 Synced: 2 to the cloud, 0 to this folder. · next cloud check 13:51:00 · watching ${folder} (Ctrl-C to stop)`],
    [120, synced, at(13, 51, 0), '✓ 13:46:53 Synced: 2 to the cloud, 0 to this folder. · next cloud check 13:51:00'],
    [80, synced, at(13, 51, 0), '✓ 13:46:53 Synced: 2 to the cloud, 0 to this folder.'],
    [60, synced, at(13, 51, 0), '✓ 13:46:53 Synced: 2 to the cloud, 0 to this folder.'],
    [40, synced, at(13, 51, 0), '✓ 13:46:53 Synced: 2 to the cloud, 0 t…'],
    [120, failing, at(13, 50, 20), '✗ retrying since 13:40:00: The sync failed: connection refused · next try 13:50:20'],
    [40, failing, at(13, 50, 20), '✗ retrying since 13:40:00: The sync fa…'],
    [120, { kind: 'syncing', since: at(13, 49, 58) }, undefined, `Syncing… (since 13:49:58) · watching ${folder} (Ctrl-C to stop)`],
    [undefined, { kind: 'syncing', since: at(13, 49, 58), progress: '20 of 30 files, 4.127 MiB of 5.722 MiB (72%)' }, undefined, `Syncing: 20 of 30 files, 4.127 MiB of 5.722 MiB (72%) · since 13:49:58 · watching ${folder} (Ctrl-C to stop)`],
    [120, { kind: 'syncing', since: at(13, 49, 58), progress: '20 of 30 files, 4.127 MiB of 5.722 MiB (72%)' }, undefined, 'Syncing: 20 of 30 files, 4.127 MiB of 5.722 MiB (72%) · since 13:49:58'],
    [40, { kind: 'syncing', since: at(13, 49, 58), progress: '20 of 30 files, 4.127 MiB of 5.722 MiB (72%)' }, undefined, 'Syncing: 20 of 30 files, 4.127 MiB of …'],
    [120, { kind: 'starting' }, undefined, `Starting the first sync… · watching ${folder} (Ctrl-C to stop)`],
  ] as [number | undefined, WatchState, Date | undefined, string][])('%s columns, %j', (columns, state, nextRunAt, line) => {
    const rendered = watchStatusLine({ state, nextRunAt, folder, now, columns });
    expect(rendered).toBe(line);
    if (columns !== undefined) expect(stringWidth(rendered)).toBeLessThan(columns);
  });

  it('never shows a next check that is already past', () => {
    const line = watchStatusLine({ state: synced, nextRunAt: at(13, 49, 54), folder, now, columns: 200 });
    expect(line).not.toContain('next');
    expect(line).not.toContain('13:49:54');
  });

  it('fits wide characters by their cells, not their code points', () => {
    const line = watchStatusLine({ state: { kind: 'synced', at: at(13, 46, 53), headline: '同期しました: 二つのノート' }, nextRunAt: undefined, folder, now, columns: 20 });
    expect(stringWidth(line)).toBeLessThanOrEqual(19);
    expect(line.endsWith('…')).toBe(true);
  });
});
