import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
import { rcloneAs } from '../../support/tenant.js';
import type { Check } from '../../../src/doctor/checks.js';
import { notes, rcloneProcessesFor, spawnCli, useServer, waitFor } from '../bisync/helpers.js';

const { newPair } = useServer();
const started: number[] = [];
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Ended already.
    }
  }
});

describe('chaos: no stuck states', () => {
  it('B1: after kill -9 of the CLI, the next run stops the rclone it left running and syncs (no "another bisync running")', async () => {
    const pair = await newPair();
    await pair.writeLocal('first.md', 'first\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    for (let index = 0; index < 1500; index += 1) await pair.writeLocal(`bulk/note-${index}.md`, `note ${index}\n`);
    const workdir = statePaths(pair.user.stateDir).bisyncWorkdir(pair.tenant.tenantId);
    const cli = spawnCli(pair.user, ['cloud', 'bisync']);
    await waitFor(async () => (await fs.readdir(workdir)).some((name) => name.endsWith('.lck')), 30_000, 'rclone to take its lock');
    const [orphan] = await waitFor(async () => {
      const pids = await rcloneProcessesFor(pair.local);
      return pids.length > 0 && pids;
    }, 30_000, 'rclone to show in /proc');
    if (orphan === undefined) throw new Error('no rclone process found');
    // Hung, as on a stalled network: it would hold its lock for as long as it lives. Stopped before
    // the CLI dies, since a running rclone's next log line into the dead CLI's pipe would end it.
    started.push(orphan);
    process.kill(orphan, 'SIGSTOP');
    cli.child.kill('SIGKILL');
    await cli.exit;
    expect(await rcloneProcessesFor(pair.local), 'rclone outlives the killed CLI').toEqual([orphan]);

    const next = await pair.bisync();
    expect(await rcloneProcessesFor(pair.local)).toEqual([]);
    // Killed mid-run, rclone 1.60 leaves no listings (the next run is a recovery baseline); 1.66+ may.
    const settled = next.exitCode === 0 ? next : await pair.bisync();
    expect(settled.exitCode, `${next.stderr}\n---\n${settled.stderr}`).toBe(0);
    expect(next.stderr).not.toContain('another bisync of this folder running');
    expect(next.stderr).toContain(`Stopped the rclone a killed earlier run left running (pid ${orphan})`);
    expect(notes(await pair.cloudFiles())).toHaveLength(1501);
  });

  it('B7: a lock whose pid now runs another program is stale for the run and for `cloud doctor`', async () => {
    const pair = await newPair();
    await pair.writeLocal('a.md', 'a\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    const unrelated = spawn('sleep', ['120'], { stdio: 'ignore' });
    started.push(unrelated.pid ?? 0);
    const paths = statePaths(pair.user.stateDir);
    await fs.writeFile(paths.bisyncLock(pair.tenant.tenantId), `${JSON.stringify({ pid: unrelated.pid, startedAt: '2026-01-01T00:00:00Z', watch: false })}\n`);
    await fs.writeFile(path.join(paths.bisyncWorkdir(pair.tenant.tenantId), 'session.lck'), String(unrelated.pid));

    const doctor = await pair.user.run(['cloud', 'doctor', '--json']);
    const locks = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks.find((check) => check.name === 'locks');
    expect(locks).toMatchObject({ status: 'warn', detail: expect.stringContaining(`(pid ${unrelated.pid}, now another program)`) });

    await pair.writeLocal('b.md', 'b\n');
    const run = await pair.bisync();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await pair.readCloud('b.md')).toBe('b\n');
    expect(unrelated.exitCode, 'the unrelated process is left alone').toBeNull();
    const after = await pair.user.run(['cloud', 'doctor', '--json']);
    expect((JSON.parse(after.stdout) as { checks: Check[] }).checks.find((check) => check.name === 'locks')).toMatchObject({ status: 'ok' });
  });

  it('B2: a note changed to the same content on both sides is no conflict unless rclone kept copies, and every "kept" copy exists', async () => {
    const pair = await newPair();
    await pair.writeLocal('same.md', 'v1\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    await pair.writeLocal('same.md', 'v2 typed on both machines\n', new Date(Date.now() - 60_000));
    await pair.writeCloud('same.md', 'v2 typed on both machines\n');
    const result = await pair.bisync('--json');
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { conflicts: { path: string; copies: string[] }[] };
    for (const conflict of report.conflicts) {
      expect(conflict.copies.length, `${conflict.path} counted as a conflict with no copy kept`).toBeGreaterThan(0);
      for (const copy of conflict.copies) expect(await pair.readLocal(copy), copy).toBeDefined();
    }
    expect(result.stderr).not.toMatch(/kept:\s*$/m);
    expect(await pair.readLocal('same.md')).toBe('v2 typed on both machines\n');
    expect(await pair.readCloud('same.md')).toBe('v2 typed on both machines\n');
  });

  it('B2: rclone killed mid-upload of 300 notes: the recovery leaves no identical copy on either side and counts no conflict', async () => {
    const pair = await newPair();
    await pair.writeLocal('first.md', 'first\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    // Big enough that the upload takes seconds, so rclone can be caught halfway.
    const body = (index: number) => `note ${index}\n${'x'.repeat(200_000)}\n`;
    for (let index = 0; index < 300; index += 1) await pair.writeLocal(`bulk/note-${index}.md`, body(index));
    const cli = spawnCli(pair.user, ['cloud', 'bisync']);
    const uploaded = async () => notes(await pair.cloudFiles()).length - 1;
    await waitFor(async () => (await uploaded()) >= 20, 60_000, 'rclone to upload some notes');
    for (const pid of await rcloneProcessesFor(pair.local)) process.kill(pid, 'SIGKILL');
    expect(await cli.exit, cli.stderr()).not.toBe(0);
    const before = await uploaded();
    expect(before, 'rclone was stopped halfway through the upload').toBeGreaterThan(0);
    expect(before).toBeLessThan(300);

    const first = await pair.bisync('--json');
    const recovery = first.exitCode === 0 ? first : await pair.bisync('--json');
    expect(recovery.exitCode, `${first.stderr}\n---\n${recovery.stderr}`).toBe(0);
    const runs = first === recovery ? [first] : [first, recovery];
    for (const run of runs) {
      const report = JSON.parse(run.stdout) as { conflicts?: unknown[]; error?: unknown };
      expect(report.conflicts ?? [], run.stderr).toEqual([]);
    }
    // Every note once, on both sides, with its own content, and nothing beside it.
    const expected = ['first.md', ...Array.from({ length: 300 }, (_, index) => `bulk/note-${index}.md`)].sort();
    for (const files of [await pair.localFiles(), await pair.cloudFiles()]) expect(notes(files)).toEqual(expected);
    expect(await pair.readCloud('bulk/note-7.md')).toBe(body(7));
  }, 240_000);

  it('B6: the same name in NFC here and NFD in the cloud ends in a working pair within two runs, both versions kept, no empty "kept:"', async () => {
    const pair = await newPair();
    await pair.writeLocal('x.md', 'x\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    await pair.writeLocal('café.md'.normalize('NFC'), 'written here (NFC)\n');
    await pair.writeCloud('café.md'.normalize('NFD'), 'written in the cloud (NFD)\n');
    const first = await pair.bisync();
    const second = first.exitCode === 0 ? first : await pair.bisync();
    expect(second.exitCode, `${first.stderr}\n---\n${second.stderr}`).toBe(0);
    for (const output of [first.stderr, second.stderr]) expect(output).not.toMatch(/kept:\s*($|\))/m);
    const third = await pair.bisync();
    expect(third.exitCode, third.stderr).toBe(0);
    const contents = async (files: string[], read: (file: string) => Promise<string | undefined>) => Promise.all(notes(files).map(read));
    for (const side of [await contents(await pair.localFiles(), pair.readLocal), await contents(await pair.cloudFiles(), pair.readCloud)]) {
      expect(side).toContain('written here (NFC)\n');
      expect(side).toContain('written in the cloud (NFD)\n');
    }
  });

  it('a 90% delete here stops (exit 5) with a command that allows it; that command and --resync apply it, keeping the rest', async () => {
    const pair = await newPair();
    for (let index = 0; index < 10; index += 1) await pair.writeLocal(`n${index}.md`, `note ${index}\n`);
    expect((await pair.bisync()).exitCode).toBe(0);
    for (let index = 1; index < 10; index += 1) await fs.rm(path.join(pair.local, `n${index}.md`));
    const stopped = await pair.bisync();
    expect(stopped.exitCode, stopped.stderr).toBe(5);
    expect(notes(await pair.cloudFiles())).toHaveLength(10);
    expect(stopped.stderr).not.toContain('--profile fast');
    const command = /apply them to the other side with `([^`]+)`/.exec(stopped.stderr)?.[1];
    expect(command, stopped.stderr).toBeDefined();
    const applied = await new Promise<number>((resolve) => spawn('sh', ['-c', command ?? 'false'], { env: pair.user.env, stdio: 'ignore' }).on('exit', (code) => resolve(code ?? 1)));
    expect(applied).toBe(0);
    expect(stopped.stderr).toContain('`basic-memory cloud bisync --resync`');
    const resync = await pair.bisync('--resync');
    expect(resync.exitCode, resync.stderr).toBe(0);
    expect(notes(await pair.cloudFiles())).toEqual(['n0.md']);
    expect(notes(await pair.localFiles())).toEqual(['n0.md']);
    expect((await pair.bisync()).exitCode).toBe(0);
  });

  it('B5: the bucket emptied from elsewhere ends in a working pair within two runs or one sentence with exit 5, never "usually temporary"', async () => {
    const pair = await newPair();
    for (let index = 0; index < 5; index += 1) await pair.writeLocal(`n${index}.md`, `note ${index}\n`);
    expect((await pair.bisync()).exitCode).toBe(0);
    await rcloneAs(pair.user, ['delete', `${pair.tenant.remoteName}:${pair.tenant.bucketName}`]);
    const first = await pair.bisync();
    expect(first.stderr).not.toContain('usually temporary');
    expect([5, 6], first.stderr).toContain(first.exitCode);
    if (first.exitCode === 5) {
      expect(first.stderr).toContain('one side (the folder or the cloud) is empty now');
      expect(first.stderr).toContain('`basic-memory cloud bisync --resync`');
      expect((await pair.bisync()).exitCode, 'the same stop, not a loop of failures').toBe(5);
    }
    const second = await pair.bisync(...(first.exitCode === 5 ? ['--resync'] : []));
    expect(second.exitCode, second.stderr).toBe(0);
    expect(notes(await pair.cloudFiles())).toHaveLength(5);
    expect(notes(await pair.localFiles())).toHaveLength(5);
    expect((await pair.bisync()).exitCode).toBe(0);
  });

  it('B4: a name too long for the store is left out and reported; the rest of the folder syncs within two runs', async () => {
    const pair = await newPair();
    await pair.writeLocal('x.md', 'x\n');
    expect((await pair.bisync()).exitCode).toBe(0);
    // Over S3's 1,024-byte key limit, which the store enforces (KeyTooLongError); each folder name
    // stays under the local file system's 255 bytes.
    const long = `${`${'d'.repeat(250)}/`.repeat(4)}${'n'.repeat(40)}.md`;
    await pair.writeLocal(long, 'long\n');
    await pair.writeLocal('y.md', 'y\n');
    const first = await pair.bisync();
    const second = first.exitCode === 0 ? first : await pair.bisync();
    expect(second.exitCode, `${first.stderr}\n---\n${second.stderr}`).toBe(0);
    expect(second.stderr).toContain('Not synced: a note whose name is too long for the cloud (dddd');
    expect(await pair.readCloud('y.md')).toBe('y\n');
    expect(await pair.readLocal(long), 'the note stays in the folder').toBe('long\n');
    await pair.writeLocal('z.md', 'z\n');
    const later = await pair.bisync();
    expect(later.exitCode, later.stderr).toBe(0);
    expect(later.stderr).toContain('Not synced: a note whose name is too long');
    expect(await pair.readCloud('z.md')).toBe('z\n');
    // Renamed to a shorter name, it syncs and is no longer reported.
    await fs.rename(path.join(pair.local, long), path.join(pair.local, 'short.md'));
    const renamed = await pair.bisync();
    expect(renamed.exitCode, renamed.stderr).toBe(0);
    expect(renamed.stderr).not.toContain('Not synced');
    expect(await pair.readCloud('short.md')).toBe('long\n');
  }, 240_000);

  it('B3: a folder replaced by a file of the same name in the cloud ends in a working pair within two runs, keeping the file and the folder\'s notes', async () => {
    const pair = await newPair();
    await pair.writeLocal('proj/a.md', 'a\n');
    await pair.writeLocal('proj/unsynced-yet.md', 'typed here\n');
    for (let index = 0; index < 10; index += 1) await pair.writeLocal(`n${index}.md`, `note ${index}\n`);
    expect((await pair.bisync()).exitCode).toBe(0);
    await pair.deleteCloud('proj/a.md');
    await pair.deleteCloud('proj/unsynced-yet.md');
    await pair.writeCloud('proj', 'now a file\n');
    const first = await pair.bisync();
    const second = first.exitCode === 0 ? first : await pair.bisync();
    expect(second.exitCode, `${first.stderr}\n---\n${second.stderr}`).toBe(0);
    expect(first.stderr + second.stderr).toContain('The cloud has a file proj where this folder had a folder: the folder is now proj (folder)');
    expect((await pair.bisync()).exitCode).toBe(0);
    for (const read of [pair.readLocal, pair.readCloud]) {
      expect(await read('proj')).toBe('now a file\n');
      expect(await read('proj (folder)/unsynced-yet.md')).toBe('typed here\n');
    }
  });
});
