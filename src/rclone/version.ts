export interface RcloneVersion {
  major: number;
  minor: number;
  patch: number;
  /** `DEV` (distribution builds such as Debian's), `beta.7781.abc123`, …; does not lower the version. */
  suffix: string | undefined;
  raw: string;
}

/** Reads the first line of `rclone version`, e.g. `rclone v1.60.1-DEV` or `rclone v1.66.0-beta.7781.0e4a1c2`. */
export function parseRcloneVersion(output: string): RcloneVersion | undefined {
  const match = /rclone v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([\w.+-]+))?/.exec(output);
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
    suffix: match[4],
    raw: `${match[1]}.${match[2]}.${match[3] ?? 0}${match[4] ? `-${match[4]}` : ''}`,
  };
}

/** Builds a version from "1.66" or "1.66.1" (for tables and tests). */
export function rcloneVersion(text: string): RcloneVersion {
  const parsed = parseRcloneVersion(`rclone v${text}`);
  if (!parsed) throw new Error(`Not an rclone version: ${text}`);
  return parsed;
}

/**
 * True when `version` is at least `minimum` ("1.64"). A beta of 1.66 already carries 1.66's
 * flags, so pre-release suffixes are not counted against it.
 */
export function versionAtLeast(version: RcloneVersion, minimum: string): boolean {
  const [major = 0, minor = 0, patch = 0] = minimum.split('.').map(Number);
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}

export function formatVersion(version: RcloneVersion): string {
  return `v${version.raw}`;
}
