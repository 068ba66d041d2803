import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchFolderWrites, type FolderWatch } from '../../../src/bisync/folder-watch.js';
import { compileFilterRules } from '../../../src/bisync/filters.js';

describe('watchFolderWrites (real files)', () => {
  let root: string;
  let watch: FolderWatch | undefined;
  const seen = new Set<string>();
  const excluded = compileFilterRules('- .git/**\n- *.tmp\n');
  const ignored = (relative: string) => excluded(relative);

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-watch-'));
    await fs.mkdir(path.join(root, 'sub'));
    await fs.mkdir(path.join(root, '.git'));
    await fs.writeFile(path.join(root, 'a.md'), 'a\n');
    await fs.writeFile(path.join(root, 'sub', 'b.md'), 'b\n');
    await fs.writeFile(path.join(root, '.git', 'HEAD'), 'ref\n');
    seen.clear();
  });
  afterEach(async () => {
    watch?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Waits until the watch told `file`; fails after 5 s. */
  async function told(file: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!seen.has(file)) {
      if (Date.now() > deadline) throw new Error(`never told ${file} (told: ${[...seen].join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('lists the files it found, leaving out the ignored ones', async () => {
    watch = await watchFolderWrites(root, ignored, (file) => seen.add(file));
    expect(watch.files.sort()).toEqual(['a.md', 'sub/b.md']);
  });

  it('tells edits in nested folders and files in folders made while it watches, not ignored ones', async () => {
    watch = await watchFolderWrites(root, ignored, (file) => seen.add(file));
    await fs.writeFile(path.join(root, 'sub', 'b.md'), 'b edited\n');
    await told('sub/b.md');
    await fs.mkdir(path.join(root, 'new', 'deeper'), { recursive: true });
    await fs.writeFile(path.join(root, 'new', 'deeper', 'c.md'), 'c\n');
    await told('new/deeper/c.md');
    await fs.writeFile(path.join(root, 'new', 'deeper', 'c.md'), 'c edited\n');
    await fs.writeFile(path.join(root, 'x.tmp'), 'x\n');
    await fs.writeFile(path.join(root, '.git', 'HEAD'), 'other\n');
    await fs.writeFile(path.join(root, 'a.md'), 'a edited\n');
    await told('a.md');
    expect([...seen].filter((file) => file.endsWith('.tmp') || file.startsWith('.git'))).toEqual([]);
  });

  it('tells nothing once closed', async () => {
    watch = await watchFolderWrites(root, ignored, (file) => seen.add(file));
    watch.close();
    await fs.writeFile(path.join(root, 'a.md'), 'after close\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.has('a.md')).toBe(false);
  });
});
