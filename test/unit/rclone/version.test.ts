import { describe, expect, it } from 'vitest';
import { parseRcloneVersion, rcloneVersion, versionAtLeast } from '../../../src/rclone/version.js';

describe('parseRcloneVersion', () => {
  it.each([
    ['rclone v1.60.1-DEV\n- os/version: debian 12.5', { major: 1, minor: 60, patch: 1, suffix: 'DEV' }],
    ['rclone v1.66.0-beta.7781.0e4a1c2d4.master\n', { major: 1, minor: 66, patch: 0, suffix: 'beta.7781.0e4a1c2d4.master' }],
    ['rclone v1.71.2\n- go/version: go1.25', { major: 1, minor: 71, patch: 2, suffix: undefined }],
    ['rclone 1.58\n', { major: 1, minor: 58, patch: 0, suffix: undefined }],
  ])('reads %j', (text, expected) => {
    expect(parseRcloneVersion(text)).toMatchObject(expected);
  });

  it('returns undefined for output that is not rclone\'s', () => {
    expect(parseRcloneVersion('command not found')).toBeUndefined();
  });
});

describe('versionAtLeast', () => {
  it.each([
    ['1.60.1', '1.58', true],
    ['1.60.1', '1.64', false],
    ['1.64.0', '1.64', true],
    ['1.66.0-beta.1', '1.66', true],
    ['1.65.2', '1.66', false],
    ['2.0.0', '1.99', true],
    ['1.57.0', '1.58', false],
    ['1.69.1', '1.69.2', false],
  ])('%s >= %s is %s', (version, minimum, expected) => {
    expect(versionAtLeast(rcloneVersion(version), minimum)).toBe(expected);
  });
});
