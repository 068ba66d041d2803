import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ChunkSigningContext } from './aws-chunked.js';
import { parsePayloadSigning, type PayloadSigning } from './payload-hash.js';
import type { S3ErrorCode } from './s3-errors.js';

/**
 * AWS Signature Version 4 as S3 uses it: the signature is recomputed from the request as it arrived
 * (raw path, query, the headers the client listed) and compared. The unit tests check it against
 * requests signed and presigned by @smithy/signature-v4, the AWS SDK's signer.
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
  | ({ kind: 'presigned'; signedAt: Date; amzDate: string; signedHeaders: string[]; signature: string; payload: PayloadSigning; expiresSeconds: number } & CredentialScope);

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
  const amzDate = firstValue(query['X-Amz-Date']) ?? '';
  const signedAt = parseAmzDate(amzDate);
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
  return { kind: 'presigned', ...scope, signedAt, amzDate, signedHeaders, signature, payload, expiresSeconds: expires };
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

/**
 * Recomputes the signature with the key's secret; true only when it equals the one sent. The
 * canonical request is built from the request as it arrived: the method, the raw path as sent, the
 * query (all of it but X-Amz-Signature) sorted and AWS-encoded, exactly the headers the client listed
 * (a listed header that is missing fails), and the payload hash the client signed.
 */
export function verifySignature(auth: SignedAuth, parts: SignedRequestParts, secretKey: string): boolean {
  const canonicalHeaders: string[] = [];
  for (const name of auth.signedHeaders) {
    const value = headerValue(parts.headers, name);
    if (value === undefined) return false;
    canonicalHeaders.push(`${name}:${canonicalHeaderValue(value)}\n`);
  }
  const canonicalRequest = [parts.method, parts.rawPath, canonicalQuery(parts.query), canonicalHeaders.join(''), auth.signedHeaders.join(';'), signedPayloadHash(auth, parts.headers)].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${auth.amzDate}\n${scope}\n${crypto.hash('sha256', canonicalRequest)}`;
  const expected = crypto.createHmac('sha256', signingKey(secretKey, auth)).update(stringToSign).digest();
  const sent = Buffer.from(auth.signature, 'hex');
  return sent.length === expected.length && crypto.timingSafeEqual(sent, expected);
}

/** The payload line of the canonical request: a presigned URL signs none unless the client signed x-amz-content-sha256. */
function signedPayloadHash(auth: SignedAuth, headers: IncomingHttpHeaders): string {
  if (auth.kind === 'presigned' && !auth.signedHeaders.includes('x-amz-content-sha256')) return 'UNSIGNED-PAYLOAD';
  return headerValue(headers, 'x-amz-content-sha256') ?? '';
}

/** SigV4's header value: line breaks and runs of spaces or tabs as one space, without a leading or trailing space. */
function canonicalHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** SigV4's query: every name and value URI-encoded as AWS does (RFC 3986 unreserved kept), sorted by encoded name, then value. */
function canonicalQuery(query: SignedRequestParts['query']): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(query)) {
    if (name === 'X-Amz-Signature') continue;
    for (const one of Array.isArray(value) ? value : [value]) pairs.push([awsUriEncode(name), awsUriEncode(one)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) => (nameA === nameB ? compareCodeUnits(valueA, valueB) : compareCodeUnits(nameA, nameB)));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function awsUriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

const SIGNING_KEY_CACHE_SIZE = 1024;
const signingKeys = new Map<string, Buffer>();

/**
 * SigV4's signing key, HMAC-chained from the secret through the scope's date, region and service.
 * It changes once a day per key, so it is cached (most recently used last, the oldest dropped): four
 * HMACs saved on every request. The cache is keyed by the secret itself, so a key whose secret
 * changed never meets the old signing key; a revoked key is refused before its signature is checked.
 */
function signingKey(secretKey: string, scope: CredentialScope): Buffer {
  const cacheKey = `${scope.date}/${scope.region}/${scope.service}\n${secretKey}`;
  const cached = signingKeys.get(cacheKey);
  if (cached) {
    signingKeys.delete(cacheKey);
    signingKeys.set(cacheKey, cached);
    return cached;
  }
  const derived = [scope.date, scope.region, scope.service, 'aws4_request'].reduce<Buffer>(
    (key, part) => crypto.createHmac('sha256', key).update(part).digest(),
    Buffer.from(`AWS4${secretKey}`),
  );
  signingKeys.set(cacheKey, derived);
  if (signingKeys.size > SIGNING_KEY_CACHE_SIZE) signingKeys.delete(signingKeys.keys().next().value as string);
  return derived;
}

/** What checking a chunked body's signatures needs: SigV4's signing key for the request's scope. */
export function chunkSigningContext(auth: Extract<ParsedAuth, { kind: 'header' }>, secretKey: string): ChunkSigningContext {
  return { signingKey: signingKey(secretKey, auth), amzDate: auth.amzDate, scope: `${auth.date}/${auth.region}/${auth.service}/aws4_request` };
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function firstValue(value: string | string[] | null | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}
