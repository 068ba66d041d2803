import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editListing, planListingRepairs, repairListings } from '../../../src/bisync/listing-repair.js';
import { parseListing } from '../../../src/bisync/safety-net.js';

const md5 = (c: string) => c.repeat(32);
const line = (file: string, size: number, hash: string | undefined, time = '2026-11-30T00:00:00.000000000+0000') => `-  ${size} ${hash ? `md5:${hash}` : '-'} - ${time} ${JSON.stringify(file)}`;
const listing = (...lines: string[]) => ['# bisync listing v1 from 2026-11-30T00:00:00.000000000+0000', ...lines, ''].join('\n');

describe('planListingRepairs', () => {
  const plan = (path1: string, path2: string, prior: string, uploaded: string[] = [], pulled: string[] = []) =>
    planListingRepairs({ path1: parseListing(path1), path2: parseListing(path2), priorPath1: parseListing(prior), uploaded: new Set(uploaded), pulled: new Set(pulled) });

  it('leaves notes both listings agree on', () => {
    expect(plan(listing(line('a.md', 3, md5('a'))), listing(line('a.md', 3, md5('a'))), listing(line('a.md', 3, md5('a'))))).toEqual([]);
  });

  it('gives a save the cloud never got back to the next run as an upload when the cloud holds the version last recorded', () => {
    // rclone 1.60 listed the folder again after its copies: the save is in Path1, the old version in the cloud.
    const repairs = plan(listing(line('a.md', 9, md5('b'))), listing(line('a.md', 3, md5('a'))), listing(line('a.md', 3, md5('a'))));
    expect(repairs).toEqual([{ path: 'a.md', action: 'local-ahead' }]);
  });

  it('treats a note this run uploaded, then saved again, as ahead in the folder', () => {
    const repairs = plan(listing(line('a.md', 3, md5('c'))), listing(line('a.md', 3, md5('b'))), listing(line('a.md', 3, md5('a'))), ['a.md']);
    expect(repairs).toEqual([{ path: 'a.md', action: 'local-ahead' }]);
  });

  it('forgets a note a save landed on while it was pulled: the next run keeps both versions', () => {
    const repairs = plan(listing(line('a.md', 3, md5('c'))), listing(line('a.md', 3, md5('b'))), listing(line('a.md', 3, md5('a'))), [], ['a.md']);
    expect(repairs).toEqual([{ path: 'a.md', action: 'forget' }]);
  });

  it('compares sizes where a line has no MD5 (an object uploaded in parts)', () => {
    expect(plan(listing(line('a.md', 4, md5('a'))), listing(line('a.md', 3, undefined)), listing())).toEqual([{ path: 'a.md', action: 'forget' }]);
    expect(plan(listing(line('a.md', 3, md5('a'))), listing(line('a.md', 3, undefined)), listing())).toEqual([]);
  });
});

describe('editListing', () => {
  it('drops and replaces lines by file, keeping the header and the others', () => {
    const text = listing(line('a.md', 1, md5('a')), line('b c.md', 2, md5('b')), line('d.md', 3, md5('d')));
    const edited = editListing(text, new Set(['d.md']), new Map([['b c.md', line('b c.md', 9, md5('e'))]]));
    expect(edited).toBe(listing(line('a.md', 1, md5('a')), line('b c.md', 9, md5('e'))));
  });
});

describe('repairListings', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('rewrites both listings and gives a note ahead in the folder a fresh modification time', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-repair-'));
    const files = { workdir: path.join(dir, 'work'), session: 's', localPath: path.join(dir, 'notes') };
    await fs.mkdir(files.workdir);
    await fs.mkdir(files.localPath);
    await fs.writeFile(path.join(files.localPath, 'ahead.md'), 'saved while rclone ran');
    const old = new Date('2026-01-01T00:00:00Z');
    await fs.utimes(path.join(files.localPath, 'ahead.md'), old, old);
    await fs.writeFile(path.join(files.workdir, 's.path1.lst'), listing(line('ahead.md', 22, md5('1')), line('pulled.md', 5, md5('3')), line('same.md', 1, md5('5'))));
    await fs.writeFile(path.join(files.workdir, 's.path2.lst'), listing(line('ahead.md', 3, md5('2')), line('pulled.md', 5, md5('4')), line('same.md', 1, md5('5'))));
    const now = new Date('2026-11-30T01:00:00Z');
    const repairs = await repairListings(files, { priorPath1: parseListing(listing(line('ahead.md', 3, md5('2')))), uploaded: new Set(), pulled: new Set(['pulled.md']) }, now);
    expect(repairs).toEqual([{ path: 'ahead.md', action: 'local-ahead' }, { path: 'pulled.md', action: 'forget' }]);
    expect(await fs.readFile(path.join(files.workdir, 's.path1.lst'), 'utf8')).toBe(listing(line('ahead.md', 3, md5('2')), line('same.md', 1, md5('5'))));
    expect(await fs.readFile(path.join(files.workdir, 's.path2.lst'), 'utf8')).toBe(listing(line('ahead.md', 3, md5('2')), line('same.md', 1, md5('5'))));
    expect((await fs.stat(path.join(files.localPath, 'ahead.md'))).mtime).toEqual(now);
    expect(await fs.readdir(files.workdir)).toEqual(['s.path1.lst', 's.path2.lst']);
  });

  it('does nothing without both listings (the next run is a baseline)', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-repair-'));
    await fs.writeFile(path.join(dir, 's.path1.lst'), listing(line('a.md', 1, md5('a'))));
    expect(await repairListings({ workdir: dir, session: 's', localPath: dir }, { priorPath1: new Map(), uploaded: new Set(), pulled: new Set() })).toEqual([]);
  });
});
