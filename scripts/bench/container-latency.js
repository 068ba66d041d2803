#!/usr/bin/env node
// Container latency: from a local write under `cloud bisync --watch` to the note in the tenant
// container's view (GET /tenant/notes), with all four SPEC-8 sync layers on, at 100 and 2,000 notes;
// plus the container's cold start-up (mount verified and notes listed; SPEC-8: under 5 s) and how long
// its titles take after that.
// Goal: median under 2 s at 100 notes. Sizes: BENCH_SIZES=100,2000; samples: BENCH_SAMPLES=20.
import fs from 'node:fs/promises';
import path from 'node:path';
import { benchEachSize, bucketProbe, median, rcloneVersionOf, runCli, setUpTenant, startWatch, writeNotes } from './bisync-common.js';

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

/** GET /tenant/notes of `tenant` as JSON. */
async function notesOf(tenant) {
  const response = await fetch(`${tenant.apiUrl}/tenant/notes`, { headers: { authorization: `Bearer ${tenant.token}` } });
  if (!response.ok) throw new Error(`GET /tenant/notes: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * A cold start: a tenant whose bucket holds `size` notes and whose container has not run (no layer
 * on, so the CLI's notification starts nothing); its first GET /tenant/notes starts it. Returns the
 * start-up the container reports and how long after its answer every title was read.
 */
async function coldStart(size) {
  const tenant = await setUpTenant({ container: { layers: new Set() } });
  try {
    await writeNotes(tenant.localPath, size);
    await runCli(tenant, ['cloud', 'bisync']);
    const first = await notesOf(tenant);
    const answered = process.hrtime.bigint();
    while ((await notesOf(tenant)).container.titles_pending > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    return { startupMs: first.container.startup_ms, listed: first.notes.length, titlesMs: Number(process.hrtime.bigint() - answered) / 1e6 };
  } finally {
    await tenant.cleanup();
  }
}

await benchEachSize(
  sizes,
  { what: 'median', ms: GOAL_MS, notes: GOAL_NOTES },
  async ({ size, tenant }) => {
    const notes = () => notesOf(tenant);
    const cold = await coldStart(size);
    const bucket = await bucketProbe(tenant);
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
    console.log(`  container cold start-up (mount + index of ${cold.listed} notes)  ${cold.startupMs} ms; every title read ${cold.titlesMs.toFixed(0)} ms after its answer`);
    console.log(`  local write -> GET /tenant/notes   median ${median(latencies).toFixed(0)} ms  p90 ${percentile(latencies, 0.9).toFixed(0)} ms  (${latencies.map((ms) => ms.toFixed(0)).join(', ')})`);
    console.log(`  of which in bucket -> visible      median ${median(containerShares).toFixed(0)} ms  p90 ${percentile(containerShares, 0.9).toFixed(0)} ms`);
    bucket.close();
    return median(latencies);
  },
  { container: { layers: new Set(['sync', 'webhook', 'cli', 'periodic']) } },
);
