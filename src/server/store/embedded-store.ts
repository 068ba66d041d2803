import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import S3rver from '@20minutes/s3rver';
import { fixEmulatorXml } from './emulator-xml.js';
import { createGate } from './gate.js';
import { openKeyStore, type KeyStore } from './key-store.js';
import { s3ErrorStatus } from './s3-errors.js';
import { listen, closeServer, urlOf } from '../net.js';

/** `<data-dir>/s3/`: the store's key database and, under `buckets/`, the emulator's files. */
export function storeDir(dataDir: string): string {
  return path.join(dataDir, 's3');
}

/** The emulator's view of buckets on disk, usable without a running store (the `token` command). */
export interface BucketFiles {
  create(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export function createEmulator(dataDir: string): S3rver {
  const emulator = new S3rver({
    directory: path.join(storeDir(dataDir), 'buckets'),
    silent: true,
    // The gate has checked the signature and strips it; the emulator must not judge it again.
    allowMismatchedSignatures: true,
    // The gate turns virtual-host requests into path style before the emulator sees them.
    vhostBuckets: false,
  });
  writeObjectsAtomically(emulator);
  tagMultipartObjectsAsS3Does(emulator);
  return emulator;
}

/**
 * The emulator writes an upload straight over the object's file, so a body that fails its SHA-256
 * check half-way would leave a damaged object. Writing to a temporary file (which its listings
 * ignore) and renaming on success keeps the old object until a good body has fully arrived.
 */
function writeObjectsAtomically(emulator: S3rver): void {
  const store = emulator.store;
  const putContent = store.putContent.bind(store);
  store.putContent = async (objectPath, content) => {
    const partial = `${objectPath}.partial-${crypto.randomBytes(6).toString('hex')}`;
    try {
      const written = await putContent(partial, content);
      await fs.rename(partial, objectPath);
      return written;
    } catch (error) {
      await fs.rm(partial, { force: true });
      throw error;
    }
  };
}

/**
 * S3 (and Tigris) give an object assembled from parts the ETag `md5(part MD5s)-N`, which is no MD5 of
 * its bytes; the emulator gives the whole object's MD5. Clients that read MD5s from listings (rclone
 * bisync's checksum comparison) must meet the real thing here.
 */
function tagMultipartObjectsAsS3Does(emulator: S3rver): void {
  const store = emulator.store;
  const putObjectMultipart = store.putObjectMultipart.bind(store);
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const uploadDir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const [key, partDigests] = await Promise.all([
      fs.readFile(path.join(uploadDir, 'key'), 'utf8'),
      Promise.all([...parts].sort((a, b) => a.number - b.number).map((part) => fs.readFile(path.join(uploadDir, `${part.number}.md5`), 'utf8'))),
    ]);
    const result = await putObjectMultipart(bucket, uploadId, parts);
    const etag = `${crypto.createHash('md5').update(Buffer.concat(partDigests.map((digest) => Buffer.from(digest.trim(), 'hex')))).digest('hex')}-${parts.length}`;
    await fs.writeFile(store.getResourcePath(bucket, key, 'object.md5'), etag);
    return { ...result, md5: etag };
  };
}

export function bucketFiles(emulator: S3rver): BucketFiles {
  return {
    async create(name) {
      await emulator.store.putBucket(name);
    },
    async remove(name) {
      await emulator.store.deleteBucket(name);
    },
  };
}

export interface EmbeddedStore {
  url: string;
  keys: KeyStore;
  buckets: BucketFiles;
  close(): Promise<void>;
}

export interface EmbeddedStoreOptions {
  dataDir: string;
  host: string;
  port: number;
  onKeyUsed?: (accessKey: string) => void;
}

const require = createRequire(import.meta.url);
// The emulator's error type: a failed body check thrown as one is answered with S3's XML and its status.
const EmulatorError = require('@20minutes/s3rver/lib/models/error.js') as new (code: string, message: string, detail?: object) => Error & { status: number; expose: boolean };

/** The embedded S3 store: one HTTP server whose every request passes the SigV4 gate, then the emulator in-process. */
export async function startEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const keys = openKeyStore(storeDir(options.dataDir));
  const emulator = createEmulator(options.dataDir);
  const emulatorHandler = emulator.callback();
  const gate = createGate({
    keys,
    next: (req, res) => {
      fixEmulatorXml(res);
      emulatorHandler(req, res);
    },
    storeHostnames: [...new Set([options.host, 'localhost', os.hostname()])],
    bodyError: (code, message) => {
      const error = new EmulatorError(code, message);
      error.status = s3ErrorStatus(code);
      error.expose = true;
      return error;
    },
    onKeyUsed: options.onKeyUsed,
  });
  const server = http.createServer(gate);
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    keys.close();
    throw error;
  }
  return {
    url: urlOf(server, options.host),
    keys,
    buckets: bucketFiles(emulator),
    async close() {
      await closeServer(server);
      keys.close();
    },
  };
}
