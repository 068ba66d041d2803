import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConflictCopy, listConflictCopies } from '../../../src/bisync/conflict-copies.js';

describe('isConflictCopy', () => {
  it.each([
    ['plan.conflict-20261129-134601.md', true],
    ['sub/plan.conflict-20261129-134601-2.md', true],
    ['Makefile.conflict-20261129-134601', true],
    ['hello.md..path1', true],
    ['hello.md..path2', true],
    ['plan.md', false],
    ['conflict-notes.md', false],
    ['plan.conflict-2026.md', false],
    ['hello.md.path1', false],
  ])('%s → %s', (name, copy) => {
    expect(isConflictCopy(name)).toBe(copy);
  });
});

describe('listConflictCopies', () => {
  it('finds every copy in the folder, sorted and relative; a missing folder has none', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-copies-'));
    try {
      await fs.mkdir(path.join(folder, 'sub'));
      for (const file of ['plan.md', 'plan.conflict-20261129-134601.md', 'sub/n.conflict-20261128-000000-1.md', 'sub/n.md']) await fs.writeFile(path.join(folder, file), 'x');
      expect(await listConflictCopies(folder)).toEqual(['plan.conflict-20261129-134601.md', 'sub/n.conflict-20261128-000000-1.md']);
      expect(await listConflictCopies(path.join(folder, 'gone'))).toEqual([]);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
