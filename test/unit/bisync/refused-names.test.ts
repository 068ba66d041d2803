import { describe, expect, it } from 'vitest';
import { buildBisyncArgs } from '../../../src/bisync/args.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { exactExcludeRule, looksTooLong, refusedLongNames, refusedNamesNote } from '../../../src/bisync/refused-names.js';
import { parseRcloneVersion } from '../../../src/rclone/version.js';

const long = `${'n'.repeat(230)}.md`;

describe('names the cloud refuses (B4)', () => {
  it.each([
    ['a short name', 'notes/a.md', false],
    ['a 230-byte name', long, true],
    ['a long name in a folder', `deep/${long}`, true],
    ['200 bytes of é (2 bytes each) is 400 bytes', `${'é'.repeat(120)}.md`, true],
    ['a long path of short names', Array.from({ length: 120 }, () => 'folder').join('/'), false],
  ])('%s → %s', (_name, file, expected) => {
    expect(looksTooLong(file)).toBe(expected);
  });

  it('only over-long names whose upload failed are set aside; a short one that failed is retried as usual', () => {
    const log = `ERROR : ${long}: Failed to copy: InternalError: We encountered an internal error. Please try again.
ERROR : short.md: Failed to copy: InternalError: We encountered an internal error. Please try again.
ERROR : Bisync critical error: InternalError`;
    expect(refusedLongNames(log)).toEqual([long]);
  });

  it('excludes exactly that path, glob characters escaped', () => {
    expect(exactExcludeRule('a [b]*?.md')).toBe('/a \\[b\\]\\*\\?.md');
    const { args } = buildBisyncArgs(loadBisyncProfile('balanced'), { localPath: '/l', remotePath: 'r:b', workdir: '/w', filtersFile: '/f', mode: 'sync', dryRun: false, force: false, tigris: false, excludes: ['/x.md'] }, parseRcloneVersion('rclone v1.60.1') ?? { major: 1, minor: 60, patch: 1, raw: '1.60.1' });
    expect(args.join(' ')).toContain('--exclude /x.md');
  });

  it('says what is left out and what to do', () => {
    expect(refusedNamesNote([long])).toMatch(/^Not synced: a note whose name is too long for the cloud \(n{40}…\); it stays in this folder: rename to a shorter name to sync\.$/);
  });
});
