// Shared by the bisync benchmarks: a reference server and a provisioned tenant in a temp HOME,
// the same state `cloud setup` leaves behind. Run the benches after `npm run build`.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = path.join(root, 'bin', 'basic-memory.js');

/** What a stopped bench must undo: servers (with their container mounts) and the CLIs it started. */
const cleanups = new Set();
const stopHandlers = new Map(['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => [signal, () => void stopBench(signal)]));

/**
 * Registers `cleanup` to run if the bench is stopped (Ctrl-C, `timeout`, a closed terminal): without
 * it node exits at once and leaves FUSE mounts and rclone behind. A second signal exits without
 * waiting. Returns a function that unregisters it.
 */
export function onBenchStop(cleanup) {
  if (cleanups.size === 0) for (const [signal, handler] of stopHandlers) process.once(signal, handler);
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) for (const [signal, handler] of stopHandlers) process.removeListener(signal, handler);
  };
}

/** Undoes in reverse order, one at a time: a watch stops before the server it syncs with and its folder go. */
async function stopBench(signal) {
  console.error(`bench: ${signal}: cleaning up (send it again to exit at once)`);
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) await cleanup().catch((error) => console.error(`bench: clean-up failed: ${error.message}`));
  process.exit(128 + os.constants.signals[signal]);
}

/** `serverOptions` go to the reference server as they are (e.g. `container` for the container view). */
export async function setUpTenant(serverOptions = {}) {
  const { startServer } = await import(path.join(root, 'dist', 'server', 'index.js'));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bench-'));
  const home = path.join(work, 'home');
  const server = await startServer({ host: '127.0.0.1', port: 0, s3Port: 0, dataDir: path.join(work, 'server'), ...serverOptions });
  const { token, tenantId, bucketName } = await server.mintToken('new');
  const response = await fetch(`${server.apiUrl}/tenant/mount/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const created = await response.json();
  const rcloneConfig = path.join(home, '.config', 'rclone', 'rclone.conf');
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache'), CI: '1', NO_COLOR: '1', RCLONE_CONFIG: rcloneConfig, BASIC_MEMORY_TOKEN: token, BASIC_MEMORY_CLOUD_URL: server.apiUrl };
  for (const key of Object.keys(env)) if (key.startsWith('BASIC_MEMORY_CONFIG')) delete env[key];
  // Plain rclone gets what the CLI gives it: no AWS_CA_BUNDLE (rclone 1.60 fails with it set).
  const rcloneEnv = { ...env };
  delete rcloneEnv.AWS_CA_BUNDLE;
  const remoteName = `basic-memory-${tenantId}`;
  await fs.mkdir(path.dirname(rcloneConfig), { recursive: true });
  await execFileAsync('rclone', ['config', 'create', remoteName, 's3', 'provider=Other', `endpoint=${created.endpoint_url}`, `region=${created.region}`,
    `access_key_id=${created.access_key}`, `secret_access_key=${created.secret_key}`, 'no_check_bucket=true', '--non-interactive'], { env: rcloneEnv });
  const localPath = path.join(home, `basic-memory-${tenantId}`);
  const stateDir = path.join(home, '.basic-memory');
  await fs.mkdir(stateDir, { recursive: true });
  await fs.writeFile(path.join(stateDir, 'tenant.json'), JSON.stringify({
    tenantId, bucketName, remoteName, apiUrl: server.apiUrl, endpointUrl: created.endpoint_url, region: created.region,
    accessKey: created.access_key, credentialId: null, localPath, mode: 'bisync', updatedAt: new Date().toISOString(),
  }));
  let cleaned;
  const cleanup = () => {
    cleaned ??= (async () => {
      forget();
      await server.close();
      await fs.rm(work, { recursive: true, force: true });
    })();
    return cleaned;
  };
  const forget = onBenchStop(cleanup);
  return {
    tenantId, bucketName, remoteName, localPath, stateDir, env, rcloneEnv, created,
    remotePath: `${remoteName}:${bucketName}`,
    apiUrl: server.apiUrl,
    token,
    cleanup,
  };
}

export async function writeNotes(folder, count) {
  await fs.mkdir(folder, { recursive: true });
  for (let index = 0; index < count; index += 1) {
    const dir = path.join(folder, `folder-${index % 20}`);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, `note-${index}.md`), `# Note ${index}\n\n${'Some words of a note. '.repeat(20)}\n`);
  }
}

export function runCli(tenant, args) {
  return execFileAsync(process.execPath, [cli, ...args], { env: tenant.env, maxBuffer: 64 * 1024 * 1024 });
}

/** A running CLI; stopped with SIGINT (and waited for) if the bench is stopped first. */
export function startCli(tenant, args) {
  const child = spawn(process.execPath, [cli, ...args], { env: tenant.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const forget = onBenchStop(async () => {
    child.kill('SIGINT');
    await exited;
  });
  void exited.then(forget);
  return child;
}

export function runRclone(tenant, args) {
  return execFileAsync('rclone', args, { env: tenant.rcloneEnv, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * A plain `rclone bisync` argv for this tenant from the same builder, global flags included, with the
 * profile's own `--compare` (size,modtime on 1.66+): the flags before the comparison was chosen by version.
 */
export async function plainBisyncArgs(tenant, profileName = 'balanced', workdir = path.join(tenant.stateDir, 'bisync', tenant.tenantId)) {
  const { buildBisyncArgs } = await import(path.join(root, 'dist', 'bisync', 'args.js'));
  const { rcloneEnvironment } = await import(path.join(root, 'dist', 'rclone', 'environment.js'));
  const { globalArgs } = rcloneEnvironment(tenant.env, existsSync);
  const { loadBisyncProfile } = await import(path.join(root, 'dist', 'bisync', 'profiles.js'));
  const { parseRcloneVersion } = await import(path.join(root, 'dist', 'rclone', 'version.js'));
  const version = parseRcloneVersion((await runRclone(tenant, ['version'])).stdout);
  return [...globalArgs, ...buildBisyncArgs(loadBisyncProfile(profileName), {
    localPath: tenant.localPath,
    remotePath: tenant.remotePath,
    workdir,
    filtersFile: path.join(tenant.stateDir, 'bisync-filters.txt'),
    mode: 'sync',
    dryRun: false,
    force: false,
    tigris: false,
  }, version).args];
}

export async function timed(task) {
  const started = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * The plain `rclone bisync` with the old flags on its own workdir, baseline made: sharing the CLI's
 * would leave it listings of the modtime comparison, and the CLI's next run would switch again.
 */
export async function separatePlainBisync(tenant) {
  const workdir = path.join(tenant.stateDir, 'bisync-plain');
  const args = await plainBisyncArgs(tenant, 'balanced', workdir);
  await fs.mkdir(workdir, { recursive: true });
  await runRclone(tenant, [...args, '--resync']);
  return args;
}

/**
 * For each size: a fresh tenant whose folder holds that many notes, the baseline made by the CLI and
 * by a plain rclone bisync on its own workdir; `measure` prints its figures and returns the median
 * the goal is judged on. Sets the exit code: 1 when the goal failed.
 */
export async function benchEachSize(sizes, goal, measure, serverOptions = {}) {
  let failed = false;
  for (const size of sizes) {
    const tenant = await setUpTenant(serverOptions);
    try {
      await writeNotes(tenant.localPath, size);
      await runCli(tenant, ['cloud', 'bisync']);
      const plainArgs = await separatePlainBisync(tenant);
      const judged = await measure({ size, tenant, plainArgs });
      if (size === goal.notes) {
        const ok = judged <= goal.ms;
        failed ||= !ok;
        console.log(`  goal ${goal.what} <= ${goal.ms} ms at ${goal.notes} notes: ${ok ? 'PASS' : 'FAIL'}`);
      }
    } finally {
      await tenant.cleanup();
    }
  }
  process.exitCode = failed ? 1 : 0;
}

/** `rclone version`'s number, for the figures. */
export async function rcloneVersionOf(tenant) {
  return /rclone (\S+)/.exec((await runRclone(tenant, ['version'])).stdout)?.[1] ?? 'unknown';
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile (`p` from 0 to 100): p90 of 10 samples is the 9th smallest. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `HeadObject` through the tenant's own key: whether `key` is in the bucket now, its ETag. `close()` when done. */
export async function bucketProbe(tenant) {
  const { HeadObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    endpoint: tenant.created.endpoint_url,
    region: tenant.created.region,
    forcePathStyle: true,
    credentials: { accessKeyId: tenant.created.access_key, secretAccessKey: tenant.created.secret_key },
  });
  const head = (key) => s3.send(new HeadObjectCommand({ Bucket: tenant.bucketName, Key: key }));
  return {
    has: (key) => head(key).then(() => true, () => false),
    /** The object's ETag (its MD5 for a plain upload), or undefined when it is not there. */
    etag: (key) => head(key).then((object) => object.ETag, () => undefined),
    close: () => s3.destroy(),
  };
}

/**
 * `cloud bisync --watch --interval 1h`, counting finished syncs by its status lines (off a terminal
 * one `✓ hh:mm:ss …` line per run: src/bisync/status-line.ts). Resolves once the first sync is done.
 */
export async function startWatch(tenant) {
  const watch = startCli(tenant, ['cloud', 'bisync', '--watch', '--interval', '1h']);
  let log = '';
  watch.stderr.on('data', (chunk) => (log += chunk.toString()));
  const syncsDone = () => (log.match(/^✓ \d\d:\d\d:\d\d /gm) ?? []).length;
  const running = () => watch.exitCode === null && watch.signalCode === null;
  const waitForSyncs = async (count) => {
    while (syncsDone() < count) {
      if (!running()) throw new Error(`the watch ended (${watch.signalCode ?? `exit ${watch.exitCode}`}) after ${syncsDone()} sync(s):\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await waitForSyncs(1);
  return {
    syncsDone,
    waitForSyncs,
    stop: async () => {
      if (!running()) return;
      const exited = new Promise((resolve) => watch.once('exit', resolve));
      watch.kill('SIGINT');
      await exited;
    },
  };
}
