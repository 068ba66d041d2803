/** The cloud's tenant mount API (SPEC-8), as the CLI sees it. */
export interface MountInfo {
  tenant_id: string;
  bucket_name: string;
  has_credentials: boolean;
  credentials_created_at: string | null;
}

/** `POST /tenant/mount/credentials`: exactly SPEC-8's shape; the secret is returned once. */
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
  /** `POST /sync`: tells the cloud to pick up new files (SPEC-8 layer 3). */
  notifySync(): Promise<void>;
}
