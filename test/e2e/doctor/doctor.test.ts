import fs from 'node:fs/promises';
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../../src/doctor/checks.js';
import type { TestUser } from '../../support/cli.js';
import { useProvisionedUser } from '../../support/provisioned-user.js';
import type { ProvisionedTenant } from '../../support/tenant.js';
import { rcloneAtLeast, rcloneUnderTest } from '../../support/rclone-under-test.js';

const fixture = useProvisionedUser();
let user: TestUser;
let tenant: ProvisionedTenant;
beforeAll(() => {
  ({ user, tenant } = fixture());
});

/** A loopback port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function doctorJson(env: Record<string, string | undefined> = {}) {
  const result = await user.run(['cloud', 'doctor', '--json'], { env });
  const { checks } = JSON.parse(result.stdout) as { checks: Check[] };
  const byName = Object.fromEntries(checks.map((check) => [check.name, check]));
  return { ...result, checks, byName };
}

describe('cloud doctor, built CLI against the reference server', () => {
  it('on a provisioned tenant nothing fails; every check is there with its detail, and no secret is printed', async () => {
    const result = await doctorJson();
    expect(result.checks.map((check) => check.name)).toEqual(['rclone', 'mount support', 'API', 'login', 'setup', 'rclone remote', 'bucket', 'bisync filters', 'locks', 'sync service', 'environment']);
    expect(result.checks.filter((check) => check.status === 'fail')).toEqual([]);
    expect(result.exitCode).toBe(0);
    // Debian's rclone 1.60.1 works, with the later bisync features named as missing; a newer one is ok.
    if (rcloneAtLeast('1.66')) expect(result.byName.rclone).toMatchObject({ status: 'ok', detail: `rclone v${rcloneUnderTest.raw}` });
    else expect(result.byName.rclone).toMatchObject({ status: 'warn', detail: expect.stringContaining('lacks') });
    expect(result.byName['mount support']).toMatchObject({ status: 'ok', detail: expect.stringContaining('/dev/fuse') });
    expect(result.byName.login?.detail).toContain(tenant.tenantId);
    expect(result.byName.bucket?.detail).toContain(`${tenant.remoteName}:${tenant.bucketName} lists`);
    // The test user keeps AWS_CA_BUNDLE set: handled, so said, not a problem.
    expect(result.byName.environment).toMatchObject({ status: 'ok', detail: expect.stringContaining('AWS_CA_BUNDLE') });
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(tenant.secretKey);
      expect(text).not.toContain(tenant.token);
    }
  });

  it('the people-facing report has one line a check and exits 0', async () => {
    const result = await user.run(['cloud', 'doctor']);
    expect(result.stdout).toMatch(/^✓ setup: +tenant /m);
    expect(result.stdout).toMatch(rcloneAtLeast('1.66') ? /^✓ rclone: +rclone v1\.\d+/m : /^! rclone: +rclone v1\.60/m);
    expect(result.stdout).toMatch(/^(0 failed, \d+ warnings?\.|Everything looks fine\.)$/m);
    expect(result.exitCode).toBe(0);
  });

  it('with a broken remote (a revoked key) the bucket check fails with the fix, exit 1', async () => {
    const original = await fs.readFile(user.rcloneConfig, 'utf8');
    try {
      await fs.writeFile(user.rcloneConfig, original.replace(/^access_key_id = .*$/m, 'access_key_id = AKIANOTAREALKEY0000'));
      const result = await doctorJson();
      expect(result.byName.bucket).toMatchObject({ status: 'fail', detail: expect.stringContaining("refused this machine's access key"), fix: expect.stringContaining('cloud setup') });
      expect(result.exitCode).toBe(1);

      await fs.writeFile(user.rcloneConfig, '# nothing of ours here\n[other]\ntype = local\n');
      const missing = await doctorJson();
      expect(missing.byName['rclone remote']).toMatchObject({ status: 'fail', detail: `The remote ${tenant.remoteName} is not in ${user.rcloneConfig}.` });
      expect(missing.byName.bucket).toBeUndefined();
      expect(missing.exitCode).toBe(1);
    } finally {
      await fs.writeFile(user.rcloneConfig, original, { mode: 0o600 });
    }
  });

  it('with the server down the API check fails in one sentence and the login is not checked, exit 1', async () => {
    const port = await closedPort();
    const result = await doctorJson({ BASIC_MEMORY_CLOUD_URL: `http://127.0.0.1:${port}` });
    expect(result.byName.API).toMatchObject({ status: 'fail', detail: `http://127.0.0.1:${port}/health cannot be reached: nothing is listening there (connection refused).` });
    expect(result.stderr).toBe('');
    expect(result.byName.login).toMatchObject({ status: 'warn', detail: 'Not checked: the API cannot be reached.' });
    expect(result.exitCode).toBe(1);
  });

  it('with a rejected token the login check fails with the command to run, exit 1', async () => {
    const result = await doctorJson({ BASIC_MEMORY_TOKEN: `${tenant.token.slice(0, -4)}AAAA` });
    expect(result.byName.API).toMatchObject({ status: 'ok' });
    expect(result.byName.login).toMatchObject({ status: 'fail', fix: expect.stringContaining('basic-memory cloud login') });
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(tenant.token.slice(0, -4));
  });

  it('stale locks and changed filters are reported with their fixes', async () => {
    const workdir = `${user.stateDir}/bisync/${tenant.tenantId}`;
    await fs.mkdir(workdir, { recursive: true });
    await fs.writeFile(`${workdir}/session.lck`, '999999');
    await fs.writeFile(`${user.stateDir}/bisync-filters.txt`, '- *.tmp\n');
    await fs.writeFile(`${user.stateDir}/bisync-filters.txt.md5`, '0123456789abcdef0123456789abcdef\n');
    const result = await doctorJson();
    expect(result.byName.locks).toMatchObject({ status: 'warn', detail: expect.stringContaining('session.lck (pid 999999, gone)') });
    expect(result.byName['bisync filters']).toMatchObject({ status: 'warn', fix: 'Run `basic-memory cloud bisync --resync`.' });
  });
});
