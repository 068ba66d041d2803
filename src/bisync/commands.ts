import fs from 'node:fs/promises';
import type { CommandContext, JsonOptions } from '../core/command.js';
import { CliError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { parseDuration, parseProfileName } from '../core/settings.js';
import { formatLocalTime } from '../core/time.js';
import { remoteBucketPath, requireTenantState, type TenantState } from '../core/tenant-state.js';
import { DROPPED } from '../rclone/environment.js';
import { MINIMUM_RCLONE, supports } from '../rclone/capabilities.js';
import type { RcloneVersion } from '../rclone/version.js';
import { resolveLocalPath } from '../local/paths.js';
import { makeFolder, requireUsableFolder } from '../local/folder-check.js';
import { isProcessAlive } from '../core/process.js';
import { readHealth, serviceFiles } from '../service/state.js';
import { bisyncSessionName, isTigrisEndpoint } from './args.js';
import { listConflictCopies } from './conflict-copies.js';
import { filtersChangedSinceBaseline, seedFilters } from './filters.js';
import { Interrupts } from './interrupts.js';
import type { LeaseStore } from './cloud-lease.js';
import { tenantLeaseStore } from './lease-store.js';
import { proxySettings } from '../api/proxy.js';
import { acquireBisyncLock } from './lock.js';
import { stopOrphanedRclones } from './orphans.js';
import { activeMountOver } from './mount-guard.js';
import type { BisyncOutcome } from './outcome.js';
import { loadBisyncProfile, loadBisyncProfiles } from './profiles.js';
import { deleteStopAdvice, deletesToApply, writeDeleteLists } from './safety-advice.js';
import { describeAttempts, describeReport, exitCodeFor } from './report.js';
import { progressLine, type RcloneStats } from './progress.js';
import { syncOnce, type SyncTarget } from './run.js';
import { describeCloudChanges, followCloudChanges, type CloudChangesMode } from './cloud-changes.js';
import { readBisyncState, recordWatchMode, runningWatch } from './state.js';
import { findStaleLocks, readListingState } from './workdir.js';
import { watchAndSync } from './watch.js';

/** Local edits are synced this long after the last one (editors write in bursts). */
const WATCH_DEBOUNCE_MS = 1_000;
/** A save of a note or two (an editor writes a file and maybe its backup) needs no burst wait. */
const WATCH_QUICK_DEBOUNCE = { ms: 250, upTo: 3 };

/** `cloud bisync`'s flags. */
export interface BisyncOptions {
  profile?: string;
  dryRun: boolean;
  resync: boolean;
  watch: boolean;
  interval?: string;
  path?: string;
  json: boolean;
}

/** A bisync run with its interval resolved: what the command and setup's first sync both run. */
export type BisyncRun = Omit<BisyncOptions, 'interval'> & {
  intervalSeconds: number;
  /** With `watch`: ends the watch other than by a signal (the sync service's pause and stop). */
  stop?: AbortSignal | undefined;
  /** With `watch`: told when cloud changes switch between push and polling (the service's health file). */
  onCloudChanges?: ((mode: CloudChangesMode) => void) | undefined;
};

export async function bisync(options: BisyncOptions, ctx: CommandContext): Promise<ExitCodeValue> {
  const { output } = ctx;
  if (options.watch && options.dryRun) throw new CliError('--watch and --dry-run do not go together.', { hint: 'Run `basic-memory cloud bisync --dry-run` once to see what would change.', exitCode: ExitCode.usage });
  const intervalSeconds = options.interval === undefined ? ctx.settings.watchIntervalSeconds : parseDuration(options.interval);
  if (intervalSeconds === undefined) throw new CliError(`"${options.interval ?? ''}" is not a duration.`, { hint: 'Use a duration like 30s, 5m or 1h.', exitCode: ExitCode.usage });
  if (options.interval !== undefined && !options.watch) output.warn('--interval only matters with --watch; ignored.');
  return runBisync({ ...options, intervalSeconds }, ctx);
}

/**
 * One sync of the tenant's folder (or a watch), with every guard: rclone new enough, not a mounted
 * folder, our lock, orphaned rclones and stale locks cleared.
 */
export async function runBisync(options: BisyncRun, ctx: CommandContext): Promise<ExitCodeValue> {
  const { output } = ctx;
  const { intervalSeconds } = options;

  // `rclone version` is a process start: let it run while the state files are read.
  const versionCheck = requireBisyncRclone(ctx);
  versionCheck.catch(() => undefined);
  const tenant = await requireTenantState(ctx.paths);
  const profile = loadBisyncProfile(parseProfileName(options.profile, ctx.settings.bisyncProfile));
  const version = await versionCheck;
  const target = resolveTarget(ctx, tenant, options.path);
  await requireUsableFolder(target.localPath);

  const mountPoint = await activeMountOver(ctx.paths, tenant.tenantId, target.localPath);
  if (mountPoint) {
    throw new CliError(`${target.localPath} is mounted from the cloud (at ${mountPoint}); syncing a mount with itself would duplicate or delete notes.`, {
      hint: 'Run `basic-memory cloud unmount` first, or sync another folder with --path.',
    });
  }
  if (await seedFilters(ctx.paths)) output.debug(`Default filters written to ${ctx.paths.bisyncFilters}.`);

  const lock = await acquireBisyncLock(ctx.paths.bisyncLock(tenant.tenantId), { pid: process.pid, startedAt: new Date().toISOString(), watch: options.watch });
  const interrupts = new Interrupts(output, supports(version, 'gracefulInterrupt'));
  interrupts.install();
  try {
    // Ours is held now, so an rclone bisync on our workdir was left running by a killed CLI.
    const orphans = await stopOrphanedRclones(ctx.paths.bisyncWorkdir(tenant.tenantId));
    if (orphans.length > 0) output.info(`Stopped the rclone a killed earlier run left running (pid ${orphans.join(', ')}).`);
    // Any rclone lock of a dead process is left over from a crash.
    for (const stale of await clearStaleRcloneLocks(ctx, tenant.tenantId)) {
      output.info(`Cleared a stale rclone lock left by a process that is gone (pid ${stale.pid ?? 'unknown'}${stale.reused ? ', now another program' : ''}).`);
    }
    const stopLeaseRequests = new AbortController();
    interrupts.onStop(() => stopLeaseRequests.abort());
    let leaseStore: Promise<LeaseStore | undefined> | undefined;
    const deps = {
      rclone: ctx.rclone,
      version,
      output,
      paths: ctx.paths,
      interrupts,
      // Found once per process: a watch's runs share it.
      leaseStore: () => (leaseStore ??= tenantLeaseStore(ctx.rclone, tenant, { signal: stopLeaseRequests.signal, proxy: proxySettings(ctx.env) })),
      notifySync: async (paths: readonly string[] | undefined) => (await ctx.api()).notifySync(paths),
      // Counts and bytes on a terminal; a watch has its status line instead.
      progress: output.interactive && !output.json && !options.watch
        ? (stats: RcloneStats | undefined, elapsedMs: number, baseline: boolean) => output.live(progressLine({ stats, elapsedMs, storage: storageOf(tenant.endpointUrl), baseline, columns: output.columns }))
        : undefined,
    };
    const request = { profile, dryRun: options.dryRun, baseline: options.resync };
    if (options.watch) {
      // Found while the first run starts, not in its way (a process start and the SDK's loading).
      deps.leaseStore().catch(() => undefined);
      if ((await readListingState(target.workdir, target.session)) === 'missing') await makeFolder(target.localPath);
      output.info(`Watching ${target.localPath} (profile ${profile.name}): syncing ${WATCH_QUICK_DEBOUNCE.ms / 1000}s after a note is saved (${WATCH_DEBOUNCE_MS / 1000}s after a burst of changes or a cloud change the change feed reports) and every ${intervalSeconds}s.`);
      const cloudChanges = (wake: () => void, signal: AbortSignal) =>
        followCloudChanges(
          {
            follow: async (handlers, stop) => (await ctx.api()).followChanges(handlers, stop),
            ownAccessKey: tenant.accessKey,
            intervalSeconds,
            output,
            mode: async (mode) => {
              await recordWatchMode(ctx.paths, tenant.tenantId, mode);
              options.onCloudChanges?.(mode);
            },
          },
          wake,
          signal,
        );
      const watchExit = await watchAndSync(deps, target, request, { intervalMs: intervalSeconds * 1000, debounceMs: WATCH_DEBOUNCE_MS, quickDebounce: WATCH_QUICK_DEBOUNCE, stop: options.stop, cloudChanges, storage: storageOf(tenant.endpointUrl) });
      // A watch reports as it goes on stderr; its document says how it ended.
      if (options.json && watchExit === ExitCode.ok) output.result({ tenantId: tenant.tenantId, remote: target.remotePath, localPath: target.localPath, watch: true, exitCode: watchExit });
      return watchExit;
    }

    const report = await syncOnce(deps, target, request).finally(() => output.clearLive());
    const lines = describeReport(report, { dryRun: options.dryRun, maxDeletePercent: profile.maxDeletePercent, deleteAdvice: await adviseOnDeleteStop(report.outcome, target, ctx, options.dryRun) });
    for (const note of report.notes) output.info(note);
    const showFiles = options.dryRun || output.verbose || report.record.conflicts.length > 0;
    for (const line of [...(showFiles ? lines.transfers : []), ...lines.conflicts]) output.info(`  ${line}`);
    const exitCode = exitCodeFor(report, { dryRun: options.dryRun });
    if (lines.ok) output.success(lines.headline);
    else {
      output.error(lines.headline);
      if (lines.hint) output.info(lines.hint);
    }
    if (options.json) output.result({ tenantId: tenant.tenantId, remote: target.remotePath, dryRun: options.dryRun, exitCode, ...report.record, notes: report.notes });
    return exitCode;
  } finally {
    interrupts.uninstall();
    // A second Ctrl-C kills rclone 1.66+ before it removes its own lock: ours to clear, while we hold the pair.
    if (interrupts.hardStopped) await clearStaleRcloneLocks(ctx, tenant.tenantId);
    await lock.release();
  }
}

/** Removes the rclone locks of this tenant's workdir whose process is gone; call with our lock held. */
async function clearStaleRcloneLocks(ctx: CommandContext, tenantId: string) {
  const cleared = [];
  for (const stale of await findStaleLocks(ctx.paths, tenantId)) {
    if (stale.file === ctx.paths.bisyncLock(tenantId)) continue;
    await fs.rm(stale.file, { force: true });
    cleared.push(stale);
  }
  return cleared;
}

export async function bisyncStatus(options: JsonOptions, ctx: CommandContext): Promise<void> {
  const tenant = await requireTenantState(ctx.paths);
  const state = await readBisyncState(ctx.paths, tenant.tenantId);
  const localPath = state.lastRun?.localPath ?? tenant.localPath;
  const remote = remoteBucketPath(tenant);
  const listings = await readListingState(ctx.paths.bisyncWorkdir(tenant.tenantId), bisyncSessionName(localPath, remote));
  const filtersChanged = await filtersChangedSinceBaseline(ctx.paths);
  const watch = await runningWatch(ctx.paths, tenant.tenantId);
  const staleLocks = await findStaleLocks(ctx.paths, tenant.tenantId);
  const conflictCopies = await listConflictCopies(localPath);
  const health = await readHealth(serviceFiles(ctx.paths.dir));
  // A killed service cannot write `stopped`: its last state counts only while its process lives.
  const serviceState = health && health.state !== 'stopped' && !isProcessAlive(health.pid) ? 'stopped' : health?.state;
  const baselineReason = listings === 'missing' ? 'no baseline yet' : listings === 'failed' ? 'the last run did not finish' : filtersChanged ? 'the filters file changed' : undefined;
  const document = {
    tenantId: tenant.tenantId,
    localPath,
    remote,
    lastRun: state.lastRun ?? null,
    lastSuccessAt: state.lastSuccessAt ?? null,
    watch: watch ? { running: true, ...watch } : { running: false },
    nextRunNeedsBaseline: baselineReason !== undefined,
    baselineReason: baselineReason ?? null,
    staleLocks: staleLocks.map((lock) => lock.file),
    conflictCopies,
    service: health ? { state: serviceState, pid: health.pid, pausedUntil: health.pausedUntil, lastSyncAt: health.lastSyncAt, lastError: health.lastError, nextRunAt: health.nextRunAt, cloudChanges: serviceState === 'stopped' ? null : (health.cloudChanges ?? null) } : null,
  };
  if (options.json) {
    ctx.output.result(document);
    return;
  }
  const run = state.lastRun;
  const rows: [string, string][] = [
    ['folder', localPath],
    ['cloud', remote],
    ['last run', run ? `${formatLocalTime(run.finishedAt)} (${run.result}${run.mode === 'baseline' ? `, baseline: ${run.why ?? ''}` : ''}, ${run.profile}, ${(run.durationMs / 1000).toFixed(1)}s)` : 'never'],
    ['changes', run ? `${run.changes.toCloud.length} to the cloud, ${run.changes.toLocal.length} to this folder` : '-'],
    ['rclone runs', run?.attempts ? (run.attempts.length > 0 ? describeAttempts(run.attempts) : 'none (nothing to sync)') : '-'],
    ['conflicts', run && run.conflicts.length > 0 ? run.conflicts.map((conflict) => (conflict.copies.length > 0 ? `${conflict.path} (kept: ${conflict.copies.join(', ')})` : conflict.path)).join('; ') : 'none'],
    ['conflict copies', conflictCopies.length > 0 ? `${conflictCopies.length} in the folder (merge, then delete): ${conflictCopies.join(', ')}` : 'none'],
    ['last success', state.lastSuccessAt ? formatLocalTime(state.lastSuccessAt) : 'never'],
    ['watch', watch ? `running (pid ${watch.pid}, since ${formatLocalTime(watch.startedAt)})` : 'not running'],
    ...(watch ? [['cloud changes', describeCloudChanges(watch.cloudChanges)] as [string, string]] : []),
    ['service', health ? `${serviceState ?? ''}${serviceState === 'stopped' ? '' : ` (pid ${health.pid})`}${health.pausedUntil ? `, until ${formatLocalTime(health.pausedUntil)}` : ''}` : 'not used (`basic-memory cloud bisync-service install`)'],
    ['next run', baselineReason ? `makes a new baseline (${baselineReason})` : 'a normal sync'],
  ];
  if (staleLocks.length > 0) rows.push(['stale locks', `${staleLocks.length} (cleared by the next run)`]);
  ctx.output.print(rows.map(([key, value]) => `${`${key}:`.padEnd(17)}${value}`).join('\n'));
}

/** After a delete stop: the command that allows it (a profile, or the listed deletes applied by hand). */
async function adviseOnDeleteStop(outcome: BisyncOutcome, target: SyncTarget, ctx: CommandContext, dryRun: boolean): Promise<string | undefined> {
  if (outcome.kind !== 'safety-stop' || !outcome.reasons.includes('max-delete')) return undefined;
  const shares = outcome.deleteShares ?? [];
  const apply = deletesToApply(shares, outcome.changes, target, target.workdir);
  await writeDeleteLists(apply);
  // The same rclone the CLI runs: its global flags, without the variables it hides from rclone.
  const unset = process.platform === 'win32' ? [] : DROPPED.filter((name) => ctx.env[name] !== undefined).flatMap((name) => ['-u', name]);
  const rclone = [...(unset.length > 0 ? ['env', ...unset] : []), ctx.rclone.binary, ...ctx.rclone.environment.globalArgs];
  return deleteStopAdvice({ shares, profiles: loadBisyncProfiles(), apply, rclone, dryRun });
}

/** The storage's host and port as people can check it (`127.0.0.1:9000`, `fly.storage.tigris.dev`). */
function storageOf(endpointUrl: string): string {
  try {
    return new URL(endpointUrl).host;
  } catch {
    return endpointUrl;
  }
}

async function requireBisyncRclone(ctx: CommandContext): Promise<RcloneVersion> {
  const version = await ctx.rclone.version();
  if (!version) {
    throw new CliError(`rclone was not found (looked for "${ctx.rclone.binary}").`, { hint: 'Run `basic-memory cloud setup` to install it.', exitCode: ExitCode.rcloneUnavailable });
  }
  if (!supports(version, 'bisync')) {
    throw new CliError(`rclone ${version.raw} has no bisync (it needs ${MINIMUM_RCLONE} or newer).`, { hint: 'Run `basic-memory cloud setup` to upgrade it.', exitCode: ExitCode.rcloneUnavailable });
  }
  return version;
}

function resolveTarget(ctx: CommandContext, tenant: TenantState, pathFlag: string | undefined): SyncTarget {
  const localPath = resolveLocalPath(pathFlag ?? tenant.localPath, ctx);
  const remotePath = remoteBucketPath(tenant);
  return {
    tenantId: tenant.tenantId,
    localPath,
    remotePath,
    workdir: ctx.paths.bisyncWorkdir(tenant.tenantId),
    session: bisyncSessionName(localPath, remotePath),
    filtersFile: ctx.paths.bisyncFilters,
    tigris: isTigrisEndpoint(tenant.endpointUrl),
  };
}
