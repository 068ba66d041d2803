import { claimInterrupts } from '../core/interrupt.js';
import type { Output } from '../core/output.js';
import type { RcloneProcess } from '../rclone/runner.js';

/** How a helper rclone (one started before or after the bisync itself) answers Ctrl-C. */
export type HelperStop =
  /** Stopped by the first Ctrl-C, and not started after it: it changes nothing (a listing before the sync). */
  | 'first-interrupt'
  /** Stopped by the second, like the bisync: it may write (a conflict copy, a backup settled). */
  | 'second-interrupt';

/** A second Ctrl-C has sent SIGTERM; a helper still alive after this long gets SIGKILL. */
const HELPER_KILL_MS = 5_000;

/**
 * Ctrl-C and SIGTERM: the first lets the running rclone finish (rclone 1.60 interrupted mid-run
 * marks its listings failed), the second stops it at once. rclone runs in its own process group,
 * so a terminal's Ctrl-C reaches only us: every rclone a sync starts is known here, and none
 * outlives us.
 */
export class Interrupts {
  stopping = false;
  hardStopped = false;
  private child: RcloneProcess | undefined;
  private readonly helpers = new Map<RcloneProcess, HelperStop>();
  private readonly listeners: (() => void)[] = [];
  private readonly handler = () => this.onSignal();
  private release: (() => void) | undefined;

  constructor(private readonly output: Output, private readonly gracefulSecondInterrupt: boolean) {}

  install(): void {
    this.release = claimInterrupts();
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  uninstall(): void {
    this.release?.();
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }

  onStop(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The rclone bisync now running, so a second interrupt can stop it; undefined once it ended. */
  track(child: RcloneProcess | undefined): void {
    this.child = child;
    if (child && this.hardStopped) this.stopChild(child);
  }

  /** Whether a helper may start now: none after a second Ctrl-C, none that stops at the first after the first. */
  mayStart(stop: HelperStop): boolean {
    return !this.hardStopped && !(this.stopping && stop === 'first-interrupt');
  }

  /** A helper rclone now running, stopped as `stop` says; the returned function forgets it once it ended. */
  join(child: RcloneProcess, stop: HelperStop): () => void {
    this.helpers.set(child, stop);
    if (!this.mayStart(stop)) this.stopHelper(child);
    return () => {
      this.helpers.delete(child);
    };
  }

  private onSignal(): void {
    if (!this.stopping) {
      this.stopping = true;
      const waitsFor = this.child !== undefined || [...this.helpers.values()].includes('second-interrupt');
      if (waitsFor) this.output.warn('Stopping after the current sync finishes (so nothing is left half done); press Ctrl-C again to stop at once.');
      for (const [helper, stop] of this.helpers) if (stop === 'first-interrupt') this.stopHelper(helper);
      for (const listener of this.listeners) listener();
      return;
    }
    if (this.hardStopped) return;
    this.hardStopped = true;
    this.output.warn('Stopping now: the next `basic-memory cloud bisync` recovers the sync state by itself.');
    if (this.child) this.stopChild(this.child);
    for (const helper of this.helpers.keys()) this.stopHelper(helper);
  }

  private stopChild(child: RcloneProcess): void {
    child.kill('SIGINT');
    // rclone 1.66+ drains for up to 30 s on the first SIGINT and stops at once on the second.
    if (this.gracefulSecondInterrupt) setTimeout(() => child.kill('SIGINT'), 200).unref();
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  }

  private stopHelper(helper: RcloneProcess): void {
    helper.kill('SIGTERM');
    setTimeout(() => helper.kill('SIGKILL'), HELPER_KILL_MS).unref();
  }
}
