import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { useServer, type Pair } from './helpers.js';

const { newPair } = useServer();

interface Report {
  nothingToSync?: boolean;
  attempts: unknown[];
  changes: { toCloud: { path: string }[]; toLocal: { path: string }[] };
  conflicts: unknown[];
}

async function bisyncReport(pair: Pair): Promise<{ report: Report; stderr: string }> {
  const result = await pair.bisync('--json', '--verbose');
  expect(result.exitCode, result.stderr).toBe(0);
  return { report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const startedBisync = (stderr: string) => /^\$ rclone( --\S+ \S+)* bisync /m.test(stderr);

describe('nothing to sync without running rclone bisync (rclone 1.66+: checksum listings)', () => {
  it('skips rclone when neither side changed, and still syncs a one-byte edit of the same size on either side', async () => {
    const pair = await newPair();
    const long = new Date(Date.now() - 3_600_000);
    await pair.writeLocal('a.md', 'alpha note\n', long);
    await pair.writeLocal('sub/b.md', 'bravo note\n', long);
    await bisyncReport(pair);
    // The first sync after the baseline writes listings from both sides.
    await bisyncReport(pair);

    const quiet = await bisyncReport(pair);
    if (!rcloneAtLeast('1.66')) {
      // rclone 1.60's listings hold modification times, no checksums: rclone runs as before.
      expect(quiet.report.nothingToSync).toBeUndefined();
      expect(startedBisync(quiet.stderr)).toBe(true);
      return;
    }
    expect(quiet.report).toMatchObject({ nothingToSync: true, attempts: [], changes: { toCloud: [], toLocal: [] }, conflicts: [] });
    expect(startedBisync(quiet.stderr)).toBe(false);
    expect(quiet.stderr).toContain('Nothing to sync');

    // One byte, same size, the modification time put back: only the content tells.
    const local = path.join(pair.local, 'a.md');
    await fs.writeFile(local, 'alphA note\n');
    await fs.utimes(local, long, long);
    const up = await bisyncReport(pair);
    expect(startedBisync(up.stderr)).toBe(true);
    expect(up.report).toMatchObject({ conflicts: [], changes: { toCloud: [{ path: 'a.md' }], toLocal: [] } });
    expect(await pair.readCloud('a.md')).toBe('alphA note\n');

    await pair.writeCloud('sub/b.md', 'bravO note\n');
    const down = await bisyncReport(pair);
    expect(startedBisync(down.stderr)).toBe(true);
    expect(down.report).toMatchObject({ conflicts: [], changes: { toCloud: [], toLocal: [{ path: 'sub/b.md' }] } });
    expect(await pair.readLocal('sub/b.md')).toBe('bravO note\n');

    // A new note and a deleted one are changes too.
    await pair.writeLocal('c.md', 'charlie\n');
    expect((await bisyncReport(pair)).report.changes.toCloud).toEqual([{ path: 'c.md', action: 'new' }]);
    await pair.deleteCloud('c.md');
    expect((await bisyncReport(pair)).report.changes.toLocal).toEqual([{ path: 'c.md', action: 'deleted' }]);
    expect(await pair.readLocal('c.md')).toBeUndefined();

    // Settled again: the next run is quiet, and files the filters leave out do not count.
    await pair.writeLocal('scratch.tmp', 'ignored by the filters\n');
    const again = await bisyncReport(pair);
    expect(again.report).toMatchObject({ nothingToSync: true, attempts: [] });
    expect(startedBisync(again.stderr)).toBe(false);
    expect((await pair.cloudFiles()).filter((file) => !file.startsWith('.'))).toEqual(['a.md', 'sub/b.md']);
  });
});
