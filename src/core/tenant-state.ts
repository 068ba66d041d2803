import { readJsonFile, writeJsonFile } from './atomic-file.js';
import { notSetUpError } from './errors.js';
import type { StatePaths } from './paths.js';

/** What `cloud setup` learnt, read by every other command (`<state dir>/tenant.json`). */
export interface TenantState {
  tenantId: string;
  bucketName: string;
  /** rclone remote name, `basic-memory-{tenant_id}`. */
  remoteName: string;
  apiUrl: string;
  endpointUrl: string;
  region: string;
  accessKey: string;
  /** Found by listing the API's credentials and matching the access key; null if the API did not list it. */
  credentialId: string | null;
  /** The local folder for mount or bisync. */
  localPath: string;
  mode: 'bisync' | 'mount';
  updatedAt: string;
}

/**
 * Pure: a tenant id as people read it: a UUID's first group (`1a2b3c4d`), the way git shortens a
 * commit. JSON output and files keep the full id.
 */
export function shortTenantId(tenantId: string): string {
  const head = /^([0-9a-f]{8})-[0-9a-f]{4}-/i.exec(tenantId)?.[1];
  return head ?? tenantId;
}

export async function readTenantState(paths: StatePaths): Promise<TenantState | undefined> {
  return readJsonFile<TenantState>(paths.tenant);
}

/** The tenant state, or the "run setup first" error. */
export async function requireTenantState(paths: StatePaths): Promise<TenantState> {
  const state = await readTenantState(paths);
  if (!state) throw notSetUpError();
  return state;
}

export async function writeTenantState(paths: StatePaths, state: TenantState): Promise<void> {
  await writeJsonFile(paths.tenant, state);
}

/** The rclone path of the tenant's bucket: `remote:bucket`. */
export function remoteBucketPath(state: Pick<TenantState, 'remoteName' | 'bucketName'>): string {
  return `${state.remoteName}:${state.bucketName}`;
}
