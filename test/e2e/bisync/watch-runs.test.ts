import { describe, expect, it } from 'vitest';
import { spawnCli, useServer, waitFor } from './helpers.js';

const { newPair } = useServer();

// rclone's own bisync runs, as `--verbose` traces each command line.
const bisyncRuns = (stderr: string) => stderr.split('\n').filter((line) => /^\$ \S*rclone\b.* bisync \//.test(line)).length;

describe('cloud bisync --watch runs once per change', () => {
  it('no extra sync after each run (the safety net\'s hard links are not edits)', async () => {
    const pair = await newPair();
    for (let index = 0; index < 20; index += 1) await pair.writeLocal(`n${index}.md`, `note ${index}\n`);
    const watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '10m', '--verbose']);
    try {
      await waitFor(async () => (await pair.readCloud('n19.md')) === 'note 19\n', 30_000, 'the first sync');
      // Long enough for the debounce (1 s) and a run the hard links would schedule.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(bisyncRuns(watch.stderr()), watch.stderr()).toBe(1);

      await pair.writeLocal('n3.md', 'edited while watching\n');
      await waitFor(async () => (await pair.readCloud('n3.md')) === 'edited while watching\n', 20_000, 'the edit to reach the cloud');
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(bisyncRuns(watch.stderr()), watch.stderr()).toBe(2);
    } finally {
      watch.child.kill('SIGTERM');
    }
    expect(await watch.exit).toBe(130);
  }, 90_000);
});
