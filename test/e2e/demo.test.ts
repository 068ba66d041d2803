import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

// The README's main job (`npm run demo`) must keep working: it is the first thing a new user runs.
describe('npm run demo', () => {
  it('logs in, sets up, syncs both ways and prints both status commands on the reference server', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(repoRoot, 'scripts', 'demo.js')], { cwd: repoRoot, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(stderr).not.toMatch(/The demo failed/);
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to tenant/);
    expect(stderr).toMatch(/Basic Memory cloud is set up/);
    expect(stderr).toMatch(/Synced: 3 to the cloud/);
    expect(stderr).toMatch(/- edited in the cloud/);
    // The status commands print their reports on stdout.
    expect(stdout).toMatch(/last run:/);
    expect(stdout + stderr).toMatch(/Not mounted/);
  });
});
