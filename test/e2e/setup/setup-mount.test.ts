import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { rcloneAs } from '../../support/tenant.js';
import { eventually, forceCleanUp, rcloneMountsUnder } from '../mount/helpers.js';

let server: TestServer;
let user: TestUser | undefined;

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  if (user) {
    await forceCleanUp(user.home);
    await user.cleanup();
  }
});
afterAll(async () => {
  await server.cleanup();
});

describe('cloud setup --mode mount', () => {
  it('mounts, and a re-run swaps the key under a fresh mount with one live credential', async () => {
    const { token, tenantId, bucketName } = await server.mintToken('new');
    user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: server.apiUrl, BASIC_MEMORY_TOKEN: token });
    const folder = path.join(user.home, `basic-memory-${tenantId}`);
    const bucket = `basic-memory-${tenantId}:${bucketName}`;
    const inBucket = async (name: string) => (await rcloneAs(user!, ['lsf', bucket])).stdout.split('\n').includes(name) || undefined;

    const first = await user.run(['cloud', 'setup', '--yes', '--mode', 'mount', '--profile', 'fast']);
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.exitCode).toBe(0);
    expect(await rcloneMountsUnder(folder)).toEqual([folder]);
    await fs.writeFile(path.join(folder, 'first.md'), 'through the first mount\n');
    await eventually('first.md in the bucket', 15_000, () => inBucket('first.md'));

    const again = await user.run(['cloud', 'setup', '--yes', '--json']);
    expect(again.exitCode).toBe(0);
    const summary = JSON.parse(again.stdout) as { mode: string; revokedCredentialIds: string[] };
    expect(summary.mode).toBe('mount');
    expect(summary.revokedCredentialIds).toHaveLength(1);
    expect(await rcloneMountsUnder(folder)).toEqual([folder]);
    const listed = (await (await fetch(`${server.apiUrl}/tenant/mount/credentials`, { headers: { authorization: `Bearer ${token}` } })).json()) as { credentials: unknown[] };
    expect(listed.credentials).toHaveLength(1);

    // The new mount runs on the new key: writes still reach the bucket.
    expect(await fs.readFile(path.join(folder, 'first.md'), 'utf8')).toBe('through the first mount\n');
    await fs.writeFile(path.join(folder, 'second.md'), 'through the new mount\n');
    await eventually('second.md in the bucket', 15_000, () => inBucket('second.md'));

    const unmounted = await user.run(['cloud', 'unmount']);
    expect(unmounted.exitCode).toBe(0);
    expect(await rcloneMountsUnder(folder)).toEqual([]);
  });
});
