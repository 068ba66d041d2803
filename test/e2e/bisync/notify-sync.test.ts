import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, type ProvisionedTenant } from '../../support/tenant.js';

let server: TestServer;
let user: TestUser;
let tenant: ProvisionedTenant;
const serverLog: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ log: (line) => serverLog.push(line) });
  user = await makeTestUser();
  tenant = await provisionTenant(server, user);
});
afterAll(async () => {
  await user.cleanup();
  await server.cleanup();
});

const syncRequests = () => serverLog.filter((line) => line === `sync requested by tenant ${tenant.tenantId}`).length;

describe('POST /sync after a bisync (SPEC-8 layer 3)', () => {
  it('tells the cloud after a run that changed something, and not after one that did not', async () => {
    await fs.mkdir(tenant.localPath, { recursive: true });
    await fs.writeFile(path.join(tenant.localPath, 'note.md'), '# note\n');
    expect((await user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    expect(syncRequests()).toBe(1);

    expect((await user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    expect(syncRequests()).toBe(1);

    await fs.writeFile(path.join(tenant.localPath, 'note.md'), '# note, edited\n');
    expect((await user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    expect(syncRequests()).toBe(2);
  });

  it('never fails the run when the notification cannot be sent', async () => {
    await fs.writeFile(path.join(tenant.localPath, 'another.md'), '# another\n');
    const result = await user.run(['cloud', 'bisync'], { env: { BASIC_MEMORY_TOKEN: 'not-a-valid-token' } });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/Synced/);
  });
});
