import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openSqlite, type Sqlite } from '../db/sqlite.js';
import { S3Error } from './s3-errors.js';

/**
 * The store's data: object metadata and multipart state in SQLite (`<store-dir>/objects.sqlite`),
 * bodies in files named by ids the store makes up (`<store-dir>/bodies/ab/abcdef…`). A key is only
 * ever a value in a row, never part of a file name. A body is written to `tmp/`, fsynced and renamed
 * into `bodies/` before the row naming it commits, and a body file is never rewritten, so a reader or
 * a crash sees the old object or the new one, never a mix.
 */

/** Headers S3 stores with an object and sends back on GET and HEAD. */
export const STORED_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'] as const;

export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted, as S3 sends it. */
  etag: string;
  lastModified: Date;
  /** `STORED_HEADERS` present and every `x-amz-meta-*`, lower-case names. */
  headers: Record<string, string>;
  bodyId: string;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
  bodyId: string;
}

export interface UploadMeta {
  uploadId: string;
  bucket: string;
  key: string;
  headers: Record<string, string>;
  initiated: Date;
}

export interface WrittenBody {
  bodyId: string;
  size: number;
  md5: Buffer;
}

/** What must hold for a write to commit, checked inside the transaction that commits it. */
export interface WriteCondition {
  ifMatch?: string;
  ifNoneMatchAny?: boolean;
}

const migrations = [
  `CREATE TABLE buckets (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE objects (
     bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
     key TEXT NOT NULL,
     body_id TEXT NOT NULL,
     size INTEGER NOT NULL,
     etag TEXT NOT NULL,
     headers TEXT NOT NULL,
     last_modified INTEGER NOT NULL,
     PRIMARY KEY (bucket, key)
   ) WITHOUT ROWID;
   CREATE TABLE uploads (
     upload_id TEXT PRIMARY KEY,
     bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
     key TEXT NOT NULL,
     headers TEXT NOT NULL,
     initiated INTEGER NOT NULL
   );
   CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated);
   CREATE TABLE parts (
     upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
     part_number INTEGER NOT NULL,
     body_id TEXT NOT NULL,
     size INTEGER NOT NULL,
     etag TEXT NOT NULL,
     last_modified INTEGER NOT NULL,
     PRIMARY KEY (upload_id, part_number)
   ) WITHOUT ROWID;`,
  // The change feed: every object created or deleted, in commit order; cursors are never reused
  // (AUTOINCREMENT), and `change_floor` keeps the highest cursor retention has dropped per bucket.
  `CREATE TABLE changes (
     cursor INTEGER PRIMARY KEY AUTOINCREMENT,
     bucket TEXT NOT NULL,
     key TEXT NOT NULL,
     type TEXT NOT NULL CHECK (type IN ('created', 'deleted')),
     size INTEGER,
     etag TEXT,
     at INTEGER NOT NULL,
     access_key TEXT
   );
   CREATE INDEX changes_by_bucket ON changes (bucket, cursor);
   CREATE INDEX changes_by_time ON changes (at);
   CREATE TABLE change_floor (bucket TEXT PRIMARY KEY, cursor INTEGER NOT NULL) WITHOUT ROWID;`,
];

/** One entry of a bucket's change feed; `accessKey` is the key that made it (none for the operator's own writes). */
export interface ObjectChange {
  cursor: number;
  type: 'created' | 'deleted';
  key: string;
  size: number | null;
  etag: string | null;
  at: Date;
  accessKey: string | null;
}

interface ObjectRow {
  key: string;
  body_id: string;
  size: number;
  etag: string;
  headers: string;
  last_modified: number;
}

type ListedRow = Pick<ObjectRow, 'key' | 'size' | 'etag' | 'last_modified'>;

interface PartRow {
  part_number: number;
  body_id: string;
  size: number;
  etag: string;
  last_modified: number;
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  headers: string;
  initiated: number;
}

export function objectDatabasePath(storeDir: string): string {
  return path.join(storeDir, 'objects.sqlite');
}

export type ObjectStore = ReturnType<typeof openObjectStore>;

export function openObjectStore(storeDir: string) {
  const db: Sqlite = openSqlite(objectDatabasePath(storeDir), migrations);
  // Each commit is after an fsynced body; NORMAL keeps WAL commits durable across a process crash.
  db.pragma('synchronous = NORMAL');
  const bodiesDir = path.join(storeDir, 'bodies');
  const tmpDir = path.join(storeDir, 'tmp');
  fs.mkdirSync(bodiesDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });

  const statements = {
    bucket: db.prepare<[string], { name: string; created_at: number }>('SELECT name, created_at FROM buckets WHERE name = ?'),
    insertBucket: db.prepare('INSERT OR IGNORE INTO buckets (name, created_at) VALUES (?, ?)'),
    deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
    bucketBodies: db.prepare<[string, string], { body_id: string }>(
      'SELECT body_id FROM objects WHERE bucket = ? UNION ALL SELECT p.body_id FROM parts p JOIN uploads u USING (upload_id) WHERE u.bucket = ?',
    ),
    object: db.prepare<[string, string], ObjectRow>('SELECT key, body_id, size, etag, headers, last_modified FROM objects WHERE bucket = ? AND key = ?'),
    // The bucket's row, and the object's when there is one: a HEAD or GET in one read, not two.
    objectInBucket: db.prepare<[string, string], ObjectRow | { [column in keyof ObjectRow]: null }>(
      'SELECT o.key, o.body_id, o.size, o.etag, o.headers, o.last_modified FROM buckets b LEFT JOIN objects o ON o.bucket = b.name AND o.key = ? WHERE b.name = ?',
    ),
    upsertObject: db.prepare(
      `INSERT INTO objects (bucket, key, body_id, size, etag, headers, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bucket, key) DO UPDATE SET body_id = excluded.body_id, size = excluded.size, etag = excluded.etag, headers = excluded.headers, last_modified = excluded.last_modified`,
    ),
    deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
    listFrom: db.prepare<[string, string, number], ListedRow>('SELECT key, size, etag, last_modified FROM objects WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?'),
    listFromInclusive: db.prepare<[string, string, number], ListedRow>('SELECT key, size, etag, last_modified FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?'),
    insertUpload: db.prepare('INSERT INTO uploads (upload_id, bucket, key, headers, initiated) VALUES (?, ?, ?, ?, ?)'),
    upload: db.prepare<[string], UploadRow>('SELECT upload_id, bucket, key, headers, initiated FROM uploads WHERE upload_id = ?'),
    uploads: db.prepare<[string], UploadRow>('SELECT upload_id, bucket, key, headers, initiated FROM uploads WHERE bucket = ? ORDER BY key, initiated'),
    deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
    part: db.prepare<[string, number], PartRow>('SELECT part_number, body_id, size, etag, last_modified FROM parts WHERE upload_id = ? AND part_number = ?'),
    parts: db.prepare<[string], PartRow>('SELECT part_number, body_id, size, etag, last_modified FROM parts WHERE upload_id = ? ORDER BY part_number'),
    upsertPart: db.prepare(
      `INSERT INTO parts (upload_id, part_number, body_id, size, etag, last_modified) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (upload_id, part_number) DO UPDATE SET body_id = excluded.body_id, size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified`,
    ),
    allBodyIds: db.prepare<[], { body_id: string }>('SELECT body_id FROM objects UNION ALL SELECT body_id FROM parts'),
    objectBodies: db.prepare<[], { bucket: string; key: string; body_id: string }>('SELECT bucket, key, body_id FROM objects'),
    partBodies: db.prepare<[], { upload_id: string; part_number: number; body_id: string }>('SELECT upload_id, part_number, body_id FROM parts'),
    deletePart: db.prepare('DELETE FROM parts WHERE upload_id = ? AND part_number = ?'),
    insertChange: db.prepare('INSERT INTO changes (bucket, key, type, size, etag, at, access_key) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    changesAfter: db.prepare<[string, number, number], { cursor: number; type: 'created' | 'deleted'; key: string; size: number | null; etag: string | null; at: number; access_key: string | null }>(
      'SELECT cursor, type, key, size, etag, at, access_key FROM changes WHERE bucket = ? AND cursor > ? ORDER BY cursor LIMIT ?',
    ),
    changeFloor: db.prepare<[string], { cursor: number }>('SELECT cursor FROM change_floor WHERE bucket = ?'),
    // AUTOINCREMENT's high-water mark: still right when retention has emptied the table.
    latestCursor: db.prepare<[], { cursor: number | null }>("SELECT seq AS cursor FROM sqlite_sequence WHERE name = 'changes'"),
    prunedFloors: db.prepare<[number], { bucket: string; cursor: number }>('SELECT bucket, MAX(cursor) AS cursor FROM changes WHERE at < ? GROUP BY bucket'),
    raiseFloor: db.prepare('INSERT INTO change_floor (bucket, cursor) VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET cursor = MAX(cursor, excluded.cursor)'),
    pruneChanges: db.prepare('DELETE FROM changes WHERE at < ?'),
  };
  const changeListeners = new Set<(bucket: string) => void>();
  /** Called inside the transaction that makes the change, so the log and the objects never disagree. */
  function recordChange(bucket: string, key: string, type: 'created' | 'deleted', at: number, actor: string | undefined, object?: { size: number; etag: string }): void {
    statements.insertChange.run(bucket, key, type, object?.size ?? null, object?.etag ?? null, at, actor ?? null);
  }
  function announce(bucket: string): void {
    for (const listener of changeListeners) listener(bucket);
  }

  const bodyPath = (bodyId: string) => path.join(bodiesDir, bodyId.slice(0, 2), bodyId);

  /** Removes body files no committed row names any more; a failure only leaves an orphan that the next start removes. */
  async function discardBodies(bodyIds: readonly string[]): Promise<void> {
    await Promise.all(bodyIds.map((bodyId) => fsp.rm(bodyPath(bodyId), { force: true }).catch(() => undefined)));
  }

  function checkCondition(bucket: string, key: string, condition: WriteCondition | undefined): void {
    if (!condition) return;
    const existing = statements.object.get(bucket, key);
    if (condition.ifNoneMatchAny && existing) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold: the object exists.');
    if (condition.ifMatch !== undefined) {
      if (!existing) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
      if (!etagMatches(condition.ifMatch, existing.etag)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold: the ETag differs.');
    }
  }

  function requireBucket(bucket: string): void {
    if (!statements.bucket.get(bucket)) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.');
  }

  return {
    bodyPath,
    requireBucket,

    bucketCreated(bucket: string): Date | undefined {
      const row = statements.bucket.get(bucket);
      return row ? new Date(row.created_at) : undefined;
    },

    createBucket(bucket: string, createdAt = new Date()): void {
      statements.insertBucket.run(bucket, createdAt.getTime());
    },

    async deleteBucket(bucket: string): Promise<void> {
      const bodies = db.transaction(() => {
        const ids = statements.bucketBodies.all(bucket, bucket).map((row) => row.body_id);
        statements.deleteBucket.run(bucket);
        return ids;
      })();
      await discardBodies(bodies);
    },

    /**
     * Streams `body` into a new body file: temp file, fsync, rename. Resolves with the id, size and
     * MD5; on any failure (a bad signed hash included) removes the temp file and rethrows.
     */
    async writeBody(body: Readable, limits: { expectedSize?: number } = {}): Promise<WrittenBody> {
      const bodyId = crypto.randomBytes(16).toString('hex');
      const temp = path.join(tmpDir, bodyId);
      const md5 = crypto.createHash('md5');
      let size = 0;
      try {
        await pipeline(
          body,
          new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              md5.update(chunk);
              size += chunk.length;
              callback(null, chunk);
            },
          }),
          fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 }),
        );
        if (limits.expectedSize !== undefined && size !== limits.expectedSize) {
          throw new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
        }
        // fsync flushes the file's data whichever descriptor asks, so the body is on disk before its name is.
        const handle = await fsp.open(temp, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fsp.mkdir(path.dirname(bodyPath(bodyId)), { recursive: true, mode: 0o700 });
        await fsp.rename(temp, bodyPath(bodyId));
        return { bodyId, size, md5: md5.digest() };
      } catch (error) {
        await fsp.rm(temp, { force: true });
        throw error;
      }
    },

    /** Streams several byte ranges of existing bodies (in order) into one new body. */
    async writeBodyFrom(sources: readonly { bodyId: string; start?: number; end?: number }[]): Promise<WrittenBody> {
      async function* concatenated() {
        for (const source of sources) {
          const stream = fs.createReadStream(bodyPath(source.bodyId), { start: source.start, end: source.end });
          for await (const chunk of stream) yield chunk as Buffer;
        }
      }
      return this.writeBody(Readable.from(concatenated()));
    },

    discardBodies,

    /** The object's metadata, or undefined when the bucket has no such key; NoSuchBucket when there is no such bucket. */
    head(bucket: string, key: string): ObjectMeta | undefined {
      const row = statements.objectInBucket.get(key, bucket);
      if (!row) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.');
      return row.key === null ? undefined : toObjectMeta(row);
    },

    /** Commits an object row for a written body; the body it replaces is removed after the commit. */
    async commitObject(bucket: string, key: string, written: { bodyId: string; size: number; etag: string; lastModified?: Date }, headers: Record<string, string>, condition?: WriteCondition, actor?: string): Promise<ObjectMeta> {
      const now = written.lastModified?.getTime() ?? Date.now();
      let replaced: string | undefined;
      try {
        db.transaction(() => {
          requireBucket(bucket);
          checkCondition(bucket, key, condition);
          replaced = statements.object.get(bucket, key)?.body_id;
          statements.upsertObject.run(bucket, key, written.bodyId, written.size, written.etag, JSON.stringify(headers), now);
          recordChange(bucket, key, 'created', Date.now(), actor, written);
        })();
      } catch (error) {
        await discardBodies([written.bodyId]);
        throw error;
      }
      announce(bucket);
      if (replaced !== undefined && replaced !== written.bodyId) await discardBodies([replaced]);
      return { key, size: written.size, etag: written.etag, lastModified: new Date(now), headers, bodyId: written.bodyId };
    },

    /** Replaces only an object's stored headers (a copy onto itself with REPLACE): the body stays. */
    replaceHeaders(bucket: string, key: string, headers: Record<string, string>, actor?: string): ObjectMeta {
      const now = Date.now();
      const meta = db.transaction(() => {
        const row = statements.object.get(bucket, key);
        if (!row) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
        statements.upsertObject.run(bucket, key, row.body_id, row.size, row.etag, JSON.stringify(headers), now);
        recordChange(bucket, key, 'created', now, actor, row);
        return toObjectMeta({ ...row, headers: JSON.stringify(headers), last_modified: now });
      })();
      announce(bucket);
      return meta;
    },

    async deleteObject(bucket: string, key: string, actor?: string): Promise<void> {
      const bodyId = db.transaction(() => {
        requireBucket(bucket);
        const row = statements.object.get(bucket, key);
        statements.deleteObject.run(bucket, key);
        // Deleting what is not there changes nothing, so it is not a change.
        if (row) recordChange(bucket, key, 'deleted', Date.now(), actor);
        return row?.body_id;
      })();
      if (bodyId !== undefined) {
        announce(bucket);
        await discardBodies([bodyId]);
      }
    },

    /** Objects with key > `from` (>= when `inclusive`), in S3's order (UTF-8 bytes, which is SQLite's BINARY order for TEXT). */
    listAfter(bucket: string, from: string, inclusive: boolean, limit: number): ListedObject[] {
      const rows = (inclusive ? statements.listFromInclusive : statements.listFrom).all(bucket, from, limit);
      return rows.map((row) => ({ key: row.key, size: row.size, etag: row.etag, lastModified: new Date(row.last_modified) }));
    },

    createUpload(bucket: string, key: string, headers: Record<string, string>): UploadMeta {
      const upload: UploadMeta = { uploadId: crypto.randomBytes(24).toString('base64url'), bucket, key, headers, initiated: new Date() };
      db.transaction(() => {
        requireBucket(bucket);
        statements.insertUpload.run(upload.uploadId, bucket, key, JSON.stringify(headers), upload.initiated.getTime());
      })();
      return upload;
    },

    /** The upload, only when it belongs to this bucket and key: an upload id never reaches another object. */
    upload(bucket: string, key: string, uploadId: string): UploadMeta {
      const row = statements.upload.get(uploadId);
      if (!row || row.bucket !== bucket || row.key !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
      return toUploadMeta(row);
    },

    uploads(bucket: string): UploadMeta[] {
      return statements.uploads.all(bucket).map(toUploadMeta);
    },

    parts(uploadId: string): PartMeta[] {
      return statements.parts.all(uploadId).map(toPartMeta);
    },

    async commitPart(upload: UploadMeta, partNumber: number, written: WrittenBody): Promise<PartMeta> {
      const now = Date.now();
      const etag = `"${written.md5.toString('hex')}"`;
      let replaced: string | undefined;
      try {
        db.transaction(() => {
          if (!statements.upload.get(upload.uploadId)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist. It may have been aborted or completed.');
          replaced = statements.part.get(upload.uploadId, partNumber)?.body_id;
          statements.upsertPart.run(upload.uploadId, partNumber, written.bodyId, written.size, etag, now);
        })();
      } catch (error) {
        await discardBodies([written.bodyId]);
        throw error;
      }
      if (replaced !== undefined) await discardBodies([replaced]);
      return { partNumber, size: written.size, etag, lastModified: new Date(now), bodyId: written.bodyId };
    },

    /** Commits the assembled object and forgets the upload in one transaction; then removes the part files. */
    async completeUpload(upload: UploadMeta, written: { bodyId: string; size: number; etag: string }, condition?: WriteCondition, actor?: string): Promise<ObjectMeta> {
      const now = Date.now();
      let obsolete: string[] = [];
      try {
        db.transaction(() => {
          if (!statements.upload.get(upload.uploadId)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist. It may have been aborted or completed.');
          checkCondition(upload.bucket, upload.key, condition);
          obsolete = statements.parts.all(upload.uploadId).map((row) => row.body_id);
          const replaced = statements.object.get(upload.bucket, upload.key)?.body_id;
          if (replaced !== undefined) obsolete.push(replaced);
          statements.upsertObject.run(upload.bucket, upload.key, written.bodyId, written.size, written.etag, JSON.stringify(upload.headers), now);
          statements.deleteUpload.run(upload.uploadId);
          recordChange(upload.bucket, upload.key, 'created', now, actor, written);
        })();
      } catch (error) {
        await discardBodies([written.bodyId]);
        throw error;
      }
      announce(upload.bucket);
      await discardBodies(obsolete);
      return { key: upload.key, size: written.size, etag: written.etag, lastModified: new Date(now), headers: upload.headers, bodyId: written.bodyId };
    },

    /** Up to `limit` changes of a bucket after `cursor`, oldest first. */
    changesAfter(bucket: string, cursor: number, limit: number): ObjectChange[] {
      return statements.changesAfter.all(bucket, cursor, limit).map((row) => ({
        cursor: row.cursor,
        type: row.type,
        key: row.key,
        size: row.size,
        etag: row.etag,
        at: new Date(row.at),
        accessKey: row.access_key,
      }));
    },

    /** The highest cursor of the bucket that retention dropped (0 when none): a client behind it missed changes. */
    changeFloor(bucket: string): number {
      return statements.changeFloor.get(bucket)?.cursor ?? 0;
    },

    /** The newest cursor of any bucket (0 when the log is empty): where a client told to reset starts again. */
    latestCursor(): number {
      return statements.latestCursor.get()?.cursor ?? 0;
    },

    /** Drops changes older than `before`, raising each bucket's floor; returns how many went. */
    pruneChanges(before: Date): number {
      return db.transaction(() => {
        for (const floor of statements.prunedFloors.all(before.getTime())) statements.raiseFloor.run(floor.bucket, floor.cursor);
        return statements.pruneChanges.run(before.getTime()).changes;
      })();
    },

    /** Calls `listener` with the bucket after each committed change; returns the unsubscribe. */
    onChange(listener: (bucket: string) => void): () => void {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },

    async abortUpload(upload: UploadMeta): Promise<void> {
      const bodies = db.transaction(() => {
        const ids = statements.parts.all(upload.uploadId).map((row) => row.body_id);
        statements.deleteUpload.run(upload.uploadId);
        return ids;
      })();
      await discardBodies(bodies);
    },

    /**
     * After a crash: temp files are dropped, body files no row names are removed, and rows whose
     * body file is gone are removed, so every listing and every read answers. Returns what it did.
     */
    async repair(): Promise<{ tempFiles: number; orphanBodies: number; missingObjects: { bucket: string; key: string }[]; missingParts: number }> {
      const tempFiles = await fsp.readdir(tmpDir);
      await Promise.all(tempFiles.map((name) => fsp.rm(path.join(tmpDir, name), { force: true, recursive: true })));
      const onDisk = new Set<string>();
      for (const shard of await fsp.readdir(bodiesDir)) {
        for (const name of await fsp.readdir(path.join(bodiesDir, shard))) onDisk.add(name);
      }
      const named = new Set(statements.allBodyIds.all().map((row) => row.body_id));
      const orphans = [...onDisk].filter((bodyId) => !named.has(bodyId));
      await discardBodies(orphans);
      const missingObjects = statements.objectBodies.all().filter((row) => !onDisk.has(row.body_id));
      const missingParts = statements.partBodies.all().filter((row) => !onDisk.has(row.body_id));
      db.transaction(() => {
        for (const row of missingObjects) statements.deleteObject.run(row.bucket, row.key);
        for (const row of missingParts) statements.deletePart.run(row.upload_id, row.part_number);
      })();
      return { tempFiles: tempFiles.length, orphanBodies: orphans.length, missingObjects: missingObjects.map(({ bucket, key }) => ({ bucket, key })), missingParts: missingParts.length };
    },

    close(): void {
      db.close();
    },
  };
}

function toObjectMeta(row: ObjectRow): ObjectMeta {
  return { key: row.key, size: row.size, etag: row.etag, lastModified: new Date(row.last_modified), headers: JSON.parse(row.headers) as Record<string, string>, bodyId: row.body_id };
}

function toPartMeta(row: PartRow): PartMeta {
  return { partNumber: row.part_number, size: row.size, etag: row.etag, lastModified: new Date(row.last_modified), bodyId: row.body_id };
}

function toUploadMeta(row: UploadRow): UploadMeta {
  return { uploadId: row.upload_id, bucket: row.bucket, key: row.key, headers: JSON.parse(row.headers) as Record<string, string>, initiated: new Date(row.initiated) };
}

/** `If-Match` / `If-None-Match` lists: `*`, or ETags quoted or not, comma-separated. */
export function etagMatches(headerValue: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, '');
  return headerValue.split(',').some((candidate) => {
    const value = candidate.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return value === '*' || value === bare;
  });
}

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, then `-` and the part count. */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = crypto.createHash('md5');
  for (const etag of partEtags) md5.update(Buffer.from(etag.replace(/"/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${partEtags.length}"`;
}
