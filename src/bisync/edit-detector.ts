import fs from 'node:fs/promises';
import path from 'node:path';

/** chokidar's window in which a second change event of one file is dropped (its `_throttle`). */
export const THROTTLE_MS = 50;

/** What the watcher knows of a file: enough to tell a new version from a touch of its metadata. */
export interface FileStats {
  size: number;
  mtimeMs: number;
}

/**
 * Tells the watcher's file events that may be edits from those that changed no content: the safety
 * net's hard links (rclone 1.63+) change each note's link count and ctime, which chokidar reports as
 * a change, and each would schedule one more sync after every run. A version is its size and
 * modification time; an event without stats, a deletion or a folder is always taken as an edit.
 */
export class EditDetector {
  private readonly known = new Map<string, string>();
  private readonly edited = new Set<string>();
  private readonly touched = new Set<string>();

  /** A file found by the first scan, before any event. */
  seed(relative: string, stats: FileStats | undefined): void {
    if (stats) this.known.set(relative, identity(stats));
  }

  /** Records what the event says of the file, and whether its content may have changed. */
  isEdit(event: string, relative: string, stats: FileStats | undefined): boolean {
    if (event === 'unlink') this.known.delete(relative);
    if ((event !== 'change' && event !== 'add') || !stats) return true;
    this.edited.add(relative);
    const before = this.known.get(relative);
    const now = identity(stats);
    this.known.set(relative, now);
    if (before === now) this.touched.add(relative);
    return before !== now;
  }

  /**
   * The files whose last event was no edit and that have changed since: chokidar drops a change that
   * follows another on the same file within 50 ms (`THROTTLE_MS`), so a save right after the net's
   * link or unlink arrives as no event at all. Asked once that window is over.
   */
  async changedUnreported(folder: string): Promise<string[]> {
    const files = [...this.touched];
    this.touched.clear();
    const changed = await Promise.all(files.map(async (relative) => {
      const stats = await fs.stat(path.join(folder, relative)).catch(() => undefined);
      return stats?.isFile() === true && this.isEdit('change', relative, stats);
    }));
    return files.filter((_file, index) => changed[index]);
  }

  /**
   * Before a sync: the files edited since the last one, as they are now. A save's first event can
   * show it half written (chokidar drops a change that follows another within 50 ms), and the net's
   * link during the run would then look like a new version.
   */
  async refresh(folder: string): Promise<void> {
    const files = [...this.edited];
    this.edited.clear();
    await Promise.all(files.map(async (relative) => {
      const stats = await fs.stat(path.join(folder, relative)).catch(() => undefined);
      if (stats?.isFile()) this.known.set(relative, identity(stats));
    }));
  }
}

const identity = (stats: FileStats) => `${stats.size}:${stats.mtimeMs}`;
