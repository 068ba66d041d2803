import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bisync } from '../../../src/bisync/commands.js';
import { writeWatchInfo } from '../../../src/bisync/state.js';
import { CliError, ExitCode } from '../../../src/core/errors.js';
import { mount } from '../../../src/mount/commands.js';
import { capturedOutput } from '../../support/captured-output.js';
import { fixtureFile, RECORDED_VERSIONS } from '../../support/fake-rclone.js';
import { useReplayedWorlds } from '../../support/replayed-world.js';
import { playScenario, type ScenarioName } from '../../support/rclone-scenarios.js';

/** The `bisync` and `mount` commands as the CLI runs them, on a replayed real rclone. */
type BisyncOptions = Parameters<typeof bisync>[0];

const worlds = useReplayedWorlds();

/** Plays a scenario through the command; each run gets its own output, the last one's is returned. */
async function runCommand(version: string, scenario: ScenarioName, extra: Partial<BisyncOptions> = {}) {
  const world = await worlds.create({ replay: fixtureFile(version, scenario) });
  let last = capturedOutput({ json: true });
  const codes = await playScenario(world, scenario, ({ profile, resync, dryRun }) => {
    last = capturedOutput({ json: true });
    return bisync({ profile, resync, dryRun, watch: false, json: true, ...extra }, world.context(last.output, { notifySync: () => Promise.resolve() }));
  });
  return { codes, stdout: last.stdout(), stderr: last.stderr() };
}

describe.each(RECORDED_VERSIONS)('cloud bisync on rclone %s (replayed)', (version) => {
  it('first sync: exit 0 and one --json document saying what moved', async () => {
    const { codes, stdout } = await runCommand(version, 'first-sync');
    expect(codes).toEqual([ExitCode.ok]);
    const document = JSON.parse(stdout) as { exitCode: number; mode: string; changes: { toCloud: { path: string }[]; toLocal: { path: string }[] } };
    expect(document).toMatchObject({ exitCode: 0, mode: 'baseline', dryRun: false, remote: worlds.current().target.remotePath });
    expect(document.changes.toCloud.map((change) => change.path)).toEqual(['from-here.md']);
    expect(document.changes.toLocal.map((change) => change.path)).toEqual(['from-cloud.md']);
  });

  it('--path ~/…: the same folder as the tenant\'s, found through the home folder', async () => {
    const { codes } = await runCommand(version, 'first-sync', { path: '~/../local/' });
    expect(codes).toEqual([ExitCode.ok]);
    expect(await fs.readFile(path.join(worlds.current().localPath, 'from-cloud.md'), 'utf8')).toBe('written in the cloud\n');
  });

  it('a delete stop: exit 5, the advice on stderr, the cloud keeps the notes', async () => {
    const { codes, stdout, stderr } = await runCommand(version, 'max-delete');
    expect(codes).toEqual([ExitCode.ok, ExitCode.safetyStop]);
    expect(JSON.parse(stdout)).toMatchObject({ exitCode: ExitCode.safetyStop, result: 'safety-stop', safetyReasons: ['max-delete'] });
    // The advice names the list of the deletions to apply by hand, and the list holds exactly them.
    const list = path.join(worlds.current().target.workdir, 'deleted-here.txt');
    expect(stderr).toContain(`--files-from ${list}`);
    expect((await fs.readFile(list, 'utf8')).split('\n').filter(Boolean).sort()).toEqual(['a.md', 'b.md', 'c.md']);
    expect((await fs.readdir(worlds.current().cloudDir)).sort()).toEqual(expect.arrayContaining(['a.md', 'b.md', 'c.md', 'd.md']));
  });

  it('a conflict: exit 0, both copies named on stderr', async () => {
    const { codes, stdout, stderr } = await runCommand(version, 'conflict');
    expect(codes).toEqual([ExitCode.ok, ExitCode.ok]);
    const document = JSON.parse(stdout) as { conflicts: { path: string; copies: string[] }[] };
    expect(document.conflicts.map((conflict) => conflict.path)).toEqual(['a.md']);
    expect(stderr).toContain(document.conflicts[0]!.copies[0]!);
  });
});

describe('rclone below the bisync threshold (1.58)', () => {
  it('1.57: refused before anything runs, exit 4', async () => {
    const world = await worlds.create({ replay: fixtureFile('1.60.1', 'first-sync'), versionStdout: 'rclone v1.57.0\n- os/version: debian 12\n' });
    const { output } = capturedOutput({ json: true });
    const error = await bisync({ resync: false, dryRun: false, watch: false, json: true }, world.context(output)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ exitCode: ExitCode.rcloneUnavailable, message: 'rclone 1.57.0 has no bisync (it needs 1.58 or newer).' });
    expect((await world.calls()).map((args) => args[0])).toEqual(['version']);
    expect(await fs.readdir(world.localPath)).toEqual([]);
  });
});

describe('cloud mount --path ~/…', () => {
  it('expands ~ like bisync does: a watched ~/notes is refused, not mounted over', async () => {
    const world = await worlds.create({ replay: fixtureFile('1.75.2', 'first-sync') });
    const watched = path.join(world.homeDir, 'notes');
    await writeWatchInfo(world.paths, 't1', { pid: process.pid, localPath: watched, startedAt: new Date().toISOString() });
    const { output } = capturedOutput();
    const error = await mount({ path: '~/notes' }, world.context(output)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe(`${watched} is synced by a running \`cloud bisync --watch\` (pid ${process.pid}), so it cannot be mounted too.`);
    expect(await fs.readdir(world.homeDir)).toEqual([]);
  });
});
