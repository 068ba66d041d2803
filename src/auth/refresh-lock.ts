import fs from 'node:fs/promises';

export interface FileLockOptions {
  /** How long to wait for another holder before taking the lock anyway. */
  waitMs?: number;
  /** A lock older than this was left by a process that died while holding it. */
  staleMs?: number;
  pollMs?: number;
}

/**
 * Runs `work` while holding `file`, created exclusively. The holder only renews a login (seconds), so
 * a lock older than `staleMs` is a leftover of a killed process and is taken over.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { waitMs = 15_000, staleMs = 30_000, pollMs = 100 } = options;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      await handle.write(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await fs.stat(file).then((stat) => Date.now() - stat.mtimeMs, () => 0);
      if (age > staleMs || Date.now() > deadline) await fs.rm(file, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(file, { force: true });
  }
}
