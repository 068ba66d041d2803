import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKeyStore, type KeyStore } from '../../../src/server/store/key-store.js';

describe('key store: lookups remembered for a moment, revocations at once', () => {
  let dir: string;
  let clock: number;
  let store: KeyStore;
  // A second connection to the same file: what another process writing the key database would be.
  let other: KeyStore;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-keys-'));
    clock = 0;
    store = openKeyStore(dir, { cacheMs: 1000, now: () => clock });
    other = openKeyStore(dir);
  });
  afterEach(async () => {
    store.close();
    other.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('refuses a key revoked through the store on the very next lookup, though it was just looked up', () => {
    const key = store.create('bucket-a');
    expect(store.find(key.accessKey)).toMatchObject({ bucketName: 'bucket-a', active: true });
    store.revoke(key.accessKey);
    expect(store.find(key.accessKey)).toMatchObject({ active: false });
  });

  it('sees a revocation written by another connection once the remembered lookup is a second old', () => {
    const key = store.create('bucket-a');
    expect(store.find(key.accessKey)?.active).toBe(true);
    other.revoke(key.accessKey);
    clock += 1000;
    expect(store.find(key.accessKey)).toMatchObject({ active: false });
  });

  it('finds a key another connection created, and never remembers a key it did not find', () => {
    expect(store.find('tid_unknown')).toBeUndefined();
    const key = other.create('bucket-b');
    expect(store.find(key.accessKey)).toEqual({ accessKey: key.accessKey, secretKey: key.secretKey, bucketName: 'bucket-b', active: true });
  });
});
