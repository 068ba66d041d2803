import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cachedHash, folderExcludedBy, fastPathBlocker, filtersUnderstood, parseListingStrict, parseLsjson, sameAsListing, settledAt, walkFolder,
  type FastPathPreconditions, type SideFiles, WATCHED_EDIT,
} from '../../../src/bisync/fast-path.js';
import { compileFilterRules } from '../../../src/bisync/filters.js';

const header = '# bisync listing v1 from 2026-11-29T15:00:00.000000000+0000\n';
const noTime = '0001-01-01T00:00:00.000000000+0000';
const md5 = (char: string) => char.repeat(32);
const line = (name: string, size: number, hash: string) => `-  ${String(size).padStart(8)} ${hash} - ${noTime} ${JSON.stringify(name)}\n`;

describe('parseListingStrict', () => {
  it('reads the checksum listing of rclone 1.66+', () => {
    const listing = parseListingStrict(`${header}${line('a.md', 12, `md5:${md5('a')}`)}${line('dir/"quoted" b.md', 3, '-')}`);
    expect(listing).toEqual(new Map([
      ['a.md', { size: 12, md5: md5('a') }],
      ['dir/"quoted" b.md', { size: 3, md5: undefined }],
    ]));
  });

  it.each([
    ['no header', line('a.md', 1, '-')],
    ['another listing version', `# bisync listing v2 from x\n${line('a.md', 1, '-')}`],
    ['a folder line (d flag)', `${header}d        0 - - ${noTime} "dir"\n`],
    ['another hash type', `${header}${line('a.md', 1, `sha1:${'b'.repeat(40)}`)}`],
    ['a name that is not JSON', `${header}-        1 - - ${noTime} "a\\q.md"\n`],
    ['a stray line', `${header}garbage\n`],
  ])('any doubt (%s) → undefined', (_why, text) => {
    expect(parseListingStrict(text)).toBeUndefined();
  });
});

describe('sameAsListing', () => {
  const listing: SideFiles = new Map([['a.md', { size: 5, md5: md5('a') }], ['b.md', { size: 7, md5: md5('b') }]]);
  it.each([
    ['the same files, sizes and hashes', [['a.md', 5, md5('a')], ['b.md', 7, md5('b')]], true],
    ['one byte changed: same size, another hash', [['a.md', 5, md5('c')], ['b.md', 7, md5('b')]], false],
    ['a file resized', [['a.md', 6, md5('a')], ['b.md', 7, md5('b')]], false],
    ['a new file', [['a.md', 5, md5('a')], ['b.md', 7, md5('b')], ['c.md', 1, md5('c')]], false],
    ['a deleted file', [['a.md', 5, md5('a')]], false],
    ['a file with no hash on the side', [['a.md', 5, undefined], ['b.md', 7, md5('b')]], false],
  ] as const)('%s → %s', (_why, files, same) => {
    expect(sameAsListing(listing, new Map(files.map(([name, size, hash]) => [name, { size, md5: hash }])))).toBe(same);
  });

  it('a listing line without a hash is never taken as unchanged', () => {
    const unhashed: SideFiles = new Map([['big.bin', { size: 9, md5: undefined }]]);
    expect(sameAsListing(unhashed, new Map([['big.bin', { size: 9, md5: undefined }]]))).toBe(false);
  });

});

describe('fastPathBlocker', () => {
  const session = 'home_notes..remote_bucket';
  const settled: FastPathPreconditions = {
    plan: { mode: 'sync' },
    dryRun: false,
    comparison: 'checksum',
    lastResult: 'ok',
    workdirNames: [`${session}.path1.lst`, `${session}.path2.lst`, `${session}.path1.lst-old`, `${session}.path2.lst-old`, 'folder-hashes.json'],
    session,
    filters: '# clutter\n- .DS_Store\n- .git/**\n+ *.md\n- *.tmp\n',
    refusedNames: 0,
    watchedEdit: false,
  };

  it('a settled pair may be compared', () => {
    expect(fastPathBlocker(settled)).toBeUndefined();
  });

  it.each<[string, Partial<FastPathPreconditions>]>([
    ['a baseline', { plan: { mode: 'baseline', why: 'first-run', announce: undefined } }],
    ['a dry run', { dryRun: true }],
    ['rclone 1.60 (modtime listings)', { comparison: 'modtime' }],
    ['a pair switching comparisons', { comparison: 'switching' }],
    ['no run recorded', { lastResult: undefined }],
    ['a safety stop last time', { lastResult: 'safety-stop' }],
    ['rclone\'s lock', { workdirNames: [...settled.workdirNames, `${session}.lck`] }],
    ['an unfinished run\'s listing', { workdirNames: [...settled.workdirNames, `${session}.path1.lst-err`] }],
    ['a new listing not yet moved in place', { workdirNames: [...settled.workdirNames, `${session}.path2.lst-new`] }],
    ['a brace filter', { filters: '- *.{tmp,bak}\n' }],
    ['a clear-all filter line', { filters: '- *.tmp\n!\n' }],
    ['a regular expression filter', { filters: '- {{.*\\.bak}}\n' }],
    ['names refused by the cloud', { refusedNames: 1 }],
    ['a note edited while watching', { watchedEdit: true }],
  ])('%s → rclone runs', (_why, change) => {
    expect(fastPathBlocker({ ...settled, ...change })).toEqual(expect.any(String));
  });

  it('a watched edit is the last reason: given alone, every other condition held (the upload of a save first relies on it)', () => {
    expect(fastPathBlocker({ ...settled, watchedEdit: true })).toBe(WATCHED_EDIT);
    expect(fastPathBlocker({ ...settled, watchedEdit: true, lastResult: 'failed' })).not.toBe(WATCHED_EDIT);
    expect(fastPathBlocker({ ...settled, watchedEdit: true, filters: '- *.{tmp,bak}\n' })).not.toBe(WATCHED_EDIT);
  });

  it('filtersUnderstood accepts the default filters file', async () => {
    const text = await fs.readFile(new URL('../../../filters/bisync-filters.txt', import.meta.url), 'utf8');
    expect(filtersUnderstood(text)).toBe(true);
  });
});

describe('folderExcludedBy', () => {
  const excluded = compileFilterRules('- .git/**\n- node_modules/\n- *.tmp\n- draft\n');
  it.each([
    ['.git', true],
    ['sub/.git/objects', true],
    ['node_modules', true],
    ['a/node_modules/b', true],
    // A file rule never leaves out a folder: rclone lists what it holds.
    ['cache.tmp', false],
    ['draft', false],
    ['notes/deep', false],
  ])('%s → %s', (folder, expected) => {
    expect(folderExcludedBy(folder, excluded)).toBe(expected);
  });
});

describe('the MD5 cache by stat', () => {
  const stat = { size: 5n, mtimeNs: 1_000_000_000_000n, ctimeNs: 1_000_000_000_000n, ino: 42n };
  const entry = { size: 5, mtimeNs: '1000000000000', ctimeNs: '1000000000000', ino: '42', md5: md5('a') };
  it.each([
    ['the same stat', stat, md5('a')],
    ['another mtime', { ...stat, mtimeNs: stat.mtimeNs + 1n }, undefined],
    ['another ctime (times put back with utimes)', { ...stat, ctimeNs: stat.ctimeNs + 1n }, undefined],
    ['another inode (replaced by rename)', { ...stat, ino: 43n }, undefined],
    ['another size', { ...stat, size: 6n }, undefined],
  ])('%s → %s', (_why, now, expected) => {
    expect(cachedHash(entry, now)).toBe(expected);
  });

  it('keeps a hash only for a file last changed more than 2 s before', () => {
    expect(settledAt(stat, 1_000_000 + 2_001)).toBe(true);
    expect(settledAt(stat, 1_000_000 + 1_999)).toBe(false);
    expect(settledAt({ ...stat, ctimeNs: stat.ctimeNs + 1_000_000_000n }, 1_000_000 + 2_001)).toBe(false);
  });
});

describe('parseLsjson', () => {
  it('reads files with their MD5; a file with none has undefined', () => {
    const text = JSON.stringify([
      { Path: 'a.md', Name: 'a.md', Size: 5, ModTime: '', IsDir: false, Hashes: { md5: md5('a') } },
      { Path: 'parts.bin', Name: 'parts.bin', Size: 9, ModTime: '', IsDir: false, Hashes: {} },
      { Path: 'dir', Name: 'dir', Size: -1, ModTime: '', IsDir: true },
    ]);
    expect(parseLsjson(text)).toEqual(new Map([['a.md', { size: 5, md5: md5('a') }], ['parts.bin', { size: 9, md5: undefined }]]));
  });

  it.each([['not JSON', '[{'], ['not a list', '{}'], ['an entry without a path', '[{"Size":1}]']])('%s → undefined', (_why, text) => {
    expect(parseLsjson(text)).toBeUndefined();
  });
});

describe('walkFolder', () => {
  let dir: string;
  let root: string;
  let cacheFile: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fast-path-'));
    root = path.join(dir, 'notes');
    cacheFile = path.join(dir, 'hashes.json');
    await fs.mkdir(path.join(root, 'sub'), { recursive: true });
    await fs.mkdir(path.join(root, '.git'), { recursive: true });
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const excluded = compileFilterRules('- .git/**\n- *.tmp\n');
  const hashOf = async (text: string) => (await import('node:crypto')).createHash('md5').update(text).digest('hex');

  it('lists regular files with their MD5, leaving out filtered files and symbolic links', async () => {
    await fs.writeFile(path.join(root, 'a.md'), 'alpha');
    await fs.writeFile(path.join(root, 'sub', 'b.md'), 'bravo!');
    await fs.writeFile(path.join(root, 'x.tmp'), 'temp');
    await fs.writeFile(path.join(root, '.git', 'HEAD'), 'ref');
    await fs.symlink(path.join(root, 'a.md'), path.join(root, 'link.md'));
    const listing: SideFiles = new Map([['a.md', { size: 5, md5: await hashOf('alpha') }], ['sub/b.md', { size: 6, md5: await hashOf('bravo!') }]]);
    const files = await walkFolder(root, excluded, listing, cacheFile);
    expect(files).toEqual(listing);
  });

  it('sees a same-size edit whose modification time was put back, with the old hash cached', async () => {
    const file = path.join(root, 'a.md');
    await fs.writeFile(file, 'alpha');
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(file, old, old);
    const listing: SideFiles = new Map([['a.md', { size: 5, md5: await hashOf('alpha') }]]);
    // The cache keeps a hash for a file changed more than 2 s before: wait that long after the write.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(sameAsListing(listing, await walkFolder(root, excluded, listing, cacheFile))).toBe(true);
    expect(Object.keys(JSON.parse(await fs.readFile(cacheFile, 'utf8')) as object)).toEqual(['a.md']);

    await fs.writeFile(file, 'alphA');
    await fs.utimes(file, old, old);
    const after = await walkFolder(root, excluded, listing, cacheFile);
    expect(after.get('a.md')).toEqual({ size: 5, md5: await hashOf('alphA') });
    expect(sameAsListing(listing, after)).toBe(false);
  });
});
