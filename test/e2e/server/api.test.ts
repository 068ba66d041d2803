import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokens } from '../../../src/server/auth/access-tokens.js';
import { loadOrCreateSigningKey } from '../../../src/server/auth/signing-key.js';
import type { StorageProvider } from '../../../src/server/storage/provider.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { callApi, createCredential, listedIds, type Credential, type ListedCredential } from './helpers.js';

describe('tenant mount API over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('answers the health check without a token', async () => {
    expect(await callApi(server.apiUrl, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('returns mount info, then SPEC-8 credentials, then lists them without secrets', async () => {
    const { token, tenantId, bucketName } = await server.mintToken('new');
    const before = await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token });
    expect(before).toEqual({ status: 200, body: { tenant_id: tenantId, bucket_name: bucketName, has_credentials: false, credentials_created_at: null } });

    const created = await callApi<Credential>(server.apiUrl, 'POST', '/tenant/mount/credentials', { token, json: { description: 'work laptop' } });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(['access_key', 'bucket_name', 'endpoint_url', 'id', 'region', 'secret_key', 'tenant_id']);
    expect(created.body).toMatchObject({ tenant_id: tenantId, bucket_name: bucketName, endpoint_url: server.s3Url, region: 'auto' });
    expect(created.body.access_key).toMatch(/^tid_/);
    expect(created.body.secret_key.length).toBeGreaterThanOrEqual(40);

    const after = await callApi<{ credentials_created_at: string }>(server.apiUrl, 'GET', '/tenant/mount/info', { token });
    expect(after.body).toMatchObject({ has_credentials: true });
    expect(Date.parse(after.body.credentials_created_at)).not.toBeNaN();

    const listed = await callApi<{ credentials: ListedCredential[] }>(server.apiUrl, 'GET', '/tenant/mount/credentials', { token });
    expect(listed.status).toBe(200);
    expect(listed.body.credentials).toEqual([
      { id: created.body.id, access_key: created.body.access_key, description: 'work laptop', created_at: after.body.credentials_created_at, last_used_at: null },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret_key);
  });

  it('keeps two live credentials per tenant and revokes one without touching the other', async () => {
    const { token } = await server.mintToken('new');
    const first = await createCredential(server.apiUrl, token);
    const second = await createCredential(server.apiUrl, token);
    expect(first.access_key).not.toBe(second.access_key);
    expect(await listedIds(server.apiUrl, token)).toEqual([first.id, second.id]);

    const revoked = await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${first.id}`, { token });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: first.id, access_key: first.access_key });
    expect(await listedIds(server.apiUrl, token)).toEqual([second.id]);
    expect((await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${first.id}`, { token })).status).toBe(404);
  });

  it("answers 404 for another tenant's credential and for an unknown one", async () => {
    const owner = await server.mintToken('new');
    const other = await server.mintToken('new');
    const credential = await createCredential(server.apiUrl, owner.token);
    expect(await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${credential.id}`, { token: other.token })).toEqual({ status: 404, body: { detail: 'Credential not found.' } });
    expect((await callApi(server.apiUrl, 'DELETE', '/tenant/mount/credentials/no-such-id', { token: owner.token })).status).toBe(404);
    expect(await listedIds(server.apiUrl, owner.token)).toEqual([credential.id]);
  });

  it('accepts the sync notification', async () => {
    const { token } = await server.mintToken('new');
    expect(await callApi(server.apiUrl, 'POST', '/sync', { token })).toEqual({ status: 202, body: { status: 'accepted' } });
  });

  describe('refuses tokens it cannot trust with 401', () => {
    const protectedCalls: [string, string][] = [
      ['GET', '/tenant/mount/info'],
      ['POST', '/tenant/mount/credentials'],
      ['GET', '/tenant/mount/credentials'],
      ['DELETE', '/tenant/mount/credentials/some-id'],
      ['POST', '/sync'],
    ];

    it.each(protectedCalls)('%s %s without a token', async (method, path) => {
      const reply = await callApi(server.apiUrl, method, path);
      expect(reply.status).toBe(401);
      expect(typeof reply.body.detail).toBe('string');
    });

    it('a malformed token or header', async () => {
      for (const authorization of ['Bearer not-a-jwt', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz', 'Bearer ']) {
        expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { headers: { authorization } })).status).toBe(401);
      }
    });

    it('an expired token', async () => {
      const { token } = await server.mintToken('new', -60);
      expect(await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token })).toEqual({ status: 401, body: { detail: 'Invalid or expired token.' } });
    });

    it('a token signed with another key', async () => {
      const { tenantId } = await server.mintToken('new');
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const forged = await new SignJWT({ tenant_id: tenantId })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer('basic-memory-server')
        .setAudience('basic-memory-cloud')
        .setExpirationTime('1h')
        .sign(privateKey);
      expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token: forged })).status).toBe(401);
    });

    it('an unsigned `alg: none` token', async () => {
      const { tenantId } = await server.mintToken('new');
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const claims = { tenant_id: tenantId, sub: tenantId, iss: 'basic-memory-server', aud: 'basic-memory-cloud', exp: Math.floor(Date.now() / 1000) + 3600 };
      const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
      expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token: unsigned })).status).toBe(401);
    });
  });

  describe('refuses tenants with 403', () => {
    it('an unknown tenant, even with a genuine token', async () => {
      const genuine = accessTokens(await loadOrCreateSigningKey(server.dataDir));
      const token = await genuine.mint('no-such-tenant', 600);
      expect(await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token })).toEqual({ status: 403, body: { detail: 'Tenant not found.' } });
    });

    it('an inactive tenant, on every tenant endpoint', async () => {
      const { token, tenantId } = await server.mintToken('new');
      server.setTenantStatus(tenantId, 'inactive');
      expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token })).status).toBe(403);
      expect((await callApi(server.apiUrl, 'POST', '/tenant/mount/credentials', { token })).status).toBe(403);
      expect((await callApi(server.apiUrl, 'POST', '/sync', { token })).status).toBe(403);
      server.setTenantStatus(tenantId, 'active');
      expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token })).status).toBe(200);
    });
  });

  it('rejects a description that is not a string, and bodies that are not JSON objects', async () => {
    const { token } = await server.mintToken('new');
    expect((await callApi(server.apiUrl, 'POST', '/tenant/mount/credentials', { token, json: { description: 42 } })).status).toBe(422);
    expect((await callApi(server.apiUrl, 'POST', '/tenant/mount/credentials', { token, json: [1] })).status).toBe(422);
  });

  it('answers unknown paths with 404 and wrong methods with 405, as JSON', async () => {
    expect(await callApi(server.apiUrl, 'GET', '/nope')).toEqual({ status: 404, body: { detail: 'Not Found' } });
    expect(await callApi(server.apiUrl, 'PUT', '/health')).toEqual({ status: 405, body: { detail: 'Method Not Allowed' } });
  });
});

describe('when the storage provider fails', () => {
  let server: TestServer;
  const failing: StorageProvider = {
    endpointUrl: 'http://127.0.0.1:9',
    region: 'auto',
    createBucket: () => Promise.resolve(),
    deleteBucket: () => Promise.resolve(),
    createScopedKey: () => Promise.reject(new Error('IAM is down')),
    revokeKey: () => Promise.reject(new Error('IAM is down')),
    close: () => Promise.resolve(),
  };
  beforeAll(async () => {
    server = await startTestServer({ provider: failing });
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('answers 500 with a detail and records no credential', async () => {
    const { token } = await server.mintToken('new');
    expect(await callApi(server.apiUrl, 'POST', '/tenant/mount/credentials', { token })).toEqual({ status: 500, body: { detail: 'Failed to create mount credentials.' } });
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/credentials', { token })).body).toEqual({ credentials: [] });
  });
});
