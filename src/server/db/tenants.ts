import type { Sqlite } from './sqlite.js';

export type TenantStatus = 'active' | 'inactive';

export interface Tenant {
  id: string;
  bucketName: string;
  region: string;
  status: TenantStatus;
  createdAt: string;
}

export interface TenantRepository {
  find(id: string): Tenant | undefined;
  insert(tenant: Tenant): void;
  setStatus(id: string, status: TenantStatus): boolean;
}

export function tenantRepository(db: Sqlite): TenantRepository {
  const findStatement = db.prepare<[string], Tenant>('SELECT id, bucket_name AS bucketName, region, status, created_at AS createdAt FROM tenants WHERE id = ?');
  const insertStatement = db.prepare('INSERT INTO tenants (id, bucket_name, region, status, created_at) VALUES (?, ?, ?, ?, ?)');
  const statusStatement = db.prepare('UPDATE tenants SET status = ? WHERE id = ?');
  return {
    find(id) {
      return findStatement.get(id);
    },
    insert(tenant) {
      insertStatement.run(tenant.id, tenant.bucketName, tenant.region, tenant.status, tenant.createdAt);
    },
    setStatus(id, status) {
      return statusStatement.run(status, id).changes > 0;
    },
  };
}
