import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { baselineWinner, conflictCopyName, type VersionFacts } from '../../../src/bisync/conflicts.js';
import type { BisyncOutcome } from '../../../src/bisync/outcome.js';
import { writtenByRclone } from '../../../src/bisync/run.js';
import { openSafetyNet, parseListing, versionsToRestore, type HeldVersion } from '../../../src/bisync/safety-net.js';

const when = new Date('2026-11-29T13:46:01.250Z');

describe('conflictCopyName', () => {
  it.each([
    ['hello.md', 1, 'hello.conflict-20261129-134601.md'],
    ['notes/plan.v2.md', 1, 'notes/plan.v2.conflict-20261129-134601.md'],
    ['README', 1, 'README.conflict-20261129-134601'],
    ['.hidden', 1, '.hidden.conflict-20261129-134601'],
    ['dir.d/file', 1, 'dir.d/file.conflict-20261129-134601'],
    ['hello.md', 3, 'hello.conflict-20261129-134601-3.md'],
  ])('%s (attempt %i) → %s', (file, attempt, expected) => {
    expect(conflictCopyName(file, when, attempt)).toBe(expected);
  });
});

describe('baselineWinner', () => {
  it.each([
    [{ size: 5, modifiedMs: 2 }, { size: 5, modifiedMs: 1 }, 'local', 'the newer wins'],
    [{ size: 5, modifiedMs: 1 }, { size: 5, modifiedMs: 2 }, 'cloud', 'the newer wins'],
    [{ size: 5, modifiedMs: 1 }, { size: 5, modifiedMs: 1 }, 'cloud', 'a tie goes to the cloud'],
    [{ size: 0, modifiedMs: 9 }, { size: 5, modifiedMs: 1 }, 'cloud', 'an empty file never takes the name of a non-empty one'],
    [{ size: 5, modifiedMs: 1 }, { size: 0, modifiedMs: 9 }, 'local', 'an empty file never takes the name of a non-empty one'],
  ] satisfies [VersionFacts, VersionFacts, 'local' | 'cloud', string][])('%o vs %o → %s (%s)', (local, cloud, expected, _why) => {
    expect(baselineWinner(local, cloud)).toBe(expected);
  });
});

describe('parseListing', () => {
  it('reads size, md5 and modtime by path, quoted paths included', () => {
    const listing = [
      '# bisync listing v1 from 2026-11-29T14:40:39.564947125+0000',
      '-        3 md5:764efa883dda1e11db47671c4a3bbd9e - 2026-11-29T14:40:39.289017519+0000 "x.md"',
      '-       12 - - 2026-11-29T14:40:39.293+0000 "sub/y \\"z\\".md"',
    ].join('\n');
    const files = parseListing(listing);
    expect(files.get('x.md')).toEqual({ size: 3, md5: '764efa883dda1e11db47671c4a3bbd9e', modifiedMs: Date.parse('2026-11-29T14:40:39.289017519+0000') });
    expect(files.get('sub/y "z".md')).toMatchObject({ size: 12, md5: undefined });
    expect(files.size).toBe(2);
  });
});

describe('versionsToRestore', () => {
  const held = (file: string, md5: string, synced = false): HeldVersion => ({ path: file, md5, synced });
  const finals = new Map([['a.md', new Set(['final-a'])], ['b.md', new Set(['final-b', 'copy-b'])]]);
  it.each([
    ['an edit rclone overwrote', [held('a.md', 'edit')], ['edit']],
    ['the synced version a pull replaced', [held('a.md', 'old', true)], []],
    ['a version identical to the final one', [held('a.md', 'final-a')], []],
    ['a version kept as a copy already', [held('b.md', 'copy-b')], []],
    ['a path rclone did not write (the user saved again)', [held('c.md', 'draft')], []],
    ['the same version captured twice', [held('a.md', 'edit'), held('a.md', 'edit')], ['edit']],
  ])('%s', (_label, versions, expected) => {
    const restored = versionsToRestore(versions, finals, (file) => file !== 'c.md');
    expect(restored.map((version) => version.md5)).toEqual(expected);
  });
});

describe('writtenByRclone', () => {
  const ok = (toLocal: string[], conflicts: string[] = []): BisyncOutcome => ({
    kind: 'ok',
    changes: { toCloud: [{ path: 'up.md', action: 'changed' }], toLocal: toLocal.map((file) => ({ path: file, action: 'changed' as const })) },
    conflicts: conflicts.map((file) => ({ path: file, copies: [], winner: undefined })),
  });
  it('knows the downloads, deletions and conflicts of every run', () => {
    const wrote = writtenByRclone([ok(['down.md']), ok([], ['both.md'])], [{ path: 'kept.md', copies: ['kept.conflict-1.md'], winner: 'cloud' }]);
    expect(['down.md', 'both.md', 'kept.md', 'kept.conflict-1.md', 'up.md', 'other.md'].map(wrote)).toEqual([true, true, true, true, false, false]);
  });
  it('assumes every path when a run\'s log could not say (a failed run)', () => {
    expect(writtenByRclone([ok([]), { kind: 'failed', transient: false, detail: 'x' }], [])('any.md')).toBe(true);
  });
});

describe('openSafetyNet (real files)', () => {
  let root: string;
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function setUp() {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-net-'));
    const folder = path.join(root, 'folder');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, 'a.md'), 'synced\n');
    await fs.writeFile(path.join(folder, 'b.md'), 'synced b\n');
    const stat = await fs.stat(path.join(folder, 'a.md'));
    const listing = `-        7 - - ${new Date(stat.mtimeMs).toISOString()} "a.md"\n`;
    return { folder, listing };
  }

  /** What rclone 1.63+ does to a file it downloads: a new file renamed over the old one. */
  async function renameOver(file: string, text: string) {
    await fs.writeFile(`${file}.partial`, text);
    await fs.rename(`${file}.partial`, file);
  }

  for (const rcloneRenames of [true, false]) {
    it(`keeps an edit made during the run that rclone replaced (${rcloneRenames ? 'hard links' : 'copies'})`, async () => {
      const { folder, listing } = await setUp();
      const net = await openSafetyNet({ localPath: folder, netDir: path.join(root, 'net'), priorListing: listing, excluded: (file) => file.endsWith('.partial'), rcloneRenames });
      await fs.writeFile(path.join(folder, 'a.md'), 'edited during the run\n');
      // The watcher's event comes when the machine gets to it: wait until the net holds the edit.
      await netHolds(path.join(root, 'net'), 'edited during the run\n');
      await renameOver(path.join(folder, 'a.md'), 'from the cloud\n');
      const restored = await net.close((file) => file === 'a.md', when);
      expect(restored.conflicts).toEqual([{ path: 'a.md', copies: ['a.conflict-20261129-134601.md'], winner: undefined }]);
      expect(await fs.readFile(path.join(folder, 'a.conflict-20261129-134601.md'), 'utf8')).toBe('edited during the run\n');
      expect(await fs.readFile(path.join(folder, 'a.md'), 'utf8')).toBe('from the cloud\n');
      // What rclone replaced is no longer held; links are kept for the notes it left alone.
      expect(await netContents(path.join(root, 'net'))).toEqual(rcloneRenames ? ['synced b\n'] : []);
    });
  }

  describe('links kept from run to run (rclone 1.63+)', () => {
    const open = (folder: string, listing: string) => openSafetyNet({ localPath: folder, netDir: path.join(root, 'net'), priorListing: listing, excluded: (file) => file.endsWith('.partial'), rcloneRenames: true });

    it('a second run links no note again: the notes\' change times stay as they were', async () => {
      const { folder, listing } = await setUp();
      await (await open(folder, listing)).close(() => false, when);
      const before = await Promise.all(['a.md', 'b.md'].map(async (name) => (await fs.stat(path.join(folder, name))).ctimeMs));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const net = await open(folder, listing);
      const after = await Promise.all(['a.md', 'b.md'].map(async (name) => (await fs.stat(path.join(folder, name))).ctimeMs));
      expect(after).toEqual(before);
      await net.close(() => false, when);
    });

    it('keeps an in-place edit made just before rclone renames over the note, with the link from the last run', async () => {
      const { folder } = await setUp();
      const synced = createHash('md5').update('synced\n').digest('hex');
      const listing = `# bisync listing v1 from 2026-11-29T14:40:39.564947125+0000\n-        7 md5:${synced} - 0001-01-01T00:00:00.000000000+0000 "a.md"\n`;
      await (await open(folder, listing)).close(() => false, when);
      const net = await open(folder, listing);
      const file = path.join(folder, 'a.md');
      writeFileSync(file, 'edited in place\n');
      writeFileSync(`${file}.partial`, 'from the cloud\n');
      renameSync(`${file}.partial`, file);
      const restored = await net.close((name) => name === 'a.md', when);
      expect(restored.conflicts).toEqual([{ path: 'a.md', copies: ['a.conflict-20261129-134601.md'], winner: undefined }]);
      expect(await fs.readFile(path.join(folder, 'a.conflict-20261129-134601.md'), 'utf8')).toBe('edited in place\n');
    });

    it('links a note saved as a new file since the last run anew: rclone replacing it in the next run keeps the save', async () => {
      const { folder } = await setUp();
      const synced = createHash('md5').update('synced\n').digest('hex');
      const listing = `# bisync listing v1 from 2026-11-29T14:40:39.564947125+0000\n-        7 md5:${synced} - 0001-01-01T00:00:00.000000000+0000 "a.md"\n`;
      await (await open(folder, listing)).close(() => false, when);
      // An editor's atomic save between the runs: a new file (inode) under the note's name.
      await renameOver(path.join(folder, 'a.md'), 'saved between runs\n');
      const net = await open(folder, listing);
      writeFileSync(path.join(folder, 'a.md.partial'), 'from the cloud\n');
      renameSync(path.join(folder, 'a.md.partial'), path.join(folder, 'a.md'));
      const restored = await net.close((name) => name === 'a.md', when);
      expect(restored.conflicts).toEqual([{ path: 'a.md', copies: ['a.conflict-20261129-134601.md'], winner: undefined }]);
      expect(await fs.readFile(path.join(folder, 'a.conflict-20261129-134601.md'), 'utf8')).toBe('saved between runs\n');
    });

    it('a second close after a failed one (a run failing on its way out) adds no error of its own', async () => {
      const { folder, listing } = await setUp();
      const net = await open(folder, listing);
      let asked = 0;
      const failsOnce = () => {
        asked += 1;
        if (asked === 1) throw new Error('the first close failed');
        return true;
      };
      await expect(net.close(failsOnce, when)).rejects.toThrow('the first close failed');
      await expect(net.close(() => true, when)).resolves.toEqual({ conflicts: [] });
    });

    it('drops the link of a note deleted since the last run (it would hold the note\'s space)', async () => {
      const { folder, listing } = await setUp();
      await (await open(folder, listing)).close(() => false, when);
      expect((await netContents(path.join(root, 'net'))).sort()).toEqual(['synced\n', 'synced b\n']);
      await fs.rm(path.join(folder, 'b.md'));
      const net = await open(folder, listing);
      expect(await netContents(path.join(root, 'net'))).toEqual(['synced\n']);
      await net.close(() => false, when);
    });
  });

  describe('notes rclone < 1.66 sets aside while it replaces them (--suffix .bm-replaced)', () => {
    const synced = createHash('md5').update('synced\n').digest('hex');
    const listing = `# bisync listing v1 from 2026-11-29T14:40:39.564947125+0000\n-        7 md5:${synced} - 2026-11-29T14:40:39.000000000+0000 "a.md"\n`;
    const open = (folder: string) => openSafetyNet({ localPath: folder, netDir: path.join(root, 'net'), priorListing: listing, excluded: () => false, rcloneRenames: true, setsAside: true });
    /** What rclone 1.60 does with --suffix: the note renamed aside, then the download written as a new file. */
    const setAsideAndWrite = (file: string, text: string) => {
      renameSync(file, `${file}.bm-replaced`);
      writeFileSync(file, text);
    };

    it('keeps an edit made just before rclone set the note aside as a conflict copy, and removes the set-aside name', async () => {
      const { folder } = await setUp();
      const net = await open(folder);
      const file = path.join(folder, 'a.md');
      writeFileSync(file, 'edited in place\n');
      setAsideAndWrite(file, 'from the cloud\n');
      const restored = await net.close((name) => name === 'a.md', when);
      expect(restored.conflicts).toEqual([{ path: 'a.md', copies: ['a.conflict-20261129-134601.md'], winner: undefined }]);
      expect(await fs.readFile(path.join(folder, 'a.conflict-20261129-134601.md'), 'utf8')).toBe('edited in place\n');
      expect((await fs.readdir(folder)).sort()).toEqual(['a.conflict-20261129-134601.md', 'a.md', 'b.md']);
    });

    it('removes the set-aside synced version of a plain pull: nothing extra is kept', async () => {
      const { folder } = await setUp();
      const net = await open(folder);
      setAsideAndWrite(path.join(folder, 'a.md'), 'from the cloud\n');
      expect((await net.close((name) => name === 'a.md', when)).conflicts).toEqual([]);
      expect((await fs.readdir(folder)).sort()).toEqual(['a.md', 'b.md']);
    });

    it('settles what a killed run set aside when the next net opens, before rclone could reuse the name', async () => {
      const { folder } = await setUp();
      await fs.writeFile(path.join(folder, 'a.md.bm-replaced'), 'edited before the killed run replaced it\n');
      await fs.writeFile(path.join(folder, 'b.md.bm-replaced'), 'synced b\n');
      const net = await open(folder);
      const names = (await fs.readdir(folder)).sort();
      expect(names).toEqual([expect.stringMatching(/^a\.conflict-\d{8}-\d{6}\.md$/), 'a.md', 'b.md']);
      expect(await fs.readFile(path.join(folder, names[0] ?? ''), 'utf8')).toBe('edited before the killed run replaced it\n');
      const restored = await net.close(() => false, when);
      expect(restored.conflicts).toEqual([{ path: 'a.md', copies: [expect.stringMatching(/^a\.conflict-/)], winner: undefined }]);
    });
  });

  it('a pull over the synced version keeps nothing extra', async () => {
    const { folder, listing } = await setUp();
    const net = await openSafetyNet({ localPath: folder, netDir: path.join(root, 'net'), priorListing: listing, excluded: () => false, rcloneRenames: true });
    await renameOver(path.join(folder, 'a.md'), 'from the cloud\n');
    const restored = await net.close((file) => file === 'a.md', when);
    expect(restored.conflicts).toEqual([]);
    expect((await fs.readdir(folder)).sort()).toEqual(['a.md', 'b.md']);
  });

  it('keeps an in-place edit of a synced note made just before rclone renames over it, with no time for the watcher (links taken before the run)', async () => {
    const { folder } = await setUp();
    // a.md is exactly as last synced (by checksum): the version a two-machine watch edits again during a pull.
    const synced = createHash('md5').update('synced\n').digest('hex');
    const listing = `# bisync listing v1 from 2026-11-29T14:40:39.564947125+0000\n-        7 md5:${synced} - 0001-01-01T00:00:00.000000000+0000 "a.md"\n`;
    const net = await openSafetyNet({ localPath: folder, netDir: path.join(root, 'net'), priorListing: listing, excluded: (file) => file.endsWith('.partial'), rcloneRenames: true });
    // An editor writing in place, then rclone's rename at once: no event can be handled in between.
    const file = path.join(folder, 'a.md');
    writeFileSync(file, 'edited in place\n');
    writeFileSync(`${file}.partial`, 'from the cloud\n');
    renameSync(`${file}.partial`, file);
    const restored = await net.close((file) => file === 'a.md', when);
    expect(restored.conflicts).toEqual([{ path: 'a.md', copies: ['a.conflict-20261129-134601.md'], winner: undefined }]);
    expect(await fs.readFile(path.join(folder, 'a.conflict-20261129-134601.md'), 'utf8')).toBe('edited in place\n');
  });
});

/** Polls the net's folder (any depth) until a file there has `content`; fails after 10 s. */
async function netHolds(netDir: string, content: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const entries = await fs.readdir(netDir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const text = await fs.readFile(path.join(entry.parentPath, entry.name), 'utf8').catch(() => '');
      if (text === content) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the safety net never kept ${JSON.stringify(content)}`);
}

/** The contents of the files the net holds (any depth); none when it is gone. */
async function netContents(netDir: string): Promise<string[]> {
  const entries = await fs.readdir(netDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => fs.readFile(path.join(entry.parentPath, entry.name), 'utf8')));
}
