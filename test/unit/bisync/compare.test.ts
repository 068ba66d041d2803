import { describe, expect, it } from 'vitest';
import { buildBisyncArgs, type BisyncArgOptions } from '../../../src/bisync/args.js';
import { chooseComparison, hasModtimeOnlyLines, type ComparisonInputs } from '../../../src/bisync/compare.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

const inputs = (version: string, rest: Partial<ComparisonInputs> = {}): ComparisonInputs => ({
  version: rcloneVersion(version), commonHash: 'md5', mode: 'sync', priorModtimeOnly: false, ...rest,
});

describe('chooseComparison', () => {
  it.each([
    ['1.58', {}, 'modtime', []],
    ['1.60.1', {}, 'modtime', []],
    ['1.65.2', { priorModtimeOnly: true }, 'modtime', []],
    ['1.66', {}, 'checksum', ['--compare', 'size,checksum']],
    ['1.75.2', {}, 'checksum', ['--compare', 'size,checksum']],
    ['1.75.2', { mode: 'baseline', priorModtimeOnly: true }, 'checksum', ['--compare', 'size,checksum']],
    ['1.66', { priorModtimeOnly: true }, 'switching', ['--compare', 'size,modtime,checksum']],
    ['1.75.2', { priorModtimeOnly: true }, 'switching', ['--compare', 'size,modtime,checksum']],
    ['1.75.2', { commonHash: undefined }, 'modtime', ['--compare', 'size,modtime']],
    ['1.75.2', { commonHash: undefined, priorModtimeOnly: true }, 'modtime', ['--compare', 'size,modtime']],
  ] as const)('rclone %s %j → %s %j', (version, rest, kind, flags) => {
    expect(chooseComparison(inputs(version, rest))).toEqual({ kind, flags });
  });
});

const header = '# bisync listing v1 from 2026-11-29T15:00:00.000000000+0000\n';
const at = '2026-11-29T14:59:00.000000000+0000';
const noTime = '0001-01-01T00:00:00.000000000+0000';
const line = (hash: string, name: string, time = at) => `-       71 ${hash} - ${time} "${name}"\n`;
const md5 = 'md5:0cc175b9c0f1b6a831c399e269772661';

describe('hasModtimeOnlyLines', () => {
  it.each([
    ['written by the modtime comparison (rclone 1.66+ sets --ignore-listing-checksum)', header + line('-', 'a.md') + line('-', 'b.md'), true],
    ['a switching run that copied one note: the others are still the old lines', header + line('-', 'a.md') + line(md5, 'b.md'), true],
    ['a switching run without changes: times and checksums everywhere', header + line(md5, 'a.md') + line(md5, 'b.md'), false],
    ['written by rclone 1.60 (checksums and times)', header + line(md5, 'a.md'), false],
    ['written by the checksum comparison (no times)', header + line(md5, 'a.md', noTime), false],
    ['a download of a cloud object without an MD5 under the checksum comparison', header + line('-', 'scan.pdf', noTime) + line(md5, 'a.md', noTime), false],
    ['a listing without files', header, false],
    ['no listing', '', false],
  ])('%s → %s', (_what, listing, expected) => {
    expect(hasModtimeOnlyLines(listing)).toBe(expected);
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
