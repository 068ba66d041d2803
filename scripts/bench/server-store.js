#!/usr/bin/env node
// The embedded store against a bare store without any gate: 500 small files uploaded with rclone
// through the gated embedded store, and the same upload straight to a bare s3rver (the emulator the
// project used before its own store, installed on the fly by old-store.js), side by side, several
// rounds alternating. Prints each round, the medians and their ratio (the target is <= 1.3).
// Run `npm run build` first: this imports the built server from dist/.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, startOldStore, timedRclone } from './old-store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { startServer } = await import(path.join(root, 'dist', 'server', 'index.js'));

const FILES = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bench-store-'));
const source = path.join(work, 'files');
await fs.mkdir(source);
for (let i = 0; i < FILES; i += 1) {
  await fs.writeFile(path.join(source, `note-${String(i).padStart(3, '0')}.md`), `# note ${i}\n${'lorem ipsum '.repeat(40)}\n`);
}

const gated = await startServer({ dataDir: path.join(work, 'server'), port: 0, s3Port: 0 });
const { token, bucketName } = await gated.mintToken('new');
const response = await fetch(`${gated.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
const credential = await response.json();

const bare = await startOldStore('bench');
const targets = {
  gated: { endpoint: credential.endpoint_url, accessKey: credential.access_key, secretKey: credential.secret_key, bucket: bucketName },
  bare: bare.target,
};

async function upload(target, prefix) {
  const [ms] = await timedRclone(target, ['copy', source, `:s3:${target.bucket}/${prefix}`]);
  return ms;
}

const times = { gated: [], bare: [] };
try {
  // One warm-up each so neither side pays for first-run costs.
  await upload(targets.bare, 'warmup');
  await upload(targets.gated, 'warmup');
  for (let round = 1; round <= ROUNDS; round += 1) {
    const order = round % 2 === 0 ? ['gated', 'bare'] : ['bare', 'gated'];
    for (const name of order) times[name].push(await upload(targets[name], `round-${round}`));
    console.log(`round ${round}: bare s3rver ${times.bare.at(-1).toFixed(0)} ms, gated store ${times.gated.at(-1).toFixed(0)} ms`);
  }
  const ratio = median(times.gated) / median(times.bare);
  console.log(`${FILES} files with rclone, median of ${ROUNDS}: bare s3rver ${median(times.bare).toFixed(0)} ms, gated store ${median(times.gated).toFixed(0)} ms, ratio ${ratio.toFixed(2)} (target <= 1.30)`);
  process.exitCode = ratio <= 1.3 ? 0 : 1;
} finally {
  await gated.close();
  await bare.close();
  await fs.rm(work, { recursive: true, force: true });
}
