import { jwtVerify, SignJWT } from 'jose';
import { TOKEN_ALGORITHM, type SigningKey } from './signing-key.js';

/**
 * Access tokens name a fixed issuer and audience rather than the server's URL, so a token minted
 * by the `token` command (which knows no port) is the same as one from the running server.
 */
export const TOKEN_ISSUER = 'basic-memory-server';
export const TOKEN_AUDIENCE = 'basic-memory-cloud';

export interface AccessTokens {
  mint(tenantId: string, ttlSeconds: number, scope?: string | null): Promise<string>;
  /** The tenant the token speaks for, or null for any token we did not issue or that has expired. */
  verify(token: string): Promise<string | null>;
}

export function accessTokens(key: SigningKey): AccessTokens {
  return {
    async mint(tenantId, ttlSeconds, scope) {
      const jwt = new SignJWT({ tenant_id: tenantId, ...(scope ? { scope } : {}) })
        .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(tenantId)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
      return jwt.sign(key.privateKey);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key.publicKey, {
          algorithms: [TOKEN_ALGORITHM],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ['exp', 'tenant_id'],
        });
        return typeof payload.tenant_id === 'string' && payload.tenant_id !== '' ? payload.tenant_id : null;
      } catch {
        return null;
      }
    },
  };
}
