import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { callApi, createCredential, rclone, remote } from './helpers.js';

/** Every file under a directory, SQLite WAL and journal files included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('secrets stay out of the API database and the logs', () => {
  let server: TestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ log: (line) => logLines.push(line) });
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('never writes a secret key to server.sqlite (nor its WAL) nor to a log line', async () => {
    const { token, bucketName } = await server.mintToken('new');
    const credential = await createCredential(server.apiUrl, token);
    expect((await rclone(credential, ['lsf', remote(bucketName)])).code).toBe(0);
    await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${credential.id}`, { token });

    const apiFiles = (await filesUnder(server.dataDir)).filter((file) => path.basename(file).startsWith('server.sqlite'));
    expect(apiFiles.length).toBeGreaterThan(0);
    for (const file of apiFiles) {
      const bytes = await fs.readFile(file);
      expect(bytes.includes(Buffer.from(credential.secret_key)), file).toBe(false);
      expect(bytes.includes(Buffer.from(token)), file).toBe(false);
    }
    expect(logLines.some((line) => line.includes(credential.access_key))).toBe(true);
    expect(logLines.filter((line) => line.includes(credential.secret_key) || line.includes(token))).toEqual([]);
  });

  it('keeps the data dir private: database, key store and signing key are 0600', async () => {
    for (const file of ['server.sqlite', 's3/keys.sqlite', 'keys/token-signing-key.json']) {
      expect(((await fs.stat(path.join(server.dataDir, file))).mode & 0o777).toString(8)).toBe('600');
    }
  });
});
