import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { isProcessAlive } from '../../../src/core/process.js';
export { isProcessAlive as isAlive };
import { parseMountinfo } from '../../../src/local/mount-table.js';
import type { MountState } from '../../../src/mount/state.js';
import type { MountStatusReport } from '../../../src/mount/status.js';
import type { ServerOptions } from '../../../src/server/index.js';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';

const execFileAsync = promisify(execFile);

export interface MountUser {
  user: TestUser;
  tenant: ProvisionedTenant;
  /** The tenant's folder, where `cloud mount` mounts by default. */
  folder: string;
  bucket: string;
  cli(...args: string[]): ReturnType<TestUser['run']>;
  status(): Promise<{ exitCode: number; report: MountStatusReport }>;
  mountState(): Promise<MountState | undefined>;
}

/** rclone FUSE mounts the kernel lists under this folder. */
export async function rcloneMountsUnder(folder: string): Promise<string[]> {
  const table = parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'));
  return table.filter((entry) => entry.fsType.includes('rclone') && entry.mountPoint.startsWith(folder)).map((entry) => entry.mountPoint);
}

/** Pids of every process a test user started: its command line names the home, or its HOME is it (the mount companion). */
async function processesOf(home: string): Promise<number[]> {
  return processesWhere(async (pid) => {
    const [cmdline, environ] = await Promise.all([`/proc/${pid}/cmdline`, `/proc/${pid}/environ`].map((file) => fs.readFile(file, 'utf8').catch(() => '')));
    return cmdline!.includes(home) || environ!.split('\0').includes(`HOME=${home}`);
  });
}

async function processesWhere(matches: (pid: number) => Promise<boolean>): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    if (await matches(Number(name))) pids.push(Number(name));
  }
  return pids;
}

/** Polls `check` every 100 ms until it returns a value, or fails after `ms`. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined | false>): Promise<{ value: T; elapsedMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return { value, elapsedMs: Date.now() - started };
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whatever a test leaves behind under a user's home: its rclone processes and its mounts. */
export async function forceCleanUp(home: string): Promise<void> {
  const pids = await processesOf(home);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // A killed process may write its last bytes under the home while the home is being removed.
  await eventually('the user\'s processes to end', 5_000, () => Promise.resolve(pids.every((pid) => !isProcessAlive(pid)))).catch(() => undefined);
  for (const mountPoint of await rcloneMountsUnder(home)) await execFileAsync('fusermount3', ['-uz', mountPoint]).catch(() => undefined);
}

/**
 * One reference server per test file, a fresh mount-mode user per test; after each test every
 * rclone and mount of that user is gone, whatever the test did.
 */
export function useMountServer(serverOptions: Partial<ServerOptions> = {}): { newUser: () => Promise<MountUser>; server: () => TestServer } {
  let server: TestServer | undefined;
  let users: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer(serverOptions);
  });
  afterEach(async () => {
    for (const user of users) {
      await forceCleanUp(user.home);
      await user.cleanup();
    }
    users = [];
  });
  afterAll(async () => {
    await server?.cleanup();
  });
  return {
    server: () => {
      if (!server) throw new Error('useMountServer: the server is not started yet');
      return server;
    },
    async newUser() {
      if (!server) throw new Error('useMountServer: the server is not started yet');
      const user = await makeTestUser();
      users.push(user);
      const tenant = await provisionTenant(server, user, { mode: 'mount' });
      const paths = statePaths(user.stateDir);
      return {
        user,
        tenant,
        folder: tenant.localPath,
        bucket: `${tenant.remoteName}:${tenant.bucketName}`,
        cli: (...args) => user.run(['cloud', ...args]),
        async status() {
          const result = await user.run(['cloud', 'mount-status', '--json']);
          return { exitCode: result.exitCode, report: JSON.parse(result.stdout) as MountStatusReport };
        },
        mountState: async () => {
          const text = await fs.readFile(paths.mountState(tenant.tenantId), 'utf8').catch(() => undefined);
          return text === undefined ? undefined : (JSON.parse(text) as MountState);
        },
      };
    },
  };
}

export async function bucketFiles(mountUser: MountUser): Promise<string[]> {
  const { stdout } = await rcloneAs(mountUser.user, ['lsf', '-R', '--files-only', mountUser.bucket]);
  return stdout.split('\n').filter(Boolean);
}

export async function putInBucket(mountUser: MountUser, name: string, text: string): Promise<void> {
  const source = path.join(mountUser.user.home, `upload-${name.replaceAll('/', '_')}`);
  await fs.writeFile(source, text);
  await rcloneAs(mountUser.user, ['copyto', source, `${mountUser.bucket}/${name}`]);
}
