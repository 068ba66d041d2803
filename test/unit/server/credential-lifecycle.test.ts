import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditRepository, type AuditRepository } from '../../../src/server/db/audit.js';
import { credentialRepository, type CredentialRepository } from '../../../src/server/db/credentials.js';
import { apiMigrations } from '../../../src/server/db/migrations.js';
import { openSqlite, type Sqlite } from '../../../src/server/db/sqlite.js';
import { tenantRepository } from '../../../src/server/db/tenants.js';
import type { StorageProvider } from '../../../src/server/storage/provider.js';
import { createCredentialLifecycle, nextDeletionAttemptAt, type CredentialLifecycle, type DeletionRetryPolicy } from '../../../src/server/tenants/credential-lifecycle.js';
import { createTenantService, type TenantService } from '../../../src/server/tenants/tenant-service.js';

const DAY_MS = 24 * 3600_000;
const retry: DeletionRetryPolicy = { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 4 };

/** A provider whose key deletions fail while `failuresLeft` > 0, and which remembers the keys it really deleted. */
function fakeProvider() {
  let keyNumber = 0;
  const state = { failuresLeft: 0, attempts: 0, deleted: [] as string[] };
  const provider: StorageProvider = {
    endpointUrl: 'http://127.0.0.1:1',
    region: 'auto',
    createBucket: () => Promise.resolve(),
    deleteBucket: () => Promise.resolve(),
    createScopedKey: () => Promise.resolve({ accessKey: `tid_${(keyNumber += 1)}`, secretKey: 's', policyRef: 'p' }),
    revokeKey(accessKey) {
      state.attempts += 1;
      if (state.failuresLeft > 0) {
        state.failuresLeft -= 1;
        return Promise.reject(new Error('IAM is down'));
      }
      state.deleted.push(accessKey);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { provider, state };
}

describe('credential lifecycle: audit events, provider-deletion retries and the orphaning job', () => {
  let dir: string;
  let db: Sqlite;
  let clock: number;
  let credentials: CredentialRepository;
  let audit: AuditRepository;
  let lifecycle: CredentialLifecycle;
  let tenants: TenantService;
  let fake: ReturnType<typeof fakeProvider>;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-lifecycle-'));
    db = openSqlite(path.join(dir, 'server.sqlite'), apiMigrations);
    clock = Date.parse('2025-01-01T00:00:00Z');
    const now = () => new Date(clock);
    const log = () => undefined;
    fake = fakeProvider();
    credentials = credentialRepository(db);
    audit = auditRepository(db);
    lifecycle = createCredentialLifecycle({ credentials, audit, provider: fake.provider, log, retry, now });
    tenants = createTenantService({ tenants: tenantRepository(db), credentials, audit, lifecycle, provider: fake.provider, log, now });
  });
  afterEach(async () => {
    db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const deletionOf = (id: string) =>
    db.prepare('SELECT tigris_deletion_status AS status, deletion_attempts AS attempts FROM tenant_mount_credentials WHERE id = ?').get(id);

  it('creating, revoking and orphaning a credential each leave exactly one event naming it', async () => {
    const tenant = await tenants.ensureTenant('new');
    const revoked = await tenants.createCredential(tenant, undefined);
    const orphaned = await tenants.createCredential(tenant, undefined);
    await tenants.revokeCredential(tenant, revoked.id);
    clock += 91 * DAY_MS;
    expect(await lifecycle.orphanUnused()).toBe(1);
    // Running the job again finds nothing left to orphan and records nothing more.
    expect(await lifecycle.orphanUnused()).toBe(0);

    expect(audit.list({ tenantId: tenant.id }).map((event) => [event.type, event.credentialId, event.accessKey])).toEqual([
      ['MountCredentialCreated', revoked.id, revoked.access_key],
      ['MountCredentialCreated', orphaned.id, orphaned.access_key],
      ['MountCredentialRevoked', revoked.id, revoked.access_key],
      ['MountCredentialOrphaned', orphaned.id, orphaned.access_key],
    ]);
    expect(tenants.listCredentials(tenant)).toEqual([]);
    expect(fake.state.deleted).toEqual([revoked.access_key, orphaned.access_key]);
  });

  it('orphans only credentials unused for longer than the configured time, judged by last_used_at', async () => {
    const tenant = await tenants.ensureTenant('new');
    const used = await tenants.createCredential(tenant, undefined);
    const idle = await tenants.createCredential(tenant, undefined);
    clock += 89 * DAY_MS;
    credentials.touchLastUsed(used.access_key, new Date(clock).toISOString());
    expect(await lifecycle.orphanUnused()).toBe(0);
    clock += 2 * DAY_MS;
    expect(await lifecycle.orphanUnused()).toBe(1);
    expect(tenants.listCredentials(tenant).map((credential) => credential.id)).toEqual([used.id]);
    expect(fake.state.deleted).toEqual([idle.access_key]);

    const strict = createCredentialLifecycle({ credentials, audit, provider: fake.provider, log: () => undefined, orphanAfterDays: 1, now: () => new Date(clock) });
    clock += 2 * DAY_MS;
    expect(await strict.orphanUnused()).toBe(1);
    expect(fake.state.deleted).toEqual([idle.access_key, used.access_key]);
  });

  it('retries a provider deletion that failed on revoke, with backoff, until it is completed', async () => {
    const tenant = await tenants.ensureTenant('new');
    const created = await tenants.createCredential(tenant, undefined);
    fake.state.failuresLeft = 2;
    await tenants.revokeCredential(tenant, created.id);
    expect(deletionOf(created.id)).toEqual({ status: 'pending', attempts: 1 });

    // Not due yet: the first retry waits the base delay.
    expect(await lifecycle.retryDeletions()).toBe(0);
    expect(fake.state.attempts).toBe(1);
    clock += 1000;
    expect(await lifecycle.retryDeletions()).toBe(0);
    expect(deletionOf(created.id)).toEqual({ status: 'pending', attempts: 2 });
    // The second wait is doubled.
    clock += 1000;
    expect(await lifecycle.retryDeletions()).toBe(0);
    expect(fake.state.attempts).toBe(2);
    clock += 1000;
    expect(await lifecycle.retryDeletions()).toBe(1);
    expect(deletionOf(created.id)).toMatchObject({ status: 'completed' });
    expect(fake.state.deleted).toEqual([created.access_key]);
    // Completed deletions are not tried again, and the revocation left one event only.
    clock += DAY_MS;
    expect(await lifecycle.retryDeletions()).toBe(0);
    expect(fake.state.attempts).toBe(3);
    expect(audit.list().filter((event) => event.type === 'MountCredentialRevoked')).toHaveLength(1);
  });

  it('marks a deletion failed after the bound and stops trying', async () => {
    const tenant = await tenants.ensureTenant('new');
    const created = await tenants.createCredential(tenant, undefined);
    fake.state.failuresLeft = Infinity;
    await tenants.revokeCredential(tenant, created.id);
    for (let hour = 0; hour < 5; hour += 1) {
      clock += 3600_000;
      await lifecycle.retryDeletions();
    }
    expect(deletionOf(created.id)).toEqual({ status: 'failed', attempts: retry.maxAttempts });
    expect(fake.state.attempts).toBe(retry.maxAttempts);
    expect(fake.state.deleted).toEqual([]);
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
  ])('waits, after %i failed attempts, %i ms before the next', (attempts, delay) => {
    expect(nextDeletionAttemptAt({ ...retry, maxAttempts: 10 }, attempts, 0)).toBe(delay);
  });

  it('caps the wait and gives up at the bound', () => {
    expect(nextDeletionAttemptAt({ ...retry, maxAttempts: 10 }, 6, 0)).toBe(4000);
    expect(nextDeletionAttemptAt(retry, 4, 0)).toBeNull();
  });
});
