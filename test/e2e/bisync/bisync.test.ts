import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { notes, useServer, type Pair } from './helpers.js';

const { newPair } = useServer();

describe('cloud bisync', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await newPair();
  });

  it('makes the baseline by itself on the first run, with notes on both sides', async () => {
    await pair.writeLocal('local.md', 'from the folder\n');
    await pair.writeCloud('cloud.md', 'from the cloud\n');
    const first = await pair.bisync();
    expect(first.stderr).toContain('First sync of this folder');
    expect(first.exitCode).toBe(0);
    expect(notes(await pair.localFiles())).toEqual(['cloud.md', 'local.md']);
    expect(notes(await pair.cloudFiles())).toEqual(['cloud.md', 'local.md']);
  });

  it('carries edits and new files both ways, with spaces, unicode and ?#&+ in names', async () => {
    await pair.writeLocal('local.md', 'edited in the folder\n');
    await pair.writeCloud('cloud.md', 'edited in the cloud\n');
    await pair.writeLocal('a b/ünïcödé ?#&+.md', 'odd name\n');
    const result = await pair.bisync('--json');
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { changes: { toCloud: { path: string }[]; toLocal: { path: string }[] } };
    expect(report.changes.toCloud.map((change) => change.path)).toContain('a b/ünïcödé ?#&+.md');
    expect(report.changes.toLocal.map((change) => change.path)).toEqual(['cloud.md']);
    expect(await pair.readCloud('local.md')).toBe('edited in the folder\n');
    expect(await pair.readLocal('cloud.md')).toBe('edited in the cloud\n');
    expect(await pair.readCloud('a b/ünïcödé ?#&+.md')).toBe('odd name\n');
  });
});

describe('cloud bisync keeps every note', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await newPair();
    for (let index = 1; index <= 10; index += 1) await pair.writeLocal(`note-${index}.md`, `note ${index}\n`);
    expect((await pair.bisync()).exitCode).toBe(0);
  });

  it('carries deletes both ways and a rename', async () => {
    await fs.rm(path.join(pair.local, 'note-1.md'));
    await pair.deleteCloud('note-2.md');
    await fs.rename(path.join(pair.local, 'note-3.md'), path.join(pair.local, 'renamed.md'));
    const result = await pair.bisync();
    expect(result.exitCode, result.stderr).toBe(0);
    for (const files of [await pair.localFiles(), await pair.cloudFiles()]) {
      expect(notes(files)).not.toContain('note-1.md');
      expect(notes(files)).not.toContain('note-2.md');
      expect(notes(files)).not.toContain('note-3.md');
      expect(notes(files)).toContain('renamed.md');
    }
    expect(await pair.readCloud('renamed.md')).toBe('note 3\n');
  });

  it('--dry-run says what would change each way and changes nothing', async () => {
    await pair.writeLocal('draft.md', 'draft\n');
    await pair.writeCloud('note-4.md', 'edited in the cloud\n');
    const before = { local: await pair.localFiles(), cloud: await pair.cloudFiles() };
    const result = await pair.bisync('--dry-run');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('would upload: draft.md');
    expect(result.stderr).toContain('would download: note-4.md');
    expect(await pair.localFiles()).toEqual(before.local);
    expect(await pair.cloudFiles()).toEqual(before.cloud);
    expect(await pair.readLocal('note-4.md')).toBe('note 4\n');
    // The real run afterwards still sees both changes.
    expect((await pair.bisync()).exitCode).toBe(0);
    expect(await pair.readCloud('draft.md')).toBe('draft\n');
    expect(await pair.readLocal('note-4.md')).toBe('edited in the cloud\n');
  });

  it('stops with exit 5 when more than the profile\'s share would be deleted, deleting nothing', async () => {
    const victims = ['note-5.md', 'note-6.md', 'note-7.md', 'note-8.md'];
    for (const file of victims) await fs.rm(path.join(pair.local, file));
    const result = await pair.bisync();
    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain('Safety stop');
    const cloud = await pair.cloudFiles();
    for (const file of victims) expect(cloud).toContain(file);
    expect(notes(await pair.localFiles())).toContain('note-9.md');
    // Still stopped on the next run: the guard is not a one-off.
    expect((await pair.bisync()).exitCode).toBe(5);
    // A baseline brings the deleted notes back instead of deleting them in the cloud.
    expect((await pair.bisync('--resync')).exitCode).toBe(0);
    for (const file of victims) expect(await pair.readLocal(file)).toBeDefined();
  });

  it('reports the last run in bisync-status --json', async () => {
    const result = await pair.user.run(['cloud', 'bisync-status', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as { lastRun: { result: string; mode: string }; watch: { running: boolean }; nextRunNeedsBaseline: boolean };
    expect(status.lastRun).toMatchObject({ result: 'ok', mode: 'baseline' });
    expect(status.watch.running).toBe(false);
    expect(status.nextRunNeedsBaseline).toBe(false);
  });
});

describe('cloud bisync refuses clearly', () => {
  it('without setup (exit 1), with a missing rclone (exit 4), with --watch --dry-run (exit 2)', async () => {
    const pair = await newPair();
    const paths = statePaths(pair.user.stateDir);
    const missingRclone = await pair.user.run(['cloud', 'bisync'], { env: { BASIC_MEMORY_RCLONE: path.join(pair.user.home, 'no-rclone') } });
    expect(missingRclone.exitCode).toBe(4);
    expect(missingRclone.stderr).toContain('rclone was not found');
    const usage = await pair.bisync('--watch', '--dry-run');
    expect(usage.exitCode).toBe(2);
    await fs.rm(paths.tenant);
    const notSetUp = await pair.bisync();
    expect(notSetUp.exitCode).toBe(1);
    expect(notSetUp.stderr).toContain('cloud setup');
    await expect(fs.access(pair.local)).rejects.toThrow();
  });

  it('never prints the secret key or the token, even with --verbose', async () => {
    const pair = await newPair();
    await pair.writeLocal('a.md', 'a\n');
    const result = await pair.bisync('--verbose', '--json');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('rclone');
    for (const secret of [pair.tenant.secretKey, pair.tenant.token]) {
      expect(result.stderr).not.toContain(secret);
      expect(result.stdout).not.toContain(secret);
    }
  });
});

