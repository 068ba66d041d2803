#!/usr/bin/env node
// Watch latency: from a local write to the object in the bucket, with `cloud bisync --watch`, at
// 100, 2,000 and 10,000 notes, beside one plain `rclone bisync` with the old flags (the profile's
// size,modtime on 1.66+) carrying one changed note on the same tree. Goal at 10,000 notes on rclone
// 1.66+: median at most 3 s. Sizes: BENCH_SIZES=100,2000,10000; watched edits per size: BENCH_SAMPLES (10).
import fs from 'node:fs/promises';
import path from 'node:path';
import { benchEachSize, bucketProbe, median, percentile, rcloneVersionOf, runRclone, startWatch, timed } from './bisync-common.js';

const DEBOUNCE_MS = 250; // one note saved: src/bisync/commands.ts WATCH_QUICK_DEBOUNCE
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10);
const sizes = (process.env.BENCH_SIZES ?? '100,2000,10000').split(',').map(Number);
const GOAL_MS = 3000;
const GOAL_NOTES = 10000;

await benchEachSize(sizes, { what: 'median', ms: GOAL_MS, notes: GOAL_NOTES }, async ({ size, tenant, plainArgs }) => {
  const plain = [];
  for (let sample = 0; sample < 3; sample += 1) {
    await fs.writeFile(path.join(tenant.localPath, `plain-${sample}.md`), `plain ${sample}\n`);
    plain.push(await timed(() => runRclone(tenant, plainArgs)));
  }
  const bucket = await bucketProbe(tenant);
  const watch = await startWatch(tenant);
  const latencies = [];
  for (let sample = 0; sample < SAMPLES; sample += 1) {
    const before = watch.syncsDone();
    const key = `watched-${sample}.md`;
    const started = process.hrtime.bigint();
    await fs.writeFile(path.join(tenant.localPath, key), `written at ${Date.now()}\n`);
    while (!(await bucket.has(key))) await new Promise((resolve) => setTimeout(resolve, 25));
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    await watch.waitForSyncs(before + 1);
  }
  // A save over a note the bucket has: on rclone 1.66+ its old object is moved to the run's backup dir first.
  const edits = [];
  for (let sample = 0; sample < SAMPLES; sample += 1) {
    const before = watch.syncsDone();
    const key = `folder-${sample % 20}/note-${sample}.md`;
    const old = await bucket.etag(key);
    const started = process.hrtime.bigint();
    await fs.writeFile(path.join(tenant.localPath, key), `edited at ${Date.now()}\n`);
    while ((await bucket.etag(key)) === old) await new Promise((resolve) => setTimeout(resolve, 25));
    edits.push(Number(process.hrtime.bigint() - started) / 1e6);
    await watch.waitForSyncs(before + 1);
  }
  await watch.stop();
  bucket.close();
  console.log(`watch latency, ${size} notes, rclone ${await rcloneVersionOf(tenant)}`);
  console.log(`  new note -> in bucket (cloud bisync --watch)  median ${median(latencies).toFixed(0)} ms, p90 ${percentile(latencies, 90).toFixed(0)} ms  (${latencies.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  edit of a note -> in bucket (the same watch)  median ${median(edits).toFixed(0)} ms, p90 ${percentile(edits, 90).toFixed(0)} ms  (${edits.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  rclone bisync, old flags, one change         median ${median(plain).toFixed(0)} ms  (${plain.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  (debounce ${DEBOUNCE_MS} ms included in the watch figure)`);
  return median(latencies);
});
