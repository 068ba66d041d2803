import crypto from 'node:crypto';
import type { OAuthRepository } from '../db/oauth.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { DEFAULT_ACCESS_TOKEN_TTL_SECONDS, type AccessTokens } from './access-tokens.js';
import { OAuthError } from './oauth-error.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const DEFAULT_CLIENT_ID = 'basic-memory-cli';

export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope?: string;
}

export interface DeviceFlowSettings {
  intervalSeconds: number;
  deviceCodeTtlSeconds: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  clientIds: readonly string[];
}

export const defaultDeviceFlowSettings: DeviceFlowSettings = {
  intervalSeconds: 1,
  deviceCodeTtlSeconds: 600,
  accessTokenTtlSeconds: DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  clientIds: [DEFAULT_CLIENT_ID],
};

export interface DeviceFlow {
  authorize(clientId: string | undefined, scope: string | undefined, verificationUri: string): DeviceAuthorizationResponse;
  /** Approves a pending user code for an existing, active tenant; returns the tenant id. */
  approve(userCode: string, tenantId: string): string;
  deny(userCode: string): void;
  /** Whether a user code names a pending, unexpired authorization (what the rate limit counts). */
  isPending(userCode: string): boolean;
  exchangeDeviceCode(clientId: string | undefined, deviceCode: string | undefined): Promise<TokenResponse>;
  refresh(clientId: string | undefined, refreshToken: string | undefined): Promise<TokenResponse>;
  /**
   * RFC 7009: a refresh token takes its whole family with it; an access token is refused from now
   * on. An unknown, expired or foreign token is not an error (RFC 7009 section 2.2).
   */
  revoke(clientId: string | undefined, token: string | undefined, hint: string | undefined): Promise<void>;
  /** Deletes expired device codes, refresh tokens and revocation entries; returns how many rows went. */
  purgeExpired(): number;
}

// RFC 8628 section 6.1: no vowels (no words), no easily confused characters.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const SLOW_DOWN_STEP_MS = 5000;

/** Normalizes what a person types (`bcdf ghjk`, `BCDF-GHJK`) to the stored form. */
export function normalizeUserCode(input: string): string {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

function newUserCode(): string {
  const letters = Array.from(crypto.randomBytes(8), (byte) => USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length]).join('');
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/**
 * The OAuth 2.0 device authorization grant (RFC 8628) with rotating refresh tokens. Codes and
 * refresh tokens are random and stored only as SHA-256 hashes; a refresh token used twice revokes
 * its whole family (the later use is taken as a theft).
 */
export function createDeviceFlow(deps: { oauth: OAuthRepository; tokens: AccessTokens; tenants: TenantService; settings: DeviceFlowSettings; now?: () => number }): DeviceFlow {
  const { oauth, settings } = deps;
  const now = deps.now ?? Date.now;

  function requireClient(clientId: string | undefined): string {
    if (!clientId) throw new OAuthError('invalid_request', 'client_id is required.');
    if (!settings.clientIds.includes(clientId)) throw new OAuthError('invalid_client', `Unknown client "${clientId}".`);
    return clientId;
  }

  async function issueTokens(tenantId: string, clientId: string, scope: string | null, familyId: string): Promise<TokenResponse> {
    const refreshToken = crypto.randomBytes(32).toString('base64url');
    oauth.insertRefreshToken({
      tokenHash: sha256(refreshToken),
      familyId,
      tenantId,
      clientId,
      scope,
      expiresAt: now() + settings.refreshTokenTtlSeconds * 1000,
      usedAt: null,
      revokedAt: null,
    });
    return {
      access_token: await deps.tokens.mint(tenantId, settings.accessTokenTtlSeconds, scope),
      token_type: 'Bearer',
      expires_in: settings.accessTokenTtlSeconds,
      refresh_token: refreshToken,
      ...(scope ? { scope } : {}),
    };
  }

  function pendingAuthorization(userCode: string) {
    const authorization = oauth.findDeviceByUserCode(normalizeUserCode(userCode));
    if (!authorization || authorization.status !== 'pending' || authorization.expiresAt <= now()) {
      throw new OAuthError('invalid_grant', 'This code is unknown, expired or already used.');
    }
    return authorization;
  }

  return {
    authorize(clientId, scope, verificationUri) {
      const client = requireClient(clientId);
      const deviceCode = crypto.randomBytes(32).toString('base64url');
      const userCode = newUserCode();
      oauth.insertDevice({
        deviceCodeHash: sha256(deviceCode),
        userCode,
        clientId: client,
        scope: scope ?? null,
        status: 'pending',
        tenantId: null,
        intervalMs: settings.intervalSeconds * 1000,
        expiresAt: now() + settings.deviceCodeTtlSeconds * 1000,
        lastPolledAt: null,
      });
      return {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
        expires_in: settings.deviceCodeTtlSeconds,
        interval: settings.intervalSeconds,
      };
    },

    approve(userCode, tenantId) {
      const authorization = pendingAuthorization(userCode);
      const tenant = deps.tenants.requireActiveTenant(tenantId);
      if (!oauth.decideDevice(authorization.userCode, 'approved', tenant.id)) {
        throw new OAuthError('invalid_grant', 'This code was decided already.');
      }
      return tenant.id;
    },

    deny(userCode) {
      const authorization = pendingAuthorization(userCode);
      oauth.decideDevice(authorization.userCode, 'denied', null);
    },

    isPending(userCode) {
      const authorization = oauth.findDeviceByUserCode(normalizeUserCode(userCode));
      return authorization !== undefined && authorization.status === 'pending' && authorization.expiresAt > now();
    },

    async exchangeDeviceCode(clientId, deviceCode) {
      const client = requireClient(clientId);
      if (!deviceCode) throw new OAuthError('invalid_request', 'device_code is required.');
      const authorization = oauth.findDevice(sha256(deviceCode));
      if (!authorization || authorization.clientId !== client) throw new OAuthError('invalid_grant', 'Unknown device code.');
      const at = now();
      if (authorization.expiresAt <= at) throw new OAuthError('expired_token', 'The device code has expired; start the login again.');
      if (authorization.status === 'used') throw new OAuthError('invalid_grant', 'The device code was used already.');
      if (authorization.lastPolledAt !== null && at - authorization.lastPolledAt < authorization.intervalMs) {
        oauth.recordPoll(authorization.deviceCodeHash, at, authorization.intervalMs + SLOW_DOWN_STEP_MS);
        throw new OAuthError('slow_down', `Polling too fast: wait ${(authorization.intervalMs + SLOW_DOWN_STEP_MS) / 1000} s between requests.`);
      }
      oauth.recordPoll(authorization.deviceCodeHash, at, authorization.intervalMs);
      if (authorization.status === 'pending') throw new OAuthError('authorization_pending', 'The user has not approved the code yet.');
      if (authorization.status === 'denied') throw new OAuthError('access_denied', 'The user denied the request.');
      if (!authorization.tenantId || !oauth.consumeDevice(authorization.deviceCodeHash)) {
        throw new OAuthError('invalid_grant', 'The device code was used already.');
      }
      return issueTokens(authorization.tenantId, client, authorization.scope, crypto.randomUUID());
    },

    async refresh(clientId, refreshToken) {
      const client = requireClient(clientId);
      if (!refreshToken) throw new OAuthError('invalid_request', 'refresh_token is required.');
      const record = oauth.findRefreshToken(sha256(refreshToken));
      const at = now();
      if (!record || record.clientId !== client || record.revokedAt !== null || record.expiresAt <= at) {
        throw new OAuthError('invalid_grant', 'The refresh token is invalid or expired; log in again.');
      }
      if (record.usedAt !== null || !oauth.consumeRefreshToken(record.tokenHash, at)) {
        oauth.revokeFamily(record.familyId, at);
        throw new OAuthError('invalid_grant', 'The refresh token was used already; log in again.');
      }
      try {
        deps.tenants.requireActiveTenant(record.tenantId);
      } catch {
        throw new OAuthError('invalid_grant', 'The tenant is not active.');
      }
      return issueTokens(record.tenantId, client, record.scope, record.familyId);
    },

    async revoke(clientId, token, hint) {
      const client = requireClient(clientId);
      if (!token) throw new OAuthError('invalid_request', 'token is required.');
      const revokeRefresh = () => {
        const record = oauth.findRefreshToken(sha256(token));
        if (!record || record.clientId !== client) return false;
        oauth.revokeFamily(record.familyId, now());
        return true;
      };
      const revokeAccess = async () => {
        const claims = await deps.tokens.inspect(token);
        if (!claims) return false;
        oauth.revokeAccessToken(claims.jti, claims.expiresAt);
        return true;
      };
      // The hint only orders the lookups (RFC 7009 section 2.1): a wrong hint still revokes.
      if (hint === 'access_token') {
        if (!(await revokeAccess())) revokeRefresh();
      } else if (!revokeRefresh()) {
        await revokeAccess();
      }
    },

    purgeExpired() {
      const purged = oauth.purgeExpired(now());
      return purged.deviceCodes + purged.refreshTokens + purged.revokedAccessTokens;
    },
  };
}
