/**
 * The API database's schema, one script per step, never edited once released: add a step instead.
 * `tenant_mount_credentials` has the cloud's columns (docs/API-CONTRACT.md); it holds no secret key.
 * Timestamps in the tenant tables are ISO 8601 strings; the OAuth tables use epoch milliseconds
 * because they are only compared, never shown.
 */
export const apiMigrations: readonly string[] = [
  `CREATE TABLE tenants (
     id TEXT PRIMARY KEY,
     bucket_name TEXT NOT NULL UNIQUE,
     region TEXT NOT NULL DEFAULT 'auto',
     status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
     created_at TEXT NOT NULL
   );
   CREATE TABLE tenant_mount_credentials (
     id TEXT PRIMARY KEY,
     tenant_id TEXT NOT NULL REFERENCES tenants(id),
     access_key VARCHAR(255) NOT NULL UNIQUE,
     policy_arn VARCHAR(255) NOT NULL,
     tigris_deletion_status VARCHAR(20) DEFAULT 'pending',
     created_at TIMESTAMP NOT NULL,
     updated_at TIMESTAMP NOT NULL,
     revoked_at TIMESTAMP NULL,
     last_used_at TIMESTAMP NULL,
     description VARCHAR(255) DEFAULT 'CLI mount credentials'
   );
   CREATE INDEX tenant_mount_credentials_active ON tenant_mount_credentials (tenant_id, revoked_at);`,
  `CREATE TABLE device_authorizations (
     device_code_hash TEXT PRIMARY KEY,
     user_code TEXT NOT NULL UNIQUE,
     client_id TEXT NOT NULL,
     scope TEXT,
     status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'used')),
     tenant_id TEXT REFERENCES tenants(id),
     interval_ms INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     last_polled_at INTEGER
   );
   CREATE TABLE refresh_tokens (
     token_hash TEXT PRIMARY KEY,
     family_id TEXT NOT NULL,
     tenant_id TEXT NOT NULL REFERENCES tenants(id),
     client_id TEXT NOT NULL,
     scope TEXT,
     expires_at INTEGER NOT NULL,
     used_at INTEGER,
     revoked_at INTEGER
   );
   CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);`,
  // Accounts for the approval page, access-token revocation (RFC 7009) and what purges and the
  // per-tenant cap need: the credential index covers the cap's count and the newest live credential.
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL UNIQUE COLLATE NOCASE,
     tenant_id TEXT NOT NULL REFERENCES tenants(id),
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX sessions_expiry ON sessions (expires_at);
   CREATE TABLE revoked_access_tokens (
     jti TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX revoked_access_tokens_expiry ON revoked_access_tokens (expires_at);
   CREATE INDEX device_authorizations_expiry ON device_authorizations (expires_at);
   CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
   DROP INDEX tenant_mount_credentials_active;
   CREATE INDEX tenant_mount_credentials_live ON tenant_mount_credentials (tenant_id, revoked_at, created_at);`,
];
