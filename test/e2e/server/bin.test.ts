import { execFile } from 'node:child_process';
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
    expect((await callApi(apiUrl, 'GET', '/health')).status).toBe(200);
    server.child.kill(signal);
    expect(await server.exited).toBe(0);
    expect(server.output().stderr).toContain(`${signal}: stopping`);
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
  });
});
