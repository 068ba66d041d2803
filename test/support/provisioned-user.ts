import { afterAll, beforeAll } from 'vitest';
import { makeTestUser, type TestUser } from './cli.js';
import { startTestServer, type TestServer } from './server.js';
import { provisionTenant, type ProvisionedTenant } from './tenant.js';

export interface ProvisionedUser {
  server: TestServer;
  user: TestUser;
  tenant: ProvisionedTenant;
}

/** One reference server and one provisioned user for a test file, made before and removed after its tests. */
export function useProvisionedUser(): () => ProvisionedUser {
  let fixture: ProvisionedUser | undefined;
  beforeAll(async () => {
    const server = await startTestServer();
    const user = await makeTestUser();
    fixture = { server, user, tenant: await provisionTenant(server, user) };
  });
  afterAll(async () => {
    await fixture?.user.cleanup();
    await fixture?.server.cleanup();
  });
  return () => {
    if (!fixture) throw new Error('useProvisionedUser: read the fixture inside a test');
    return fixture;
  };
}
