import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bisyncSessionName } from '../../../src/bisync/args.js';
import { seedFilters } from '../../../src/bisync/filters.js';
import { Interrupts } from '../../../src/bisync/interrupts.js';
import { loadBisyncProfile } from '../../../src/bisync/profiles.js';
import { syncOnce, type SyncDeps, type SyncTarget } from '../../../src/bisync/run.js';
import { statePaths, type StatePaths } from '../../../src/core/paths.js';
import type { Rclone, RcloneResult } from '../../../src/rclone/runner.js';
import { parseRcloneVersion } from '../../../src/rclone/version.js';
import { capturedOutput } from '../../support/captured-output.js';

/** What one scripted `rclone bisync` answers, and what it leaves in the workdir. */
interface ScriptedBisync {
  exitCode: number;
  log: string;
  after?: () => Promise<void>;
}

/** An rclone whose bisync runs replay a script, in order; its helper calls (check, moveto) succeed with nothing to report. */
function scriptedRclone(script: ScriptedBisync[]): { rclone: Rclone; bisyncArgs: string[][] } {
  const bisyncArgs: string[][] = [];
  const done = (exitCode: number, stderr = ''): RcloneResult => ({ exitCode, stdout: '', stderr, signal: undefined });
  const start = async (args: string[]) => {
    if (args[0] !== 'bisync') return { pid: undefined, kill: () => undefined, result: Promise.resolve(done(0)) };
    bisyncArgs.push(args);
    const next = script.shift();
    if (!next) throw new Error(`unscripted rclone bisync run: ${args.join(' ')}`);
    await next.after?.();
    return { pid: undefined, kill: () => undefined, result: Promise.resolve(done(next.exitCode, next.log)) };
  };
  const rclone: Rclone = {
    binary: 'rclone',
    environment: { env: {}, globalArgs: [], notes: [] },
    version: () => Promise.resolve(undefined),
    forgetVersion: () => undefined,
    start,
    run: async (args) => (await start(args)).result,
    spawnDetached: () => Promise.reject(new Error('not scripted')),
  };
  return { rclone, bisyncArgs };
}

let dir: string;
let paths: StatePaths;
let target: SyncTarget;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-run-attempts-'));
  paths = statePaths(path.join(dir, 'state'));
  await fs.mkdir(paths.dir, { recursive: true });
  await seedFilters(paths);
  const localPath = path.join(dir, 'notes');
  const remotePath = 'basic-memory-t1:bucket';
  await fs.mkdir(localPath, { recursive: true });
  target = { tenantId: 't1', localPath, remotePath, workdir: paths.bisyncWorkdir('t1'), session: bisyncSessionName(localPath, remotePath), filtersFile: paths.bisyncFilters, tigris: false };
  // A pair that synced before: both prior listings are there.
  await fs.mkdir(target.workdir, { recursive: true });
  for (const side of ['path1', 'path2']) await fs.writeFile(path.join(target.workdir, `${target.session}.${side}.lst`), '');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function depsFor(version: string, rclone: Rclone): SyncDeps {
  const parsed = parseRcloneVersion(version);
  if (!parsed) throw new Error(version);
  const { output } = capturedOutput();
  return { rclone, version: parsed, output, paths, interrupts: new Interrupts(output, false), notifySync: () => Promise.resolve() };
}

const ALL_CHANGED = 'ERROR : Safety abort: all files were changed on Path1 "/x/". Run with --force if desired.\nNOTICE: Bisync aborted. Please try again.';
const CHANGED_ON_BOTH = (localPath: string) => [
  'INFO  : - WARNING  New or changed in both paths        - a.md',
  `NOTICE: - Path1    Renaming Path1 copy                 - ${localPath}/a.md..path1`,
  'NOTICE: - Path2    Renaming Path2 copy                 - basic-memory-t1:bucket/a.md..path2',
].join('\n');

describe('syncOnce records each rclone run with its reason', () => {
  it('"all files changed" with nothing to delete: a forced second run, both in the record', async () => {
    const { rclone, bisyncArgs } = scriptedRclone([{ exitCode: 1, log: ALL_CHANGED }, { exitCode: 0, log: '' }]);
    const report = await syncOnce(depsFor('rclone v1.60.1-DEV', rclone), target, { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false });
    expect(report.record.attempts).toEqual([
      { reason: 'sync', mode: 'sync', force: false, result: 'safety-stop', rcloneExit: 'non-critical' },
      { reason: 'forced-after-false-alarm', mode: 'sync', force: true, result: 'ok', rcloneExit: 'ok' },
    ]);
    expect(bisyncArgs.map((args) => args.includes('--force'))).toEqual([false, true]);
    expect(report.outcome.kind).toBe('ok');
  });

  it.each([
    ['rclone v1.60.1-DEV', ['sync', 'conflict-refresh']],
    ['rclone v1.65.0', ['sync', 'conflict-refresh']],
    ['rclone v1.66.0', ['sync']],
    ['rclone v1.75.2', ['sync']],
  ])('a conflict on %s: runs %j', async (version, reasons) => {
    await fs.writeFile(path.join(target.localPath, 'a.md..path1'), 'mine');
    await fs.writeFile(path.join(target.localPath, 'a.md..path2'), 'theirs');
    const { rclone, bisyncArgs } = scriptedRclone([{ exitCode: 0, log: CHANGED_ON_BOTH(target.localPath) }, { exitCode: 0, log: '' }]);
    const report = await syncOnce(depsFor(version, rclone), target, { profile: loadBisyncProfile('safe'), dryRun: false, baseline: false });
    expect(report.record.attempts?.map((attempt) => attempt.reason)).toEqual(reasons);
    expect(bisyncArgs.map((args) => args.includes('--resync'))).toEqual(reasons.map((reason) => reason === 'conflict-refresh'));
    const copies = report.record.conflicts.flatMap((conflict) => conflict.copies);
    // Before 1.66 this CLI gives both kept versions its own unique names; from 1.66 rclone names them.
    if (reasons.includes('conflict-refresh')) expect(copies).toEqual([expect.stringMatching(/^a\.conflict-\d{8}-\d{6}\.md$/), expect.stringMatching(/^a\.conflict-\d{8}-\d{6}-2\.md$/)]);
    else expect(copies).toEqual(['a.md..path1', 'a.md..path2']);
    expect((await fs.readdir(target.localPath)).filter((name) => name.startsWith('a.')).sort()).toEqual([...copies].sort());
  });

  it.each([
    ['rclone v1.60.1-DEV', 2],
    ['rclone v1.68.2', 2],
    ['rclone v1.69.0', 7],
    ['rclone v1.75.2', 7],
  ])('a critical abort on %s (exit %i) is read as critical and needs a baseline', async (version, exitCode) => {
    const lockedOut = async () => {
      for (const side of ['path1', 'path2']) await fs.rename(path.join(target.workdir, `${target.session}.${side}.lst`), path.join(target.workdir, `${target.session}.${side}.lst-err`));
    };
    const { rclone } = scriptedRclone([{ exitCode, log: 'ERROR : Bisync critical error: boom\nERROR : Bisync aborted. Must run --resync to recover.', after: lockedOut }]);
    const report = await syncOnce(depsFor(version, rclone), target, { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false });
    expect(report.record.attempts).toEqual([{ reason: 'sync', mode: 'sync', force: false, result: 'needs-baseline', rcloneExit: 'critical' }]);
  });
});

describe('syncOnce and the cloud backups (issue 8, the cloud side; rclone 1.66+)', () => {
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const UPLOADED_X = 'INFO  : - Path1    File changed: hash                  - x.md\nNOTICE: - Path1    Queue copy to Path2                 - basic-memory-t1:bucket/x.md\nINFO  : Bisync successful';

  /** The scripted rclone, whose backup dir holds `x.md` with `backedUp` and whose copyto writes it. */
  function withBackup(backedUp: string): { rclone: Rclone; calls: string[][]; bisyncArgs: string[][] } {
    const { rclone: scripted, bisyncArgs } = scriptedRclone([{ exitCode: 0, log: UPLOADED_X }]);
    const calls: string[][] = [];
    // The sync's helpers start rclone (to stop it on Ctrl-C): their runs are scripted at `start`.
    const start: Rclone['start'] = async (args, options) => {
      if (args[0] !== 'bisync') calls.push(args);
      if (args[0] === 'lsjson') return { pid: undefined, kill: () => undefined, result: Promise.resolve({ exitCode: 0, stdout: JSON.stringify([{ Path: 'x.md', Size: backedUp.length, ModTime: '2026-11-29T17:00:00Z', Hashes: { md5: md5(backedUp) } }]), stderr: '', signal: undefined }) };
      if (args[0] === 'copyto' && args[2]) await fs.writeFile(args[2], backedUp);
      return scripted.start(args, options);
    };
    const rclone: Rclone = { ...scripted, start, run: async (args, options) => (await start(args, options)).result };
    return { rclone, calls, bisyncArgs };
  }

  beforeEach(async () => {
    await fs.writeFile(path.join(target.workdir, `${target.session}.path2.lst`), `- 5 md5:${md5('v0!\n')} - 0001-01-01T00:00:00.000000000+0000 "x.md"\n`);
    await fs.writeFile(path.join(target.localPath, 'x.md'), 'mine\n');
  });

  it('a version the prior cloud listing did not have is kept as a conflict copy in the bucket and the folder; the backups are purged', async () => {
    const { rclone, calls, bisyncArgs } = withBackup('theirs\n');
    const report = await syncOnce(depsFor('rclone v1.75.2', rclone), target, { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false });
    const backupDir = bisyncArgs[0]?.[bisyncArgs[0].indexOf('--backup-dir2') + 1] ?? '';
    expect(backupDir).toMatch(/^basic-memory-t1:bucket\/\.basic-memory-backups\/\d{8}-\d{6}-[0-9a-f]{8}$/);
    const copy = report.record.conflicts.find((conflict) => conflict.path === 'x.md')?.copies[0] ?? '';
    expect(copy).toMatch(/^x\.conflict-\d{8}-\d{6}\.md$/);
    expect(await fs.readFile(path.join(target.localPath, copy), 'utf8')).toBe('theirs\n');
    expect(await fs.readFile(path.join(target.localPath, 'x.md'), 'utf8')).toBe('mine\n');
    expect(calls).toContainEqual(['moveto', `${backupDir}/x.md`, `basic-memory-t1:bucket/${copy}`]);
    expect(calls.at(-1)).toEqual(['purge', backupDir]);
    expect(report.notes).toContain('1 note another machine uploaded while this run replaced it in the cloud: its version is kept as a conflict copy on both sides.');
    await expect(fs.access(path.join(target.workdir, 'cloud-backups-pending.json'))).rejects.toThrow();
  });

  it('the version the prior listing recorded (this machine\'s own edit replaced it) keeps nothing', async () => {
    const { rclone, calls } = withBackup('v0!\n');
    const report = await syncOnce(depsFor('rclone v1.75.2', rclone), target, { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false });
    expect(report.record.conflicts).toEqual([]);
    expect(calls.map((args) => args[0])).not.toContain('moveto');
    expect(calls.at(-1)?.[0]).toBe('purge');
    expect((await fs.readdir(target.localPath)).sort()).toEqual(['x.md']);
  });

  it('rclone 1.60 gets no backup dir, only the exclusion of the reserved prefix', async () => {
    const { rclone, bisyncArgs } = withBackup('theirs\n');
    await syncOnce(depsFor('rclone v1.60.1-DEV', rclone), target, { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false });
    expect(bisyncArgs[0]).not.toContain('--backup-dir2');
    expect(bisyncArgs[0]).toContain('/.basic-memory-backups/**');
  });
});

describe('syncOnce and Ctrl-C before rclone bisync starts', () => {
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');

  it('stops the nothing-to-sync listing at the first Ctrl-C, starts no bisync and records nothing', async () => {
    // A pair whose last run went well, with checksummed listings: rclone 1.66+ checks "nothing to sync" first.
    const listing = `# bisync listing v1 from 2026-11-29 12:00:00.000000000 +0000 UTC\n- 5 md5:${md5('note\n')} - 2026-11-29T12:00:00.000000000+0000 "x.md"\n`;
    for (const side of ['path1', 'path2']) await fs.writeFile(path.join(target.workdir, `${target.session}.${side}.lst`), listing);
    await fs.writeFile(path.join(target.localPath, 'x.md'), 'note\n');
    const lastRun = { startedAt: 'a', finishedAt: 'b', durationMs: 1, profile: 'balanced', localPath: target.localPath, mode: 'sync', why: undefined, result: 'ok', safetyReasons: [], detail: undefined, changes: { toCloud: [], toLocal: [] }, conflicts: [], attempts: [] };
    const stateFile = paths.bisyncState('t1');
    await fs.writeFile(stateFile, JSON.stringify({ lastRun, lastSuccessAt: 'b' }));
    const stateBefore = await fs.readFile(stateFile, 'utf8');

    const { rclone: scripted, bisyncArgs } = scriptedRclone([]);
    const stopped: string[] = [];
    let listingStarted: () => void = () => undefined;
    const listingRuns = new Promise<void>((resolve) => (listingStarted = resolve));
    // A storage that never answers: the listing lasts until it is stopped.
    const start: Rclone['start'] = (args, options) => {
      if (args[0] !== 'lsjson' || !args.includes('--hash')) return scripted.start(args, options);
      let end: (result: RcloneResult) => void = () => undefined;
      const result = new Promise<RcloneResult>((resolve) => (end = resolve));
      listingStarted();
      return Promise.resolve({ pid: undefined, result, kill: (signal) => {
        stopped.push(signal);
        end({ exitCode: 143, stdout: '', stderr: '', signal });
      } });
    };
    const deps = depsFor('rclone v1.75.2', { ...scripted, start, run: async (args, options) => (await start(args, options)).result });
    deps.interrupts.install();
    try {
      const running = syncOnce(deps, target, { profile: loadBisyncProfile('balanced'), dryRun: false, baseline: false });
      await listingRuns;
      process.emit('SIGINT', 'SIGINT');
      const report = await running;
      expect(stopped).toEqual(['SIGTERM']);
      expect(report.interrupted).toBe(true);
      expect(report.record.attempts).toEqual([]);
      expect(bisyncArgs).toEqual([]);
      expect(await fs.readFile(stateFile, 'utf8')).toBe(stateBefore);
    } finally {
      deps.interrupts.uninstall();
    }
  });
});
