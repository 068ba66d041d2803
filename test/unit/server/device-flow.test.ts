import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessTokens } from '../../../src/server/auth/access-tokens.js';
import { createDeviceFlow, defaultDeviceFlowSettings, DEFAULT_CLIENT_ID, type DeviceFlow } from '../../../src/server/auth/device-flow.js';
import { loadOrCreateSigningKey } from '../../../src/server/auth/signing-key.js';
import { credentialRepository } from '../../../src/server/db/credentials.js';
import { apiMigrations } from '../../../src/server/db/migrations.js';
import { oauthRepository } from '../../../src/server/db/oauth.js';
import { openSqlite, type Sqlite } from '../../../src/server/db/sqlite.js';
import { tenantRepository } from '../../../src/server/db/tenants.js';
import type { StorageProvider } from '../../../src/server/storage/provider.js';
import { createTenantService, type TenantService } from '../../../src/server/tenants/tenant-service.js';

const provider: StorageProvider = {
  endpointUrl: 'http://127.0.0.1:1',
  region: 'auto',
  createBucket: () => Promise.resolve(),
  deleteBucket: () => Promise.resolve(),
  createScopedKey: () => Promise.resolve({ accessKey: 'tid_x', secretKey: 's', policyRef: 'p' }),
  revokeKey: () => Promise.reject(new Error('IAM is down')),
  close: () => Promise.resolve(),
};

describe('device flow and tenant service against a real database, with a fake clock', () => {
  let dir: string;
  let db: Sqlite;
  let now: number;
  let flow: DeviceFlow;
  let tenants: TenantService;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-unit-'));
    db = openSqlite(path.join(dir, 'server.sqlite'), apiMigrations);
    now = Date.parse('2025-01-01T00:00:00Z');
    tenants = createTenantService({ tenants: tenantRepository(db), credentials: credentialRepository(db), provider, log: () => undefined });
    const tokens = accessTokens(await loadOrCreateSigningKey(dir));
    flow = createDeviceFlow({ oauth: oauthRepository(db), tokens, tenants, settings: defaultDeviceFlowSettings, now: () => now });
  });
  afterEach(async () => {
    db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers expired_token once the device code outlives expires_in, and refuses to approve it', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    now += authorization.expires_in * 1000;
    await expect(flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code)).rejects.toMatchObject({ code: 'expired_token' });
    await expect(flow.approve(authorization.user_code, 'new')).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses an expired refresh token', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    await flow.approve(authorization.user_code, 'new');
    const tokens = await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code);
    now += defaultDeviceFlowSettings.refreshTokenTtlSeconds * 1000;
    await expect(flow.refresh(DEFAULT_CLIENT_ID, tokens.refresh_token)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses a refresh token presented by another client', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    await flow.approve(authorization.user_code, 'new');
    const tokens = await flow.exchangeDeviceCode(DEFAULT_CLIENT_ID, authorization.device_code);
    await expect(flow.refresh('another-client', tokens.refresh_token)).rejects.toMatchObject({ code: 'invalid_client' });
  });

  it('stores device codes and refresh tokens only as hashes', async () => {
    const authorization = flow.authorize(DEFAULT_CLIENT_ID, undefined, 'http://x/device');
    await flow.approve(authorization.user_code, 'new');
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

  it('keeps a credential listed when the provider cannot revoke it, and answers 500', async () => {
    const tenant = await tenants.ensureTenant('new');
    const created = await tenants.createCredential(tenant, undefined);
    await expect(tenants.revokeCredential(tenant, created.id)).rejects.toMatchObject({ status: 500 });
    expect(tenants.listCredentials(tenant).map((c) => c.id)).toEqual([created.id]);
  });
});
