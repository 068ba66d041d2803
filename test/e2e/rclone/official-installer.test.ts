import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/core/errors.js';
import { statePaths } from '../../../src/core/paths.js';
import { installOfficialRclone, type OfficialRclone } from '../../../src/rclone/official-installer.js';
import { capturedOutput } from '../../support/captured-output.js';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import {
  binaryVersion,
  clearSignedSums,
  filesUnder,
  newestRcloneBinary,
  releaseZip,
  sha256,
  startReleaseServer,
  type ReleaseServer,
} from '../../support/rclone-release-server.js';

// Everything stays on loopback: the download site is ours, and the API URL points at a closed port.
const OFFLINE_API = 'http://127.0.0.1:9';

let server: ReleaseServer;
let newest: string;
let version: string;
let folder: string;
let archive: Buffer;
let archivePath: string;
let sumsPath: string;
let genuineSums: string;
const users: TestUser[] = [];

beforeAll(async () => {
  newest = newestRcloneBinary();
  version = binaryVersion(newest);
  folder = `rclone-v${version}-linux-amd64`;
  archive = await releaseZip(newest, folder);
  archivePath = `/v${version}/${folder}.zip`;
  sumsPath = `/v${version}/SHA256SUMS`;
  genuineSums = clearSignedSums([`${sha256('the 386 build')}  rclone-v${version}-linux-386.zip`, `${sha256(archive)}  ${folder}.zip`, `${sha256('the deb')}  ${folder}.deb`]);
  server = await startReleaseServer();
}, 300_000);
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  server.files.clear();
  server.requests.length = 0;
  await Promise.all(users.splice(0).map((user) => user.cleanup()));
});

/** A user of this machine (x86_64 Linux) whose download site is the loopback server. */
async function userWithSite(files: Record<string, { body: Buffer | string; cutAfter?: number }>) {
  for (const [url, file] of Object.entries(files)) server.files.set(url, file);
  const user = await makeTestUser({ BASIC_MEMORY_RCLONE_DOWNLOAD_URL: server.baseUrl, BASIC_MEMORY_CLOUD_URL: OFFLINE_API });
  users.push(user);
  const paths = statePaths(user.stateDir);
  const install = async (): Promise<{ installed?: OfficialRclone; error?: CliError; stderr: string }> => {
    const { output, stderr } = capturedOutput();
    try {
      const installed = await installOfficialRclone({ output, platform: 'linux', machine: 'x86_64', env: user.env, paths });
      return { installed, stderr: stderr() };
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      return { error, stderr: stderr() };
    }
  };
  return { user, paths, binDir: path.join(user.stateDir, 'bin'), install };
}

const genuineSite = () => ({ '/version.txt': { body: `rclone v${version}\n` }, [sumsPath]: { body: genuineSums }, [archivePath]: { body: archive } });

describe('the official rclone installer against a download site on loopback, with a real rclone release zip', () => {
  it('downloads, verifies and installs the binary into <state dir>/bin, records rclonePath, and the built CLI then uses it', async () => {
    expect(os.machine()).toBe('x86_64');
    const { user, paths, binDir, install } = await userWithSite(genuineSite());
    // What a run killed mid-download leaves behind; this run clears it.
    await fs.mkdir(path.join(binDir, '.rclone-install-killed'), { recursive: true });
    await fs.writeFile(path.join(binDir, '.rclone-install-killed', `${folder}.zip`), archive.subarray(0, 1000));

    const { installed, error, stderr } = await install();

    expect(error).toBeUndefined();
    const binary = path.join(binDir, 'rclone');
    expect(installed).toMatchObject({ binary, downloaded: true, version: { raw: version } });
    expect(server.requests).toEqual(['/version.txt', sumsPath, archivePath]);
    // The bytes are rclone's own, executable, and nothing else is left in the folder.
    expect(sha256(await fs.readFile(binary))).toBe(sha256(await fs.readFile(newest)));
    expect((await fs.stat(binary)).mode & 0o777).toBe(0o755);
    expect(await filesUnder(binDir)).toEqual(['rclone']);
    expect(execFileSync(binary, ['version'], { encoding: 'utf8' }).split('\n')[0]).toBe(`rclone v${version}`);
    expect(JSON.parse(await fs.readFile(paths.settings, 'utf8'))).toEqual({ rclonePath: binary });
    expect(stderr).toContain(`rclone v${version} installed in ${binary} (checked against its published SHA256 sum).`);

    // The CLI reads rclonePath from the settings file: it now runs this rclone, not the one on PATH.
    const doctor = await user.run(['cloud', 'doctor', '--json']);
    const rcloneCheck = (JSON.parse(doctor.stdout) as { checks: { name: string; status: string; detail: string }[] }).checks.find((check) => check.name === 'rclone');
    expect(rcloneCheck).toEqual(expect.objectContaining({ status: 'ok', detail: `rclone v${version}` }));

    // A second run finds the newest release already there: no download, the setting kept.
    server.requests.length = 0;
    const again = await install();
    expect(again.installed).toMatchObject({ binary, downloaded: false });
    expect(server.requests).toEqual(['/version.txt']);
    expect(again.stderr).toContain('is already the newest release');
  });

  it('refuses a tampered archive: its binary is never extracted or run, nothing is installed, nothing is left in the folder', async () => {
    const marker = path.join(os.tmpdir(), `bm-tampered-ran-${process.pid}-${Date.now()}`);
    const evil = path.join(os.tmpdir(), `bm-evil-rclone-${process.pid}`);
    await fs.writeFile(evil, `#!/bin/sh\ntouch ${marker}\necho "rclone v${version}"\n`, { mode: 0o755 });
    const tampered = await releaseZip(evil, folder);
    await fs.rm(evil);
    const { paths, binDir, install } = await userWithSite({ ...genuineSite(), [archivePath]: { body: tampered } });

    const { installed, error } = await install();

    expect(installed).toBeUndefined();
    expect(error?.exitCode).toBe(4);
    expect(error?.message).toBe(
      `${folder}.zip does not match the SHA256 sum rclone published for it (expected ${sha256(archive)}, got ${sha256(tampered)}): it was not extracted and nothing was installed.`,
    );
    expect(existsSync(marker)).toBe(false);
    expect(await filesUnder(binDir)).toEqual([]);
    expect(existsSync(paths.settings)).toBe(false);
  });

  it('refuses an interrupted download with one clear sentence, and the rclone installed before stays as it was', async () => {
    const { paths, binDir, install } = await userWithSite({ ...genuineSite(), [archivePath]: { body: archive, cutAfter: Math.floor(archive.length / 2) } });
    // An earlier official install (Debian's binary stands in for it) and its setting.
    await fs.mkdir(binDir, { recursive: true });
    const previous = path.join(binDir, 'rclone');
    await fs.copyFile('/usr/bin/rclone', previous);
    await fs.writeFile(paths.settings, JSON.stringify({ rclonePath: previous, bisyncProfile: 'safe' }));

    const { installed, error } = await install();

    expect(installed).toBeUndefined();
    expect(error?.exitCode).toBe(4);
    const cut = new RegExp(`^The download of ${server.baseUrl}${archivePath} broke off after (\\d+) of ${archive.length} bytes: nothing was installed\\.$`).exec(error?.message ?? '');
    expect(cut, error?.message).not.toBeNull();
    expect(Number(cut?.[1])).toBeGreaterThan(0);
    expect(Number(cut?.[1])).toBeLessThan(archive.length);
    expect(error?.hint).toBe('Check your connection and run the command again.');
    expect(await filesUnder(binDir)).toEqual(['rclone']);
    expect(sha256(await fs.readFile(previous))).toBe(sha256(await fs.readFile('/usr/bin/rclone')));
    expect(JSON.parse(await fs.readFile(paths.settings, 'utf8'))).toEqual({ rclonePath: previous, bisyncProfile: 'safe' });
  });

  it('refuses when SHA256SUMS has no line for the archive, without downloading it', async () => {
    const withoutOurs = clearSignedSums([`${sha256('the 386 build')}  rclone-v${version}-linux-386.zip`, `${sha256(archive)}  ${folder}.deb`]);
    const { paths, binDir, install } = await userWithSite({ ...genuineSite(), [sumsPath]: { body: withoutOurs } });

    const { installed, error } = await install();

    expect(installed).toBeUndefined();
    expect(error?.exitCode).toBe(4);
    expect(error?.message).toBe(`The SHA256SUMS of rclone v${version} has no sum for ${folder}.zip, so the archive cannot be verified: nothing was installed.`);
    expect(server.requests).toEqual(['/version.txt', sumsPath]);
    expect(await filesUnder(binDir)).toEqual([]);
    expect(existsSync(paths.settings)).toBe(false);
  });
});

describe('`cloud setup` on Linux offers the official rclone when the installed one is older than 1.66', () => {
  it('prints the offer with the command to run for the rclone under test when it is older, and not otherwise', async () => {
    const user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: OFFLINE_API });
    users.push(user);
    // Setup stops at the login (no server answers there); the rclone check comes first.
    const result = await user.run(['cloud', 'setup', '--yes']);
    const offer = '`basic-memory cloud setup --rclone official` installs rclone\'s newest official release for you alone (no sudo), checked against its published SHA256 sum.';
    if (rcloneAtLeast('1.66')) expect(result.stderr).not.toContain(offer);
    else expect(result.stderr).toContain(offer);
    expect(result.exitCode).not.toBe(0);
  });
});
