import { describe, expect, it } from 'vitest';
import {
  isBusyMessage,
  isOurMountProcess,
  macosPlatform,
  parseFuserPids,
  parseLsofHolders,
  parsePsOutput,
  unmountCommands,
  windowsPlatform,
  type CommandResult,
} from '../../../src/mount/platform.js';

describe('processes', () => {
  it('reads `ps -axo pid=,command=`', () => {
    expect(parsePsOutput('  1 /sbin/launchd\n 4242 /opt/homebrew/bin/rclone nfsmount r:b /Users/u/x --vfs-cache-mode writes\n')).toEqual([
      { pid: 1, command: '/sbin/launchd' },
      { pid: 4242, command: '/opt/homebrew/bin/rclone nfsmount r:b /Users/u/x --vfs-cache-mode writes' },
    ]);
  });

  it.each([
    ['our mount', 'rclone --ca-cert /ca.pem mount basic-memory-t1:bucket /home/u/bm --vfs-cache-mode writes', true],
    ['our nfsmount, full path to rclone', '/opt/homebrew/bin/rclone nfsmount basic-memory-t1:bucket /home/u/bm --rc', true],
    ['our remote, another folder', 'rclone mount basic-memory-t1:bucket /home/u/elsewhere', false],
    ['a folder that only starts like ours', 'rclone mount basic-memory-t1:bucket /home/u/bm-old --rc', false],
    ['another remote on our folder', 'rclone mount gdrive: /home/u/bm', false],
    ['our remote, but a sync', 'rclone bisync /home/u/bm basic-memory-t1:bucket', false],
    ['not rclone', 'vim /home/u/bm/mount basic-memory-t1:bucket', false],
    ['rclone.exe on Windows', 'C:\\rclone\\rclone.exe mount basic-memory-t1:bucket X: --network-mode', true],
  ])('%s → %s', (_label, command, ours) => {
    const mountPoint = command.includes(' X:') ? 'X:' : '/home/u/bm';
    expect(isOurMountProcess({ pid: 7, command }, 'basic-memory-t1', mountPoint)).toBe(ours);
  });
});

describe('unmounting', () => {
  it.each([
    ['linux', false, [['fusermount3', '-u', '/m'], ['fusermount', '-u', '/m']]],
    ['linux', true, [['fusermount3', '-uz', '/m'], ['fusermount', '-uz', '/m']]],
    ['macos', false, [['umount', '/m'], ['diskutil', 'unmount', '/m']]],
    ['macos', true, [['diskutil', 'unmount', 'force', '/m'], ['umount', '-f', '/m']]],
    ['windows', true, []],
  ] as const)('%s force=%s', (platform, force, commands) => {
    expect(unmountCommands(platform, '/m', force)).toEqual(commands);
  });

  it.each([
    ['fusermount3: failed to unmount /m: Device or resource busy', true],
    ['umount(/Users/u/m): Resource busy -- try \'diskutil unmount\'', true],
    ['Unmount failed for /Users/u/m: at least one volume could not be unmounted; in use', true],
    ['fusermount3: entry for /m not found in /etc/mtab', false],
  ])('busy message %j → %s', (text, busy) => expect(isBusyMessage(text)).toBe(busy));

  it('reads holders from fuser and lsof', () => {
    expect(parseFuserPids(' 1234 5678')).toEqual([1234, 5678]);
    expect(parseLsofHolders('COMMAND  PID USER   FD   TYPE\nvim     4242 u    cwd    DIR\nvim     4242 u    4u   REG\nbash 77 u cwd DIR\n')).toEqual(['vim (pid 4242)', 'bash (pid 77)']);
  });
});

/** A scripted command runner: answers by command name and records every call. */
function fakeRun(answers: Record<string, CommandResult>) {
  const calls: string[][] = [];
  const run = (command: string, args: string[]) => {
    calls.push([command, ...args]);
    return Promise.resolve(answers[command] ?? { exitCode: 127, stdout: '', stderr: 'not found' });
  };
  return { run, calls };
}

describe('macOS platform with its commands scripted', () => {
  it('finds an nfsmount in `mount` output and unmounts with umount, falling back to diskutil', async () => {
    const { run, calls } = fakeRun({
      mount: { exitCode: 0, stdout: 'localhost:/x on /nowhere/bm (nfs, nodev)\n', stderr: '' },
      umount: { exitCode: 1, stdout: '', stderr: 'umount: /nowhere/bm: not currently mounted' },
      diskutil: { exitCode: 0, stdout: 'Volume bm on /nowhere/bm unmounted', stderr: '' },
    });
    const mac = macosPlatform(run);
    expect(await mac.probe('/elsewhere')).toBe('absent');
    // The mount point itself is not on this machine, so the stat sees it as answering.
    expect(await mac.probe('/nowhere/bm')).not.toBe('absent');
    expect(await mac.unmount('/nowhere/bm', false)).toEqual({ kind: 'unmounted' });
    expect(calls.slice(-2)).toEqual([['umount', '/nowhere/bm'], ['diskutil', 'unmount', '/nowhere/bm']]);
  });

  it('reports a busy NFS mount', async () => {
    const { run } = fakeRun({ umount: { exitCode: 1, stdout: '', stderr: 'umount(/m): Resource busy' } });
    expect(await macosPlatform(run).unmount('/m', false)).toEqual({ kind: 'busy', detail: 'umount(/m): Resource busy' });
  });
});

describe('Windows platform', () => {
  it('needs WinFsp, found under Program Files', async () => {
    const env = { 'ProgramFiles(x86)': 'C:\\Program Files (x86)' };
    const without = await windowsPlatform(env, () => false).missingSupport();
    expect(without?.message).toMatch(/WinFsp is not installed/);
    expect(without?.hint).toMatch(/winget install WinFsp/);
    expect(await windowsPlatform(env, (file) => file === 'C:\\Program Files (x86)\\WinFsp\\bin').missingSupport()).toBeUndefined();
  });

  it('sees a drive as mounted while it exists, and has nothing to unmount (rclone ending unmounts it)', async () => {
    const windows = windowsPlatform({}, (file) => file === 'X:');
    expect(await windows.probe('X:')).toBe('mounted');
    expect(await windows.probe('Y:')).toBe('absent');
    expect(await windows.unmount('X:', false)).toEqual({ kind: 'unmounted' });
  });
});
