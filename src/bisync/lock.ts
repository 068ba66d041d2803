import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../core/errors.js';
import { holdsLock } from './orphans.js';
import { lockPid } from './workdir.js';

export interface LockHolder {
  pid: number;
  startedAt: string;
  watch: boolean;
}

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Our own per-tenant lock: created exclusively, so two `cloud bisync` runs for one tenant cannot
 * both start rclone. A lock whose process is dead, or whose pid now runs another program, is
 * cleared and taken.
 */
export async function acquireBisyncLock(file: string, holder: LockHolder, holds: (pid: number) => boolean | Promise<boolean> = (pid) => holdsLock(pid, 'cli')): Promise<HeldLock> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fs.writeFile(file, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
      return { release: () => fs.rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const pid = lockPid(text);
    if (pid !== undefined && (await holds(pid))) {
      const other = parseHolder(text);
      throw new CliError(`Another bisync for this tenant is running (pid ${pid}${other?.watch ? ', watch mode' : ''}, since ${other?.startedAt ?? 'an unknown time'}).`, {
        hint: other?.watch ? 'It keeps the folder in sync already; stop it with Ctrl-C (or `kill ' + pid + '`) to run one by hand.' : 'Wait for it to finish, then run the command again.',
      });
    }
    // Stale: its process is gone or is not a bisync any more. Remove it and try once more (another run may win the race).
    await fs.rm(file, { force: true });
  }
  throw new CliError('Another bisync for this tenant started at the same moment.', { hint: 'Run the command again.' });
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    return undefined;
  }
}
