import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';

let server: TestServer;
let user: TestUser;
let tenant: ProvisionedTenant;

beforeAll(async () => {
  server = await startTestServer();
  user = await makeTestUser();
  tenant = await provisionTenant(server, user);
});
afterAll(async () => {
  await user.cleanup();
  await server.cleanup();
});

interface Listed { credentials: { id: string; accessKey: string; thisMachine: boolean }[] }

describe('cloud credentials', () => {
  it('lists the live credentials, marks this machine\'s, and never shows a secret', async () => {
    const other = await fetch(`${server.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers: { authorization: `Bearer ${tenant.token}` } });
    const otherKey = ((await other.json()) as { access_key: string }).access_key;

    const json = await user.run(['cloud', 'credentials', 'list', '--json']);
    expect(json.exitCode).toBe(0);
    const listed = JSON.parse(json.stdout) as Listed;
    expect(listed.credentials.map((credential) => credential.accessKey).sort()).toEqual([tenant.accessKey, otherKey].sort());
    expect(listed.credentials.find((credential) => credential.accessKey === tenant.accessKey)?.thisMachine).toBe(true);
    expect(json.stdout).not.toMatch(/secret/i);

    const table = await user.run(['cloud', 'credentials', 'list']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain(otherKey);
    expect(table.stdout + table.stderr).not.toContain(tenant.secretKey);
  });

  it('revokes a credential at once, and warns when it is this machine\'s', async () => {
    const listed = JSON.parse((await user.run(['cloud', 'credentials', 'list', '--json'])).stdout) as Listed;
    const own = listed.credentials.find((credential) => credential.thisMachine)!;
    // Without a terminal to ask on and without --yes: refused, and the key still works.
    const refused = await user.run(['cloud', 'credentials', 'revoke', own.id, '--json']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/pass --yes/);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'usage', message: expect.stringMatching(/this machine's own credential/) } });
    expect((await rcloneAs(user, ['lsf', `${tenant.remoteName}:${tenant.bucketName}`])).stdout).toBeDefined();
    const revoked = await user.run(['cloud', 'credentials', 'revoke', own.id, '--yes']);
    expect(revoked.exitCode).toBe(0);
    expect(revoked.stderr).toMatch(/this machine's credential/);
    expect(revoked.stderr).toMatch(/basic-memory cloud setup/);
    const denied = await rcloneAs(user, ['lsf', `${tenant.remoteName}:${tenant.bucketName}`]).catch((error: { stderr: string }) => error);
    expect('stderr' in denied ? denied.stderr : '').toMatch(/InvalidAccessKeyId|403/);
  });

  it('answers an unknown or another tenant\'s credential with one sentence and exit 1', async () => {
    const stranger = await server.mintToken('new');
    const created = await fetch(`${server.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers: { authorization: `Bearer ${stranger.token}` } });
    const strangerId = ((await created.json()) as { id: string }).id;
    for (const id of ['no-such-id', strangerId]) {
      const result = await user.run(['cloud', 'credentials', 'revoke', id, '--json']);
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'failed', message: `Your tenant has no active credential with id ${id}.`, hint: expect.any(String) } });
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const stillThere = await fetch(`${server.apiUrl}/tenant/mount/credentials`, { headers: { authorization: `Bearer ${stranger.token}` } });
    expect(((await stillThere.json()) as Listed).credentials).toHaveLength(1);
  });

  it('gives exit 3 without a login', async () => {
    const result = await user.run(['cloud', 'credentials', 'list'], { env: { BASIC_MEMORY_TOKEN: undefined } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/basic-memory cloud login/);
  });
});
