import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/errors.js';
import { describeState, installFromSetup, pauseService, resumeService, serviceLogs, serviceStatus, type ServiceDeps } from '../../../src/service/commands.js';
import { RotatingLog } from '../../../src/service/log.js';
import type { ManagerAvailability, ServiceManager, ServiceStatus } from '../../../src/service/managers.js';
import { readPause, serviceFiles, writeHealth, type ServiceHealth } from '../../../src/service/state.js';
import { capturedOutput } from '../../support/captured-output.js';

let dir: string;
let now: Date;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-service-cmd-'));
  now = new Date('2026-11-29T12:00:00Z');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function managerWith(status: ServiceStatus): ServiceManager {
  const done = () => Promise.resolve({ kind: 'done' as const });
  return { name: 'systemd', files: [], availability: () => Promise.resolve({ kind: 'available' }), install: done, uninstall: done, start: done, stop: done, restart: done, status: () => Promise.resolve(status) };
}

function deps(json: boolean, status: ServiceStatus = { installed: true, running: true, pid: 77 }) {
  const captured = capturedOutput({ json });
  const value: ServiceDeps = {
    exec: () => Promise.reject(new Error('no commands in these tests')),
    output: captured.output,
    clock: () => now,
    platform: 'linux',
    env: {},
    homeDir: dir,
    stateDir: dir,
    settings: { apiUrl: 'http://x', authUrl: 'http://x', rclonePath: 'rclone' },
    uid: 1,
    nodePath: '/n',
    cliPath: '/c',
    manager: managerWith(status),
  };
  return { deps: value, ...captured };
}

describe('pause and resume', () => {
  it('pause --for 2h writes when it ends; status shows it; resume clears it', async () => {
    const context = deps(true);
    expect(await pauseService({ json: true, for: '2h' }, context.deps)).toBe(ExitCode.ok);
    expect(await readPause(serviceFiles(dir))).toEqual({ pausedAt: '2026-11-29T12:00:00.000Z', until: '2026-11-29T14:00:00.000Z' });
    const status = deps(true);
    await serviceStatus({ json: true }, status.deps);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'paused', paused: true, pausedUntil: '2026-11-29T14:00:00.000Z' });
    const resume = deps(true);
    await resumeService({ json: true }, resume.deps);
    expect(JSON.parse(resume.stdout())).toEqual({ paused: false, wasPaused: true });
    expect(await readPause(serviceFiles(dir))).toBeUndefined();
  });

  it('pause without --for lasts until resume', async () => {
    await pauseService({ json: false }, deps(false).deps);
    expect((await readPause(serviceFiles(dir)))?.until).toBeNull();
  });

  it.each(['soon', '-1h', '0', ''])('pause --for %j is bad input (exit 2) and pauses nothing', async (value) => {
    await expect(pauseService({ json: false, for: value }, deps(false).deps)).rejects.toMatchObject({ exitCode: ExitCode.usage, message: `"${value}" is not a duration.` });
    expect(await readPause(serviceFiles(dir))).toBeUndefined();
  });

  it('an expired pause is not shown as paused', async () => {
    await pauseService({ json: true, for: '30m' }, deps(true).deps);
    now = new Date('2026-11-29T13:00:00Z');
    const status = deps(true);
    await serviceStatus({ json: true }, status.deps);
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'running', paused: false, pausedUntil: null });
  });
});

describe('status', () => {
  it('shows the health file: last sync, last error, next run', async () => {
    const health: ServiceHealth = { state: 'failing', pid: 77, startedAt: '2026-11-29T11:00:00.000Z', updatedAt: '2026-11-29T11:58:00.000Z', lastSyncAt: '2026-11-29T11:50:00.000Z', lastError: { at: '2026-11-29T11:58:00.000Z', message: 'connection refused' }, consecutiveFailures: 2, nextRunAt: '2026-11-29T11:59:00.000Z', pausedUntil: null, notifiedAt: {} };
    await writeHealth(serviceFiles(dir), health);
    const context = deps(false);
    await serviceStatus({ json: false }, context.deps);
    expect(context.stdout()).toContain('service:    failing (systemd, pid 77)');
    expect(context.stdout()).toContain('last sync:  2026-11-29T11:50:00.000Z');
    expect(context.stdout()).toContain('last error: 2026-11-29T11:58:00.000Z: connection refused');
    expect(context.stdout()).toContain('next run:   2026-11-29T11:59:00.000Z');
    expect(context.stdout()).not.toContain('cloud:');
  });

  it('says whether the running service is push-driven or polling', async () => {
    const health: ServiceHealth = { state: 'watching', pid: 77, startedAt: '2026-11-29T11:00:00.000Z', updatedAt: '2026-11-29T11:58:00.000Z', lastSyncAt: null, lastError: null, consecutiveFailures: 0, nextRunAt: null, pausedUntil: null, cloudChanges: { mode: 'polling', reason: 'the cloud has no change feed', since: '2026-11-29T11:01:00.000Z' }, notifiedAt: {} };
    await writeHealth(serviceFiles(dir), health);
    const context = deps(false);
    await serviceStatus({ json: false }, context.deps);
    // Human output shows the local clock (or date and clock on another day), never an ISO stamp.
    expect(context.stdout()).toMatch(/cloud: {6}polling at the interval: the cloud has no change feed \(since (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}(:\d{2})?\)/);
    const json = deps(true);
    await serviceStatus({ json: true }, json.deps);
    expect(JSON.parse(json.stdout())).toMatchObject({ health: { cloudChanges: { mode: 'polling' } } });
  });

  it.each([
    [false, false, undefined, false, 'not installed'],
    [true, false, undefined, false, 'stopped'],
    [true, true, 'watching', true, 'paused'],
    [true, true, 'failing', false, 'failing'],
    [true, true, 'watching', false, 'running'],
  ] as const)('installed %s, running %s, health %s, paused %s → %s', (installed, running, state, paused, expected) => {
    const health = state ? ({ state } as ServiceHealth) : undefined;
    expect(describeState(installed, running, health, paused)).toBe(expected);
  });
});

describe('logs', () => {
  it('prints the last lines across rotated files', async () => {
    const log = new RotatingLog(serviceFiles(dir).log, { maxBytes: 60, files: 3 });
    for (let index = 0; index < 6; index += 1) log.line(now, `entry ${index}`);
    const context = deps(true);
    await serviceLogs({ json: true, lines: '3' }, context.deps);
    expect(JSON.parse(context.stdout()).lines).toEqual(['2026-11-29T12:00:00.000Z entry 3', '2026-11-29T12:00:00.000Z entry 4', '2026-11-29T12:00:00.000Z entry 5']);
  });

  it('says so when there is no log yet', async () => {
    const context = deps(false);
    await serviceLogs({ json: false }, context.deps);
    expect(context.stderr()).toContain('The sync service has not logged anything yet');
  });

  it('--lines must be a whole number (exit 2)', async () => {
    await expect(serviceLogs({ json: false, lines: 'many' }, deps(false).deps)).rejects.toMatchObject({ exitCode: ExitCode.usage });
  });
});

describe('installFromSetup (the end of cloud setup)', () => {
  function setupDeps(availability: ManagerAvailability) {
    const context = deps(false);
    const installed: string[] = [];
    const manager: ServiceManager = { ...managerWith({ installed: false, running: false, pid: undefined }), availability: () => Promise.resolve(availability), install: (spec) => Promise.resolve(void installed.push(spec.cliPath)).then(() => ({ kind: 'done' as const })) };
    return { ...context, deps: { ...context.deps, manager }, installed };
  }

  it('installs when offered and the OS can run it', async () => {
    const context = setupDeps({ kind: 'available' });
    expect(await installFromSetup('install', context.deps, () => Promise.reject(new Error('not asked')))).toEqual({ service: 'installed', reason: null });
    expect(context.installed).toEqual(['/c']);
  });

  it('asks on a terminal; no means nothing installed', async () => {
    const context = setupDeps({ kind: 'available' });
    expect(await installFromSetup('ask', context.deps, () => Promise.resolve(false))).toEqual({ service: 'declined', reason: null });
    expect(context.installed).toEqual([]);
  });

  it('without a service manager: one sentence with the foreground command, nothing asked or installed, no failure', async () => {
    const context = setupDeps({ kind: 'unavailable', reason: 'there is no systemd user session on this machine' });
    expect(await installFromSetup('ask', context.deps, () => Promise.reject(new Error('not asked')))).toEqual({ service: 'unavailable', reason: 'there is no systemd user session on this machine' });
    expect(context.stderr().trim().split('\n')).toEqual(['The sync service cannot run here (there is no systemd user session on this machine): run `basic-memory cloud bisync --watch` to keep syncing.']);
    expect(context.installed).toEqual([]);
  });
});
