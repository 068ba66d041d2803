import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudWriter, type CloudWriter } from '../../support/cloud-writer.js';
import { eventually, isAlive, useMountServer, type MountUser } from './helpers.js';

/**
 * `cloud mount` with its companion (real rclone, FUSE, the reference server's change feed): another
 * writer's change shows in the mount at once although the profile caches listings for 15 s; the
 * companion ends with the mount; without the feed the mount says so and works at its dir-cache time.
 */
const withFeed = useMountServer();
const withoutFeed = useMountServer({ changeFeed: false });

const listed = async (folder: string) => fs.readdir(folder).catch(() => [] as string[]);

describe('cloud mount shows cloud changes at once through its companion', () => {
  let writer: CloudWriter | undefined;
  afterEach(() => {
    writer?.close();
    writer = undefined;
  });

  async function mountWithFeed(me: MountUser, profile: string) {
    const mounted = await me.cli('mount', '--profile', profile);
    expect(mounted.exitCode, mounted.stderr).toBe(0);
    return mounted;
  }

  it("another writer's new note, new folder, rewrite and deletion show within seconds (profile safe: listings cached 15 s)", async () => {
    const me = await withFeed.newUser();
    writer = await cloudWriter(withFeed.server().apiUrl, me.tenant.token);
    const mounted = await mountWithFeed(me, 'safe');
    expect(mounted.stderr).toContain('changes made in the cloud show here at once');
    await eventually('the companion on the feed', 10_000, async () => (await me.status()).report.cloudChanges?.mode === 'push');
    // Listed now, so without the companion nothing new would show for 15 s.
    expect(await listed(me.folder)).toEqual([]);

    const elapsed: number[] = [];
    for (const index of [1, 2, 3]) {
      await writer.put(`cloud-${index}.md`, `from the cloud ${index}\n`);
      const seen = await eventually(`cloud-${index}.md in the mount`, 10_000, async () => (await listed(me.folder)).includes(`cloud-${index}.md`));
      elapsed.push(seen.elapsedMs);
    }
    expect(Math.max(...elapsed)).toBeLessThan(3_000);
    expect(await fs.readFile(path.join(me.folder, 'cloud-2.md'), 'utf8')).toBe('from the cloud 2\n');

    await writer.put('new-folder/deeper/note.md', 'nested\n');
    const nested = await eventually('the nested note', 10_000, async () => (await fs.readFile(path.join(me.folder, 'new-folder/deeper/note.md'), 'utf8').catch(() => undefined)) === 'nested\n');
    expect(nested.elapsedMs).toBeLessThan(3_000);

    // A note read moments ago, rewritten in the cloud with other content and size. A read racing the
    // rewrite can fail once with EIO (rclone opened the old object): it does so without the feed too.
    const errors: string[] = [];
    await writer.put('cloud-2.md', 'rewritten in the cloud, and longer than before\n');
    const changed = await eventually('the new content', 10_000, async () => (await fs.readFile(path.join(me.folder, 'cloud-2.md'), 'utf8').catch((error: Error) => void errors.push(error.message))) === 'rewritten in the cloud, and longer than before\n');
    expect(changed.elapsedMs).toBeLessThan(3_000);

    await writer.delete('cloud-1.md');
    const gone = await eventually('the deletion', 10_000, async () => !(await listed(me.folder)).includes('cloud-1.md'));
    expect(gone.elapsedMs).toBeLessThan(3_000);

    const status = await me.cli('mount-status');
    expect(status.stdout).toMatch(/Cloud changes: shown at once \(companion pid \d+ follows the change feed; 6 shown\)/);
    expect(await me.cli('unmount')).toMatchObject({ exitCode: 0 });
  });

  it('the companion ends with the mount: on unmount, and when rclone is killed', async () => {
    const me = await withFeed.newUser();
    await mountWithFeed(me, 'fast');
    const first = await me.mountState();
    expect(first?.companionPid).toBeDefined();
    expect(isAlive(first?.companionPid ?? -1)).toBe(true);
    const cmdline = await fs.readFile(`/proc/${first?.companionPid}/cmdline`, 'utf8');
    expect(cmdline.split('\0')).toContain('mount-companion');
    expect((await me.cli('unmount')).exitCode).toBe(0);
    await eventually('the companion to end after unmount', 5_000, () => Promise.resolve(!isAlive(first?.companionPid ?? -1)));

    await mountWithFeed(me, 'fast');
    const second = await me.mountState();
    expect(isAlive(second?.companionPid ?? -1)).toBe(true);
    process.kill(second?.pid ?? -1, 'SIGKILL');
    await eventually('the companion to end after its rclone died', 5_000, () => Promise.resolve(!isAlive(second?.companionPid ?? -1)));
    const status = await me.status();
    expect(status.report.cloudChanges).toBeNull();
    expect((await me.cli('mount')).exitCode).toBe(0);
    const third = await me.mountState();
    expect(isAlive(third?.companionPid ?? -1)).toBe(true);
    process.kill(third?.companionPid ?? -1, 'SIGKILL');
    await eventually('the killed companion to be gone', 5_000, () => Promise.resolve(!isAlive(third?.companionPid ?? -1)));
    expect((await me.cli('mount-status')).stdout).toContain('the companion that shows them at once is not running');
    expect((await me.cli('unmount')).exitCode).toBe(0);
  });

  it('without the feed (404) the mount says so once and shows changes at its dir-cache time', async () => {
    const me = await withoutFeed.newUser();
    writer = await cloudWriter(withoutFeed.server().apiUrl, me.tenant.token);
    const mounted = await me.cli('mount', '--profile', 'fast');
    expect(mounted.exitCode, mounted.stderr).toBe(0);
    expect(mounted.stderr.split('show here within 5s: the cloud has no change feed').length - 1).toBe(1);
    await eventually('the companion to know there is no feed', 10_000, async () => (await me.status()).report.cloudChanges?.mode === 'polling');
    expect((await me.status()).report.cloudChanges).toMatchObject({ companion: 'running', mode: 'polling', reason: 'the cloud has no change feed' });
    expect((await me.cli('mount-status')).stdout).toContain('Cloud changes: show after the dir-cache time of profile fast: the cloud has no change feed');
    expect(await listed(me.folder)).toEqual([]);
    await writer.put('later.md', 'shows after the cache time\n');
    const seen = await eventually('later.md in the mount', 15_000, async () => (await listed(me.folder)).includes('later.md'));
    expect(seen.elapsedMs).toBeLessThan(10_000);
    expect((await me.cli('unmount')).exitCode).toBe(0);
  });
});
