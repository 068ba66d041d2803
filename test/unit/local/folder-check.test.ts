import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { folderProblemMessage, folderProblemOf, makeFolder, requireUsableFolder } from '../../../src/local/folder-check.js';
import { CliError, ExitCode } from '../../../src/core/errors.js';

describe('folderProblemOf / folderProblemMessage', () => {
  it.each([
    ['EEXIST', 'not-a-folder'],
    ['ENOTDIR', 'not-a-folder'],
    ['EROFS', 'read-only'],
    ['EACCES', 'no-permission'],
    ['ENOSPC', undefined],
  ])('%s → %s', (code, problem) => {
    expect(folderProblemOf(code)).toBe(problem);
  });

  it.each([
    ['/n/notes.md', 'not-a-folder', '/n/notes.md', '/n/notes.md is a file, not a folder.'],
    ['/n/notes.md/sub', 'not-a-folder', '/n/notes.md', '/n/notes.md/sub cannot be a folder: /n/notes.md is a file.'],
    ['/ro/notes', 'read-only', '/ro', '/ro/notes is on a read-only file system.'],
  ] as const)('%s %s → one sentence', (folder, problem, blocker, sentence) => {
    expect(folderProblemMessage(folder, problem, blocker)).toBe(sentence);
  });
});

describe('requireUsableFolder / makeFolder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-folder-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const refusal = (promise: Promise<void>) => promise.then(() => undefined, (error: unknown) => error as CliError);

  it('accepts a folder, or a new one under a writable folder, and creates nothing', async () => {
    await requireUsableFolder(dir);
    await requireUsableFolder(path.join(dir, 'new', 'deeper'));
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('refuses a file, and a folder below a file, with exit 2 and one sentence', async () => {
    const file = path.join(dir, 'note.md');
    await fs.writeFile(file, 'x');
    const itself = await refusal(requireUsableFolder(file));
    expect(itself).toBeInstanceOf(CliError);
    expect(itself?.exitCode).toBe(ExitCode.usage);
    expect(itself?.message).toBe(`${file} is a file, not a folder.`);
    const below = await refusal(makeFolder(path.join(file, 'sub')));
    expect(below?.exitCode).toBe(ExitCode.usage);
    expect(below?.message).toBe(`${path.join(file, 'sub')} cannot be a folder: ${file} is a file.`);
  });
});
