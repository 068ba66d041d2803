import crypto from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { AwsChunkedDecoder, decodedBodyHeaders, planChunkedBody } from './aws-chunked.js';
import type { KeyStore } from './key-store.js';
import { checksumHeaderOf, createChecksum } from './checksums.js';
import { DigestCheck, EMPTY_PAYLOAD_SHA256, withCheckedBody, type DigestExpectation } from './payload-hash.js';
import { S3Error, sendS3Error, type S3ErrorCode } from './s3-errors.js';
import { decideAccess, parseCopySource, parseTarget } from './scope.js';
import { checkTiming, chunkSigningContext, parseAuth, verifySignature, type ParsedAuth, type SignedRequestParts } from './sigv4.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A request the gate let through: authenticated, its bucket and key (and copy source) parsed once
 * and authorised, and its body a stream that fails unless it is the body the client signed and
 * described. The store acts on these fields only, never on the raw URL.
 */
export interface AdmittedRequest {
  requestId: string;
  method: string;
  bucket: string | null;
  key: string | null;
  copySource?: { bucket: string; key: string; versionId?: string };
  /** Without the presigned-URL auth parameters. */
  query: URLSearchParams;
  /** The headers of the body the store reads: for a decoded aws-chunked body, its decoded length and no aws-chunked encoding. */
  headers: IncomingHttpHeaders;
  accessKey: string;
  body: Readable;
}

export interface GateOptions {
  keys: KeyStore;
  /** The object store behind the gate; it sees only requests the gate admitted. */
  next: (request: AdmittedRequest, res: ServerResponse) => Promise<void>;
  storeHostnames: readonly string[];
  onKeyUsed?: (accessKey: string) => void;
  /** Keys refused though the key store still holds them: the credential is revoked and its deletion still being retried. */
  isKeyWithdrawn?: (accessKey: string) => boolean;
  log?: (line: string) => void;
  now?: () => Date;
}

const AUTH_QUERY_PARAMS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']);

/**
 * What Tigris guarantees: every request carries a valid AWS Signature V4 of a live key, and a key
 * reaches only its own bucket. Anything else gets S3's XML error and never reaches the store.
 */
export function createGate(options: GateOptions): RequestHandler {
  const now = options.now ?? (() => new Date());

  function admit(req: IncomingMessage, res: ServerResponse, requestId: string): AdmittedRequest {
    const parts = requestParts(req);
    const auth = parseAuth(parts);
    if (auth.kind === 'anonymous') throw new S3Error('AccessDenied', 'Anonymous access is not allowed: sign the request with AWS Signature Version 4.');
    if (auth.kind === 'malformed') throw new S3Error(auth.code ?? 'AccessDenied', auth.reason);
    const timing = checkTiming(auth, now());
    if (timing === 'skewed') throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    if (timing === 'expired') throw new S3Error('AccessDenied', 'Request has expired.');
    if (timing === 'scope-date') throw new S3Error('AuthorizationHeaderMalformed', 'The credential scope date does not match the request date.');
    const key = options.keys.find(auth.accessKey);
    if (!key?.active || options.isKeyWithdrawn?.(key.accessKey)) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    if (!verifySignature(auth, parts, key.secretKey)) {
      throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    const parsed = parseTarget(parts.rawPath, req.headers.host, options.storeHostnames);
    if (!parsed.ok) throw new S3Error(parsed.code, parsed.reason);
    const target = parsed.target;
    const copySourceHeader = req.headers['x-amz-copy-source'];
    let copySource: AdmittedRequest['copySource'];
    if (copySourceHeader !== undefined && parts.method === 'PUT') {
      const source = parseCopySource(Array.isArray(copySourceHeader) ? copySourceHeader.join(',') : copySourceHeader);
      if (!source.ok) throw new S3Error(source.code, source.reason);
      copySource = { bucket: source.bucket, key: source.key, ...(source.versionId === undefined ? {} : { versionId: source.versionId }) };
    }
    const decision = decideAccess(parts.method, target, key.bucketName, copySource);
    if (!decision.allowed) throw new S3Error('AccessDenied', decision.reason);
    delete req.headers.authorization;
    const body = bodyCheck(auth, req, parts, key.secretKey);
    options.onKeyUsed?.(key.accessKey);
    // If the store answers without reading the body (no such key, say), drop the rest of it.
    res.once('finish', () => {
      if (!req.complete) {
        req.unpipe();
        req.resume();
      }
    });
    const admitted = { requestId, method: parts.method, bucket: target.bucket, key: target.key, ...(copySource ? { copySource } : {}), query: storeQuery(parts.query), accessKey: key.accessKey };
    if (!body) return { ...admitted, headers: req.headers, body: req };
    return { ...admitted, headers: body.headers, body: withCheckedBody(req, body.checks) };
  }

  const nextRequestId = requestIdSequence();
  return (req, res) => {
    const requestId = nextRequestId();
    // A client that hangs up mid-body makes the request emit an error; whoever reads the body sees it too, but it must never go unhandled.
    req.on('error', () => undefined);
    let admitted: AdmittedRequest;
    try {
      admitted = admit(req, res, requestId);
    } catch (error) {
      if (!(error instanceof S3Error)) options.log?.(`s3 store: request ${requestId} could not be authenticated: ${(error as Error).stack ?? String(error)}`);
      const denied = error instanceof S3Error ? error : new S3Error('AccessDenied', 'The request could not be authenticated.');
      // Drain what the client is still sending so it reads our answer instead of a reset.
      req.resume();
      sendS3Error(res, req.method, denied.code, denied.message, (req.url ?? '/').split('?')[0] ?? '/', requestId);
      return;
    }
    options.next(admitted, res).catch((error: unknown) => {
      // The store answers its own errors; this is the last line, so that nothing takes the server down.
      options.log?.(`s3 store: request ${requestId} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendS3Error(res, req.method, 'InternalError', 'We encountered an internal error. Please try again.', '/', requestId);
      else res.destroy();
    });
  };
}

/**
 * Request ids (S3's `x-amz-request-id`, 16 hex characters) that tell log lines apart: a random
 * prefix per server and a counter, so that no request pays for a call to the random source.
 */
function requestIdSequence(): () => string {
  const prefix = crypto.randomBytes(4).toString('hex').toUpperCase();
  let counter = 0;
  return () => {
    counter = (counter + 1) >>> 0;
    return `${prefix}${counter.toString(16).toUpperCase().padStart(8, '0')}`;
  };
}

function requestParts(req: IncomingMessage): SignedRequestParts {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const query: SignedRequestParts['query'] = {};
  if (queryStart !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(queryStart + 1))) {
      const existing = query[name];
      query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
  }
  return { method: req.method ?? 'GET', rawPath, query, headers: req.headers };
}

/** The query the store reads: the request's, without the presigned-URL auth parameters. */
function storeQuery(query: SignedRequestParts['query']): URLSearchParams {
  const kept = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (AUTH_QUERY_PARAMS.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) kept.append(name, one);
  }
  return kept;
}

const PAYLOAD_MISMATCH = 'The provided x-amz-content-sha256 header does not match what was computed.';

/** The error a checked body fails with; the store answers it as S3 XML and commits nothing. */
function bodyError(code: S3ErrorCode, message: string): S3Error {
  return new S3Error(code, message);
}

/**
 * The streams the body must pass through to be the one the client signed and described (and the
 * headers the store then sees), or nothing when nothing about the body can be checked.
 */
function bodyCheck(
  auth: Extract<ParsedAuth, { kind: 'header' | 'presigned' }>,
  req: IncomingMessage,
  parts: SignedRequestParts,
  secretKey: string,
): { checks: [Transform, ...Transform[]]; headers: IncomingHttpHeaders } | undefined {
  const declared = checksumHeaderDescribesBody(parts) ? checksumHeaderOf(req.headers) : undefined;
  if (declared && 'refused' in declared) throw new S3Error('InvalidRequest', declared.refused);
  const expectations: DigestExpectation[] = declared
    ? [{ checksum: createChecksum(declared.algorithm), expected: declared.value, encoding: 'base64', mismatch: () => bodyError('BadDigest', `The ${declared.algorithm.toUpperCase()} you specified did not match the calculated checksum.`) }]
    : [];
  const payload = auth.payload;
  switch (payload.kind) {
    case 'unsigned':
      return expectations.length > 0 ? { checks: [new DigestCheck(expectations)], headers: req.headers } : undefined;
    case 'sha256':
      if (!hasBody(req)) {
        if (payload.hex !== EMPTY_PAYLOAD_SHA256) throw new S3Error('XAmzContentSHA256Mismatch', PAYLOAD_MISMATCH);
        if (expectations.length === 0) return undefined;
      }
      expectations.push({ checksum: createChecksum('sha256'), expected: payload.hex, encoding: 'hex', mismatch: () => bodyError('XAmzContentSHA256Mismatch', PAYLOAD_MISMATCH) });
      return { checks: [new DigestCheck(expectations)], headers: req.headers };
    case 'signed-chunks':
    case 'unsigned-chunks-trailer': {
      const plan = planChunkedBody(payload, req.headers);
      if ('refused' in plan) throw new S3Error(plan.refused, plan.reason);
      const signing = payload.kind === 'signed-chunks' && auth.kind === 'header' ? { ...chunkSigningContext(auth, secretKey), seedSignature: auth.signature } : undefined;
      const decoder = new AwsChunkedDecoder({ signing, trailer: plan.trailer, decodedLength: plan.decodedLength, fail: bodyError });
      return { checks: expectations.length > 0 ? [decoder, new DigestCheck(expectations)] : [decoder], headers: decodedBodyHeaders(req.headers, plan.decodedLength) };
    }
  }
}

/**
 * Whether an `x-amz-checksum-*` header is a checksum of this request's body: on uploads (PutObject,
 * UploadPart) and posted documents (DeleteObjects), not on copies (no body) nor on
 * CompleteMultipartUpload, where it is the checksum of the assembled object.
 */
function checksumHeaderDescribesBody(parts: SignedRequestParts): boolean {
  if (parts.method === 'PUT') return parts.headers['x-amz-copy-source'] === undefined;
  return parts.method === 'POST' && parts.query.uploadId === undefined;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
