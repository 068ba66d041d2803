import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRclone } from '../../src/rclone/runner.js';
import { isProcessAlive, sleep } from '../../src/core/process.js';
import { rcloneAtLeast } from '../support/rclone-under-test.js';

const execFileAsync = promisify(execFile);
const caBundle = '/etc/ssl/certs/ca-certificates.crt';
// Seen on 1.60.1 (LoadCustomCABundleError) and not on 1.75.2.
const rcloneBreaksOnCaBundle = !rcloneAtLeast('1.61');
// An S3 remote on a closed loopback port: any call fails, but how it fails tells whether the
// CA bundle problem was handled.
const closedS3 = ":s3,provider=Other,endpoint='http://127.0.0.1:9',access_key_id=x,secret_access_key=y:bucket";

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-runner-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the rclone runner with the real rclone', () => {
  it('detects the installed version', async () => {
    const rclone = createRclone({ binary: 'rclone', env: process.env });
    const version = await rclone.version();
    expect(version?.major).toBe(1);
    expect(version?.minor).toBeGreaterThanOrEqual(58);
  });

  it('reports a missing binary as no version instead of throwing', async () => {
    const rclone = createRclone({ binary: path.join(dir, 'no-rclone-here'), env: process.env });
    expect(await rclone.version()).toBeUndefined();
  });

  it('keeps the S3 backend working when AWS_CA_BUNDLE is set', async () => {
    const env = { ...process.env, AWS_CA_BUNDLE: caBundle, RCLONE_CONFIG: path.join(dir, 'none.conf') };
    // rclone 1.60 itself, with the variable, fails before any network call (1.75 does not).
    const bare = await execFileAsync('rclone', ['lsf', closedS3, '--retries', '1', '--low-level-retries', '1'], { env }).catch((error: { stderr: string }) => error);
    if (rcloneBreaksOnCaBundle) expect(bare.stderr).toMatch(/LoadCustomCABundleError/);
    else expect(bare.stderr).toMatch(/connection refused/);
    // Through the runner it gets as far as the network (refused), so the bundle problem is gone.
    const rclone = createRclone({ binary: 'rclone', env });
    expect(rclone.environment.globalArgs).toEqual(['--ca-cert', caBundle]);
    const result = await rclone.run(['lsf', closedS3, '--retries', '1', '--low-level-retries', '1']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).not.toMatch(/LoadCustomCABundleError/);
    expect(result.stderr).toMatch(/connection refused/);
  });

  it('streams stderr lines and lets the caller stop a long run', async () => {
    const rclone = createRclone({ binary: 'rclone', env: process.env });
    const lines: string[] = [];
    const child = await rclone.start(['rcd', '--rc-addr', '127.0.0.1:0', '--rc-no-auth', '-vv'], { onStderrLine: (line) => lines.push(line) });
    expect(child.pid).toBeGreaterThan(0);
    while (!lines.some((line) => /Serving remote control/.test(line))) await sleep(50);
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    // rclone traps SIGTERM and exits by itself (143, or now and then 0 once rcd has shut down
    // cleanly): what matters is that the run ends at once when asked.
    await child.result;
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    // This machine's PID 1 reaps a dead child after a moment: a zombie still looks alive until then.
    const deadline = Date.now() + 3_000;
    while (isProcessAlive(child.pid!) && Date.now() < deadline) await sleep(50);
    expect(isProcessAlive(child.pid!)).toBe(false);
  });

  it('starts a detached rclone that logs to a 0600 file and outlives the call', async () => {
    const rclone = createRclone({ binary: 'rclone', env: process.env });
    const logFile = path.join(dir, 'rcd.log');
    const { pid } = await rclone.spawnDetached(['rcd', '--rc-addr', '127.0.0.1:0', '--rc-no-auth', '-v'], logFile);
    try {
      expect(isProcessAlive(pid)).toBe(true);
      let log = '';
      for (let i = 0; i < 100 && !/Serving remote control/.test(log); i++) {
        await sleep(50);
        log = await fs.readFile(logFile, 'utf8');
      }
      expect(log).toMatch(/Serving remote control/);
      expect((await fs.stat(logFile)).mode & 0o777).toBe(0o600);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  });
});
