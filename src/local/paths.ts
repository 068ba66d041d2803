import path from 'node:path';

/**
 * Local folders as the user names them (`~/notes`, `notes/`, `C:\Notes\`, `X:`) and how two of them
 * relate. Every command that takes or compares a folder goes through here, so `~`, case and trailing
 * separators mean the same thing everywhere. The platform is passed in so each one is testable anywhere.
 */
export interface LocalPlatform {
  platform: NodeJS.Platform;
  homeDir: string;
  cwd: string;
}

function pathsOf(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** macOS and Windows file systems are case-insensitive by default: `Notes` and `notes` are one folder. */
export function isCaseInsensitive(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

/** True for `X:` or `X:\`: on Windows a mount point may be a whole drive. */
export function isDriveLetter(folder: string): boolean {
  return /^[a-zA-Z]:\\?$/.test(folder);
}

/**
 * Pure: the absolute folder a user means, as a shell would resolve it: `~` and `~/…` (on Windows
 * `~\…` too) in the home folder, relative paths from the working folder, trailing separators
 * dropped, Windows drive letters upper-cased. A bare drive letter stays a drive (`x:\` → `X:`), since
 * WinFsp mounts a drive, not a folder of it.
 */
export function resolveLocalPath(raw: string, { platform, homeDir, cwd }: LocalPlatform): string {
  const paths = pathsOf(platform);
  if (platform === 'win32' && isDriveLetter(raw)) return raw.slice(0, 2).toUpperCase();
  const home = raw === '~' || raw.startsWith('~/') || (platform === 'win32' && raw.startsWith('~\\'));
  const resolved = paths.resolve(cwd, home ? paths.join(homeDir, raw.slice(1)) : raw);
  return platform === 'win32' ? resolved.replace(/^[a-z]:/, (drive) => drive.toUpperCase()) : resolved;
}

/** Pure: the form two absolute folders are compared in (case folded where the file system ignores it). */
function comparable(folder: string, platform: NodeJS.Platform): string {
  const resolved = isDriveLetter(folder) ? `${folder.slice(0, 2)}\\` : pathsOf(platform).resolve(folder);
  return isCaseInsensitive(platform) ? resolved.toLowerCase() : resolved;
}

/** Pure: the two absolute folders are one, or one lies inside the other (either way they share files). */
export function foldersOverlap(first: string, second: string, platform: NodeJS.Platform): boolean {
  const { sep } = pathsOf(platform);
  const a = comparable(first, platform);
  const b = comparable(second, platform);
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : `${outer}${sep}`);
  return within(a, b) || within(b, a);
}
