import type { BucketFiles } from '../store/embedded-store.js';
import type { KeyStore } from '../store/key-store.js';
import type { StorageProvider } from './provider.js';

/** The embedded store as a provider: buckets are rows of the object store, keys live in the store's key database. */
export function localProvider(deps: { keys: KeyStore; buckets: BucketFiles; endpointUrl: string; close?: () => Promise<void> }): StorageProvider {
  return {
    endpointUrl: deps.endpointUrl,
    region: 'auto',
    createBucket: (name) => deps.buckets.create(name),
    deleteBucket: (name) => deps.buckets.remove(name),
    createScopedKey(bucketName) {
      const key = deps.keys.create(bucketName);
      // There is no IAM policy object here; the reference names the bucket the key is scoped to.
      return Promise.resolve({ accessKey: key.accessKey, secretKey: key.secretKey, policyRef: `embedded:bucket/${bucketName}` });
    },
    revokeKey(accessKey) {
      deps.keys.revoke(accessKey);
      return Promise.resolve();
    },
    close: deps.close ?? (() => Promise.resolve()),
  };
}
