import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { rcloneAs } from '../../support/tenant.js';

let server: TestServer;
let user: TestUser;
let token: string;
let tenantId: string;
let bucketName: string;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
});
beforeEach(async () => {
  ({ token, tenantId, bucketName } = await server.mintToken('new'));
  user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: server.apiUrl, BASIC_MEMORY_TOKEN: token });
});
afterEach(async () => {
  await user.cleanup();
});

async function liveCredentials(): Promise<{ id: string; access_key: string }[]> {
  const response = await fetch(`${server.apiUrl}/tenant/mount/credentials`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { credentials: { id: string; access_key: string }[] }).credentials;
}

function setupArgs(...extra: string[]): string[] {
  return ['cloud', 'setup', '--yes', '--mode', 'bisync', ...extra];
}

describe('cloud setup', () => {
  it('offers the sync service at the end: --service where there is no systemd user session says so in one sentence and setup succeeds', async () => {
    const offered = await user.run([...setupArgs('--service'), '--json']);
    expect(offered.exitCode).toBe(0);
    expect(JSON.parse(offered.stdout)).toMatchObject({ tenantId, service: 'unavailable', serviceReason: expect.stringMatching(/systemd/) });
    expect(offered.stderr.split('\n').filter((line) => /sync service/i.test(line))).toEqual([expect.stringMatching(/^The sync service cannot run here \(.*systemd.*\): run `basic-memory cloud bisync --watch` to keep syncing\.$/)]);
    // Nothing half-installed.
    await expect(fs.access(path.join(user.home, '.config', 'systemd', 'user', 'basic-memory-bisync.service'))).rejects.toThrow();
    // Without a terminal, and with --no-service, nothing is offered.
    for (const extra of [[], ['--no-service']]) {
      const quiet = await user.run([...setupArgs(...extra), '--json']);
      expect(quiet.exitCode).toBe(0);
      expect(JSON.parse(quiet.stdout)).toMatchObject({ service: 'skipped', serviceReason: null });
      expect(quiet.stderr).not.toMatch(/sync service/i);
    }
  });

  it('takes a machine from nothing to a working remote and a first sync', async () => {
    const remote = `basic-memory-${tenantId}`;
    const result = await user.run([...setupArgs(), '--json']);
    expect(result.stderr).not.toMatch(/Unexpected/);
    expect(result.exitCode).toBe(0);

    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ tenantId, bucketName, remoteName: remote, mode: 'bisync', backupPath: null, revokedCredentialIds: [] });
    const stat = await fs.stat(user.rcloneConfig);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(summary.rcloneConfig).toBe(user.rcloneConfig);

    // The remote works with the real rclone, and the first sync made the folder.
    const localPath = path.join(user.home, `basic-memory-${tenantId}`);
    await fs.writeFile(path.join(localPath, 'note.md'), '# hi\n');
    expect((await user.run(['cloud', 'bisync'])).exitCode).toBe(0);
    const listing = await rcloneAs(user, ['lsf', `${remote}:${bucketName}`]);
    expect(listing.stdout).toContain('note.md');

    const state = JSON.parse(await fs.readFile(path.join(user.stateDir, 'tenant.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ tenantId, bucketName, remoteName: remote, localPath, mode: 'bisync' });
    const live = await liveCredentials();
    expect(live).toHaveLength(1);
    expect(state.credentialId).toBe(live[0]!.id);
  });

  it('re-runs safely: a backup, one live credential, and the old key rejected by the store', async () => {
    expect((await user.run(setupArgs())).exitCode).toBe(0);
    const [first] = await liveCredentials();
    const firstConfig = await fs.readFile(user.rcloneConfig, 'utf8');

    const again = await user.run([...setupArgs(), '--json']);
    expect(again.exitCode).toBe(0);
    const summary = JSON.parse(again.stdout) as { backupPath: string; revokedCredentialIds: string[] };
    expect(summary.revokedCredentialIds).toEqual([first!.id]);
    expect(await fs.readFile(summary.backupPath, 'utf8')).toBe(firstConfig);
    const live = await liveCredentials();
    expect(live).toHaveLength(1);
    expect(live[0]!.id).not.toBe(first!.id);

    // The backup still holds the old key: the store must refuse it now.
    const old = await rcloneAs(user, ['lsf', '--config', summary.backupPath, `basic-memory-${tenantId}:${bucketName}`]).catch((error: { stderr: string }) => error);
    expect('stderr' in old ? old.stderr : '').toMatch(/InvalidAccessKeyId|AccessDenied|403/);
    const current = await rcloneAs(user, ['lsf', `basic-memory-${tenantId}:${bucketName}`]);
    expect(current.stderr).toBe('');
  });

  it('keeps a hand-written rclone.conf byte for byte around its own remote', async () => {
    const handWritten = '# personal remotes\n[photos]\ntype = local\n\n; work\n[work]\ntype = sftp\nhost = example.com\n';
    await fs.mkdir(path.dirname(user.rcloneConfig), { recursive: true });
    await fs.writeFile(user.rcloneConfig, handWritten, { mode: 0o600 });
    expect((await user.run(setupArgs())).exitCode).toBe(0);
    const after = await fs.readFile(user.rcloneConfig, 'utf8');
    expect(after.startsWith(handWritten)).toBe(true);
    expect(after.slice(handWritten.length)).toMatch(new RegExp(`^\\n\\[basic-memory-${tenantId}\\]\\ntype = s3\\n`));
    const backups = (await fs.readdir(path.dirname(user.rcloneConfig))).filter((name) => name.startsWith('rclone.conf.bak-'));
    expect(backups).toHaveLength(1);
  });

  it('leaves a corrupt rclone.conf untouched, exits 1 and leaves no live credential behind', async () => {
    const corrupt = '[photos]\ntype = local\n<<<<<<< merge conflict\n';
    await fs.mkdir(path.dirname(user.rcloneConfig), { recursive: true });
    await fs.writeFile(user.rcloneConfig, corrupt);
    const result = await user.run(setupArgs());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/cannot be read as an rclone config \(line 3/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await fs.readFile(user.rcloneConfig, 'utf8')).toBe(corrupt);
    expect(await liveCredentials()).toEqual([]);
  });

  it('gives exit 3 for a token the cloud rejects', async () => {
    const result = await user.run(setupArgs(), { env: { BASIC_MEMORY_TOKEN: `${token.slice(0, -4)}AAAA` } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/basic-memory cloud login/);
  });

  it('gives one sentence and exit 1 when the server is down', async () => {
    const result = await user.run(setupArgs(), { env: { BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:9' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/127\.0\.0\.1:9/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('never prints a secret, even with --verbose', async () => {
    const result = await user.run([...setupArgs(), '--verbose']);
    expect(result.exitCode).toBe(0);
    const config = await fs.readFile(user.rcloneConfig, 'utf8');
    const secret = /secret_access_key = (\S+)/.exec(config)?.[1];
    expect(secret).toBeTruthy();
    const everything = result.stdout + result.stderr;
    expect(everything).not.toContain(secret!);
    expect(everything).not.toContain(token);
  });
});

describe('cloud setup at the credential cap', () => {
  let capped: TestServer;
  beforeAll(async () => {
    capped = await startTestServer({ maxCredentials: 2 });
  });
  afterAll(async () => {
    await capped.cleanup();
  });

  it('stops with one sentence naming the revoke command, exit 1, and changes nothing', async () => {
    const minted = await capped.mintToken('new');
    const held: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${capped.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers: { authorization: `Bearer ${minted.token}` } });
      expect(response.status).toBe(200);
      held.push(((await response.json()) as { id: string }).id);
    }
    const third = await fetch(`${capped.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers: { authorization: `Bearer ${minted.token}` } });
    expect(third.status).toBe(409);
    expect(await third.json()).toEqual({ detail: expect.stringContaining('2 live mount credentials') as unknown });

    const result = await user.run(setupArgs(), { env: { BASIC_MEMORY_CLOUD_URL: capped.apiUrl, BASIC_MEMORY_TOKEN: minted.token } });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trim().split('\n');
    const sentence = lines.find((line) => line.includes('most live credentials'));
    expect(sentence).toMatch(/free one with `basic-memory cloud credentials revoke ID` \(ids from `basic-memory cloud credentials list`\)\.$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await expect(fs.access(user.rcloneConfig)).rejects.toThrow();
    const listed = await fetch(`${capped.apiUrl}/tenant/mount/credentials`, { headers: { authorization: `Bearer ${minted.token}` } });
    expect(((await listed.json()) as { credentials: { id: string }[] }).credentials.map((credential) => credential.id).sort()).toEqual(held.sort());
  });
});
