import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { callApi } from './helpers.js';

const execFileAsync = promisify(execFile);

describe('bounded costs per tenant', () => {
  it('answers mount info for a tenant with 10,000 credentials in well under 5 ms (median, over HTTP)', async () => {
    // The bench script writes the rows into the running server's database and times the endpoint.
    const { stdout } = await execFileAsync(process.execPath, [path.join(repoRoot, 'scripts', 'bench', 'mount-info.js'), '--json'], {
      env: { ...process.env, BENCH_CREDENTIALS: '10000', BENCH_REQUESTS: '300' },
    });
    const result = JSON.parse(stdout) as { credentials: number; medianMs: number; requestsPerSecond: number };
    expect(result.credentials).toBe(10_000);
    // 5 ms is the goal (the bench shows about 1 ms); the bound leaves room for a machine busy with other tests.
    expect(result.medianMs).toBeLessThan(5);
  }, 120_000);
});

describe('access tokens the API refuses', () => {
  let server: TestServer;
  let privateJwk: JWK;
  beforeAll(async () => {
    server = await startTestServer();
    privateJwk = JSON.parse(await fs.readFile(path.join(server.dataDir, 'keys', 'token-signing-key.json'), 'utf8')) as JWK;
  });
  afterAll(async () => {
    await server.cleanup();
  });

  /** A token signed with the server's own key, so only its claims can make it fail. */
  async function signed(tenantId: string, claims: { iatOffset: number; nbfOffset?: number; ttl: number }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('basic-memory-server')
      .setAudience('basic-memory-cloud')
      .setJti(crypto.randomUUID())
      .setIssuedAt(now + claims.iatOffset)
      .setExpirationTime(now + claims.iatOffset + claims.ttl);
    if (claims.nbfOffset !== undefined) jwt.setNotBefore(now + claims.nbfOffset);
    return jwt.sign(await importJWK(privateJwk, 'EdDSA'));
  }

  it.each([
    ['issued a year ahead', { iatOffset: 365 * 86400, ttl: 900 }, 401],
    ['issued 5 minutes ahead', { iatOffset: 300, ttl: 900 }, 401],
    ['not valid before 5 minutes from now', { iatOffset: 0, nbfOffset: 300, ttl: 900 }, 401],
    ['living a week', { iatOffset: 0, ttl: 7 * 86400 }, 401],
    ['issued 20 s ahead (clock skew)', { iatOffset: 20, ttl: 900 }, 200],
    ['an ordinary one', { iatOffset: 0, ttl: 900 }, 200],
  ])('a token %s gets %i', async (_case, claims, status) => {
    const { tenantId } = await server.mintToken('new');
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token: await signed(tenantId, claims) })).status).toBe(status);
  });

  it('refuses an access token once it is revoked at the RFC 7009 endpoint', async () => {
    const { token } = await server.mintToken('new');
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token })).status).toBe(200);
    const revoked = await callApi(server.apiUrl, 'POST', '/oauth/revoke', { form: { token, token_type_hint: 'access_token', client_id: 'basic-memory-cli' } });
    expect(revoked.status).toBe(200);
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token })).status).toBe(401);
    // An unknown token is not an error (RFC 7009 section 2.2); an unknown client is.
    expect((await callApi(server.apiUrl, 'POST', '/oauth/revoke', { form: { token: 'nonsense', client_id: 'basic-memory-cli' } })).status).toBe(200);
    expect((await callApi(server.apiUrl, 'POST', '/oauth/revoke', { form: { token, client_id: 'someone' } })).status).toBe(401);
  });
});
