import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkReadConditions, parseRange } from './conditions.js';
import type { AdmittedRequest } from './gate.js';
import { compareKeys, listPage, urlEncodeKey, type ListPage } from './listing.js';
import { multipartEtag, STORED_HEADERS, type ListedObject, type ObjectMeta, type ObjectStore, type WriteCondition } from './object-store.js';
import { S3Error, sendS3Error } from './s3-errors.js';
import { keyProblem } from './scope.js';
import { headerValue } from './sigv4.js';
import { parseCompleteMultipartUpload, parseDeleteObjects, xmlDocument, type XmlValue } from './s3-xml.js';

/**
 * The S3 operations the project's clients use (rclone, the AWS SDK), on an admitted request: the
 * gate has authenticated it, decided its bucket and key, and checked its body against its signed
 * hash. Every failure is answered as S3 XML with the request id; an unexpected one is logged too.
 */

const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;
const MAX_XML_BODY = 1024 * 1024;
const MAX_USER_METADATA_BYTES = 2048;
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const BUCKET_SUBRESOURCES_NOT_IMPLEMENTED = ['acl', 'cors', 'lifecycle', 'policy', 'tagging', 'versioning', 'versions', 'website', 'encryption', 'replication', 'logging', 'notification', 'object-lock', 'accelerate', 'requestPayment', 'ownershipControls', 'publicAccessBlock'];

export function createS3Api(store: ObjectStore, log: (line: string) => void) {
  return async function handle(request: AdmittedRequest, res: ServerResponse): Promise<void> {
    try {
      await route(store, request, res);
    } catch (error) {
      const s3Error = error instanceof S3Error ? error : undefined;
      const what = `s3 store: request ${request.requestId} ${request.method} ${request.bucket ?? ''}/${request.key ?? ''}`;
      if (clientWentAway(error, res)) {
        log(`${what}: the client hung up`);
      } else if (!s3Error) {
        log(`${what} failed: ${(error as Error).stack ?? String(error)}`);
      }
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const code = s3Error?.code ?? 'InternalError';
      const message = s3Error?.message ?? 'We encountered an internal error. Please try again.';
      sendS3Error(res, request.method, code, message, `/${request.bucket ?? ''}${request.key === null ? '' : `/${request.key}`}`, request.requestId);
    }
  };
}

function clientWentAway(error: unknown, res: ServerResponse): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return res.socket === null || res.socket.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

async function route(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): Promise<void> {
  const { method, bucket, key, query } = request;
  if (bucket === null) throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
  if (key === null) {
    if (BUCKET_SUBRESOURCES_NOT_IMPLEMENTED.some((name) => query.has(name))) throw new S3Error('NotImplemented', 'This bucket operation is not implemented by the reference store.');
    if (method === 'HEAD') return headBucket(store, request, res);
    if (method === 'GET' && query.has('location')) return getBucketLocation(store, request, res);
    if (method === 'GET' && query.has('uploads')) return listUploads(store, request, res);
    if (method === 'GET') return listObjects(store, request, res);
    if (method === 'POST' && query.has('delete')) return deleteObjects(store, request, res);
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
  if (['acl', 'tagging', 'retention', 'legal-hold', 'torrent', 'attributes', 'restore', 'select'].some((name) => query.has(name))) {
    throw new S3Error('NotImplemented', 'This object operation is not implemented by the reference store.');
  }
  const uploadId = query.get('uploadId');
  switch (method) {
    case 'GET':
      return uploadId === null ? getObject(store, request, res, true) : listParts(store, request, res, uploadId);
    case 'HEAD':
      return getObject(store, request, res, false);
    case 'PUT':
      if (uploadId !== null) return uploadPart(store, request, res, uploadId);
      return request.copySource ? copyObject(store, request, res) : putObject(store, request, res);
    case 'POST':
      if (query.has('uploads')) return createUpload(store, request, res);
      if (uploadId !== null) return completeUpload(store, request, res, uploadId);
      break;
    case 'DELETE':
      if (uploadId !== null) return abortUpload(store, request, res, uploadId);
      return deleteObject(store, request, res);
  }
  throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

function headBucket(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): void {
  store.requireBucket(bucketOf(request));
  send(res, request, 200, { 'x-amz-bucket-region': 'auto' });
}

function getBucketLocation(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): void {
  store.requireBucket(bucketOf(request));
  sendXml(res, request, 200, xmlDocument('LocationConstraint', {}));
}

function listObjects(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): void {
  const bucket = bucketOf(request);
  store.requireBucket(bucket);
  const { query } = request;
  const v2 = query.get('list-type') === '2';
  if (query.has('list-type') && !v2) throw new S3Error('InvalidArgument', 'list-type must be 2 when given.');
  const encodingType = query.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request: only "url" is supported.');
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const token = query.get('continuation-token');
  let marker: string;
  if (v2) {
    marker = token !== null ? decodeContinuationToken(token) : (query.get('start-after') ?? '');
  } else {
    marker = query.get('marker') ?? '';
  }
  const page: ListPage<ListedObject> = listPage((from, inclusive, limit) => store.listAfter(bucket, from, inclusive, limit), { prefix, delimiter, marker, maxKeys });
  const encode = encodingType === 'url' ? urlEncodeKey : (text: string) => text;
  const optional = (value: string) => (value === '' ? undefined : encode(value));
  const contents = page.contents.map((object) => ({
    Key: encode(object.key),
    LastModified: object.lastModified.toISOString(),
    ETag: object.etag,
    Size: object.size,
    StorageClass: 'STANDARD',
  }));
  const commonPrefixes = page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) }));
  const common: Record<string, XmlValue | undefined> = {
    Name: bucket,
    Prefix: encode(prefix),
    Delimiter: optional(delimiter),
    MaxKeys: maxKeys,
    EncodingType: encodingType ?? undefined,
    IsTruncated: page.isTruncated,
  };
  const body = v2
    ? xmlDocument('ListBucketResult', {
        ...common,
        KeyCount: contents.length + commonPrefixes.length,
        ContinuationToken: token ?? undefined,
        NextContinuationToken: page.isTruncated && page.nextMarker !== undefined ? Buffer.from(page.nextMarker).toString('base64url') : undefined,
        StartAfter: optional(query.get('start-after') ?? ''),
        Contents: contents,
        CommonPrefixes: commonPrefixes,
      })
    : xmlDocument('ListBucketResult', {
        ...common,
        Marker: encode(marker),
        // As S3: v1 names the next marker only with a delimiter; without one, clients continue from the last key.
        NextMarker: page.isTruncated && delimiter !== '' && page.nextMarker !== undefined ? encode(page.nextMarker) : undefined,
        Contents: contents,
        CommonPrefixes: commonPrefixes,
      });
  sendXml(res, request, 200, body);
}

function parseMaxKeys(value: string | null, limit = 1000): number {
  if (value === null) return limit;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer.');
  return Math.min(number, limit);
}

function decodeContinuationToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString();
  if (Buffer.from(decoded).toString('base64url') !== token) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect.');
  return decoded;
}

async function getObject(store: ObjectStore, request: AdmittedRequest, res: ServerResponse, withBody: boolean): Promise<void> {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  // HEAD (one per object in `rclone lsl`) needs the row only.
  const { object, handle } = withBody ? await openObject(store, bucket, key) : { object: headOf(store, bucket, key), handle: undefined };
  try {
    const headers = objectHeaders(object);
    const condition = checkReadConditions(request.headers, object);
    if (condition === 'failed') throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
    if (condition === 'not-modified') {
      send(res, request, 304, { etag: object.etag, 'last-modified': headers['last-modified'] ?? '' });
      return;
    }
    const range = parseRange(headerValue(request.headers, 'range'), object.size);
    if (range.kind === 'unsatisfiable') throw new S3Error('InvalidRange', 'The requested range is not satisfiable.');
    const [status, start, end] = range.kind === 'range' ? [206, range.start, range.end] : [200, 0, object.size - 1];
    if (range.kind === 'range') headers['content-range'] = `bytes ${start}-${end}/${object.size}`;
    headers['content-length'] = String(Math.max(0, end - start + 1));
    res.writeHead(status, { ...headers, 'x-amz-request-id': request.requestId });
    if (handle === undefined || object.size === 0) {
      res.end();
      return;
    }
    const stream = handle.createReadStream({ start, end, autoClose: false });
    await pipeline(stream, res).catch((error: NodeJS.ErrnoException) => {
      // A client that hangs up mid-download is not the store's failure.
      if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function headOf(store: ObjectStore, bucket: string, key: string): ObjectMeta {
  const object = store.head(bucket, key);
  if (!object) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
  return object;
}

/** The object's row and an open handle on its body; a body replaced between the two is looked up again. */
async function openObject(store: ObjectStore, bucket: string, key: string): Promise<{ object: ObjectMeta; handle: fsp.FileHandle }> {
  for (let attempt = 0; ; attempt += 1) {
    const object = headOf(store, bucket, key);
    try {
      return { object, handle: await fsp.open(store.bodyPath(object.bodyId), 'r') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw error;
    }
  }
}

function objectHeaders(object: ObjectMeta): Record<string, string> {
  return {
    'content-type': DEFAULT_CONTENT_TYPE,
    ...object.headers,
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
}

/** The headers S3 keeps with an object, from a PUT, a copy with REPLACE or a multipart create; user metadata is capped as on S3. */
function storedHeadersOf(request: AdmittedRequest): Record<string, string> {
  const stored: Record<string, string> = {};
  let userMetadataBytes = 0;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    if (name.startsWith('x-amz-meta-')) userMetadataBytes += Buffer.byteLength(name.slice('x-amz-meta-'.length)) + Buffer.byteLength(text);
    if ((STORED_HEADERS as readonly string[]).includes(name) || name.startsWith('x-amz-meta-')) stored[name] = text;
  }
  if (userMetadataBytes > MAX_USER_METADATA_BYTES) throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size (2 KB).');
  return stored;
}

function writeCondition(request: AdmittedRequest): WriteCondition | undefined {
  const ifMatch = headerValue(request.headers, 'if-match');
  const ifNoneMatch = headerValue(request.headers, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'If-None-Match on a write accepts only "*".');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return { ...(ifMatch === undefined ? {} : { ifMatch }), ...(ifNoneMatch === undefined ? {} : { ifNoneMatchAny: true }) };
}

/** The Content-MD5 the client sent, checked for form before any byte is stored. */
function expectedMd5(request: AdmittedRequest): Buffer | undefined {
  const header = headerValue(request.headers, 'content-md5');
  if (header === undefined) return undefined;
  const digest = Buffer.from(header, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== header.trim()) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.');
  return digest;
}

function expectedLength(request: AdmittedRequest): number | undefined {
  const header = headerValue(request.headers, 'content-length');
  return header === undefined ? undefined : Number(header);
}

async function receiveBody(store: ObjectStore, request: AdmittedRequest) {
  const md5 = expectedMd5(request);
  const written = await store.writeBody(request.body, { expectedSize: expectedLength(request) });
  if (md5 && !md5.equals(written.md5)) {
    await store.discardBodies([written.bodyId]);
    throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  return written;
}

async function putObject(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): Promise<void> {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  store.requireBucket(bucket);
  const condition = writeCondition(request);
  const written = await receiveBody(store, request);
  const object = await store.commitObject(bucket, key, { bodyId: written.bodyId, size: written.size, etag: `"${written.md5.toString('hex')}"` }, storedHeadersOf(request), condition, request.accessKey);
  send(res, request, 200, { etag: object.etag });
}

async function copyObject(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): Promise<void> {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  const source = copySourceOf(request);
  store.requireBucket(bucket);
  const directive = (headerValue(request.headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'Unknown metadata directive: use COPY or REPLACE.');
  const condition = writeCondition(request);
  let object: ObjectMeta;
  if (source.bucket === bucket && source.key === key) {
    if (directive === 'COPY') {
      throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
    }
    const current = store.head(bucket, key);
    if (!current) throw new S3Error('NoSuchKey', 'The specified copy source does not exist.');
    checkCopySourceConditions(request, current);
    object = store.replaceHeaders(bucket, key, storedHeadersOf(request), request.accessKey);
  } else {
    object = await copyBody(store, request, source, async (sourceObject, written) =>
      store.commitObject(bucket, key, { bodyId: written.bodyId, size: written.size, etag: sourceObject.etag }, directive === 'COPY' ? sourceObject.headers : storedHeadersOf(request), condition, request.accessKey),
    );
  }
  sendXml(res, request, 200, xmlDocument('CopyObjectResult', { LastModified: object.lastModified.toISOString(), ETag: object.etag }));
}

/** A copy's `x-amz-copy-source-if-*` headers; S3 answers 412 whenever one does not hold (never 304). */
function checkCopySourceConditions(request: AdmittedRequest, sourceObject: ObjectMeta): void {
  if (checkReadConditions(request.headers, sourceObject, 'x-amz-copy-source-') !== 'ok') {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
  }
}

/**
 * Copies (a range of) the source object's body into a new body, if the source meets the request's
 * copy conditions, looking the source up again if it was replaced meanwhile.
 */
async function copyBody<T>(
  store: ObjectStore,
  request: AdmittedRequest,
  source: { bucket: string; key: string; versionId?: string },
  commit: (sourceObject: ObjectMeta, written: { bodyId: string; size: number; md5: Buffer }) => Promise<T>,
  range?: (size: number) => { start: number; end: number },
): Promise<T> {
  if (source.versionId !== undefined && source.versionId !== 'null') throw new S3Error('InvalidArgument', 'Invalid version id specified: the store keeps no versions.');
  for (let attempt = 0; ; attempt += 1) {
    const sourceObject = store.head(source.bucket, source.key);
    if (!sourceObject) throw new S3Error('NoSuchKey', 'The specified copy source does not exist.');
    checkCopySourceConditions(request, sourceObject);
    const bytes = range?.(sourceObject.size);
    try {
      const written = await store.writeBodyFrom([{ bodyId: sourceObject.bodyId, ...(bytes ?? {}) }]);
      return await commit(sourceObject, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw error;
    }
  }
}

async function deleteObject(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): Promise<void> {
  await store.deleteObject(bucketOf(request), keyOf(request), request.accessKey);
  send(res, request, 204, {});
}

async function deleteObjects(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): Promise<void> {
  const bucket = bucketOf(request);
  store.requireBucket(bucket);
  const md5 = expectedMd5(request);
  const text = await readSmallBody(request.body);
  if (md5 && !md5.equals(crypto.createHash('md5').update(text).digest())) throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  const { quiet, keys } = parseDeleteObjects(text);
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const key of keys) {
    // Every key obeys the rules of a request's own key, and is always in this request's bucket.
    const problem = key === '' ? { code: 'InvalidArgument', reason: 'An object key may not be empty.' } : keyProblem(key);
    if (problem) {
      errors.push({ Key: key, Code: problem.code, Message: problem.reason });
      continue;
    }
    await store.deleteObject(bucket, key, request.accessKey);
    deleted.push({ Key: key });
  }
  sendXml(res, request, 200, xmlDocument('DeleteResult', { Deleted: quiet ? [] : deleted, Error: errors }));
}

function createUpload(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): void {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  const upload = store.createUpload(bucket, key, storedHeadersOf(request));
  sendXml(res, request, 200, xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: upload.uploadId }));
}

function partNumberOf(request: AdmittedRequest): number {
  const value = request.query.get('partNumber') ?? '';
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > MAX_PART_NUMBER) throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`);
  return number;
}

async function uploadPart(store: ObjectStore, request: AdmittedRequest, res: ServerResponse, uploadId: string): Promise<void> {
  const partNumber = partNumberOf(request);
  const upload = store.upload(bucketOf(request), keyOf(request), uploadId);
  if (request.copySource) {
    const rangeHeader = headerValue(request.headers, 'x-amz-copy-source-range');
    const part = await copyBody(
      store,
      request,
      request.copySource,
      (_source, written) => store.commitPart(upload, partNumber, written),
      rangeHeader === undefined ? undefined : (size) => copyRange(rangeHeader, size),
    );
    sendXml(res, request, 200, xmlDocument('CopyPartResult', { LastModified: part.lastModified.toISOString(), ETag: part.etag }));
    return;
  }
  const written = await receiveBody(store, request);
  const part = await store.commitPart(upload, partNumber, written);
  send(res, request, 200, { etag: part.etag });
}

/** `x-amz-copy-source-range: bytes=first-last`, both present and inside the source object. */
function copyRange(header: string, size: number): { start: number; end: number } {
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || end < start || end >= size) throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy, inside the source object.');
  return { start, end };
}

async function completeUpload(store: ObjectStore, request: AdmittedRequest, res: ServerResponse, uploadId: string): Promise<void> {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  const upload = store.upload(bucket, key, uploadId);
  const condition = writeCondition(request);
  const requested = parseCompleteMultipartUpload(await readSmallBody(request.body));
  const stored = new Map(store.parts(uploadId).map((part) => [part.partNumber, part]));
  const chosen = requested.map((ref, index) => {
    if (index > 0 && ref.partNumber <= (requested[index - 1]?.partNumber ?? 0)) throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    const part = stored.get(ref.partNumber);
    if (!part || part.etag.replace(/"/g, '') !== ref.etag.replace(/"/g, '')) {
      throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.');
    }
    if (index < requested.length - 1 && part.size < MIN_PART_SIZE) throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size: each part but the last must be at least 5 MiB.');
    return part;
  });
  const written = await store.writeBodyFrom(chosen.map((part) => ({ bodyId: part.bodyId })));
  const object = await store.completeUpload(upload, { bodyId: written.bodyId, size: written.size, etag: multipartEtag(chosen.map((part) => part.etag)) }, condition, request.accessKey);
  sendXml(res, request, 200, xmlDocument('CompleteMultipartUploadResult', { Location: `/${bucket}/${urlEncodeKey(key)}`, Bucket: bucket, Key: key, ETag: object.etag }));
}

async function abortUpload(store: ObjectStore, request: AdmittedRequest, res: ServerResponse, uploadId: string): Promise<void> {
  await store.abortUpload(store.upload(bucketOf(request), keyOf(request), uploadId));
  send(res, request, 204, {});
}

function listParts(store: ObjectStore, request: AdmittedRequest, res: ServerResponse, uploadId: string): void {
  const bucket = bucketOf(request);
  const key = keyOf(request);
  store.upload(bucket, key, uploadId);
  const maxParts = parseMaxKeys(request.query.get('max-parts'));
  const marker = Number(request.query.get('part-number-marker') ?? 0) || 0;
  const after = store.parts(uploadId).filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  sendXml(
    res,
    request,
    200,
    xmlDocument('ListPartsResult', {
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      StorageClass: 'STANDARD',
      Part: page.map((part) => ({ PartNumber: part.partNumber, LastModified: part.lastModified.toISOString(), ETag: part.etag, Size: part.size })),
    }),
  );
}

function listUploads(store: ObjectStore, request: AdmittedRequest, res: ServerResponse): void {
  const bucket = bucketOf(request);
  store.requireBucket(bucket);
  const prefix = request.query.get('prefix') ?? '';
  const keyMarker = request.query.get('key-marker') ?? '';
  const uploadIdMarker = request.query.get('upload-id-marker') ?? '';
  const maxUploads = parseMaxKeys(request.query.get('max-uploads'));
  const after = store.uploads(bucket).filter((upload) => {
    if (!upload.key.startsWith(prefix)) return false;
    const order = compareKeys(upload.key, keyMarker);
    return keyMarker === '' || order > 0 || (order === 0 && uploadIdMarker !== '' && upload.uploadId > uploadIdMarker);
  });
  const page = after.slice(0, maxUploads);
  const last = page.at(-1);
  sendXml(
    res,
    request,
    200,
    xmlDocument('ListMultipartUploadsResult', {
      Bucket: bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: last?.key,
      NextUploadIdMarker: last?.uploadId,
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: after.length > page.length,
      Upload: page.map((upload) => ({ Key: upload.key, UploadId: upload.uploadId, StorageClass: 'STANDARD', Initiated: upload.initiated.toISOString() })),
    }),
  );
}

/** A request body the store parses (a part list, a delete list), refused past 1 MiB. */
async function readSmallBody(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_XML_BODY) throw new S3Error('MalformedXML', 'The XML you provided is larger than 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function bucketOf(request: AdmittedRequest): string {
  if (request.bucket === null) throw new S3Error('InvalidRequest', 'This operation needs a bucket.');
  return request.bucket;
}

function keyOf(request: AdmittedRequest): string {
  if (request.key === null) throw new S3Error('InvalidRequest', 'This operation needs a key.');
  return request.key;
}

function copySourceOf(request: AdmittedRequest): NonNullable<AdmittedRequest['copySource']> {
  if (!request.copySource) throw new S3Error('InvalidRequest', 'This operation needs x-amz-copy-source.');
  return request.copySource;
}

function send(res: ServerResponse, request: AdmittedRequest, status: number, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'content-length': '0', 'x-amz-request-id': request.requestId });
  res.end();
}

function sendXml(res: ServerResponse, request: AdmittedRequest, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amz-request-id': request.requestId });
  res.end(body);
}
