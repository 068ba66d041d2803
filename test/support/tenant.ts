import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TenantState } from '../../src/core/tenant-state.js';
import { remoteNameFor, statePaths } from '../../src/core/paths.js';
import type { TestUser } from './cli.js';

const execFileAsync = promisify(execFile);

export interface ProvisionedTenant {
  tenantId: string;
  bucketName: string;
  remoteName: string;
  token: string;
  localPath: string;
  accessKey: string;
  secretKey: string;
  state: TenantState;
}

interface ServerLike {
  apiUrl: string;
  mintToken(tenant: string, ttlSeconds?: number): Promise<{ token: string; tenantId: string; bucketName: string }>;
}

/**
 * A fast fixture for mount and bisync tests: what `cloud setup` leaves behind (tenant state, an
 * rclone remote, a token) made directly through the real API and real rclone, without a first sync.
 * `cloud setup` itself has its own e2e tests.
 */
export async function provisionTenant(server: ServerLike, user: TestUser, options: { mode?: 'bisync' | 'mount'; localPath?: string } = {}): Promise<ProvisionedTenant> {
  const { token, tenantId, bucketName } = await server.mintToken('new');
  const response = await fetch(`${server.apiUrl}/tenant/mount/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description: 'test fixture' }),
  });
  if (!response.ok) throw new Error(`credential creation failed: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { access_key: string; secret_key: string; endpoint_url: string; region: string; id?: string };
  const remoteName = remoteNameFor(tenantId);
  await fs.mkdir(path.dirname(user.rcloneConfig), { recursive: true });
  await execFileAsync('rclone', [
    'config', 'create', remoteName, 's3',
    'provider=Other', `endpoint=${created.endpoint_url}`, `region=${created.region}`,
    `access_key_id=${created.access_key}`, `secret_access_key=${created.secret_key}`,
    'no_check_bucket=true', '--non-interactive',
  ], { env: { ...user.env, RCLONE_CONFIG: user.rcloneConfig, AWS_CA_BUNDLE: '' } });
  const localPath = options.localPath ?? path.join(user.home, `basic-memory-${tenantId}`);
  const state: TenantState = {
    tenantId,
    bucketName,
    remoteName,
    apiUrl: server.apiUrl,
    endpointUrl: created.endpoint_url,
    region: created.region,
    accessKey: created.access_key,
    credentialId: created.id ?? null,
    localPath,
    mode: options.mode ?? 'bisync',
    updatedAt: new Date().toISOString(),
  };
  const paths = statePaths(user.stateDir);
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(paths.tenant, JSON.stringify(state, null, 2), { mode: 0o600 });
  user.env.BASIC_MEMORY_TOKEN = token;
  user.env.BASIC_MEMORY_CLOUD_URL = server.apiUrl;
  return { tenantId, bucketName, remoteName, token, localPath, accessKey: created.access_key, secretKey: created.secret_key, state };
}

/** Runs real rclone as the test user against their remote (for checking the bucket side). */
export async function rcloneAs(user: TestUser, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('rclone', args, { env: { ...user.env, RCLONE_CONFIG: user.rcloneConfig, AWS_CA_BUNDLE: '' }, maxBuffer: 64 * 1024 * 1024 });
}
