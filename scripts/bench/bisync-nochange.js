#!/usr/bin/env node
// A no-change `cloud bisync` at 100, 2,000 and 10,000 notes beside a plain `rclone bisync` with the
// old flags (the profile's size,modtime on 1.66+), interleaved in one run so both see the same load.
// Goal at 10,000 notes on rclone 1.66+: cloud bisync at most 2 s. Sizes: BENCH_SIZES=100,2000,10000.
import { median, rcloneVersionOf, runCli, runRclone, separatePlainBisync, setUpTenant, timed, writeNotes } from './bisync-common.js';

const sizes = (process.env.BENCH_SIZES ?? '100,2000,10000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GOAL_MS = 2000;
const GOAL_NOTES = 10000;

let failed = false;
for (const size of sizes) {
  const tenant = await setUpTenant();
  try {
    await writeNotes(tenant.localPath, size);
    await runCli(tenant, ['cloud', 'bisync']);
    const plainArgs = await separatePlainBisync(tenant);
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
    if (size === GOAL_NOTES) {
      const ok = median(ours) <= GOAL_MS;
      failed ||= !ok;
      console.log(`  goal <= ${GOAL_MS} ms at ${GOAL_NOTES} notes: ${ok ? 'PASS' : 'FAIL'}`);
    }
  } finally {
    await tenant.cleanup();
  }
}
process.exitCode = failed ? 1 : 0;
