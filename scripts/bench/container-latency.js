#!/usr/bin/env node
// Container latency: from a local write under `cloud bisync --watch` to the note in the tenant
// container's view (GET /tenant/notes), with all four SPEC-8 sync layers on, at 100 and 2,000 notes;
// plus the container's start-up (mount verified and index ready; SPEC-8: under 5 s).
// Goal: median under 2 s at 100 notes. Sizes: BENCH_SIZES=100,2000; samples: BENCH_SAMPLES=20.
import fs from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { benchEachSize, median, rcloneVersionOf, startCli } from './bisync-common.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const sizes = (process.env.BENCH_SIZES ?? '100,2000').split(',').map(Number);
const GOAL_MS = 2000;
const GOAL_NOTES = 100;
const POLL_MS = 50;

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

await benchEachSize(
  sizes,
  { what: 'median', ms: GOAL_MS, notes: GOAL_NOTES },
  async ({ size, tenant }) => {
    const notes = async () => {
      const response = await fetch(`${tenant.apiUrl}/tenant/notes`, { headers: { authorization: `Bearer ${tenant.token}` } });
      if (!response.ok) throw new Error(`GET /tenant/notes: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const s3 = new S3Client({
      endpoint: tenant.created.endpoint_url,
      region: tenant.created.region,
      forcePathStyle: true,
      credentials: { accessKeyId: tenant.created.access_key, secretAccessKey: tenant.created.secret_key },
    });
    const inBucket = (key) => s3.send(new HeadObjectCommand({ Bucket: tenant.bucketName, Key: key })).then(() => true, () => false);
    const first = await notes();
    const watch = startCli(tenant, ['cloud', 'bisync', '--watch', '--interval', '1h']);
    let log = '';
    watch.stderr.on('data', (chunk) => (log += chunk.toString()));
    // One `✓ hh:mm:ss …` status line per finished sync (src/bisync/status-line.ts, off a terminal).
    const syncsDone = () => (log.match(/^✓ \d\d:\d\d:\d\d /gm) ?? []).length;
    const waitForSyncs = async (count) => {
      while (syncsDone() < count) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await waitForSyncs(1);
    const latencies = [];
    const containerShares = [];
    const since = (started) => Number(process.hrtime.bigint() - started) / 1e6;
    for (let sample = 0; sample < SAMPLES; sample += 1) {
      const before = syncsDone();
      const key = `container-${sample}.md`;
      const started = process.hrtime.bigint();
      await fs.writeFile(path.join(tenant.localPath, key), `# Written at ${Date.now()}\n`);
      // Both polled side by side: the bucket's time splits the figure into the CLI's part and the container's.
      let bucketMs;
      for (;;) {
        if (bucketMs === undefined && (await inBucket(key))) bucketMs = since(started);
        if ((await notes()).notes.some((note) => note.path === key)) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const visibleMs = since(started);
      latencies.push(visibleMs);
      containerShares.push(visibleMs - (bucketMs ?? visibleMs));
      await waitForSyncs(before + 1);
    }
    watch.kill('SIGINT');
    await new Promise((resolve) => watch.on('exit', resolve));
    console.log(`container latency, ${size} notes, rclone ${await rcloneVersionOf(tenant)}, all layers on`);
    console.log(`  container start-up (mount + index of ${first.notes.length} notes)  ${first.container.startup_ms} ms`);
    console.log(`  local write -> GET /tenant/notes   median ${median(latencies).toFixed(0)} ms  p90 ${percentile(latencies, 0.9).toFixed(0)} ms  (${latencies.map((ms) => ms.toFixed(0)).join(', ')})`);
    console.log(`  of which in bucket -> visible      median ${median(containerShares).toFixed(0)} ms  p90 ${percentile(containerShares, 0.9).toFixed(0)} ms`);
    s3.destroy();
    return median(latencies);
  },
  { container: { layers: new Set(['sync', 'webhook', 'cli', 'periodic']) } },
);
