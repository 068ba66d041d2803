import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { parseStatsLine, progressDetail, progressLine, type RcloneStats } from '../../../src/bisync/progress.js';

describe('parseStatsLine (rclone --stats-one-line, 1.60 and 1.75 alike)', () => {
  it.each([
    ['2026/11/29 18:19:55 INFO  :   877.250 KiB / 5.722 MiB, 15%, 0 B/s, ETA - (xfr#1/30)', { doneBytes: '877.250 KiB', totalBytes: '5.722 MiB', percent: '15%', files: { done: 1, total: 30 } }],
    ['2026/11/29 18:19:57 NOTICE:     5.722 MiB / 5.722 MiB, 100%, 4.887 MiB/s, ETA 0s', { doneBytes: '5.722 MiB', totalBytes: '5.722 MiB', percent: '100%', files: undefined }],
    ['2026/11/29 18:19:57 INFO  :         0 B / 0 B, -, 0 B/s, ETA -', { doneBytes: '0 B', totalBytes: '0 B', percent: undefined, files: undefined }],
    ['2026/11/29 18:19:57 INFO  : notes/a.md: Copied (new)', undefined],
    ['2026/11/29 18:19:57 ERROR : Bisync critical error: 1 / 2 files failed', undefined],
  ])('%s', (line, stats) => {
    expect(parseStatsLine(line)).toEqual(stats);
  });
});

describe('progressLine', () => {
  const moving: RcloneStats = { doneBytes: '4.127 MiB', totalBytes: '5.722 MiB', percent: '72%', files: { done: 20, total: 30 } };
  const still: RcloneStats = { doneBytes: '0 B', totalBytes: '0 B', percent: undefined, files: undefined };
  const base = { storage: '127.0.0.1:9000', baseline: false, columns: undefined };

  it.each([
    [{ ...base, stats: moving, elapsedMs: 4_200, baseline: true }, 'First sync: 20 of 30 files, 4.127 MiB of 5.722 MiB (72%) · 4 s'],
    [{ ...base, stats: moving, elapsedMs: 1_000 }, 'Syncing: 20 of 30 files, 4.127 MiB of 5.722 MiB (72%) · 1 s'],
    [{ ...base, stats: undefined, elapsedMs: 500 }, 'Syncing…'],
    [{ ...base, stats: still, elapsedMs: 2_999 }, 'Syncing…'],
    [{ ...base, stats: still, elapsedMs: 3_000 }, 'Syncing: waiting for the cloud storage at 127.0.0.1:9000 to answer · 3 s'],
    [{ ...base, stats: undefined, elapsedMs: 82_000 }, 'Syncing: waiting for the cloud storage at 127.0.0.1:9000 to answer · 82 s'],
  ])('%j → %s', (input, line) => {
    expect(progressLine(input)).toBe(line);
  });

  it('fits the terminal', () => {
    const line = progressLine({ ...base, stats: moving, elapsedMs: 4_000, columns: 40 });
    expect(stringWidth(line)).toBe(39);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('progressDetail (what the watch status line shows of a running sync)', () => {
  const storage = '127.0.0.1:9000';
  it.each([
    [{ doneBytes: '4.127 MiB', totalBytes: '5.722 MiB', percent: '72%', files: { done: 20, total: 30 } }, 1_000, '20 of 30 files, 4.127 MiB of 5.722 MiB (72%)'],
    [{ doneBytes: '5.722 MiB', totalBytes: '5.722 MiB', percent: '100%', files: undefined }, 9_000, '5.722 MiB of 5.722 MiB (100%)'],
    [undefined, 2_000, undefined],
    [undefined, 4_000, 'waiting for the cloud storage at 127.0.0.1:9000 to answer'],
  ] as [RcloneStats | undefined, number, string | undefined][])('%j after %i ms → %s', (stats, elapsedMs, detail) => {
    expect(progressDetail({ stats, elapsedMs, storage })).toBe(detail);
  });
});
