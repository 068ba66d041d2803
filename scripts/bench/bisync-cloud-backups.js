#!/usr/bin/env node
// The cost of the cloud backups (src/bisync/cloud-backups.ts) on 2,000 notes: the same rclone bisync
// with and without them, interleaved, on a no-change run (the CLI then lists nothing more) and on a
// run that uploads one edited note, the settle step timed with the run. rclone 1.66+: `--backup-dir2`,
// then one `rclone lsjson` of the run's backup dir and one `rclone purge`. Before 1.66: `--suffix
// .bm-replaced` (a server-side copy and a delete per replaced object), then one `rclone lsjson` and
// one `rclone delete` of the uploaded notes' set-aside names.
import fs from 'node:fs/promises';
import path from 'node:path';
import { median, plainBisyncArgs, root, runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';

const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const { cloudBackupDir, newRunId } = await import(path.join(root, 'dist', 'bisync', 'cloud-backups.js'));
const { parseRcloneVersion, versionAtLeast } = await import(path.join(root, 'dist', 'rclone', 'version.js'));

const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  const backupDirs = versionAtLeast(parseRcloneVersion((await runRclone(tenant, ['version'])).stdout), '1.66');
  // The comparison the CLI passes on rclone 1.66+ (src/bisync/compare.ts): no HEAD per object, less noise.
  const plainArgs = [...(await plainBisyncArgs(tenant)), ...(backupDirs ? ['--compare', 'size,checksum'] : ['--exclude', '*.bm-replaced'])];
  const setAside = path.join(tenant.stateDir, 'set-aside.txt');
  await fs.writeFile(setAside, 'note-1.md.bm-replaced\n');
  const lsjson = ['lsjson', '--files-only', '--hash', '--hash-type', 'md5', '--no-mimetype'];
  const withBackups = async (settle) => {
    if (!backupDirs) {
      await runRclone(tenant, [...plainArgs, '--suffix', '.bm-replaced']);
      if (!settle) return;
      await runRclone(tenant, [...lsjson, '--files-from-raw', setAside, '--no-traverse', tenant.remotePath]);
      await runRclone(tenant, ['delete', '--files-from-raw', setAside, '--no-traverse', tenant.remotePath]);
      return;
    }
    const dir = cloudBackupDir(tenant.remotePath, newRunId());
    await runRclone(tenant, [...plainArgs, '--backup-dir2', dir]);
    if (!settle) return;
    await runRclone(tenant, [...lsjson, '-R', dir]);
    await runRclone(tenant, ['purge', dir]);
  };
  const flag = backupDirs ? '--backup-dir2' : '--suffix';
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
  row(`no change, + ${flag}`, noChange.backups);
  row('one upload, rclone bisync', oneChange.plain);
  row(`one upload, + ${flag} + lsjson + ${backupDirs ? 'purge' : 'delete'}`, oneChange.backups);
  console.log(`  no change: ${((median(noChange.backups) / median(noChange.plain) - 1) * 100).toFixed(1)} %; one upload: ${((median(oneChange.backups) / median(oneChange.plain) - 1) * 100).toFixed(1)} %`);
} finally {
  await tenant.cleanup();
}
