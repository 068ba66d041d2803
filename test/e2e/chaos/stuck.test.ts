import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statePaths } from '../../../src/core/paths.js';
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
    const [orphan] = await rcloneProcessesFor(pair.local);
    cli.child.kill('SIGKILL');
    await cli.exit;
    // Hung, as on a stalled network: it would hold its lock for as long as it lives.
    started.push(orphan ?? 0);
    process.kill(orphan ?? 0, 'SIGSTOP');
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
});
