import fs from 'node:fs/promises';
import path from 'node:path';
import type { ProfileName } from '../../src/core/settings.js';
import type { RcloneWorld } from './fake-rclone.js';

/**
 * The runs recorded from real rclone (scripts/record-rclone-fixtures.ts) and replayed by the
 * command-level tests: both play the same steps, so the replayed rclone meets the folder and the
 * bucket in the state the real one met.
 */
export type ScenarioStep =
  | { edit: 'local' | 'cloud'; files: Record<string, string | null> }
  /** One sync (syncOnce or the `bisync` command): a baseline when asked, else whatever the CLI plans. */
  | { sync: { profile: ProfileName; resync?: boolean; dryRun?: boolean } }
  /** What a run killed mid-way leaves: rclone's listings renamed to `.lst-err`. */
  | { breakListings: true };

const baselineOf = (files: Record<string, string>, profile: ProfileName = 'balanced'): ScenarioStep[] => [{ edit: 'local', files }, { sync: { profile } }];

export const SCENARIOS = {
  /** No listings yet: a baseline that copies each side's note to the other. */
  'first-sync': [{ edit: 'cloud', files: { 'from-cloud.md': 'written in the cloud\n' } }, { edit: 'local', files: { 'from-here.md': 'written here\n' } }, { sync: { profile: 'balanced' } }],
  /** After a baseline: an edit here, a new note in the cloud. */
  'changes-both-ways': [
    ...baselineOf({ 'a.md': 'a v1\n', 'b.md': 'b v1\n', 'c.md': 'c v1\n' }),
    { edit: 'local', files: { 'a.md': 'a v2, edited here\n' } },
    { edit: 'cloud', files: { 'new-in-cloud.md': 'new in the cloud\n' } },
    { sync: { profile: 'balanced' } },
  ],
  /** The same note edited on both sides, the cloud's edit newer. */
  conflict: [
    ...baselineOf({ 'a.md': 'a v1\n', 'b.md': 'b v1\n', 'c.md': 'c v1\n' }),
    { edit: 'local', files: { 'a.md': 'a edited here\n' } },
    { edit: 'cloud', files: { 'a.md': 'a edited in the cloud, later\n' } },
    { sync: { profile: 'balanced' } },
  ],
  /** Every note here edited: rclone's "all files were changed" guard, a false alarm with nothing to delete. */
  'all-files-changed': [
    ...baselineOf({ 'a.md': 'a v1\n', 'b.md': 'b v1\n' }),
    { edit: 'local', files: { 'a.md': 'a v2\n', 'b.md': 'b v2\n', '.basic-memory-bisync': 'Basic Memory sync check file: keep it in this folder and in the cloud. (touched)\n' } },
    { sync: { profile: 'balanced' } },
  ],
  /** Most notes deleted here: the delete guard stops the run and the cloud keeps them. */
  'max-delete': [
    ...baselineOf({ 'a.md': 'a\n', 'b.md': 'b\n', 'c.md': 'c\n', 'd.md': 'd\n' }, 'safe'),
    { edit: 'local', files: { 'a.md': null, 'b.md': null, 'c.md': null } },
    { sync: { profile: 'safe' } },
  ],
  /** The last run died: its listings are `.lst-err`, so the CLI recovers with a baseline that keeps every file. */
  recovery: [
    ...baselineOf({ 'a.md': 'a v1\n' }),
    { breakListings: true },
    { edit: 'cloud', files: { 'b.md': 'b, new in the cloud\n' } },
    { sync: { profile: 'balanced' } },
  ],
} satisfies Record<string, ScenarioStep[]>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** Edits get fixed modification times one minute apart, so every rclone sees the same order of edits. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * The CLI's clock while a scenario is recorded and replayed: conflict copies it renames carry the
 * time in their name, which must be the name the recorded rclone calls used.
 */
export const SCENARIO_CLOCK_MS = EPOCH_MS + 24 * 3_600_000;

/**
 * Plays a scenario's steps in a world; `sync` is how one sync runs (syncOnce, or the `bisync`
 * command). Returns what each sync returned.
 */
export async function playScenario<T>(world: RcloneWorld, name: ScenarioName, sync: (step: { profile: ProfileName; resync: boolean; dryRun: boolean }) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let minute = 0;
  for (const step of SCENARIOS[name] as ScenarioStep[]) {
    if ('sync' in step) {
      results.push(await sync({ resync: false, dryRun: false, ...step.sync }));
    } else if ('edit' in step) {
      minute += 1;
      const base = step.edit === 'local' ? world.localPath : world.cloudDir;
      for (const [file, content] of Object.entries(step.files)) {
        const target = path.join(base, file);
        if (content === null) {
          await fs.rm(target);
          continue;
        }
        await fs.writeFile(target, content);
        const when = new Date(EPOCH_MS + minute * 60_000);
        await fs.utimes(target, when, when);
      }
    } else {
      for (const side of ['path1', 'path2']) {
        const listing = path.join(world.target.workdir, `${world.target.session}.${side}.lst`);
        await fs.rename(listing, `${listing}-err`);
      }
    }
  }
  return results;
}
