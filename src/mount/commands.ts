import type { CommandContext, JsonOptions } from '../core/command.js';
import { CliError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { claimInterrupts } from '../core/interrupt.js';
import { parseProfileName } from '../core/settings.js';
import { readTenantState, remoteBucketPath, requireTenantState } from '../core/tenant-state.js';
import { cachedRcloneVersion } from '../rclone/version-cache.js';
import { formatVersion } from '../rclone/version.js';
import { resolveLocalPath } from '../local/paths.js';
import { isProcessAlive, sleep } from '../core/process.js';
import { buildMountArgs, platformNameOf } from './args.js';
import { platformFor } from './platform.js';
import { loadMountProfile } from './profiles.js';
import type { FeedState } from '../api/change-feed.js';
import { clearCompanionState, companionMode, runCompanion, spawnCompanion, writeCompanionState, type CompanionState } from './companion.js';
import { rcCall } from './rc.js';
import { readMountState, writeMountState } from './state.js';
import { collectMountStatus, formatMountStatus } from './status.js';
import {
  cleanUpLeftovers,
  prepareMountPoint,
  realSupervisorDeps,
  refuseWatchedFolder,
  runningMount,
  startMount,
  stopMount,
  type SupervisorDeps,
} from './supervisor.js';

/** How long `cloud mount` asks the change feed whether cloud changes will show at once. */
const FEED_PROBE_MS = 3_000;

function supervisorDeps(ctx: CommandContext): SupervisorDeps {
  const name = platformNameOf(ctx.platform);
  if (!name) {
    throw new CliError(`Mounting is not supported on ${ctx.platform}.`, { hint: 'Use `basic-memory cloud bisync` instead.', exitCode: ExitCode.rcloneUnavailable });
  }
  return realSupervisorDeps(platformFor(name, ctx.env), ctx.rclone, ctx.paths, (line) => ctx.output.info(line));
}

/** `cloud mount`'s flags; setup passes its choices the same way. */
export interface MountOptions {
  profile?: string;
  path?: string;
  /** Only the command's own flag: setup mounts inside its run and prints its own document. */
  json?: boolean;
}

export interface UnmountOptions {
  force: boolean;
  json?: boolean;
}

export async function mount(options: MountOptions, ctx: CommandContext): Promise<void> {
  // Asked first and awaited last: `rclone version` is the slowest step before rclone can start.
  const version = cachedRcloneVersion(ctx.rclone, ctx.paths.rcloneVersionCache, ctx.env, ctx.platform);
  const deps = supervisorDeps(ctx);
  const tenant = await requireTenantState(ctx.paths);
  const profile = loadMountProfile(parseProfileName(options.profile, ctx.settings.mountProfile));
  const mountPoint = resolveLocalPath(options.path ?? tenant.localPath, ctx);

  const running = await runningMount(deps, tenant.tenantId, tenant.remoteName);
  if (running) {
    ctx.output.redactor.add(running.rcPass);
    throw new CliError(`Your bucket is already mounted at ${running.mountPoint} (rclone pid ${running.pid}, profile ${running.profile}, since ${running.startedAt}).`, {
      hint: 'Run `basic-memory cloud unmount` first to mount it again elsewhere or with another profile.',
    });
  }
  await refuseWatchedFolder(deps, tenant.tenantId, mountPoint);

  const installed = await version;
  if (!installed) {
    throw new CliError(`rclone was not found (${ctx.rclone.binary}).`, { hint: 'Run `basic-memory cloud setup` to install it.', exitCode: ExitCode.rcloneUnavailable });
  }
  const missing = await deps.platform.missingSupport();
  if (missing) throw new CliError(missing.message, { hint: missing.hint, exitCode: ExitCode.rcloneUnavailable });
  const rcAddr = `127.0.0.1:${await deps.freePort()}`;
  const remotePath = remoteBucketPath(tenant);
  const built = buildMountArgs(deps.platform.name, installed, profile, { remotePath, mountPoint, cacheDir: ctx.paths.mountCacheDir(tenant.tenantId), rcAddr });
  if (built.kind === 'unsupported') throw new CliError(built.message, { hint: built.hint, exitCode: ExitCode.rcloneUnavailable });

  await cleanUpLeftovers(deps, tenant.tenantId, tenant.remoteName, mountPoint);
  await prepareMountPoint(deps.platform.name, mountPoint);
  // Ctrl-C while waiting for the mount undoes it instead of leaving a detached rclone behind.
  // Asked while rclone starts, so `cloud mount` can say how cloud changes will show without waiting for the companion.
  const feed = probeChangeFeed(ctx);
  const interrupted = new AbortController();
  const abort = () => interrupted.abort();
  const release = claimInterrupts();
  process.once('SIGINT', abort).once('SIGTERM', abort);
  const state = await startMount(deps, {
    tenantId: tenant.tenantId,
    remoteName: tenant.remoteName,
    remotePath,
    mountPoint,
    profile: profile.name,
    rcloneVersion: formatVersion(installed),
    rcAddr,
    args: built.args,
  }, interrupted.signal).finally(() => {
    release();
    process.off('SIGINT', abort).off('SIGTERM', abort);
  });
  ctx.output.redactor.add(state.rcPass);
  const companionPid = spawnCompanion(ctx.paths, tenant.tenantId, ['--api-url', ctx.settings.apiUrl, ...(ctx.output.verbose ? ['--verbose'] : [])], ctx.env);
  if (companionPid !== undefined) await writeMountState(ctx.paths, tenant.tenantId, { ...state, companionPid });
  ctx.output.success(`Mounted ${remotePath} at ${mountPoint} (profile ${profile.name}, rclone ${state.rcloneVersion}, pid ${state.pid}).`);
  const feedState = await feed;
  ctx.output.info(`Writes upload ${profile.vfsWriteBack} after a file is closed; ${cloudChangesLine(companionPid === undefined || !feedState ? undefined : companionMode(feedState), profile.dirCacheTime)}.`);
  if (options.json) ctx.output.result({ mounted: true, tenantId: tenant.tenantId, remote: remotePath, localPath: mountPoint, profile: profile.name, pid: state.pid, rcloneVersion: state.rcloneVersion });
}

/** The change feed's first answer (connected, missing, down), or undefined when there is no login to ask with or no answer in time. */
async function probeChangeFeed(ctx: CommandContext): Promise<FeedState | undefined> {
  const done = new AbortController();
  const timer = setTimeout(() => done.abort(), FEED_PROBE_MS);
  let first: FeedState | undefined;
  try {
    const api = await ctx.api();
    await api.followChanges({ change: () => undefined, reset: () => undefined, state: (state) => {
      first = state;
      done.abort();
    } }, done.signal);
  } catch {
    // No login: the companion will say the same in its log and status.
  } finally {
    clearTimeout(timer);
  }
  return first;
}

/** Pure: when a cloud change shows in the mount, as `cloud mount` says it once. */
export function cloudChangesLine(companion: Pick<CompanionState, 'mode' | 'reason'> | undefined, dirCacheTime: string): string {
  if (companion?.mode === 'push') return 'changes made in the cloud show here at once (the companion follows the change feed; `cloud mount-status` tells)';
  if (companion?.mode === 'polling') return `changes made in the cloud show here within ${dirCacheTime}: ${companion.reason ?? 'the change feed is down'}`;
  return `changes made in the cloud show here within ${dirCacheTime}`;
}

/**
 * `cloud mount-companion` (hidden; `cloud mount` starts it): follows the change feed for the running
 * mount until the mount's rclone ends or SIGTERM.
 */
export async function mountCompanion(ctx: CommandContext): Promise<ExitCodeValue> {
  const tenant = await requireTenantState(ctx.paths);
  const mount = await readMountState(ctx.paths, tenant.tenantId);
  if (!mount) throw new CliError('Nothing is mounted, so there is no mount to show cloud changes in.', { hint: 'Run `basic-memory cloud mount`: it starts the companion itself.' });
  ctx.output.redactor.add(mount.rcPass);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  const log = (line: string) => ctx.output.info(`${new Date().toISOString()} ${line}`);
  log(`companion of the mount at ${mount.mountPoint} (rclone pid ${mount.pid}) started`);
  try {
    await runCompanion({
      follow: async (handlers, signal) => (await ctx.api()).followChanges(handlers, signal),
      ownAccessKey: tenant.accessKey,
      forget: (params) => rcCall(mount, 'vfs/forget', params, 5_000),
      mountAlive: () => isProcessAlive(mount.pid),
      writeState: (state) => writeCompanionState(ctx.paths, tenant.tenantId, state),
      log,
      now: () => new Date(),
      sleep,
      pid: process.pid,
      mountPid: mount.pid,
      stop: stop.signal,
    });
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    await clearCompanionState(ctx.paths, tenant.tenantId, process.pid);
  }
  log('companion stopped');
  return ExitCode.ok;
}

export async function unmount(options: UnmountOptions, ctx: CommandContext): Promise<void> {
  const tenant = await readTenantState(ctx.paths);
  // Never set up means never mounted by us, and "not mounted" is not an error.
  if (!tenant) {
    ctx.output.info('Not mounted: nothing to do.');
    if (options.json) ctx.output.result({ unmounted: false, wasMounted: false, tenantId: null, localPath: null });
    return;
  }
  const deps = supervisorDeps(ctx);
  const record = await readMountState(ctx.paths, tenant.tenantId);
  if (record) ctx.output.redactor.add(record.rcPass);
  const result = await stopMount(deps, tenant.tenantId, tenant.remoteName, resolveLocalPath(tenant.localPath, ctx), options.force);
  if (result.kind === 'not-mounted') {
    ctx.output.info('Not mounted: nothing to do.');
    if (options.json) ctx.output.result({ unmounted: false, wasMounted: false, tenantId: tenant.tenantId, localPath: null });
    return;
  }
  ctx.output.success(`Unmounted ${result.mountPoint} and stopped rclone${result.cleanedDeadMount ? ' (the mount had crashed; cleared)' : ''}.`);
  if (options.json) ctx.output.result({ unmounted: true, wasMounted: true, tenantId: tenant.tenantId, localPath: result.mountPoint, crashed: result.cleanedDeadMount });
}

export async function mountStatus(options: JsonOptions, ctx: CommandContext): Promise<ExitCodeValue> {
  const deps = supervisorDeps(ctx);
  const tenant = await requireTenantState(ctx.paths);
  const state = await readMountState(ctx.paths, tenant.tenantId);
  if (state) ctx.output.redactor.add(state.rcPass);
  const report = await collectMountStatus(
    deps,
    { tenantId: tenant.tenantId, bucketName: tenant.bucketName, remoteName: tenant.remoteName, remotePath: remoteBucketPath(tenant), localPath: tenant.localPath },
    state,
    deps.now(),
  );
  if (options.json) ctx.output.result(report);
  else ctx.output.print(formatMountStatus(report).join('\n'));
  // A broken mount is worth a non-zero exit for scripts; mounted and not mounted are both fine.
  return report.fix ? ExitCode.failed : ExitCode.ok;
}
