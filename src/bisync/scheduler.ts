/** Timers, passed in so the scheduler is tested with fake ones. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  debounceMs: number;
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

  /** A file changed in the folder. */
  localChange(): void {
    if (this.stopped) return;
    if (this.running || this.failures > 0) {
      // After a failure the backoff timer decides; a change alone must not hammer a failing remote.
      this.pending = true;
      return;
    }
    this.timers.clearTimeout(this.debounceTimer);
    this.debounceTimer = this.timers.setTimeout(() => this.runNow(), this.options.debounceMs);
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
