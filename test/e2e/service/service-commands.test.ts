import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { notes, rcloneProcessesFor, spawnCli, useServer, waitFor } from '../bisync/helpers.js';

const { newPair } = useServer();

interface StatusDocument {
  state: string;
  installed: boolean;
  paused: boolean;
  health: { state: string; pid: number; lastSyncAt: string | null } | null;
}

describe('cloud bisync-service through the built CLI', () => {
  it('run syncs a note, pause stops syncing, resume syncs what waited, status --json shows the health, SIGTERM exits 0', async () => {
    const pair = await newPair();
    // The service's cloud check interval comes from the settings file, as the service reads it.
    await fs.writeFile(path.join(pair.user.stateDir, 'config.json'), JSON.stringify({ watchInterval: '3s' }));
    const bisyncStatusService = async () => {
      const result = await pair.user.run(['cloud', 'bisync-status', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { service: { state: string; pid: number } | null }).service;
    };
    expect(await bisyncStatusService()).toBeNull();
    const service = spawnCli(pair.user, ['cloud', 'bisync-service', 'run']);
    const status = async () => {
      const result = await pair.user.run(['cloud', 'bisync-service', 'status', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as StatusDocument;
    };
    const inCloud = async (name: string) => notes(await pair.cloudFiles()).includes(name);
    try {
      await pair.writeLocal('first.md', 'first\n');
      await waitFor(() => inCloud('first.md'), 60_000, 'first.md in the bucket');
      expect(await pair.readCloud('first.md')).toBe('first\n');
      const watching = await waitFor(async () => {
        const document = await status();
        return document.health?.lastSyncAt ? document : undefined;
      }, 30_000, 'a reported sync');
      expect(watching.health?.state).toBe('watching');
      expect(watching.health?.pid).toBe(service.child.pid);
      // No service manager here: installed says so, and the running process's health still shows.
      expect(watching.installed).toBe(false);

      const paused = await pair.user.run(['cloud', 'bisync-service', 'pause', '--json']);
      expect(paused.exitCode, paused.stderr).toBe(0);
      expect(JSON.parse(paused.stdout)).toEqual({ paused: true, until: null });
      await waitFor(async () => (await status()).health?.state === 'paused', 30_000, 'paused health');
      await pair.writeLocal('while-paused.md', 'written while paused\n');
      // Several cloud intervals and the local debounce pass: nothing is synced.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      expect(await inCloud('while-paused.md')).toBe(false);
      expect(service.child.exitCode).toBeNull();
      expect(await bisyncStatusService()).toMatchObject({ state: 'paused', pid: service.child.pid });

      const resumed = await pair.user.run(['cloud', 'bisync-service', 'resume']);
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      await waitFor(() => inCloud('while-paused.md'), 60_000, 'while-paused.md in the bucket');
      expect(await pair.readCloud('while-paused.md')).toBe('written while paused\n');
      expect((await status()).health?.state).toBe('watching');

      const logs = await pair.user.run(['cloud', 'bisync-service', 'logs', '--lines', '200']);
      expect(logs.exitCode).toBe(0);
      expect(logs.stdout).toContain('paused until resumed');
      expect(logs.stdout).not.toContain(pair.tenant.secretKey);
      expect(logs.stdout).not.toContain(pair.tenant.token);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exit).toBe(0);
    expect((await status()).health?.state).toBe('stopped');
    expect((await bisyncStatusService())?.state).toBe('stopped');
    expect(await rcloneProcessesFor(pair.local)).toEqual([]);
  });

  it('install without a systemd user session exits 1 with one sentence and writes nothing', async () => {
    const pair = await newPair();
    const before = await fs.readdir(pair.user.stateDir);
    const result = await pair.user.run(['cloud', 'bisync-service', 'install'], { env: { XDG_RUNTIME_DIR: undefined, DBUS_SESSION_BUS_ADDRESS: undefined } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('The sync service cannot be installed: there is no systemd user session on this machine');
    expect(result.stderr).toContain('basic-memory cloud bisync --watch');
    expect(result.stderr).not.toContain('    at ');
    await expect(fs.access(path.join(pair.user.home, '.config', 'systemd', 'user', 'basic-memory-bisync.service'))).rejects.toThrow();
    expect(await fs.readdir(pair.user.stateDir)).toEqual(before);
  });

  it('pause --for with something that is not a duration is exit 2', async () => {
    const pair = await newPair();
    const result = await pair.user.run(['cloud', 'bisync-service', 'pause', '--for', 'soon']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"soon" is not a duration.');
    await expect(fs.access(path.join(pair.user.stateDir, 'bisync-service-pause.json'))).rejects.toThrow();
  });
});
