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
  };
}
