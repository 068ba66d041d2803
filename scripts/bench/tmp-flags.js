import { median, plainBisyncArgs, runCli, runRclone, setUpTenant, timed, writeNotes } from './bisync-common.js';
const NOTES = Number(process.env.BENCH_NOTES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const variants = JSON.parse(process.env.VARIANTS);
const tenant = await setUpTenant();
try {
  await writeNotes(tenant.localPath, NOTES);
  await runCli(tenant, ['cloud', 'bisync']);
  const base = (await plainBisyncArgs(tenant)).filter((a, i, all) => a !== '--compare' && all[i - 1] !== '--compare');
  for (const [name, extra] of Object.entries(variants)) {
    await runRclone(tenant, [...base, ...extra]);
    const t = [];
    for (let r = 0; r < ROUNDS; r++) t.push(await timed(() => runRclone(tenant, [...base, ...extra])));
    console.log(`${NOTES} ${name}: median ${median(t).toFixed(0)} ms (${t.map((x) => x.toFixed(0)).join(', ')})`);
  }
} finally { await tenant.cleanup(); }
