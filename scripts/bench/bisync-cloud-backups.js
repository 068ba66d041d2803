#!/usr/bin/env node
// The cost of the cloud backups (src/bisync/cloud-backups.ts, rclone 1.66+) on 2,000 notes: the same
// rclone bisync with and without `--backup-dir2`, interleaved, on a no-change run (the CLI then
// lists nothing more) and on a run that uploads one edited note (then one `rclone lsjson` of the
// run's backup dir and one `rclone purge` follow: the settle step, timed with the run).
import fs from 'node:fs/promises';
import path from 'node:path';
import { median, plainBisyncArgs, root, runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';

const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const { cloudBackupDir, newRunId } = await import(path.join(root, 'dist', 'bisync', 'cloud-backups.js'));

const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  // The comparison the CLI passes on rclone 1.66+ (src/bisync/compare.ts): no HEAD per object, less noise.
  const plainArgs = [...(await plainBisyncArgs(tenant)), '--compare', 'size,checksum'];
  const withBackups = async (settle) => {
    const dir = cloudBackupDir(tenant.remotePath, newRunId());
    await runRclone(tenant, [...plainArgs, '--backup-dir2', dir]);
    if (!settle) return;
    await runRclone(tenant, ['lsjson', '-R', '--files-only', '--hash', '--hash-type', 'md5', '--no-mimetype', dir]);
    await runRclone(tenant, ['purge', dir]);
  };
  let edits = 0;
  const editOne = () => fs.writeFile(path.join(tenant.localPath, 'note-1.md'), `edited ${(edits += 1)}\n`);
  const noChange = { plain: [], backups: [] };
  const oneChange = { plain: [], backups: [] };
  await runRclone(tenant, plainArgs);
  for (let round = 0; round < ROUNDS; round += 1) {
    noChange.plain.push(await timed(() => runRclone(tenant, plainArgs)));
    noChange.backups.push(await timed(() => withBackups(false)));
    await editOne();
    oneChange.plain.push(await timed(() => runRclone(tenant, plainArgs)));
    await editOne();
    oneChange.backups.push(await timed(() => withBackups(true)));
  }
  const row = (label, values) => console.log(`  ${label.padEnd(40)} median ${median(values).toFixed(0).padStart(6)} ms  (${values.map((ms) => ms.toFixed(0)).join(', ')})`);
  console.log(`bisync on ${NOTES} notes, ${ROUNDS} rounds interleaved`);
  row('no change, rclone bisync', noChange.plain);
  row('no change, + --backup-dir2', noChange.backups);
  row('one upload, rclone bisync', oneChange.plain);
  row('one upload, + --backup-dir2 + lsjson + purge', oneChange.backups);
  console.log(`  no change: ${((median(noChange.backups) / median(noChange.plain) - 1) * 100).toFixed(1)} %; one upload: ${((median(oneChange.backups) / median(oneChange.plain) - 1) * 100).toFixed(1)} %`);
} finally {
  await tenant.cleanup();
}
