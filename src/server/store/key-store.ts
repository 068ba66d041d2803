import crypto from 'node:crypto';
import path from 'node:path';
import { openSqlite, type Sqlite } from '../db/sqlite.js';

/** What the store knows of an access key: enough to check a signature and the bucket it may reach. */
export interface ScopedKey {
  accessKey: string;
  secretKey: string;
  bucketName: string;
  active: boolean;
}

/**
 * The embedded store's own IAM: access keys scoped to one bucket. Like Tigris, the store (not the
 * tenant API) keeps the secrets, in its own SQLite file under `<data-dir>/s3/`, mode 0600.
 * Lookups go to the database every time, so a revocation by any process takes effect at once.
 */
export interface KeyStore {
  create(bucketName: string): ScopedKey;
  find(accessKey: string): ScopedKey | undefined;
  revoke(accessKey: string): void;
  close(): void;
}

const keyStoreMigrations = [
  `CREATE TABLE access_keys (
     access_key TEXT PRIMARY KEY,
     secret_key TEXT NOT NULL,
     bucket_name TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
     created_at TEXT NOT NULL,
     revoked_at TEXT
   );`,
];

export function keyStorePath(storeDir: string): string {
  return path.join(storeDir, 'keys.sqlite');
}

export function openKeyStore(storeDir: string): KeyStore {
  const db: Sqlite = openSqlite(keyStorePath(storeDir), keyStoreMigrations);
  const insert = db.prepare("INSERT INTO access_keys (access_key, secret_key, bucket_name, status, created_at) VALUES (?, ?, ?, 'active', ?)");
  const select = db.prepare<[string], { access_key: string; secret_key: string; bucket_name: string; status: string }>(
    'SELECT access_key, secret_key, bucket_name, status FROM access_keys WHERE access_key = ?',
  );
  const revoke = db.prepare("UPDATE access_keys SET status = 'revoked', revoked_at = ? WHERE access_key = ?");
  return {
    create(bucketName) {
      // Tigris-style ids: `tid_` and random characters; 40-character secrets like AWS's.
      const key: ScopedKey = {
        accessKey: `tid_${crypto.randomBytes(15).toString('base64url')}`,
        secretKey: crypto.randomBytes(30).toString('base64url'),
        bucketName,
        active: true,
      };
      insert.run(key.accessKey, key.secretKey, bucketName, new Date().toISOString());
      return key;
    },
    find(accessKey) {
      const row = select.get(accessKey);
      return row && { accessKey: row.access_key, secretKey: row.secret_key, bucketName: row.bucket_name, active: row.status === 'active' };
    },
    revoke(accessKey) {
      revoke.run(new Date().toISOString(), accessKey);
    },
    close() {
      db.close();
    },
  };
}
