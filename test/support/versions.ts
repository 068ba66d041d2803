import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Somewhere versions can end up: a machine's folder, or the bucket copied into a folder. */
export interface Place {
  name: string;
  /** Every file's content under the place (conflict copies included), read at the end. */
  contents(): Promise<string[]>;
}

/**
 * Every version ever written in a chaos test, for the invariant of issue 8: each content written to
 * either machine (or straight into the bucket) exists at the end in some place, under its name or as
 * a conflict copy, unless a writer replaced it knowingly (it read that content from its own disk just
 * before writing over it: a user's own edit, not a loss). Contents are unique (a nonce in each).
 */
export class VersionLedger {
  private readonly written = new Map<string, string>();
  private readonly superseded = new Set<string>();
  /** Each write in order, with the time and what it read: the trail a lost version is traced by. */
  private readonly history: { at: string; where: string; text: string; previous: string | undefined }[] = [];

  /** A fresh, unique note body. */
  body(label: string): string {
    return `${label} ${randomUUID()}\n`;
  }

  /** Records a version written by a test's own means (into the bucket, say), replacing `previous`. */
  record(where: string, text: string, previous?: string): void {
    this.written.set(text, where);
    this.history.push({ at: new Date().toISOString(), where, text: text.trim(), previous: previous?.trim() });
    if (previous !== undefined) this.superseded.add(previous);
  }

  /**
   * A user's edit on a machine: reads what it replaces (known to the user), then writes in place,
   * into the file it read. Reading and writing by name would write over whatever a sync renamed
   * there in between, a version this user never saw: an editor saving a stale buffer, which no sync
   * can tell from an edit (seen once in the two-machine watch, counted as a loss). A note that is
   * not there is created only while the name is still free.
   */
  async edit(folder: string, file: string, label: string): Promise<string> {
    const target = path.join(folder, file);
    const text = this.body(label);
    await fs.mkdir(path.dirname(target), { recursive: true });
    for (;;) {
      const handle = await fs.open(target, 'r+').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!handle) {
        const created = await fs.writeFile(target, text, { flag: 'wx' }).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'EEXIST') return false;
            throw error;
          },
        );
        if (!created) continue;
        this.record(`${label}:${file}`, text);
        return text;
      }
      try {
        const previous = await handle.readFile('utf8');
        await handle.truncate(0);
        await handle.write(text, 0, 'utf8');
        this.record(`${label}:${file}`, text, previous);
        return text;
      } finally {
        await handle.close();
      }
    }
  }

  /** Every write to `file` (a `label:file` place), in order: when, what, and what it read before. */
  trail(file: string): string[] {
    return this.history.filter((entry) => entry.where.endsWith(`:${file}`)).map((entry) => `${entry.at} ${entry.where} wrote ${entry.text} (read ${entry.previous ?? 'nothing'})`);
  }

  /** How many versions were written (for the report of a test). */
  get count(): number {
    return this.written.size;
  }

  /**
   * The versions found nowhere: written, never knowingly replaced, and in no place at the end.
   * `unless` leaves out the versions a test expects a known limit to lose (see `wroteWhereAbsent`).
   */
  async lost(places: Place[], unless: (text: string) => boolean = () => false): Promise<string[]> {
    const present = new Set<string>();
    for (const place of places) for (const text of await place.contents()) present.add(text);
    return [...this.written.entries()].filter(([text]) => !this.superseded.has(text) && !present.has(text) && !unless(text)).map(([text, where]) => `${where}: ${text.trim()}`);
  }

  /**
   * Whether a version was written by `edit` where its note had no file at that moment (after
   * `since`): during a pull, rclone before 1.63 had set the note aside (`--suffix`) and opens the
   * name for its download a moment later, writing into whatever file is there by then.
   */
  wroteWhereAbsent(text: string, since: string): boolean {
    return this.history.some((entry) => entry.text === text.trim() && entry.previous === undefined && entry.at >= since);
  }
}

/** Every regular file's content under a folder. */
export async function folderContents(folder: string): Promise<string[]> {
  const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  return Promise.all(files.map((file) => fs.readFile(file, 'utf8')));
}

export function folderPlace(name: string, folder: string): Place {
  return { name, contents: () => folderContents(folder) };
}

/** The bucket as a place: copied down with `copyAll(into)` (real rclone) and read like a folder. */
export function bucketPlace(copyAll: (into: string) => Promise<unknown>): Place {
  return {
    name: 'bucket',
    async contents() {
      const into = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-bucket-'));
      try {
        await copyAll(into);
        return await folderContents(into);
      } finally {
        await fs.rm(into, { recursive: true, force: true });
      }
    },
  };
}
