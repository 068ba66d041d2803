import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFilterRules } from '../../../src/bisync/filters.js';
import { writtenByRclone, withUploadedFirst } from '../../../src/bisync/run.js';
import { planUploadFirst, UPLOAD_FIRST_MAX_FILES, uploadableFiles, type UploadFirstInputs } from '../../../src/bisync/upload-first.js';

describe('planUploadFirst', () => {
  const save: UploadFirstInputs = { edited: ['notes/b.md', 'a.md'], settled: true, backupDirs: true };

  it('a save of a settled pair on rclone 1.66+ is uploaded first, in a stable order', () => {
    expect(planUploadFirst(save)).toEqual({ files: ['a.md', 'notes/b.md'] });
  });

  it.each<[string, Partial<UploadFirstInputs>]>([
    ['rclone before 1.66 (no --backup-dir2, no equal-content check)', { backupDirs: false }],
    ['a pair not as a good checksum run left it', { settled: false }],
    ['no edit named', { edited: [] }],
    ['a burst (more than a save writes)', { edited: Array.from({ length: UPLOAD_FIRST_MAX_FILES + 1 }, (_, index) => `n${index}.md`) }],
  ])('%s → the bisync alone', (_why, change) => {
    expect(planUploadFirst({ ...save, ...change })).toEqual({ why: expect.any(String) });
  });
});

describe('withUploadedFirst', () => {
  it('adds the notes uploaded first to what the run sent to the cloud, once each', () => {
    const changes = { toCloud: [{ path: 'a.md', action: 'changed' as const }], toLocal: [{ path: 'c.md', action: 'new' as const }] };
    expect(withUploadedFirst(changes, [{ path: 'a.md', action: 'changed' }, { path: 'b.md', action: 'new' }])).toEqual({
      toCloud: [{ path: 'a.md', action: 'changed' }, { path: 'b.md', action: 'new' }],
      toLocal: [{ path: 'c.md', action: 'new' }],
    });
  });

  it('an upload first writes nothing in the folder: the safety net still counts only what rclone wrote there', () => {
    const written = writtenByRclone([{ kind: 'ok', changes: withUploadedFirst({ toCloud: [], toLocal: [] }, [{ path: 'a.md', action: 'changed' }]), conflicts: [] }], []);
    expect(written('a.md')).toBe(false);
  });
});

describe('uploadableFiles (real files)', () => {
  it('only regular files in the sync: a deleted note, a folder or a filtered-out file is left to the bisync', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-upload-first-'));
    try {
      await fs.mkdir(path.join(folder, 'notes'));
      await fs.mkdir(path.join(folder, '.git'));
      for (const file of ['a.md', 'notes/b.md', 'c.tmp', '.git/HEAD']) await fs.writeFile(path.join(folder, file), 'x\n');
      const excluded = compileFilterRules('- .git/**\n- *.tmp\n');
      expect(uploadableFiles(folder, ['a.md', 'notes/b.md'], excluded)).toEqual(['a.md', 'notes/b.md']);
      expect(uploadableFiles(folder, ['a.md', 'gone.md', 'notes', 'c.tmp', '.git/HEAD'], excluded)).toEqual(['a.md']);
      expect(uploadableFiles(folder, ['gone.md', 'notes', 'c.tmp', '.git/HEAD'], excluded)).toBeUndefined();
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
