import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { STORED_HEADERS, type ObjectStore } from './object-store.js';
import { parseTarget, keyProblem } from './scope.js';

/**
 * Brings a data dir written by the earlier store (the s3rver emulator: `<store-dir>/buckets/<bucket>/
 * <key>._S3rver_object` beside `…._S3rver_metadata.json`) into the object store, once. Metadata files
 * that are empty or not JSON (what a crash mid-write left) are repaired: the object keeps its bytes
 * with default headers. Keys the store refuses are left in the old folder, which is kept, renamed,
 * for the operator to inspect. Unfinished multipart uploads are not carried over.
 */

const OBJECT_SUFFIX = '._S3rver_object';
const METADATA_SUFFIX = '._S3rver_metadata.json';
const UPLOADS_DIR = '._S3rver_uploads';

export interface MigrationReport {
  buckets: number;
  objects: number;
  repairedMetadata: string[];
  refusedKeys: string[];
  keptAt: string;
}

export function legacyBucketsDir(storeDir: string): string {
  return path.join(storeDir, 'buckets');
}

export async function migrateLegacyBuckets(storeDir: string, store: ObjectStore): Promise<MigrationReport | undefined> {
  const root = legacyBucketsDir(storeDir);
  if (!fs.existsSync(root)) return undefined;
  const report: MigrationReport = { buckets: 0, objects: 0, repairedMetadata: [], refusedKeys: [], keptAt: '' };
  for (const entry of await fsp.readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const parsed = parseTarget(`/${encodeURIComponent(entry.name)}`, undefined, []);
    if (!parsed.ok || parsed.target.bucket === null) {
      report.refusedKeys.push(`${entry.name}/ (not a valid bucket name)`);
      continue;
    }
    const bucket = parsed.target.bucket;
    const bucketDir = path.join(root, entry.name);
    store.createBucket(bucket, (await fsp.stat(bucketDir)).birthtime);
    report.buckets += 1;
    for await (const objectFile of objectFiles(bucketDir)) {
      const key = path.relative(bucketDir, objectFile).slice(0, -OBJECT_SUFFIX.length).split(path.sep).join('/');
      if (key === '' || keyProblem(key)) {
        report.refusedKeys.push(`${bucket}/${key}`);
        continue;
      }
      const headers = await readLegacyMetadata(objectFile.slice(0, -OBJECT_SUFFIX.length) + METADATA_SUFFIX);
      if (headers === undefined) report.repairedMetadata.push(`${bucket}/${key}`);
      const stat = await fsp.stat(objectFile);
      const written = await store.writeBody(fs.createReadStream(objectFile));
      await store.commitObject(bucket, key, { bodyId: written.bodyId, size: written.size, etag: `"${written.md5.toString('hex')}"`, lastModified: stat.mtime }, headers ?? {});
      report.objects += 1;
    }
  }
  report.keptAt = path.join(storeDir, `s3rver-layout-migrated-${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(3).toString('hex')}`);
  await fsp.rename(root, report.keptAt);
  return report;
}

async function* objectFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== UPLOADS_DIR) yield* objectFiles(full);
    } else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) {
      yield full;
    }
  }
}

/** The stored headers of an old object, or undefined when its metadata file is missing, empty or not a JSON object. */
async function readLegacyMetadata(file: string): Promise<Record<string, string> | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (typeof value === 'string' && ((STORED_HEADERS as readonly string[]).includes(lower) || lower.startsWith('x-amz-meta-'))) headers[lower] = value;
  }
  return headers;
}
