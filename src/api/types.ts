import type { FeedHandlers } from './change-feed.js';

/** The cloud's tenant mount API as the CLI sees it (docs/API-CONTRACT.md). */
export interface MountInfo {
  tenant_id: string;
  bucket_name: string;
  has_credentials: boolean;
  credentials_created_at: string | null;
}

/** `POST /tenant/mount/credentials`: the cloud's shape; the secret is returned once. */
export interface CreatedCredentials {
  tenant_id: string;
  bucket_name: string;
  access_key: string;
  secret_key: string;
  endpoint_url: string;
  region: string;
}

export interface CredentialSummary {
  id: string;
  access_key: string;
  description: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface ApiClient {
  readonly baseUrl: string;
  getMountInfo(): Promise<MountInfo>;
  createCredentials(description?: string): Promise<CreatedCredentials>;
  listCredentials(): Promise<CredentialSummary[]>;
  revokeCredential(id: string): Promise<void>;
  /** `POST /sync`: tells the cloud to pick up new files (best effort); `paths`: just these keys changed. */
  notifySync(paths?: readonly string[]): Promise<void>;
  /** `GET /tenant/events`: follows the bucket's changes until `signal` aborts (src/api/change-feed.ts). */
  followChanges(handlers: FeedHandlers, signal: AbortSignal): Promise<void>;
}
