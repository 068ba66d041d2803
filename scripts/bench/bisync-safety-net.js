#!/usr/bin/env node
// The cost of the safety net (src/bisync/safety-net.ts) on a no-change bisync of 2,000 notes: the
// same rclone bisync with and without the net around it, interleaved so both see the same machine
// load, and the whole `cloud bisync` for reference. Goal: the net adds less than 10 %.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { median, plainBisyncArgs, root, runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';

const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const { openSafetyNet, safetyNetMode } = await import(path.join(root, 'dist', 'bisync', 'safety-net.js'));
const { compileFilterRules } = await import(path.join(root, 'dist', 'bisync', 'filters.js'));
const { parseRcloneVersion } = await import(path.join(root, 'dist', 'rclone', 'version.js'));
const fs = await import('node:fs/promises');

const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  const plainArgs = await plainBisyncArgs(tenant);
  const version = parseRcloneVersion((await runRclone(tenant, ['version'])).stdout);
  const workdir = path.join(tenant.stateDir, 'bisync', tenant.tenantId);
  const filters = compileFilterRules(await fs.readFile(path.join(tenant.stateDir, 'bisync-filters.txt'), 'utf8'));
  const session = (await fs.readdir(workdir)).find((name) => name.endsWith('.path1.lst'));
  const withNet = async () => {
    const net = await openSafetyNet({
      localPath: tenant.localPath,
      netDir: path.join(workdir, 'safety-net'),
      priorListing: session && existsSync(path.join(workdir, session)) ? await fs.readFile(path.join(workdir, session), 'utf8') : undefined,
      excluded: filters,
      ...safetyNetMode(version),
    });
    await runRclone(tenant, plainArgs);
    await net.close(() => false);
  };
  await runRclone(tenant, plainArgs);
  await withNet();
  const plain = [];
  const netted = [];
  const cli = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    plain.push(await timed(() => runRclone(tenant, plainArgs)));
    netted.push(await timed(withNet));
    cli.push(await timed(() => runCli(tenant, ['cloud', 'bisync'])));
  }
  const overhead = median(netted) / median(plain) - 1;
  const row = (label, values) => console.log(`  ${label.padEnd(26)} median ${median(values).toFixed(0).padStart(6)} ms  (${values.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`no-change bisync on ${NOTES} notes, rclone ${version.raw}, ${ROUNDS} rounds interleaved`);
  row('rclone bisync, no net', plain);
  row('rclone bisync + safety net', netted);
  row('cloud bisync (all of it)', cli);
  console.log(`  safety net overhead ${(overhead * 100).toFixed(1)} % (goal < 10 %): ${overhead < 0.1 ? 'PASS' : 'FAIL'}`);
  process.exitCode = overhead < 0.1 ? 0 : 1;
} finally {
  await tenant.cleanup();
}
