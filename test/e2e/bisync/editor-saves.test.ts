import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropIdenticalCopies, keepBothBeforeBaseline, resolveConflictsByAge } from '../../../src/bisync/conflicts.js';
import { removePartialFiles } from '../../../src/bisync/disk-space.js';
import { createRclone, type Rclone } from '../../../src/rclone/runner.js';
import { folderContents } from '../../support/versions.js';

// Issue 8's invariant under the CLI's own steps in the folder: after rclone keeps both copies of a
// conflict, before a baseline and after a full disk, the CLI moves or removes notes while an editor
// may save. Seen in CI (rclone 1.75.2, the L3 writer loop): an edit lost to such a move. Each test
// saves the note in the moment the CLI waits for rclone, as an editor would, then checks that every
// version is still there. The pair is two folders (rclone treats the second as the cloud): real
// rclone, no server needed.

let root: string;
let pair: { localPath: string; remotePath: string; filtersFile: string; workdir: string };
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-editor-saves-'));
  pair = { localPath: path.join(root, 'folder'), remotePath: path.join(root, 'cloud'), filtersFile: path.join(root, 'filters.txt'), workdir: path.join(root, 'workdir') };
  await Promise.all([fs.mkdir(pair.localPath), fs.mkdir(pair.remotePath), fs.writeFile(pair.filtersFile, '')]);
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** Real rclone that lets an editor save just before each run of one of its commands. */
function rcloneWithEditor(command: string, save: () => Promise<void>): Rclone {
  const real = createRclone({ binary: 'rclone', env: process.env });
  return Object.assign(Object.create(real) as Rclone, {
    run: async (args: string[], options?: Parameters<Rclone['run']>[1]) => {
      if (args[0] === command) await save();
      return real.run(args, options);
    },
  });
}

/** Every version on either side: what the sync will have once it has run. */
async function bothSides(): Promise<string[]> {
  return [...(await folderContents(pair.localPath)), ...(await folderContents(pair.remotePath))];
}

async function write(file: string, text: string, modified: Date): Promise<void> {
  await fs.writeFile(file, text);
  await fs.utimes(file, modified, modified);
}

const hourAgo = new Date(Date.now() - 3_600_000);
const minuteAgo = new Date(Date.now() - 60_000);

describe("the CLI's moves and removals around a conflict never lose an editor's save", () => {
  it('keeps a note saved while the newer copy of a conflict gets its name back', async () => {
    // rclone 1.66+ kept both copies (it could not compare times), on both sides; the note's name is free.
    for (const side of [pair.localPath, pair.remotePath]) {
      await write(path.join(side, 'n.conflict-1.md'), 'folder version\n', minuteAgo);
      await write(path.join(side, 'n.conflict-2.md'), 'cloud version\n', hourAgo);
    }
    const saved = 'saved by the editor while the CLI renamed\n';
    const rclone = rcloneWithEditor('moveto', () => fs.writeFile(path.join(pair.localPath, 'n.md'), saved));

    const [resolved] = await resolveConflictsByAge(rclone, pair, [{ path: 'n.md', copies: ['n.conflict-1.md', 'n.conflict-2.md'], winner: undefined }]);

    expect(await fs.readFile(path.join(pair.localPath, 'n.md'), 'utf8')).toBe(saved);
    expect(await bothSides()).toEqual(expect.arrayContaining(['cloud version\n', 'folder version\n', saved]));
    expect(resolved?.path).toBe('n.md');
  });

  // The test above saves once the folder's move is done; this one before it: the move must be refused.
  it('leaves the conflict as it is when an editor saved under the note\'s name before the CLI moved a copy there', async () => {
    for (const side of [pair.localPath, pair.remotePath]) {
      await write(path.join(side, 'n.conflict-1.md'), 'folder version\n', minuteAgo);
      await write(path.join(side, 'n.conflict-2.md'), 'cloud version\n', hourAgo);
    }
    const saved = 'saved by the editor after rclone freed the name\n';
    await fs.writeFile(path.join(pair.localPath, 'n.md'), saved);
    const conflict = { path: 'n.md', copies: ['n.conflict-1.md', 'n.conflict-2.md'], winner: undefined };

    expect(await resolveConflictsByAge(createRclone({ binary: 'rclone', env: process.env }), pair, [conflict])).toEqual([conflict]);

    expect(await fs.readFile(path.join(pair.localPath, 'n.md'), 'utf8')).toBe(saved);
    for (const side of [pair.localPath, pair.remotePath]) expect(await fs.readFile(path.join(side, 'n.conflict-1.md'), 'utf8')).toBe('folder version\n');
    expect(await fs.readdir(pair.remotePath)).not.toContain('n.md');
  });

  it("gives the newer copy the name on both sides, by the cloud's time for the cloud's copy", async () => {
    // In a folder: the cloud's times come from one listing, which must look inside folders.
    for (const side of [pair.localPath, pair.remotePath]) {
      await fs.mkdir(path.join(side, 'notes'));
      await write(path.join(side, 'notes/n.conflict-1.md'), 'folder version\n', minuteAgo);
    }
    // rclone 1.66+ comparing checksums gives the cloud copy it downloads the time it came down.
    await write(path.join(pair.remotePath, 'notes/n.conflict-2.md'), 'cloud version\n', hourAgo);
    await write(path.join(pair.localPath, 'notes/n.conflict-2.md'), 'cloud version\n', new Date());
    const rclone = createRclone({ binary: 'rclone', env: process.env });

    const [resolved] = await resolveConflictsByAge(rclone, pair, [{ path: 'notes/n.md', copies: ['notes/n.conflict-1.md', 'notes/n.conflict-2.md'], winner: undefined }]);

    expect(resolved).toEqual({ path: 'notes/n.md', copies: ['notes/n.conflict-2.md'], winner: 'local' });
    for (const side of [pair.localPath, pair.remotePath]) {
      expect(await fs.readFile(path.join(side, 'notes/n.md'), 'utf8')).toBe('folder version\n');
      expect((await fs.readdir(path.join(side, 'notes'))).sort()).toEqual(['n.conflict-2.md', 'n.md']);
    }
  });

  it('keeps a save into a copy the CLI was removing as identical to the note', async () => {
    for (const side of [pair.localPath, pair.remotePath]) {
      await fs.writeFile(path.join(side, 'n.md'), 'the same version\n');
      await fs.writeFile(path.join(side, 'n.conflict-1.md'), 'the same version\n');
      await fs.writeFile(path.join(side, 'n.conflict-2.md'), 'another version\n');
    }
    const merged = 'merged by the user while the CLI removed the copy\n';
    const rclone = rcloneWithEditor('deletefile', () => fs.writeFile(path.join(pair.localPath, 'n.conflict-1.md'), merged));

    const [kept] = await dropIdenticalCopies(rclone, pair, [{ path: 'n.md', copies: ['n.conflict-1.md', 'n.conflict-2.md'], winner: undefined }]);

    expect(await fs.readFile(path.join(pair.localPath, 'n.conflict-1.md'), 'utf8')).toBe(merged);
    expect(kept?.copies).toEqual(['n.conflict-1.md', 'n.conflict-2.md']);
  });

  it('leaves the folder as it was when the cloud version cannot come down before a baseline', async () => {
    await write(path.join(pair.localPath, 'n.md'), 'older folder version\n', hourAgo);
    await write(path.join(pair.remotePath, 'n.md'), 'newer cloud version\n', minuteAgo);
    // A download that breaks off after its first bytes, written where rclone < 1.63 writes it.
    const real = createRclone({ binary: 'rclone', env: process.env });
    const rclone = Object.assign(Object.create(real) as Rclone, {
      run: async (args: string[], options?: Parameters<Rclone['run']>[1]) => {
        if (args[0] !== 'copyto') return real.run(args, options);
        await fs.writeFile(args[2] ?? '', 'newer cl');
        return { exitCode: 1, stdout: '', stderr: 'ERROR : n.md: Failed to copy: connection reset by peer\n', signal: undefined };
      },
    });

    await expect(keepBothBeforeBaseline(rclone, pair, new Date('2026-11-30T06:00:00Z'))).rejects.toThrow("Could not keep the cloud's copy of n.md");

    expect(await fs.readdir(pair.localPath)).toEqual(['n.md']);
    expect(await fs.readFile(path.join(pair.localPath, 'n.md'), 'utf8')).toBe('older folder version\n');
  });

  it('removes a copy identical to the note on both sides when nobody saves into it', async () => {
    for (const side of [pair.localPath, pair.remotePath]) {
      await fs.writeFile(path.join(side, 'n.md'), 'the same version\n');
      await fs.writeFile(path.join(side, 'n.conflict-1.md'), 'the same version\n');
    }
    const kept = await dropIdenticalCopies(createRclone({ binary: 'rclone', env: process.env }), pair, [{ path: 'n.md', copies: ['n.conflict-1.md'], winner: undefined }]);

    expect(kept).toEqual([]);
    for (const side of [pair.localPath, pair.remotePath]) expect(await fs.readdir(side)).toEqual(['n.md']);
  });

  it('keeps a note saved while the cloud version comes down before a baseline', async () => {
    await write(path.join(pair.localPath, 'n.md'), 'older folder version\n', hourAgo);
    await write(path.join(pair.remotePath, 'n.md'), 'newer cloud version\n', minuteAgo);
    const saved = 'saved by the editor while the CLI downloaded\n';
    // The editor saves under the note's name, whatever file has it at that moment.
    const rclone = rcloneWithEditor('copyto', () => fs.writeFile(path.join(pair.localPath, 'n.md'), saved));

    const kept = await keepBothBeforeBaseline(rclone, pair, new Date('2026-11-30T06:00:00Z'));

    expect(await folderContents(pair.localPath)).toEqual(expect.arrayContaining([saved, 'newer cloud version\n']));
    expect(kept).toHaveLength(1);
  });
});

describe("the CLI's clean-up after a full disk never removes an editor's save", () => {
  it('keeps a note saved into an empty file the full disk left while the cloud is asked for its size', async () => {
    await fs.writeFile(path.join(pair.localPath, 'n.md'), '');
    await fs.writeFile(path.join(pair.remotePath, 'n.md'), 'the cloud version\n');
    await fs.writeFile(path.join(pair.localPath, 'm.md'), '');
    await fs.writeFile(path.join(pair.remotePath, 'm.md'), 'another cloud version\n');
    const saved = 'saved by the editor once there was room again\n';
    const rclone = rcloneWithEditor('lsjson', async () => {
      if ((await fs.readFile(path.join(pair.localPath, 'n.md'), 'utf8')) === '') await fs.writeFile(path.join(pair.localPath, 'n.md'), saved);
    });

    const removed = await removePartialFiles(rclone, pair, ['n.md', 'm.md']);

    expect(await fs.readFile(path.join(pair.localPath, 'n.md'), 'utf8')).toBe(saved);
    // The empty copy nobody saved into goes: the cloud keeps its content and the next run downloads it.
    expect(removed).toEqual(['m.md']);
  });
});
