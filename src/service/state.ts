import fs from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { CloudChangesMode } from '../bisync/cloud-changes.js';
import { serviceLogDir } from './spec.js';

/** The files the service and its commands share in the state dir. */
export interface ServiceFiles {
  health: string;
  pause: string;
  log: string;
  /** What install recorded (manager, node and CLI paths, files written), for status, doctor and uninstall. */
  install: string;
}

export function serviceFiles(stateDir: string): ServiceFiles {
  return {
    health: path.join(stateDir, 'bisync-service-health.json'),
    pause: path.join(stateDir, 'bisync-service-pause.json'),
    log: path.join(serviceLogDir(stateDir), 'bisync-service.log'),
    install: path.join(stateDir, 'bisync-service.json'),
  };
}

/** `pause [--for D]`: until a time, or until `resume` when `until` is null. */
export interface PauseState {
  pausedAt: string;
  until: string | null;
}

/** Pure: whether a pause holds at `now`; an expired one no longer does. */
export function isPaused(pause: PauseState | undefined, now: Date): boolean {
  if (!pause) return false;
  return pause.until === null || Date.parse(pause.until) > now.getTime();
}

/** Pure: the pause `pause --for` writes (`seconds` undefined: until resumed). */
export function pauseFor(now: Date, seconds: number | undefined): PauseState {
  return { pausedAt: now.toISOString(), until: seconds === undefined ? null : new Date(now.getTime() + seconds * 1000).toISOString() };
}

export async function readPause(files: ServiceFiles): Promise<PauseState | undefined> {
  return readJsonFile<PauseState>(files.pause).catch(() => undefined);
}

export async function writePause(files: ServiceFiles, pause: PauseState): Promise<void> {
  await writeJsonFile(files.pause, pause);
}

export async function clearPause(files: ServiceFiles): Promise<boolean> {
  const existed = (await readPause(files)) !== undefined;
  await fs.rm(files.pause, { force: true });
  return existed;
}

export const NOTIFICATION_KINDS = ['conflicts', 'safety-stop', 'lost-baseline', 'repeated-failures'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * `<state dir>/bisync-service-health.json`: what the running service last knew, for `status`.
 * Written atomically, so a reader never sees half of it.
 */
export interface ServiceHealth {
  state: 'starting' | 'watching' | 'paused' | 'failing' | 'stopped';
  pid: number;
  startedAt: string;
  updatedAt: string;
  lastSyncAt: string | null;
  lastError: { at: string; message: string } | null;
  consecutiveFailures: number;
  /** When the next cloud check is due (estimated from the last run and the interval). */
  nextRunAt: string | null;
  pausedUntil: string | null;
  /** How the watch learns of cloud changes (push-driven or polling); absent until it knows. */
  cloudChanges?: CloudChangesMode | null;
  /** When each kind of notification was last shown: the rate limit survives a restart. */
  notifiedAt: Partial<Record<NotificationKind, string>>;
}

export async function readHealth(files: ServiceFiles): Promise<ServiceHealth | undefined> {
  return readJsonFile<ServiceHealth>(files.health).catch(() => undefined);
}

export async function writeHealth(files: ServiceFiles, health: ServiceHealth): Promise<void> {
  await writeJsonFile(files.health, health);
}

export interface InstallRecord {
  manager: string;
  nodePath: string;
  cliPath: string;
  installedAt: string;
  files: string[];
}

export async function readInstallRecord(files: ServiceFiles): Promise<InstallRecord | undefined> {
  return readJsonFile<InstallRecord>(files.install).catch(() => undefined);
}

export async function writeInstallRecord(files: ServiceFiles, record: InstallRecord): Promise<void> {
  await writeJsonFile(files.install, record);
}

/** Everything the service left in the state dir (the log files are kept: they explain what happened). */
export async function removeServiceState(files: ServiceFiles): Promise<void> {
  for (const file of [files.install, files.health, files.pause]) await fs.rm(file, { force: true });
}
