import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { networkErrorFor, sendRequest, type HttpTarget } from '../api/http.js';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import { CliError, ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { StatePaths } from '../core/paths.js';
import { envValue, manualSteps } from './install-strategies.js';
import {
  DOWNLOAD_URL_ENV,
  RCLONE_DOWNLOADS,
  expectedSha256,
  latestVersionUrl,
  parseLatestVersion,
  releaseAsset,
  releaseUrls,
  releaseNumber,
  type ReleaseAsset,
} from './official-release.js';
import { createRclone } from './runner.js';
import { formatVersion, parseRcloneVersion, type RcloneVersion } from './version.js';

export interface OfficialInstallDeps {
  output: Output;
  platform: NodeJS.Platform;
  /** What `os.machine()` says (`x86_64`, `aarch64`, `armv7l`, …). */
  machine: string;
  env: NodeJS.ProcessEnv;
  /** The binary goes in `<dir>/bin/`; `rclonePath` is recorded in `settings`. */
  paths: Pick<StatePaths, 'dir' | 'settings'>;
}

export interface OfficialRclone {
  binary: string;
  version: RcloneVersion;
  /** False when the newest release was already installed there. */
  downloaded: boolean;
}

const DOWNLOAD_TIMEOUT_MS = 60_000;
const STAGING_PREFIX = '.rclone-install-';

/** The folder the official rclone is installed in: the user's own, so no sudo is ever needed. */
export function officialInstallDir(stateDir: string): string {
  return path.join(stateDir, 'bin');
}

/**
 * Installs rclone's newest official release for this platform into `<state dir>/bin/` and records
 * it as `rclonePath`. The archive is checked against the SHA256 sum the release publishes before
 * anything is extracted from it or run; on any failure nothing is left behind and the rclone in use
 * stays as it was.
 */
export async function installOfficialRclone(deps: OfficialInstallDeps): Promise<OfficialRclone> {
  const baseUrl = downloadBaseUrl(deps.env);
  const target: HttpTarget = { label: "rclone's download site", addressHint: `the ${DOWNLOAD_URL_ENV} variable` };
  // Read the settings first: a broken settings file must stop us before the download, not after.
  const settings = await readSettingsObject(deps.paths.settings);

  const latest = parseLatestVersion(await fetchText(latestVersionUrl(baseUrl), deps.output, target));
  if (!latest) throw unavailable(`${latestVersionUrl(baseUrl)} does not name an rclone release`, deps.platform);
  const found = releaseAsset(deps.platform, deps.machine, latest);
  if (found.kind === 'unsupported') throw unavailable(found.reason, deps.platform);
  const { asset } = found;

  const binDir = officialInstallDir(deps.paths.dir);
  const binary = path.join(binDir, asset.binaryName);
  const already = await versionOf(binary, deps.env);
  const upToDate = already !== undefined && releaseNumber(already) === asset.version;
  if (upToDate) deps.output.info(`rclone ${formatVersion(already)} in ${binDir} is already the newest release.`);
  const version = upToDate ? already : await downloadVerified(asset, baseUrl, binary, deps, target);

  await writeJsonFile(deps.paths.settings, { ...settings, rclonePath: binary });
  deps.output.info(`Recorded rclonePath = ${binary} in ${deps.paths.settings}.`);
  if (envValue(deps.env, 'BASIC_MEMORY_RCLONE')) {
    deps.output.warn('BASIC_MEMORY_RCLONE is set and wins over the rclonePath setting: unset it to use this rclone.');
  }
  return { binary, version, downloaded: !upToDate };
}

async function downloadVerified(asset: ReleaseAsset, baseUrl: string, binary: string, deps: OfficialInstallDeps, target: HttpTarget): Promise<RcloneVersion> {
  const urls = releaseUrls(baseUrl, asset);
  const sums = await fetchText(urls.sums, deps.output, target);
  const expected = expectedSha256(sums, asset.archiveName);
  if (expected.kind !== 'found') {
    const problem = expected.kind === 'missing' ? `has no sum for ${asset.archiveName}` : `gives two different sums for ${asset.archiveName}`;
    throw refused(`The SHA256SUMS of rclone v${asset.version} ${problem}, so the archive cannot be verified: nothing was installed.`);
  }

  const binDir = path.dirname(binary);
  await fs.mkdir(binDir, { recursive: true, mode: 0o755 });
  await removeLeftovers(binDir);
  // Everything is staged in a private folder beside the target: rename is atomic only within one
  // filesystem, and removing the folder on failure leaves nothing half-made behind.
  const staging = await fs.mkdtemp(path.join(binDir, STAGING_PREFIX));
  try {
    const archive = path.join(staging, asset.archiveName);
    deps.output.info(`Downloading ${urls.archive}`);
    const actual = await download(urls.archive, archive, target);
    if (actual !== expected.sha256) {
      throw refused(`${asset.archiveName} does not match the SHA256 sum rclone published for it (expected ${expected.sha256}, got ${actual}): it was not extracted and nothing was installed.`);
    }
    deps.output.debug(`${asset.archiveName}: SHA256 ${actual} matches SHA256SUMS`);

    const staged = path.join(staging, asset.binaryName);
    await extractEntry(archive, asset.binaryEntry, staged);
    const ran = await createRclone({ binary: staged, env: deps.env }).run(['version'], { timeoutMs: 30_000 });
    const version = ran.exitCode === 0 ? parseRcloneVersion(ran.stdout) : undefined;
    if (!version || releaseNumber(version) !== asset.version) {
      const why = version ? `it says it is ${formatVersion(version)}` : (lastLine(ran.stderr) ?? `it exited with code ${ran.exitCode}`);
      throw refused(`The rclone in ${asset.archiveName} is not a working rclone v${asset.version} for this machine (${why}): nothing was installed.`);
    }
    await fs.rename(staged, binary);
    deps.output.success(`rclone ${formatVersion(version)} installed in ${binary} (checked against its published SHA256 sum).`);
    return version;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** A run killed mid-download (Ctrl-C, a closed laptop) never reached its cleanup: finish it now. */
async function removeLeftovers(binDir: string): Promise<void> {
  for (const name of await fs.readdir(binDir)) {
    if (name.startsWith(STAGING_PREFIX)) await fs.rm(path.join(binDir, name), { recursive: true, force: true });
  }
}

/** Streams `url` into `file`, hashing as it goes; a short or broken download is an error. Returns the SHA256 in hex. */
async function download(url: string, file: string, target: HttpTarget): Promise<string> {
  const { request } = await import('undici');
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, { headersTimeout: DOWNLOAD_TIMEOUT_MS, bodyTimeout: DOWNLOAD_TIMEOUT_MS });
  } catch (error) {
    throw asUnavailable(networkErrorFor(error, url, target));
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw refused(`${url} answered HTTP ${response.statusCode}: nothing was installed.`);
  }
  const announced = Number(response.headers['content-length'] ?? Number.NaN);
  const hash = createHash('sha256');
  let received = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, hashing, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    throw cutOff(url, received, announced, error);
  }
  if (Number.isFinite(announced) && received !== announced) throw cutOff(url, received, announced);
  return hash.digest('hex');
}

function cutOff(url: string, received: number, announced: number, cause?: unknown): CliError {
  const of = Number.isFinite(announced) ? ` of ${announced}` : '';
  return new CliError(`The download of ${url} broke off after ${received}${of} bytes: nothing was installed.`, {
    hint: 'Check your connection and run the command again.',
    exitCode: ExitCode.rcloneUnavailable,
    cause,
  });
}

/** Takes exactly one named entry out of the zip (no other path is ever written), mode 0755. */
async function extractEntry(archive: string, entryName: string, destination: string): Promise<void> {
  const yauzl = await import('yauzl');
  const zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== entryName) continue;
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(destination, { flags: 'wx', mode: 0o755 }));
      // The umask may have trimmed the mode given at creation.
      await fs.chmod(destination, 0o755);
      return;
    }
  } finally {
    zip.close();
  }
  throw refused(`${path.basename(archive)} holds no ${entryName}: nothing was installed.`);
}

async function fetchText(url: string, output: Output, target: HttpTarget): Promise<string> {
  let response;
  try {
    response = await sendRequest({ method: 'GET', url, headers: { accept: 'text/plain' } }, { output, target });
  } catch (error) {
    throw error instanceof CliError ? asUnavailable(error) : error;
  }
  if (response.status !== 200 || typeof response.body !== 'string') {
    throw refused(`${url} answered HTTP ${response.status}${response.status === 200 ? ' with no text' : ''}: nothing was installed.`);
  }
  return response.body;
}

async function versionOf(binary: string, env: NodeJS.ProcessEnv): Promise<RcloneVersion | undefined> {
  try {
    await fs.access(binary);
  } catch {
    return undefined;
  }
  return createRclone({ binary, env }).version();
}

function downloadBaseUrl(env: NodeJS.ProcessEnv): string {
  const value = envValue(env, DOWNLOAD_URL_ENV) ?? RCLONE_DOWNLOADS;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new CliError(`${DOWNLOAD_URL_ENV} is not an http(s) URL: ${value}.`, { hint: `Set it to a mirror of ${RCLONE_DOWNLOADS}, or unset it.`, exitCode: ExitCode.usage });
  }
  return value;
}

async function readSettingsObject(file: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = await readJsonFile<unknown>(file);
  } catch (error) {
    throw new CliError(`The settings file ${file} is not valid JSON, so rclonePath cannot be recorded in it.`, { hint: 'Fix or remove the file and run the command again.', exitCode: ExitCode.usage, cause: error });
  }
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`The settings file ${file} must hold a JSON object.`, { hint: 'Fix or remove the file and run the command again.', exitCode: ExitCode.usage });
  }
  return value as Record<string, unknown>;
}

function lastLine(text: string): string | undefined {
  return text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).at(-1);
}

function refused(message: string): CliError {
  return new CliError(message, { hint: 'Run the command again; if it keeps failing, install rclone with your package manager or as https://rclone.org/install/ describes.', exitCode: ExitCode.rcloneUnavailable });
}

function unavailable(reason: string, platform: NodeJS.Platform): CliError {
  return new CliError(`The official rclone cannot be installed: ${reason}.`, { hint: manualSteps(platform), exitCode: ExitCode.rcloneUnavailable });
}

function asUnavailable(error: CliError): CliError {
  return new CliError(error.message, { hint: error.hint, exitCode: ExitCode.rcloneUnavailable, cause: error });
}
