import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { accessTokens, TOKEN_AUDIENCE, TOKEN_ISSUER, type AccessTokens } from '../../../src/server/auth/access-tokens.js';
import { createDeviceFlow, defaultDeviceFlowSettings, DEFAULT_CLIENT_ID, type DeviceFlow } from '../../../src/server/auth/device-flow.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../../src/server/auth/signing-key.js';
import { credentialRepository } from '../../../src/server/db/credentials.js';
import { apiMigrations } from '../../../src/server/db/migrations.js';
import { oauthRepository } from '../../../src/server/db/oauth.js';
import { openSqlite, type Sqlite } from '../../../src/server/db/sqlite.js';
import { tenantRepository } from '../../../src/server/db/tenants.js';
import type { StorageProvider } from '../../../src/server/storage/provider.js';
import { auditRepository } from '../../../src/server/db/audit.js';
import { createCredentialLifecycle } from '../../../src/server/tenants/credential-lifecycle.js';
import { createTenantService, type TenantService, type TenantServiceDeps } from '../../../src/server/tenants/tenant-service.js';

/** A tenant service over the real repositories of `db`, revoking through the real lifecycle. */
function tenantService(db: Sqlite, storage: StorageProvider, extra: Partial<TenantServiceDeps> = {}): TenantService {
  const credentials = credentialRepository(db);
  const audit = auditRepository(db);
  const log = () => undefined;
  const lifecycle = createCredentialLifecycle({ credentials, audit, provider: storage, log, ...(extra.now ? { now: extra.now } : {}) });
  return createTenantService({ tenants: tenantRepository(db), credentials, audit, lifecycle, provider: storage, log, ...extra });
}

const provider: StorageProvider = {
  endpointUrl: 'http://127.0.0.1:1',
  region: 'auto',
  createBucket: () => Promise.resolve(),
  deleteBucket: () => Promise.resolve(),
  createScopedKey: () => Promise.resolve({ accessKey: 'tid_x', secretKey: 's', policyRef: 'p' }),
  revokeKey: () => Promise.reject(new Error('IAM is down')),
  close: () => Promise.resolve(),
};

let keyNumber = 0;
/** A provider that makes a fresh key each time and revokes without complaint. */
const workingProvider: StorageProvider = {
  ...provider,
  createScopedKey: () => Promise.resolve({ accessKey: `tid_${(keyNumber += 1)}`, secretKey: 's', policyRef: 'p' }),
  revokeKey: () => Promise.resolve(),
};

describe('device flow and tenant service against a real database, with a fake clock', () => {
  let dir: string;
  let db: Sqlite;
  let now: number;
  let flow: DeviceFlow;
  let tenants: TenantService;
  let signingKey: SigningKey;
  let tokens: AccessTokens;
  let tenantId: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-unit-'));
    db = openSqlite(path.join(dir, 'server.sqlite'), apiMigrations);
    now = Date.parse('2025-01-01T00:00:00Z');
    tenants = tenantService(db, provider);
    const oauth = oauthRepository(db);
    signingKey = await loadOrCreateSigningKey(dir);
    tokens = accessTokens(signingKey, (jti) => oauth.isAccessTokenRevoked(jti));
    flow = createDeviceFlow({ oauth, tokens, tenants, settings: defaultDeviceFlowSettings, now: () => now });
    tenantId = (await tenants.createTenant('new')).id;
  });
  afterEach(async () => {
    db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers expired_token once the device code outlives expires_in, and refuses to approve it', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    now += authorization.expires_in * 1000;
    await expect(flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code)).rejects.toMatchObject({ code: 'expired_token' });
    expect(() => flow.approve(authorization.user_code, tenantId)).toThrow(/unknown, expired or already used/);
  });

  it('refuses an expired refresh token', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    flow.approve(authorization.user_code, tenantId);
    const tokens = await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code);
    now += defaultDeviceFlowSettings.refreshTokenTtlSeconds * 1000;
    await expect(flow.refresh(DEFAULT_CLIENT_ID, tokens.refresh_token)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses a refresh token presented by another client', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    flow.approve(authorization.user_code, tenantId);
    const tokens = await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code);
    await expect(flow.refresh('another-client', tokens.refresh_token)).rejects.toMatchObject({ code: 'invalid_client' });
  });

  it('stores device codes and refresh tokens only as hashes', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    flow.approve(authorization.user_code, tenantId);
    const tokens = await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code);
    const dump = JSON.stringify([db.prepare('SELECT * FROM device_authorizations').all(), db.prepare('SELECT * FROM refresh_tokens').all()]);
    expect(dump).not.toContain(authorization.device_code);
    expect(dump).not.toContain(tokens.refresh_token);
  });

  it('validates tenant ids so they make valid bucket names', async () => {
    await expect(tenants.ensureTenant('Bad_ID')).rejects.toMatchObject({ status: 400 });
    await expect(tenants.ensureTenant('-leading')).rejects.toMatchObject({ status: 400 });
    expect((await tenants.ensureTenant('team-42')).bucketName).toBe('basic-memory-team-42');
  });

  it('revokes in the database even when the provider cannot delete the key yet, leaving the deletion pending', async () => {
    const tenant = await tenants.ensureTenant('new');
    const created = await tenants.createCredential(tenant, undefined);
    await tenants.revokeCredential(tenant, created.id);
    expect(tenants.listCredentials(tenant)).toEqual([]);
    const row = db.prepare('SELECT tigris_deletion_status AS status, deletion_attempts AS attempts FROM tenant_mount_credentials WHERE id = ?').get(created.id);
    expect(row).toEqual({ status: 'pending', attempts: 1 });
  });

  it('refuses a second tenant of the same id, and approves only for an existing tenant', async () => {
    await expect(tenants.createTenant(tenantId)).rejects.toMatchObject({ status: 409 });
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    expect(() => flow.approve(authorization.user_code, 'new')).toThrow('Tenant not found.');
    expect(flow.isPending(authorization.user_code)).toBe(true);
  });

  it('revokes a refresh token (RFC 7009): the next refresh gets invalid_grant', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    flow.approve(authorization.user_code, tenantId);
    const issued = await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code);
    await flow.revoke(DEFAULT_CLIENT_ID, issued.refresh_token, 'refresh_token');
    await expect(flow.refresh(DEFAULT_CLIENT_ID, issued.refresh_token)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('revokes an access token whatever the hint, and ignores tokens it never issued', async () => {
    const access = await tokens.mint(tenantId, 900);
    expect(await tokens.verify(access)).toBe(tenantId);
    await flow.revoke(DEFAULT_CLIENT_ID, access, 'refresh_token');
    expect(await tokens.verify(access)).toBeNull();
    await expect(flow.revoke(DEFAULT_CLIENT_ID, 'not-a-token', undefined)).resolves.toBeUndefined();
    await expect(flow.revoke('someone-else', access, undefined)).rejects.toMatchObject({ code: 'invalid_client' });
  });

  it('hands out 15-minute access tokens by default', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    flow.approve(authorization.user_code, tenantId);
    expect((await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code)).expires_in).toBe(900);
  });

  it.each([
    ['iat a year ahead', { iat: 365 * 86400 }, false],
    ['iat 2 minutes ahead', { iat: 120 }, false],
    ['iat 30 s ahead (within the skew)', { iat: 30 }, true],
    ['nbf 2 minutes ahead', { iat: 0, nbf: 120 }, false],
    ['a lifetime beyond the 24 h bound', { iat: 0, exp: 2 * 86400 }, false],
    ['no jti', { iat: 0, jti: null }, false],
  ] as const)('verifies a token with %s: accepted %s', async (_case, claims, accepted) => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'EdDSA', kid: signingKey.kid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(nowSeconds + claims.iat)
      .setExpirationTime(nowSeconds + ('exp' in claims ? claims.exp : 900));
    if (!('jti' in claims)) jwt.setJti('an-id');
    if ('nbf' in claims) jwt.setNotBefore(nowSeconds + claims.nbf);
    expect(await tokens.verify(await jwt.sign(signingKey.privateKey))).toBe(accepted ? tenantId : null);
  });

  it('purges device codes once expired, and only those', () => {
    const old = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    now += defaultDeviceFlowSettings.deviceCodeTtlSeconds * 1000;
    const fresh = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    expect(flow.purgeExpired()).toBe(1);
    const left = db.prepare<[], { user_code: string }>('SELECT user_code FROM device_authorizations').all().map((row) => row.user_code);
    expect(left).toEqual([fresh.user_code]);
    expect(left).not.toContain(old.user_code);
  });

  it('caps live credentials per tenant with 409, and counts a revoked one out', async () => {
    const capped = tenantService(db, workingProvider, { maxCredentials: 2 });
    const tenant = tenants.requireActiveTenant(tenantId);
    const first = await capped.createCredential(tenant, undefined);
    await capped.createCredential(tenant, undefined);
    await expect(capped.createCredential(tenant, undefined)).rejects.toMatchObject({ status: 409, detail: expect.stringContaining('2 live mount credentials') });
    await capped.revokeCredential(tenant, first.id);
    await expect(capped.createCredential(tenant, undefined)).resolves.toMatchObject({ tenant_id: tenantId });
  });

  it('lets no more than the cap through when requests arrive together', async () => {
    const capped = tenantService(db, workingProvider, { maxCredentials: 3 });
    const tenant = tenants.requireActiveTenant(tenantId);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => capped.createCredential(tenant, undefined)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    expect(capped.listCredentials(tenant)).toHaveLength(3);
  });

  it('reports the newest live credential in mount info', async () => {
    const tenant = tenants.requireActiveTenant(tenantId);
    expect(tenants.mountInfo(tenant)).toMatchObject({ has_credentials: false, credentials_created_at: null });
    const clock = { at: Date.parse('2025-01-01T00:00:00Z') };
    const timed = tenantService(db, workingProvider, { now: () => new Date((clock.at += 1000)) });
    await timed.createCredential(tenant, undefined);
    await timed.createCredential(tenant, undefined);
    expect(tenants.mountInfo(tenant)).toMatchObject({ has_credentials: true, credentials_created_at: '2025-01-01T00:00:02.000Z' });
  });
});
