import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bisyncExitOf, capabilitiesOf, FULL_FEATURED_RCLONE, MINIMUM_RCLONE, missingNoticeableFeatures, type RcloneFeature } from '../../../src/rclone/capabilities.js';
import { parseRcloneVersion } from '../../../src/rclone/version.js';

const versionOf = (firstLine: string) => {
  const version = parseRcloneVersion(firstLine);
  if (!version) throw new Error(`not an rclone version: ${firstLine}`);
  return version;
};

const SINCE_1_58: RcloneFeature[] = ['bisync'];
const SINCE_1_63: RcloneFeature[] = [...SINCE_1_58, 'partialDownloads'];
const SINCE_1_64: RcloneFeature[] = [...SINCE_1_63, 'resilient', 'createEmptySrcDirs', 'ignoreListingChecksum'];
const SINCE_1_65: RcloneFeature[] = [...SINCE_1_64, 'nfsmount'];
const SINCE_1_66: RcloneFeature[] = [...SINCE_1_65, 'recover', 'conflictResolve', 'maxLock', 'compare', 'backupDirs', 'gracefulInterrupt'];
const SINCE_1_68: RcloneFeature[] = [...SINCE_1_66, 'vfsQueue'];
const SINCE_1_69: RcloneFeature[] = [...SINCE_1_68, 'criticalExit7'];

describe('the rclone capability table over the versions seen in the field', () => {
  it.each([
    ['rclone v1.57.0', []],
    ['rclone v1.60.1-DEV', SINCE_1_58],
    ['rclone v1.64.2', SINCE_1_64],
    ['rclone v1.65.0-beta.7389.9e80d48b0', SINCE_1_65],
    ['rclone v1.66.0', SINCE_1_66],
    ['rclone v1.66.0-beta.7781.0e4a1c2d4.master', SINCE_1_66],
    ['rclone v1.68.2', SINCE_1_68],
    ['rclone v1.69.0', SINCE_1_69],
    ['rclone v1.75.2', SINCE_1_69],
  ] as const)('%s has exactly %j', (firstLine, expected) => {
    const has = Object.entries(capabilitiesOf(versionOf(firstLine))).filter(([, present]) => present).map(([feature]) => feature);
    expect(has.sort()).toEqual([...expected].sort());
  });

  it('runs from the rclone that brought bisync; every noticeable feature is in the release doctor advises', () => {
    expect(MINIMUM_RCLONE).toBe('1.58');
    expect(FULL_FEATURED_RCLONE).toBe('1.66');
  });
});

describe('what a person misses on an older rclone (doctor)', () => {
  it.each([
    ['rclone v1.60.1-DEV', 'linux', ['downloads written to a new file (before, a save in the moment rclone replaces a note can be lost) (1.63)', 'bisync --resilient and --create-empty-src-dirs (1.64)', 'bisync --recover, --conflict-resolve, --max-lock and --compare (1.66)']],
    ['rclone v1.64.2', 'darwin', ['nfsmount (the only mount on macOS) (1.65)', 'bisync --recover, --conflict-resolve, --max-lock and --compare (1.66)']],
    ['rclone v1.64.2', 'win32', ['bisync --recover, --conflict-resolve, --max-lock and --compare (1.66)']],
    ['rclone v1.66.0-beta.7781.0e4a1c2d4.master', 'darwin', []],
    ['rclone v1.75.2', 'linux', []],
  ] as const)('%s on %s misses %j', (firstLine, platform, expected) => {
    expect(missingNoticeableFeatures(versionOf(firstLine), platform)).toEqual(expected);
  });
});

describe("bisync's exit codes read for the version that wrote them", () => {
  it.each([
    ['rclone v1.60.1-DEV', 0, 'ok'],
    ['rclone v1.60.1-DEV', 1, 'non-critical'],
    ['rclone v1.60.1-DEV', 2, 'critical'],
    ['rclone v1.68.2', 2, 'critical'],
    ['rclone v1.68.2', 7, 'other'],
    ['rclone v1.69.0', 7, 'critical'],
    ['rclone v1.69.0', 2, 'usage'],
    ['rclone v1.75.2', 1, 'non-critical'],
    ['rclone v1.75.2', 9, 'other'],
  ] as const)('%s exit %i is %s', (firstLine, exitCode, expected) => {
    expect(bisyncExitOf(versionOf(firstLine), exitCode)).toBe(expected);
  });
});

describe('one place decides by version', () => {
  it('no module in src/ compares rclone versions except the capability table', async () => {
    const root = path.resolve(import.meta.dirname, '../../../src');
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));
    const comparing = [];
    for (const file of files) {
      if (/\bversionAtLeast\(/.test(await readFile(path.join(root, file), 'utf8'))) comparing.push(file.split(path.sep).join('/'));
    }
    expect(comparing.sort()).toEqual(['rclone/capabilities.ts', 'rclone/version.ts']);
  });
});
