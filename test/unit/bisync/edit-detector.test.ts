import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EditDetector } from '../../../src/bisync/edit-detector.js';

const stats = (size: number, mtimeMs: number) => ({ size, mtimeMs });

describe('EditDetector: which watcher events may be edits', () => {
  it('a hard link of a scanned note (same size and time, new ctime) is no edit; a save is', () => {
    const edits = new EditDetector();
    edits.seed('a.md', stats(10, 1000));
    expect(edits.isEdit('change', 'a.md', stats(10, 1000))).toBe(false);
    expect(edits.isEdit('change', 'a.md', stats(10, 2000))).toBe(true);
    // The next link after that save changes nothing again.
    expect(edits.isEdit('change', 'a.md', stats(10, 2000))).toBe(false);
  });

  it('a note replaced by a rename with the same size and time is no edit; another size is', () => {
    const edits = new EditDetector();
    edits.seed('a.md', stats(10, 1000));
    expect(edits.isEdit('add', 'a.md', stats(10, 1000))).toBe(false);
    expect(edits.isEdit('add', 'a.md', stats(11, 1000))).toBe(true);
  });

  it.each([
    ['a new file', 'add', 'new.md', stats(3, 5)],
    ['an event without stats', 'change', 'a.md', undefined],
    ['a deletion', 'unlink', 'a.md', undefined],
    ['a new folder', 'addDir', 'dir', stats(0, 5)],
    ['a removed folder', 'unlinkDir', 'dir', undefined],
  ])('%s is always taken as an edit', (_label, event, file, fileStats) => {
    const edits = new EditDetector();
    edits.seed('a.md', stats(10, 1000));
    expect(edits.isEdit(event, file, fileStats)).toBe(true);
  });

  it('a note deleted and written back with the same stats is an edit (the deletion was seen)', () => {
    const edits = new EditDetector();
    edits.seed('a.md', stats(10, 1000));
    expect(edits.isEdit('unlink', 'a.md', undefined)).toBe(true);
    expect(edits.isEdit('add', 'a.md', stats(10, 1000))).toBe(true);
  });
});

describe('EditDetector.refresh (before each sync)', () => {
  it('a save seen half written is taken as it is when the sync starts: the net\'s link after it is no edit', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-edits-'));
    try {
      const edits = new EditDetector();
      edits.seed('a.md', stats(10, 1000));
      expect(edits.isEdit('change', 'a.md', stats(0, 2000))).toBe(true);
      await fs.writeFile(path.join(folder, 'a.md'), 'the whole save\n');
      const saved = await fs.stat(path.join(folder, 'a.md'));
      await edits.refresh(folder);
      expect(edits.isEdit('change', 'a.md', stats(saved.size, saved.mtimeMs))).toBe(false);
      expect(edits.isEdit('change', 'a.md', stats(saved.size, saved.mtimeMs + 5))).toBe(true);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});

describe('EditDetector.changedUnreported (a save inside chokidar\'s throttle window)', () => {
  it('a note saved right after the net\'s link, with no event of its own, is found once the window is over', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-edits-'));
    try {
      await fs.writeFile(path.join(folder, 'a.md'), 'v1\n');
      const before = await fs.stat(path.join(folder, 'a.md'));
      const edits = new EditDetector();
      edits.seed('a.md', stats(before.size, before.mtimeMs));
      expect(edits.isEdit('change', 'a.md', stats(before.size, before.mtimeMs))).toBe(false);
      expect(await edits.changedUnreported(folder)).toEqual([]);
      expect(edits.isEdit('change', 'a.md', stats(before.size, before.mtimeMs))).toBe(false);
      await fs.writeFile(path.join(folder, 'a.md'), 'v2, saved within 50 ms\n');
      expect(await edits.changedUnreported(folder)).toEqual(['a.md']);
      // Asked again, nothing new: the save was reported once.
      expect(await edits.changedUnreported(folder)).toEqual([]);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
