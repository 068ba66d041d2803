import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestUser } from '../../support/cli.js';
import { binaryVersion, clearSignedSums, newestRcloneBinary, releaseZip, sha256, startReleaseServer, type ReleaseServer } from '../../support/rclone-release-server.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { rcloneAs } from '../../support/tenant.js';

let server: TestServer;
let site: ReleaseServer;
let version: string;

beforeAll(async () => {
  server = await startTestServer();
  const newest = newestRcloneBinary();
  version = binaryVersion(newest);
  const folder = `rclone-v${version}-linux-amd64`;
  const archive = await releaseZip(newest, folder);
  site = await startReleaseServer();
  site.files.set('/version.txt', { body: `rclone v${version}\n` });
  site.files.set(`/v${version}/SHA256SUMS`, { body: clearSignedSums([`${sha256(archive)}  ${folder}.zip`]) });
  site.files.set(`/v${version}/${folder}.zip`, { body: archive });
}, 300_000);
afterAll(async () => {
  await site.close();
  await server.cleanup();
});

async function userOfTheServer() {
  const { token, tenantId, bucketName } = await server.mintToken('new');
  const user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: server.apiUrl, BASIC_MEMORY_TOKEN: token, BASIC_MEMORY_RCLONE_DOWNLOAD_URL: site.baseUrl });
  return { user, tenantId, bucketName };
}

describe('cloud setup --rclone official', () => {
  it('installs the release into the state dir, records it, and does the first sync with it', async () => {
    const { user, tenantId, bucketName } = await userOfTheServer();
    try {
      const result = await user.run(['cloud', 'setup', '--yes', '--mode', 'bisync', '--rclone', 'official', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      const binary = path.join(user.stateDir, 'bin', 'rclone');
      expect(binaryVersion(binary)).toBe(version);
      const settings = JSON.parse(await fs.readFile(path.join(user.stateDir, 'config.json'), 'utf8')) as { rclonePath: string };
      expect(settings.rclonePath).toBe(binary);
      // The rest of setup ran with the installed binary, not the system's.
      expect((JSON.parse(result.stdout) as { rcloneVersion: string }).rcloneVersion).toBe(version);

      // A later command uses it too, and the remote it wrote works.
      await fs.writeFile(path.join(user.home, `basic-memory-${tenantId}`, 'note.md'), '# official\n');
      const sync = await user.run(['cloud', 'bisync', '--json']);
      expect(sync.exitCode, sync.stderr).toBe(0);
      expect((await rcloneAs(user, ['cat', `basic-memory-${tenantId}:${bucketName}/note.md`])).stdout).toBe('# official\n');
    } finally {
      await user.cleanup();
    }
  });

  it('with --skip-install is exit 2, one sentence, nothing downloaded or installed', async () => {
    const { user } = await userOfTheServer();
    try {
      site.requests.length = 0;
      const result = await user.run(['cloud', 'setup', '--yes', '--rclone', 'official', '--skip-install']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('--rclone official installs rclone, so it does not go with --skip-install.');
      expect(site.requests).toEqual([]);
      await expect(fs.access(path.join(user.stateDir, 'bin'))).rejects.toThrow();
    } finally {
      await user.cleanup();
    }
  });
});
