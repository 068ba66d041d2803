import { describe, expect, it } from 'vitest';
import { buildBisyncArgs } from '../../../src/bisync/args.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { exactExcludeRule, looksTooLong, refusedLongNames, refusedNamesNote } from '../../../src/bisync/refused-names.js';
import { clashCandidates, folderKeepName } from '../../../src/bisync/type-clash.js';
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
    const version = parseRcloneVersion('rclone v1.60.1');
    expect(version).toBeDefined();
    if (!version) return;
    const { args } = buildBisyncArgs(loadBisyncProfile('balanced'), { localPath: '/l', remotePath: 'r:b', workdir: '/w', filtersFile: '/f', mode: 'sync', dryRun: false, force: false, tigris: false, excludes: ['/x.md'] }, version);
    expect(args.join(' ')).toContain('--exclude /x.md');
  });

  it('says what is left out and what to do', () => {
    expect(refusedNamesNote([long])).toMatch(/^Not synced: a note whose name is too long for the cloud \(n{40}…\); it stays in this folder: rename to a shorter name to sync\.$/);
  });
});

describe('a folder here, a file of that name in the cloud (B3)', () => {
  it('finds the path in 1.60 and 1.63+ logs', () => {
    const log = `ERROR : proj: Failed to copy: open /x/proj: is a directory
ERROR : a b/c.9d0d4ff3.partial: partial file rename failed: can't move object - incompatible remotes
ERROR : other.md: Failed to copy: connection reset`;
    expect(clashCandidates(log)).toEqual(['proj', 'a b/c']);
  });

  it('moves the folder to the first free "(folder)" name', () => {
    expect(folderKeepName('proj', () => false)).toBe('proj (folder)');
    expect(folderKeepName('proj', (name) => name === 'proj (folder)')).toBe('proj (folder 2)');
  });
});
