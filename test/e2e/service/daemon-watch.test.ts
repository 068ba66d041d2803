import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bisyncSessionName } from '../../../src/bisync/args.js';
import { seedFilters } from '../../../src/bisync/filters.js';
import { Interrupts } from '../../../src/bisync/interrupts.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { watchAndSync } from '../../../src/bisync/watch.js';
import { statePaths } from '../../../src/core/paths.js';
import { sleep } from '../../../src/core/process.js';
import { remoteBucketPath } from '../../../src/core/tenant-state.js';
import { createRclone } from '../../../src/rclone/runner.js';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { runDaemon, type ServiceWatch } from '../../../src/service/daemon.js';
import { RotatingLog, serviceOutput } from '../../../src/service/log.js';
import type { Notification } from '../../../src/service/notifier.js';
import { clearPause, pauseFor, readHealth, serviceFiles, writePause, type ServiceHealth } from '../../../src/service/state.js';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { provisionTenant, rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';

/**
 * The service loop around the real `watchAndSync`, real rclone and the reference server, in this
 * process; the daemon stops the watch through `WatchOptions.stop`.
 */
let dataDir: string;
let server: RunningServer;
let ports: { api: number; s3: number };
let user: TestUser;
let tenant: ProvisionedTenant;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-service-server-'));
  server = await startServer({ host: '127.0.0.1', port: 0, s3Port: 0, dataDir });
  ports = { api: Number(new URL(server.apiUrl).port), s3: Number(new URL(server.s3Url).port) };
  user = await makeTestUser();
  tenant = await provisionTenant(server, user);
});
afterAll(async () => {
  await server.close().catch(() => undefined);
  await user.cleanup();
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('the service process around the real watch loop', () => {
  it('syncs, survives the server going away and coming back, pauses, resumes, writes its health and rotates its log', async () => {
    const paths = statePaths(user.stateDir);
    const files = serviceFiles(user.stateDir);
    const log = new RotatingLog(files.log, { maxBytes: 4_000, files: 3 });
    const output = serviceOutput(log, () => new Date(), true);
    // rclone reads flags from RCLONE_*: fewer retries make a run against a stopped server fail in seconds.
    const rclone = createRclone({ binary: 'rclone', env: { ...user.env, RCLONE_CONFIG: user.rcloneConfig, RCLONE_LOW_LEVEL_RETRIES: '1', RCLONE_RETRIES: '1' }, output });
    const version = (await rclone.version())!;
    await seedFilters(paths);
    await fs.mkdir(tenant.localPath, { recursive: true });
    const remotePath = remoteBucketPath(tenant.state);
    const target = { tenantId: tenant.tenantId, localPath: tenant.localPath, remotePath, workdir: paths.bisyncWorkdir(tenant.tenantId), session: bisyncSessionName(tenant.localPath, remotePath), filtersFile: paths.bisyncFilters, tigris: false };
    const request = { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false };
    const watch: ServiceWatch = (signal) => {
      const interrupts = new Interrupts(output, true);
      return watchAndSync({ rclone, version, output, paths, interrupts, notifySync: () => Promise.resolve() }, target, request, { intervalMs: 2_000, debounceMs: 300, stop: signal, storage: new URL(tenant.state.endpointUrl).host });
    };
    const notified: Notification[] = [];
    const stop = new AbortController();
    const daemon = runDaemon(
      { intervalMs: 2_000, pollMs: 200, retryMs: 500, maxRetryMs: 2_000 },
      { watch, files, bisyncStateFile: paths.bisyncState(tenant.tenantId), notifier: { notify: (notification) => Promise.resolve(void notified.push(notification)) }, log, clock: () => new Date(), sleep, stop: stop.signal, pid: process.pid },
    );
    const health = async () => (await readHealth(files)) ?? ({} as Partial<ServiceHealth>);
    const inCloud = async (name: string) => (await rcloneAs(user, ['lsf', `${remotePath}`]).catch(() => ({ stdout: '' }))).stdout.split('\n').includes(name);

    try {
      // 1. A change is synced and reported.
      await fs.writeFile(path.join(tenant.localPath, 'first.md'), 'first\n');
      await waitFor('first.md in the cloud', () => inCloud('first.md'));
      await waitFor('a reported sync', async () => (await health()).lastSyncAt != null);
      expect((await health()).state).toBe('watching');

      // 2. The server goes away: runs fail and are reported; it comes back on the same ports: the
      //    same process syncs again.
      await server.close();
      await fs.writeFile(path.join(tenant.localPath, 'while-down.md'), 'written while the server was down\n');
      await waitFor('a reported failure', async () => (await health()).lastError != null && (await health()).state === 'failing');
      server = await startServer({ host: '127.0.0.1', port: ports.api, s3Port: ports.s3, dataDir });
      await waitFor('while-down.md in the cloud', () => inCloud('while-down.md'), 90_000);
      await waitFor('recovered health', async () => (await health()).state === 'watching' && (await health()).consecutiveFailures === 0);

      // 3. Paused: the process keeps running and syncs nothing, even after several intervals.
      await writePause(files, pauseFor(new Date(), undefined));
      await waitFor('paused health', async () => (await health()).state === 'paused');
      await fs.writeFile(path.join(tenant.localPath, 'while-paused.md'), 'written while paused\n');
      await sleep(5_000);
      expect(await inCloud('while-paused.md')).toBe(false);
      expect((await health()).pid).toBe(process.pid);

      // 4. Resumed: the pending change is synced.
      await clearPause(files);
      await waitFor('while-paused.md in the cloud', () => inCloud('while-paused.md'));
      expect((await health()).state).toBe('watching');

      // 5. The log stayed within its bound and rotated.
      const logFiles = (await fs.readdir(path.dirname(files.log))).filter((name) => name.startsWith('bisync-service.log')).sort();
      expect(logFiles).toContain('bisync-service.log.1');
      expect(logFiles.length).toBeLessThanOrEqual(3);
      for (const name of logFiles) expect((await fs.stat(path.join(path.dirname(files.log), name))).size).toBeLessThanOrEqual(4_000);
      const logText = (await Promise.all(logFiles.map((name) => fs.readFile(path.join(path.dirname(files.log), name), 'utf8')))).join('');
      expect(logText).toContain('paused until resumed');
      expect(logText).toContain('resumed');
      expect(logText).not.toContain(tenant.secretKey);
    } catch (error) {
      console.log((await fs.readFile(files.log, 'utf8').catch(() => '')).slice(-6000), JSON.stringify(await health()));
      throw error;
    } finally {
      stop.abort();
    }
    expect(await daemon).toBe(0);
    expect((await health()).state).toBe('stopped');
    await expect(fs.access(paths.watchPid(tenant.tenantId))).rejects.toThrow();
  });
});
