import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import type { DeviceAuthorizationResponse, TokenResponse } from '../../../src/server/auth/device-flow.js';
import { apiMigrations } from '../../../src/server/db/migrations.js';
import { openSqlite } from '../../../src/server/db/sqlite.js';
import { GUESS_LIMIT } from '../../../src/server/index.js';
import { apiDatabasePath } from '../../../src/server/services.js';
import { callApi } from './helpers.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_ID = 'basic-memory-cli';

describe('OAuth 2.0 device authorization grant', () => {
  let server: TestServer;
  // A short interval keeps the test quick while still exercising slow_down.
  const interval = 0.2;
  beforeAll(async () => {
    server = await startTestServer({ deviceInterval: interval });
  });
  afterAll(async () => {
    await server.cleanup();
  });

  const startLogin = async () => (await callApi<DeviceAuthorizationResponse>(server.apiUrl, 'POST', '/oauth/device/code', { form: { client_id: CLIENT_ID, scope: 'mount' } })).body;
  const poll = (deviceCode: string) => callApi<TokenResponse>(server.apiUrl, 'POST', '/oauth/token', { form: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: CLIENT_ID } });
  const refresh = (refreshToken: string) => callApi<TokenResponse>(server.apiUrl, 'POST', '/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID } });

  it('publishes RFC 8414 metadata and the JWKS', async () => {
    const metadata = await callApi<{ grant_types_supported: string[] }>(server.apiUrl, 'GET', '/.well-known/oauth-authorization-server');
    expect(metadata.body).toMatchObject({
      issuer: server.apiUrl,
      device_authorization_endpoint: `${server.apiUrl}/oauth/device/code`,
      token_endpoint: `${server.apiUrl}/oauth/token`,
      jwks_uri: `${server.apiUrl}/.well-known/jwks.json`,
      revocation_endpoint: `${server.apiUrl}/oauth/revoke`,
    });
    expect(metadata.body.grant_types_supported).toEqual(expect.arrayContaining([DEVICE_GRANT, 'refresh_token']));
    const jwks = await callApi<{ keys: Record<string, unknown>[] }>(server.apiUrl, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.body.keys[0]!.d).toBeUndefined();
  });

  it('runs pending → slow_down → approved → tokens, and the access token works on the API', async () => {
    const authorization = await startLogin();
    expect(authorization).toMatchObject({ verification_uri: `${server.apiUrl}/device`, expires_in: 600, interval });
    expect(authorization.user_code).toMatch(/^[B-Z]{4}-[B-Z]{4}$/);
    expect(authorization.verification_uri_complete).toBe(`${server.apiUrl}/device?user_code=${authorization.user_code}`);

    expect(await poll(authorization.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await poll(authorization.device_code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });

    const { tenantId } = await server.mintToken('new');
    await server.approveDevice(authorization.user_code, tenantId);
    // slow_down added 5 s to the interval (RFC 8628 section 3.5).
    await sleep((interval + 5) * 1000);
    const tokens = await poll(authorization.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'mount' });
    const info = await callApi<{ tenant_id: string }>(server.apiUrl, 'GET', '/tenant/mount/info', { token: tokens.body.access_token });
    expect(info.body.tenant_id).toBe(tenantId);

    await sleep(interval * 1000);
    expect(await poll(authorization.device_code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  }, 20_000);

  it('rotates refresh tokens and treats a reused one as theft', async () => {
    const authorization = await startLogin();
    const { tenantId } = await server.mintToken('new');
    await server.approveDevice(authorization.user_code, tenantId);
    const first = (await poll(authorization.device_code)).body;
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token: second.body.access_token })).status).toBe(200);

    expect(await refresh(first.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The reuse revoked the whole family, the newest token included.
    expect(await refresh(second.body.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses unknown clients, unknown grants and unknown device codes', async () => {
    expect(await callApi(server.apiUrl, 'POST', '/oauth/device/code', { form: { client_id: 'someone-else' } })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await callApi(server.apiUrl, 'POST', '/oauth/device/code', { form: {} })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await callApi(server.apiUrl, 'POST', '/oauth/token', { form: { grant_type: 'password', client_id: CLIENT_ID } })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await poll('made-up')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});

describe('device logins started per client address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('answers 429 with Retry-After once one address has started 20, and stores no code for the refused one', async () => {
    const start = () => fetch(`${server.apiUrl}/oauth/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT_ID }) });
    const db = openSqlite(apiDatabasePath(server.dataDir), apiMigrations);
    const stored = () => db.prepare<[], { count: number }>('SELECT COUNT(*) AS count FROM device_authorizations').get()?.count;
    try {
      for (let i = 0; i < GUESS_LIMIT; i += 1) expect((await start()).status).toBe(200);
      expect(stored()).toBe(GUESS_LIMIT);
      const refused = await start();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('900');
      const body = (await refused.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: 'slow_down', error_description: expect.stringContaining('wait 15 minutes') });
      expect(body.device_code).toBeUndefined();
      expect(stored()).toBe(GUESS_LIMIT);
    } finally {
      db.close();
    }
  });
});
