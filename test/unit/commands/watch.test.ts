import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interrupts } from '../../../src/bisync/interrupts.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { watchAndSync } from '../../../src/bisync/watch.js';
import { ExitCode } from '../../../src/core/errors.js';
import { sleep } from '../../../src/core/process.js';
import { capturedOutput } from '../../support/captured-output.js';
import { fixtureFile, RECORDED_VERSIONS, type RcloneWorld } from '../../support/fake-rclone.js';
import { useReplayedWorlds } from '../../support/replayed-world.js';
import { playScenario } from '../../support/rclone-scenarios.js';

const worlds = useReplayedWorlds();

/**
 * Resolves once the watch has recorded one more run than `seen` (the state file is rewritten after
 * each; its times are the pinned clock's, so the file's own change time tells runs apart).
 */
async function nextRun(world: RcloneWorld, seen: number | undefined): Promise<number> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const changed = await fs.stat(world.paths.bisyncState(world.target.tenantId)).then((stat) => stat.ctimeMs, () => undefined);
    if (changed !== undefined && changed !== seen) return changed;
    await sleep(50);
  }
  throw new Error('the watch made no run within 20 s');
}

describe.each(RECORDED_VERSIONS)('cloud bisync --watch on rclone %s (replayed)', (version) => {
  it('a baseline at start, a sync after a local edit, its own downloads not taken for edits, exit 130 on Ctrl-C', async () => {
    const world = await worlds.create({ replay: fixtureFile(version, 'changes-both-ways') });
    const { output, stderr } = capturedOutput();
    const installed = await world.rclone.version();
    const interrupts = new Interrupts(output, false);
    const deps = { rclone: world.rclone, version: installed!, output, paths: world.paths, interrupts, notifySync: () => Promise.resolve() };
    let watching: Promise<number> | undefined;
    let lastRun: number | undefined;
    interrupts.install();
    try {
      await playScenario(world, 'changes-both-ways', async ({ profile }) => {
        // The first "sync" starts the watch (its first run is the baseline); later ones are its runs after an edit.
        watching ??= watchAndSync(deps, world.target, { profile: loadBisyncProfile(profile), dryRun: false, baseline: false }, { intervalMs: 3_600_000, debounceMs: 200, storage: '127.0.0.1:9000' });
        lastRun = await nextRun(world, lastRun);
      });
      // The downloaded note arrives while rclone runs: no further run follows it.
      await sleep(1_500);
      process.emit('SIGINT', 'SIGINT');
      expect(await watching).toBe(ExitCode.interrupted);
    } finally {
      interrupts.uninstall();
    }
    expect(await world.unplayed()).toBe(0);
    // From rclone 1.63 the safety net hard-links a.md, b.md and c.md during each run, and chokidar
    // reports each as a change: no edit (same size and time), so no run follows (it used to: 3 runs).
    const runs = (await world.calls()).filter((args) => args[0] === 'bisync').length;
    expect(runs).toBe(2);
    expect(await fs.readFile(path.join(world.localPath, 'new-in-cloud.md'), 'utf8')).toBe('new in the cloud\n');
    expect(await fs.readFile(path.join(world.cloudDir, 'a.md'), 'utf8')).toBe('a v2, edited here\n');
    expect(stderr()).toContain('Watch stopped.');
  }, 30_000);
});
