import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bin, callApi, startBin, useTempDir } from './helpers.js';

const execFileAsync = promisify(execFile);
describe('basic-memory-server (the built bin)', () => {
  const tempDir = useTempDir('bm-bin-');

  it.each(['SIGINT', 'SIGTERM'] as const)('prints where the API and store listen and stops cleanly on %s', async (signal) => {
    const dataDir = tempDir();
    const server = startBin(dataDir);
    const lines = (await server.ready).trim().split('\n');
    expect(lines[0]).toMatch(/^API listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^S3 store \(local\) at http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[2]).toBe(`Data dir: ${dataDir}`);
    const apiUrl = lines[0]!.replace('API listening on ', '');
    // It says how to point the CLI at it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.output().stdout).toContain(`basic-memory cloud login --api-url ${apiUrl}`);
    expect((await callApi(apiUrl, 'GET', '/health')).status).toBe(200);
    server.child.kill(signal);
    expect(await server.exited).toBe(0);
    expect(server.output().stderr).toContain(`${signal}: stopping`);
  });

  it('answers --version and -v with the version, and no arguments with the help and exit 0', async () => {
    const { version } = JSON.parse(await fs.readFile(path.join(path.dirname(bin), '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect((await execFileAsync(process.execPath, [bin, flag])).stdout.trim()).toBe(version);
    const bare = await execFileAsync(process.execPath, [bin]);
    expect(bare.stdout).toMatch(/^Usage: basic-memory-server/);
    expect(bare.stdout).toContain('start');
    await expect(execFileAsync(process.execPath, [bin, 'frobnicate'])).rejects.toMatchObject({ stderr: expect.stringContaining("unknown command 'frobnicate'") });
  });

  it('mints a token offline that the started server accepts, for a new tenant and for a named one', async () => {
    const dataDir = tempDir();
    const fresh = await execFileAsync(process.execPath, [bin, 'token', '--tenant', 'new', '--ttl', '10m', '--data-dir', dataDir]);
    const token = fresh.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const named = await execFileAsync(process.execPath, [bin, 'token', '--tenant', 'team-42', '--data-dir', dataDir]);
    const server = startBin(dataDir);
    const apiUrl = (await server.ready).split('\n')[0]!.replace('API listening on ', '');
    try {
      const info = await callApi<{ tenant_id: string; bucket_name: string }>(apiUrl, 'GET', '/tenant/mount/info', { token });
      expect(info.status).toBe(200);
      expect(info.body.bucket_name).toBe(`basic-memory-${info.body.tenant_id}`);
      expect((await callApi(apiUrl, 'GET', '/tenant/mount/info', { token: named.stdout.trim() })).body.tenant_id).toBe('team-42');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses a bad tenant id and a bad ttl with a one-line error', async () => {
    const dataDir = tempDir();
    await expect(execFileAsync(process.execPath, [bin, 'token', '--tenant', 'Not Valid!', '--data-dir', dataDir])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('is not a valid tenant id') });
    await expect(execFileAsync(process.execPath, [bin, 'token', '--tenant', 'new', '--ttl', 'soon', '--data-dir', dataDir])).rejects.toMatchObject({ stderr: expect.stringContaining('use a duration') });
    await expect(execFileAsync(process.execPath, [bin, 'token', '--tenant', 'new', '--ttl', '25h', '--data-dir', dataDir])).rejects.toMatchObject({ stderr: expect.stringContaining('at most 24h') });
    const help = await execFileAsync(process.execPath, [bin, 'token', '--help']);
    expect(help.stdout).toContain('at most 24h');
  });

  it('makes tenants and users from the command line, and approves a pending login while the server runs', async () => {
    const dataDir = tempDir();
    const tenantId = (await execFileAsync(process.execPath, [bin, 'tenant', 'create', 'acme', '--data-dir', dataDir])).stdout.trim();
    expect(tenantId).toBe('acme');
    await expect(execFileAsync(process.execPath, [bin, 'tenant', 'create', 'acme', '--data-dir', dataDir])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('exists already') });
    const generated = (await execFileAsync(process.execPath, [bin, 'tenant', 'create', '--data-dir', dataDir])).stdout.trim();
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const addUser = (email: string, tenant: string, password: string) => {
      const run = execFileAsync(process.execPath, [bin, 'user', 'add', email, '--tenant', tenant, '--password-stdin', '--data-dir', dataDir]);
      run.child.stdin?.end(`${password}\n`);
      return run;
    };
    await expect(addUser('ann@acme.example', 'acme', 'short')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('at least 12 characters') });
    await expect(addUser('ann@acme.example', 'nobody', 'long enough password')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('Tenant not found') });
    await expect(addUser('ann@acme.example', 'acme', 'long enough password')).resolves.toMatchObject({ stderr: expect.stringContaining('tenant acme') });
    await expect(addUser('ANN@acme.example', 'acme', 'long enough password')).rejects.toMatchObject({ stderr: expect.stringContaining('exists already') });
    // Without a terminal and without --password-stdin there is no way to ask: one sentence says what to do.
    await expect(execFileAsync(process.execPath, [bin, 'user', 'add', 'bo@acme.example', '--tenant', 'acme', '--data-dir', dataDir], { timeout: 20_000 })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('--password-stdin') });
    // The password itself is kept only as a scrypt hash.
    const database = await fs.readFile(path.join(dataDir, 'server.sqlite'));
    expect(database.includes('long enough password')).toBe(false);

    const server = startBin(dataDir);
    const apiUrl = (await server.ready).split('\n')[0]!.replace('API listening on ', '');
    try {
      const authorization = (await callApi<{ user_code: string; device_code: string }>(apiUrl, 'POST', '/oauth/device/code', { form: { client_id: 'basic-memory-cli' } })).body;
      await expect(execFileAsync(process.execPath, [bin, 'device', 'approve', authorization.user_code, '--tenant', 'no-such', '--data-dir', dataDir])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('Tenant not found') });
      await execFileAsync(process.execPath, [bin, 'device', 'approve', authorization.user_code, '--tenant', 'acme', '--data-dir', dataDir]);
      const tokens = await callApi<{ access_token: string }>(apiUrl, 'POST', '/oauth/token', { form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: authorization.device_code, client_id: 'basic-memory-cli' } });
      expect(tokens.status).toBe(200);
      expect((await callApi<{ tenant_id: string }>(apiUrl, 'GET', '/tenant/mount/info', { token: tokens.body.access_token })).body.tenant_id).toBe('acme');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});
