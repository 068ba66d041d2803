import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { rcloneAs } from '../../support/tenant.js';
import { VersionLedger } from '../../support/versions.js';
import { useTwoMachines, type Tenant } from './machines.js';

// Issue 8, L1: a baseline (--resync, a filters change, a recovery) on one machine must not overwrite
// another machine's acknowledged edit, whatever the two versions' ages.
const newTenant = useTwoMachines();

async function syncedTenant(ledger: VersionLedger): Promise<Tenant> {
  const tenant = await newTenant();
  const [a, b] = tenant.machines;
  for (const file of ['x.md', 'a.md', 'b.md', 'c.md']) await ledger.edit(a.folder, file, 'A');
  for (const machine of [a, b]) {
    const run = await machine.bisync();
    expect(run.exitCode, run.stderr).toBe(0);
  }
  return tenant;
}

async function expectNothingLost(ledger: VersionLedger, tenant: Tenant): Promise<void> {
  // Both machines settle (each pulls what the other pushed), then every version must be somewhere.
  for (const machine of [...tenant.machines, ...tenant.machines]) {
    const run = await machine.bisync();
    expect(run.exitCode, run.stderr).toBe(0);
  }
  expect(await ledger.lost(tenant.places())).toEqual([]);
}

const older = (seconds: number) => new Date(Date.now() - seconds * 1000);

describe('L1: a baseline keeps both versions of a note that differs', () => {
  for (const [label, aIsNewer] of [['the baseline machine has the newer edit', true], ['the baseline machine has the older edit', false]] as const) {
    it(`--resync: ${label}`, async () => {
      const ledger = new VersionLedger();
      const tenant = await syncedTenant(ledger);
      const [a, b] = tenant.machines;
      await ledger.edit(b.folder, 'x.md', 'B');
      await fs.utimes(path.join(b.folder, 'x.md'), older(aIsNewer ? 30 : 5), older(aIsNewer ? 30 : 5));
      expect((await b.bisync()).exitCode).toBe(0);
      await ledger.edit(a.folder, 'x.md', 'A');
      await fs.utimes(path.join(a.folder, 'x.md'), older(aIsNewer ? 5 : 30), older(aIsNewer ? 5 : 30));
      const baseline = await a.bisync('--resync');
      expect(baseline.exitCode, baseline.stderr).toBe(0);
      expect(baseline.stderr).toMatch(/x\.conflict-\d{8}-\d{6}\.md/);
      await expectNothingLost(ledger, tenant);
    });
  }

  it('a filters change: the other machine\'s edit survives the rebuilt baseline', async () => {
    const ledger = new VersionLedger();
    const tenant = await syncedTenant(ledger);
    const [a, b] = tenant.machines;
    await ledger.edit(b.folder, 'x.md', 'B');
    expect((await b.bisync()).exitCode).toBe(0);
    await ledger.edit(a.folder, 'x.md', 'A');
    await fs.appendFile(statePaths(a.user.stateDir).bisyncFilters, '- *.secret\n');
    const baseline = await a.bisync();
    expect(baseline.exitCode, baseline.stderr).toBe(0);
    expect(baseline.stderr).toContain('The filters file changed');
    await expectNothingLost(ledger, tenant);
  });

  it('a recovery: an empty file never takes the name of a non-empty version, and both are kept', async () => {
    const ledger = new VersionLedger();
    const tenant = await syncedTenant(ledger);
    const [a, b] = tenant.machines;
    const kept = await ledger.edit(b.folder, 'x.md', 'B');
    expect((await b.bisync()).exitCode).toBe(0);
    // What a pull that failed on a full disk leaves behind: a 0-byte note, newer than the cloud's.
    await fs.writeFile(path.join(a.folder, 'x.md'), '');
    const workdir = statePaths(a.user.stateDir).bisyncWorkdir(tenant.tenant.tenantId);
    for (const name of await fs.readdir(workdir)) {
      if (name.endsWith('.lst')) await fs.rename(path.join(workdir, name), path.join(workdir, `${name}-err`));
    }
    const recovery = await a.bisync();
    expect(recovery.exitCode, recovery.stderr).toBe(0);
    expect(recovery.stderr).toContain('recovering with a fresh baseline');
    expect(await fs.readFile(path.join(a.folder, 'x.md'), 'utf8')).toBe(kept);
    expect((await rcloneAs(a.user, ['cat', `${tenant.bucket}/x.md`])).stdout).toBe(kept);
    const copies = (await fs.readdir(a.folder)).filter((name) => /^x\.conflict-\d{8}-\d{6}\.md$/.test(name));
    expect(copies).toHaveLength(1);
    expect(await fs.readFile(path.join(a.folder, copies[0] ?? ''), 'utf8')).toBe('');
    await expectNothingLost(ledger, tenant);
  });
});
