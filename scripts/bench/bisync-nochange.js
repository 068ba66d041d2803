#!/usr/bin/env node
// A no-change `cloud bisync` on 2,000 notes against a plain `rclone bisync` with the same flags,
// interleaved in one run so both see the same machine load. Target: ratio at most 1.15.
import { median, plainBisyncArgs, runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';

const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  const plainArgs = await plainBisyncArgs(tenant);
  // Warm both paths once (page cache, first connection).
  await runCli(tenant, ['cloud', 'bisync']);
  await runRclone(tenant, plainArgs);
  const ours = [];
  const plain = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    ours.push(await timed(() => runCli(tenant, ['cloud', 'bisync'])));
    plain.push(await timed(() => runRclone(tenant, plainArgs)));
  }
  const ratio = median(ours) / median(plain);
  console.log(`no-change bisync on ${NOTES} notes, ${ROUNDS} rounds interleaved`);
  console.log(`  cloud bisync   median ${median(ours).toFixed(0)} ms  (${ours.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  rclone bisync  median ${median(plain).toFixed(0)} ms  (${plain.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  ratio ${ratio.toFixed(3)} (target <= 1.15): ${ratio <= 1.15 ? 'PASS' : 'FAIL'}`);
  process.exitCode = ratio <= 1.15 ? 0 : 1;
} finally {
  await tenant.cleanup();
}
