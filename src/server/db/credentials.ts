import type { Sqlite } from './sqlite.js';

/** A row of SPEC-8's `tenant_mount_credentials`: metadata only, never the secret key. */
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

interface CredentialRow {
  id: string;
  tenant_id: string;
  access_key: string;
  policy_arn: string;
  tigris_deletion_status: MountCredential['tigrisDeletionStatus'];
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  description: string;
}

export interface CredentialRepository {
  insert(credential: MountCredential): void;
  /** The tenant's credentials not yet revoked, oldest first. */
  listActive(tenantId: string): MountCredential[];
  /** An active credential of this tenant; another tenant's id finds nothing. */
  findActive(tenantId: string, id: string): MountCredential | undefined;
  markRevoked(id: string, at: string, deletionStatus: MountCredential['tigrisDeletionStatus']): void;
  touchLastUsed(accessKey: string, at: string): void;
}

export function credentialRepository(db: Sqlite): CredentialRepository {
  const insertStatement = db.prepare(
    `INSERT INTO tenant_mount_credentials
       (id, tenant_id, access_key, policy_arn, tigris_deletion_status, created_at, updated_at, revoked_at, last_used_at, description)
     VALUES (@id, @tenantId, @accessKey, @policyArn, @tigrisDeletionStatus, @createdAt, @updatedAt, @revokedAt, @lastUsedAt, @description)`,
  );
  const listStatement = db.prepare<[string], CredentialRow>(
    'SELECT * FROM tenant_mount_credentials WHERE tenant_id = ? AND revoked_at IS NULL ORDER BY created_at, rowid',
  );
  const findStatement = db.prepare<[string, string], CredentialRow>(
    'SELECT * FROM tenant_mount_credentials WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL',
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
      return listStatement.all(tenantId).map(fromRow);
    },
    findActive(tenantId, id) {
      const row = findStatement.get(tenantId, id);
      return row && fromRow(row);
    },
    markRevoked(id, at, deletionStatus) {
      revokeStatement.run(at, at, deletionStatus, id);
    },
    touchLastUsed(accessKey, at) {
      touchStatement.run(at, accessKey);
    },
  };
}

function fromRow(row: CredentialRow): MountCredential {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    accessKey: row.access_key,
    policyArn: row.policy_arn,
    tigrisDeletionStatus: row.tigris_deletion_status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    description: row.description,
  };
}
