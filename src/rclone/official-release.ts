import { featureSince, supports } from './capabilities.js';
import type { RcloneVersion } from './version.js';

/**
 * rclone's own release archives, as data and pure functions. The site keeps each release in a
 * folder named after its tag, beside a SHA256SUMS file that covers every archive of it; the
 * `rclone-current-*` aliases at the top have no sums, so we always go through the tag's folder.
 */
export const RCLONE_DOWNLOADS = 'https://downloads.rclone.org';

/** Where `cloud setup --rclone official` downloads from; a mirror (or a test server) replaces it. */
export const DOWNLOAD_URL_ENV = 'BASIC_MEMORY_RCLONE_DOWNLOAD_URL';

/** The rclone from which bisync compares by checksum (`--compare`): what a distribution's older package lacks. */
export const OFFICIAL_OFFER_BELOW = featureSince('compare');

/** The operating systems' names in rclone's archive names (macOS is `osx`). */
const RELEASE_OS: Partial<Record<NodeJS.Platform, string>> = { linux: 'linux', darwin: 'osx', win32: 'windows' };

/** The architectures rclone publishes for each operating system. */
const PUBLISHED_ARCHES: Record<string, readonly string[]> = {
  linux: ['amd64', '386', 'arm64', 'arm-v7', 'arm-v6', 'arm'],
  osx: ['amd64', 'arm64'],
  windows: ['amd64', '386', 'arm64'],
};

/** `uname -m` (Node's `os.machine()`) → rclone's architecture name, as rclone's own install script maps it. */
export function releaseArch(machine: string): string | undefined {
  const name = machine.toLowerCase();
  if (name === 'x86_64' || name === 'amd64' || name === 'x64') return 'amd64';
  if (/^i[3-6]86$/.test(name) || name === 'x86' || name === 'ia32') return '386';
  if (name === 'aarch64' || name === 'arm64' || name.startsWith('armv8')) return 'arm64';
  if (name.startsWith('armv7')) return 'arm-v7';
  if (name.startsWith('armv6')) return 'arm-v6';
  if (name.startsWith('arm')) return 'arm';
  return undefined;
}

export interface ReleaseAsset {
  /** e.g. `1.75.2` */
  version: string;
  os: string;
  arch: string;
  /** `rclone-v1.75.2-linux-amd64.zip` */
  archiveName: string;
  /** The one entry taken out of the archive: `rclone-v1.75.2-linux-amd64/rclone`. */
  binaryEntry: string;
  /** The installed file's name: `rclone`, or `rclone.exe` on Windows. */
  binaryName: string;
}

export type AssetResult = { kind: 'asset'; asset: ReleaseAsset } | { kind: 'unsupported'; reason: string };

/** The archive rclone publishes for this platform and machine, or why there is none. */
export function releaseAsset(platform: NodeJS.Platform, machine: string, version: string): AssetResult {
  const os = RELEASE_OS[platform];
  if (!os) return { kind: 'unsupported', reason: `rclone publishes no archive this installer knows for ${platform}` };
  const arch = releaseArch(machine);
  if (!arch || !PUBLISHED_ARCHES[os]?.includes(arch)) return { kind: 'unsupported', reason: `rclone publishes no ${os} archive for the ${machine} processor` };
  const folder = `rclone-v${version}-${os}-${arch}`;
  const binaryName = os === 'windows' ? 'rclone.exe' : 'rclone';
  return { kind: 'asset', asset: { version, os, arch, archiveName: `${folder}.zip`, binaryEntry: `${folder}/${binaryName}`, binaryName } };
}

export interface ReleaseUrls {
  sums: string;
  archive: string;
}

/** `version.txt` names the newest release. */
export function latestVersionUrl(baseUrl: string): string {
  return `${trimSlashes(baseUrl)}/version.txt`;
}

export function releaseUrls(baseUrl: string, asset: ReleaseAsset): ReleaseUrls {
  const folder = `${trimSlashes(baseUrl)}/v${asset.version}`;
  return { sums: `${folder}/SHA256SUMS`, archive: `${folder}/${asset.archiveName}` };
}

/**
 * `rclone v1.75.2` → `1.75.2`. Only a plain release number is accepted: it goes into URLs and file
 * names, so anything else in that file is refused rather than used.
 */
export function parseLatestVersion(text: string): string | undefined {
  const match = /^rclone v(\d+\.\d+\.\d+)\s*$/.exec(text.trim());
  return match?.[1];
}

/**
 * The signed text of an OpenPGP clear-signed message (RFC 4880 section 7): after the armor header
 * and its blank line, up to the signature, with dash-escaped lines restored. Text that is not
 * clear-signed is returned as it is. The signature itself is not checked here.
 */
export function clearSignedText(text: string): string {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === '-----BEGIN PGP SIGNED MESSAGE-----');
  if (start === -1) return text;
  const blank = lines.findIndex((line, index) => index > start && line.trim() === '');
  if (blank === -1) return '';
  const end = lines.findIndex((line, index) => index > blank && line.trim() === '-----BEGIN PGP SIGNATURE-----');
  return lines
    .slice(blank + 1, end === -1 ? lines.length : end)
    .map((line) => (line.startsWith('- ') ? line.slice(2) : line))
    .join('\n');
}

export type ExpectedSum = { kind: 'found'; sha256: string } | { kind: 'missing' } | { kind: 'conflicting' };

/**
 * The SHA256 the sums file gives for one file, read as `sha256sum` writes it (`HEX  NAME`, or
 * `HEX *NAME` in binary mode). Two different sums for the same name are refused, not guessed between.
 */
export function expectedSha256(sumsFile: string, fileName: string): ExpectedSum {
  const sums = new Set<string>();
  for (const line of clearSignedText(sumsFile).split('\n')) {
    const match = /^([0-9a-fA-F]{64}) [ *](.+?)\s*$/.exec(line);
    if (match?.[2] === fileName && match[1]) sums.add(match[1].toLowerCase());
  }
  const [only] = sums;
  if (only === undefined) return { kind: 'missing' };
  return sums.size === 1 ? { kind: 'found', sha256: only } : { kind: 'conflicting' };
}

/**
 * On Linux, a distribution's rclone older than 1.66 works but cannot compare by checksum, which is
 * what keeps large vaults fast: offer the official release. Other platforms' package managers
 * follow rclone's releases closely, so nothing is offered there.
 */
export function shouldOfferOfficial(platform: NodeJS.Platform, version: RcloneVersion): boolean {
  return platform === 'linux' && !supports(version, 'compare');
}

/** `1.75.2` for rclone v1.75.2 (a build suffix such as `-DEV` dropped), to compare with a release number. */
export function releaseNumber(version: RcloneVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
