import { isIP } from 'node:net';

/** Which bucket and key a request names, whether by path (`/bucket/key`) or virtual host (`bucket.host`). */
export interface Target {
  bucket: string | null;
  key: string | null;
  /** The path in path style, still percent-encoded, for the emulator behind the gate. */
  pathStylePath: string;
  style: 'path' | 'virtual-host';
}

/**
 * `storeHostnames` are the names the store answers to as itself (its host, localhost, …): a Host
 * header of the form `<bucket>.<one of them>` is a virtual-host request; an IP or a bare store name
 * is path style.
 */
export function resolveTarget(rawPath: string, hostHeader: string | undefined, storeHostnames: readonly string[]): Target {
  const hostname = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  const vhostBucket = isIP(hostname) || hostname.startsWith('[') ? undefined : virtualHostBucket(hostname, storeHostnames);
  if (vhostBucket) {
    const key = rawPath.replace(/^\//, '');
    return { bucket: vhostBucket, key: key === '' ? null : decode(key), pathStylePath: `/${vhostBucket}${rawPath.startsWith('/') ? rawPath : `/${rawPath}`}`, style: 'virtual-host' };
  }
  const [, bucket = '', ...keyParts] = rawPath.split('/');
  const key = keyParts.join('/');
  return { bucket: bucket === '' ? null : decode(bucket), key: key === '' ? null : decode(key), pathStylePath: rawPath, style: 'path' };
}

function virtualHostBucket(hostname: string, storeHostnames: readonly string[]): string | undefined {
  for (const name of storeHostnames) {
    const suffix = `.${name.toLowerCase()}`;
    if (hostname.endsWith(suffix) && hostname.length > suffix.length) return hostname.slice(0, -suffix.length);
  }
  return undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * What a bucket-scoped key may do, as the cloud's Tigris policy grants it (docs/API-CONTRACT.md:
 * GetObject, PutObject, DeleteObject, ListBucket on its bucket and the objects in it): everything on its own objects,
 * reading and listing its bucket and multi-object delete, but never service-level calls (ListBuckets),
 * creating, configuring or deleting a bucket, nor anything in another bucket.
 */
export function decideAccess(method: string, target: Target, keyBucket: string): AccessDecision {
  if (target.bucket === null) return { allowed: false, reason: 'A bucket-scoped key cannot list or create buckets.' };
  if (target.bucket !== keyBucket) return { allowed: false, reason: 'Access Denied.' };
  if (target.key !== null) return { allowed: true };
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return { allowed: true };
  return { allowed: false, reason: 'A bucket-scoped key cannot create, configure or delete its bucket.' };
}
