#!/usr/bin/env node
// The store side by side with the one it replaced (a bare s3rver, see old-store.js) and with the
// floor (floor-store.js: node's http answering from memory, checking nothing), in one run: 10,000
// keys listed with `rclone lsf` (names: ListObjects only) and `rclone lsl` (modification times: one
// HEAD per object, one at a time), and a 500-file rclone upload (old and new only). Goals: lsf
// < 0.5 s, lsl < 3 s, the upload no slower than through the old store. Exit code 0 when all hold.
// BENCH_STORES=new,floor skips the old store (its fill takes minutes) while tuning.
// Run `npm run build` first: this imports the built server from dist/.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFloorStore } from './floor-store.js';
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
const names = (process.env.BENCH_STORES ?? 'old,new,floor').split(',');
const old = names.includes('old') ? await startOldStore('bench') : undefined;
const floor = await startFloorStore(path.join(work, 'many'), 'floor', 'many');
const targets = {
  old: old?.target,
  new: { endpoint: credential.endpoint_url, accessKey: credential.access_key, secretKey: credential.secret_key, bucket: bucketName },
  floor: floor.target,
};
const uploads = names.filter((name) => name !== 'floor');

try {
  for (const name of uploads) {
    const [ms] = await timedRclone(targets[name], ['copy', path.join(work, 'many'), `:s3:${targets[name].bucket}/many`, '--transfers', '16', '--checkers', '16']);
    console.log(`fill ${name} store with ${KEYS} keys: ${(ms / 1000).toFixed(1)} s`);
  }
  const results = { lsf: { old: [], new: [], floor: [] }, lsl: { old: [], new: [], floor: [] }, upload: { old: [], new: [] } };
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
      if (name === 'floor') continue;
      const [ms] = await timedRclone(target, ['copy', path.join(work, 'upload'), `:s3:${target.bucket}/upload-${round}`]);
      results.upload[name].push(ms);
    }
    const upload = (name) => (name === 'floor' ? '' : `, upload ${results.upload[name].at(-1).toFixed(0)} ms`);
    console.log(`round ${round}: ${names.map((name) => `${name}: lsf ${results.lsf[name].at(-1).toFixed(0)} ms, lsl ${results.lsl[name].at(-1).toFixed(0)} ms${upload(name)}`).join(' | ')}`);
  }
  const m = (command, name) => median(results[command][name]);
  const goals = {
    lsf: m('lsf', 'new') < 500,
    lsl: m('lsl', 'new') < 3000,
    ...(old ? { upload: m('upload', 'new') <= m('upload', 'old') } : {}),
  };
  const line = (command) => names.map((name) => `${name} ${m(command, name).toFixed(0)} ms`).join(', ');
  console.log(`median of ${ROUNDS}, ${KEYS} keys (floor: what rclone takes against a server that checks and stores nothing):`);
  console.log(`  rclone lsf: ${line('lsf')} (goal < 500 ms: ${goals.lsf ? 'met' : 'MISSED'})`);
  console.log(`  rclone lsl: ${line('lsl')}, new/floor ${(m('lsl', 'new') / m('lsl', 'floor')).toFixed(2)} (goal < 3000 ms: ${goals.lsl ? 'met' : 'MISSED'})`);
  if (old) console.log(`  ${UPLOAD_FILES}-file upload: old ${m('upload', 'old').toFixed(0)} ms, new ${m('upload', 'new').toFixed(0)} ms (goal: no slower: ${goals.upload ? 'met' : 'MISSED'})`);
  process.exitCode = Object.values(goals).every(Boolean) ? 0 : 1;
} finally {
  await server.close();
  await old?.close();
  await floor.close();
  await fs.rm(work, { recursive: true, force: true });
}
