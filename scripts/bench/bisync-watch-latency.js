#!/usr/bin/env node
// Watch latency: from a local write to the object in the bucket, with `cloud bisync --watch`, at
// 100, 2,000 and 10,000 notes, beside one plain `rclone bisync` with the old flags (the profile's
// size,modtime on 1.66+) carrying one changed note on the same tree. Goal at 10,000 notes on rclone
// 1.66+: median at most 3 s. Sizes: BENCH_SIZES=100,2000,10000.
import fs from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { benchEachSize, median, rcloneVersionOf, runRclone, startCli, timed } from './bisync-common.js';

const DEBOUNCE_MS = 250; // one note saved: src/bisync/commands.ts WATCH_QUICK_DEBOUNCE
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const sizes = (process.env.BENCH_SIZES ?? '100,2000,10000').split(',').map(Number);
const GOAL_MS = 3000;
const GOAL_NOTES = 10000;

await benchEachSize(sizes, { what: 'median', ms: GOAL_MS, notes: GOAL_NOTES }, async ({ size, tenant, plainArgs }) => {
  const plain = [];
  for (let sample = 0; sample < 3; sample += 1) {
    await fs.writeFile(path.join(tenant.localPath, `plain-${sample}.md`), `plain ${sample}\n`);
    plain.push(await timed(() => runRclone(tenant, plainArgs)));
  }
  const s3 = new S3Client({
    endpoint: tenant.created.endpoint_url,
    region: tenant.created.region,
    forcePathStyle: true,
    credentials: { accessKeyId: tenant.created.access_key, secretAccessKey: tenant.created.secret_key },
  });
  const inBucket = (key) => s3.send(new HeadObjectCommand({ Bucket: tenant.bucketName, Key: key })).then(() => true, () => false);

  const watch = startCli(tenant, ['cloud', 'bisync', '--watch', '--interval', '1h']);
  let log = '';
  watch.stderr.on('data', (chunk) => (log += chunk.toString()));
  // Off a terminal the watch writes one status line per run.
  const syncsDone = () => (log.match(/^✓ \d\d:\d\d:\d\d /gm) ?? []).length;
  const waitForSyncs = async (count) => {
    while (syncsDone() < count) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await waitForSyncs(1);
  const latencies = [];
  for (let sample = 0; sample < SAMPLES; sample += 1) {
    const before = syncsDone();
    const key = `watched-${sample}.md`;
    const started = process.hrtime.bigint();
    await fs.writeFile(path.join(tenant.localPath, key), `written at ${Date.now()}\n`);
    while (!(await inBucket(key))) await new Promise((resolve) => setTimeout(resolve, 25));
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    await waitForSyncs(before + 1);
  }
  watch.kill('SIGINT');
  await new Promise((resolve) => watch.on('exit', resolve));
  console.log(`watch latency, ${size} notes, rclone ${await rcloneVersionOf(tenant)}`);
  console.log(`  write -> in bucket (cloud bisync --watch)    median ${median(latencies).toFixed(0)} ms  (${latencies.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  rclone bisync, old flags, one change         median ${median(plain).toFixed(0)} ms  (${plain.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`  (debounce ${DEBOUNCE_MS} ms included in the watch figure)`);
  return median(latencies);
});
