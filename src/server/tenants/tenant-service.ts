import crypto from 'node:crypto';
import type { AuditRepository } from '../db/audit.js';
import type { CredentialRepository, MountCredential } from '../db/credentials.js';
import type { Tenant, TenantRepository, TenantStatus } from '../db/tenants.js';
import type { StorageProvider } from '../storage/provider.js';
import { ApiError } from './api-error.js';
import type { CredentialLifecycle } from './credential-lifecycle.js';

/** `GET /tenant/mount/info` (docs/API-CONTRACT.md). */
export interface MountInfoResponse {
  tenant_id: string;
  bucket_name: string;
  has_credentials: boolean;
  credentials_created_at: string | null;
}

/** `POST /tenant/mount/credentials`: the cloud's shape (docs/API-CONTRACT.md) plus the credential's `id`. */
export interface CreatedCredentialResponse {
  id: string;
  tenant_id: string;
  bucket_name: string;
  access_key: string;
  secret_key: string;
  endpoint_url: string;
  region: string;
}

/** One entry of `GET /tenant/mount/credentials`: never a secret. */
export interface CredentialSummaryResponse {
  id: string;
  access_key: string;
  description: string;
  created_at: string;
  last_used_at: string | null;
}

export interface RevokedCredentialResponse {
  id: string;
  access_key: string;
  revoked_at: string;
}

export interface TenantService {
  /** An existing tenant, or a new one with its bucket: `new` picks a random UUID. */
  ensureTenant(idOrNew: string): Promise<Tenant>;
  /** The operator's `tenant create`: a new tenant and its bucket; an id in use is refused (409). */
  createTenant(idOrNew: string): Promise<Tenant>;
  /** The tenant a token names, refused with 403 when unknown or inactive. */
  requireActiveTenant(id: string): Tenant;
  setStatus(id: string, status: TenantStatus): void;
  mountInfo(tenant: Tenant): MountInfoResponse;
  createCredential(tenant: Tenant, description: string | undefined): Promise<CreatedCredentialResponse>;
  listCredentials(tenant: Tenant): CredentialSummaryResponse[];
  revokeCredential(tenant: Tenant, credentialId: string): Promise<RevokedCredentialResponse>;
}

export interface TenantServiceDeps {
  tenants: TenantRepository;
  credentials: CredentialRepository;
  audit: AuditRepository;
  lifecycle: CredentialLifecycle;
  provider: StorageProvider;
  log: (line: string) => void;
  /** Live credentials one tenant may hold at once; one more is refused with 409. */
  maxCredentials?: number;
  now?: () => Date;
}

export const DEFAULT_MAX_CREDENTIALS = 100;

/** Tenant ids become bucket names (`basic-memory-<id>`), so they follow S3's bucket name rules. */
const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$|^[a-z0-9]$/;
const DEFAULT_DESCRIPTION = 'CLI mount credentials';

export function bucketNameFor(tenantId: string): string {
  return `basic-memory-${tenantId}`;
}

/** The inverse of bucketNameFor, or undefined for a bucket no tenant owns. */
export function tenantIdOfBucket(bucketName: string): string | undefined {
  const id = bucketName.startsWith('basic-memory-') ? bucketName.slice('basic-memory-'.length) : '';
  return TENANT_ID_PATTERN.test(id) ? id : undefined;
}

export function createTenantService(deps: TenantServiceDeps): TenantService {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const creating = new Map<string, number>();

  return {
    async ensureTenant(idOrNew) {
      const id = idOrNew === 'new' ? crypto.randomUUID() : idOrNew;
      const existing = deps.tenants.find(id);
      if (existing) return existing;
      if (!TENANT_ID_PATTERN.test(id)) {
        throw new ApiError(400, `"${id}" is not a valid tenant id: use lowercase letters, digits and hyphens (at most 50), or "new".`);
      }
      const tenant: Tenant = { id, bucketName: bucketNameFor(id), region: deps.provider.region, status: 'active', createdAt: now() };
      await deps.provider.createBucket(tenant.bucketName);
      deps.tenants.insert(tenant);
      deps.log(`tenant ${tenant.id} created with bucket ${tenant.bucketName}`);
      return tenant;
    },

    async createTenant(idOrNew) {
      if (idOrNew !== 'new' && deps.tenants.find(idOrNew)) throw new ApiError(409, `Tenant ${idOrNew} exists already.`);
      return this.ensureTenant(idOrNew);
    },

    requireActiveTenant(id) {
      const tenant = deps.tenants.find(id);
      if (!tenant) throw new ApiError(403, 'Tenant not found.');
      if (tenant.status !== 'active') throw new ApiError(403, 'Tenant is not active.');
      return tenant;
    },

    setStatus(id, status) {
      if (!deps.tenants.setStatus(id, status)) throw new ApiError(404, `Tenant ${id} not found.`);
    },

    mountInfo(tenant) {
      const newest = deps.credentials.newestActiveCreatedAt(tenant.id);
      return {
        tenant_id: tenant.id,
        bucket_name: tenant.bucketName,
        has_credentials: newest !== undefined,
        credentials_created_at: newest ?? null,
      };
    },

    async createCredential(tenant, description) {
      const cap = deps.maxCredentials ?? DEFAULT_MAX_CREDENTIALS;
      // Creations still waiting for the provider count too, so concurrent requests cannot pass the cap together.
      const inFlight = creating.get(tenant.id) ?? 0;
      if (deps.credentials.countActive(tenant.id) + inFlight >= cap) {
        throw new ApiError(409, `Your tenant already holds ${cap} live mount credentials, the most allowed: revoke one you no longer use first.`);
      }
      creating.set(tenant.id, inFlight + 1);
      let grant;
      try {
        grant = await deps.provider.createScopedKey(tenant.bucketName);
      } catch (error) {
        deps.log(`credential creation failed for tenant ${tenant.id}: ${(error as Error).message}`);
        throw new ApiError(500, 'Failed to create mount credentials.');
      } finally {
        const left = (creating.get(tenant.id) ?? 1) - 1;
        if (left > 0) creating.set(tenant.id, left);
        else creating.delete(tenant.id);
      }
      const at = now();
      const credential: MountCredential = {
        id: crypto.randomUUID(),
        tenantId: tenant.id,
        accessKey: grant.accessKey,
        policyArn: grant.policyRef,
        tigrisDeletionStatus: 'pending',
        createdAt: at,
        updatedAt: at,
        revokedAt: null,
        lastUsedAt: null,
        description: description ?? DEFAULT_DESCRIPTION,
      };
      deps.credentials.insert(credential);
      deps.audit.record({ at, type: 'MountCredentialCreated', tenantId: tenant.id, credentialId: credential.id, accessKey: credential.accessKey });
      deps.log(`credential ${credential.id} (${credential.accessKey}) created for tenant ${tenant.id}`);
      return {
        id: credential.id,
        tenant_id: tenant.id,
        bucket_name: tenant.bucketName,
        access_key: grant.accessKey,
        secret_key: grant.secretKey,
        endpoint_url: deps.provider.endpointUrl,
        region: deps.provider.region,
      };
    },

    listCredentials(tenant) {
      return deps.credentials.listActive(tenant.id).map((credential) => ({
        id: credential.id,
        access_key: credential.accessKey,
        description: credential.description,
        created_at: credential.createdAt,
        last_used_at: credential.lastUsedAt,
      }));
    },

    async revokeCredential(tenant, credentialId) {
      const credential = deps.credentials.findActive(tenant.id, credentialId);
      if (!credential) throw new ApiError(404, 'Credential not found.');
      const { revokedAt } = await deps.lifecycle.revoke(credential, 'revoked');
      return { id: credential.id, access_key: credential.accessKey, revoked_at: revokedAt };
    },
  };
}
