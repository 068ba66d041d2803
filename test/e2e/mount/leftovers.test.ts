import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { eventually, isAlive, rcloneMountsUnder, useMountServer, type MountUser } from './helpers.js';

const { newUser } = useMountServer();

/** An rclone started behind the CLI's back, as a crashed `cloud mount` or the user might leave it. */
function startRclone(me: MountUser, args: string[]): number {
  const child = spawn('rclone', args, { env: { ...me.user.env, RCLONE_CONFIG: me.user.rcloneConfig, AWS_CA_BUNDLE: '' }, detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error('rclone did not start');
  return child.pid;
}

describe('cloud mount cleans up after crashes and refuses what would hide files', () => {
  it('stops an orphaned rclone mount of ours and a stale state file, and never touches the user\'s other rclone', async () => {
    const me = await newUser();
    await fs.mkdir(me.folder, { recursive: true });
    const orphan = startRclone(me, ['mount', me.bucket, me.folder, '--vfs-cache-mode', 'writes']);
    const otherFolder = path.join(me.user.home, 'other-mount');
    await fs.mkdir(otherFolder);
    const usersOwn = startRclone(me, ['mount', me.bucket, otherFolder]);
    await eventually('both mounts', 10_000, async () => (await rcloneMountsUnder(me.user.home)).length === 2);
    // A state file from a crash: its pid is long gone.
    await fs.writeFile(statePaths(me.user.stateDir).mountState(me.tenant.tenantId), JSON.stringify({ pid: 999_999, mountPoint: me.folder }), { mode: 0o600 });

    const result = await me.cli('mount', '--profile', 'fast');
    expect(result.stderr).toContain(`Stopped 1 leftover rclone process(es) of this mount (pid ${orphan})`);
    expect(result.exitCode).toBe(0);
    expect(isAlive(orphan)).toBe(false);
    expect(isAlive(usersOwn)).toBe(true);
    const state = await me.mountState();
    expect(state?.pid).not.toBe(orphan);
    expect((await rcloneMountsUnder(me.user.home)).sort()).toEqual([me.folder, otherFolder].sort());
  });

  it('refuses a non-empty folder (exit 2) and the folder of a running bisync watch (exit 1), mounting nothing', async () => {
    const me = await newUser();
    await fs.mkdir(me.folder, { recursive: true });
    await fs.writeFile(path.join(me.folder, 'local-note.md'), 'mine');
    const nonEmpty = await me.cli('mount');
    expect(nonEmpty.exitCode).toBe(2);
    expect(nonEmpty.stderr).toContain(`${me.folder} is not empty`);
    await fs.rm(path.join(me.folder, 'local-note.md'));

    // This test process stands in for the watch: alive, and watching the folder.
    await fs.writeFile(statePaths(me.user.stateDir).watchPid(me.tenant.tenantId), JSON.stringify({ pid: process.pid, localPath: me.folder, startedAt: new Date().toISOString() }));
    const watched = await me.cli('mount');
    expect(watched.exitCode).toBe(1);
    expect(watched.stderr).toContain(`synced by a running \`cloud bisync --watch\` (pid ${process.pid})`);
    expect(await rcloneMountsUnder(me.user.home)).toEqual([]);
    expect(await me.mountState()).toBeUndefined();
  });

  it('a mount that cannot come up stops its rclone and shows rclone\'s own last log lines', async () => {
    const me = await newUser();
    const tenantFile = statePaths(me.user.stateDir).tenant;
    const tenant = JSON.parse(await fs.readFile(tenantFile, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(tenantFile, JSON.stringify({ ...tenant, remoteName: 'no-such-remote' }));
    const result = await me.cli('mount');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('rclone stopped before the mount came up');
    expect(result.stderr).toMatch(/didn't find section in config file|no-such-remote/);
    expect(await me.mountState()).toBeUndefined();
    expect(await rcloneMountsUnder(me.user.home)).toEqual([]);
  });

  it('mount-status without a mount, and the rc password never printed even with --verbose', async () => {
    const me = await newUser();
    const idle = await me.status();
    expect(idle.exitCode).toBe(0);
    expect(idle.report).toEqual({
      tenantId: me.tenant.tenantId,
      bucketName: me.tenant.bucketName,
      remote: me.bucket,
      localPath: me.folder,
      condition: 'not-mounted',
      mounted: false,
      processAlive: false,
      pid: null,
      profile: null,
      rcloneVersion: null,
      startedAt: null,
      uptimeSeconds: null,
      logPath: null,
      uploads: null,
      cloudChanges: null,
      fix: null,
    });
    const mounted = await me.cli('mount', '--verbose');
    expect(mounted.exitCode).toBe(0);
    const secret = (await me.mountState())?.rcPass ?? '';
    expect(secret.length).toBeGreaterThan(16);
    const outputs = [mounted, await me.cli('mount-status', '--verbose'), await me.cli('mount-status', '--json', '--verbose'), await me.cli('unmount', '--verbose')];
    for (const output of outputs) expect(`${output.stdout}${output.stderr}`).not.toContain(secret);
    // The companion runs with --verbose too and reads the password from the state file.
    const companionLog = await fs.readFile(path.join(me.user.stateDir, `mount-${me.tenant.tenantId}-companion.log`), 'utf8');
    expect(companionLog).toContain('following the change feed');
    expect(companionLog).not.toContain(secret);
    expect(outputs.map((output) => output.exitCode)).toEqual([0, 0, 0, 0]);
  });
});
