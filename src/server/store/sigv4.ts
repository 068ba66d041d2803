import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ChunkSigningContext } from './aws-chunked.js';
import { parsePayloadSigning, type PayloadSigning } from './payload-hash.js';
import type { S3ErrorCode } from './s3-errors.js';

/**
 * AWS Signature Version 4 as S3 uses it: the signature is recomputed from the request as it arrived
 * (raw path, query, the headers the client listed) with @smithy/signature-v4 and compared.
 * Parsing is pure; only `verifySignature` does crypto.
 */

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_EXPIRY_SECONDS = 7 * 24 * 3600;

export interface SignedRequestParts {
  method: string;
  /** The path exactly as sent (still percent-encoded): S3 signs it encoded once. */
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
}

interface CredentialScope {
  accessKey: string;
  date: string;
  region: string;
  service: string;
}

export type ParsedAuth =
  | { kind: 'anonymous' }
  /** `code`: the S3 error to answer with when it is not AccessDenied. */
  | { kind: 'malformed'; reason: string; code?: S3ErrorCode }
  | ({ kind: 'header'; signedAt: Date; amzDate: string; signedHeaders: string[]; signature: string; payload: PayloadSigning } & CredentialScope)
  | ({ kind: 'presigned'; signedAt: Date; signedHeaders: string[]; signature: string; payload: PayloadSigning; expiresSeconds: number } & CredentialScope);

const AUTH_HEADER_PATTERN = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseAuth(parts: SignedRequestParts): ParsedAuth {
  const header = headerValue(parts.headers, 'authorization');
  const algorithm = firstValue(parts.query['X-Amz-Algorithm']);
  if (header !== undefined && algorithm !== undefined) return { kind: 'malformed', reason: 'Only one auth mechanism allowed.' };
  const parsed = header !== undefined ? parseHeaderAuth(header, parts.headers) : algorithm !== undefined ? parsePresignedAuth(algorithm, parts.query, parts.headers) : undefined;
  if (parsed !== undefined) {
    if (parsed.kind === 'malformed') return parsed;
    // AWS refuses these too: an x-amz-* header changes what S3 does (copy source, metadata, checksums),
    // so one added after signing would act under a signature that never covered it.
    const unsigned = Object.keys(parts.headers).filter((name) => name.startsWith('x-amz-') && !parsed.signedHeaders.includes(name));
    if (unsigned.length > 0) return { kind: 'malformed', reason: `There were headers present in the request which were not signed: ${unsigned.sort().join(', ')}.` };
    return parsed;
  }
  if (parts.query.Signature !== undefined || parts.query.AWSAccessKeyId !== undefined) {
    return { kind: 'malformed', reason: 'Only AWS Signature Version 4 is supported.' };
  }
  return { kind: 'anonymous' };
}

type SignedAuth = Extract<ParsedAuth, { kind: 'header' | 'presigned' }>;
type Malformed = Extract<ParsedAuth, { kind: 'malformed' }>;

function parseHeaderAuth(header: string, headers: IncomingHttpHeaders): SignedAuth | Malformed {
  const match = AUTH_HEADER_PATTERN.exec(header);
  if (!match) return { kind: 'malformed', reason: 'The Authorization header is not AWS Signature Version 4.' };
  const [, credential = '', signedHeaderList = '', signature = ''] = match;
  const scope = parseCredential(credential);
  if (typeof scope === 'string') return { kind: 'malformed', reason: scope };
  const amzDate = headerValue(headers, 'x-amz-date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) return { kind: 'malformed', reason: 'The request needs a valid x-amz-date header.' };
  const payloadHash = headerValue(headers, 'x-amz-content-sha256');
  if (!payloadHash) return { kind: 'malformed', reason: 'Missing required header for this request: x-amz-content-sha256.', code: 'InvalidRequest' };
  const payload = parsePayloadSigning(payloadHash);
  if ('refused' in payload) return { kind: 'malformed', reason: payload.reason, code: payload.refused };
  const signedHeaders = signedHeaderList.split(';');
  // Without these two signed, the body or the target host could be swapped under a valid signature.
  for (const required of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return { kind: 'malformed', reason: `The ${required} header must be signed.` };
  }
  return { kind: 'header', ...scope, signedAt, amzDate, signedHeaders, signature, payload };
}

function parsePresignedAuth(algorithm: string, query: SignedRequestParts['query'], headers: IncomingHttpHeaders): SignedAuth | Malformed {
  if (algorithm !== 'AWS4-HMAC-SHA256') return { kind: 'malformed', reason: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".' };
  const credential = firstValue(query['X-Amz-Credential']);
  const signedHeaderList = firstValue(query['X-Amz-SignedHeaders']);
  const signature = firstValue(query['X-Amz-Signature']);
  const expires = Number(firstValue(query['X-Amz-Expires']));
  const signedAt = parseAmzDate(firstValue(query['X-Amz-Date']));
  if (!credential || !signedHeaderList || !signature || !/^[0-9a-f]{64}$/.test(signature) || !signedAt) {
    return { kind: 'malformed', reason: 'Query-string authentication needs X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Signature.' };
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_EXPIRY_SECONDS) {
    return { kind: 'malformed', reason: 'X-Amz-Expires must be between 1 and 604800 seconds.' };
  }
  const scope = parseCredential(credential);
  if (typeof scope === 'string') return { kind: 'malformed', reason: scope };
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return { kind: 'malformed', reason: 'The host header must be signed.' };
  // A presigned URL covers no body unless the client also signed an x-amz-content-sha256 header.
  const payloadHash = headerValue(headers, 'x-amz-content-sha256');
  const payload = payloadHash === undefined ? { kind: 'unsigned' as const } : parsePayloadSigning(payloadHash);
  if ('refused' in payload) return { kind: 'malformed', reason: payload.reason, code: payload.refused };
  if (payload.kind !== 'sha256' && payload.kind !== 'unsigned') {
    return { kind: 'malformed', reason: 'A presigned URL cannot carry an aws-chunked (STREAMING-*) body: sign the request in the Authorization header.', code: 'InvalidRequest' };
  }
  return { kind: 'presigned', ...scope, signedAt, signedHeaders, signature, payload, expiresSeconds: expires };
}

function parseCredential(credential: string): CredentialScope | string {
  const [accessKey, date, region, service, terminator, ...rest] = credential.split('/');
  if (!accessKey || !date || !region || service !== 's3' || terminator !== 'aws4_request' || rest.length > 0) {
    return 'The credential scope must be ACCESS_KEY/YYYYMMDD/REGION/s3/aws4_request.';
  }
  return { accessKey, date, region, service };
}

export function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value === undefined ? null : AMZ_DATE_PATTERN.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

/** Why a well-formed signature cannot be accepted at `now`, before any key is looked at. */
export function checkTiming(auth: Extract<ParsedAuth, { kind: 'header' | 'presigned' }>, now: Date): 'ok' | 'skewed' | 'expired' | 'scope-date' {
  if (auth.date !== formatShortDate(auth.signedAt)) return 'scope-date';
  const age = now.getTime() - auth.signedAt.getTime();
  if (auth.kind === 'presigned') {
    if (age > auth.expiresSeconds * 1000) return 'expired';
    return age < -MAX_CLOCK_SKEW_MS ? 'skewed' : 'ok';
  }
  return Math.abs(age) > MAX_CLOCK_SKEW_MS ? 'skewed' : 'ok';
}

function formatShortDate(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

/** Recomputes the signature with the key's secret; true only when it equals the one sent. */
export async function verifySignature(
  auth: Extract<ParsedAuth, { kind: 'header' | 'presigned' }>,
  parts: SignedRequestParts,
  secretKey: string,
): Promise<boolean> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKey, secretAccessKey: secretKey },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signedHeaderSet = new Set(auth.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(parts.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const query = { ...parts.query };
  let expected: string | undefined;
  if (auth.kind === 'header') {
    const request = new HttpRequest({ method: parts.method, path: parts.rawPath, query, headers });
    const signed = await signer.sign(request, { signingDate: auth.signedAt, signableHeaders: signedHeaderSet });
    expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1];
  } else {
    // Presigned S3 URLs sign no payload; smithy reads that from this header, which must then stay out of the query and the signed list.
    const payloadIsSigned = signedHeaderSet.has('x-amz-content-sha256');
    if (!payloadIsSigned) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) delete query[name];
    const request = new HttpRequest({ method: parts.method, path: parts.rawPath, query, headers });
    const presigned = await signer.presign(request, {
      signingDate: auth.signedAt,
      expiresIn: auth.expiresSeconds,
      signableHeaders: signedHeaderSet,
      unhoistableHeaders: new Set([...signedHeaderSet, 'x-amz-content-sha256']),
      unsignableHeaders: payloadIsSigned ? undefined : new Set(['x-amz-content-sha256']),
    });
    expected = firstValue(presigned.query?.['X-Amz-Signature']);
  }
  return expected !== undefined && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}

/** What checking a chunked body's signatures needs: SigV4's signing key for the request's scope. */
export function chunkSigningContext(auth: Extract<ParsedAuth, { kind: 'header' }>, secretKey: string): ChunkSigningContext {
  const signingKey = [auth.date, auth.region, auth.service, 'aws4_request'].reduce<Buffer>(
    (key, part) => crypto.createHmac('sha256', key).update(part).digest(),
    Buffer.from(`AWS4${secretKey}`),
  );
  return { signingKey, amzDate: auth.amzDate, scope: `${auth.date}/${auth.region}/${auth.service}/aws4_request` };
}

/** smithy's hash interface over node:crypto (HMAC when given a key), far faster than a JS SHA-256. */
class NodeSha256 {
  private hash: crypto.Hash | crypto.Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.create();
  }
  private create(): crypto.Hash | crypto.Hmac {
    if (this.secret === undefined) return crypto.createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret
      : ArrayBuffer.isView(this.secret) ? new Uint8Array(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
      : new Uint8Array(this.secret);
    return crypto.createHmac('sha256', key);
  }
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function firstValue(value: string | string[] | null | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}
