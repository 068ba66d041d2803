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
 * A key found is remembered for a second: every S3 request looks its key up (`rclone lsl` makes one
 * HEAD per object), and a database read costs about as much as the rest of a HEAD's signature check.
 * A revocation through this store forgets the key at once; one written by another process to the
 * same file (no command of the server does that) is seen within the second.
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

export interface KeyCacheOptions {
  /** How long a key found stays remembered (default 1 s). */
  cacheMs?: number;
  now?: () => number;
}

const KEY_CACHE_MS = 1000;
const KEY_CACHE_SIZE = 10_000;

export function openKeyStore(storeDir: string, options: KeyCacheOptions = {}): KeyStore {
  const cacheMs = options.cacheMs ?? KEY_CACHE_MS;
  const now = options.now ?? Date.now;
  // Most recently read last, so the first entry is the one to drop when the cache is full.
  const cache = new Map<string, { key: ScopedKey; readAt: number }>();
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
      const at = now();
      const cached = cache.get(accessKey);
      if (cached && at - cached.readAt < cacheMs) return cached.key;
      cache.delete(accessKey);
      const row = select.get(accessKey);
      if (!row) return undefined;
      const key = { accessKey: row.access_key, secretKey: row.secret_key, bucketName: row.bucket_name, active: row.status === 'active' };
      cache.set(accessKey, { key, readAt: at });
      if (cache.size > KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return key;
    },
    revoke(accessKey) {
      revoke.run(new Date().toISOString(), accessKey);
      cache.delete(accessKey);
    },
    close() {
      db.close();
    },
  };
}
