import { plainBisyncArgs, runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';
const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const extra = JSON.parse(process.env.EXTRA);
const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  const base = (await plainBisyncArgs(tenant)).filter((a, i, all) => a !== '--compare' && all[i - 1] !== '--compare');
  await runRclone(tenant, [...base, ...extra]);
  let out;
  const ms = await timed(async () => { out = await runRclone(tenant, [...base, ...extra, '--log-format', 'time,microseconds']); });
  console.log(ms.toFixed(0), 'ms');
  console.log(out.stderr.split('\n').filter((l) => !/File is|^\s*$/.test(l)).slice(0, 80).join('\n'));
} finally { await tenant.cleanup(); }
