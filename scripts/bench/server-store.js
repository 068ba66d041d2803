#!/usr/bin/env node
// The cost of the store's signature gate: 500 small files uploaded with rclone through the gated
// embedded store, and the same upload straight to a bare s3rver (no gate), side by side, several
// rounds alternating. Prints each round, the medians and their ratio (the target is <= 1.3).
// Run `npm run build` first: this imports the built server from dist/.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import S3rver from '@20minutes/s3rver';

const execFileAsync = promisify(execFile);
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

const bare = new S3rver({ address: '127.0.0.1', port: 0, directory: path.join(work, 'bare'), silent: true, configureBuckets: [{ name: 'bench' }] });
const bareAddress = await bare.run();

// s3rver's built-in key pair; it checks that signature itself, cheaply, without any scoping.
const targets = {
  gated: { endpoint: credential.endpoint_url, accessKey: credential.access_key, secretKey: credential.secret_key, bucket: bucketName },
  bare: { endpoint: `http://127.0.0.1:${bareAddress.port}`, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: 'bench' },
};

async function upload(target, prefix) {
  const { AWS_CA_BUNDLE: _unused, ...env } = process.env;
  const started = process.hrtime.bigint();
  await execFileAsync('rclone', ['copy', source, `:s3:${target.bucket}/${prefix}`], {
    env: {
      ...env,
      RCLONE_CONFIG: '/dev/null',
      RCLONE_S3_PROVIDER: 'Other',
      RCLONE_S3_ENDPOINT: target.endpoint,
      RCLONE_S3_ACCESS_KEY_ID: target.accessKey,
      RCLONE_S3_SECRET_ACCESS_KEY: target.secretKey,
      RCLONE_S3_REGION: 'auto',
      RCLONE_S3_NO_CHECK_BUCKET: 'true',
    },
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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
