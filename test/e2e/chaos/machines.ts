import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';
import { bucketPlace, folderPlace, type Place } from '../../support/versions.js';

/**
 * Chaos tests run with whatever `rclone` is first on PATH (CI runs the e2e suite once per rclone
 * version: `PATH=/work/rclone-unstable/usr/bin:$PATH` picks 1.75).
 */
export interface Machine {
  name: string;
  user: TestUser;
  folder: string;
  bisync(...args: string[]): ReturnType<TestUser['run']>;
}

export interface Tenant {
  tenant: ProvisionedTenant;
  machines: [Machine, Machine];
  bucket: string;
  /** Every place a version can be at the end: both folders and the bucket. */
  places(): Place[];
}

/** One reference server per file and, per test, a tenant with two machines (own HOME each). */
export function useTwoMachines(): () => Promise<Tenant> {
  let server: TestServer | undefined;
  const users: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const user of users) await user.cleanup();
    await server?.cleanup();
  });
  return async () => {
    if (!server) throw new Error('the server is not started yet');
    const first = await makeTestUser();
    const tenant = await provisionTenant(server, first, { mode: 'bisync' });
    const second = await makeTestUser();
    users.push(first, second);
    // The second machine is what `cloud setup` leaves on another computer: the same remote and tenant.
    await fs.mkdir(path.dirname(second.rcloneConfig), { recursive: true });
    await fs.copyFile(first.rcloneConfig, second.rcloneConfig);
    const secondFolder = path.join(second.home, `basic-memory-${tenant.tenantId}`);
    const secondState = statePaths(second.stateDir);
    await fs.mkdir(secondState.dir, { recursive: true, mode: 0o700 });
    await fs.writeFile(secondState.tenant, JSON.stringify({ ...tenant.state, localPath: secondFolder }), { mode: 0o600 });
    Object.assign(second.env, { BASIC_MEMORY_TOKEN: tenant.token, BASIC_MEMORY_CLOUD_URL: first.env.BASIC_MEMORY_CLOUD_URL ?? '' });
    const machine = (name: string, user: TestUser, folder: string): Machine => ({
      name,
      user,
      folder,
      bisync: (...args) => user.run(['cloud', 'bisync', ...args], { timeoutMs: 170_000 }),
    });
    const bucket = `${tenant.remoteName}:${tenant.bucketName}`;
    const machines: [Machine, Machine] = [machine('A', first, tenant.localPath), machine('B', second, secondFolder)];
    return {
      tenant,
      machines,
      bucket,
      places: () => [
        folderPlace('A', machines[0].folder),
        folderPlace('B', machines[1].folder),
        bucketPlace((into) => rcloneAs(first, ['copy', bucket, into])),
      ],
    };
  };
}
