import type { CommandContext, JsonOptions } from '../core/command.js';
import { CliError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { claimInterrupts } from '../core/interrupt.js';
import { parseProfileName } from '../core/settings.js';
import { readTenantState, remoteBucketPath, requireTenantState } from '../core/tenant-state.js';
import { cachedRcloneVersion } from '../rclone/version-cache.js';
import { formatVersion } from '../rclone/version.js';
import { resolveLocalPath } from '../local/paths.js';
import { buildMountArgs, platformNameOf } from './args.js';
import { platformFor } from './platform.js';
import { loadMountProfile } from './profiles.js';
import { readMountState } from './state.js';
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
}

export interface UnmountOptions {
  force: boolean;
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
  ctx.output.success(`Mounted ${remotePath} at ${mountPoint} (profile ${profile.name}, rclone ${state.rcloneVersion}, pid ${state.pid}).`);
  ctx.output.info(`Writes upload ${profile.vfsWriteBack} after a file is closed; changes made elsewhere show here within ${profile.dirCacheTime} (S3 sends no change notifications).`);
}

export async function unmount(options: UnmountOptions, ctx: CommandContext): Promise<void> {
  const tenant = await readTenantState(ctx.paths);
  // Never set up means never mounted by us, and "not mounted" is not an error.
  if (!tenant) {
    ctx.output.info('Not mounted: nothing to do.');
    return;
  }
  const deps = supervisorDeps(ctx);
  const record = await readMountState(ctx.paths, tenant.tenantId);
  if (record) ctx.output.redactor.add(record.rcPass);
  const result = await stopMount(deps, tenant.tenantId, tenant.remoteName, resolveLocalPath(tenant.localPath, ctx), options.force);
  if (result.kind === 'not-mounted') {
    ctx.output.info('Not mounted: nothing to do.');
    return;
  }
  ctx.output.success(`Unmounted ${result.mountPoint} and stopped rclone${result.cleanedDeadMount ? ' (the mount had crashed; cleared)' : ''}.`);
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
