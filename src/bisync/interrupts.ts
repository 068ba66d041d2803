import { claimInterrupts } from '../core/interrupt.js';
import type { Output } from '../core/output.js';
import type { RcloneProcess } from '../rclone/runner.js';

/**
 * Ctrl-C and SIGTERM: the first lets the running rclone finish (rclone 1.60 interrupted mid-run
 * marks its listings failed), the second stops it at once. rclone runs in its own process group,
 * so a terminal's Ctrl-C reaches only us.
 */
export class Interrupts {
  stopping = false;
  hardStopped = false;
  private child: RcloneProcess | undefined;
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

  /** The rclone now running, so a second interrupt can stop it; undefined once it ended. */
  track(child: RcloneProcess | undefined): void {
    this.child = child;
    if (child && this.hardStopped) this.stopChild(child);
  }

  private onSignal(): void {
    if (!this.stopping) {
      this.stopping = true;
      if (this.child) this.output.warn('Stopping after the current sync finishes (so nothing is left half done); press Ctrl-C again to stop at once.');
      for (const listener of this.listeners) listener();
      return;
    }
    if (this.hardStopped) return;
    this.hardStopped = true;
    this.output.warn('Stopping now: the next `basic-memory cloud bisync` recovers the sync state by itself.');
    if (this.child) this.stopChild(this.child);
  }

  private stopChild(child: RcloneProcess): void {
    child.kill('SIGINT');
    // rclone 1.66+ drains for up to 30 s on the first SIGINT and stops at once on the second.
    if (this.gracefulSecondInterrupt) setTimeout(() => child.kill('SIGINT'), 200).unref();
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  }
}
