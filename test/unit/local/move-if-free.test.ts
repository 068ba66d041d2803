import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { moveIfFree } from '../../../src/local/move-if-free.js';

let dir: string;
let from: string;
let to: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-move-if-free-'));
  [from, to] = [path.join(dir, 'n.conflict-1.md'), path.join(dir, 'n.md')];
  await fs.writeFile(from, 'the copy\n');
  await fs.utimes(from, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const noHardLinks = { link: () => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' })) };

describe('moveIfFree', () => {
  it.each([
    ['with hard links', undefined],
    ['on a disk without hard links', noHardLinks],
  ])('moves a file to a free name, keeping its content and time (%s)', async (_, deps) => {
    expect(await moveIfFree(from, to, deps)).toBe(true);
    expect(await fs.readFile(to, 'utf8')).toBe('the copy\n');
    expect((await fs.stat(to)).mtime.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(await fs.readdir(dir)).toEqual(['n.md']);
  });

  it.each([
    ['with hard links', undefined],
    ['on a disk without hard links', noHardLinks],
  ])('leaves both files as they are when the name is taken (%s)', async (_, deps) => {
    await fs.writeFile(to, 'saved by an editor\n');
    expect(await moveIfFree(from, to, deps)).toBe(false);
    expect(await fs.readFile(to, 'utf8')).toBe('saved by an editor\n');
    expect(await fs.readFile(from, 'utf8')).toBe('the copy\n');
  });

  it('fails as a rename would when the file to move is gone', async () => {
    await expect(moveIfFree(path.join(dir, 'gone.md'), to)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
