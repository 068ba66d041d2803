#!/usr/bin/env node
// Container latency: from a local write under `cloud bisync --watch` to the note in the tenant
// container's view (GET /tenant/notes), with all four SPEC-8 sync layers on, at 100 and 2,000 notes;
// plus the container's start-up (mount verified and index ready; SPEC-8: under 5 s).
// Goal: median under 2 s at 100 notes. Sizes: BENCH_SIZES=100,2000; samples: BENCH_SAMPLES=20.
import fs from 'node:fs/promises';
import path from 'node:path';
import { benchEachSize, bucketProbe, median, rcloneVersionOf, startWatch } from './bisync-common.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const sizes = (process.env.BENCH_SIZES ?? '100,2000').split(',').map(Number);
const GOAL_MS = 2000;
const GOAL_NOTES = 100;
const POLL_MS = 50;
/** A note not visible after this long fails the bench rather than polling for ever. */
const SAMPLE_BOUND_MS = 60_000;

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
    const bucket = await bucketProbe(tenant);
    const first = await notes();
    // The container answers once its notes are listed and reads their titles after.
    const titlesFrom = process.hrtime.bigint();
    while ((await notes()).container.titles_pending > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const titlesMs = Number(process.hrtime.bigint() - titlesFrom) / 1e6;
    const watch = await startWatch(tenant);
    const latencies = [];
    const containerShares = [];
    const since = (started) => Number(process.hrtime.bigint() - started) / 1e6;
    for (let sample = 0; sample < SAMPLES; sample += 1) {
      const before = watch.syncsDone();
      const key = `container-${sample}.md`;
      const started = process.hrtime.bigint();
      await fs.writeFile(path.join(tenant.localPath, key), `# Written at ${Date.now()}\n`);
      // Both polled side by side: the bucket's time splits the figure into the CLI's part and the container's.
      let bucketMs;
      for (;;) {
        if (bucketMs === undefined && (await bucket.has(key))) bucketMs = since(started);
        if ((await notes()).notes.some((note) => note.path === key)) break;
        if (since(started) > SAMPLE_BOUND_MS) throw new Error(`${key} was not visible in the container after ${SAMPLE_BOUND_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const visibleMs = since(started);
      latencies.push(visibleMs);
      containerShares.push(visibleMs - (bucketMs ?? visibleMs));
      await watch.waitForSyncs(before + 1);
    }
    await watch.stop();
    console.log(`container latency, ${size} notes, rclone ${await rcloneVersionOf(tenant)}, all layers on`);
    console.log(`  container start-up (mount + index of ${first.notes.length} notes)  ${first.container.startup_ms} ms; every title read ${titlesMs.toFixed(0)} ms later`);
    console.log(`  local write -> GET /tenant/notes   median ${median(latencies).toFixed(0)} ms  p90 ${percentile(latencies, 0.9).toFixed(0)} ms  (${latencies.map((ms) => ms.toFixed(0)).join(', ')})`);
    console.log(`  of which in bucket -> visible      median ${median(containerShares).toFixed(0)} ms  p90 ${percentile(containerShares, 0.9).toFixed(0)} ms`);
    bucket.close();
    return median(latencies);
  },
  { container: { layers: new Set(['sync', 'webhook', 'cli', 'periodic']) } },
);
