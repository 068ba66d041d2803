import fs from 'node:fs';
import path from 'node:path';
import { accessTokens, type AccessTokens } from './auth/access-tokens.js';
import { createDeviceFlow, defaultDeviceFlowSettings, type DeviceFlow, type DeviceFlowSettings } from './auth/device-flow.js';
import { loadOrCreateSigningKey, type SigningKey } from './auth/signing-key.js';
import { credentialRepository, type CredentialRepository } from './db/credentials.js';
import { apiMigrations } from './db/migrations.js';
import { oauthRepository } from './db/oauth.js';
import { openSqlite } from './db/sqlite.js';
import { tenantRepository } from './db/tenants.js';
import type { StorageProvider } from './storage/provider.js';
import { createTenantService, type TenantService } from './tenants/tenant-service.js';

/** Everything the API needs from the data dir, opened once; the `token` command uses it without HTTP. */
export interface ServerServices {
  signingKey: SigningKey;
  tokens: AccessTokens;
  tenants: TenantService;
  credentials: CredentialRepository;
  deviceFlow: DeviceFlow;
  close(): void;
}

export function apiDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'server.sqlite');
}

export async function openServices(options: {
  dataDir: string;
  provider: StorageProvider;
  log: (line: string) => void;
  deviceFlow?: Partial<DeviceFlowSettings>;
}): Promise<ServerServices> {
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const signingKey = await loadOrCreateSigningKey(options.dataDir);
  const db = openSqlite(apiDatabasePath(options.dataDir), apiMigrations);
  const tokens = accessTokens(signingKey);
  const credentials = credentialRepository(db);
  const tenants = createTenantService({ tenants: tenantRepository(db), credentials, provider: options.provider, log: options.log });
  const deviceFlow = createDeviceFlow({
    oauth: oauthRepository(db),
    tokens,
    tenants,
    settings: { ...defaultDeviceFlowSettings, ...options.deviceFlow },
  });
  return { signingKey, tokens, tenants, credentials, deviceFlow, close: () => db.close() };
}
