import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../../src/server/index.js';
import { callApi, createCredential, listedIds, rclone, remote, useTempDir } from './helpers.js';

describe('a restart keeps all state', () => {
  const tempDir = useTempDir('bm-restart-');

  it('keeps tenants, tokens, live credentials working and revoked ones revoked', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir, port: 0, s3Port: 0 });
    const { token, bucketName } = await first.mintToken('new');
    const kept = await createCredential(first.apiUrl, token);
    const revoked = await createCredential(first.apiUrl, token);
    await fs.writeFile(path.join(dataDir, 'upload.md'), 'before restart\n');
    expect((await rclone(kept, ['copyto', path.join(dataDir, 'upload.md'), remote(bucketName, 'upload.md')])).code).toBe(0);
    expect((await callApi(first.apiUrl, 'DELETE', `/tenant/mount/credentials/${revoked.id}`, { token })).status).toBe(200);
    await first.close();

    const second = await startServer({ dataDir, port: 0, s3Port: 0 });
    try {
      // The store moved to a new port; the keys did not change.
      const at = (credential: typeof kept) => ({ ...credential, endpoint_url: second.s3Url });
      expect(await listedIds(second.apiUrl, token)).toEqual([kept.id]);
      const read = await rclone(at(kept), ['cat', remote(bucketName, 'upload.md')]);
      expect(read.stdout).toBe('before restart\n');
      const denied = await rclone(at(revoked), ['lsf', remote(bucketName)]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('InvalidAccessKeyId');
    } finally {
      await second.close();
    }
  });
});
