import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { proxySettings } from '../../../src/api/proxy.js';
import { s3LeaseStore } from '../../../src/bisync/lease-store.js';
import { statePaths } from '../../../src/core/paths.js';
import type { Check } from '../../../src/doctor/checks.js';
import { startTestProxy, type TestProxy } from '../../support/http-proxy.js';
import { useProvisionedUser } from '../../support/provisioned-user.js';
import { rcloneAs } from '../../support/tenant.js';
import { makePair } from '../bisync/helpers.js';

const fixture = useProvisionedUser();
let proxy: TestProxy;
// Names no resolver answers: only the proxy reaches them (it maps them to this machine).
const PROXIED = '.bm-proxy.invalid';
beforeAll(async () => {
  proxy = await startTestProxy((host) => (host.endsWith(PROXIED) ? '127.0.0.1' : undefined));
});
afterAll(async () => {
  await proxy.close();
});

const behindProxy = (url: string) => url.replace('127.0.0.1', `cloud${PROXIED}`);

describe('a network where only a proxy reaches the cloud (HTTPS_PROXY / HTTP_PROXY / NO_PROXY)', () => {
  it('sends the CLI\'s API requests through the proxy, and only there does the cloud answer', async () => {
    const { server, user, tenant } = fixture();
    const apiUrl = behindProxy(server.apiUrl);
    const direct = await user.run(['cloud', 'credentials', 'list', '--json'], { env: { BASIC_MEMORY_CLOUD_URL: apiUrl } });
    expect(direct.exitCode, direct.stderr).not.toBe(0);
    expect(direct.stderr).toContain('Cannot reach the Basic Memory cloud');

    const env = { BASIC_MEMORY_CLOUD_URL: apiUrl, HTTPS_PROXY: proxy.url, http_proxy: proxy.url };
    const proxied = await user.run(['cloud', 'credentials', 'list', '--json'], { env });
    expect(proxied.exitCode, proxied.stderr).toBe(0);
    const listed = JSON.parse(proxied.stdout) as { credentials: { accessKey: string }[] };
    expect(listed.credentials.map((credential) => credential.accessKey)).toContain(tenant.accessKey);
    expect(proxy.asked).toContain(`CONNECT ${new URL(apiUrl).host}`);

    const doctor = await user.run(['cloud', 'doctor', '--json'], { env });
    const api = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks.find((check) => check.name === 'API');
    expect(api, doctor.stdout).toMatchObject({ status: 'ok' });

    const bypassed = await user.run(['cloud', 'credentials', 'list'], { env: { ...env, NO_PROXY: `cloud${PROXIED}` } });
    expect(bypassed.exitCode, 'NO_PROXY names it: asked directly, which fails').toBe(1);
    expect(bypassed.stderr).toContain(`Cannot reach the Basic Memory cloud at ${new URL(apiUrl).origin}: the host name does not resolve.`);

    const unknown = await user.run(['cloud', 'credentials', 'list'], { env: { ...env, BASIC_MEMORY_CLOUD_URL: 'http://nowhere.example.invalid:8080' } });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain(`Cannot reach the Basic Memory cloud at http://nowhere.example.invalid:8080 through the proxy ${proxy.url}: the proxy refused to connect to it (HTTP 502).`);
  });

  it('reaches a server on this machine directly, as rclone does, whatever the proxy', async () => {
    const { user, tenant } = fixture();
    const before = proxy.asked.length;
    const result = await user.run(['cloud', 'credentials', 'list', '--json'], { env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { credentials: { accessKey: string }[] }).credentials.map((credential) => credential.accessKey)).toContain(tenant.accessKey);
    expect(proxy.asked.slice(before)).toEqual([]);
  });

  it('takes and gives back the bucket\'s lease through the proxy (the marker is in the bucket while held)', async () => {
    const { user, tenant } = fixture();
    const store = await s3LeaseStore({
      endpointUrl: behindProxy(tenant.state.endpointUrl),
      region: tenant.state.region,
      bucket: tenant.bucketName,
      accessKey: tenant.accessKey,
      secretKey: tenant.secretKey,
      tigris: false,
      caBundle: undefined,
      signal: new AbortController().signal,
      proxy: proxySettings({ HTTP_PROXY: proxy.url }),
    });
    await store.write('laptop-proxied');
    expect((await store.list()).map((marker) => marker.holder)).toContain('laptop-proxied');
    const inBucket = await rcloneAs(user, ['lsf', '-R', `${tenant.remoteName}:${tenant.bucketName}/.basic-memory-backups`]);
    expect(inBucket.stdout).toContain('laptop-proxied');
    await store.remove('laptop-proxied');
    expect((await store.list()).map((marker) => marker.holder)).not.toContain('laptop-proxied');
    expect(proxy.asked).toContain(`CONNECT ${new URL(behindProxy(tenant.state.endpointUrl)).host}`);
  });

  it('syncs a note with `cloud bisync` when the cloud and its storage are reached only through the proxy: rclone, the lease and the API all go through it', async () => {
    const { server } = fixture();
    const pair = await makePair(server);
    onTestFinished(() => pair.user.cleanup());
    const endpoint = behindProxy(pair.tenant.state.endpointUrl).replace('cloud.', 's3.');
    await promisify(execFile)('rclone', ['config', 'update', pair.tenant.remoteName, 'endpoint', endpoint], { env: { ...pair.user.env, RCLONE_CONFIG: pair.user.rcloneConfig, AWS_CA_BUNDLE: '' } });
    const tenantFile = statePaths(pair.user.stateDir).tenant;
    await fs.writeFile(tenantFile, JSON.stringify({ ...JSON.parse(await fs.readFile(tenantFile, 'utf8')), endpointUrl: endpoint }));
    // From here the pair's own checks (plain rclone) reach the bucket through the proxy too.
    Object.assign(pair.user.env, { HTTP_PROXY: proxy.url, BASIC_MEMORY_CLOUD_URL: behindProxy(server.apiUrl) });

    await pair.writeLocal('written-here.md', 'typed behind a proxy\n');
    await pair.writeCloud('written-there.md', 'typed on another machine\n');
    const before = proxy.asked.length;
    const run = await pair.bisync();
    expect(run.exitCode, run.stderr).toBe(0);
    const asked = proxy.asked.slice(before);
    const s3Host = new URL(endpoint).host;
    expect(asked.filter((request) => request.startsWith('CONNECT ')), 'the CLI (undici) tunnels to the storage for the lease and to the API').toEqual(expect.arrayContaining([`CONNECT ${s3Host}`, `CONNECT ${new URL(behindProxy(server.apiUrl)).host}`]));
    expect(asked, 'rclone (Go) sends its requests to the proxy').toContain(`PUT ${s3Host}`);
    expect(await pair.readCloud('written-here.md')).toBe('typed behind a proxy\n');
    expect(await pair.readLocal('written-there.md')).toBe('typed on another machine\n');
  });
});
