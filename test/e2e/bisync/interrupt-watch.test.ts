import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { notes, rcloneProcessesFor, spawnCli, useServer, waitFor, type Pair } from './helpers.js';

const { newPair } = useServer();

// rclone reads any flag from RCLONE_<FLAG>: a bandwidth limit makes a small tree a long sync.
const SLOW = { RCLONE_BWLIMIT: '200k' };
const BIG_NOTE = 'x'.repeat(40_000);

async function pairWithPendingUploads(count: number): Promise<Pair> {
  const pair = await newPair();
  await pair.writeLocal('start.md', 'start\n');
  expect((await pair.bisync()).exitCode).toBe(0);
  for (let index = 0; index < count; index += 1) await pair.writeLocal(`big-${index}.md`, `${index}\n${BIG_NOTE}`);
  return pair;
}

const rcloneLockIn = async (pair: Pair) => {
  const workdir = statePaths(pair.user.stateDir).bisyncWorkdir(pair.tenant.tenantId);
  return (await fs.readdir(workdir)).some((name) => name.endsWith('.lck'));
};

async function expectNothingLeftBehind(pair: Pair): Promise<void> {
  const paths = statePaths(pair.user.stateDir);
  await expect(fs.access(paths.bisyncLock(pair.tenant.tenantId))).rejects.toThrow();
  expect(await rcloneLockIn(pair)).toBe(false);
  expect(await rcloneProcessesFor(pair.local)).toEqual([]);
}

async function expectAllOnBothSides(pair: Pair, count: number): Promise<void> {
  const expected = ['start.md', ...Array.from({ length: count }, (_unused, index) => `big-${index}.md`)].sort();
  expect(notes(await pair.localFiles())).toEqual(expected);
  expect(notes(await pair.cloudFiles())).toEqual(expected);
  expect(await pair.readCloud('big-3.md')).toBe(`3\n${BIG_NOTE}`);
}

describe('Ctrl-C during a long sync', () => {
  it('the first Ctrl-C lets the running sync finish, then exits 130 with no lock or rclone left', async () => {
    const pair = await pairWithPendingUploads(12);
    const run = spawnCli(pair.user, ['cloud', 'bisync'], SLOW);
    await waitFor(() => rcloneLockIn(pair), 20_000, 'rclone to start');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toContain('Stopping after the current sync finishes');
    await expectNothingLeftBehind(pair);
    await expectAllOnBothSides(pair, 12);
    const next = await pair.bisync();
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('recovering');
  });

  it('a second Ctrl-C stops at once and the next run recovers without losing a file', async () => {
    const pair = await pairWithPendingUploads(12);
    const run = spawnCli(pair.user, ['cloud', 'bisync'], SLOW);
    await waitFor(() => rcloneLockIn(pair), 20_000, 'rclone to start');
    await new Promise((resolve) => setTimeout(resolve, 500));
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGINT');
    const started = Date.now();
    expect(await run.exit).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expectNothingLeftBehind(pair);
    const next = await pair.bisync();
    expect(next.exitCode, next.stderr).toBe(0);
    // rclone 1.60 marks the listings failed on SIGINT, so the next run is a recovery baseline;
    // 1.66+ wraps up with its listings intact and the next run is a normal sync (--recover).
    if (!rcloneAtLeast('1.66')) expect(next.stderr).toContain('recovering with a fresh baseline');
    await expectAllOnBothSides(pair, 12);
    expect((await pair.bisync()).exitCode).toBe(0);
  });

  it('two bisync calls at once: the second one says so and exits 1', async () => {
    const pair = await pairWithPendingUploads(8);
    const first = spawnCli(pair.user, ['cloud', 'bisync'], SLOW);
    await waitFor(() => rcloneLockIn(pair), 20_000, 'rclone to start');
    const second = await pair.bisync();
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('Another bisync for this tenant is running');
    expect(await first.exit).toBe(0);
    await expectAllOnBothSides(pair, 8);
  });
});

describe('cloud bisync --watch', () => {
  it('picks up a local edit and a cloud edit, shows in bisync-status, and stops cleanly', async () => {
    const pair = await newPair();
    await pair.writeLocal('start.md', 'start\n');
    const watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '2s']);
    await waitFor(async () => (await pair.readCloud('start.md')) === 'start\n', 20_000, 'the first sync').catch((error: Error) => {
      throw new Error(`${error.message}; the watch said:\n${watch.stderr()}`);
    });

    await pair.writeLocal('local-edit.md', 'written while watching\n');
    await waitFor(async () => (await pair.readCloud('local-edit.md')) === 'written while watching\n', 15_000, 'the local edit to reach the cloud');
    await pair.writeCloud('cloud-edit.md', 'written in the cloud\n');
    await waitFor(async () => (await pair.readLocal('cloud-edit.md')) === 'written in the cloud\n', 15_000, 'the cloud edit to reach the folder');

    const status = await pair.user.run(['cloud', 'bisync-status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ watch: { running: true, localPath: pair.local } });
    const paths = statePaths(pair.user.stateDir);
    await fs.access(paths.watchPid(pair.tenant.tenantId));

    watch.child.kill('SIGTERM');
    expect(await watch.exit).toBe(130);
    await expect(fs.access(paths.watchPid(pair.tenant.tenantId))).rejects.toThrow();
    await expectNothingLeftBehind(pair);
  });
});
