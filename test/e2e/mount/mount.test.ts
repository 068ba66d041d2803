import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMountProfile } from '../../../src/mount/profiles.js';
import { parseDuration } from '../../../src/core/settings.js';
import { formatVersion, parseRcloneVersion, rcloneVersion } from '../../../src/rclone/version.js';
import { makeTestUser } from '../../support/cli.js';
import { rcloneAs } from '../../support/tenant.js';
import { bucketFiles, eventually, isAlive, putInBucket, rcloneMountsUnder, useMountServer } from './helpers.js';

const { newUser } = useMountServer();
const seconds = (duration: string) => (parseDuration(duration) ?? 0) * 1000;

describe('cloud mount, mount-status, unmount with real rclone and FUSE', () => {
  it.each(['fast', 'balanced', 'safe'] as const)('profile %s: writes reach the bucket, bucket changes show after the dir cache time', async (name) => {
    const profile = loadMountProfile(name);
    const me = await newUser();
    await putInBucket(me, 'before.md', 'already in the cloud');

    const mounted = await me.cli('mount', '--profile', name, '--verbose');
    expect(mounted.stderr).toContain(`Mounted ${me.bucket} at ${me.folder}`);
    expect(mounted.exitCode).toBe(0);
    expect(await rcloneMountsUnder(me.folder)).toEqual([me.folder]);
    expect(await fs.readFile(path.join(me.folder, 'before.md'), 'utf8')).toBe('already in the cloud');

    const state = await me.mountState();
    expect(state).toMatchObject({ mountPoint: me.folder, profile: name });
    expect(isAlive(state?.pid ?? -1)).toBe(true);
    expect((await fs.stat(path.join(me.user.stateDir, `mount-${me.tenant.tenantId}.json`))).mode & 0o777).toBe(0o600);
    // The rc password lives in the 0600 state and the process environment only: never on screen or in argv.
    const cmdline = await fs.readFile(`/proc/${state?.pid}/cmdline`, 'utf8');
    for (const text of [mounted.stdout, mounted.stderr, cmdline]) expect(text).not.toContain(state?.rcPass);

    await fs.writeFile(path.join(me.folder, 'written-through-mount.md'), `# ${name}\n`);
    const upload = await eventually('the upload', seconds(profile.vfsWriteBack) + 5_000, async () => (await bucketFiles(me)).includes('written-through-mount.md'));
    expect(upload.elapsedMs).toBeLessThan(seconds(profile.vfsWriteBack) + 5_000);

    // The folder was listed above, so the new object shows only once the listing cache expires.
    await putInBucket(me, 'from-elsewhere.md', 'added in the bucket');
    const seen = await eventually('the remote object in the mount', seconds(profile.dirCacheTime) + 5_000, async () => (await fs.readdir(me.folder)).includes('from-elsewhere.md'));
    expect(seen.elapsedMs).toBeLessThan(seconds(profile.dirCacheTime) + 5_000);
    expect(await fs.readFile(path.join(me.folder, 'from-elsewhere.md'), 'utf8')).toBe('added in the bucket');

    const whileMounted = await me.status();
    expect(whileMounted.exitCode).toBe(0);
    expect(whileMounted.report).toMatchObject({
      tenantId: me.tenant.tenantId,
      bucketName: me.tenant.bucketName,
      localPath: me.folder,
      condition: 'mounted',
      mounted: true,
      processAlive: true,
      pid: state?.pid,
      profile: name,
      rcloneVersion: formatVersion(parseRcloneVersion((await rcloneAs(me.user, ['version'])).stdout) ?? rcloneVersion('0.0')),
      fix: null,
      uploads: { queued: 0, inProgress: 0, errors: 0 },
    });
    expect(whileMounted.report.uptimeSeconds).toBeGreaterThanOrEqual(0);

    const second = await me.cli('mount');
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`already mounted at ${me.folder} (rclone pid ${state?.pid}`);

    const unmounted = await me.cli('unmount');
    expect(unmounted.stderr).toContain(`Unmounted ${me.folder}`);
    expect(unmounted.exitCode).toBe(0);
    expect(await rcloneMountsUnder(me.folder)).toEqual([]);
    expect(isAlive(state?.pid ?? -1)).toBe(false);
    expect(await me.mountState()).toBeUndefined();
    expect(await bucketFiles(me)).toEqual(['before.md', 'from-elsewhere.md', 'written-through-mount.md']);

    const after = await me.status();
    expect(after.exitCode).toBe(0);
    expect(after.report).toMatchObject({ condition: 'not-mounted', mounted: false, processAlive: false, pid: null, uploads: null, fix: null });
  });

  it('shows no object of the sync machinery: backups, lease markers, notes set aside by a sync', async () => {
    const me = await newUser();
    await putInBucket(me, 'notes/a.md', 'a note');
    await putInBucket(me, 'notes/a.md.bm-replaced', 'set aside by a bisync on rclone < 1.66');
    await putInBucket(me, '.basic-memory-backups/leases/laptop.0123456789', '');
    expect((await me.cli('mount', '--profile', 'fast')).exitCode).toBe(0);
    expect(await fs.readdir(me.folder)).toEqual(['notes']);
    expect(await fs.readdir(path.join(me.folder, 'notes'))).toEqual(['a.md']);
    expect((await me.cli('unmount')).exitCode).toBe(0);
  });

  it('after kill -9 of rclone, mount-status reports it and mount recovers without manual steps', async () => {
    const me = await newUser();
    expect((await me.cli('mount', '--profile', 'fast')).exitCode).toBe(0);
    await fs.writeFile(path.join(me.folder, 'kept.md'), 'kept');
    await eventually('the upload', 10_000, async () => (await bucketFiles(me)).includes('kept.md'));
    const crashed = (await me.mountState())?.pid ?? -1;
    process.kill(crashed, 'SIGKILL');
    await eventually('rclone to die', 5_000, () => Promise.resolve(!isAlive(crashed)));
    await expect(fs.readdir(me.folder)).rejects.toThrow(/ENOTCONN/);

    const status = await me.status();
    expect(status.exitCode).toBe(1);
    expect(status.report).toMatchObject({ condition: 'process-dead', processAlive: false, pid: crashed });
    expect(status.report.fix).toContain('basic-memory cloud mount');

    const again = await me.cli('mount', '--profile', 'fast');
    expect(again.stderr).toContain('Cleared a dead mount');
    expect(again.exitCode).toBe(0);
    expect(await fs.readFile(path.join(me.folder, 'kept.md'), 'utf8')).toBe('kept');
    expect(await rcloneMountsUnder(me.folder)).toEqual([me.folder]);
    expect((await me.status()).report.condition).toBe('mounted');
  });

  it('unmount of a busy mount names the holder and changes nothing; --force detaches it and stops rclone', async () => {
    const me = await newUser();
    expect((await me.cli('mount', '--profile', 'fast')).exitCode).toBe(0);
    const pid = (await me.mountState())?.pid ?? -1;
    const handle = await fs.open(path.join(me.folder, 'open.md'), 'w');
    try {
      const busy = await me.cli('unmount');
      expect(busy.exitCode).toBe(1);
      expect(busy.stderr).toContain(`${me.folder} is busy`);
      expect(busy.stderr).toMatch(new RegExp(`\\(pid ${process.pid}\\)`));
      expect(busy.stderr).toContain('--force');
      expect(await rcloneMountsUnder(me.folder)).toEqual([me.folder]);
      expect(isAlive(pid)).toBe(true);

      const forced = await me.cli('unmount', '--force');
      expect(forced.exitCode).toBe(0);
      expect(await rcloneMountsUnder(me.folder)).toEqual([]);
      expect(isAlive(pid)).toBe(false);
      expect(await me.mountState()).toBeUndefined();
    } finally {
      await handle.close().catch(() => undefined);
    }
  });

  it('unmount when nothing is mounted is not an error', async () => {
    const me = await newUser();
    const result = await me.cli('unmount');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Not mounted');
  });

  it('unmount on a machine that was never set up is not an error either', async () => {
    const stranger = await makeTestUser();
    try {
      const result = await stranger.run(['cloud', 'unmount']);
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toContain('Not mounted');
    } finally {
      await stranger.cleanup();
    }
  });
});
