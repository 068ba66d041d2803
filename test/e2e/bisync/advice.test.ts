import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { spawnCli, useServer, waitFor, type Pair } from './helpers.js';

// Issue 13: advice that works where it is given, bad folders, and Ctrl-C as `bisync-status` records it.

const execFileAsync = promisify(execFile);
const { newPair } = useServer();

async function syncedPairWith(count: number): Promise<Pair> {
  const pair = await newPair();
  for (let index = 0; index < count; index += 1) await pair.writeLocal(`note-${index}.md`, `note ${index}\n`);
  const first = await pair.bisync();
  expect(first.exitCode, first.stderr).toBe(0);
  return pair;
}

/** The lines a person reads on stderr, blank ones left out. */
const linesOf = (stderr: string) => stderr.split('\n').filter((line) => line.trim() !== '');

describe('a folder that cannot hold the notes', () => {
  it('--path to a file is exit 2 with one sentence', async () => {
    const pair = await syncedPairWith(1);
    const file = path.join(pair.user.home, 'a-note.md');
    await fs.writeFile(file, 'not a folder\n');
    const result = await pair.bisync('--path', file);
    expect(result.exitCode).toBe(2);
    expect(linesOf(result.stderr)[0]).toBe(`Error: ${file} is a file, not a folder.`);
    expect(result.stderr).not.toMatch(/Unexpected|EEXIST|report it/);
    expect(await fs.readFile(file, 'utf8')).toBe('not a folder\n');
  });

  it('a folder on a read-only file system is exit 2 with one sentence', async () => {
    const pair = await syncedPairWith(1);
    const readOnly = path.join(pair.user.home, 'read-only');
    await fs.mkdir(readOnly);
    await execFileAsync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
    try {
      const folder = path.join(readOnly, 'notes');
      const result = await pair.bisync('--path', folder);
      expect(result.exitCode).toBe(2);
      expect(linesOf(result.stderr)[0]).toBe(`Error: ${folder} is on a read-only file system.`);
      expect(result.stderr).not.toMatch(/Unexpected|EROFS|report it/);
    } finally {
      await execFileAsync('umount', [readOnly]);
    }
  });
});

describe('advice that works in context', () => {
  it('--dry-run lists what a real run would stop on and exits 0; the real run stops with 5', async () => {
    const pair = await syncedPairWith(10);
    for (const index of [0, 1, 2, 3, 4]) await fs.rm(path.join(pair.local, `note-${index}.md`));
    const dry = await pair.bisync('--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('Dry run: a real run would stop here (safety stop)');
    expect(dry.stderr).toContain('would delete in the cloud: note-3.md');
    expect(dry.stderr).not.toContain('`--dry-run` shows the list');
    expect(await pair.readCloud('note-3.md')).toBe('note 3\n');
    expect((await pair.bisync()).exitCode).toBe(5);
  });

  it('a revoked key points at `cloud setup`, not at trying again', async () => {
    const pair = await syncedPairWith(1);
    const api = (method: string, url: string) => fetch(`${pair.user.env.BASIC_MEMORY_CLOUD_URL}${url}`, { method, headers: { authorization: `Bearer ${pair.tenant.token}` } });
    const { credentials } = (await (await api('GET', '/tenant/mount/credentials')).json()) as { credentials: { id: string; access_key: string }[] };
    const ours = credentials.find((credential) => credential.access_key === pair.tenant.accessKey);
    expect((await api('DELETE', `/tenant/mount/credentials/${ours!.id}`)).ok).toBe(true);
    await pair.writeLocal('after-revoke.md', 'x\n');
    const result = await pair.bisync();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('run `basic-memory cloud setup` to make a new one');
    expect(result.stderr).not.toContain('usually temporary');
  });

  it('a rejected (expired) BASIC_MEMORY_TOKEN is renewed in the variable, not by `cloud login`', async () => {
    const pair = await newPair();
    // Signed by no one and expired in 1970: the cloud answers 401 as for any expired token.
    const result = await pair.user.run(['cloud', 'credentials', 'list'], { env: { BASIC_MEMORY_TOKEN: 'eyJhbGciOiJFZERTQSJ9.eyJleHAiOjF9.c2lnbmF0dXJl' } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('The token comes from BASIC_MEMORY_TOKEN: set it to a fresh token');
    expect(result.stderr).not.toMatch(/^Run `basic-memory cloud login`/m);
  });

  it('a safety stop inside --watch advises stopping the watch first, and says so once, not at every retry', async () => {
    const pair = await syncedPairWith(10);
    for (const index of [0, 1, 2, 3, 4]) await fs.rm(path.join(pair.local, `note-${index}.md`));
    const watch = spawnCli(pair.user, ['cloud', 'bisync', '--watch', '--interval', '2s']);
    // The first run stops, and the retry 5 s later stops again (each run is recorded).
    const stateFile = statePaths(pair.user.stateDir).bisyncState(pair.tenant.tenantId);
    const stoppedRuns = new Set<string>();
    await waitFor(async () => {
      const { lastRun } = JSON.parse(await fs.readFile(stateFile, 'utf8')) as { lastRun: { startedAt: string; result: string } };
      if (lastRun.result === 'safety-stop') stoppedRuns.add(lastRun.startedAt);
      return stoppedRuns.size >= 2;
    }, 40_000, 'two stopped runs').catch((error: Error) => {
      throw new Error(`${error.message}; the watch said:\n${watch.stderr()}`);
    });
    watch.child.kill('SIGINT');
    expect(await watch.exit).toBe(130);
    const stderr = watch.stderr();
    expect(stderr.match(/Stop this watch \(Ctrl-C\) or pause the sync service/g)).toHaveLength(1);
    // Off a terminal the status line is written once per run, with the time the failures began.
    const statusLines = stderr.match(/✗ retrying since \d\d:\d\d:\d\d: Safety stop/g) ?? [];
    expect(statusLines.length).toBeGreaterThanOrEqual(2);
    expect(new Set(statusLines).size).toBe(1);
    expect(await pair.readCloud('note-3.md')).toBe('note 3\n');
  });
});

describe('Ctrl-C during a one-shot bisync', () => {
  it('is recorded as interrupted in bisync-status, not ok, and says in one line what was done', async () => {
    const pair = await syncedPairWith(1);
    for (let index = 0; index < 12; index += 1) await pair.writeLocal(`big-${index}.md`, `${index}\n${'x'.repeat(40_000)}`);
    const run = spawnCli(pair.user, ['cloud', 'bisync'], { RCLONE_BWLIMIT: '200k' });
    const workdir = statePaths(pair.user.stateDir).bisyncWorkdir(pair.tenant.tenantId);
    await waitFor(async () => (await fs.readdir(workdir)).some((name) => name.endsWith('.lck')), 20_000, 'rclone to start');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(linesOf(run.stderr()).at(-1)).toMatch(/^Error: Interrupted: the rclone run under way finished \(12 to the cloud, 0 to this folder\); the steps after it were not run\./);
    const status = JSON.parse((await pair.user.run(['cloud', 'bisync-status', '--json'])).stdout) as { lastRun: { result: string }; lastSuccessAt: string };
    expect(status.lastRun.result).toBe('interrupted');
    const human = await pair.user.run(['cloud', 'bisync-status']);
    // One time format in human output: the local clock, not an ISO timestamp.
    expect(human.stdout).toMatch(/last run: +\d\d:\d\d:\d\d \(interrupted/);
  });
});
