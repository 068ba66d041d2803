import crypto from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { TOKEN_ALGORITHM, type SigningKey } from './signing-key.js';

/**
 * Access tokens name a fixed issuer and audience rather than the server's URL, so a token minted
 * by the `token` command (which knows no port) is the same as one from the running server.
 */
export const TOKEN_ISSUER = 'basic-memory-server';
export const TOKEN_AUDIENCE = 'basic-memory-cloud';
/** What the device flow hands out: short, because the CLI refreshes it. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** No access token lives longer than this, however it was minted; a longer one is refused when presented. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 24 * 3600;
/** Clocks of the machines minting and checking tokens may disagree by this much, no more. */
export const CLOCK_SKEW_SECONDS = 60;

export interface AccessTokenClaims {
  tenantId: string;
  jti: string;
  /** Expiry in epoch milliseconds. */
  expiresAt: number;
}

export interface AccessTokens {
  mint(tenantId: string, ttlSeconds: number, scope?: string | null): Promise<string>;
  /** The tenant the token speaks for, or null for any token we did not issue, that has expired or was revoked. */
  verify(token: string): Promise<string | null>;
  /** The claims of a token we issued and that is still valid (revoked or not), or null. */
  inspect(token: string): Promise<AccessTokenClaims | null>;
}

export function accessTokens(key: SigningKey, isRevoked: (jti: string) => boolean = () => false): AccessTokens {
  async function inspect(token: string): Promise<AccessTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ['exp', 'iat', 'jti', 'tenant_id'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        // Also refuses an `iat` further in the future than the skew, and a token older than any we mint.
        maxTokenAge: MAX_ACCESS_TOKEN_TTL_SECONDS,
      });
      const { tenant_id: tenantId, jti, exp, iat } = payload;
      if (typeof tenantId !== 'string' || tenantId === '' || typeof jti !== 'string' || exp === undefined || iat === undefined) return null;
      if (exp - iat > MAX_ACCESS_TOKEN_TTL_SECONDS) return null;
      return { tenantId, jti, expiresAt: exp * 1000 };
    } catch {
      return null;
    }
  }
  return {
    async mint(tenantId, ttlSeconds, scope) {
      const jwt = new SignJWT({ tenant_id: tenantId, ...(scope ? { scope } : {}) })
        .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(tenantId)
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
      return jwt.sign(key.privateKey);
    },
    async verify(token) {
      const claims = await inspect(token);
      return claims && !isRevoked(claims.jti) ? claims.tenantId : null;
    },
    inspect,
  };
}
