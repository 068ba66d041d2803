/**
 * Records the command-level tests' rclone runs from the real binaries on this machine:
 *
 *   npx vite-node scripts/record-rclone-fixtures.ts [rclone-binary ...]
 *
 * (default: /usr/bin/rclone and /work/rclone-unstable/usr/bin/rclone). Each scenario of
 * test/support/rclone-scenarios.ts is played through `syncOnce` with the scripted rclone in record
 * mode in front of the real one; what each call printed, returned and changed on disk is written to
 * test/fixtures/rclone/<version>/<scenario>.json, replacing the earlier recording.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Interrupts } from '../src/bisync/interrupts.js';
import { loadBisyncProfile } from '../src/bisync/profiles.js';
import { syncOnce } from '../src/bisync/run.js';
import { Output } from '../src/core/output.js';
import { createRclone } from '../src/rclone/runner.js';
import { createWorld, fixtureFile } from '../test/support/fake-rclone.js';
import { playScenario, SCENARIO_CLOCK_MS, SCENARIO_NAMES } from '../test/support/rclone-scenarios.js';

/** The same clock the replaying tests pin (vitest's fake Date), so the CLI names conflict copies alike. */
function pinClock(ms: number): void {
  const RealDate = Date;
  class PinnedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static override now(): number {
      return ms;
    }
  }
  globalThis.Date = PinnedDate as DateConstructor;
}

pinClock(SCENARIO_CLOCK_MS);
const binaries = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['/usr/bin/rclone', '/work/rclone-unstable/usr/bin/rclone'];

for (const binary of binaries) {
  const version = await createRclone({ binary, env: {} }).version();
  if (!version) throw new Error(`${binary} is not a working rclone`);
  const versionName = `${version.major}.${version.minor}.${version.patch}`;
  for (const scenario of SCENARIO_NAMES) {
    const out = fixtureFile(versionName, scenario);
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.rm(out, { force: true });
    const world = await createWorld({ record: { binary, out } });
    const output = new Output({ json: false, verbose: false, color: false, interactive: false });
    try {
      // The version is recorded too: the replay answers `rclone version` with it.
      const recorded = await world.rclone.version();
      if (!recorded) throw new Error(`${binary} did not answer through the recorder`);
      const deps = { rclone: world.rclone, version: recorded, output, paths: world.paths, interrupts: new Interrupts(output, false), notifySync: () => Promise.resolve() };
      const reports = await playScenario(world, scenario, ({ profile, resync, dryRun }) => syncOnce(deps, world.target, { profile: loadBisyncProfile(profile), baseline: resync, dryRun }));
      process.stderr.write(`${versionName} ${scenario}: ${reports.map((report) => report.outcome.kind).join(', ')}\n`);
    } finally {
      await world.cleanup();
    }
  }
}
