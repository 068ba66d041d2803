import type { Sqlite } from './sqlite.js';

/** The audit events for mount credentials (MountCredentialCreated, Revoked, Orphaned). */
export type AuditEventType = 'MountCredentialCreated' | 'MountCredentialRevoked' | 'MountCredentialOrphaned';

export interface AuditEvent {
  id: number;
  at: string;
  type: AuditEventType;
  tenantId: string;
  credentialId: string;
  accessKey: string;
}

export interface AuditRepository {
  record(event: Omit<AuditEvent, 'id'>): void;
  /** Oldest first; `tenantId` narrows to one tenant. */
  list(filter?: { tenantId?: string }): AuditEvent[];
}

const COLUMNS = 'id, at, type, tenant_id AS tenantId, credential_id AS credentialId, access_key AS accessKey';

export function auditRepository(db: Sqlite): AuditRepository {
  const insertStatement = db.prepare(
    'INSERT INTO audit_events (at, type, tenant_id, credential_id, access_key) VALUES (@at, @type, @tenantId, @credentialId, @accessKey)',
  );
  const listAll = db.prepare<[], AuditEvent>(`SELECT ${COLUMNS} FROM audit_events ORDER BY id`);
  const listTenant = db.prepare<[string], AuditEvent>(`SELECT ${COLUMNS} FROM audit_events WHERE tenant_id = ? ORDER BY id`);
  return {
    record(event) {
      insertStatement.run(event);
    },
    list(filter = {}) {
      return filter.tenantId === undefined ? listAll.all() : listTenant.all(filter.tenantId);
    },
  };
}
