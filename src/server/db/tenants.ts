import type { Sqlite } from './sqlite.js';

export type TenantStatus = 'active' | 'inactive';

export interface Tenant {
  id: string;
  bucketName: string;
  region: string;
  status: TenantStatus;
  createdAt: string;
}

interface TenantRow {
  id: string;
  bucket_name: string;
  region: string;
  status: TenantStatus;
  created_at: string;
}

export interface TenantRepository {
  find(id: string): Tenant | undefined;
  insert(tenant: Tenant): void;
  setStatus(id: string, status: TenantStatus): boolean;
}

export function tenantRepository(db: Sqlite): TenantRepository {
  const findStatement = db.prepare<[string], TenantRow>('SELECT * FROM tenants WHERE id = ?');
  const insertStatement = db.prepare('INSERT INTO tenants (id, bucket_name, region, status, created_at) VALUES (?, ?, ?, ?, ?)');
  const statusStatement = db.prepare('UPDATE tenants SET status = ? WHERE id = ?');
  return {
    find(id) {
      const row = findStatement.get(id);
      return row && { id: row.id, bucketName: row.bucket_name, region: row.region, status: row.status, createdAt: row.created_at };
    },
    insert(tenant) {
      insertStatement.run(tenant.id, tenant.bucketName, tenant.region, tenant.status, tenant.createdAt);
    },
    setStatus(id, status) {
      return statusStatement.run(status, id).changes > 0;
    },
  };
}
