import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUD_LEASES_PREFIX } from '../../../src/bisync/cloud-lease.js';
import { rcloneAs } from '../../support/tenant.js';
import { spawnCli, waitFor } from '../bisync/helpers.js';
import { useTwoMachines } from './machines.js';

// Issue 8: two machines never write to the bucket at once (src/bisync/cloud-lease.ts). Another
// machine's live marker holds a run back before it writes anything; the run goes on once the marker
// is gone, and its own marker never outlives it. (A crashed machine's marker, ignored once older
// than the lease's two minutes, is a unit test: the store dates objects itself.)
const newTenant = useTwoMachines();

describe('the bucket\'s lease: one machine writes at a time', () => {
  it('holds a sync back while another machine\'s marker is live, then syncs, leaving no marker', async () => {
    const tenant = await newTenant();
    const [a] = tenant.machines;
    await fs.mkdir(a.folder, { recursive: true });
    await fs.writeFile(path.join(a.folder, 'first.md'), 'first');
    expect((await a.bisync()).exitCode).toBe(0);

    const otherMarker = `${tenant.bucket}/${CLOUD_LEASES_PREFIX}desktop.0123456789`;
    await rcloneAs(a.user, ['touch', otherMarker]);
    await fs.writeFile(path.join(a.folder, 'held.md'), 'written while the other machine syncs');
    const run = spawnCli(a.user, ['cloud', 'bisync', '--verbose']);
    await waitFor(() => Promise.resolve(run.stderr().includes('Waiting for another machine (desktop) to finish syncing these notes')), 30_000, 'the waiting line');
    // Held back by effect: nothing was uploaded while the other machine held the lease.
    const listed = async () => (await rcloneAs(a.user, ['lsf', '-R', '--files-only', tenant.bucket])).stdout.split('\n').filter(Boolean);
    expect(await listed()).not.toContain('held.md');

    await rcloneAs(a.user, ['deletefile', otherMarker]);
    expect(await run.exit, run.stderr()).toBe(0);
    // The AWS SDK the lease uses says nothing of its own (its Node-version warning) in a sync's output.
    expect(run.stderr()).not.toMatch(/Warning/);
    const after = await listed();
    expect(after).toContain('held.md');
    expect(after.filter((name) => name.startsWith(CLOUD_LEASES_PREFIX))).toEqual([]);
  }, 120_000);
});
