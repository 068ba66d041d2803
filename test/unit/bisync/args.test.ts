import { describe, expect, it } from 'vitest';
import { bisyncSessionName, buildBisyncArgs, isTigrisEndpoint, rcloneSettlesConflicts, type BisyncArgOptions } from '../../../src/bisync/args.js';
import { chooseComparison } from '../../../src/bisync/compare.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

const base: BisyncArgOptions = {
  localPath: '/home/u/notes',
  remotePath: 'basic-memory-t1:bucket',
  workdir: '/state/bisync/t1',
  filtersFile: '/state/bisync-filters.txt',
  mode: 'sync',
  dryRun: false,
  force: false,
  tigris: false,
};

const flagsOf = (args: string[]) => args.filter((arg) => arg.startsWith('--'));

describe('buildBisyncArgs over rclone versions', () => {
  it.each([
    ['1.58', [], ['resilient', 'conflict-resolve', 'in-place-downloads']],
    ['1.60.1', [], ['resilient', 'conflict-resolve', 'in-place-downloads']],
    ['1.64', ['--resilient'], ['conflict-resolve']],
    ['1.66', ['--resilient', '--recover', '--max-lock', '--compare', '--conflict-resolve', '--conflict-loser', '--conflict-suffix'], []],
    ['1.69', ['--resilient', '--recover', '--max-lock', '--compare', '--conflict-resolve', '--conflict-loser', '--conflict-suffix'], []],
    ['1.75.0', ['--resilient', '--recover', '--max-lock', '--compare', '--conflict-resolve', '--conflict-loser', '--conflict-suffix'], []],
  ])('balanced on rclone %s: version flags %j, fallbacks %j', (version, versionFlags, fallbackKeys) => {
    const { args, fallbacks } = buildBisyncArgs(loadBisyncProfile('balanced'), base, rcloneVersion(version));
    const newerFlags = ['--resilient', '--recover', '--max-lock', '--compare', '--conflict-resolve', '--conflict-loser', '--conflict-suffix'];
    expect(flagsOf(args).filter((flag) => newerFlags.includes(flag))).toEqual(versionFlags);
    expect(fallbacks.map((fallback) => fallback.key)).toEqual(fallbackKeys);
    expect(args.slice(0, 3)).toEqual(['bisync', '/home/u/notes', 'basic-memory-t1:bucket']);
    expect(args).toEqual(expect.arrayContaining(['--workdir', '/state/bisync/t1', '--filters-file', '/state/bisync-filters.txt', '--max-delete', '25']));
    expect(args).not.toContain('--create-empty-src-dirs');
  });

  it.each([
    ['safe', '10', true, 'none'],
    ['balanced', '25', false, 'newer'],
    ['fast', '50', false, 'newer'],
  ] as const)('%s: --max-delete %s (a percentage), check-access %s, conflicts %s', (name, percent, checkAccess, resolve) => {
    const { args } = buildBisyncArgs(loadBisyncProfile(name), base, rcloneVersion('1.70'));
    expect(args[args.indexOf('--max-delete') + 1]).toBe(percent);
    expect(args.includes('--check-access')).toBe(checkAccess);
    expect(args[args.indexOf('--conflict-resolve') + 1]).toBe(resolve);
  });

  it('safe on 1.60 says once that rclone compares by time only and writes downloads in place, and keeps both copies without a fallback for conflicts', () => {
    const { fallbacks } = buildBisyncArgs(loadBisyncProfile('safe'), base, rcloneVersion('1.60.1'));
    expect(fallbacks.map((fallback) => fallback.key)).toEqual(['compare', 'in-place-downloads']);
  });

  it('rclone 1.66+ names its conflict copies in the one scheme: the run\'s UTC time in the suffix, the extension kept last', () => {
    const { args } = buildBisyncArgs(loadBisyncProfile('safe'), { ...base, startedAt: new Date('2026-11-29T13:46:01.250Z') }, rcloneVersion('1.75.2'));
    expect(args[args.indexOf('--conflict-suffix') + 1]).toBe('conflict-20261129-134601-');
    expect(args[args.indexOf('--conflict-loser') + 1]).toBe('num');
    expect(args).toContain('--suffix-keep-extension');
    // rclone < 1.66 cannot name them: the CLI renames its `..pathN` copies instead.
    expect(buildBisyncArgs(loadBisyncProfile('safe'), base, rcloneVersion('1.60.1')).args).not.toContain('--suffix-keep-extension');
  });

  it('a baseline is --resync, without --check-access (the check file may exist on one side only until then)', () => {
    const { args } = buildBisyncArgs(loadBisyncProfile('safe'), { ...base, mode: 'baseline' }, rcloneVersion('1.60.1'));
    expect(args).toContain('--resync');
    expect(args).not.toContain('--check-access');
  });

  it('adds --dry-run, --force and the Tigris consistency header when asked', () => {
    const { args } = buildBisyncArgs(loadBisyncProfile('fast'), { ...base, dryRun: true, force: true, tigris: true }, rcloneVersion('1.60.1'));
    expect(args).toEqual(expect.arrayContaining(['--dry-run', '--force', '--header', 'X-Tigris-Consistent: true']));
    expect(buildBisyncArgs(loadBisyncProfile('fast'), base, rcloneVersion('1.60.1')).args).not.toContain('--header');
  });
});

describe('buildBisyncArgs: what rclone replaces is moved out of the way first (issue 8)', () => {
  const withDir = { ...base, cloudBackupDir: 'basic-memory-t1:bucket/.basic-memory-backups/20261129-174400-ab12cd34' };
  const valueAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
  const excludes = (args: string[]) => args.filter((_arg, index) => args[index - 1] === '--exclude');
  it.each([
    ['1.60.1', false, undefined, '.bm-replaced'],
    ['1.65.2', false, undefined, '.bm-replaced'],
    ['1.60.1', true, undefined, undefined],
    ['1.66', false, withDir.cloudBackupDir, undefined],
    ['1.75.2', false, withDir.cloudBackupDir, undefined],
    ['1.75.2', true, undefined, undefined],
  ])('rclone %s, dry run %s: --backup-dir2 %s, --suffix %s; the reserved names excluded on every version', (version, dryRun, backupDir, suffix) => {
    const { args } = buildBisyncArgs(loadBisyncProfile('balanced'), { ...withDir, dryRun }, rcloneVersion(version));
    expect(args.includes('--backup-dir2') ? valueAfter(args, '--backup-dir2') : undefined).toBe(backupDir);
    expect(args.includes('--suffix') ? valueAfter(args, '--suffix') : undefined).toBe(suffix);
    expect(excludes(args)).toEqual(expect.arrayContaining(['/.basic-memory-backups/**', '*.bm-replaced']));
    // --exclude flags, never the filters file: changing that file forces a baseline.
    expect(valueAfter(args, '--filters-file')).toBe(base.filtersFile);
  });
});

describe('rcloneSettlesConflicts (from the argv of the run)', () => {
  it.each([
    // No --conflict-resolve before 1.66: conflicts are left to this CLI on every profile.
    ['balanced', '1.60.1', 'sync', false, false],
    ['safe', '1.60.1', 'sync', false, false],
    // 1.66+ with --compare size,checksum: rclone ignores newer and keeps both copies.
    ['balanced', '1.66', 'sync', false, false],
    ['fast', '1.75.2', 'sync', false, false],
    ['balanced', '1.75.2', 'baseline', false, false],
    // The switching run still compares modtime: rclone resolves by time itself.
    ['balanced', '1.75.2', 'sync', true, true],
    // safe asks for no winner, which rclone does whatever the comparison.
    ['safe', '1.75.2', 'sync', false, true],
  ] as const)('%s on rclone %s (%s, prior modtime lines %s) → %s', (profileName, version, mode, priorModtimeOnly, expected) => {
    const rclone = rcloneVersion(version);
    const comparison = chooseComparison({ version: rclone, commonHash: 'md5', mode, priorModtimeOnly }).flags;
    const { args } = buildBisyncArgs(loadBisyncProfile(profileName), { ...base, mode, comparison }, rclone);
    expect(rcloneSettlesConflicts(args)).toBe(expected);
  });

  it.each([
    [['--conflict-resolve', 'newer'], true],
    [['--conflict-resolve', 'newer', '--compare', 'size,checksum'], false],
    [['--conflict-resolve', 'older', '--compare', 'modtime'], true],
    [['--conflict-resolve', 'larger', '--compare', 'size,checksum'], true],
    [['--compare', 'size,modtime'], false],
  ])('%j → %s', (args, expected) => {
    expect(rcloneSettlesConflicts(args)).toBe(expected);
  });
});

describe('isTigrisEndpoint', () => {
  it.each([
    ['https://fly.storage.tigris.dev', true],
    ['https://t3.storage.dev', true],
    ['https://storage.dev', true],
    ['http://127.0.0.1:8766', false],
    ['https://s3.amazonaws.com', false],
    ['https://nottigris.dev.example.com', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isTigrisEndpoint(url)).toBe(expected);
  });
});

describe('bisyncSessionName (rclone\'s listing file prefix)', () => {
  it.each([
    ['/tmp/bx/a', '/tmp/bx/b', 'tmp_bx_a..tmp_bx_b'],
    ['/home/me/my notes', 'basic-memory-t1:bucket', 'home_me_my_notes..basic-memory-t1_bucket'],
    ['/home/me/notes/', 'remote:bucket/sub', 'home_me_notes..remote_bucket_sub'],
  ])('%s + %s → %s', (local, remote, expected) => {
    expect(bisyncSessionName(local, remote)).toBe(expected);
  });
});
