/** Timers, passed in so the scheduler is tested with fake ones. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  debounceMs: number;
  /**
   * A change set of at most `upTo` files (one note saved) is synced after `ms` instead: the wait is
   * for bursts (a checkout, a folder pasted), which a few files are not.
   */
  quickDebounce?: { ms: number; upTo: number };
  intervalMs: number;
  /** First retry after a failure; doubles each failure up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** One sync; resolves true on success. Never called twice at once. */
  run: () => Promise<boolean>;
  /** Told when the next run is due (for the status line). */
  onScheduled?: (dueInMs: number) => void;
  timers?: Timers;
}

/** Pure: the wait before the next run after `failures` failures in a row. */
export function nextDelay(failures: number, options: Pick<SchedulerOptions, 'intervalMs' | 'backoffMs' | 'maxBackoffMs'>): number {
  if (failures === 0) return options.intervalMs;
  return Math.min(options.backoffMs * 2 ** (failures - 1), options.maxBackoffMs);
}

/** Pure: the wait after a local change, from the files changed since the last run began (undefined: unknown). */
export function debounceFor(changed: ReadonlySet<string> | undefined, options: Pick<SchedulerOptions, 'debounceMs' | 'quickDebounce'>): number {
  const quick = options.quickDebounce;
  return quick && changed !== undefined && changed.size <= quick.upTo ? quick.ms : options.debounceMs;
}

/**
 * When to sync in watch mode: local changes (debounced), the interval (remote changes), retries with
 * exponential backoff. Never two runs at once: a change during a run schedules one more after it.
 */
export class SyncScheduler {
  private running: Promise<void> | undefined;
  private pending = false;
  private failures = 0;
  private debounceTimer: unknown;
  private nextTimer: unknown;
  private stopped = false;
  /** The files changed since the last run began; undefined once one change did not say which. */
  private changed: Set<string> | undefined = new Set();
  private readonly timers: Timers;

  constructor(private readonly options: SchedulerOptions) {
    this.timers = options.timers ?? { setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) };
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** A file changed in the folder (`file`: which, when known). */
  localChange(file?: string): void {
    if (this.stopped) return;
    if (file === undefined) this.changed = undefined;
    else this.changed?.add(file);
    if (this.running || this.failures > 0) {
      // After a failure the backoff timer decides; a change alone must not hammer a failing remote.
      this.pending = true;
      return;
    }
    this.timers.clearTimeout(this.debounceTimer);
    this.debounceTimer = this.timers.setTimeout(() => this.runNow(), debounceFor(this.changed, this.options));
  }

  /** Runs at once, or right after the running one. */
  runNow(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.timers.clearTimeout(this.debounceTimer);
    this.timers.clearTimeout(this.nextTimer);
    this.pending = false;
    this.changed = new Set();
    this.running = this.options.run().then(
      (ok) => this.finished(ok),
      () => this.finished(false),
    );
  }

  /** No new runs; resolves when the running one (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearTimeout(this.debounceTimer);
    this.timers.clearTimeout(this.nextTimer);
    await this.running;
  }

  private finished(ok: boolean): void {
    this.running = undefined;
    this.failures = ok ? 0 : this.failures + 1;
    if (this.stopped) return;
    const delay = this.pending && ok ? this.options.debounceMs : nextDelay(this.failures, this.options);
    this.nextTimer = this.timers.setTimeout(() => this.runNow(), delay);
    this.options.onScheduled?.(delay);
  }
}
