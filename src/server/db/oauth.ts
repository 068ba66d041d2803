import type { Sqlite } from './sqlite.js';

export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'used';

/** One RFC 8628 device authorization; the device code itself is kept only as a hash. */
export interface DeviceAuthorization {
  deviceCodeHash: string;
  userCode: string;
  clientId: string;
  scope: string | null;
  status: DeviceStatus;
  tenantId: string | null;
  intervalMs: number;
  expiresAt: number;
  lastPolledAt: number | null;
}

/** A refresh token, kept only as a hash; tokens rotated from one login share a family. */
export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  tenantId: string;
  clientId: string;
  scope: string | null;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface OAuthRepository {
  insertDevice(authorization: DeviceAuthorization): void;
  findDevice(deviceCodeHash: string): DeviceAuthorization | undefined;
  findDeviceByUserCode(userCode: string): DeviceAuthorization | undefined;
  /** Approves or denies a pending authorization; false when it is not pending any more. */
  decideDevice(userCode: string, status: 'approved' | 'denied', tenantId: string | null): boolean;
  recordPoll(deviceCodeHash: string, at: number, intervalMs: number): void;
  /** Marks an approved authorization used; false when another poll got there first. */
  consumeDevice(deviceCodeHash: string): boolean;
  insertRefreshToken(record: RefreshTokenRecord): void;
  findRefreshToken(tokenHash: string): RefreshTokenRecord | undefined;
  /** Marks a live refresh token used; false when it was used or revoked already. */
  consumeRefreshToken(tokenHash: string, at: number): boolean;
  revokeFamily(familyId: string, at: number): void;
  /** Records an access token's id as revoked until the token would have expired anyway. */
  revokeAccessToken(jti: string, expiresAt: number): void;
  isAccessTokenRevoked(jti: string): boolean;
  /** Deletes what can never be used again: expired device codes, refresh tokens and revocation entries. */
  purgeExpired(at: number): { deviceCodes: number; refreshTokens: number; revokedAccessTokens: number };
}

// Columns read back under the property names of the records, so rows need no mapping.
const DEVICE_COLUMNS = `device_code_hash AS deviceCodeHash, user_code AS userCode, client_id AS clientId, scope, status,
  tenant_id AS tenantId, interval_ms AS intervalMs, expires_at AS expiresAt, last_polled_at AS lastPolledAt`;
const REFRESH_COLUMNS = `token_hash AS tokenHash, family_id AS familyId, tenant_id AS tenantId, client_id AS clientId, scope,
  expires_at AS expiresAt, used_at AS usedAt, revoked_at AS revokedAt`;

export function oauthRepository(db: Sqlite): OAuthRepository {
  const insertDevice = db.prepare(
    `INSERT INTO device_authorizations (device_code_hash, user_code, client_id, scope, status, tenant_id, interval_ms, expires_at, last_polled_at)
     VALUES (@deviceCodeHash, @userCode, @clientId, @scope, @status, @tenantId, @intervalMs, @expiresAt, @lastPolledAt)`,
  );
  const findDevice = db.prepare<[string], DeviceAuthorization>(`SELECT ${DEVICE_COLUMNS} FROM device_authorizations WHERE device_code_hash = ?`);
  const findByUserCode = db.prepare<[string], DeviceAuthorization>(`SELECT ${DEVICE_COLUMNS} FROM device_authorizations WHERE user_code = ?`);
  const decide = db.prepare("UPDATE device_authorizations SET status = ?, tenant_id = ? WHERE user_code = ? AND status = 'pending'");
  const poll = db.prepare('UPDATE device_authorizations SET last_polled_at = ?, interval_ms = ? WHERE device_code_hash = ?');
  const consume = db.prepare("UPDATE device_authorizations SET status = 'used' WHERE device_code_hash = ? AND status = 'approved'");
  const insertRefresh = db.prepare(
    `INSERT INTO refresh_tokens (token_hash, family_id, tenant_id, client_id, scope, expires_at, used_at, revoked_at)
     VALUES (@tokenHash, @familyId, @tenantId, @clientId, @scope, @expiresAt, @usedAt, @revokedAt)`,
  );
  const findRefresh = db.prepare<[string], RefreshTokenRecord>(`SELECT ${REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = ?`);
  const consumeRefresh = db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL');
  const revokeFamily = db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL');
  const revokeAccess = db.prepare('INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)');
  const isRevoked = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM revoked_access_tokens WHERE jti = ?');
  const purgeDevices = db.prepare('DELETE FROM device_authorizations WHERE expires_at <= ?');
  const purgeRefresh = db.prepare('DELETE FROM refresh_tokens WHERE expires_at <= ?');
  const purgeRevoked = db.prepare('DELETE FROM revoked_access_tokens WHERE expires_at <= ?');
  const purge = db.transaction((at: number) => ({
    deviceCodes: purgeDevices.run(at).changes,
    refreshTokens: purgeRefresh.run(at).changes,
    revokedAccessTokens: purgeRevoked.run(at).changes,
  }));
  return {
    insertDevice: (authorization) => void insertDevice.run(authorization),
    findDevice: (hash) => findDevice.get(hash),
    findDeviceByUserCode: (userCode) => findByUserCode.get(userCode),
    decideDevice: (userCode, status, tenantId) => decide.run(status, tenantId, userCode).changes > 0,
    recordPoll: (hash, at, intervalMs) => void poll.run(at, intervalMs, hash),
    consumeDevice: (hash) => consume.run(hash).changes > 0,
    insertRefreshToken: (record) => void insertRefresh.run(record),
    findRefreshToken: (hash) => findRefresh.get(hash),
    consumeRefreshToken: (hash, at) => consumeRefresh.run(at, hash).changes > 0,
    revokeFamily: (familyId, at) => void revokeFamily.run(at, familyId),
    revokeAccessToken: (jti, expiresAt) => void revokeAccess.run(jti, expiresAt),
    isAccessTokenRevoked: (jti) => isRevoked.get(jti) !== undefined,
    purgeExpired: (at) => purge(at),
  };
}
