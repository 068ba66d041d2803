import { isIP } from 'node:net';

/**
 * Which bucket and key a request names, decided once by S3's rules (path style `/bucket/key` or
 * virtual host `bucket.host/key`), percent-decoded once. This value, never the raw path, is what the
 * gate authorises and what the store reads and writes.
 */
export interface Target {
  bucket: string | null;
  key: string | null;
  style: 'path' | 'virtual-host';
}

export type ParsedTarget = { ok: true; target: Target } | { ok: false; code: 'InvalidURI' | 'InvalidBucketName' | 'KeyTooLongError' | 'InvalidArgument'; reason: string };

export const MAX_KEY_BYTES = 1024;
// S3's bucket naming rules: 3–63 characters, lower-case letters, digits, dots and hyphens, starting and ending alphanumeric.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// C0 controls, DEL and C1 controls (Unicode category Cc): no client of ours sends them, and they break XML listings and logs.
const CONTROL_CHARS = /\p{Cc}/u;

/**
 * `storeHostnames` are the names the store answers to as itself (its host, localhost, …): a Host
 * header of the form `<bucket>.<one of them>` is a virtual-host request; an IP or a bare store name
 * is path style.
 */
export function parseTarget(rawPath: string, hostHeader: string | undefined, storeHostnames: readonly string[]): ParsedTarget {
  const hostname = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  const vhostBucket = isIP(hostname) || hostname.startsWith('[') ? undefined : virtualHostBucket(hostname, storeHostnames);
  if (!rawPath.startsWith('/')) return { ok: false, code: 'InvalidURI', reason: 'The request path must start with "/".' };
  let rawBucket: string;
  let rawKey: string;
  if (vhostBucket !== undefined) {
    rawBucket = vhostBucket;
    rawKey = rawPath.slice(1);
  } else {
    const slash = rawPath.indexOf('/', 1);
    rawBucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
    rawKey = slash === -1 ? '' : rawPath.slice(slash + 1);
  }
  const bucket = decode(rawBucket);
  const key = decode(rawKey);
  if (bucket === undefined || key === undefined) return { ok: false, code: 'InvalidURI', reason: 'Could not parse the specified URI: bad percent-encoding.' };
  const style = vhostBucket !== undefined ? 'virtual-host' : 'path';
  if (bucket === '') {
    if (key !== '') return { ok: false, code: 'InvalidURI', reason: 'A request naming a key must name its bucket.' };
    return { ok: true, target: { bucket: null, key: null, style } };
  }
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) return { ok: false, code: 'InvalidBucketName', reason: 'The specified bucket is not valid.' };
  if (key === '') return { ok: true, target: { bucket, key: null, style } };
  const problem = keyProblem(key);
  if (problem) return problem;
  return { ok: true, target: { bucket, key, style } };
}

/** Why a (decoded) key is refused, or undefined for a key the store accepts. */
export function keyProblem(key: string): Extract<ParsedTarget, { ok: false }> | undefined {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return { ok: false, code: 'KeyTooLongError', reason: 'Your key is too long: the most is 1,024 bytes.' };
  if (key.includes('\\')) return { ok: false, code: 'InvalidArgument', reason: 'Object keys may not contain a backslash.' };
  if (CONTROL_CHARS.test(key)) return { ok: false, code: 'InvalidArgument', reason: 'Object keys may not contain NUL or control characters.' };
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    return { ok: false, code: 'InvalidArgument', reason: 'Object keys may not contain a "." or ".." path segment.' };
  }
  return undefined;
}

export type ParsedCopySource = { ok: true; bucket: string; key: string; versionId?: string } | Extract<ParsedTarget, { ok: false }>;

/**
 * `x-amz-copy-source` as S3 reads it: `[/]bucket/key[?versionId=…]`, URL-encoded. The result obeys
 * the same rules as a request's own bucket and key.
 */
export function parseCopySource(header: string): ParsedCopySource {
  const queryStart = header.indexOf('?');
  const rawSource = queryStart === -1 ? header : header.slice(0, queryStart);
  let versionId: string | undefined;
  if (queryStart !== -1) {
    const query = new URLSearchParams(header.slice(queryStart + 1));
    const names = [...query.keys()];
    if (names.some((name) => name !== 'versionId')) return { ok: false, code: 'InvalidArgument', reason: 'A copy source may only carry a versionId.' };
    versionId = query.get('versionId') ?? undefined;
  }
  const parsed = parseTarget(rawSource.startsWith('/') ? rawSource : `/${rawSource}`, undefined, []);
  if (!parsed.ok) return parsed;
  const { bucket, key } = parsed.target;
  if (bucket === null || key === null) return { ok: false, code: 'InvalidArgument', reason: 'The copy source must name a bucket and a key.' };
  return { ok: true, bucket, key, ...(versionId === undefined ? {} : { versionId }) };
}

function virtualHostBucket(hostname: string, storeHostnames: readonly string[]): string | undefined {
  for (const name of storeHostnames) {
    const suffix = `.${name.toLowerCase()}`;
    if (hostname.endsWith(suffix) && hostname.length > suffix.length) return hostname.slice(0, -suffix.length);
  }
  return undefined;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * What a bucket-scoped key may do, as the cloud's Tigris policy grants it (docs/API-CONTRACT.md:
 * GetObject, PutObject, DeleteObject, ListBucket on its bucket and the objects in it): everything on its own objects,
 * reading and listing its bucket and multi-object delete, but never service-level calls (ListBuckets),
 * creating, configuring or deleting a bucket, nor anything in another bucket. A copy source is a read
 * of another object and must be in the key's bucket too.
 */
export function decideAccess(method: string, target: Target, keyBucket: string, copySource?: { bucket: string }): AccessDecision {
  if (target.bucket === null) return { allowed: false, reason: 'A bucket-scoped key cannot list or create buckets.' };
  if (target.bucket !== keyBucket) return { allowed: false, reason: 'Access Denied.' };
  if (copySource !== undefined && copySource.bucket !== keyBucket) return { allowed: false, reason: 'Access Denied: the copy source is in another bucket.' };
  if (target.key !== null) return { allowed: true };
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return { allowed: true };
  return { allowed: false, reason: 'A bucket-scoped key cannot create, configure or delete its bucket.' };
}
