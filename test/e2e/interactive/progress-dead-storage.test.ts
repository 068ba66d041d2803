import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { KEY, runInPty, stripEscapes, type PtyRun } from '../../support/pty.js';
import { useServer, waitFor, type Pair } from '../bisync/helpers.js';

const execFileAsync = promisify(execFile);
const { newPair } = useServer();

/** A storage that accepts connections and never answers, until closed. */
async function silentStorage(): Promise<{ endpoint: string; port: number; close(): void }> {
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      for (const socket of held) socket.destroy();
      server.close();
    },
  };
}

/** Points the pair's rclone remote and tenant file at `endpoint`, as a storage outage would leave them. */
async function pointAt(pair: Pair, endpoint: string): Promise<void> {
  await execFileAsync('rclone', ['config', 'update', pair.tenant.remoteName, `endpoint=${endpoint}`], { env: { ...pair.user.env, RCLONE_CONFIG: pair.user.rcloneConfig } });
  const tenantFile = statePaths(pair.user.stateDir).tenant;
  const tenant = JSON.parse(await fs.readFile(tenantFile, 'utf8')) as Record<string, unknown>;
  await fs.writeFile(tenantFile, JSON.stringify({ ...tenant, endpointUrl: endpoint }));
}

/** rclone processes whose command line names `home` (the test user's: its config, folder, filters). */
async function rclonesNaming(home: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const [cmdline, stat] = await Promise.all([`/proc/${entry}/cmdline`, `/proc/${entry}/stat`].map((file) => fs.readFile(file, 'utf8').catch(() => '')));
    // A zombie waits for its parent to read its exit: it runs nothing.
    if (/^\d+ \(.*\) Z /.test(stat ?? '')) continue;
    const words = (cmdline ?? '').split('\0');
    if (path.basename(words[0] ?? '') === 'rclone' && words.some((word) => word.includes(home))) found.push(`${entry}: ${words.join(' ')}`);
  }
  return found;
}

/** The sync locks of the pair: the CLI's own and rclone's in the workdir. */
async function locksOf(pair: Pair): Promise<string[]> {
  const paths = statePaths(pair.user.stateDir);
  const workdir = paths.bisyncWorkdir(pair.tenant.tenantId);
  const rcloneLocks = (await fs.readdir(workdir).catch(() => [] as string[])).filter((name) => name.endsWith('.lck')).map((name) => path.join(workdir, name));
  const own = await fs.stat(paths.bisyncLock(pair.tenant.tenantId)).then(() => [paths.bisyncLock(pair.tenant.tenantId)], () => []);
  return [...own, ...rcloneLocks];
}

/** After the CLI ended: no rclone of this user is left running, and no lock is left behind. */
async function expectNothingLeft(pair: Pair): Promise<void> {
  // Stopped rclones take a moment to go; one still there after a few seconds is an orphan.
  await waitFor(async () => (await rclonesNaming(pair.user.home)).length === 0, 5_000, 'the stopped rclones to end').catch(() => undefined);
  expect(await rclonesNaming(pair.user.home)).toEqual([]);
  expect(await locksOf(pair)).toEqual([]);
}

let storage: Awaited<ReturnType<typeof silentStorage>> | undefined;
let running: PtyRun | undefined;
afterEach(() => {
  running?.kill();
  storage?.close();
  running = undefined;
  storage = undefined;
});

/** A pair synced once, then its storage gone silent; the sync started in a terminal. */
async function syncAgainstSilentStorage(prepare: (pair: Pair) => Promise<void>): Promise<{ pair: Pair; run: PtyRun; port: number }> {
  const pair = await newPair();
  await pair.writeLocal('start.md', 'start\n');
  expect((await pair.bisync()).exitCode).toBe(0);
  await prepare(pair);
  storage = await silentStorage();
  await pointAt(pair, storage.endpoint);
  running = runInPty(pair.user, ['cloud', 'bisync'], { columns: 120 });
  return { pair, run: running, port: storage.port };
}

// Issue 13, Why 4 (silence on long work) with a storage that does not answer, and "Ctrl-C leaves no
// lock or orphan behind": whatever waits for it before rclone bisync starts (the nothing-to-sync
// listing of 1.66+, the bucket's lease), the terminal names the storage within seconds, and the first
// Ctrl-C ends the run with 130: nothing was done yet.
describe('a sync in a terminal when the cloud storage does not answer', () => {
  it.each([
    ['with nothing changed here', () => Promise.resolve()],
    ['with an edit to sync', (edited: Pair) => edited.writeLocal('start.md', 'start, edited\n')],
  ])('%s: names the storage it waits for, and Ctrl-C stops it leaving no rclone and no lock', async (_label, prepare) => {
    const { pair, run, port } = await syncAgainstSilentStorage(prepare);
    const started = Date.now();
    await run.waitFor(new RegExp(`Syncing: waiting for the cloud storage at 127\\.0\\.0\\.1:${port} to answer · \\d+ s`), { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    const stoppedAt = Date.now();
    run.type(KEY.ctrlC);
    await run.waitFor(/Interrupted before the sync started: no note was synced/, { timeoutMs: 10_000 });
    expect(await run.exit).toBe(130);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    const text = stripEscapes(run.screen());
    expect(text).not.toMatch(/Unexpected failure/);
    // Nothing but the CLI's own lines: no library's warning about its timeouts.
    expect(text).not.toMatch(/WARN|Warning/);
    await expectNothingLeft(pair);
  });
});
