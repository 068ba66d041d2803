#!/usr/bin/env node
// A no-change `cloud bisync` at 100, 2,000 and 10,000 notes beside a plain `rclone bisync` with the
// old flags (the profile's size,modtime on 1.66+), interleaved in one run so both see the same load.
// Goal at 10,000 notes on rclone 1.66+: cloud bisync at most 2 s. Sizes: BENCH_SIZES=100,2000,10000.
import { benchEachSize, median, rcloneVersionOf, runCli, runRclone, timed } from './bisync-common.js';

const sizes = (process.env.BENCH_SIZES ?? '100,2000,10000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GOAL_MS = 2000;
const GOAL_NOTES = 10000;

await benchEachSize(sizes, { what: 'median', ms: GOAL_MS, notes: GOAL_NOTES }, async ({ size, tenant, plainArgs }) => {
  // Warm both paths once (page cache, first connection); the CLI's first run also settles the comparison.
  await runCli(tenant, ['cloud', 'bisync']);
  await runRclone(tenant, plainArgs);
  const ours = [];
  const plain = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    ours.push(await timed(() => runCli(tenant, ['cloud', 'bisync'])));
    plain.push(await timed(() => runRclone(tenant, plainArgs)));
  }
  const listing = await timed(() => runRclone(tenant, ['lsf', '-R', tenant.remotePath]));
  console.log(`no-change bisync, ${size} notes, rclone ${await rcloneVersionOf(tenant)}, ${ROUNDS} rounds interleaved`);
  console.log(`  cloud bisync                 median ${median(ours).toFixed(0)} ms  (${ours.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  rclone bisync, old flags     median ${median(plain).toFixed(0)} ms  (${plain.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  rclone lsf -R of the bucket  ${listing.toFixed(0)} ms (the store's listing alone)`);
  return median(ours);
});
