import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_FILENAME } from '../../../src/bisync/args.js';
import { CHECK_FILE_CONTENT, CHECK_FILE_TIME, checkFileAction, ensureCheckFile } from '../../../src/bisync/check-file.js';

const fixed = CHECK_FILE_TIME.getTime();

describe('checkFileAction (issue 8, B8: one content and one time on every machine)', () => {
  it.each([
    ['missing', undefined, 'create'],
    ['another content (an older CLI, an edit)', { content: 'something else\n', modifiedMs: fixed }, 'rewrite'],
    ['the content, created at another moment', { content: CHECK_FILE_CONTENT, modifiedMs: Date.parse('2026-11-29T17:00:00Z') }, 'set-time'],
    ['the content and the time', { content: CHECK_FILE_CONTENT, modifiedMs: fixed }, 'keep'],
    ['the time with a sub-second rest (a file system rounding)', { content: CHECK_FILE_CONTENT, modifiedMs: fixed + 400 }, 'keep'],
  ] as const)('%s → %s', (_label, current, action) => {
    expect(checkFileAction(current)).toBe(action);
  });
});

describe('ensureCheckFile', () => {
  it('two machines that created it at different moments end with the same bytes and time; a kept one is not written', async () => {
    const folders = await Promise.all([1, 2].map(() => fs.mkdtemp(path.join(os.tmpdir(), 'bm-check-'))));
    try {
      const [first, second] = folders as [string, string];
      await fs.writeFile(path.join(second, CHECK_FILENAME), CHECK_FILE_CONTENT);
      expect(await ensureCheckFile(first)).toBe('create');
      expect(await ensureCheckFile(second)).toBe('set-time');
      for (const folder of folders) {
        const stat = await fs.stat(path.join(folder, CHECK_FILENAME));
        expect(await fs.readFile(path.join(folder, CHECK_FILENAME), 'utf8')).toBe(CHECK_FILE_CONTENT);
        expect(stat.mtimeMs).toBe(fixed);
      }
      const inode = (await fs.stat(path.join(first, CHECK_FILENAME))).ino;
      expect(await ensureCheckFile(first)).toBe('keep');
      expect((await fs.stat(path.join(first, CHECK_FILENAME))).ino).toBe(inode);
    } finally {
      for (const folder of folders) await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
