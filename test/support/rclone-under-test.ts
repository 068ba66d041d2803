import { execFileSync } from 'node:child_process';
import { parseRcloneVersion, versionAtLeast, type RcloneVersion } from '../../src/rclone/version.js';

/**
 * The rclone the e2e suite runs against: the first `rclone` on PATH. CI runs the suite once with
 * Debian's 1.60.1 and once with a newer rclone put first on PATH, so tests that state a
 * version-specific fact ask this instead of assuming one version.
 */
export const rcloneUnderTest: RcloneVersion = (() => {
  const parsed = parseRcloneVersion(execFileSync('rclone', ['version'], { encoding: 'utf8' }));
  if (!parsed) throw new Error('`rclone version` printed no version: the e2e suite needs a working rclone on PATH.');
  return parsed;
})();

export function rcloneAtLeast(minimum: string): boolean {
  return versionAtLeast(rcloneUnderTest, minimum);
}
