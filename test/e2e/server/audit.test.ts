import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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

  it('refuses a bad --orphan-after with one sentence', async () => {
    await expect(execFileAsync(process.execPath, [bin, 'start', '--orphan-after', 'never', '--data-dir', tempDir()])).rejects.toMatchObject({
      stderr: expect.stringContaining('a whole number of at least 1'),
    });
  });
});
