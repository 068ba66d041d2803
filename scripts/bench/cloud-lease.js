// What the bucket's lease (src/bisync/cloud-lease.ts) costs a sync: its acquire and release
// (a marker written, the markers listed, the marker removed, through the AWS SDK) beside a
// `cloud bisync` that uploads one edited note, in the same run, on the same tenant.
//   npm run build && node scripts/bench/cloud-lease.js      (BENCH_NOTES=2000 BENCH_ROUNDS=7)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, rcloneVersionOf, root, runCli, setUpTenant, timed, writeNotes } from './bisync-common.js';

const notes = Number(process.env.BENCH_NOTES ?? 2000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);

const { acquireCloudLease, leaseHolder } = await import(path.join(root, 'dist', 'bisync', 'cloud-lease.js'));
const { s3LeaseStore } = await import(path.join(root, 'dist', 'bisync', 'lease-store.js'));

const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, notes);
  await runCli(tenant, ['cloud', 'bisync']);
  const store = await s3LeaseStore({
    endpointUrl: tenant.created.endpoint_url,
    region: tenant.created.region,
    bucket: tenant.bucketName,
    accessKey: tenant.created.access_key,
    secretKey: tenant.created.secret_key,
    tigris: false,
    caBundle: undefined,
    signal: new AbortController().signal,
    proxy: undefined,
  });
  const holder = leaseHolder(os.hostname(), path.join(tenant.localPath, 'bench'));
  const leaseTimes = [];
  const syncTimes = [];
  for (let round = 0; round < rounds; round += 1) {
    leaseTimes.push(await timed(async () => {
      const lease = await acquireCloudLease(store, { holder, stopping: () => false, onWaiting: () => undefined });
      await lease.release();
    }));
    await fs.writeFile(path.join(tenant.localPath, 'folder-0', 'note-0.md'), `# Note 0\n\nedit ${round}\n`);
    syncTimes.push(await timed(() => runCli(tenant, ['cloud', 'bisync'])));
  }
  const lease = median(leaseTimes);
  const sync = median(syncTimes);
  console.log(`rclone ${await rcloneVersionOf(tenant)}, ${notes} notes, ${rounds} rounds (medians):`);
  console.log(`  cloud bisync uploading one edited note (lease included): ${sync.toFixed(0)} ms`);
  console.log(`  the lease alone (acquire + release, SDK loaded): ${lease.toFixed(1)} ms = ${((100 * lease) / sync).toFixed(1)} % of the sync`);
} finally {
  await tenant.cleanup();
}
