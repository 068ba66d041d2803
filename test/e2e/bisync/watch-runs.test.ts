import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { spawnCli, useServer, waitFor } from './helpers.js';

const { newPair } = useServer();

// rclone's own bisync runs, as `--verbose` traces each command line.
const bisyncRuns = (stderr: string) => stderr.split('\n').filter((line) => /^\$ \S*rclone\b.* bisync \//.test(line)).length;

describe('cloud bisync --watch runs once per change', () => {
  it('no extra sync after each run (the safety net\'s hard links are not edits); an edit\'s run goes straight to rclone and links no note again', async () => {
    const pair = await newPair();
    for (let index = 0; index < 20; index += 1) await pair.writeLocal(`n${index}.md`, `note ${index}\n`);
    const watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '10m', '--verbose']);
    try {
      await waitFor(async () => (await pair.readCloud('n19.md')) === 'note 19\n', 30_000, 'the first sync');
      // Long enough for the debounce (1 s) and a run the hard links would schedule.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(bisyncRuns(watch.stderr()), watch.stderr()).toBe(1);

      const untouched = async () => Promise.all(['n0.md', 'n7.md', 'n19.md'].map(async (name) => (await fs.stat(path.join(pair.local, name))).ctimeMs));
      const changedAtEdit = await untouched();
      const logAtEdit = watch.stderr().length;
      await pair.writeLocal('n3.md', 'edited while watching\n');
      await waitFor(async () => (await pair.readCloud('n3.md')) === 'edited while watching\n', 20_000, 'the edit to reach the cloud');
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(bisyncRuns(watch.stderr()), watch.stderr()).toBe(2);
      // The edit's run goes straight to rclone: no listing of the bucket to look for nothing to sync.
      const editRun = watch.stderr().slice(logAtEdit);
      // (rclone 1.60's listings carry no checksums: its runs never compare and say so first.)
      if (rcloneAtLeast('1.66')) expect(editRun).toContain('rclone bisync runs: the watch saw a note edited.');
      expect(editRun).not.toMatch(/^\$ \S*rclone\b.* lsjson \S+ --recursive --files-only --no-modtime/m);
      // The safety net's links from the first run served the second: the other notes were not linked again.
      expect(await untouched()).toEqual(changedAtEdit);
      // rclone's version is asked once per watch, not per run.
      expect(watch.stderr().match(/^\$ \S*rclone\b.* version$/gm), watch.stderr()).toHaveLength(1);
    } finally {
      watch.child.kill('SIGTERM');
    }
    expect(await watch.exit).toBe(130);
  }, 90_000);
});
