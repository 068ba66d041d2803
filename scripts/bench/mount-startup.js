// Time from `cloud mount` to a verified mount, against a bare `rclone mount` of the same remote with
// the same arguments, polled the same way (the OS mount table every 0.5 s); and `mount-status --json`.
// Run after `npm run build`: node scripts/bench/mount-startup.js [rounds]
import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { root, runCli, setUpTenant } from './bisync-common.js';

const execFileAsync = promisify(execFile);
const rounds = Number(process.argv[2] ?? 7);
const { buildMountArgs } = await import(path.join(root, 'dist', 'mount', 'args.js'));
const { loadMountProfile } = await import(path.join(root, 'dist', 'mount', 'profiles.js'));
const { parseMountinfo } = await import(path.join(root, 'dist', 'local', 'mount-table.js'));
const { POLL_INTERVAL_MS } = await import(path.join(root, 'dist', 'mount', 'supervisor.js'));
const { rcloneEnvironment } = await import(path.join(root, 'dist', 'rclone', 'environment.js'));
const { rcloneVersion } = await import(path.join(root, 'dist', 'rclone', 'version.js'));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const isMounted = async (folder) =>
  parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8')).some((entry) => entry.mountPoint === folder && entry.fsType.includes('rclone'));

async function bareRcloneMount(tenant, folder, round) {
  await fs.mkdir(folder, { recursive: true });
  const { globalArgs } = rcloneEnvironment(tenant.env, existsSync);
  const built = buildMountArgs('linux', rcloneVersion('1.60.1'), loadMountProfile('balanced'), {
    remotePath: tenant.remotePath, mountPoint: folder, cacheDir: path.join(tenant.stateDir, 'cache', `bare-${round}`), rcAddr: `127.0.0.1:${41000 + round}`,
  });
  const log = openSync(path.join(tenant.stateDir, `bare-${round}.log`), 'a');
  const started = performance.now();
  const child = spawn('rclone', [...globalArgs, ...built.args], { env: { ...tenant.rcloneEnv, RCLONE_RC_USER: 'u', RCLONE_RC_PASS: 'p' }, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  while (!(await isMounted(folder))) await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  const elapsed = performance.now() - started;
  await execFileAsync('fusermount3', ['-u', folder]);
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
  return elapsed;
}

async function cliMount(tenant) {
  const started = performance.now();
  await runCli(tenant, ['cloud', 'mount']);
  const elapsed = performance.now() - started;
  if (!(await isMounted(tenant.localPath))) throw new Error('cloud mount returned but nothing is mounted');
  const statusTimes = [];
  for (let index = 0; index < 5; index += 1) {
    const begun = performance.now();
    const { stdout } = await runCli(tenant, ['cloud', 'mount-status', '--json']);
    statusTimes.push(performance.now() - begun);
    if (JSON.parse(stdout).condition !== 'mounted') throw new Error(`mount-status says ${stdout}`);
  }
  await runCli(tenant, ['cloud', 'unmount']);
  return { elapsed, statusTimes };
}

const tenant = await setUpTenant();
try {
  const bare = [];
  const ours = [];
  const status = [];
  for (let round = 0; round < rounds; round += 1) {
    bare.push(await bareRcloneMount(tenant, path.join(path.dirname(tenant.localPath), `bare-${round}`), round));
    const { elapsed, statusTimes } = await cliMount(tenant);
    ours.push(elapsed);
    status.push(...statusTimes);
  }
  const fmt = (values) => `median ${median(values).toFixed(0)} ms, min ${Math.min(...values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
  console.log(`rounds: ${rounds} (profile balanced, rclone 1.60.1, loopback reference server)`);
  console.log(`bare rclone mount → visible in mountinfo:   ${fmt(bare)}`);
  console.log(`cloud mount → verified mount (whole CLI):   ${fmt(ours)}`);
  console.log(`ratio of medians: ${(median(ours) / median(bare)).toFixed(2)}x (target < 1.5x; max ${Math.max(...ours).toFixed(0)} ms, target never > 5000 ms)`);
  console.log(`cloud mount-status --json (while mounted):  ${fmt(status)} (target < 300 ms)`);
} finally {
  await tenant.cleanup();
}
