import { describe, expect, it } from 'vitest';
import { isDriveLetter } from '../../../src/local/paths.js';
import { buildMountArgs, platformNameOf, type MountTarget } from '../../../src/mount/args.js';
import { loadMountProfile, parseMountProfiles } from '../../../src/mount/profiles.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

const target: MountTarget = {
  remotePath: 'basic-memory-t1:bucket-t1',
  mountPoint: '/home/u/basic-memory-t1',
  cacheDir: '/state/cache/mount-t1',
  rcAddr: '127.0.0.1:40123',
};

const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

/** Every flag rclone 1.60.1 (Debian 12, the oldest we mount with) knows among the ones we pass. */
const FLAGS_IN_1_60 = new Set([
  '--vfs-cache-mode', '--dir-cache-time', '--attr-timeout', '--vfs-cache-poll-interval', '--vfs-write-back',
  '--poll-interval', '--cache-dir', '--rc', '--rc-addr', '--log-level', '--network-mode', '--exclude',
]);

describe('buildMountArgs over platforms and rclone versions', () => {
  it.each([
    ['linux', '1.58', 'mount'],
    ['linux', '1.60.1', 'mount'],
    ['linux', '1.75.0', 'mount'],
    ['macos', '1.65', 'nfsmount'],
    ['macos', '1.68.2', 'nfsmount'],
    ['macos', '1.75.0', 'nfsmount'],
    ['windows', '1.60.1', 'mount'],
    ['windows', '1.75.0', 'mount'],
  ] as const)('%s with rclone %s runs `rclone %s` with the write cache on', (platform, version, command) => {
    const built = buildMountArgs(platform, rcloneVersion(version), loadMountProfile('balanced'), target);
    if (built.kind !== 'ready') throw new Error(built.message);
    expect(built.args.slice(0, 3)).toEqual([command, target.remotePath, target.mountPoint]);
    expect(valueOf(built.args, '--vfs-cache-mode')).toBe('writes');
    expect(valueOf(built.args, '--cache-dir')).toBe(target.cacheDir);
    expect(valueOf(built.args, '--rc-addr')).toBe('127.0.0.1:40123');
    expect(built.args).not.toContain('--daemon');
    // The sync machinery's objects never show in the mount.
    expect(built.args.join(' ')).toContain('--exclude /.basic-memory-backups/** --exclude *.bm-replaced');
    for (const flag of built.args.filter((arg) => arg.startsWith('--'))) expect(FLAGS_IN_1_60).toContain(flag);
  });

  it.each([
    ['linux', '1.57.0', /too old/],
    ['windows', '1.50', /too old/],
    ['macos', '1.57', /too old/],
    ['macos', '1.60.1', /nfsmount.*1\.65/],
    ['macos', '1.64.2', /nfsmount.*1\.65/],
  ] as const)('%s with rclone %s cannot mount: one sentence and what to install', (platform, version, reason) => {
    const built = buildMountArgs(platform, rcloneVersion(version), loadMountProfile('fast'), target);
    expect(built.kind).toBe('unsupported');
    if (built.kind !== 'unsupported') return;
    expect(built.message).toMatch(reason);
    expect(built.hint).toMatch(/rclone/);
  });

  it.each([
    ['fast', '5s', '3s', '3s', '1s'],
    ['balanced', '10s', '5s', '5s', '2s'],
    ['safe', '15s', '10s', '10s', '5s'],
  ] as const)('profile %s: dir cache %s, attr timeout %s, cache poll %s, write-back %s', (name, dirCache, attr, poll, writeBack) => {
    const built = buildMountArgs('linux', rcloneVersion('1.60.1'), loadMountProfile(name), target);
    if (built.kind !== 'ready') throw new Error(built.message);
    expect(valueOf(built.args, '--dir-cache-time')).toBe(dirCache);
    expect(valueOf(built.args, '--attr-timeout')).toBe(attr);
    expect(valueOf(built.args, '--vfs-cache-poll-interval')).toBe(poll);
    expect(valueOf(built.args, '--vfs-write-back')).toBe(writeBack);
  });

  it.each([
    ['X:', true],
    ['x:\\', true],
    ['C:\\Users\\u\\basic-memory-t1', false],
  ])('windows mount point %s is a network drive: %s', (mountPoint, networkMode) => {
    const built = buildMountArgs('windows', rcloneVersion('1.70'), loadMountProfile('balanced'), { ...target, mountPoint });
    if (built.kind !== 'ready') throw new Error(built.message);
    expect(built.args.includes('--network-mode')).toBe(networkMode);
    expect(isDriveLetter(mountPoint)).toBe(networkMode);
  });

  it('never passes --network-mode off Windows', () => {
    for (const platform of ['linux', 'macos'] as const) {
      const built = buildMountArgs(platform, rcloneVersion('1.70'), loadMountProfile('balanced'), { ...target, mountPoint: 'X:' });
      expect(built.kind === 'ready' && built.args.includes('--network-mode')).toBe(false);
    }
  });
});

describe('platformNameOf', () => {
  it.each([
    ['linux', 'linux'],
    ['darwin', 'macos'],
    ['win32', 'windows'],
    ['freebsd', undefined],
  ] as const)('%s → %s', (node, name) => expect(platformNameOf(node)).toBe(name));
});

describe('parseMountProfiles', () => {
  const good = {
    profiles: Object.fromEntries(
      ['fast', 'balanced', 'safe'].map((name) => [name, { description: name, dir_cache_time: '5s', attr_timeout: '1s', vfs_cache_poll_interval: '1m', vfs_write_back: '500ms' }]),
    ),
  };

  it('accepts rclone durations with units', () => {
    expect(parseMountProfiles(good).safe.vfsWriteBack).toBe('500ms');
  });

  it.each([
    ['a missing profile', { profiles: { fast: good.profiles.fast } }, /no "balanced" profile/],
    ['a bare number, which rclone would read as nanoseconds', { profiles: { ...good.profiles, safe: { ...good.profiles.safe, dir_cache_time: '15' } } }, /safe\.dir_cache_time/],
    ['a word', { profiles: { ...good.profiles, fast: { ...good.profiles.fast, attr_timeout: 'soon' } } }, /fast\.attr_timeout/],
    ['no profiles at all', null, /no "fast" profile/],
  ])('rejects %s', (_label, json, message) => {
    expect(() => parseMountProfiles(json)).toThrow(message);
  });
});
