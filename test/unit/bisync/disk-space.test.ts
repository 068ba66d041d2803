import { describe, expect, it } from 'vitest';
import { diskFullPaths, failedOnLocalWrites, formatBytes, judgeSpace, marginBytes, parseListingSizes, pendingDownloadBytes } from '../../../src/bisync/disk-space.js';
import { parseBisyncOutcome } from '../../../src/bisync/outcome.js';
import { exitCodeFor } from '../../../src/bisync/report.js';

// In the shape rclone 1.60.1 logs a pull into a full tmpfs on this machine.
const FULL_160 = `2026/11/29 14:40:57 INFO  : - Path2    File is newer                       - note-1.md
2026/11/29 14:40:57 ERROR : note-3.md: Failed to copy: preallocate: file too big
2026/11/29 14:40:57 ERROR : note-4.md: Failed to copy: write /tmp/x/note-4.md: no space left on device
2026/11/29 14:40:57 ERROR : Bisync critical error: path2 to path1 copy failed: preallocate: file too big
2026/11/29 14:40:57 ERROR : Bisync aborted. Must run --resync to recover.`;

describe('disk space: what a pull needs', () => {
  it.each([
    ['nothing new in the cloud', [{ path: 'a.md', size: 10 }], [['a.md', 10]], 0],
    ['a new cloud file counts whole', [{ path: 'a.md', size: 10 }, { path: 'b.md', size: 400 }], [['a.md', 10]], 400],
    ['a changed size counts the whole new copy', [{ path: 'a.md', size: 30 }], [['a.md', 10]], 30],
    ['a local-only file needs nothing', [], [['a.md', 10]], 0],
  ] as const)('%s', (_name, cloud, known, expected) => {
    expect(pendingDownloadBytes([...cloud], new Map(known.map(([file, size]) => [file, size])))).toBe(expected);
  });

  it('needs the pending bytes plus a margin (1 MB + 10 %)', () => {
    expect(marginBytes(10_000_000)).toBe(1024 ** 2 + 1_000_000);
    expect(judgeSpace(100_000_000, 10_000_000)).toEqual({ kind: 'enough' });
    expect(judgeSpace(11_000_000, 10_000_000)).toEqual({ kind: 'short', neededBytes: 10_000_000 + marginBytes(10_000_000), freeBytes: 11_000_000 });
    expect(judgeSpace(0, 0)).toMatchObject({ kind: 'short' });
  });

  it('reads sizes from rclone listings of 1.60 and 1.66+ (quoted names, unicode, escapes)', () => {
    const listing = [
      '# bisync listing v1 from 2026-11-29 14:40:57.1 +0000 UTC',
      '- 409600 md5:0123 - 2026-11-29T14:00:00.000000000+0000 "note-1.md"',
      '- 12 - - 2026-11-29T14:00:00.000000000+0000 "a b/ünï \\"q\\".md"',
    ].join('\n');
    expect([...parseListingSizes(listing)]).toEqual([['note-1.md', 409600], ['a b/ünï "q".md', 12]]);
  });

  it('formats sizes for the sentence', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(2_400_000)).toBe('2.4 MB');
  });
});

describe('disk space: a run that filled the disk', () => {
  it('names the files rclone could not write', () => {
    expect(failedOnLocalWrites(FULL_160)).toBe(true);
    expect(diskFullPaths(FULL_160)).toEqual(['note-3.md', 'note-4.md']);
    expect(failedOnLocalWrites('ERROR : a.md: Failed to copy: connection reset by peer')).toBe(false);
  });

  it('is a disk-full outcome (exit 1), not a lost baseline (exit 6) that would start a recovery', () => {
    const outcome = parseBisyncOutcome({ exitCode: 2, signal: undefined, log: FULL_160, listings: 'failed', localRoot: '/tmp/x', remoteRoot: 'r:b' });
    expect(outcome).toMatchObject({ kind: 'disk-full', files: ['note-3.md', 'note-4.md'] });
    expect(exitCodeFor({ outcome, interrupted: false })).toBe(1);
  });
});
