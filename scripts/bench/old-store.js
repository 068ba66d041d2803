// The store this project used before its own: the s3rver emulator (@20minutes/s3rver 4.0.4), no
// longer a dependency. It is installed with npm into a temporary folder (npm's cache makes later runs
// quick) and run bare, without the signature gate that fronted it, so the old figures are, if
// anything, better than the old embedded store ever did.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const OLD_STORE_PACKAGE = '@20minutes/s3rver@4.0.4';

/** Starts a bare s3rver with one bucket; resolves to an rclone target and a `close()` that also removes its files. */
export async function startOldStore(bucket) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-old-store-'));
  await execFileAsync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', dir, OLD_STORE_PACKAGE]);
  const S3rver = createRequire(path.join(dir, 'package.json'))('@20minutes/s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: path.join(dir, 'data'), silent: true, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  return {
    // s3rver's built-in key pair; it checks that signature itself, without any scoping.
    target: { endpoint: `http://127.0.0.1:${address.port}`, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket },
    async close() {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs rclone against a target with an on-the-fly S3 remote (no config file, no AWS_CA_BUNDLE); resolves to [milliseconds, stdout]. */
export async function timedRclone(target, args) {
  const { AWS_CA_BUNDLE: _unused, ...env } = process.env;
  const started = process.hrtime.bigint();
  const { stdout } = await execFileAsync('rclone', args, {
    env: {
      ...env,
      RCLONE_CONFIG: '/dev/null',
      RCLONE_S3_PROVIDER: 'Other',
      RCLONE_S3_ENDPOINT: target.endpoint,
      RCLONE_S3_ACCESS_KEY_ID: target.accessKey,
      RCLONE_S3_SECRET_ACCESS_KEY: target.secretKey,
      RCLONE_S3_REGION: 'auto',
      RCLONE_S3_NO_CHECK_BUCKET: 'true',
    },
    maxBuffer: 256 * 1024 * 1024,
  });
  return [Number(process.hrtime.bigint() - started) / 1e6, stdout];
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
