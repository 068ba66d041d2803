import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOUD_BACKUPS_DIR, REPLACED_SUFFIX } from '../../../src/bisync/reserved-names.js';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { rcloneAs } from '../../support/tenant.js';
import { VersionLedger } from '../../support/versions.js';
import { useTwoMachines } from './machines.js';

// Issue 8, the cloud-side lost update: machine B's run lists the bucket, another writer then uploads
// its version of x.md, and B's run uploads its own x.md over it. Two machines running this CLI take
// turns through the bucket's lease (two-machines.test.ts), so the other writer here is one that takes
// no lease: the cloud app or an assistant writing in the bucket, or another S3 tool. A proxy between
// B's rclone and the store holds B's first write touching x.md until that upload is done, so the race
// happens on every run.
const newTenant = useTwoMachines();
const proxies: http.Server[] = [];
afterAll(async () => {
  for (const proxy of proxies) await new Promise((resolve) => proxy.close(resolve));
});

/**
 * An HTTP proxy to the store that calls `whileHeld` on the first write (PUT, POST, DELETE, or a
 * server-side copy) naming `key`, and forwards that request once it is done. Headers (Host
 * included) pass unchanged, so the request's signature still holds.
 */
async function holdingProxy(target: URL, key: string, whileHeld: () => Promise<void>): Promise<{ url: string; held: () => boolean }> {
  let held: Promise<void> | undefined;
  const touchesKey = (request: http.IncomingMessage) => {
    const names = [decodeURIComponent((request.url ?? '').split('?')[0] ?? ''), decodeURIComponent(String(request.headers['x-amz-copy-source'] ?? ''))];
    return request.method !== 'GET' && request.method !== 'HEAD' && names.some((name) => name.endsWith(`/${key}`));
  };
  const proxy = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const wait = touchesKey(request) ? (held ??= whileHeld()) : Promise.resolve();
      void wait.then(() => {
        const forwarded = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        });
        forwarded.on('error', () => response.destroy());
        forwarded.end(Buffer.concat(chunks));
      });
    });
  });
  proxies.push(proxy);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, held: () => held !== undefined };
}

describe('the cloud side: an upload that lands between a run\'s listing and its own upload', () => {
  // The same size as the version the run listed, and another size: rclone < 1.66's server-side copy
  // that sets the note aside checks the object against its listing, and stops the run on a difference.
  it.each([
    ['another size', 'app'],
    ['the same size', 'Z'],
  ])(`keeps the other writer's version (%s) as a conflict copy on both sides (rclone ${rcloneAtLeast('1.66') ? '1.66+: --backup-dir2' : '< 1.66: --suffix .bm-replaced'})`, async (_size, writer) => {
    const ledger = new VersionLedger();
    const tenant = await newTenant();
    const [a, b] = tenant.machines;
    await ledger.edit(a.folder, 'x.md', 'A');
    await ledger.edit(a.folder, 'other.md', 'A');
    for (const machine of [a, b]) expect((await machine.bisync()).exitCode).toBe(0);

    // The cloud app's write: straight into the bucket, with no lease.
    const appVersion = ledger.body(writer);
    const proxy = await holdingProxy(new URL(tenant.tenant.state.endpointUrl), 'x.md', async () => {
      const source = path.join(a.user.home, 'app-upload.md');
      await fs.writeFile(source, appVersion);
      await rcloneAs(a.user, ['copyto', source, `${tenant.bucket}/x.md`]);
      ledger.record(`${writer}:x.md`, appVersion);
    });
    const config = await fs.readFile(b.user.rcloneConfig, 'utf8');
    await fs.writeFile(b.user.rcloneConfig, config.replace(/^endpoint = .*$/m, `endpoint = ${proxy.url}`));

    const versionOfB = await ledger.edit(b.folder, 'x.md', 'B');
    const racing = await b.bisync();
    expect(proxy.held()).toBe(true);
    // rclone < 1.66 stops the run when the object its copy sets aside is not the one it listed
    // ("corrupted on transfer", exit 6, the app's version untouched): the next run's recovery keeps both.
    const stoppedByRclone = !rcloneAtLeast('1.66');
    expect(racing.exitCode, racing.stderr).toBe(stoppedByRclone ? 6 : 0);
    if (!stoppedByRclone) expect(racing.stderr).toMatch(/another machine uploaded while this run replaced it in the cloud/);

    for (const machine of [a, b, a, b]) {
      const settle = await machine.bisync();
      expect(settle.exitCode, settle.stderr).toBe(0);
    }
    expect(await ledger.lost(tenant.places())).toEqual([]);
    // The app's version is a conflict copy on both machines and in the bucket; the backups are gone.
    const copies = async (folder: string) => (await fs.readdir(folder)).filter((name) => /^x\.conflict-\d{8}-\d{6}(-\d+)?\.md$/.test(name));
    const [copyOnA, copyOnB] = [await copies(a.folder), await copies(b.folder)];
    expect(copyOnB).toHaveLength(1);
    expect(copyOnA).toEqual(copyOnB);
    // The newer version keeps the name (a recovery decides by age), the other is the copy.
    const kept = await Promise.all(['x.md', copyOnB[0] ?? ''].map((name) => fs.readFile(path.join(b.folder, name), 'utf8')));
    expect(kept.sort()).toEqual([appVersion, versionOfB].sort());
    const bucket = (await rcloneAs(a.user, ['lsf', '-R', tenant.bucket])).stdout.split('\n');
    expect(bucket).toContain(copyOnB[0]);
    expect(bucket.filter((name) => name.startsWith(CLOUD_BACKUPS_DIR) || name.endsWith(REPLACED_SUFFIX))).toEqual([]);
  }, 170_000);
});
