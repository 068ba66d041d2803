import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createGate } from './gate.js';
import { openKeyStore, type KeyStore } from './key-store.js';
import { migrateLegacyBuckets } from './legacy-migration.js';
import { openObjectStore, type ObjectStore } from './object-store.js';
import type { ChangeLog } from '../api/change-feed.js';
import { createS3Api } from './s3-api.js';
import { listen, closeServer, urlOf } from '../net.js';

/** `<data-dir>/s3/`: the store's key database, its object database and its body files. */
export function storeDir(dataDir: string): string {
  return path.join(dataDir, 's3');
}

/** Creating and deleting buckets, which only the provider (never a scoped key) may do; usable without a running store (the `token` command). */
export interface BucketFiles {
  create(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export function bucketFiles(store: ObjectStore): BucketFiles {
  return {
    create(name) {
      store.createBucket(name);
      return Promise.resolve();
    },
    remove: (name) => store.deleteBucket(name),
  };
}

/**
 * Opens the object store of a data dir, first carrying over an old s3rver layout and repairing what
 * a crash left, and says in the log what it found.
 */
export async function openStoreData(dataDir: string, log: (line: string) => void): Promise<ObjectStore> {
  const store = openObjectStore(storeDir(dataDir));
  try {
    const migrated = await migrateLegacyBuckets(storeDir(dataDir), store);
    if (migrated) {
      log(`s3 store: moved ${migrated.objects} objects in ${migrated.buckets} buckets from the old s3rver layout; the old files are kept in ${migrated.keptAt}`);
      if (migrated.repairedMetadata.length > 0) log(`s3 store: ${migrated.repairedMetadata.length} objects had empty or damaged metadata and got default headers: ${migrated.repairedMetadata.join(', ')}`);
      if (migrated.refusedKeys.length > 0) log(`s3 store: left behind ${migrated.refusedKeys.length} objects whose names the store refuses: ${migrated.refusedKeys.join(', ')}`);
    }
    const repaired = await store.repair();
    if (repaired.tempFiles > 0) log(`s3 store: removed ${repaired.tempFiles} unfinished uploads left by a crash`);
    if (repaired.orphanBodies > 0) log(`s3 store: removed ${repaired.orphanBodies} body files no object names (left by a crash)`);
    if (repaired.missingObjects.length > 0) {
      log(`s3 store: forgot ${repaired.missingObjects.length} objects whose body file is missing: ${repaired.missingObjects.map((object) => `${object.bucket}/${object.key}`).join(', ')}`);
    }
    if (repaired.missingParts > 0) log(`s3 store: forgot ${repaired.missingParts} multipart parts whose body file is missing`);
    return store;
  } catch (error) {
    store.close();
    throw error;
  }
}

export interface EmbeddedStore {
  url: string;
  keys: KeyStore;
  buckets: BucketFiles;
  /** The object change log the API streams as `GET /tenant/events`. */
  changes: ChangeLog;
  close(): Promise<void>;
}

export const DEFAULT_CHANGE_RETENTION_MS = 7 * 24 * 3600_000;
const PRUNE_INTERVAL_MS = 3600_000;

export interface EmbeddedStoreOptions {
  dataDir: string;
  host: string;
  port: number;
  onKeyUsed?: (accessKey: string) => void;
  isKeyWithdrawn?: (accessKey: string) => boolean;
  log?: (line: string) => void;
  /** How long the change log keeps an entry (default 7 days); a client further behind gets a `reset`. */
  changeRetentionMs?: number;
}

/** The embedded S3 store: one HTTP server whose every request passes the SigV4 gate, then the store's S3 operations. */
export async function startEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const log = options.log ?? (() => undefined);
  const keys = openKeyStore(storeDir(options.dataDir));
  let objects: ObjectStore;
  try {
    objects = await openStoreData(options.dataDir, log);
  } catch (error) {
    keys.close();
    throw error;
  }
  const gate = createGate({
    keys,
    next: createS3Api(objects, log),
    storeHostnames: [...new Set([options.host, 'localhost', os.hostname()])],
    onKeyUsed: options.onKeyUsed,
    isKeyWithdrawn: options.isKeyWithdrawn,
    log,
  });
  const server = http.createServer(gate);
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    keys.close();
    objects.close();
    throw error;
  }
  const retention = options.changeRetentionMs ?? DEFAULT_CHANGE_RETENTION_MS;
  const prune = () => {
    const pruned = objects.pruneChanges(new Date(Date.now() - retention));
    if (pruned > 0) log(`s3 store: dropped ${pruned} change-log entries older than the retention`);
  };
  prune();
  const pruneTimer = setInterval(prune, Math.min(PRUNE_INTERVAL_MS, retention)).unref();
  return {
    url: urlOf(server, options.host),
    keys,
    buckets: bucketFiles(objects),
    changes: objects,
    async close() {
      clearInterval(pruneTimer);
      await closeServer(server);
      keys.close();
      objects.close();
    },
  };
}
