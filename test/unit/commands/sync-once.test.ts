import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interrupts } from '../../../src/bisync/interrupts.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { exitCodeFor } from '../../../src/bisync/report.js';
import { syncOnce, type SyncReport } from '../../../src/bisync/run.js';
import { ExitCode } from '../../../src/core/errors.js';
import { parseRcloneVersion, versionAtLeast } from '../../../src/rclone/version.js';
import { capturedOutput } from '../../support/captured-output.js';
import { fixtureFile, RECORDED_VERSIONS } from '../../support/fake-rclone.js';
import { useReplayedWorlds } from '../../support/replayed-world.js';
import { playScenario, type ScenarioName } from '../../support/rclone-scenarios.js';

/** syncOnce against replayed runs of real rclone 1.60.1 and 1.75.2: every recovery path, each version's branch. */
const worlds = useReplayedWorlds();

async function play(version: string, scenario: ScenarioName) {
  const world = await worlds.create({ replay: fixtureFile(version, scenario) });
  const { output, stderr } = capturedOutput();
  const installed = await world.rclone.version();
  if (!installed) throw new Error('the fake rclone did not tell its version');
  const notices: (readonly string[] | undefined)[] = [];
  const deps = { rclone: world.rclone, version: installed, output, paths: world.paths, interrupts: new Interrupts(output, false), notifySync: (paths: readonly string[] | undefined) => Promise.resolve(void notices.push(paths)) };
  const target = world.target;
  const reports = await playScenario(world, scenario, ({ profile, resync, dryRun }) => syncOnce(deps, target, { profile: loadBisyncProfile(profile), baseline: resync, dryRun }));
  const calls = await world.calls();
  expect(await world.unplayed()).toBe(0);
  return { reports, last: reports.at(-1) as SyncReport, calls, bisyncCalls: calls.filter((args) => args[0] === 'bisync'), stderr, notified: () => notices.length, notices, installed };
}

const read = (folder: string, file: string) => fs.readFile(path.join(folder, file), 'utf8');
const names = async (folder: string) => (await fs.readdir(folder)).sort();

describe.each(RECORDED_VERSIONS)('syncOnce on rclone %s (replayed)', (version) => {
  const since = (minimum: string) => versionAtLeast(parseRcloneVersion(`rclone v${version}`)!, minimum);

  it('first sync: a baseline that copies each side to the other, with only the flags this rclone knows', async () => {
    const { last, bisyncCalls, stderr } = await play(version, 'first-sync');
    expect(last.plan).toMatchObject({ mode: 'baseline', why: 'first-run' });
    expect(last.outcome.kind).toBe('ok');
    expect(await read(worlds.current().localPath, 'from-cloud.md')).toBe('written in the cloud\n');
    expect(await read(worlds.current().cloudDir, 'from-here.md')).toBe('written here\n');
    const args = bisyncCalls[0]!;
    expect(args).toContain('--resync');
    // 1.64: --resilient; 1.66: --recover, --max-lock, --compare, --conflict-resolve.
    expect(args.includes('--resilient')).toBe(since('1.64'));
    for (const flag of ['--recover', '--max-lock', '--compare', '--conflict-resolve', '--conflict-loser', '--conflict-suffix']) expect(args.includes(flag)).toBe(since('1.66'));
    // How an older rclone is coped with is jargon on a first run: said with --verbose only.
    expect(stderr()).not.toMatch(/has no --resilient|has no --conflict-resolve/);
  });

  it('after a baseline: an edit goes up, a cloud note comes down, and the cloud is told', async () => {
    const { last, notified, notices, bisyncCalls } = await play(version, 'changes-both-ways');
    expect(last.plan).toEqual({ mode: 'sync' });
    expect(bisyncCalls.at(-1)).not.toContain('--resync');
    expect(last.outcome.kind).toBe('ok');
    expect(last.record.changes.toCloud.map((change) => change.path)).toEqual(['a.md']);
    expect(last.record.changes.toLocal.map((change) => change.path)).toEqual(['new-in-cloud.md']);
    expect(await read(worlds.current().cloudDir, 'a.md')).toBe('a v2, edited here\n');
    expect(await read(worlds.current().localPath, 'new-in-cloud.md')).toBe('new in the cloud\n');
    // Once for the baseline's copies, once for this run's, naming the key it uploaded.
    expect(notified()).toBe(2);
    expect(notices.at(-1)).toEqual(['a.md']);
  });

  it('a conflict: the newer edit keeps the name, the other is kept as a copy on both sides', async () => {
    const { last, calls, stderr } = await play(version, 'conflict');
    expect(last.outcome.kind).toBe('ok');
    expect(await read(worlds.current().localPath, 'a.md')).toBe('a edited in the cloud, later\n');
    expect(await read(worlds.current().cloudDir, 'a.md')).toBe('a edited in the cloud, later\n');
    const conflicts = last.record.conflicts;
    expect(conflicts.map((conflict) => conflict.path)).toEqual(['a.md']);
    const copy = conflicts[0]!.copies[0]!;
    expect(await read(worlds.current().localPath, copy)).toBe('a edited here\n');
    expect(await read(worlds.current().cloudDir, copy)).toBe('a edited here\n');
    // rclone keeps both copies (before 1.66 it has no --conflict-resolve; from 1.66, comparing
    // checksums, it cannot tell the newer): the CLI resolves it after the run, renames then a baseline.
    expect(calls.some((args) => args[0] === 'moveto')).toBe(true);
    expect(last.notes.some((note) => note.includes('keeps both copies of a conflict'))).toBe(true);
    expect(stderr()).not.toContain('fake rclone');
  });

  it('"all files were changed" with nothing to delete: synced anyway with --force', async () => {
    const { last, bisyncCalls } = await play(version, 'all-files-changed');
    expect(last.outcome.kind).toBe('ok');
    expect(last.notes.join('\n')).toContain('synced anyway');
    expect(bisyncCalls.at(-2)).not.toContain('--force');
    expect(bisyncCalls.at(-1)).toContain('--force');
    expect(await read(worlds.current().cloudDir, 'a.md')).toBe('a v2\n');
    expect(await read(worlds.current().cloudDir, 'b.md')).toBe('b v2\n');
  });

  it('most notes deleted here: a safety stop, and the cloud still has them', async () => {
    const { last, notified } = await play(version, 'max-delete');
    expect(last.outcome).toMatchObject({ kind: 'safety-stop' });
    expect(last.outcome.kind === 'safety-stop' && last.outcome.reasons).toContain('max-delete');
    expect(exitCodeFor(last)).toBe(ExitCode.safetyStop);
    expect(await names(worlds.current().cloudDir)).toEqual(expect.arrayContaining(['a.md', 'b.md', 'c.md', 'd.md']));
    // The baseline's copies only: a stopped run tells the cloud nothing.
    expect(notified()).toBe(1);
  });

  it('a run that died: recovered with a baseline that keeps every file, said the way this rclone allows', async () => {
    const { last } = await play(version, 'recovery');
    expect(last.plan).toMatchObject({ mode: 'baseline', why: 'recovery' });
    expect(last.plan.mode === 'baseline' && last.plan.announce).toContain(since('1.66') ? 'its listings were lost' : 'has no --recover');
    expect(last.outcome.kind).toBe('ok');
    expect(await read(worlds.current().localPath, 'b.md')).toBe('b, new in the cloud\n');
    expect(await read(worlds.current().cloudDir, 'a.md')).toBe('a v1\n');
  });
});
