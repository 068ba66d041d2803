import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { notes, useServer, type Pair } from '../bisync/helpers.js';

const exec = promisify(execFile);
const { newPair } = useServer();
const mounted: string[] = [];
afterAll(async () => {
  for (const folder of mounted) await exec('umount', ['-l', folder]).catch(() => undefined);
});

const KB = 1000;
/** A note of `size` bytes that says which version it is. */
const body = (name: string, version: string, size: number) => `${name} ${version}\n`.padEnd(size, '.');

/** The pair's folder on a tmpfs of `megabytes` (fresh and empty). */
async function onSmallDisk(pair: Pair, megabytes: number): Promise<void> {
  await fs.mkdir(pair.local, { recursive: true });
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', pair.local]);
  mounted.push(pair.local);
}

async function emptyNotes(pair: Pair): Promise<string[]> {
  const empty: string[] = [];
  for (const file of notes(await pair.localFiles())) if ((await pair.readLocal(file)) === '') empty.push(`local ${file}`);
  for (const file of notes(await pair.cloudFiles())) if ((await pair.readCloud(file)) === '') empty.push(`cloud ${file}`);
  return empty;
}

describe('chaos: a full disk (L2)', () => {
  it('stops before pulling with one sentence naming the folder and the space needed; no note emptied, nothing lost; syncs once there is room', async () => {
    const pair = await newPair();
    await onSmallDisk(pair, 3);
    // Five notes synced while there is room.
    const written = new Map<string, string>();
    for (let index = 1; index <= 5; index += 1) {
      const name = `note-${index}.md`;
      written.set(name, body(name, 'v1', 200 * KB));
      await pair.writeLocal(name, written.get(name) ?? '');
    }
    const first = await pair.bisync();
    expect(first.exitCode, first.stderr).toBe(0);

    // Another machine rewrites all five at 400 KB and adds five more: ~4 MB to pull into ~2 MB free.
    for (let index = 1; index <= 10; index += 1) {
      const name = `note-${index}.md`;
      written.set(name, body(name, 'v2 from elsewhere', 400 * KB));
      await pair.writeCloud(name, written.get(name) ?? '');
    }
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const full = await pair.bisync();
      expect(full.exitCode, full.stderr).toBe(1);
      expect(full.stderr).toMatch(new RegExp(`The disk holding ${pair.local} has [\\d.]+ [KM]B free and this sync needs [\\d.]+ MB`));
      expect(full.stderr).not.toContain('Baseline');
      expect(await emptyNotes(pair)).toEqual([]);
      // Nothing was pulled or pushed: the folder keeps v1, the cloud v2.
      for (let index = 1; index <= 5; index += 1) expect((await pair.readLocal(`note-${index}.md`))?.startsWith(`note-${index}.md v1`)).toBe(true);
      for (const [name, text] of written) expect(await pair.readCloud(name)).toBe(text);
    }

    await exec('mount', ['-o', 'remount,size=16m', pair.local]);
    const roomy = await pair.bisync();
    expect(roomy.exitCode, roomy.stderr).toBe(0);
    expect(await emptyNotes(pair)).toEqual([]);
    for (const [name, text] of written) {
      expect(await pair.readLocal(name), name).toBe(text);
      expect(await pair.readCloud(name), name).toBe(text);
    }
  });

  it('a baseline (first sync) into a disk too small stops the same way, before writing anything', async () => {
    const pair = await newPair();
    await onSmallDisk(pair, 1);
    for (let index = 1; index <= 5; index += 1) await pair.writeCloud(`big-${index}.md`, body(`big-${index}.md`, 'v1', 400 * KB));
    const result = await pair.bisync();
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain(`The disk holding ${pair.local}`);
    expect(notes(await pair.localFiles())).toEqual([]);
    expect(notes(await pair.cloudFiles())).toHaveLength(5);
    expect(await emptyNotes(pair)).toEqual([]);
  });
});
