import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { runningWatch } from '../bisync/state.js';
import { CliError, ExitCode } from '../core/errors.js';
import type { StatePaths } from '../core/paths.js';
import { isProcessAlive, sleep } from '../core/process.js';
import type { Rclone } from '../rclone/runner.js';
import { foldersOverlap, isDriveLetter } from '../local/paths.js';
import { nodePlatformOf } from './args.js';
import { COMPANION_COMMAND } from './companion.js';
import { isOurMountProcess, type MountPlatform } from './platform.js';
import { rcCall, readUploads, type RcCall, type RcEndpoint } from './rc.js';
import { clearMountState, readMountState, writeMountState, type MountState } from './state.js';

/** The outside world the supervisor touches, passed in so every platform can be tested anywhere. */
export interface SupervisorDeps {
  platform: MountPlatform;
  rclone: Pick<Rclone, 'spawnDetached'>;
  paths: StatePaths;
  alive: (pid: number) => boolean;
  signal: (pid: number, signal: NodeJS.Signals) => void;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  freePort: () => Promise<number>;
  /** rclone's remote control API of a running mount (`core/quit`, upload stats). */
  rcCall: RcCall;
  /** Says what the supervisor did on the user's behalf (cleaned a dead mount, waited for uploads). */
  note: (line: string) => void;
}

export const POLL_INTERVAL_MS = 500;
export const MOUNT_DEADLINE_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const UPLOAD_WAIT_MS = 60_000;
const LOG_TAIL_LINES = 12;

export function realSupervisorDeps(platform: MountPlatform, rclone: Rclone, paths: StatePaths, note: (line: string) => void): SupervisorDeps {
  return {
    platform,
    rclone,
    paths,
    alive: isProcessAlive,
    signal: (pid, signal) => {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone already: that is what we wanted.
      }
    },
    sleep,
    now: () => Date.now(),
    freePort,
    rcCall,
    note,
  };
}

/** A free TCP port on loopback for rclone's remote control API. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The pids of our rclone serving this mount point. Where the OS lists command lines, only processes
 * that match (so a reused pid or a user's other rclone is never touched); on Windows, the recorded pid.
 */
export async function ourMountProcesses(deps: Pick<SupervisorDeps, 'platform' | 'alive'>, remoteName: string, mountPoint: string, record: MountState | undefined): Promise<number[]> {
  const listed = await deps.platform.processes();
  if (listed.length === 0) return record && record.mountPoint === mountPoint && deps.alive(record.pid) ? [record.pid] : [];
  return listed.filter((entry) => isOurMountProcess(entry, remoteName, mountPoint)).map((entry) => entry.pid);
}

export interface LeftoverReport {
  deadMount: boolean;
  staleState: boolean;
  orphans: number[];
}

/**
 * Clears what a crash leaves behind: a dead mount point ("Transport endpoint is not connected"), a
 * state file whose rclone is gone, and rclone processes of ours that nobody records.
 */
export async function cleanUpLeftovers(deps: SupervisorDeps, tenantId: string, remoteName: string, mountPoint: string): Promise<LeftoverReport> {
  const record = await readMountState(deps.paths, tenantId);
  const report: LeftoverReport = { deadMount: false, staleState: false, orphans: [] };
  const orphans = await ourMountProcesses(deps, remoteName, mountPoint, record);
  if (record && record.mountPoint !== mountPoint) orphans.push(...(await ourMountProcesses(deps, remoteName, record.mountPoint, record)));
  for (const pid of orphans) await stopProcess(deps, pid, record?.pid === pid ? record : undefined);
  await stopCompanion(deps, record);
  report.orphans = orphans;
  const mountPoints = new Set([mountPoint, ...(record ? [record.mountPoint] : [])]);
  for (const point of mountPoints) {
    if ((await deps.platform.probe(point)) === 'absent') continue;
    const outcome = await deps.platform.unmount(point, false);
    if (outcome.kind !== 'unmounted') await deps.platform.unmount(point, true);
    report.deadMount = true;
  }
  if (record) {
    await clearMountState(deps.paths, tenantId);
    report.staleState = true;
  }
  if (report.orphans.length > 0) deps.note(`Stopped ${report.orphans.length} leftover rclone process(es) of this mount (pid ${report.orphans.join(', ')}).`);
  if (report.deadMount) deps.note(`Cleared a dead mount at ${mountPoint} left by a crashed rclone.`);
  return report;
}

export interface MountRequest {
  tenantId: string;
  remoteName: string;
  remotePath: string;
  mountPoint: string;
  profile: string;
  rcloneVersion: string;
  /** `127.0.0.1:<port>`, also named in `args`. */
  rcAddr: string;
  args: string[];
}

/** The recorded mount when it is up (its rclone runs and the OS shows the mount), else undefined. */
export async function runningMount(deps: SupervisorDeps, tenantId: string, remoteName: string): Promise<MountState | undefined> {
  const record = await readMountState(deps.paths, tenantId);
  if (!record || !(await ourMountProcesses(deps, remoteName, record.mountPoint, record)).includes(record.pid)) return undefined;
  return (await deps.platform.probe(record.mountPoint)) === 'mounted' ? record : undefined;
}

/** Refuses a folder a running `bisync --watch` owns: the mount would hide the folder it syncs. */
export async function refuseWatchedFolder(deps: SupervisorDeps, tenantId: string, mountPoint: string): Promise<void> {
  const watch = await runningWatch(deps.paths, tenantId, deps.alive);
  if (!watch) return;
  if (!foldersOverlap(watch.localPath, mountPoint, nodePlatformOf(deps.platform.name))) return;
  throw new CliError(`${mountPoint} is synced by a running \`cloud bisync --watch\` (pid ${watch.pid}), so it cannot be mounted too.`, {
    hint: 'Stop the watch (Ctrl-C in its terminal) or mount somewhere else with --path.',
  });
}

/** Makes sure the mount point can be used: an empty folder (created if missing), or on Windows a free name. */
export async function prepareMountPoint(platformName: MountPlatform['name'], mountPoint: string): Promise<void> {
  if (platformName === 'windows' && isDriveLetter(mountPoint)) return;
  const entries = await fs.readdir(mountPoint).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new CliError(`${mountPoint} cannot be used as a mount point: ${error.message}.`, { hint: 'Choose another folder with --path.', exitCode: ExitCode.usage, cause: error });
  });
  if (entries && entries.length > 0) {
    throw new CliError(`${mountPoint} is not empty, and mounting over it would hide its ${entries.length} item(s).`, {
      hint: 'Mount into an empty folder with --path, or move those files away (if they are notes from `cloud bisync`, they are in the bucket already).',
      exitCode: ExitCode.usage,
    });
  }
  // WinFsp creates a folder mount point itself and refuses one that exists.
  if (platformName === 'windows') {
    if (entries) await fs.rmdir(mountPoint);
    await fs.mkdir(path.dirname(mountPoint), { recursive: true });
    return;
  }
  await fs.mkdir(mountPoint, { recursive: true });
}

async function logTail(logPath: string): Promise<string> {
  const text = await fs.readFile(logPath, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Starts rclone as a detached process of its own (no --daemon: with --rc it hangs on 1.60), records
 * it, then polls the OS every 0.5 s until the mount is there. A mount that does not come up is
 * stopped and undone, and rclone's last log lines explain why.
 */
export async function startMount(deps: SupervisorDeps, request: MountRequest, interrupted?: AbortSignal): Promise<MountState> {
  const { rcAddr } = request;
  const logPath = deps.paths.mountLog(request.tenantId);
  await fs.mkdir(path.dirname(logPath), { recursive: true, mode: 0o700 });
  // The log restarts with each mount so its tail explains this mount, not an older one.
  await fs.rm(logPath, { force: true });
  const rcUser = 'basic-memory';
  const rcPass = randomSecret();
  // The rc credentials go through the environment: a command line is visible to every local user.
  const { pid } = await deps.rclone.spawnDetached(request.args, logPath, { RCLONE_RC_USER: rcUser, RCLONE_RC_PASS: rcPass });
  const state: MountState = {
    pid,
    mountPoint: request.mountPoint,
    remotePath: request.remotePath,
    profile: request.profile,
    rcloneVersion: request.rcloneVersion,
    startedAt: new Date(deps.now()).toISOString(),
    logPath,
    rcAddr,
    rcUser,
    rcPass,
  };
  // Recorded before the wait, so even an interrupted `cloud mount` leaves something to clean up by.
  await writeMountState(deps.paths, request.tenantId, state);
  const deadline = deps.now() + MOUNT_DEADLINE_MS;
  for (;;) {
    const probe = await deps.platform.probe(request.mountPoint);
    if (probe === 'mounted') return state;
    if (!deps.alive(pid)) {
      await undoFailedMount(deps, request, state);
      throw new CliError(`rclone stopped before the mount came up.\n${await logTail(logPath)}`, {
        hint: `Fix what rclone says above (full log: ${logPath}) and run the command again; \`basic-memory cloud doctor\` checks the usual causes.`,
      });
    }
    if (interrupted?.aborted) {
      await undoFailedMount(deps, request, state);
      throw new CliError('Interrupted before the mount came up; rclone was stopped and nothing is left mounted.', { exitCode: ExitCode.interrupted });
    }
    if (deps.now() >= deadline) {
      await undoFailedMount(deps, request, state);
      throw new CliError(`The mount did not come up within ${MOUNT_DEADLINE_MS / 1000}s.\n${await logTail(logPath)}`, {
        hint: `rclone's log is in ${logPath}; \`basic-memory cloud doctor\` checks FUSE, the remote and the network.`,
      });
    }
    await deps.sleep(POLL_INTERVAL_MS, interrupted);
  }
}

async function undoFailedMount(deps: SupervisorDeps, request: MountRequest, state: MountState): Promise<void> {
  await stopProcess(deps, state.pid, state);
  if ((await deps.platform.probe(request.mountPoint)) !== 'absent') await deps.platform.unmount(request.mountPoint, true);
  await clearMountState(deps.paths, request.tenantId);
}

/**
 * Ends one rclone: the rc API's `core/quit` when we know it (rclone then flushes and unmounts
 * itself), SIGTERM after a grace period, SIGKILL as the last resort. Returns once it is gone.
 */
export async function stopProcess(deps: SupervisorDeps, pid: number, endpoint: RcEndpoint | undefined): Promise<void> {
  if (!deps.alive(pid)) return;
  const waitGone = async (ms: number) => {
    const until = deps.now() + ms;
    while (deps.alive(pid)) {
      if (deps.now() >= until) return false;
      await deps.sleep(100);
    }
    return true;
  };
  if (endpoint && (await deps.rcCall(endpoint, 'core/quit', {}, 1_000)).ok && (await waitGone(STOP_GRACE_MS))) return;
  deps.signal(pid, 'SIGTERM');
  if (await waitGone(STOP_GRACE_MS)) return;
  deps.signal(pid, 'SIGKILL');
  await waitGone(STOP_GRACE_MS);
}

/**
 * Ends the mount's companion (it also ends by itself once its rclone is gone). Where the OS lists
 * command lines, only a process that is our companion: a reused pid is never touched.
 */
export async function stopCompanion(deps: SupervisorDeps, record: MountState | undefined): Promise<void> {
  const pid = record?.companionPid;
  if (pid === undefined || !deps.alive(pid)) return;
  const listed = await deps.platform.processes();
  if (listed.length > 0 && !listed.some((entry) => entry.pid === pid && entry.command.includes(COMPANION_COMMAND))) return;
  await stopProcess(deps, pid, undefined);
}

/** Waits (bounded) until rclone has uploaded what was written through the mount. */
async function waitForUploads(deps: SupervisorDeps, record: MountState): Promise<void> {
  const until = deps.now() + UPLOAD_WAIT_MS;
  let announced = false;
  for (;;) {
    const uploads = await readUploads(record, false, deps.rcCall);
    const pending = uploads ? uploads.queued + uploads.inProgress : 0;
    if (pending === 0) return;
    if (deps.now() >= until) {
      deps.note(`${pending} upload(s) still pending; rclone keeps them in its cache and uploads them at the next mount.`);
      return;
    }
    if (!announced) deps.note(`Waiting for ${pending} upload(s) to finish before unmounting…`);
    announced = true;
    await deps.sleep(POLL_INTERVAL_MS);
  }
}

export type UnmountResult = { kind: 'not-mounted' } | { kind: 'unmounted'; mountPoint: string; cleanedDeadMount: boolean };

/**
 * Unmounts (the platform's way), stops rclone, clears the state. A busy mount point stops here with
 * the programs that hold it, unless `force` asks for a lazy/forced unmount.
 */
export async function stopMount(deps: SupervisorDeps, tenantId: string, remoteName: string, fallbackMountPoint: string, force: boolean): Promise<UnmountResult> {
  const record = await readMountState(deps.paths, tenantId);
  const mountPoint = record?.mountPoint ?? fallbackMountPoint;
  const probe = await deps.platform.probe(mountPoint);
  const pids = await ourMountProcesses(deps, remoteName, mountPoint, record);
  const recordAlive = record !== undefined && pids.includes(record.pid);
  if (probe === 'absent' && pids.length === 0) {
    await stopCompanion(deps, record);
    if (record) await clearMountState(deps.paths, tenantId);
    return { kind: 'not-mounted' };
  }
  if (probe === 'mounted' && record && recordAlive && !force) await waitForUploads(deps, record);
  if (probe !== 'absent') {
    const outcome = await deps.platform.unmount(mountPoint, force);
    if (outcome.kind === 'busy') {
      const holders = await deps.platform.holders(mountPoint);
      const who = holders.length > 0 ? `: ${holders.join(', ')} ${holders.length === 1 ? 'has' : 'have'} files open in it` : ': a program has a file or folder open in it';
      throw new CliError(`${mountPoint} is busy${who}.`, {
        hint: 'Close those files (or `cd` out of the folder) and run `basic-memory cloud unmount` again, or use `--force` to detach it now (open files then fail).',
      });
    }
    if (outcome.kind === 'failed') {
      throw new CliError(`${mountPoint} could not be unmounted: ${outcome.detail}`, { hint: 'Run `basic-memory cloud unmount --force`.' });
    }
  }
  // Told to stop now, waited for after rclone: both take a moment to go.
  const companion = stopCompanion(deps, record);
  for (const pid of pids) await stopProcess(deps, pid, record?.pid === pid ? record : undefined);
  await companion;
  await clearMountState(deps.paths, tenantId);
  return { kind: 'unmounted', mountPoint, cleanedDeadMount: probe === 'dead' };
}
