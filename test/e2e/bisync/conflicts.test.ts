import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { notes, useServer, type Pair } from './helpers.js';

const { newPair } = useServer();

const COPY_NAME = /^plan\.conflict-\d{8}-\d{6}(-\d+)?\.md$/;

async function syncedPair(profile: string, files: Record<string, string>): Promise<Pair> {
  const pair = await newPair({ profile });
  for (const [file, text] of Object.entries(files)) await pair.writeLocal(file, text);
  const baseline = await pair.bisync();
  expect(baseline.exitCode, baseline.stderr).toBe(0);
  return pair;
}

interface Report { conflicts: { path: string; copies: string[]; winner?: string }[] }

describe('conflicts', () => {
  it('safe: keeps both versions on both sides and reports them', async () => {
    const pair = await syncedPair('safe', { 'plan.md': 'v1\n', 'other.md': 'x\n' });
    await pair.writeLocal('plan.md', 'edited here\n');
    await pair.writeCloud('plan.md', 'edited in the cloud\n');
    const result = await pair.bisync('--json');
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const [here = '', cloud = ''] = report.conflicts[0]?.copies ?? [];
    expect(report.conflicts).toEqual([{ path: 'plan.md', copies: [here, cloud] }]);
    // rclone 1.60's `..path1`/`..path2` names would be reused by the next conflict: renamed, unique.
    for (const copy of [here, cloud]) expect(copy).toMatch(COPY_NAME);
    expect(result.stderr).toContain('conflict: plan.md');
    for (const read of [pair.readLocal, pair.readCloud]) {
      expect(await read(here)).toBe('edited here\n');
      expect(await read(cloud)).toBe('edited in the cloud\n');
    }
  });

  it(rcloneAtLeast('1.66')
    ? 'a file named like rclone < 1.66\'s conflict copies is a note like any other on 1.66+'
    : 'conflict copies a stopped run left unnamed (name..path1) are named by a baseline before the next sync', async () => {
    // Ctrl-C ends a run before its follow-ups: rclone 1.60's `..path1`/`..path2` copies stay in the
    // listings. The next conflict of the note reuses those names while the other machine has renamed
    // them, and rclone 1.60 then deletes its own new copies and stops (exit 6, seen in CI).
    const pair = await syncedPair('balanced', { 'plan.md': 'v1\n', 'other.md': 'x\n' });
    // A sync (not a baseline, which names such copies first) records the copy as rclone 1.60 left
    // it; then the run is marked as stopped, as Ctrl-C after rclone's run leaves it.
    await pair.writeLocal('plan.md..path1', 'kept here\n');
    const recorded = await pair.bisync();
    expect(recorded.exitCode, recorded.stderr).toBe(0);
    const stateFile = statePaths(pair.user.stateDir).bisyncState(pair.tenant.tenantId);
    const state = JSON.parse(await fs.readFile(stateFile, 'utf8')) as { lastRun: { result: string } };
    await fs.writeFile(stateFile, JSON.stringify({ ...state, lastRun: { ...state.lastRun, result: 'interrupted' } }));
    const next = await pair.bisync();
    expect(next.exitCode, next.stderr).toBe(0);
    const names = (await pair.cloudFiles()).filter((name) => name.startsWith('plan.'));
    if (rcloneAtLeast('1.66')) {
      expect(names.sort()).toEqual(['plan.md', 'plan.md..path1']);
      return;
    }
    expect(next.stderr).toContain('The last sync stopped before naming its conflict copies');
    const copy = names.find((name) => COPY_NAME.test(name)) ?? '';
    expect(names.sort()).toEqual([copy, 'plan.md'].sort());
    expect(await pair.readLocal(copy)).toBe('kept here\n');
    expect(await pair.readCloud(copy)).toBe('kept here\n');
    const again = await pair.bisync();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('rebuilding the baseline');
  });

  // The folder's side once failed on rclone 1.66+: comparing checksums, rclone gives the cloud copy it
  // downloads the time it came down, and the older cloud edit took the name.
  it.each([
    { winner: 'cloud', newer: 'newer edit in the cloud\n', older: 'older edit here\n' },
    { winner: 'local', newer: 'newer edit here\n', older: 'older edit in the cloud\n' },
  ] as const)('balanced: the newer version ($winner) keeps the name, the older is kept as a copy on both sides', async ({ winner, newer, older }) => {
    const pair = await syncedPair('balanced', { 'plan.md': 'v1\n', 'a.md': 'a\n', 'b.md': 'b\n', 'c.md': 'c\n' });
    const minuteAgo = new Date(Date.now() - 60_000);
    if (winner === 'cloud') {
      await pair.writeLocal('plan.md', older, minuteAgo);
      await pair.writeCloud('plan.md', newer);
    } else {
      await pair.writeCloud('plan.md', older, minuteAgo);
      await pair.writeLocal('plan.md', newer);
    }
    const result = await pair.bisync('--json');
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    const copy = report.conflicts[0]?.copies[0] ?? '';
    expect(report.conflicts).toEqual([{ path: 'plan.md', copies: [copy], winner }]);
    expect(copy).toMatch(COPY_NAME);
    for (const read of [pair.readLocal, pair.readCloud]) {
      expect(await read('plan.md')).toBe(newer);
      expect(await read(copy)).toBe(older);
    }
    for (const files of [await pair.localFiles(), await pair.cloudFiles()]) expect(notes(files)).toEqual(['a.md', 'b.md', 'c.md', copy, 'plan.md']);
    // The pair is settled: the next run has nothing to do.
    const next = await pair.bisync('--json');
    expect(next.exitCode, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ changes: { toCloud: [], toLocal: [] }, conflicts: [] });
    // The copy is still listed by bisync-status after a run without conflicts, until it is deleted.
    const status = await pair.user.run(['cloud', 'bisync-status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ conflictCopies: [copy] });
    expect((await pair.user.run(['cloud', 'bisync-status'])).stdout).toContain(`conflict copies: 1 in the folder (merge, then delete): ${copy}`);
  });

  // rclone < 1.66 sets each object it replaces aside as `<note>.bm-replaced`; the CLI settles and
  // removes them after the run. Seen on 1.60.1: a note in a folder left its set-aside object behind,
  // found by no listing of the settle (it did not descend into folders), hidden and kept forever.
  it('an upload of a note in a folder leaves nothing set aside in the bucket', async () => {
    const pair = await syncedPair('balanced', { 'notes/deep/plan.md': 'v1\n', 'top.md': 't1\n', 'a.md': 'a\n', 'b.md': 'b\n' });
    await pair.writeLocal('notes/deep/plan.md', 'v2, edited here\n');
    await pair.writeLocal('top.md', 't2, edited here\n');
    const result = await pair.bisync();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(notes(await pair.cloudFiles())).toEqual(['a.md', 'b.md', 'notes/deep/plan.md', 'top.md']);
    expect(await pair.readCloud('notes/deep/plan.md')).toBe('v2, edited here\n');
  });

  it('a small folder where every file changed syncs without weakening the delete guard', async () => {
    const pair = await syncedPair('balanced', { 'only.md': 'v1\n' });
    await pair.writeLocal('only.md', 'v2\n');
    await pair.writeLocal('.basic-memory-bisync', 'touched\n');
    const result = await pair.bisync();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('nothing is to be deleted: synced anyway');
    expect(await pair.readCloud('only.md')).toBe('v2\n');
  });
});

describe('edge cases of a pair', () => {
  it('an empty folder and an empty bucket sync, and keep syncing', async () => {
    const pair = await newPair();
    expect((await pair.bisync()).exitCode).toBe(0);
    const second = await pair.bisync();
    expect(second.exitCode, second.stderr).toBe(0);
    await pair.writeLocal('first.md', 'hello\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    expect(notes(await pair.cloudFiles())).toEqual(['first.md']);
  });

  it('a filters change rebuilds the baseline once and the new filter applies', async () => {
    const pair = await syncedPair('balanced', { 'a.md': 'a\n' });
    const filters = statePaths(pair.user.stateDir).bisyncFilters;
    await fs.appendFile(filters, '- *.secret\n');
    await pair.writeLocal('keys.secret', 'hidden\n');
    await pair.writeLocal('b.md', 'b\n');
    const result = await pair.bisync();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('The filters file changed');
    expect(notes(await pair.cloudFiles())).toEqual(['a.md', 'b.md']);
    const next = await pair.bisync();
    expect(next.exitCode).toBe(0);
    expect(next.stderr).not.toContain('The filters file changed');
  });

  it('refuses a folder that is an active mount of ours', async () => {
    const pair = await syncedPair('balanced', { 'a.md': 'a\n' });
    const paths = statePaths(pair.user.stateDir);
    await fs.writeFile(paths.mountState(pair.tenant.tenantId), JSON.stringify({ pid: process.pid, mountPoint: pair.local }));
    const result = await pair.bisync();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('is mounted from the cloud');
    await fs.rm(paths.mountState(pair.tenant.tenantId));
  });

  it('clears a stale lock of a dead process', async () => {
    const pair = await syncedPair('balanced', { 'a.md': 'a\n' });
    const paths = statePaths(pair.user.stateDir);
    await fs.writeFile(paths.bisyncLock(pair.tenant.tenantId), JSON.stringify({ pid: 2 ** 22 + 1, startedAt: 'then', watch: false }));
    const workdir = paths.bisyncWorkdir(pair.tenant.tenantId);
    const listing = (await fs.readdir(workdir)).find((name) => name.endsWith('.path1.lst')) ?? '';
    await fs.writeFile(path.join(workdir, listing.replace('.path1.lst', '.lck')), String(2 ** 22 + 1));
    await pair.writeLocal('b.md', 'b\n');
    const result = await pair.bisync();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('Cleared a stale rclone lock');
    expect(await pair.readCloud('b.md')).toBe('b\n');
  });

  it('safe: a check file missing on one side stops with exit 5 until an explicit --resync', async () => {
    const pair = await syncedPair('safe', { 'a.md': 'a\n', 'b.md': 'b\n' });
    await pair.deleteCloud('.basic-memory-bisync');
    await pair.writeLocal('c.md', 'c\n');
    const stopped = await pair.bisync();
    expect(stopped.exitCode, stopped.stderr).toBe(5);
    expect(stopped.stderr).toContain('check file .basic-memory-bisync is missing');
    expect(notes(await pair.cloudFiles())).toEqual(['a.md', 'b.md']);
    expect(notes(await pair.localFiles())).toEqual(['a.md', 'b.md', 'c.md']);
    const again = await pair.bisync();
    expect(again.exitCode).toBe(5);
    const resync = await pair.bisync('--resync');
    expect(resync.exitCode, resync.stderr).toBe(0);
    expect(await pair.cloudFiles()).toEqual(['.basic-memory-bisync', 'a.md', 'b.md', 'c.md']);
    expect((await pair.bisync()).exitCode).toBe(0);
  });

  it('a lost baseline is rebuilt keeping both versions: the newer takes the name', async () => {
    const pair = await syncedPair('balanced', { 'a.md': 'a\n', 'b.md': 'b\n', 'c.md': 'c\n', 'd.md': 'd\n' });
    const workdir = statePaths(pair.user.stateDir).bisyncWorkdir(pair.tenant.tenantId);
    for (const name of await fs.readdir(workdir)) {
      if (name.endsWith('.lst')) await fs.rename(path.join(workdir, name), path.join(workdir, `${name}-err`));
    }
    await pair.writeLocal('a.md', 'older here\n', new Date(Date.now() - 60_000));
    await pair.writeCloud('a.md', 'newer in the cloud\n');
    const result = await pair.bisync('--json');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('recovering with a fresh baseline');
    const report = JSON.parse(result.stdout) as Report & { mode: string; why: string };
    expect(report).toMatchObject({ mode: 'baseline', why: 'recovery', conflicts: [{ path: 'a.md', winner: 'cloud' }] });
    const copy = report.conflicts[0]?.copies[0] ?? '';
    expect(copy).toMatch(/^a\.conflict-\d{8}-\d{6}\.md$/);
    for (const read of [pair.readLocal, pair.readCloud]) {
      expect(await read('a.md')).toBe('newer in the cloud\n');
      expect(await read(copy)).toBe('older here\n');
    }
  });
});
