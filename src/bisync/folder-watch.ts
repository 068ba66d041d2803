import { watch, type FSWatcher } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes in a folder tree, told by relative path, with one OS watch per folder (inotify, FSEvents and
 * ReadDirectoryChangesW all report the files inside a watched folder). A watch per file, as chokidar
 * keeps, cost the safety net seconds per run at 10,000 notes.
 */
export interface FolderWatch {
  /** The files found when the watch started (relative, with `/`), the ignored ones left out. */
  files: string[];
  close(): void;
}

/**
 * Watches `root` and every folder below it that `ignored` keeps (tested with a trailing `/`); calls
 * `onWrite` with each file name that was created, written, renamed or had its attributes changed,
 * including those in folders created while it watches. Files that are gone again are the caller's
 * to skip (an `lstat` fails).
 */
export async function watchFolderWrites(root: string, ignored: (relative: string) => boolean, onWrite: (relative: string) => void): Promise<FolderWatch> {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  const relativeOf = (file: string) => path.relative(root, file).split(path.sep).join('/');

  const watchDir = (dir: string) => {
    if (closed || watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: true }, (_event, name) => {
        if (name === null) return;
        const file = path.join(dir, name.toString());
        const relative = relativeOf(file);
        if (ignored(relative)) return;
        onWrite(relative);
        // A folder that appears (made, or moved in) is watched too, and what it holds is told.
        void fs.lstat(file).then((stat) => (stat.isDirectory() && !ignored(`${relative}/`) ? addTree(file) : undefined), () => undefined);
      });
    } catch {
      // Gone before it could be watched: nothing in it to keep.
      return;
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  };

  /** Watches a folder and the folders below it; returns the files it holds. */
  const addTree = async (dir: string): Promise<string[]> => {
    const files: string[] = [];
    const pending = [dir];
    while (pending.length > 0) {
      const current = pending.pop() as string;
      watchDir(current);
      const entries = await fs.readdir(current, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(current, entry.name);
        const relative = relativeOf(full);
        if (entry.isDirectory()) {
          if (!ignored(`${relative}/`) && !ignored(relative)) pending.push(full);
        } else if (!ignored(relative)) {
          files.push(relative);
          // A file in a folder found after the watch began may have been written before its watch.
          if (dir !== root) onWrite(relative);
        }
      }
    }
    return files;
  };

  const files = await addTree(root);
  return {
    files,
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
