import { runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';
const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  for (const [name, args] of Object.entries({
    'lsf -R bucket': ['lsf', '-R', tenant.remotePath],
    'lsf -R bucket fast-list': ['lsf', '-R', '--fast-list', tenant.remotePath],
    'md5sum bucket': ['md5sum', tenant.remotePath],
    'md5sum local': ['md5sum', tenant.localPath],
    'md5sum local c32': ['md5sum', '--checkers', '32', tenant.localPath],
    'lsf local': ['lsf', '-R', tenant.localPath],
  })) {
    const t = [];
    for (let r = 0; r < 2; r++) t.push(await timed(() => runRclone(tenant, args)));
    console.log(`${NOTES} ${name}: ${t.map((x) => x.toFixed(0)).join(', ')} ms`);
  }
} finally { await tenant.cleanup(); }
