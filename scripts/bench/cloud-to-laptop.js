#!/usr/bin/env node
// Cloud → laptop: from a write straight to the bucket by another key (the cloud app, an assistant)
// to the note on this machine, with the change feed and without it (the polling baseline), in one run:
//  - `cloud bisync --watch` (100 notes): until the file is in the folder; the goal is median < 2 s
//    plus one sync run (the run's own duration is printed beside it);
//  - `cloud mount` (profile balanced, listings cached 10 s): until the folder lists it; goal median < 1.5 s.
// The baselines run the same with the server's feed off (404): watch at BENCH_POLL_INTERVAL
// (default 10s) and the mount at its dir-cache time. Run after `npm run build`.
import fs from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { median, rcloneVersionOf, runCli, setUpTenant, startCli, writeNotes } from './bisync-common.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const POLL_INTERVAL = process.env.BENCH_POLL_INTERVAL ?? '10s';
const NOTES = 100;
const WATCH_GOAL_MS = 2000;
const MOUNT_GOAL_MS = 1500;
const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A second credential of the tenant, writing through the AWS SDK. */
async function otherWriter(tenant) {
  const response = await fetch(`${tenant.apiUrl}/tenant/mount/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description: 'bench: another writer' }),
  });
  const created = await response.json();
  const s3 = new S3Client({ endpoint: created.endpoint_url, region: created.region, forcePathStyle: true, credentials: { accessKeyId: created.access_key, secretAccessKey: created.secret_key } });
  return { put: (key, text) => s3.send(new PutObjectCommand({ Bucket: tenant.bucketName, Key: key, Body: text })), close: () => s3.destroy() };
}

async function waitUntil(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await settle(20);
  }
}

const lastRun = async (tenant) => JSON.parse(await fs.readFile(path.join(tenant.stateDir, `bisync-state-${tenant.tenantId}.json`), 'utf8').catch(() => '{}')).lastRun;

async function watchLatency(feed) {
  const tenant = await setUpTenant(feed ? {} : { changeFeed: false });
  try {
    await writeNotes(tenant.localPath, NOTES);
    await runCli(tenant, ['cloud', 'bisync']);
    const writer = await otherWriter(tenant);
    const watch = startCli(tenant, ['cloud', 'bisync', '--watch', '--interval', feed ? '1h' : POLL_INTERVAL]);
    let log = '';
    watch.stderr.on('data', (chunk) => (log += chunk.toString()));
    const first = (await lastRun(tenant))?.startedAt;
    await waitUntil(async () => (await lastRun(tenant))?.startedAt !== first, 60_000);
    await settle(1_000);
    const latencies = [];
    const runs = [];
    for (let sample = 0; sample < SAMPLES; sample += 1) {
      const key = `from-cloud-${sample}.md`;
      const started = process.hrtime.bigint();
      await writer.put(key, `written in the cloud ${sample}\n`);
      await waitUntil(() => fs.access(path.join(tenant.localPath, key)).then(() => true, () => false), 120_000);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      await settle(500);
      runs.push((await lastRun(tenant)).durationMs);
      // A polling watch's samples start at random points of its interval, as a user's writes do.
      if (!feed) await settle(Math.random() * 3_000);
    }
    watch.kill('SIGINT');
    await new Promise((resolve) => watch.on('exit', resolve));
    writer.close();
    return { latencies, runs, said: /checking for cloud changes every/.test(log), version: await rcloneVersionOf(tenant) };
  } finally {
    await tenant.cleanup();
  }
}

async function mountLatency(feed) {
  const tenant = await setUpTenant(feed ? {} : { changeFeed: false });
  try {
    const writer = await otherWriter(tenant);
    await runCli(tenant, ['cloud', 'mount', '--profile', 'balanced']);
    await settle(1_000);
    const latencies = [];
    for (let sample = 0; sample < SAMPLES; sample += 1) {
      const key = `mounted-${sample}.md`;
      await fs.readdir(tenant.localPath);
      const started = process.hrtime.bigint();
      await writer.put(key, `written in the cloud ${sample}\n`);
      await waitUntil(async () => (await fs.readdir(tenant.localPath)).includes(key), 60_000);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (!feed) await settle(Math.random() * 3_000);
    }
    await runCli(tenant, ['cloud', 'unmount']);
    writer.close();
    return { latencies };
  } finally {
    await tenant.cleanup();
  }
}

const fmt = (values) => `median ${median(values).toFixed(0)} ms  (${values.map((ms) => ms.toFixed(0)).join(', ')})`;
const pushWatch = await watchLatency(true);
const pollWatch = await watchLatency(false);
const pushMount = await mountLatency(true);
const pollMount = await mountLatency(false);
const oneRun = median(pushWatch.runs);
console.log(`cloud write (another key) -> this machine, ${SAMPLES} samples, rclone ${pushWatch.version}`);
console.log(`  bisync --watch, change feed (${NOTES} notes)        ${fmt(pushWatch.latencies)}; one sync run median ${oneRun.toFixed(0)} ms`);
console.log(`  bisync --watch, polling every ${POLL_INTERVAL} (no feed)    ${fmt(pollWatch.latencies)}${pollWatch.said ? '; said so once' : ''}`);
console.log(`  mount (balanced), companion on the feed           ${fmt(pushMount.latencies)}`);
console.log(`  mount (balanced), no feed: dir-cache time 10s     ${fmt(pollMount.latencies)}`);
const watchOk = median(pushWatch.latencies) - oneRun < WATCH_GOAL_MS;
const mountOk = median(pushMount.latencies) < MOUNT_GOAL_MS;
console.log(`  goal watch median < ${WATCH_GOAL_MS} ms plus one sync run: ${watchOk ? 'PASS' : 'FAIL'}; goal mount median < ${MOUNT_GOAL_MS} ms: ${mountOk ? 'PASS' : 'FAIL'}`);
process.exitCode = watchOk && mountOk ? 0 : 1;
