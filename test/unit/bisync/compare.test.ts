import { describe, expect, it } from 'vitest';
import { buildBisyncArgs, type BisyncArgOptions } from '../../../src/bisync/args.js';
import { chooseComparison, everyFileHasChecksum, type ComparisonInputs } from '../../../src/bisync/compare.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

const inputs = (version: string, rest: Partial<ComparisonInputs> = {}): ComparisonInputs => ({
  version: rcloneVersion(version), commonHash: 'md5', mode: 'sync', priorChecksums: true, ...rest,
});

describe('chooseComparison', () => {
  it.each([
    ['1.58', {}, 'modtime', []],
    ['1.60.1', {}, 'modtime', []],
    ['1.65.2', { priorChecksums: false }, 'modtime', []],
    ['1.66', {}, 'checksum', ['--compare', 'size,checksum']],
    ['1.75.2', {}, 'checksum', ['--compare', 'size,checksum']],
    ['1.75.2', { mode: 'baseline', priorChecksums: false }, 'checksum', ['--compare', 'size,checksum']],
    ['1.66', { priorChecksums: false }, 'switching', ['--compare', 'size,modtime,checksum']],
    ['1.75.2', { priorChecksums: false }, 'switching', ['--compare', 'size,modtime,checksum']],
    ['1.75.2', { commonHash: undefined }, 'modtime', ['--compare', 'size,modtime']],
    ['1.75.2', { commonHash: undefined, priorChecksums: false }, 'modtime', ['--compare', 'size,modtime']],
  ] as const)('rclone %s %j → %s %j', (version, rest, kind, flags) => {
    expect(chooseComparison(inputs(version, rest))).toEqual({ kind, flags });
  });
});

const header = '# bisync listing v1 from 2026-11-29T15:00:00.000000000+0000\n';
const line = (hash: string, name: string) => `-       71 ${hash} - 2026-11-29T14:59:00.000000000+0000 "${name}"\n`;

describe('everyFileHasChecksum', () => {
  const md5 = 'md5:0cc175b9c0f1b6a831c399e269772661';
  it.each([
    ['written by the modtime comparison (rclone 1.66+ sets --ignore-listing-checksum)', header + line('-', 'a.md') + line('-', 'b.md'), false],
    ['a switching run that copied one note: only its line has a checksum', header + line('-', 'a.md') + line(md5, 'b.md'), false],
    ['written by the checksum comparison', header + line(md5, 'a.md') + line(md5, 'b.md'), true],
    ['written by rclone 1.60 (checksums in every line)', header + line(md5, 'a.md'), true],
    ['a listing without files', header, true],
    ['no listing', '', true],
  ])('%s → %s', (_what, listing, expected) => {
    expect(everyFileHasChecksum(listing)).toBe(expected);
  });
});

describe('buildBisyncArgs with a comparison', () => {
  const base: BisyncArgOptions = {
    localPath: '/home/u/notes', remotePath: 'r:bucket', workdir: '/w', filtersFile: '/f', mode: 'sync', dryRun: false, force: false, tigris: false,
  };
  const compareValues = (args: string[]) => args.flatMap((arg, index) => (arg === '--compare' ? [args[index + 1]] : []));

  it.each(['safe', 'balanced', 'fast'] as const)('%s: the comparison replaces the profile\'s --compare, once', (name) => {
    const { args } = buildBisyncArgs(loadBisyncProfile(name), { ...base, comparison: ['--compare', 'size,checksum'] }, rcloneVersion('1.75.2'));
    expect(compareValues(args)).toEqual(['size,checksum']);
  });

  it('without one, the profile\'s --compare stays (1.66+)', () => {
    const { args } = buildBisyncArgs(loadBisyncProfile('balanced'), base, rcloneVersion('1.75.2'));
    expect(compareValues(args)).toEqual(['size,modtime']);
  });

  it('on 1.60 no --compare at all', () => {
    const { args } = buildBisyncArgs(loadBisyncProfile('balanced'), { ...base, comparison: chooseComparison(inputs('1.60.1')).flags }, rcloneVersion('1.60.1'));
    expect(args).not.toContain('--compare');
  });
});
