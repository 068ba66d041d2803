import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeTestUser, repoRoot, runCli } from '../support/cli.js';

function runDemo(args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'scripts', 'demo.js'), ...args], { cwd: repoRoot, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// The README's main job (`npm run demo`) must keep working: it is the first thing a new user runs.
describe('npm run demo', () => {
  it('logs in, sets up, syncs both ways and prints both status commands on the reference server', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).not.toMatch(/The demo failed/);
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to tenant/);
    expect(stderr).toMatch(/Basic Memory cloud is set up/);
    expect(stderr).toMatch(/Synced: 3 to the cloud/);
    expect(stderr).toMatch(/- edited in the cloud/);
    // The status commands print their reports on stdout.
    expect(stdout).toMatch(/last run:/);
    expect(stdout + stderr).toMatch(/Not mounted/);
    // Not a terminal: no escape codes anywhere; and the way to keep the demo's files is said.
    expect(stdout + stderr).not.toContain('\x1b');
    expect(stderr).toContain('npm run demo -- --keep');
  });

  it('--keep keeps a setup that works again once the printed command restarts its server', async () => {
    const { code, stderr } = await runDemo(['--keep']);
    expect(code).toBe(0);
    const work = /Kept the demo files in (\S+) /.exec(stderr)?.[1] ?? '';
    onTestFinished(() => fs.rm(work, { recursive: true, force: true }));
    const restart = /^ {2}node (\S+) (start .*)$/m.exec(stderr);
    expect(restart).not.toBeNull();
    const server = spawn(process.execPath, [restart![1]!, ...restart![2]!.split(' ')], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void server.kill('SIGTERM'));
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      server.stdout.on('data', (chunk: Buffer) => ((seen += chunk.toString()).includes('Data dir:') ? resolve() : undefined));
      server.once('exit', (exitCode) => reject(new Error(`the server exited with ${exitCode}`)));
    });
    const home = /^ {2}HOME=(\S+) /m.exec(stderr)?.[1] ?? '';
    const user = await makeTestUser();
    onTestFinished(() => user.cleanup());
    const env = { ...user.env, HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') };
    const status = await runCli(['cloud', 'status', '--json'], env);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ login: { state: 'accepted' }, setup: { mode: 'bisync' } });
    // The kept rclone remote reaches the restarted store too.
    expect((await runCli(['cloud', 'bisync'], env)).exitCode).toBe(0);
  });
});
