import { describe, expect, it } from 'vitest';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { notes, spawnCli, useServer, waitFor, type Pair, type Spawned } from './helpers.js';

const { newPair } = useServer();

// The rclone command lines a watch ran, as `--verbose` traces them: `copy` (the upload first) and `bisync`.
const rcloneCommands = (stderr: string) => [...stderr.matchAll(/^\$ \S*rclone\b(?: --\S+ \S+)* (copy|bisync) /gm)].map((match) => match[1]);

/** For `waitFor`: whether the watch's log from `from` on has a line `pattern` matches. */
const logShows = (watch: Spawned, pattern: RegExp, from = 0) => () => Promise.resolve(pattern.test(watch.stderr().slice(from)));

async function watching(pair: Pair, count: number) {
  for (let index = 0; index < count; index += 1) await pair.writeLocal(`n${index}.md`, `note ${index}\n`);
  expect((await pair.bisync()).exitCode).toBe(0);
  expect((await pair.bisync()).exitCode).toBe(0);
  const watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '10m', '--verbose']);
  await waitFor(logShows(watch, /^✓ \d\d:\d\d:\d\d /m), 30_000, 'the first sync of the watch');
  return watch;
}

describe('a watched save goes to the bucket before the bisync that records it (rclone 1.66+)', () => {
  it(rcloneAtLeast('1.66') ? 'uploads the saved note first, then the bisync records it with no conflict and nothing left to sync' : 'rclone before 1.66 keeps no backup of what an upload replaces: the bisync uploads the save', async () => {
    const pair = await newPair();
    const watch = await watching(pair, 12);
    try {
      const logAtEdit = watch.stderr().length;
      await pair.writeLocal('n3.md', 'saved while watching\n');
      await waitFor(async () => (await pair.readCloud('n3.md')) === 'saved while watching\n', 20_000, 'the save in the bucket');
      await waitFor(logShows(watch, /^✓ \d\d:\d\d:\d\d Synced: 1 to the cloud/m, logAtEdit), 20_000, 'the run to be recorded');
      const run = watch.stderr().slice(logAtEdit);
      if (rcloneAtLeast('1.66')) {
        expect(run).toContain('Uploaded first, before the bisync that records it: n3.md.');
        expect(rcloneCommands(run)).toEqual(['copy', 'bisync']);
      } else {
        expect(run).toContain('No upload first: rclone before 1.66 keeps no backup of what an upload replaces.');
        expect(rcloneCommands(run)).toEqual(['bisync']);
      }
    } finally {
      watch.child.kill('SIGINT');
    }
    expect(await watch.exit).toBe(130);
    expect(notes(await pair.localFiles())).toEqual(notes(await pair.cloudFiles()));
    expect(notes(await pair.localFiles()).filter((file) => file.includes('conflict'))).toEqual([]);
    const after = await pair.bisync('--json');
    expect(after.exitCode, after.stderr).toBe(0);
    const report = JSON.parse(after.stdout) as { nothingToSync?: boolean; changes: { toCloud: unknown[]; toLocal: unknown[] } };
    // The bisync recorded the upload in its listings: the next run has nothing to do.
    expect(report.changes).toEqual({ toCloud: [], toLocal: [] });
    if (rcloneAtLeast('1.66')) expect(report.nothingToSync).toBe(true);
  }, 120_000);

  it(rcloneAtLeast('1.66') ? 'keeps the cloud version the upload replaced, which this machine never saw, as a conflict copy on both sides' : 'before 1.66 the bisync takes the save and the unseen cloud version as a conflict (nothing lost)', async () => {
    const pair = await newPair();
    const watch = await watching(pair, 12);
    try {
      // Written with this machine's own key, the change feed leaves it out: the watch does not know it.
      await pair.writeCloud('n5.md', 'another machine\'s version\n');
      const logAtEdit = watch.stderr().length;
      await pair.writeLocal('n5.md', 'this machine\'s save\n');
      await waitFor(logShows(watch, /^✓ \d\d:\d\d:\d\d /m, logAtEdit), 30_000, 'the run of the save');
      if (rcloneAtLeast('1.66')) expect(watch.stderr().slice(logAtEdit)).toContain('Uploaded first, before the bisync that records it: n5.md.');
    } finally {
      watch.child.kill('SIGINT');
    }
    expect(await watch.exit).toBe(130);
    // Every version is somewhere, on both sides alike.
    const local = notes(await pair.localFiles());
    expect(local).toEqual(notes(await pair.cloudFiles()));
    const versions = await Promise.all(local.filter((file) => file.startsWith('n5')).map(async (file) => [await pair.readLocal(file), await pair.readCloud(file)]));
    expect(versions.map(([text]) => text).sort()).toEqual(['another machine\'s version\n', 'this machine\'s save\n']);
    for (const [inFolder, inCloud] of versions) expect(inCloud).toBe(inFolder);
    if (rcloneAtLeast('1.66')) expect(await pair.readLocal('n5.md')).toBe('this machine\'s save\n');
  }, 120_000);
});
