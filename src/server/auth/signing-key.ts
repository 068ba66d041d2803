import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const TOKEN_ALGORITHM = 'EdDSA';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half as served in the JWKS. */
  publicJwk: JWK;
}

/**
 * The server's Ed25519 token key, made on first use and kept in the data dir (mode 0600) so tokens
 * survive a restart and the `token` command can sign without a running server.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, 'keys', 'token-signing-key.json');
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    privateJwk = await createKeyFile(file);
  }
  const { d: _private, ...publicPart } = privateJwk;
  const kid = await calculateJwkThumbprint(publicPart);
  const publicJwk: JWK = { ...publicPart, kid, alg: TOKEN_ALGORITHM, use: 'sig' };
  return {
    kid,
    privateKey: (await importJWK(privateJwk, TOKEN_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicPart, TOKEN_ALGORITHM)) as CryptoKey,
    publicJwk,
  };
}

async function createKeyFile(file: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // `wx`: if a concurrent `token` command made the key first, keep theirs.
    fs.writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
  }
}
