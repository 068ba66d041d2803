import type { Sqlite } from './sqlite.js';

/** A row of `tenant_mount_credentials` (docs/API-CONTRACT.md): metadata only, never the secret key. */
export interface MountCredential {
  id: string;
  tenantId: string;
  accessKey: string;
  policyArn: string;
  tigrisDeletionStatus: 'pending' | 'completed' | 'failed';
  createdAt: string;
  updatedAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  description: string;
}

export interface CredentialRepository {
  insert(credential: MountCredential): void;
  /** The tenant's credentials not yet revoked, oldest first. */
  listActive(tenantId: string): MountCredential[];
  /** An active credential of this tenant; another tenant's id finds nothing. */
  findActive(tenantId: string, id: string): MountCredential | undefined;
  /** When the tenant's newest live credential was made, or undefined with none: one index seek, not a scan. */
  newestActiveCreatedAt(tenantId: string): string | undefined;
  /** How many live credentials the tenant holds, counted on the index. */
  countActive(tenantId: string): number;
  markRevoked(id: string, at: string, deletionStatus: MountCredential['tigrisDeletionStatus']): void;
  touchLastUsed(accessKey: string, at: string): void;
  /** Live credentials last used (or, never used, made) before `before`: the orphaning job's candidates. */
  listUnusedSince(before: string): MountCredential[];
  /** Revoked credentials whose provider deletion is pending and due at `at`. */
  listDeletionsDue(at: string): (MountCredential & { deletionAttempts: number })[];
  /** Records a failed provider deletion: the attempt count and when to try next, or `failed` for good. */
  recordDeletionFailure(id: string, attempts: number, nextAt: string | null): void;
  markDeletionCompleted(id: string, at: string): void;
  /** Access keys of revoked credentials whose provider deletion has not completed (pending or failed). */
  listRevokedUndeleted(): string[];
}

// Columns read back under the property names of `MountCredential`, so rows need no mapping.
const COLUMNS = `id, tenant_id AS tenantId, access_key AS accessKey, policy_arn AS policyArn,
  tigris_deletion_status AS tigrisDeletionStatus, created_at AS createdAt, updated_at AS updatedAt,
  revoked_at AS revokedAt, last_used_at AS lastUsedAt, description`;

export function credentialRepository(db: Sqlite): CredentialRepository {
  const insertStatement = db.prepare(
    `INSERT INTO tenant_mount_credentials
       (id, tenant_id, access_key, policy_arn, tigris_deletion_status, created_at, updated_at, revoked_at, last_used_at, description)
     VALUES (@id, @tenantId, @accessKey, @policyArn, @tigrisDeletionStatus, @createdAt, @updatedAt, @revokedAt, @lastUsedAt, @description)`,
  );
  const listStatement = db.prepare<[string], MountCredential>(
    `SELECT ${COLUMNS} FROM tenant_mount_credentials WHERE tenant_id = ? AND revoked_at IS NULL ORDER BY created_at, rowid`,
  );
  const findStatement = db.prepare<[string, string], MountCredential>(
    `SELECT ${COLUMNS} FROM tenant_mount_credentials WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL`,
  );
  const newestStatement = db.prepare<[string], { createdAt: string }>(
    'SELECT created_at AS createdAt FROM tenant_mount_credentials WHERE tenant_id = ? AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
  );
  const countStatement = db.prepare<[string], { count: number }>(
    'SELECT COUNT(*) AS count FROM tenant_mount_credentials WHERE tenant_id = ? AND revoked_at IS NULL',
  );
  const revokeStatement = db.prepare(
    'UPDATE tenant_mount_credentials SET revoked_at = ?, updated_at = ?, tigris_deletion_status = ? WHERE id = ?',
  );
  const unusedStatement = db.prepare<[string], MountCredential>(
    `SELECT ${COLUMNS} FROM tenant_mount_credentials WHERE revoked_at IS NULL AND COALESCE(last_used_at, created_at) < ? ORDER BY created_at, rowid`,
  );
  const deletionsDueStatement = db.prepare<[string], MountCredential & { deletionAttempts: number }>(
    `SELECT ${COLUMNS}, deletion_attempts AS deletionAttempts FROM tenant_mount_credentials
     WHERE revoked_at IS NOT NULL AND tigris_deletion_status = 'pending' AND COALESCE(next_deletion_at, '') <= ? ORDER BY revoked_at, rowid`,
  );
  const deletionFailureStatement = db.prepare(
    `UPDATE tenant_mount_credentials SET deletion_attempts = @attempts, next_deletion_at = @nextAt,
       tigris_deletion_status = CASE WHEN @nextAt IS NULL THEN 'failed' ELSE 'pending' END WHERE id = @id`,
  );
  const deletionCompletedStatement = db.prepare(
    "UPDATE tenant_mount_credentials SET tigris_deletion_status = 'completed', next_deletion_at = NULL, updated_at = ? WHERE id = ?",
  );
  const revokedUndeletedStatement = db.prepare<[], string>(
    "SELECT access_key FROM tenant_mount_credentials WHERE revoked_at IS NOT NULL AND tigris_deletion_status != 'completed'",
  ).pluck();
  const touchStatement = db.prepare('UPDATE tenant_mount_credentials SET last_used_at = ? WHERE access_key = ? AND revoked_at IS NULL');
  return {
    insert(credential) {
      insertStatement.run(credential);
    },
    listActive(tenantId) {
      return listStatement.all(tenantId);
    },
    findActive(tenantId, id) {
      return findStatement.get(tenantId, id);
    },
    newestActiveCreatedAt(tenantId) {
      return newestStatement.get(tenantId)?.createdAt;
    },
    countActive(tenantId) {
      return countStatement.get(tenantId)?.count ?? 0;
    },
    markRevoked(id, at, deletionStatus) {
      revokeStatement.run(at, at, deletionStatus, id);
    },
    touchLastUsed(accessKey, at) {
      touchStatement.run(at, accessKey);
    },
    listUnusedSince(before) {
      return unusedStatement.all(before);
    },
    listDeletionsDue(at) {
      return deletionsDueStatement.all(at);
    },
    recordDeletionFailure(id, attempts, nextAt) {
      deletionFailureStatement.run({ id, attempts, nextAt });
    },
    listRevokedUndeleted() {
      return revokedUndeletedStatement.all();
    },
    markDeletionCompleted(id, at) {
      deletionCompletedStatement.run(at, id);
    },
  };
}
