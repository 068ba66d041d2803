import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRclone } from '../../../src/rclone/installer.js';
import { createRclone } from '../../../src/rclone/runner.js';
import { capturedOutput } from '../../support/captured-output.js';
import { cliBin } from '../../support/cli.js';

const NOBODY = 65534;
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-installer-'));
  await fs.chmod(dir, 0o755);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the rclone installer on this Debian machine, for real', () => {
  it('runs the real `apt-get install -y rclone` as root and finds the rclone it put in /usr/bin', async () => {
    expect(process.getuid?.()).toBe(0);
    // A PATH holding apt-get alone: rclone is "missing", so the installer must install it, then
    // find it where apt puts it although that folder is not on PATH.
    const onlyApt = path.join(dir, 'only-apt');
    await fs.mkdir(onlyApt);
    await fs.symlink('/usr/bin/apt-get', path.join(onlyApt, 'apt-get'));
    const env: NodeJS.ProcessEnv = { PATH: onlyApt, HOME: dir, LANG: 'C.UTF-8' };
    const rclone = createRclone({ binary: 'rclone', env });
    expect(await rclone.version()).toBeUndefined();
    const { output, stderr } = capturedOutput();

    const version = await ensureRclone({ rclone, output, platform: 'linux', env, canPrompt: false }, { skipInstall: false });

    expect(version.major).toBe(1);
    expect(version.minor).toBeGreaterThanOrEqual(58);
    expect(stderr()).toContain('Running apt-get install -y rclone');
    expect(stderr()).toContain('rclone was installed in /usr/bin, which is not on your PATH yet');
    // The rest of the run now finds it: PATH extended for us and for rclone's children, cache dropped.
    expect(env.PATH).toBe(`/usr/bin:${onlyApt}`);
    expect((await rclone.version())?.raw).toBe(version.raw);
  }, 300_000);

  it('as a user without root and without a terminal, `cloud setup` runs nothing and prints the sudo command (exit 4)', async () => {
    const home = path.join(dir, 'nobody-home');
    await fs.mkdir(home);
    await fs.chown(home, NOBODY, NOBODY);
    const env = { HOME: home, PATH: '/usr/bin:/bin', CI: '1', NO_COLOR: '1', BASIC_MEMORY_RCLONE: path.join(home, 'no-rclone'), BASIC_MEMORY_CLOUD_URL: 'http://127.0.0.1:9' };
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [cliBin, 'cloud', 'setup', '--yes'], { env, uid: NOBODY, gid: NOBODY, cwd: home, timeout: 60_000 }, (error, _stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
      });
    });
    expect(result.stderr).toContain('Installing rclone with apt needs administrator rights, and there is no terminal to ask for a password.');
    expect(result.stderr).toContain('Run `sudo apt-get install -y rclone` yourself');
    expect(result.stderr).not.toContain('Running apt-get');
    expect(result.code).toBe(4);
  });
});
