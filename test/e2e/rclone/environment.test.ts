import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRclone } from '../../../src/rclone/runner.js';
import type { TestUser } from '../../support/cli.js';
import { useProvisionedUser } from '../../support/provisioned-user.js';
import { rcloneAtLeast } from '../../support/rclone-under-test.js';
import { rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';

const execFileAsync = promisify(execFile);
const caBundle = '/etc/ssl/certs/ca-certificates.crt';

const fixture = useProvisionedUser();
let user: TestUser;
let tenant: ProvisionedTenant;
beforeAll(() => {
  ({ user, tenant } = fixture());
});

describe('rclone through our runner, with AWS_CA_BUNDLE set, against the reference store', () => {
  it('uploads, lists and reads back a file whose name has spaces, unicode and ?#&+', async () => {
    const rclone = createRclone({ binary: 'rclone', env: { ...user.env, AWS_CA_BUNDLE: caBundle } });
    expect(rclone.environment.globalArgs).toEqual(['--ca-cert', caBundle]);
    const name = 'notes/Café ünïcode a b ?#&+.md';
    const local = path.join(user.home, 'upload.md');
    await fs.writeFile(local, '# hello from the runner\n');
    const bucket = `${tenant.remoteName}:${tenant.bucketName}`;

    const upload = await rclone.run(['copyto', local, `${bucket}/${name}`]);
    expect(upload.stderr).not.toMatch(/LoadCustomCABundleError/);
    expect(upload.exitCode).toBe(0);
    const listing = await rclone.run(['lsf', '-R', bucket]);
    expect(listing.exitCode).toBe(0);
    expect(listing.stdout.split('\n')).toContain(name);
    // The bucket side, read by a plain rclone without the variable: the same bytes under the same name.
    const { stdout } = await rcloneAs(user, ['cat', `${bucket}/${name}`]);
    expect(stdout).toBe('# hello from the runner\n');
  });

  it('the same listing made by rclone 1.60 itself with the variable fails, which is why the runner drops it', async () => {
    const bucket = `${tenant.remoteName}:${tenant.bucketName}`;
    const bare = await execFileAsync('rclone', ['lsf', bucket, '--retries', '1', '--low-level-retries', '1'], { env: { ...user.env, AWS_CA_BUNDLE: caBundle } }).then(
      () => 'ok',
      (error: { stderr: string }) => error.stderr,
    );
    // Seen on 1.60.1; 1.75.2 reads the bundle itself and lists.
    if (rcloneAtLeast('1.61')) expect(bare).toBe('ok');
    else expect(bare).toMatch(/LoadCustomCABundleError/);
    const rclone = createRclone({ binary: 'rclone', env: { ...user.env, AWS_CA_BUNDLE: caBundle } });
    expect((await rclone.run(['lsf', bucket])).exitCode).toBe(0);
  });
});
