import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
});
beforeEach(async () => {
  // No BASIC_MEMORY_CLOUD_URL: the default cloud is the production one, out of reach from here.
  user = await makeTestUser();
});
afterEach(async () => {
  await user.cleanup();
});

interface StatusDocument {
  cloud: { apiUrl: string; source: string };
  login: { state: string; store: string | null; tenantId: string | null };
  setup: { tenantId: string; apiUrl: string; mode: string; localPath: string } | null;
  lastSync: { at: string; result: string } | null;
  running: { mount: unknown; watch: unknown; service: unknown };
}

const json = <T>(stdout: string) => JSON.parse(stdout) as T;

describe('a login remembers its cloud', () => {
  it('after `login --api-url`, setup, doctor, status and credentials list talk to that cloud without the flag', async () => {
    const { token, tenantId } = await server.mintToken('new');
    const login = await user.run(['cloud', 'login', '--token', token, '--api-url', server.apiUrl, '--json']);
    expect(login.exitCode).toBe(0);
    expect(json(login.stdout)).toEqual({ apiUrl: server.apiUrl, tenantId, bucketName: expect.any(String), loginStore: 'file' });

    const before = json<StatusDocument>((await user.run(['cloud', 'status', '--json'])).stdout);
    expect(before).toMatchObject({ cloud: { apiUrl: server.apiUrl, source: 'login' }, login: { state: 'accepted', store: 'file', tenantId }, setup: null, lastSync: null });

    const setup = await user.run(['cloud', 'setup', '--yes', '--mode', 'bisync', '--json']);
    expect(setup.stderr).not.toMatch(/not logged in|cannot reach/i);
    expect(setup.exitCode).toBe(0);
    expect(json(setup.stdout)).toMatchObject({ tenantId });
    expect(json<{ apiUrl: string }>(await fs.readFile(path.join(user.stateDir, 'tenant.json'), 'utf8')).apiUrl).toBe(server.apiUrl);

    const doctor = await user.run(['cloud', 'doctor', '--json']);
    const checks = json<{ checks: { name: string; status: string; detail: string }[] }>(doctor.stdout).checks;
    expect(checks.find((check) => check.name === 'API')).toMatchObject({ status: 'ok', detail: `${server.apiUrl} answers` });
    expect(checks.find((check) => check.name === 'login')).toMatchObject({ status: 'ok' });

    const listed = await user.run(['cloud', 'credentials', 'list', '--json']);
    expect(listed.exitCode).toBe(0);
    expect(json<{ credentials: unknown[] }>(listed.stdout).credentials).toHaveLength(1);

    const after = json<StatusDocument>((await user.run(['cloud', 'whoami', '--json'])).stdout);
    expect(after).toMatchObject({ cloud: { apiUrl: server.apiUrl }, setup: { tenantId, apiUrl: server.apiUrl, mode: 'bisync' }, lastSync: { result: 'ok' } });

    // People see the tenant by a short id; JSON has the full one.
    const human = await user.run(['cloud', 'status']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^tenant +${tenantId.slice(0, 8)}, bucket`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^login +logged in, tenant ${tenantId.slice(0, 8)},`, 'm'));
    expect(human.stdout).toContain(server.apiUrl);

    // After logout the cloud this machine was set up for is still the one used.
    expect((await user.run(['cloud', 'logout'])).exitCode).toBe(0);
    const loggedOut = json<StatusDocument>((await user.run(['cloud', 'status', '--json'])).stdout);
    expect(loggedOut).toMatchObject({ cloud: { apiUrl: server.apiUrl, source: 'setup' }, login: { state: 'none' } });
    const doctorAfter = json<{ checks: { name: string; detail: string }[] }>((await user.run(['cloud', 'doctor', '--json'])).stdout).checks;
    expect(doctorAfter.find((check) => check.name === 'API')?.detail).toBe(`${server.apiUrl} answers`);
  });

  it('the flag and the environment still choose another cloud for one run', async () => {
    const { token } = await server.mintToken('new');
    expect((await user.run(['cloud', 'login', '--token', token, '--api-url', server.apiUrl])).exitCode).toBe(0);
    const flagged = json<StatusDocument>((await user.run(['cloud', 'status', '--json', '--api-url', 'http://127.0.0.1:1'])).stdout);
    expect(flagged.cloud).toEqual({ apiUrl: 'http://127.0.0.1:1', source: 'flag' });
    const fromEnv = json<StatusDocument>((await user.run(['cloud', 'status', '--json'], { env: { BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:1' } })).stdout);
    expect(fromEnv.cloud).toEqual({ apiUrl: 'http://127.0.0.1:1', source: 'env' });
    expect(fromEnv.login.state).toBe('unreachable');
  });

  it('a cloud that does not answer is "cannot reach <url>" (exit 1), not "not logged in" (exit 3)', async () => {
    for (const args of [['cloud', 'credentials', 'list'], ['cloud', 'setup', '--yes', '--skip-install']]) {
      const result = await user.run([...args, '--api-url', 'http://127.0.0.1:1', '--json']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/Cannot reach the Basic Memory cloud at http:\/\/127\.0\.0\.1:1/);
      expect(result.stderr).not.toMatch(/not logged in/i);
      expect(json(result.stdout)).toMatchObject({ error: { code: 'failed', message: expect.stringMatching(/^Cannot reach/) } });
    }
    // A cloud that answers, without a login for it, is exit 3 naming that cloud.
    const notLoggedIn = await user.run(['cloud', 'credentials', 'list', '--api-url', server.apiUrl]);
    expect(notLoggedIn.exitCode).toBe(3);
    expect(notLoggedIn.stderr).toContain(`not logged in to Basic Memory cloud at ${server.apiUrl}`);
  });
});
