import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rcloneAs } from '../../support/tenant.js';
import { VersionLedger } from '../../support/versions.js';
import { useTwoMachines } from './machines.js';

// Issue 8: a note saved while a run pulls another one. rclone 1.60 lists the folder again after its
// copies and recorded the save as synced without uploading it: every later run said "No changes
// found", and the bucket (and so every other machine) kept the old version until a pull replaced the
// save. The pull is slowed with rclone's own RCLONE_BWLIMIT, so the save lands while it runs.
const newTenant = useTwoMachines();

/** Resolves once a file whose name starts with `prefix` is in `folder` (a pull has begun writing it). */
async function appears(folder: string, prefix: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await fs.readdir(folder)).some((name) => name.startsWith(prefix))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing named ${prefix}… appeared in ${folder}`);
}

describe('a note saved while a run pulls another', () => {
  it('is uploaded by the next run (rclone 1.60 recorded it as synced)', async () => {
    const ledger = new VersionLedger();
    const tenant = await newTenant();
    const [a, b] = tenant.machines;
    await ledger.edit(a.folder, 'x.md', 'A');
    await ledger.edit(a.folder, 'other.md', 'A');
    expect((await a.bisync()).exitCode).toBe(0);

    // Two megabytes from the cloud, pulled at one megabyte a second.
    const large = path.join(b.user.home, 'large.bin');
    await fs.writeFile(large, randomBytes(2 * 1024 * 1024));
    await rcloneAs(b.user, ['copyto', large, `${tenant.bucket}/large.bin`]);
    const pulling = a.user.run(['cloud', 'bisync', '--verbose'], { env: { RCLONE_BWLIMIT: '1M' }, timeoutMs: 120_000 });
    await appears(a.folder, 'large.bin');
    const saved = await ledger.edit(a.folder, 'x.md', 'A');
    const pulled = await pulling;
    expect(pulled.exitCode, pulled.stderr).toBe(0);

    const next = await a.bisync();
    expect(next.exitCode, next.stderr).toBe(0);
    expect((await rcloneAs(a.user, ['cat', `${tenant.bucket}/x.md`])).stdout).toBe(saved);
    expect((await b.bisync()).exitCode).toBe(0);
    expect(await fs.readFile(path.join(b.folder, 'x.md'), 'utf8')).toBe(saved);
    expect(await ledger.lost(tenant.places())).toEqual([]);
  }, 170_000);

  it('a note saved again while the run uploads its previous version is uploaded by the next run', async () => {
    const ledger = new VersionLedger();
    const tenant = await newTenant();
    const [a, b] = tenant.machines;
    await ledger.edit(a.folder, 'other.md', 'A');
    await fs.writeFile(path.join(a.folder, 'large.md'), `A ${randomBytes(1024 * 1024).toString('hex')}\n`);
    expect((await a.bisync()).exitCode).toBe(0);

    // Two megabytes up at one megabyte a second; the save lands while they travel.
    await fs.writeFile(path.join(a.folder, 'large.md'), `A2 ${randomBytes(1024 * 1024).toString('hex')}\n`);
    const uploading = a.user.run(['cloud', 'bisync'], { env: { RCLONE_BWLIMIT: '1M' }, timeoutMs: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const saved = `A3 ${randomBytes(1024 * 1024).toString('hex')}\n`;
    await fs.writeFile(path.join(a.folder, 'large.md'), saved);
    const uploaded = await uploading;
    // rclone may notice the note changed under it and stop (exit 6): the next run recovers either way.
    expect([0, 6], uploaded.stderr).toContain(uploaded.exitCode);

    for (const machine of [a, a]) expect((await machine.bisync()).exitCode).toBe(0);
    expect((await b.bisync()).exitCode).toBe(0);
    expect(await fs.readFile(path.join(b.folder, 'large.md'), 'utf8')).toBe(saved);
    expect(await ledger.lost(tenant.places())).toEqual([]);
  }, 170_000);
});
