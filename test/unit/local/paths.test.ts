import { describe, expect, it } from 'vitest';
import { foldersOverlap, isCaseInsensitive, resolveLocalPath } from '../../../src/local/paths.js';

const linux = { platform: 'linux' as const, homeDir: '/home/ada', cwd: '/work' };
const macos = { platform: 'darwin' as const, homeDir: '/Users/ada', cwd: '/Users/ada/work' };
const windows = { platform: 'win32' as const, homeDir: 'C:\\Users\\ada', cwd: 'D:\\work' };

describe('resolveLocalPath: a folder as a shell would resolve it', () => {
  it.each([
    [linux, '~', '/home/ada'],
    [linux, '~/notes', '/home/ada/notes'],
    [linux, '~\\notes', '/work/~\\notes'],
    [linux, 'notes', '/work/notes'],
    [linux, '../notes/', '/notes'],
    [linux, '/abs/notes//', '/abs/notes'],
    [linux, '~ada/notes', '/work/~ada/notes'],
    [macos, '~/Notes/', '/Users/ada/Notes'],
    [macos, 'Notes', '/Users/ada/work/Notes'],
    [windows, '~', 'C:\\Users\\ada'],
    [windows, '~\\notes\\', 'C:\\Users\\ada\\notes'],
    [windows, '~/notes', 'C:\\Users\\ada\\notes'],
    [windows, 'notes', 'D:\\work\\notes'],
    [windows, 'e:\\Notes\\', 'E:\\Notes'],
    [windows, 'x:', 'X:'],
    [windows, 'x:\\', 'X:'],
  ])('%o: %s → %s', (where, raw, expected) => {
    expect(resolveLocalPath(raw, where)).toBe(expected);
  });
});

describe('foldersOverlap: one folder, or one inside the other', () => {
  it.each([
    ['linux', '/m/notes', '/m/notes', true],
    ['linux', '/m/notes/', '/m/notes', true],
    ['linux', '/m/notes/sub', '/m/notes', true],
    ['linux', '/m', '/m/notes', true],
    ['linux', '/m/notes-2', '/m/notes', false],
    ['linux', '/m/Notes', '/m/notes', false],
    ['linux', '/', '/m/notes', true],
    ['darwin', '/Users/ada/Notes', '/Users/ada/notes', true],
    ['darwin', '/Users/ada/notes/Sub', '/Users/ada/NOTES', true],
    ['darwin', '/Users/ada/notes2', '/Users/ada/notes', false],
    ['win32', 'C:\\Users\\ada\\Notes', 'c:\\users\\ada\\notes\\', true],
    ['win32', 'C:\\Users\\ada\\Notes\\a', 'C:\\Users\\ada\\notes', true],
    ['win32', 'X:', 'X:\\notes', true],
    ['win32', 'X:\\', 'x:', true],
    ['win32', 'X:', 'Y:', false],
    ['win32', 'C:\\notes', 'D:\\notes', false],
  ] as const)('%s: %s and %s → %s', (platform, first, second, expected) => {
    expect(foldersOverlap(first, second, platform)).toBe(expected);
    expect(foldersOverlap(second, first, platform)).toBe(expected);
  });
});

describe('isCaseInsensitive', () => {
  it.each([
    ['linux', false],
    ['darwin', true],
    ['win32', true],
  ] as const)('%s → %s', (platform, expected) => {
    expect(isCaseInsensitive(platform)).toBe(expected);
  });
});
