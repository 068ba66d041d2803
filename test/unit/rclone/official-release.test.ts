import { describe, expect, it } from 'vitest';
import {
  clearSignedText,
  expectedSha256,
  latestVersionUrl,
  parseLatestVersion,
  releaseArch,
  releaseAsset,
  releaseUrls,
  shouldOfferOfficial,
  type ReleaseAsset,
} from '../../../src/rclone/official-release.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

const SUM_A = 'a'.repeat(64);
const SUM_B = 'b'.repeat(64);

function asset(platform: NodeJS.Platform, machine: string, version = '1.75.2'): ReleaseAsset {
  const found = releaseAsset(platform, machine, version);
  if (found.kind !== 'asset') throw new Error(found.reason);
  return found.asset;
}

describe('releaseArch: what os.machine() says → rclone archive architecture', () => {
  it.each([
    ['x86_64', 'amd64'],
    ['amd64', 'amd64'],
    ['i686', '386'],
    ['i386', '386'],
    ['aarch64', 'arm64'],
    ['arm64', 'arm64'],
    ['armv7l', 'arm-v7'],
    ['armv6l', 'arm-v6'],
    ['armv5tel', 'arm'],
    ['mips64', undefined],
    ['riscv64', undefined],
    ['s390x', undefined],
  ])('%s → %s', (machine, arch) => {
    expect(releaseArch(machine)).toBe(arch);
  });
});

describe('releaseAsset and releaseUrls: platform × machine → archive, binary entry and URLs', () => {
  it.each([
    ['linux', 'x86_64', 'rclone-v1.75.2-linux-amd64.zip', 'rclone-v1.75.2-linux-amd64/rclone', 'rclone'],
    ['linux', 'aarch64', 'rclone-v1.75.2-linux-arm64.zip', 'rclone-v1.75.2-linux-arm64/rclone', 'rclone'],
    ['linux', 'armv7l', 'rclone-v1.75.2-linux-arm-v7.zip', 'rclone-v1.75.2-linux-arm-v7/rclone', 'rclone'],
    ['linux', 'i686', 'rclone-v1.75.2-linux-386.zip', 'rclone-v1.75.2-linux-386/rclone', 'rclone'],
    ['darwin', 'x86_64', 'rclone-v1.75.2-osx-amd64.zip', 'rclone-v1.75.2-osx-amd64/rclone', 'rclone'],
    ['darwin', 'arm64', 'rclone-v1.75.2-osx-arm64.zip', 'rclone-v1.75.2-osx-arm64/rclone', 'rclone'],
    ['win32', 'x86_64', 'rclone-v1.75.2-windows-amd64.zip', 'rclone-v1.75.2-windows-amd64/rclone.exe', 'rclone.exe'],
    ['win32', 'arm64', 'rclone-v1.75.2-windows-arm64.zip', 'rclone-v1.75.2-windows-arm64/rclone.exe', 'rclone.exe'],
    ['win32', 'i686', 'rclone-v1.75.2-windows-386.zip', 'rclone-v1.75.2-windows-386/rclone.exe', 'rclone.exe'],
  ] as const)('%s on %s → %s', (platform, machine, archiveName, binaryEntry, binaryName) => {
    const found = asset(platform, machine);
    expect(found).toMatchObject({ archiveName, binaryEntry, binaryName, version: '1.75.2' });
    expect(releaseUrls('https://downloads.rclone.org', found)).toEqual({
      sums: 'https://downloads.rclone.org/v1.75.2/SHA256SUMS',
      archive: `https://downloads.rclone.org/v1.75.2/${archiveName}`,
    });
  });

  it.each([
    ['darwin', 'armv7l', 'rclone publishes no osx archive for the armv7l processor'],
    ['darwin', 'i686', 'rclone publishes no osx archive for the i686 processor'],
    ['win32', 'armv7l', 'rclone publishes no windows archive for the armv7l processor'],
    ['linux', 'riscv64', 'rclone publishes no linux archive for the riscv64 processor'],
    ['aix', 'ppc64', 'rclone publishes no archive this installer knows for aix'],
  ] as const)('%s on %s has no archive: %s', (platform, machine, reason) => {
    expect(releaseAsset(platform, machine, '1.75.2')).toEqual({ kind: 'unsupported', reason });
  });

  it('takes a mirror or test base URL with or without its trailing slash', () => {
    expect(latestVersionUrl('http://127.0.0.1:8080/rclone/')).toBe('http://127.0.0.1:8080/rclone/version.txt');
    expect(releaseUrls('http://127.0.0.1:8080/rclone/', asset('linux', 'x86_64')).sums).toBe('http://127.0.0.1:8080/rclone/v1.75.2/SHA256SUMS');
  });
});

describe('parseLatestVersion: version.txt', () => {
  it.each([
    ['rclone v1.75.2\n', '1.75.2'],
    ['rclone v1.66.0', '1.66.0'],
    ['rclone v1.75.2-beta.1', undefined],
    ['rclone v1.75.2/../../x', undefined],
    ['<html>not found</html>', undefined],
    ['', undefined],
  ])('%j → %s', (text, version) => {
    expect(parseLatestVersion(text)).toBe(version);
  });
});

describe('expectedSha256: the release SHA256SUMS (clear-signed, as rclone publishes it)', () => {
  const signed = (body: string) => `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${body}\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE${'x'.repeat(40)}\n=abcd\n-----END PGP SIGNATURE-----\n`;

  it.each([
    ['a clear-signed file, text mode', signed(`${SUM_B}  rclone-v1.75.2-linux-386.zip\n${SUM_A}  rclone-v1.75.2-linux-amd64.zip`), { kind: 'found', sha256: SUM_A }],
    ['binary mode (`*NAME`)', signed(`${SUM_A} *rclone-v1.75.2-linux-amd64.zip`), { kind: 'found', sha256: SUM_A }],
    ['upper-case hex, CRLF lines', signed(`${SUM_A.toUpperCase()}  rclone-v1.75.2-linux-amd64.zip`).replaceAll('\n', '\r\n'), { kind: 'found', sha256: SUM_A }],
    ['a plain, unsigned file', `${SUM_A}  rclone-v1.75.2-linux-amd64.zip\n`, { kind: 'found', sha256: SUM_A }],
    ['the same line twice', signed(`${SUM_A}  rclone-v1.75.2-linux-amd64.zip\n${SUM_A}  rclone-v1.75.2-linux-amd64.zip`), { kind: 'found', sha256: SUM_A }],
    ['no line for the archive', signed(`${SUM_B}  rclone-v1.75.2-linux-386.zip`), { kind: 'missing' }],
    ['only a line for a longer name', signed(`${SUM_A}  rclone-v1.75.2-linux-amd64.zip.deb`), { kind: 'missing' }],
    ['a line whose sum is cut short', signed(`${SUM_A.slice(1)}  rclone-v1.75.2-linux-amd64.zip`), { kind: 'missing' }],
    ['a sum after the signature starts', `${signed('')}${SUM_A}  rclone-v1.75.2-linux-amd64.zip\n`, { kind: 'missing' }],
    ['two different sums for it', signed(`${SUM_A}  rclone-v1.75.2-linux-amd64.zip\n${SUM_B}  rclone-v1.75.2-linux-amd64.zip`), { kind: 'conflicting' }],
    ['an empty file', '', { kind: 'missing' }],
  ])('%s', (_label, text, expected) => {
    expect(expectedSha256(text, 'rclone-v1.75.2-linux-amd64.zip')).toEqual(expected);
  });

  it('clearSignedText keeps only the signed lines, dash-escaping undone', () => {
    expect(clearSignedText(signed(`- -leading dash\n${SUM_A}  x.zip`))).toBe(`-leading dash\n${SUM_A}  x.zip`);
  });
});

describe('shouldOfferOfficial: when setup offers the official rclone', () => {
  it.each([
    ['linux', '1.60.1-DEV', true],
    ['linux', '1.65.2', true],
    ['linux', '1.66.0', false],
    ['linux', '1.75.2', false],
    ['darwin', '1.60.1', false],
    ['win32', '1.60.1', false],
  ] as const)('%s with rclone %s → %s', (platform, version, offered) => {
    expect(shouldOfferOfficial(platform, rcloneVersion(version))).toBe(offered);
  });
});
