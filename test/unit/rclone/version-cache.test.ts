import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedRcloneVersion } from '../../../src/rclone/version-cache.js';
import { rcloneVersion } from '../../../src/rclone/version.js';

let dir: string;
let binary: string;
let cacheFile: string;
let asked: number;
const rclone = () => ({ binary, version: () => { asked += 1; return Promise.resolve(rcloneVersion('1.60.1')); } });

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-version-cache-'));
  binary = path.join(dir, 'bin', 'rclone');
  cacheFile = path.join(dir, 'state', 'cache', 'rclone-version.json');
  await fs.mkdir(path.dirname(binary));
  await fs.writeFile(binary, 'v1', { mode: 0o755 });
  asked = 0;
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('cachedRcloneVersion', () => {
  it('asks rclone once, then answers from the cache while the binary is unchanged', async () => {
    expect((await cachedRcloneVersion(rclone(), cacheFile, {}, 'linux'))?.raw).toBe('1.60.1');
    expect((await cachedRcloneVersion(rclone(), cacheFile, {}, 'linux'))?.raw).toBe('1.60.1');
    expect(asked).toBe(1);
  });

  it('asks again when the binary changes (an upgrade)', async () => {
    await cachedRcloneVersion(rclone(), cacheFile, {}, 'linux');
    await fs.writeFile(binary, 'v2, a bigger binary');
    await cachedRcloneVersion(rclone(), cacheFile, {}, 'linux');
    expect(asked).toBe(2);
  });

  it('finds a bare name on PATH, and without a binary leaves the answer to rclone itself', async () => {
    const onPath = { binary: 'rclone', version: rclone().version };
    await cachedRcloneVersion(onPath, cacheFile, { PATH: path.dirname(binary) }, 'linux');
    await cachedRcloneVersion(onPath, cacheFile, { PATH: path.dirname(binary) }, 'linux');
    expect(asked).toBe(1);
    await cachedRcloneVersion(onPath, cacheFile, { PATH: '/nowhere' }, 'linux');
    expect(asked).toBe(2);
    expect(JSON.parse(await fs.readFile(cacheFile, 'utf8'))).toMatchObject({ binary, raw: '1.60.1' });
  });
});
