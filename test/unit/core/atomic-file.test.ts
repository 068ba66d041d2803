import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile, writeFileAtomic, writeJsonFile } from '../../../src/core/atomic-file.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing folders and writes the file with mode 0600', async () => {
    const target = path.join(dir, 'a', 'b', 'secret.json');
    await writeFileAtomic(target, 'hello');
    expect(await fs.readFile(target, 'utf8')).toBe('hello');
    expect((await fs.stat(target)).mode & 0o777).toBe(0o600);
  });

  it('replaces an existing file and tightens its mode, leaving no temp file behind', async () => {
    const target = path.join(dir, 'config');
    await fs.writeFile(target, 'old', { mode: 0o644 });
    await writeFileAtomic(target, 'new');
    expect(await fs.readFile(target, 'utf8')).toBe('new');
    expect((await fs.stat(target)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['config']);
  });

  it('round-trips JSON and reads a missing file as undefined', async () => {
    const target = path.join(dir, 'state.json');
    expect(await readJsonFile(target)).toBeUndefined();
    await writeJsonFile(target, { pid: 42 });
    expect(await readJsonFile(target)).toEqual({ pid: 42 });
  });
});
