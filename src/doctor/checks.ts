import path from 'node:path';
import type { ApiClient } from '../api/types.js';
import { isCliError, ExitCode } from '../core/errors.js';
import type { StatePaths } from '../core/paths.js';
import { remoteBucketPath, type TenantState } from '../core/tenant-state.js';
import { filtersChangedSinceBaseline } from '../bisync/filters.js';
import { findStaleLocks, type LockCheck } from '../bisync/workdir.js';
import { readRemote } from '../rclone/config-file.js';
import { parseIni } from '../rclone/ini.js';
import { manualSteps } from '../rclone/install-strategies.js';
import type { Rclone } from '../rclone/runner.js';
import { FULL_FEATURED_RCLONE, MINIMUM_RCLONE, missingNoticeableFeatures, supports } from '../rclone/capabilities.js';
import { formatVersion, type RcloneVersion } from '../rclone/version.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the report: what was checked, what was found, and the one thing to do about it. */
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** Empty when there is nothing to do. */
  fix: string;
}

const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail, fix: '' });
const warn = (name: string, detail: string, fix: string): Check => ({ name, status: 'warn', detail, fix });
const fail = (name: string, detail: string, fix: string): Check => ({ name, status: 'fail', detail, fix });

const SETUP = 'Run `basic-memory cloud setup`.';

export function checkRcloneVersion(version: RcloneVersion | undefined, binary: string, platform: NodeJS.Platform): Check {
  const name = 'rclone';
  if (!version) return fail(name, `rclone was not found (looked for "${binary}").`, `Run \`basic-memory cloud setup\` to install it, or: ${manualSteps(platform)}`);
  if (!supports(version, 'bisync')) {
    return fail(name, `rclone ${formatVersion(version)} is older than the ${MINIMUM_RCLONE} Basic Memory needs.`, 'Run `basic-memory cloud setup` to upgrade it.');
  }
  const missing = missingNoticeableFeatures(version, platform);
  if (missing.length === 0) return ok(name, `rclone ${formatVersion(version)}`);
  return warn(name, `rclone ${formatVersion(version)} works but lacks ${missing.join('; ')}: Basic Memory falls back to safe defaults.`, `Upgrade rclone to ${FULL_FEATURED_RCLONE} or newer (https://rclone.org/downloads/) for the full feature set.`);
}

export interface MountFacts {
  platform: NodeJS.Platform;
  version: RcloneVersion | undefined;
  fileExists: (file: string) => Promise<boolean>;
  findProgram: (name: string) => Promise<string | undefined>;
  env: NodeJS.ProcessEnv;
  /** A mount was chosen at setup: missing support is a failure, not a warning. */
  mountMode: boolean;
}

/** FUSE on Linux, nfsmount on macOS, WinFsp on Windows: what `cloud mount` needs. */
export async function checkMountSupport(facts: MountFacts): Promise<Check> {
  const name = 'mount support';
  const missing = (detail: string, fix: string) => (facts.mountMode ? fail(name, detail, fix) : warn(name, `${detail} Only bisync works.`, fix));
  switch (facts.platform) {
    case 'linux': {
      const helper = (await facts.findProgram('fusermount3')) ?? (await facts.findProgram('fusermount'));
      if (!(await facts.fileExists('/dev/fuse'))) return missing('/dev/fuse is missing.', 'Load the fuse module (`sudo modprobe fuse`), or in a container pass `--device /dev/fuse --cap-add SYS_ADMIN`.');
      if (!helper) return missing('fusermount3 (or fusermount) is not installed.', "Install FUSE 3: `sudo apt-get install -y fuse3` (or your distribution's fuse3 package).");
      return ok(name, `FUSE ready (/dev/fuse, ${path.basename(helper)})`);
    }
    case 'darwin':
      if (facts.version && !supports(facts.version, 'nfsmount')) return missing(`macOS mounts use rclone nfsmount, which rclone ${formatVersion(facts.version)} does not have.`, 'Upgrade rclone: `brew upgrade rclone`.');
      return ok(name, 'NFS mount via rclone nfsmount');
    case 'win32': {
      const programFiles = [facts.env['ProgramFiles(x86)'], facts.env.ProgramFiles].filter((dir): dir is string => Boolean(dir));
      for (const dir of programFiles) {
        if (await facts.fileExists(path.win32.join(dir, 'WinFsp', 'bin', 'winfsp-x64.dll'))) return ok(name, `WinFsp ready (${path.win32.join(dir, 'WinFsp')})`);
      }
      return missing('WinFsp is not installed.', 'Install WinFsp: `winget install -e --id WinFsp.WinFsp` (or from https://winfsp.dev/).');
    }
    default:
      return warn(name, `Mounting is not supported on ${facts.platform}.`, 'Use `basic-memory cloud bisync` instead.');
  }
}

/** Network failures as advice: what answered (or did not) at the URL. */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code ?? (cause?.message ? undefined : (error as { name?: string }).name);
  switch (code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'TimeoutError':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'it did not answer in time';
    default:
      return code && /CERT|SSL|TLS/.test(code) ? `the TLS certificate was refused (${code})` : `the request failed (${code ?? cause?.message ?? String(error)})`;
  }
}

export async function checkApiReachable(apiUrl: string, health: (url: string) => Promise<number>): Promise<Check> {
  const name = 'API';
  const url = new URL('health', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`).toString();
  const fix = 'Check the API URL (--api-url, BASIC_MEMORY_CLOUD_URL or settings) and your network, then try again.';
  try {
    const status = await health(url);
    return status >= 200 && status < 300 ? ok(name, `${apiUrl} answers`) : fail(name, `${url} answered HTTP ${status}.`, fix);
  } catch (error) {
    return fail(name, `${url} cannot be reached: ${describeNetworkError(error)}.`, fix);
  }
}

/** Whether the stored token is accepted, and for the tenant this machine was set up for. */
export async function checkLogin(api: () => Promise<ApiClient>, apiReachable: boolean, tenant: TenantState | undefined): Promise<Check> {
  const name = 'login';
  if (!apiReachable) return warn(name, 'Not checked: the API cannot be reached.', 'Fix the API check first.');
  try {
    const info = await (await api()).getMountInfo();
    if (tenant && info.tenant_id !== tenant.tenantId) {
      return fail(name, `Logged in as tenant ${info.tenant_id}, but this machine is set up for tenant ${tenant.tenantId}.`, SETUP);
    }
    return ok(name, `token accepted (tenant ${info.tenant_id}, bucket ${info.bucket_name})`);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (isCliError(error) && error.exitCode === ExitCode.auth) return fail(name, detail, 'Run `basic-memory cloud login`.');
    return fail(name, detail, isCliError(error) && error.hint ? error.hint : 'Run `basic-memory cloud login`, then try again.');
  }
}

export function checkSetUp(tenant: TenantState | undefined): Check {
  if (!tenant) return fail('setup', 'This machine is not set up for Basic Memory cloud yet.', SETUP);
  return ok('setup', `tenant ${tenant.tenantId}, ${tenant.mode} at ${tenant.localPath}`);
}

/** The remote's section in the config rclone really reads. */
export async function checkRemoteConfigured(configPath: string, tenant: TenantState, readText: (file: string) => Promise<string | undefined>): Promise<Check> {
  const name = 'rclone remote';
  const remote = await readRemote(configPath, tenant.remoteName);
  if (!remote) {
    const text = await readText(configPath);
    const parsed = text === undefined ? undefined : parseIni(text);
    if (parsed && !parsed.ok) return fail(name, `${configPath} cannot be read as an rclone config (line ${parsed.line}: ${parsed.problem}).`, 'Fix or move the file aside, then run `basic-memory cloud setup`.');
    return fail(name, `The remote ${tenant.remoteName} is not in ${text === undefined ? `${configPath} (the file does not exist)` : configPath}.`, SETUP);
  }
  if (remote.type !== 's3' || !remote.access_key_id || !remote.secret_access_key) {
    return fail(name, `The remote ${tenant.remoteName} in ${configPath} is not a complete S3 remote.`, SETUP);
  }
  if (remote.endpoint !== tenant.endpointUrl) {
    return warn(name, `The remote ${tenant.remoteName} points at ${remote.endpoint ?? 'no endpoint'}, not ${tenant.endpointUrl}.`, SETUP);
  }
  return ok(name, `${tenant.remoteName} in ${configPath}`);
}

/** Pure: the line of rclone's stderr that says why, turned into advice. */
export function explainRemoteFailure(stderr: string): { detail: string; fix: string } {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const reason = lines.filter((line) => /error|failed/i.test(line)).at(-1) ?? lines.at(-1) ?? 'no output';
  if (/InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|403/.test(stderr)) {
    return { detail: `The bucket refused this machine's access key (revoked or replaced?): ${reason}`, fix: 'Run `basic-memory cloud setup` again to create new credentials.' };
  }
  if (/NoSuchBucket|404/.test(stderr)) return { detail: `The bucket does not exist: ${reason}`, fix: SETUP };
  if (/connection refused|no such host|i\/o timeout|dial tcp/i.test(stderr)) {
    return { detail: `The storage endpoint cannot be reached: ${reason}`, fix: 'Check your network; if the endpoint changed, run `basic-memory cloud setup` again.' };
  }
  if (/LoadCustomCABundleError/.test(stderr)) return { detail: reason, fix: 'Unset AWS_CA_BUNDLE, or upgrade rclone.' };
  return { detail: `rclone could not list the bucket: ${reason}`, fix: 'Run `rclone lsf REMOTE:BUCKET -vv` to see why, or run `basic-memory cloud setup` again.' };
}

export async function checkRemoteReachable(rclone: Rclone, tenant: TenantState): Promise<Check> {
  const name = 'bucket';
  const target = remoteBucketPath(tenant);
  const result = await rclone.run(['lsf', target, '--max-depth', '1', '--retries', '1', '--low-level-retries', '1', '--contimeout', '5s', '--timeout', '15s'], { timeoutMs: 30_000 });
  if (result.exitCode === 0) {
    const entries = result.stdout.split('\n').filter(Boolean).length;
    return ok(name, `${target} lists (${entries} ${entries === 1 ? 'entry' : 'entries'} at the top)`);
  }
  const { detail, fix } = explainRemoteFailure(result.stderr);
  return fail(name, detail, fix.replace('REMOTE:BUCKET', target));
}

export async function checkFilters(paths: StatePaths, tenant: TenantState): Promise<Check> {
  const name = 'bisync filters';
  if (tenant.mode !== 'bisync') return ok(name, 'not used (mount mode)');
  if (await filtersChangedSinceBaseline(paths)) {
    return warn(name, `${paths.bisyncFilters} changed since the last baseline: rclone will refuse to sync until a new one is made.`, 'Run `basic-memory cloud bisync --resync`.');
  }
  return ok(name, 'unchanged since the last baseline');
}

export async function checkLocks(paths: StatePaths, tenant: TenantState, holds?: LockCheck, alive?: (pid: number) => boolean): Promise<Check> {
  const name = 'locks';
  const stale = await findStaleLocks(paths, tenant.tenantId, holds, alive);
  if (stale.length === 0) return ok(name, 'no stale lock');
  const files = stale.map((lock) => (lock.pid === undefined ? lock.file : `${lock.file} (pid ${lock.pid}, ${lock.reused ? 'now another program' : 'gone'})`)).join(', ');
  return warn(name, `Stale lock${stale.length === 1 ? '' : 's'} left by a process that ended: ${files}.`, 'The next `basic-memory cloud bisync` clears them; or delete the file(s).');
}

export interface EnvironmentFacts {
  env: NodeJS.ProcessEnv;
  /** What the runner changed in rclone's environment (e.g. AWS_CA_BUNDLE → --ca-cert). */
  runnerNotes: string[];
  remoteName: string | undefined;
  /** Whether RCLONE_CONFIG's folder exists (undefined when RCLONE_CONFIG is unset). */
  rcloneConfigDirExists: boolean | undefined;
}

/** Pure: variables that change what rclone does behind the config's back. */
export function checkEnvironment(facts: EnvironmentFacts): Check {
  const name = 'environment';
  const problems: string[] = [];
  const config = facts.env.RCLONE_CONFIG;
  if (config && facts.rcloneConfigDirExists === false) problems.push(`RCLONE_CONFIG points at ${config}, whose folder does not exist`);
  const remotePrefix = facts.remoteName ? `RCLONE_CONFIG_${facts.remoteName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_` : undefined;
  const overrides = Object.keys(facts.env).filter((key) => key.startsWith('RCLONE_S3_') || (remotePrefix !== undefined && key.startsWith(remotePrefix)));
  if (overrides.length > 0) problems.push(`${overrides.sort().join(', ')} override${overrides.length === 1 ? 's' : ''} the remote's settings`);
  const unusable = facts.runnerNotes.filter((note) => note.includes('does not exist'));
  problems.push(...unusable.map((note) => note.replace(/\.$/, '')));
  if (problems.length > 0) return warn(name, `${problems.join('; ')}.`, 'Unset or fix these variables unless you mean them.');
  const handled = facts.runnerNotes.length > 0 ? facts.runnerNotes.join(' ') : 'nothing that changes what rclone does';
  return ok(name, handled);
}

/** 0 when nothing failed (warnings are advice), 1 otherwise. */
export function exitCodeOf(checks: Check[]): typeof ExitCode.ok | typeof ExitCode.failed {
  return checks.some((check) => check.status === 'fail') ? ExitCode.failed : ExitCode.ok;
}

/** Pure: the report for people, one line a check, the fix under anything not ok. */
export function renderChecks(checks: Check[]): string {
  const mark: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };
  const width = Math.max(...checks.map((check) => check.name.length)) + 1;
  const lines = checks.flatMap((check) => [`${mark[check.status]} ${`${check.name}:`.padEnd(width)} ${check.detail}`, ...(check.fix ? [`  ${' '.repeat(width)} → ${check.fix}`] : [])]);
  const failed = checks.filter((check) => check.status === 'fail').length;
  const warned = checks.filter((check) => check.status === 'warn').length;
  lines.push('', failed === 0 && warned === 0 ? 'Everything looks fine.' : `${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}.`);
  return lines.join('\n');
}
