import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFilterRules, defaultFiltersFile, filtersChangedSinceBaseline, globToRegExp, seedFilters } from '../../../src/bisync/filters.js';
import { acquireBisyncLock } from '../../../src/bisync/lock.js';
import { activeMountOver } from '../../../src/bisync/mount-guard.js';
import { parseBisyncProfiles } from '../../../src/bisync/profiles.js';
import { readBisyncState, recordRun, runningWatch, writeWatchInfo, type BisyncRunRecord } from '../../../src/bisync/state.js';
import { findStaleLocks, listingStateOf, lockPid } from '../../../src/bisync/workdir.js';
import { statePaths, type StatePaths } from '../../../src/core/paths.js';
import { CliError } from '../../../src/core/errors.js';

let dir: string;
let paths: StatePaths;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bisync-unit-'));
  paths = statePaths(dir);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const alive = (pids: number[]) => (pid: number) => pids.includes(pid);

describe('filters', () => {
  it('seeds the default filters once, then leaves the user\'s file alone', async () => {
    expect(await seedFilters(paths)).toBe(true);
    expect(await fs.readFile(paths.bisyncFilters, 'utf8')).toBe(await fs.readFile(defaultFiltersFile, 'utf8'));
    await fs.writeFile(paths.bisyncFilters, '- mine\n');
    expect(await seedFilters(paths)).toBe(false);
    expect(await fs.readFile(paths.bisyncFilters, 'utf8')).toBe('- mine\n');
  });

  it('sees a change against the md5 rclone kept at the last baseline', async () => {
    await fs.writeFile(paths.bisyncFilters, '- a\n');
    expect(await filtersChangedSinceBaseline(paths)).toBe(false);
    await fs.writeFile(`${paths.bisyncFilters}.md5`, '0cbc6611f5540bd0809a388dc95a615b');
    await fs.writeFile(paths.bisyncFilters, 'Test');
    expect(await filtersChangedSinceBaseline(paths)).toBe(false);
    await fs.writeFile(paths.bisyncFilters, '- b\n');
    expect(await filtersChangedSinceBaseline(paths)).toBe(true);
  });

  it.each([
    ['.DS_Store', true],
    ['notes/.DS_Store', true],
    ['.git/HEAD', true],
    ['project/.git/objects/ab', true],
    ['node_modules/x/index.js', true],
    ['draft.md.partial', true],
    ['notes/plan.md', false],
    ['plan.md..path1', false],
    ['plan.md.conflict1', false],
    ['.basic-memory-bisync', false],
  ])('the default filters exclude %s: %s', async (file, excluded) => {
    const isExcluded = compileFilterRules(await fs.readFile(defaultFiltersFile, 'utf8'));
    expect(isExcluded(file)).toBe(excluded);
  });

  it.each([
    ['*.md', 'a/b.md', true],
    ['*.md', 'a/b.mdx', false],
    ['/top.md', 'top.md', true],
    ['/top.md', 'sub/top.md', false],
    ['dir/**', 'dir/a/b', true],
    ['file?.txt', 'file1.txt', true],
  ])('glob %s on %s → %s', (glob, file, matches) => {
    expect(globToRegExp(glob).test(file)).toBe(matches);
  });

  it('a later include does not override an earlier exclude (first match wins, as in rclone)', () => {
    const isExcluded = compileFilterRules('- secret/**\n+ **\n');
    expect(isExcluded('secret/a.md')).toBe(true);
    expect(isExcluded('public/a.md')).toBe(false);
  });
});

describe('workdir and locks', () => {
  it.each([
    [['s.path1.lst', 's.path2.lst'], 'present'],
    [['s.path1.lst-err', 's.path2.lst-err', 's.path1.lst-new'], 'failed'],
    [['s.path1.lst'], 'missing'],
    [['other.path1.lst', 'other.path2.lst'], 'missing'],
    [[], 'missing'],
  ] as const)('listings %j → %s', (files, state) => {
    expect(listingStateOf([...files], 's')).toBe(state);
  });

  it.each([
    ['12345\n', 12345],
    ['{"PID":"4242","TimeRenewed":"x","TimeExpires":"y"}', 4242],
    ['{"pid":77,"startedAt":"x","watch":false}', 77],
    ['garbage', undefined],
  ])('reads the pid of lock %s', (text, pid) => {
    expect(lockPid(text)).toBe(pid);
  });

  it('finds the stale locks, ours and rclone\'s, but not live ones', async () => {
    const workdir = paths.bisyncWorkdir('t1');
    await fs.mkdir(workdir, { recursive: true });
    await fs.writeFile(paths.bisyncLock('t1'), JSON.stringify({ pid: 10 }));
    await fs.writeFile(path.join(workdir, 'a..b.lck'), '11');
    await fs.writeFile(path.join(workdir, 'c..d.lck'), '12');
    const stale = await findStaleLocks(paths, 't1', alive([12]));
    expect(stale.map((lock) => path.basename(lock.file)).sort()).toEqual(['a..b.lck', 'bisync-t1.lock']);
  });

  it('our lock stops a second run of a live process and clears a dead one\'s', async () => {
    const file = paths.bisyncLock('t1');
    const held = await acquireBisyncLock(file, { pid: 100, startedAt: 'now', watch: true }, alive([100]));
    await expect(acquireBisyncLock(file, { pid: 200, startedAt: 'now', watch: false }, alive([100, 200]))).rejects.toThrow(/Another bisync for this tenant is running \(pid 100, watch mode/);
    const taken = await acquireBisyncLock(file, { pid: 200, startedAt: 'now', watch: false }, alive([200]));
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ pid: 200 });
    await taken.release();
    await held.release();
    await expect(fs.access(file)).rejects.toThrow();
  });
});

describe('mount guard', () => {
  it.each([
    ['the same folder, rclone alive', '/m/notes', [1], [], '/m/notes'],
    ['a folder inside it, rclone dead but still mounted', '/m/notes/sub', [], ['/m/notes'], '/m/notes'],
    ['a folder containing it', '/m', [1], [], '/m/notes'],
    ['rclone dead and unmounted', '/m/notes', [], [], undefined],
    ['another folder', '/elsewhere', [1], ['/m/notes'], undefined],
  ])('%s', async (_label, folder, live, table, expected) => {
    await fs.writeFile(paths.mountState('t1'), JSON.stringify({ pid: 1, mountPoint: '/m/notes' }));
    expect(await activeMountOver(paths, 't1', folder, { alive: alive(live), mountTable: () => Promise.resolve(table), platform: 'linux' })).toBe(expected);
  });

  it('no mount record, no mount', async () => {
    expect(await activeMountOver(paths, 't1', '/m/notes', { alive: alive([1]), mountTable: () => Promise.resolve(['/m/notes']), platform: 'linux' })).toBeUndefined();
  });
});

describe('run state', () => {
  const record = (overrides: Partial<BisyncRunRecord>): BisyncRunRecord => ({
    startedAt: 'a', finishedAt: 'b', durationMs: 1, profile: 'safe', localPath: '/n', mode: 'sync', why: undefined,
    result: 'ok', safetyReasons: [], detail: undefined, changes: { toCloud: [], toLocal: [] }, conflicts: [], ...overrides,
  });

  it('remembers a check-access stop until a baseline, and the last success', async () => {
    await recordRun(paths, 't1', record({ finishedAt: 'first' }));
    await recordRun(paths, 't1', record({ result: 'safety-stop', safetyReasons: ['check-access'], finishedAt: 'second' }));
    expect(await readBisyncState(paths, 't1')).toMatchObject({ checkAccessStop: true, lastSuccessAt: 'first', lastRun: { finishedAt: 'second' } });
    await recordRun(paths, 't1', record({ result: 'failed' }));
    expect((await readBisyncState(paths, 't1')).checkAccessStop).toBe(true);
    await recordRun(paths, 't1', record({ mode: 'baseline', finishedAt: 'third' }));
    expect(await readBisyncState(paths, 't1')).toMatchObject({ checkAccessStop: false, lastSuccessAt: 'third' });
  });

  it('a watch counts as running only while its process lives', async () => {
    await writeWatchInfo(paths, 't1', { pid: 5, localPath: '/n', startedAt: 'x' });
    expect(await runningWatch(paths, 't1', alive([5]))).toEqual({ pid: 5, localPath: '/n', startedAt: 'x' });
    expect(await runningWatch(paths, 't1', alive([]))).toBeUndefined();
  });
});

describe('profiles', () => {
  it('the shipped profiles match the contract table', async () => {
    const profiles = parseBisyncProfiles(JSON.parse(await fs.readFile(new URL('../../../profiles/bisync.json', import.meta.url), 'utf8')));
    expect([profiles.safe, profiles.balanced, profiles.fast].map((profile) => [profile.conflictResolve, profile.maxDeletePercent, profile.checkAccess])).toEqual([
      ['none', 10, true],
      ['newer', 25, false],
      ['newer', 50, false],
    ]);
  });

  it('names the bad field of a broken profile file', () => {
    const broken = { profiles: { safe: {}, balanced: {}, fast: {} } };
    expect(() => parseBisyncProfiles(broken)).toThrow('"fast.description" is missing or invalid');
  });
});

it('CliError is what a held lock throws (the entry point maps it to exit 1)', async () => {
  const file = paths.bisyncLock('t2');
  await acquireBisyncLock(file, { pid: 1, startedAt: 'x', watch: false }, alive([1]));
  await expect(acquireBisyncLock(file, { pid: 2, startedAt: 'x', watch: false }, alive([1]))).rejects.toBeInstanceOf(CliError);
});
