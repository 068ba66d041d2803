import path from 'node:path';
import { supports } from '../rclone/capabilities.js';
import { parseRcloneVersion } from '../rclone/version.js';
import type { MountProbe } from './platform.js';
import { readUploads, type UploadReport } from './rc.js';
import { readCompanionState, type CompanionState } from './companion.js';
import type { MountState } from './state.js';
import { ourMountProcesses, type SupervisorDeps } from './supervisor.js';

/**
 * - mounted: rclone runs and the OS shows the mount answering
 * - not-mounted: nothing of ours is mounted or running
 * - process-dead: the state says mounted but its rclone is gone (the mount point may be left dead)
 * - mount-dead: the OS lists the mount but it does not answer
 * - mount-missing: rclone runs but the OS does not show its mount
 */
export type MountCondition = 'mounted' | 'not-mounted' | 'process-dead' | 'mount-dead' | 'mount-missing';

/** The stable `mount-status --json` document (README, "`mount-status --json`"). */
export interface MountStatusReport {
  tenantId: string;
  bucketName: string;
  remote: string;
  localPath: string;
  condition: MountCondition;
  mounted: boolean;
  processAlive: boolean;
  pid: number | null;
  profile: string | null;
  rcloneVersion: string | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  logPath: string | null;
  uploads: UploadReport | null;
  /** How cloud changes reach the mount (its companion); null when nothing is mounted. */
  cloudChanges: CloudChangesReport | null;
  fix: string | null;
}

export interface CloudChangesReport {
  companion: 'running' | 'not-running';
  pid: number | null;
  /** push: shown at once; polling: after the dir-cache time, `reason` says why; connecting: not known yet. */
  mode: CompanionState['mode'] | null;
  reason: string | null;
  since: string | null;
  changesShown: number;
  lastChangeAt: string | null;
  lastError: string | null;
}

export interface StatusInputs {
  tenant: { tenantId: string; bucketName: string; remoteName: string; remotePath: string; localPath: string };
  state: MountState | undefined;
  osState: MountProbe;
  processAlive: boolean;
  uploads: UploadReport | undefined;
  /** The companion's state file, and whether its process runs. */
  companion?: { state: CompanionState | undefined; alive: boolean };
  now: number;
}

const REMOUNT = 'Run `basic-memory cloud mount`: it clears what the crash left and mounts again.';

/** Pure: the facts gathered → one report with the condition and its fix. */
export function describeMountStatus({ tenant, state, osState, processAlive, uploads, companion, now }: StatusInputs): MountStatusReport {
  const condition: MountCondition =
    osState === 'dead' ? (processAlive ? 'mount-dead' : 'process-dead')
    : osState === 'mounted' ? (processAlive || !state ? 'mounted' : 'process-dead')
    : processAlive ? 'mount-missing'
    : state ? 'process-dead'
    : 'not-mounted';
  const fix: Record<MountCondition, string | null> = {
    mounted: null,
    'not-mounted': null,
    'process-dead': REMOUNT,
    'mount-dead': 'Run `basic-memory cloud unmount --force`, then `basic-memory cloud mount`.',
    'mount-missing': 'Run `basic-memory cloud unmount`, then `basic-memory cloud mount`.',
  };
  const startedAt = state?.startedAt ?? null;
  return {
    tenantId: tenant.tenantId,
    bucketName: tenant.bucketName,
    remote: tenant.remotePath,
    localPath: state?.mountPoint ?? tenant.localPath,
    condition,
    mounted: osState === 'mounted',
    processAlive,
    pid: state?.pid ?? null,
    profile: state?.profile ?? null,
    rcloneVersion: state?.rcloneVersion ?? null,
    startedAt,
    uptimeSeconds: startedAt && processAlive ? Math.max(0, Math.round((now - Date.parse(startedAt)) / 1000)) : null,
    logPath: state?.logPath ?? null,
    uploads: uploads ?? null,
    cloudChanges: condition === 'mounted' && state ? describeCloudChanges(companion) : null,
    fix: fix[condition],
  };
}

/** Pure: the people-facing lines for a report. */
export function formatMountStatus(report: MountStatusReport): string[] {
  const lines = [`Tenant ${report.tenantId} · bucket ${report.bucketName}`, `Path: ${report.localPath}`];
  const headline: Record<MountCondition, string> = {
    mounted: `Mounted (rclone pid ${report.pid ?? '?'}, ${report.rcloneVersion ?? 'rclone'}, profile ${report.profile ?? '?'}, up ${formatUptime(report.uptimeSeconds)})`,
    'not-mounted': 'Not mounted.',
    'process-dead': `Not working: the rclone process${report.pid ? ` (pid ${report.pid})` : ''} has stopped.`,
    'mount-dead': 'Not working: the mount point does not answer ("Transport endpoint is not connected").',
    'mount-missing': `Not working: rclone (pid ${report.pid ?? '?'}) runs but the folder is not mounted.`,
  };
  lines.push(headline[report.condition]);
  const uploads = report.uploads;
  if (uploads) {
    lines.push(`Uploads: ${uploads.queued} queued, ${uploads.inProgress} in progress${uploads.erroredFiles > 0 ? `, ${uploads.erroredFiles} failing` : ''}; errors: ${uploads.errors}${uploads.lastError ? ` (last: ${uploads.lastError})` : ''}`);
    if (uploads.pending && uploads.pending.length > 0) lines.push(`Waiting to upload: ${uploads.pending.slice(0, 10).join(', ')}${uploads.pending.length > 10 ? ', …' : ''}`);
  }
  if (report.cloudChanges) lines.push(formatCloudChanges(report.cloudChanges, report.profile));
  if (report.logPath && report.condition !== 'not-mounted') lines.push(`Log: ${report.logPath}`);
  if (report.fix) lines.push(`Fix: ${report.fix}`);
  return lines;
}

/** Pure: the companion's part of the report; its state file counts only while its process runs. */
export function describeCloudChanges(companion: StatusInputs['companion']): CloudChangesReport {
  const running = companion?.alive === true && companion.state !== undefined;
  const state = running ? companion.state : undefined;
  return {
    companion: running ? 'running' : 'not-running',
    pid: state?.pid ?? null,
    mode: state?.mode ?? null,
    reason: state?.reason ?? null,
    since: state?.since ?? null,
    changesShown: state?.changesShown ?? 0,
    lastChangeAt: state?.lastChangeAt ?? null,
    lastError: state?.lastError ?? null,
  };
}

/** Pure: the `Cloud changes:` line of `mount-status`. */
export function formatCloudChanges(report: CloudChangesReport, profile: string | null): string {
  const later = `after the dir-cache time${profile ? ` of profile ${profile}` : ''}`;
  if (report.companion === 'not-running') return `Cloud changes: show ${later}; the companion that shows them at once is not running (\`basic-memory cloud unmount\`, then \`basic-memory cloud mount\` starts it again).`;
  if (report.mode === 'push') return `Cloud changes: shown at once (companion pid ${report.pid ?? '?'} follows the change feed; ${report.changesShown} shown${report.lastError ? `; last error: ${report.lastError}` : ''}).`;
  if (report.mode === 'polling') return `Cloud changes: show ${later}: ${report.reason ?? 'the change feed is down'} (companion pid ${report.pid ?? '?'} keeps trying).`;
  return `Cloud changes: companion pid ${report.pid ?? '?'} is connecting to the change feed.`;
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null) return '?';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

/** Gathers the facts: the OS, the process list and, when it runs, the mount's own rc API. */
export async function collectMountStatus(
  deps: Pick<SupervisorDeps, 'platform' | 'alive' | 'paths'>,
  tenant: StatusInputs['tenant'],
  state: MountState | undefined,
  now: number,
): Promise<MountStatusReport> {
  const mountPoint = state?.mountPoint ?? path.resolve(tenant.localPath);
  const [osState, pids] = await Promise.all([deps.platform.probe(mountPoint), ourMountProcesses(deps, tenant.remoteName, mountPoint, state)]);
  const processAlive = state !== undefined && pids.includes(state.pid);
  const version = state ? parseRcloneVersion(`rclone ${state.rcloneVersion}`) : undefined;
  const uploads = state && processAlive ? await readUploads(state, version !== undefined && supports(version, 'vfsQueue')) : undefined;
  const companionState = state?.companionPid === undefined ? undefined : await readCompanionState(deps.paths, tenant.tenantId);
  const companion = { state: companionState?.pid === state?.companionPid ? companionState : undefined, alive: state?.companionPid !== undefined && deps.alive(state.companionPid) };
  return describeMountStatus({ tenant, state, osState, processAlive, uploads, companion, now });
}
