import { RESERVED_EXCLUDE_ARGS } from '../core/reserved-names.js';
import { isDriveLetter } from '../local/paths.js';
import { MINIMUM_RCLONE, featureSince, supports } from '../rclone/capabilities.js';
import { formatVersion, type RcloneVersion } from '../rclone/version.js';
import type { MountProfile } from './profiles.js';

export type MountPlatformName = 'linux' | 'macos' | 'windows';

/** Where and how one mount runs; everything here is decided before rclone starts. */
export interface MountTarget {
  /** `remote:bucket`. */
  remotePath: string;
  /** A folder, or on Windows also a drive letter such as `X:`. */
  mountPoint: string;
  cacheDir: string;
  /** `127.0.0.1:<port>`: the remote control API, never on a public interface. */
  rcAddr: string;
}

export type MountCommand =
  | { kind: 'ready'; args: string[] }
  | { kind: 'unsupported'; message: string; hint: string };

export function platformNameOf(platform: NodeJS.Platform): MountPlatformName | undefined {
  if (platform === 'linux') return 'linux';
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  return undefined;
}

/** The inverse of platformNameOf: the Node platform whose folder rules a mount platform follows. */
export function nodePlatformOf(name: MountPlatformName): NodeJS.Platform {
  return name === 'macos' ? 'darwin' : name === 'windows' ? 'win32' : 'linux';
}

/**
 * Pure: the rclone argument list for one mount, or why this platform and rclone cannot mount.
 * The rc credentials are not here: they travel in the environment (RCLONE_RC_USER/RCLONE_RC_PASS)
 * so no other local user can read them from the process list.
 */
export function buildMountArgs(platform: MountPlatformName, version: RcloneVersion, profile: MountProfile, target: MountTarget): MountCommand {
  if (!supports(version, 'bisync')) {
    return {
      kind: 'unsupported',
      message: `rclone ${formatVersion(version)} is too old to mount your bucket; ${MINIMUM_RCLONE} or newer is needed.`,
      hint: 'Run `basic-memory cloud setup` to upgrade it, or install the latest from https://rclone.org/install/.',
    };
  }
  // Homebrew's rclone has no FUSE `mount` on macOS: nfsmount is the only way there.
  if (platform === 'macos' && !supports(version, 'nfsmount')) {
    return {
      kind: 'unsupported',
      message: `rclone ${formatVersion(version)} cannot mount on macOS: it needs \`rclone nfsmount\`, which came in rclone ${featureSince('nfsmount')}.`,
      hint: 'Upgrade rclone (`brew upgrade rclone`, or https://rclone.org/install/) and run the command again.',
    };
  }
  const args = [platform === 'macos' ? 'nfsmount' : 'mount', target.remotePath, target.mountPoint];
  // Without a write cache an nfsmount is read-only and a FUSE mount cannot do random-access writes.
  args.push('--vfs-cache-mode', 'writes');
  args.push('--dir-cache-time', profile.dirCacheTime);
  args.push('--attr-timeout', profile.attrTimeout);
  args.push('--vfs-cache-poll-interval', profile.vfsCachePollInterval);
  args.push('--vfs-write-back', profile.vfsWriteBack);
  // S3 sends no change notifications; polling would only warn that it must be below dir-cache-time.
  args.push('--poll-interval', '0');
  args.push('--cache-dir', target.cacheDir);
  args.push('--rc', '--rc-addr', target.rcAddr);
  args.push('--log-level', 'INFO');
  // The sync machinery's objects (backups, lease markers, notes set aside for a moment) are no notes.
  args.push(...RESERVED_EXCLUDE_ARGS);
  // Explorer shows a WinFsp drive best as a network drive.
  if (platform === 'windows' && isDriveLetter(target.mountPoint)) args.push('--network-mode');
  return { kind: 'ready', args };
}
