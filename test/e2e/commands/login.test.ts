import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { cliBin, makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { callApi } from '../server/helpers.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({ deviceInterval: 1 });
});
afterAll(async () => {
  await server.cleanup();
});
beforeEach(async () => {
  user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: server.apiUrl });
});
afterEach(async () => {
  await user.cleanup();
});

/** Runs `cloud login --no-browser` and answers the code the way the user's browser would. */
function deviceLogin(answer: (userCode: string) => Promise<void>, args = ['--no-browser'], env = user.env): Promise<{ exitCode: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, 'cloud', 'login', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let answered = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const code = /\b([A-Z0-9]{4}-[A-Z0-9]{4})\b/.exec(stderr)?.[1];
      if (code && !answered) {
        answered = true;
        answer(code).catch(reject);
      }
    });
    child.on('exit', (code) => resolve({ exitCode: code ?? 1, stderr }));
  });
}

const credentialsFile = () => path.join(user.stateDir, 'credentials.json');

describe('cloud login and logout', () => {
  it('logs in with the device flow, keeps the login 0600 and says where', async () => {
    const { tenantId } = await server.mintToken('new');
    const result = await deviceLogin((code) => server.approveDevice(code, tenantId));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`Logged in to tenant ${tenantId}`);
    // No keychain answers on this headless machine: the file store is used, and said so.
    expect(result.stderr).toMatch(/credentials\.json \(mode 0600\)/);
    expect((await fs.stat(credentialsFile())).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await fs.readFile(credentialsFile(), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(stored)).toMatch(/refresh/i);
    // The stored login works for the next command, and no token reached the terminal.
    const listed = await user.run(['cloud', 'credentials', 'list', '--json']);
    expect(listed.exitCode).toBe(0);
    const everything = result.stderr + listed.stdout + listed.stderr;
    expect(everything).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
  });

  it('says so when no browser can be opened, and logs in by the printed link', async () => {
    const { tenantId } = await server.mintToken('new');
    // No xdg-open (or anything else) on PATH: a server, a container.
    const result = await deviceLogin((code) => server.approveDevice(code, tenantId), [], { ...user.env, PATH: path.join(user.home, 'no-programs') });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/Could not open a browser \(xdg-open: .+\): open the link above yourself\./);
    expect(result.stderr).toContain(`Logged in to tenant ${tenantId}`);
  });

  it('stops with exit 3 when the request is denied in the browser, storing nothing', async () => {
    const result = await deviceLogin((code) => server.denyDevice(code));
    expect(result.exitCode).toBe(3);
    await expect(fs.access(credentialsFile())).rejects.toThrow();
  });

  it('renews an expired access token with the refresh token, without asking', async () => {
    const { tenantId } = await server.mintToken('new');
    expect((await deviceLogin((code) => server.approveDevice(code, tenantId))).exitCode).toBe(0);
    const stored = JSON.parse(await fs.readFile(credentialsFile(), 'utf8')) as Record<string, unknown>;
    const expired = await server.mintToken(tenantId, 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    // Swap in an expired access token, keeping the real refresh token.
    const swap = (value: unknown): unknown => {
      if (typeof value !== 'object' || value === null) return value;
      if ('accessToken' in value) return { ...value, accessToken: expired.token, expiresAt: new Date(Date.now() - 1000).toISOString() };
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, swap(inner)]));
    };
    const swapped = JSON.stringify(swap(stored));
    expect(swapped).toContain(expired.token);
    await fs.writeFile(credentialsFile(), swapped, { mode: 0o600 });
    const result = await user.run(['cloud', 'credentials', 'list', '--json']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(await fs.readFile(credentialsFile(), 'utf8')).not.toContain(expired.token);
  });

  it('renews a 15-minute access token in its last minute, before the API would refuse it', async () => {
    const { tenantId } = await server.mintToken('new');
    expect((await deviceLogin((code) => server.approveDevice(code, tenantId))).exitCode).toBe(0);
    const stored = JSON.parse(await fs.readFile(credentialsFile(), 'utf8')) as { logins: Record<string, { accessToken: string; expiresAt: string }> };
    const login = stored.logins[server.apiUrl]!;
    // The device flow hands out 15 minutes; pretend 14.5 of them have passed.
    expect(Date.parse(login.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(login.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const oldToken = login.accessToken;
    login.expiresAt = new Date(Date.now() + 30_000).toISOString();
    await fs.writeFile(credentialsFile(), JSON.stringify(stored), { mode: 0o600 });
    const result = await user.run(['cloud', 'credentials', 'list', '--json']);
    expect(result.exitCode).toBe(0);
    const renewed = (JSON.parse(await fs.readFile(credentialsFile(), 'utf8')) as typeof stored).logins[server.apiUrl]!;
    expect(renewed.accessToken).not.toBe(oldToken);
    expect(Date.parse(renewed.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
  });

  it('revokes the login on the server at logout: the old refresh and access tokens stop working', async () => {
    const { tenantId } = await server.mintToken('new');
    expect((await deviceLogin((code) => server.approveDevice(code, tenantId))).exitCode).toBe(0);
    const stored = JSON.parse(await fs.readFile(credentialsFile(), 'utf8')) as { logins: Record<string, { accessToken: string; refreshToken: string }> };
    const { accessToken, refreshToken } = stored.logins[server.apiUrl]!;
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token: accessToken })).status).toBe(200);

    const out = await user.run(['cloud', 'logout']);
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toMatch(/revoked your tokens/);
    expect(out.stderr).toMatch(/Logged out/);
    await expect(fs.access(credentialsFile())).rejects.toThrow();
    const refreshed = await callApi(server.apiUrl, 'POST', '/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'basic-memory-cli' } });
    expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await callApi(server.apiUrl, 'GET', '/tenant/mount/info', { token: accessToken })).status).toBe(401);
  });

  it.each([
    ['cannot be reached', () => Promise.resolve('http://127.0.0.1:1')],
    ['has no revocation endpoint', async () => {
      const bare = http.createServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
      onTestFinished(() => new Promise<void>((resolve) => bare.close(() => resolve())));
      return `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    }],
  ])('forgets the login locally when the login server %s, and says the tokens were not revoked', async (_case, authServer) => {
    const { token } = await server.mintToken('new');
    expect((await user.run(['cloud', 'login', '--token', token])).exitCode).toBe(0);
    const out = await user.run(['cloud', 'logout'], { env: { BASIC_MEMORY_AUTH_URL: await authServer() } });
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toMatch(/Could not revoke the login on the server \(.+\): its tokens stay valid until they expire/);
    expect(out.stderr).toMatch(/Logged out/);
    await expect(fs.access(credentialsFile())).rejects.toThrow();
    expect(out.stderr).not.toContain(token);
  });

  it('stores a good --token, refuses a bad one with exit 3, and logs out', async () => {
    const { token, tenantId } = await server.mintToken('new');
    const bad = await user.run(['cloud', 'login', '--token', `${token.slice(0, -4)}AAAA`]);
    expect(bad.exitCode).toBe(3);
    await expect(fs.access(credentialsFile())).rejects.toThrow();

    const good = await user.run(['cloud', 'login', '--token', token]);
    expect(good.exitCode).toBe(0);
    expect(good.stderr).toContain(tenantId);
    expect(good.stderr + good.stdout).not.toContain(token);

    const out = await user.run(['cloud', 'logout']);
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toMatch(/Logged out/);
    const again = await user.run(['cloud', 'logout']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/Not logged in/);
    expect((await user.run(['cloud', 'credentials', 'list'])).exitCode).toBe(3);
  });

  it('says in one sentence, exit 1, when the login server cannot be reached', async () => {
    const result = await user.run(['cloud', 'login', '--no-browser'], { env: { BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:1' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
