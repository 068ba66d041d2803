import fs from 'node:fs';
import path from 'node:path';
import { createAccounts, type Accounts } from './auth/accounts.js';
import { accessTokens, type AccessTokens } from './auth/access-tokens.js';
import { createDeviceFlow, defaultDeviceFlowSettings, type DeviceFlow, type DeviceFlowSettings } from './auth/device-flow.js';
import { loadOrCreateSigningKey, type SigningKey } from './auth/signing-key.js';
import { accountRepository } from './db/accounts.js';
import { auditRepository, type AuditRepository } from './db/audit.js';
import { credentialRepository, type CredentialRepository } from './db/credentials.js';
import { apiMigrations } from './db/migrations.js';
import { oauthRepository } from './db/oauth.js';
import { openSqlite } from './db/sqlite.js';
import { tenantRepository } from './db/tenants.js';
import type { StorageProvider } from './storage/provider.js';
import { createCredentialLifecycle, type CredentialLifecycle, type DeletionRetryPolicy } from './tenants/credential-lifecycle.js';
import { createTenantService, type TenantService } from './tenants/tenant-service.js';

/** Everything the API needs from the data dir, opened once; the operator commands use it without HTTP. */
export interface ServerServices {
  signingKey: SigningKey;
  tokens: AccessTokens;
  tenants: TenantService;
  credentials: CredentialRepository;
  audit: AuditRepository;
  /** Revocation with provider-deletion retries, and the orphaning job. */
  lifecycle: CredentialLifecycle;
  deviceFlow: DeviceFlow;
  accounts: Accounts;
  /** Deletes expired device codes, refresh tokens, revocation entries and sessions; returns how many rows went. */
  purgeExpired(): number;
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
  maxCredentials?: number;
  orphanAfterDays?: number;
  deletionRetry?: DeletionRetryPolicy;
  onCredentialRevoked?: (accessKey: string) => void;
}): Promise<ServerServices> {
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const signingKey = await loadOrCreateSigningKey(options.dataDir);
  const db = openSqlite(apiDatabasePath(options.dataDir), apiMigrations);
  const oauth = oauthRepository(db);
  const tokens = accessTokens(signingKey, (jti) => oauth.isAccessTokenRevoked(jti));
  const credentials = credentialRepository(db);
  const audit = auditRepository(db);
  const lifecycle = createCredentialLifecycle({
    credentials,
    audit,
    provider: options.provider,
    log: options.log,
    ...(options.orphanAfterDays === undefined ? {} : { orphanAfterDays: options.orphanAfterDays }),
    ...(options.deletionRetry === undefined ? {} : { retry: options.deletionRetry }),
    ...(options.onCredentialRevoked === undefined ? {} : { onRevoked: options.onCredentialRevoked }),
  });
  const tenants = createTenantService({
    tenants: tenantRepository(db),
    credentials,
    audit,
    lifecycle,
    provider: options.provider,
    log: options.log,
    ...(options.maxCredentials === undefined ? {} : { maxCredentials: options.maxCredentials }),
  });
  const deviceFlow = createDeviceFlow({ oauth, tokens, tenants, settings: { ...defaultDeviceFlowSettings, ...options.deviceFlow } });
  const accounts = createAccounts({ accounts: accountRepository(db), tenants, log: options.log });
  return {
    signingKey,
    tokens,
    tenants,
    credentials,
    audit,
    lifecycle,
    deviceFlow,
    accounts,
    purgeExpired: () => deviceFlow.purgeExpired() + accounts.purgeExpired(),
    close: () => db.close(),
  };
}
