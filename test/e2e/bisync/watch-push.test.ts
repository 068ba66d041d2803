import fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { BisyncStateFile, WatchInfo } from '../../../src/bisync/state.js';
import { statePaths } from '../../../src/core/paths.js';
import { cloudWriter, type CloudWriter } from '../../support/cloud-writer.js';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { startTestServer } from '../../support/server.js';
import { makePair, spawnCli, useServer, waitFor, type Pair, type Spawned } from './helpers.js';

/**
 * `cloud bisync --watch` driven by the cloud's change feed (real rclone, the reference server's
 * feed): another writer's change syncs within seconds although the interval is 10 minutes; this
 * machine's own uploads do not trigger a run; without the feed the interval still works.
 */
const withFeed = useServer();
const withoutFeed = useServer({ changeFeed: false });

/** Every run the watch finishes, read from the bisync state file as it changes. */
function countRuns(pair: Pair) {
  const file = statePaths(pair.user.stateDir).bisyncState(pair.tenant.tenantId);
  const seen = new Set<string>();
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      const state = JSON.parse(await fs.readFile(file, 'utf8').catch(() => '{}')) as BisyncStateFile;
      if (state.lastRun) seen.add(state.lastRun.startedAt);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    count: () => seen.size,
    async stop() {
      stopped = true;
      await polling;
    },
  };
}

const watchInfo = async (pair: Pair) => JSON.parse(await fs.readFile(statePaths(pair.user.stateDir).watchPid(pair.tenant.tenantId), 'utf8').catch(() => '{}')) as Partial<WatchInfo>;
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cloud bisync --watch follows the change feed', () => {
  let watch: Spawned | undefined;
  let writer: CloudWriter | undefined;
  afterEach(async () => {
    watch?.child.kill('SIGINT');
    await watch?.exit;
    watch = undefined;
    writer?.close();
    writer = undefined;
  });

  it("syncs another writer's change within seconds (interval 10 minutes), and not its own uploads", async () => {
    const pair = await withFeed.newPair();
    await pair.writeLocal('start.md', 'start\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    writer = await cloudWriter(withFeed.server().apiUrl, pair.tenant.token);
    const runs = countRuns(pair);
    watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '10m', '--verbose']);
    // Two runs recorded: the one-shot sync above and the watch's own first run (a feed connected
    // before that run ends must not make the first run look like one the feed started).
    await waitFor(async () => runs.count() >= 2 && (await watchInfo(pair)).cloudChanges?.mode === 'push', 30_000, 'the first run and the feed');
    const status = await pair.user.run(['cloud', 'bisync-status']);
    expect(status.stderr + status.stdout).toMatch(/cloud changes:\s+push-driven by the change feed \(since \d{2}:\d{2}:\d{2}\)/);

    for (const index of [1, 2]) {
      const before = runs.count();
      const started = Date.now();
      await writer.put(`from-cloud-${index}.md`, `written in the cloud ${index}\n`);
      await waitFor(async () => (await pair.readLocal(`from-cloud-${index}.md`)) === `written in the cloud ${index}\n`, 15_000, `from-cloud-${index}.md in the folder`);
      // The debounce (1 s) plus one sync; the 10-minute interval is nowhere near.
      expect(Date.now() - started).toBeLessThan(8_000);
      await settle(1_500);
      expect(runs.count() - before).toBe(1);
    }

    // This machine's own upload comes back on the feed with its own key: one run (the upload), no more.
    const before = runs.count();
    await pair.writeLocal('mine.md', 'written here\n');
    await waitFor(async () => (await pair.readCloud('mine.md')) === 'written here\n', 15_000, 'mine.md in the bucket');
    await settle(4_000);
    // The feed brought the upload back with this machine's key and did not wake the sync...
    expect(watch.stderr()).toContain('cloud change: created from-cloud-2.md');
    expect(watch.stderr()).not.toContain('cloud change: created mine.md');
    // ...so the upload is one run. On rclone 1.63+ the safety net's hard links still look like a local
    // edit to the watcher and add one run of their own, the feed or not (a separate fix in watch.ts).
    if (rcloneAtLeast('1.63')) expect(runs.count() - before).toBeLessThanOrEqual(2);
    else expect(runs.count() - before).toBe(1);
    await runs.stop();
    expect(watch.stderr()).not.toMatch(/checking for cloud changes every/);
  });

  it.each([
    ['missing (the server answers 404)', 'The cloud has no change feed: checking for cloud changes every 3s instead.', {}],
    ['down (nothing answers at the API address)', "The cloud's change feed is unreachable (ECONNREFUSED): checking for cloud changes every 3s until it is back.", { BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:9' }],
  ])('with the feed %s, syncs at its interval and says so once', async (_case, line, env) => {
    const server = withoutFeed.server();
    const pair = await withoutFeed.newPair();
    await pair.writeLocal('start.md', 'start\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    writer = await cloudWriter(server.apiUrl, pair.tenant.token);
    watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '3s'], env);
    await waitFor(async () => (await watchInfo(pair)).cloudChanges?.mode === 'polling', 30_000, 'the fallback');
    await writer.put('from-cloud.md', 'still arrives\n');
    await waitFor(async () => (await pair.readLocal('from-cloud.md')) === 'still arrives\n', 20_000, 'from-cloud.md at the interval');
    await settle(7_000);
    expect(watch.stderr().split(line).length - 1).toBe(1);
    const status = await pair.user.run(['cloud', 'bisync-status', '--json']);
    expect((JSON.parse(status.stdout) as { watch: WatchInfo }).watch.cloudChanges?.mode).toBe('polling');
  });
});

describe('cloud bisync --watch when the cloud restarts', () => {
  it('says the feed is down once, reconnects by itself, and a change made after the restart still syncs within seconds', async () => {
    let server = await startTestServer();
    const pair = await makePair(server);
    const ports = { port: Number(new URL(server.apiUrl).port), s3Port: Number(new URL(server.s3Url).port) };
    let watch: Spawned | undefined;
    try {
      await pair.writeLocal('start.md', 'start\n');
      expect((await pair.bisync()).exitCode).toBe(0);
      watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '10m']);
      await waitFor(async () => (await watchInfo(pair)).cloudChanges?.mode === 'push', 30_000, 'the feed');
      await server.close();
      await waitFor(async () => (await watchInfo(pair)).cloudChanges?.mode === 'polling', 30_000, 'the fallback');
      await settle(3_000);
      server = await startTestServer({ dataDir: server.dataDir, ...ports });
      await waitFor(async () => (await watchInfo(pair)).cloudChanges?.mode === 'push', 60_000, 'the feed back');
      const writer = await cloudWriter(server.apiUrl, pair.tenant.token);
      const started = Date.now();
      await writer.put('after-restart.md', 'the cloud came back\n');
      await waitFor(async () => (await pair.readLocal('after-restart.md')) === 'the cloud came back\n', 15_000, 'after-restart.md in the folder');
      expect(Date.now() - started).toBeLessThan(8_000);
      writer.close();
      expect(watch.stderr().match(/The cloud's change feed is unreachable/g)).toHaveLength(1);
      expect(watch.stderr()).toContain("The cloud's change feed is back");
    } finally {
      watch?.child.kill('SIGINT');
      await watch?.exit;
      await pair.user.cleanup();
      await server.cleanup();
    }
  });
});
