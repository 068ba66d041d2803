import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupName, backupsToPrune, configPathFromOutput, readRemote, renderS3Remote, writeRemote } from '../../../src/rclone/config-file.js';
import { parseIni, replaceSection } from '../../../src/rclone/ini.js';
import { CliError } from '../../../src/core/errors.js';

const credentials = { endpointUrl: 'http://127.0.0.1:8766', region: 'auto', accessKey: 'tid_new', secretKey: 'new-secret-0123456789' };
const handWritten = `# my remotes, keep this comment
[gdrive]
type = drive
scope = drive
token = {"access_token":"x"}

; work things
[work]
type = sftp
host = example.com
`;

describe('parseIni', () => {
  it('reads sections, entries and comments the way rclone does', () => {
    const parsed = parseIni(handWritten);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.sections.map((section) => section.name)).toEqual(['gdrive', 'work']);
    expect(parsed.sections[0]?.entries).toEqual({ type: 'drive', scope: 'drive', token: '{"access_token":"x"}' });
  });

  it.each([
    ['a stray line', '[a]\ntype = s3\nthis is not ini\n', 3, /neither/],
    ['a key before any section', 'type = s3\n[a]\n', 1, /before any/],
    ['a duplicate remote', '[a]\ntype = s3\n[a]\ntype = s3\n', 3, /defined twice/],
    ['an empty header', '[]\n', 1, /no name/],
    ['an encrypted config', '# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\nabc\n', 1, /encrypted/],
  ])('refuses %s', (_name, text, line, problem) => {
    const parsed = parseIni(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.line).toBe(line);
    expect(parsed.problem).toMatch(problem);
  });
});

describe('replaceSection', () => {
  const replace = (text: string, entries: Record<string, string>) => {
    const parsed = parseIni(text);
    if (!parsed.ok) throw new Error(parsed.problem);
    return replaceSection(text, parsed.sections, 'bm', entries);
  };

  it('appends a new section after a blank line and keeps the rest byte for byte', () => {
    const result = replace(handWritten, { type: 's3' });
    expect(result.startsWith(handWritten)).toBe(true);
    expect(result.slice(handWritten.length)).toBe('\n[bm]\ntype = s3\n');
  });

  it('replaces only the named section, keeping the comment that introduces the next remote', () => {
    const text = `[bm]\ntype = s3\naccess_key_id = old\n\n; work things\n[work]\ntype = sftp\n`;
    expect(replace(text, { type: 's3', access_key_id: 'new' })).toBe(`[bm]\ntype = s3\naccess_key_id = new\n\n; work things\n[work]\ntype = sftp\n`);
  });

  it('keeps Windows line endings and a missing final newline elsewhere', () => {
    const text = '[work]\r\ntype = sftp\r\n\r\n[bm]\r\ntype = s3\r\n\r\n[last]\r\ntype = local';
    expect(replace(text, { type: 's3', region: 'auto' })).toBe('[work]\r\ntype = sftp\r\n\r\n[bm]\r\ntype = s3\r\nregion = auto\r\n\r\n[last]\r\ntype = local');
  });

  it('writes an empty file as just the section', () => {
    expect(replace('', { type: 's3' })).toBe('[bm]\ntype = s3\n');
  });
});

describe('naming', () => {
  it('names backups after local time as the contract says', () => {
    expect(backupName('/c/rclone.conf', new Date(2026, 10, 28, 9, 5, 7))).toBe('/c/rclone.conf.bak-20261128-090507');
  });

  it('prunes all but the newest five backups of this config only', () => {
    const names = [
      'rclone.conf', 'other.conf.bak-20200101-000000',
      'rclone.conf.bak-20261128-090507', 'rclone.conf.bak-20261128-090507-1', 'rclone.conf.bak-20250101-000000',
      'rclone.conf.bak-20261001-120000', 'rclone.conf.bak-20261127-235959', 'rclone.conf.bak-20240101-000000',
    ];
    expect(backupsToPrune('rclone.conf', names)).toEqual(['rclone.conf.bak-20240101-000000']);
  });

  it('reads the path from either form of `rclone config file`', () => {
    expect(configPathFromOutput('Configuration file is stored at:\n/home/a/.config/rclone/rclone.conf\n')).toBe('/home/a/.config/rclone/rclone.conf');
    expect(configPathFromOutput("Configuration file doesn't exist, but rclone will use this path:\n/tmp/x.conf\n")).toBe('/tmp/x.conf');
    expect(configPathFromOutput('Configuration file is stored at:\n')).toBeUndefined();
  });

  it('renders a bucket-scoped S3 remote that never tries to create the bucket', () => {
    expect(renderS3Remote(credentials)).toMatchObject({ type: 's3', provider: 'Other', no_check_bucket: 'true', endpoint: credentials.endpointUrl });
  });
});

describe('writeRemote', () => {
  let dir: string;
  let config: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-conf-'));
    config = path.join(dir, 'rclone', 'rclone.conf');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates a missing config 0600 with no backup', async () => {
    const result = await writeRemote(config, 'bm', credentials);
    expect(result).toEqual({ backupPath: undefined, previous: undefined });
    expect((await fs.stat(config)).mode & 0o777).toBe(0o600);
    expect(await readRemote(config, 'bm')).toMatchObject({ access_key_id: 'tid_new' });
  });

  it('backs up before replacing and returns the replaced keys', async () => {
    await fs.mkdir(path.dirname(config), { recursive: true });
    const before = `${handWritten}\n[bm]\ntype = s3\naccess_key_id = tid_old\n`;
    await fs.writeFile(config, before, { mode: 0o644 });
    const now = new Date(2026, 10, 28, 9, 5, 7);
    const result = await writeRemote(config, 'bm', credentials, { now });
    expect(result.previous).toMatchObject({ access_key_id: 'tid_old' });
    expect(result.backupPath).toBe(`${config}.bak-20261128-090507`);
    expect(await fs.readFile(result.backupPath!, 'utf8')).toBe(before);
    expect((await fs.stat(result.backupPath!)).mode & 0o777).toBe(0o600);
    const after = await fs.readFile(config, 'utf8');
    expect(after.startsWith(handWritten)).toBe(true);
    expect((await fs.stat(config)).mode & 0o777).toBe(0o600);
    // A second write in the same second keeps the first backup.
    const again = await writeRemote(config, 'bm', credentials, { now });
    expect(again.backupPath).toBe(`${config}.bak-20261128-090507-1`);
  });

  it('keeps only the last five backups', async () => {
    await fs.mkdir(path.dirname(config), { recursive: true });
    await fs.writeFile(config, '');
    for (let second = 0; second < 8; second++) await writeRemote(config, 'bm', credentials, { now: new Date(2026, 0, 1, 0, 0, second) });
    const backups = (await fs.readdir(path.dirname(config))).filter((name) => name.includes('.bak-')).sort();
    expect(backups).toHaveLength(5);
    expect(backups[0]).toBe('rclone.conf.bak-20260101-000003');
  });

  it('writes through a symlinked config instead of replacing the link', async () => {
    const real = path.join(dir, 'dotfiles', 'rclone.conf');
    await fs.mkdir(path.dirname(real), { recursive: true });
    await fs.writeFile(real, handWritten);
    await fs.mkdir(path.dirname(config), { recursive: true });
    await fs.symlink(real, config);
    await writeRemote(config, 'bm', credentials);
    expect((await fs.lstat(config)).isSymbolicLink()).toBe(true);
    expect(await readRemote(real, 'bm')).toMatchObject({ access_key_id: 'tid_new' });
  });

  it('leaves a config it cannot parse untouched and says which line', async () => {
    await fs.mkdir(path.dirname(config), { recursive: true });
    const broken = '[gdrive]\ntype = drive\n<<<<<<< HEAD\n';
    await fs.writeFile(config, broken);
    const error = await writeRemote(config, 'bm', credentials).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/line 3/);
    expect(await fs.readFile(config, 'utf8')).toBe(broken);
    expect(await fs.readdir(path.dirname(config))).toEqual(['rclone.conf']);
  });
});
