import type { Rclone, RcloneProcess, RcloneResult, RcloneRunOptions } from '../rclone/runner.js';
import type { HelperStop, Interrupts } from './interrupts.js';

/** rclone commands that only read: stopping one before the sync leaves nothing half done. */
const READING_COMMANDS = new Set(['check', 'ls', 'lsd', 'lsf', 'lsjson', 'lsl', 'md5sum', 'hashsum', 'size']);

/**
 * Pure: how a helper rclone answers Ctrl-C. Before the bisync a read (a listing, a comparison)
 * stops at the first: nothing was done yet. A write, and everything after the bisync started (the
 * run's follow-ups), waits for the second, like the bisync itself.
 */
export function helperStop(args: readonly string[], phase: 'before-sync' | 'around-sync'): HelperStop {
  return phase === 'before-sync' && READING_COMMANDS.has(args[0] ?? '') ? 'first-interrupt' : 'second-interrupt';
}

/** What a helper the run no longer starts gives back: a failed run, as if stopped at once. */
const NOT_STARTED: RcloneResult = { exitCode: 1, stdout: '', stderr: 'not started: the sync was interrupted', signal: 'SIGTERM' };

export interface HelperRcloneOptions {
  interrupts: Interrupts;
  phase: 'before-sync' | 'around-sync';
  /** Told every second while a helper runs (how long it has run), so a storage that keeps it waiting is named. */
  waiting?: ((elapsedMs: number) => void) | undefined;
}

/**
 * The rclone a sync's helpers get (the nothing-to-sync listing, the disk-space listing, conflict
 * copies, cloud backups): each run in its own process group and joined to the run's Ctrl-C handling,
 * so Ctrl-C stops it as `helperStop` says and none outlives the CLI.
 */
export function helperRclone(rclone: Rclone, { interrupts, phase, waiting }: HelperRcloneOptions): Rclone {
  const start = async (args: string[], options: RcloneRunOptions = {}): Promise<RcloneProcess> => {
    const stop = helperStop(args, phase);
    if (!interrupts.mayStart(stop)) return { pid: undefined, result: Promise.resolve(NOT_STARTED), kill: () => undefined };
    const child = await rclone.start(args, { ...options, detached: true });
    const leave = interrupts.join(child, stop);
    const startedAt = Date.now();
    waiting?.(0);
    const ticker = waiting ? setInterval(() => waiting(Date.now() - startedAt), 1_000) : undefined;
    const result = child.result.finally(() => {
      clearInterval(ticker);
      leave();
    });
    return { pid: child.pid, result, kill: (signal) => child.kill(signal) };
  };
  return {
    binary: rclone.binary,
    environment: rclone.environment,
    version: () => rclone.version(),
    forgetVersion: () => rclone.forgetVersion(),
    run: async (args, options) => (await start(args, options)).result,
    start,
    spawnDetached: (args, logFile, extraEnv) => rclone.spawnDetached(args, logFile, extraEnv),
  };
}
