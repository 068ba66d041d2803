/** A bucket-scoped access key as the storage side made it; the secret exists only in this value. */
export interface ScopedKeyGrant {
  accessKey: string;
  secretKey: string;
  /** What revoking needs besides the key: the IAM policy ARN on Tigris/AWS. */
  policyRef: string;
}

/**
 * The seam between the tenant API and the object storage: the routes never know whether buckets
 * live in the embedded store or in a Tigris/AWS account.
 */
export interface StorageProvider {
  readonly endpointUrl: string;
  readonly region: string;
  createBucket(name: string): Promise<void>;
  createScopedKey(bucketName: string): Promise<ScopedKeyGrant>;
  revokeKey(accessKey: string, policyRef: string): Promise<void>;
  deleteBucket(name: string): Promise<void>;
  close(): Promise<void>;
}
