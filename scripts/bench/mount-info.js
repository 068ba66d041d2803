#!/usr/bin/env node
// The cost of `GET /tenant/mount/info` for a tenant holding many credentials: 10,000 live credential
// rows are written into the running server's database (SQLite in WAL mode, as the operator commands
// do), then the endpoint is called over HTTP with keep-alive, one request at a time. Prints the
// median, p99 and requests per second (the target is a median under 5 ms). `--json` prints one
// JSON line instead. Run `npm run build` first: this imports the built server from dist/.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (file) => import(path.join(root, 'dist', 'server', file));
const { startServer } = await dist('index.js');
const { apiDatabasePath } = await dist('services.js');
const { openSqlite } = await dist('db/sqlite.js');
const { apiMigrations } = await dist('db/migrations.js');
const { credentialRepository } = await dist('db/credentials.js');

const CREDENTIALS = Number(process.env.BENCH_CREDENTIALS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const json = process.argv.includes('--json');

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bench-info-'));
const server = await startServer({ dataDir: work, port: 0, s3Port: 0 });
try {
  const { token, tenantId } = await server.mintToken('new');
  const db = openSqlite(apiDatabasePath(work), apiMigrations);
  const credentials = credentialRepository(db);
  const start = Date.parse('2026-01-01T00:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < CREDENTIALS; i += 1) {
      const at = new Date(start + i * 1000).toISOString();
      credentials.insert({
        id: crypto.randomUUID(), tenantId, accessKey: `bench_${i}`, policyArn: 'bench', tigrisDeletionStatus: 'pending',
        createdAt: at, updatedAt: at, revokedAt: null, lastUsedAt: null, description: 'bench',
      });
    }
  })();
  db.close();

  const url = `${server.apiUrl}/tenant/mount/info`;
  const headers = { authorization: `Bearer ${token}` };
  const first = await (await fetch(url, { headers })).json();
  const expected = new Date(start + (CREDENTIALS - 1) * 1000).toISOString();
  if (first.credentials_created_at !== expected) throw new Error(`mount info says ${first.credentials_created_at}, expected ${expected}`);
  for (let i = 0; i < 50; i += 1) await (await fetch(url, { headers })).arrayBuffer();

  const times = [];
  const began = performance.now();
  for (let i = 0; i < REQUESTS; i += 1) {
    const t0 = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    times.push(performance.now() - t0);
  }
  const elapsed = performance.now() - began;
  times.sort((a, b) => a - b);
  const result = {
    credentials: CREDENTIALS,
    requests: REQUESTS,
    medianMs: Number(times[Math.floor(times.length / 2)].toFixed(3)),
    p99Ms: Number(times[Math.floor(times.length * 0.99)].toFixed(3)),
    requestsPerSecond: Math.round((REQUESTS / elapsed) * 1000),
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`mount info with ${CREDENTIALS} credentials, ${REQUESTS} requests: median ${result.medianMs} ms, p99 ${result.p99Ms} ms, ${result.requestsPerSecond} req/s\n`);
} finally {
  await server.close();
  await fs.rm(work, { recursive: true, force: true });
}
