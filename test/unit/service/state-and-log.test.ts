import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLog, serviceOutput, tailLog } from '../../../src/service/log.js';
import { isPaused, pauseFor } from '../../../src/service/state.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-service-log-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('pause', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  it.each([
    ['no pause', undefined, now, false],
    ['until resumed', pauseFor(now, undefined), new Date('2030-01-01T00:00:00Z'), true],
    ['for 2h, an hour in', pauseFor(now, 7200), new Date('2026-11-29T13:00:00Z'), true],
    ['for 2h, at its end', pauseFor(now, 7200), new Date('2026-11-29T14:00:00Z'), false],
  ])('%s → paused %s', (_name, pause, at, expected) => {
    expect(isPaused(pause, at)).toBe(expected);
  });

  it('records when it ends', () => {
    expect(pauseFor(now, 7200)).toEqual({ pausedAt: '2026-11-29T12:00:00.000Z', until: '2026-11-29T14:00:00.000Z' });
  });
});

describe('RotatingLog', () => {
  it('keeps at most `files` files of at most maxBytes each, dropping the oldest lines', async () => {
    const file = path.join(dir, 'logs', 'service.log');
    const log = new RotatingLog(file, { maxBytes: 1000, files: 3 });
    const line = (index: number) => `line ${String(index).padStart(4, '0')} ${'x'.repeat(89)}\n`; // 100 bytes
    for (let index = 0; index < 100; index += 1) log.write(line(index));
    const names = (await fs.readdir(path.dirname(file))).sort();
    expect(names).toEqual(['service.log', 'service.log.1', 'service.log.2']);
    for (const name of names) expect((await fs.stat(path.join(path.dirname(file), name))).size).toBeLessThanOrEqual(1000);
    const kept = await tailLog(file, 1000, { maxBytes: 1000, files: 3 });
    expect(kept).toHaveLength(30);
    expect(kept[0]).toContain('line 0070');
    expect(kept.at(-1)).toContain('line 0099');
  });

  it('continues an existing file after a restart, counting what it holds', async () => {
    const file = path.join(dir, 'service.log');
    await fs.writeFile(file, 'a'.repeat(950));
    new RotatingLog(file, { maxBytes: 1000, files: 2 }).write(`${'b'.repeat(99)}\n`);
    expect((await fs.readFile(file, 'utf8')).startsWith('b')).toBe(true);
    expect((await fs.readFile(`${file}.1`, 'utf8')).length).toBe(950);
  });

  it('as an Output stream: one timestamped line per line, status-line control codes removed', async () => {
    const file = path.join(dir, 'service.log');
    const stream = new RotatingLog(file).stream(() => new Date('2026-11-29T12:00:00Z'));
    await new Promise<void>((resolve) => stream.write('\r\x1b[2K12:00 ✓ Synced\nsecond\n', () => resolve()));
    expect(await fs.readFile(file, 'utf8')).toBe('2026-11-29T12:00:00.000Z 12:00 ✓ Synced\n2026-11-29T12:00:00.000Z second\n');
  });

  it('tailLog reads across the rotated files, oldest first, and is empty when there is no log', async () => {
    const file = path.join(dir, 'service.log');
    await fs.writeFile(`${file}.1`, 'one\ntwo\n');
    await fs.writeFile(file, 'three\n');
    expect(await tailLog(file, 2)).toEqual(['two', 'three']);
    expect(await tailLog(path.join(dir, 'none.log'), 5)).toEqual([]);
  });
});

describe('serviceOutput', () => {
  it("sends the watch loop's lines to the log, redacting secrets", async () => {
    const file = path.join(dir, 'service.log');
    const output = serviceOutput(new RotatingLog(file), () => new Date('2026-11-29T12:00:00Z'));
    output.redactor.add('s3cr3t-key');
    output.live('12:00 ✓ Synced: 1 to the cloud');
    output.warn('rclone said s3cr3t-key');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await fs.readFile(file, 'utf8')).toBe('2026-11-29T12:00:00.000Z 12:00 ✓ Synced: 1 to the cloud\n2026-11-29T12:00:00.000Z ! rclone said ***\n');
  });
});
