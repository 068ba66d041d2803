import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { apiMigrations } from '../../../src/server/db/migrations.js';
import { openSqlite } from '../../../src/server/db/sqlite.js';
import { startServer } from '../../../src/server/index.js';
import { apiDatabasePath } from '../../../src/server/services.js';
import { localProvider } from '../../../src/server/storage/local-provider.js';
import type { StorageProvider } from '../../../src/server/storage/provider.js';
import { bucketFiles, storeDir } from '../../../src/server/store/embedded-store.js';
import { openKeyStore } from '../../../src/server/store/key-store.js';
import { openObjectStore } from '../../../src/server/store/object-store.js';
import { bin, callApi, createCredential, rclone, remote, startBin, useTempDir, type ListedCredential } from './helpers.js';

const execFileAsync = promisify(execFile);

interface AuditLine {
  type: string;
  tenant_id: string;
  credential_id: string;
  access_key: string;
}

describe('basic-memory-server audit and last_used_at (the built bin, real rclone)', () => {
  const tempDir = useTempDir('bm-audit-');

  it('records the store\'s use of a key, and one audit event each for its creation and its revocation', async () => {
    const dataDir = tempDir();
    const token = (await execFileAsync(process.execPath, [bin, 'token', '--tenant', 'acme', '--data-dir', dataDir])).stdout.trim();
    const server = startBin(dataDir);
    const apiUrl = (await server.ready).split('\n')[0]!.replace('API listening on ', '');
    try {
      const credential = await createCredential(apiUrl, token);
      expect((await rclone(credential, ['lsf', remote(credential.bucket_name)])).code).toBe(0);
      const listed = await callApi<{ credentials: ListedCredential[] }>(apiUrl, 'GET', '/tenant/mount/credentials', { token });
      expect(listed.body.credentials[0]?.last_used_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));

      expect((await callApi(apiUrl, 'DELETE', `/tenant/mount/credentials/${credential.id}`, { token })).status).toBe(200);
      // The effect, not just the status: the revoked key no longer reads the bucket.
      expect((await rclone(credential, ['lsf', remote(credential.bucket_name)])).code).not.toBe(0);

      // The operator reads the trail while the server still runs.
      const audit = await execFileAsync(process.execPath, [bin, 'audit', '--json', '--tenant', 'acme', '--data-dir', dataDir]);
      const events = JSON.parse(audit.stdout) as AuditLine[];
      expect(events.map((event) => [event.type, event.tenant_id, event.credential_id, event.access_key])).toEqual([
        ['MountCredentialCreated', 'acme', credential.id, credential.access_key],
        ['MountCredentialRevoked', 'acme', credential.id, credential.access_key],
      ]);
      const text = await execFileAsync(process.execPath, [bin, 'audit', '--data-dir', dataDir]);
      expect(text.stdout.trim().split('\n')).toHaveLength(2);
      expect(text.stdout).not.toContain(credential.secret_key);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('retries a deletion the provider failed on revoke until the key is really gone, with one Revoked event', async () => {
    const dataDir = tempDir();
    // The embedded store's own key database, behind a provider whose first two deletions fail.
    const keys = openKeyStore(storeDir(dataDir));
    const objects = openObjectStore(storeDir(dataDir));
    const local = localProvider({ keys, buckets: bucketFiles(objects), endpointUrl: '' });
    let failuresLeft = 2;
    let s3Url = '';
    const flaky: StorageProvider = {
      ...local,
      get endpointUrl() {
        return s3Url;
      },
      revokeKey(accessKey, policyRef) {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          return Promise.reject(new Error('IAM is down'));
        }
        return local.revokeKey(accessKey, policyRef);
      },
    };
    const server = await startServer({
      dataDir,
      port: 0,
      s3Port: 0,
      provider: flaky,
      deletionRetry: { baseDelayMs: 200, maxDelayMs: 400, maxAttempts: 5 },
      credentialJobIntervalMs: 100,
    });
    s3Url = server.s3Url;
    const db = openSqlite(apiDatabasePath(dataDir), apiMigrations);
    try {
      const { token, bucketName } = await server.mintToken('flaky');
      const credential = await createCredential(server.apiUrl, token);
      expect((await rclone(credential, ['lsf', remote(bucketName)])).code).toBe(0);
      expect((await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${credential.id}`, { token })).status).toBe(200);
      expect(await callApi<{ credentials: ListedCredential[] }>(server.apiUrl, 'GET', '/tenant/mount/credentials', { token })).toMatchObject({ body: { credentials: [] } });

      expect((await rclone(credential, ['lsf', remote(bucketName)])).stderr).toContain('InvalidAccessKeyId');
      const deletion = () => db.prepare('SELECT tigris_deletion_status AS status, deletion_attempts AS attempts FROM tenant_mount_credentials WHERE id = ?').get(credential.id);
      const deadline = Date.now() + 10_000;
      while (keys.find(credential.access_key)?.active && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      // The retries deleted the key from the key store itself.
      expect(keys.find(credential.access_key)?.active).toBe(false);
      expect(failuresLeft).toBe(0);
      expect(deletion()).toEqual({ status: 'completed', attempts: 2 });
      const events = db.prepare<[string], { type: string }>('SELECT type FROM audit_events WHERE credential_id = ? ORDER BY id').all(credential.id);
      expect(events.map((event) => event.type)).toEqual(['MountCredentialCreated', 'MountCredentialRevoked']);
    } finally {
      db.close();
      await server.close();
      keys.close();
      objects.close();
    }
  });

  it('refuses a revoked key at once while its provider deletion keeps failing, and still after a restart', async () => {
    const dataDir = tempDir();
    const keys = openKeyStore(storeDir(dataDir));
    const objects = openObjectStore(storeDir(dataDir));
    const local = localProvider({ keys, buckets: bucketFiles(objects), endpointUrl: '' });
    let s3Url = '';
    const failing: StorageProvider = {
      ...local,
      get endpointUrl() {
        return s3Url;
      },
      revokeKey: () => Promise.reject(new Error('IAM is down')),
    };
    const start = async () => {
      const started = await startServer({ dataDir, port: 0, s3Port: 0, provider: failing, deletionRetry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxAttempts: 5 } });
      s3Url = started.s3Url;
      return started;
    };
    const file = path.join(tempDir(), 'note.md');
    await fs.writeFile(file, '# a note\n');
    let server = await start();
    try {
      const { token, bucketName } = await server.mintToken('failing');
      const revoked = await createCredential(server.apiUrl, token);
      const live = await createCredential(server.apiUrl, token);
      expect((await rclone(revoked, ['copyto', file, remote(bucketName, 'before.md')])).code).toBe(0);
      expect((await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${revoked.id}`, { token })).status).toBe(200);
      // The key store still holds the key (its deletion failed); the gate refuses it all the same.
      expect(keys.find(revoked.access_key)?.active).toBe(true);
      const denied = await rclone(revoked, ['lsf', remote(bucketName)]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('InvalidAccessKeyId');
      expect(denied.stdout).not.toContain('before.md');
      expect((await rclone(revoked, ['copyto', file, remote(bucketName, 'after.md')])).code).not.toBe(0);
      expect((await rclone(live, ['lsf', remote(bucketName)])).stdout.trim().split('\n')).toEqual(['before.md']);

      await server.close();
      server = await start();
      const atRestart = { ...revoked, endpoint_url: s3Url };
      const deniedAfterRestart = await rclone(atRestart, ['lsf', remote(bucketName)]);
      expect(deniedAfterRestart.stderr).toContain('InvalidAccessKeyId');
      expect(deniedAfterRestart.stdout).not.toContain('before.md');
      expect((await rclone({ ...live, endpoint_url: s3Url }, ['lsf', remote(bucketName)])).stdout.trim()).toBe('before.md');
    } finally {
      await server.close();
      keys.close();
      objects.close();
    }
  });

  it('refuses a bad --orphan-after with one sentence', async () => {
    await expect(execFileAsync(process.execPath, [bin, 'start', '--orphan-after', 'never', '--data-dir', tempDir()])).rejects.toMatchObject({
      stderr: expect.stringContaining('a whole number of at least 1'),
    });
  });
});
