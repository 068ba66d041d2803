#!/usr/bin/env node
// 1,000 sequential credential create + revoke round trips through the API over HTTP (keep-alive),
// against the embedded store's key database. Prints the average per round trip (target < 5 ms).
// Run `npm run build` first: this imports the built server from dist/.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { startServer } = await import(path.join(root, 'dist', 'server', 'index.js'));

const ROUND_TRIPS = 1000;
const WARMUP = 50;
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bench-creds-'));
const server = await startServer({ dataDir, port: 0, s3Port: 0 });
const { token } = await server.mintToken('new');
const headers = { authorization: `Bearer ${token}` };

async function roundTrip() {
  const created = await fetch(`${server.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers });
  if (created.status !== 200) throw new Error(`create: ${created.status}`);
  const { id } = await created.json();
  const revoked = await fetch(`${server.apiUrl}/tenant/mount/credentials/${id}`, { method: 'DELETE', headers });
  if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`);
  await revoked.arrayBuffer();
}

try {
  for (let i = 0; i < WARMUP; i += 1) await roundTrip();
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUND_TRIPS; i += 1) await roundTrip();
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  const average = totalMs / ROUND_TRIPS;
  console.log(`${ROUND_TRIPS} create+revoke round trips: ${totalMs.toFixed(0)} ms in all, ${average.toFixed(2)} ms each on average (target < 5 ms)`);
  process.exitCode = average < 5 ? 0 : 1;
} finally {
  await server.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
