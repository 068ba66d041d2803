import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = path.join(ROOT, 'scripts', 'bench', 'container-latency.js');

/** Container mount points of benches (their temp dirs are `bm-bench-*`) in the OS mount table. */
async function benchContainerMounts(): Promise<string[]> {
  const table = await fs.readFile('/proc/self/mounts', 'utf8');
  return table.split('\n').map((line) => line.split(' ')[1] ?? '').filter((point) => point.includes('/bm-bench-') && point.includes('/containers/'));
}

/** Processes whose command line or environment names `dir` (rclone mounts, the bench's `cloud bisync --watch`). */
async function processesUsing(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const environ = await fs.readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (cmdline.includes(dir) || environ.includes(dir)) found.push(Number(entry));
  }
  return found;
}

/** The temp dir of the bench `benchPid` while its `cloud bisync --watch` runs (the watch's HOME is `<dir>/home`). */
async function benchWatching(benchPid: number): Promise<string | undefined> {
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // `<pid> (<name>) <state> <ppid> …`: only a child of this bench, not another engineer's.
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== benchPid) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.split('\0').includes('--watch')) continue;
    const environ = await fs.readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const home = /(?:^|\0)HOME=(\/[^\0]*\/bm-bench-[^/\0]+)\/home(?:\0|$)/.exec(environ)?.[1];
    if (home) return home;
  }
  return undefined;
}

async function until<T>(probe: () => Promise<T | undefined>, boundMs: number): Promise<T | undefined> {
  const began = Date.now();
  while (Date.now() - began < boundMs) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

describe('a stopped bench cleans up after itself', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('the container bench, stopped with %s mid-run, leaves no mount, rclone, watch or temp dir behind', async (signal) => {
    const bench = spawn(process.execPath, [BENCH], { cwd: ROOT, env: { ...process.env, BENCH_SIZES: '10', BENCH_SAMPLES: '1000' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bench.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => bench.once('exit', resolve));
    try {
      // Stopped while it measures: the watch running and the container mounted.
      const work = await until(() => benchWatching(bench.pid!), 120_000);
      expect(work, stderr).toBeDefined();
      const mount = (await benchContainerMounts()).find((point) => point.startsWith(`${work}/`));
      expect(mount).toBeDefined();

      bench.kill(signal);
      expect(await exited).toBe(128 + os.constants.signals[signal]);
      expect(await benchContainerMounts()).not.toContain(mount);
      expect(await processesUsing(work!)).toEqual([]);
      expect(existsSync(work!)).toBe(false);
    } finally {
      if (bench.exitCode === null && bench.signalCode === null) bench.kill('SIGKILL');
    }
  }, 180_000);
});
