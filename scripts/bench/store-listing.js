#!/usr/bin/env node
// The store side by side with the one it replaced (a bare s3rver, see old-store.js), in one run:
// 10,000 keys listed with `rclone lsf` (names: ListObjects only) and `rclone lsl` (modification
// times: one HEAD per object), and a 500-file rclone upload. Goals: lsf < 0.5 s, lsl < 3 s, the
// upload no slower than through the old store. Exit code 0 when all hold.
// Run `npm run build` first: this imports the built server from dist/.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, startOldStore, timedRclone } from './old-store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { startServer } = await import(path.join(root, 'dist', 'server', 'index.js'));

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const UPLOAD_FILES = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bench-listing-'));
async function makeFiles(dir, count, name) {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 1) await fs.writeFile(path.join(dir, name(i)), `# note ${i}\n${'lorem ipsum '.repeat(20)}\n`);
}
await makeFiles(path.join(work, 'many'), KEYS, (i) => `note-${String(i).padStart(5, '0')}.md`);
await makeFiles(path.join(work, 'upload'), UPLOAD_FILES, (i) => `file-${String(i).padStart(3, '0')}.md`);

const server = await startServer({ dataDir: path.join(work, 'server'), port: 0, s3Port: 0 });
const { token, bucketName } = await server.mintToken('new');
const credential = await (await fetch(`${server.apiUrl}/tenant/mount/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json();
const old = await startOldStore('bench');
const targets = {
  old: old.target,
  new: { endpoint: credential.endpoint_url, accessKey: credential.access_key, secretKey: credential.secret_key, bucket: bucketName },
};
const names = ['old', 'new'];

try {
  for (const name of names) {
    const [ms] = await timedRclone(targets[name], ['copy', path.join(work, 'many'), `:s3:${targets[name].bucket}/many`, '--transfers', '16', '--checkers', '16']);
    console.log(`fill ${name} store with ${KEYS} keys: ${(ms / 1000).toFixed(1)} s`);
  }
  const results = { lsf: { old: [], new: [] }, lsl: { old: [], new: [] }, upload: { old: [], new: [] } };
  for (let round = 1; round <= ROUNDS; round += 1) {
    const order = round % 2 === 0 ? [...names].reverse() : names;
    for (const name of order) {
      const target = targets[name];
      for (const command of ['lsf', 'lsl']) {
        const [ms, stdout] = await timedRclone(target, [command, `:s3:${target.bucket}/many`]);
        const lines = stdout.trim().split('\n').length;
        if (lines !== KEYS) throw new Error(`${command} on the ${name} store listed ${lines} keys, not ${KEYS}`);
        results[command][name].push(ms);
      }
      const [ms] = await timedRclone(target, ['copy', path.join(work, 'upload'), `:s3:${target.bucket}/upload-${round}`]);
      results.upload[name].push(ms);
    }
    console.log(`round ${round}: ${names.map((name) => `${name}: lsf ${results.lsf[name].at(-1).toFixed(0)} ms, lsl ${results.lsl[name].at(-1).toFixed(0)} ms, upload ${results.upload[name].at(-1).toFixed(0)} ms`).join(' | ')}`);
  }
  const m = (command, name) => median(results[command][name]);
  const goals = {
    lsf: m('lsf', 'new') < 500,
    lsl: m('lsl', 'new') < 3000,
    upload: m('upload', 'new') <= m('upload', 'old'),
  };
  console.log(`median of ${ROUNDS}, ${KEYS} keys:`);
  console.log(`  rclone lsf: old ${m('lsf', 'old').toFixed(0)} ms, new ${m('lsf', 'new').toFixed(0)} ms (goal < 500 ms: ${goals.lsf ? 'met' : 'MISSED'})`);
  console.log(`  rclone lsl: old ${m('lsl', 'old').toFixed(0)} ms, new ${m('lsl', 'new').toFixed(0)} ms (goal < 3000 ms: ${goals.lsl ? 'met' : 'MISSED'})`);
  console.log(`  ${UPLOAD_FILES}-file upload: old ${m('upload', 'old').toFixed(0)} ms, new ${m('upload', 'new').toFixed(0)} ms (goal: no slower: ${goals.upload ? 'met' : 'MISSED'})`);
  process.exitCode = Object.values(goals).every(Boolean) ? 0 : 1;
} finally {
  await server.close();
  await old.close();
  await fs.rm(work, { recursive: true, force: true });
}
