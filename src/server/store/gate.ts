import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { AwsChunkedDecoder, decodedBodyHeaders, planChunkedBody } from './aws-chunked.js';
import type { KeyStore } from './key-store.js';
import { checksumHeaderOf, createChecksum } from './checksums.js';
import { DigestCheck, EMPTY_PAYLOAD_SHA256, withCheckedBody, type DigestExpectation } from './payload-hash.js';
import { sendS3Error, type S3ErrorCode } from './s3-errors.js';
import { decideAccess, resolveTarget } from './scope.js';
import { checkTiming, chunkSigningContext, parseAuth, verifySignature, type ParsedAuth, type SignedRequestParts } from './sigv4.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface GateOptions {
  keys: KeyStore;
  /** The object store behind the gate; it sees only requests the gate let through, made anonymous. */
  next: RequestHandler;
  storeHostnames: readonly string[];
  /** Builds the error a checked body fails with (wrong hash, bad chunk signature or checksum), which the store answers as S3 XML. */
  bodyError: (code: S3ErrorCode, message: string) => Error;
  onKeyUsed?: (accessKey: string) => void;
  now?: () => Date;
}

class Denied extends Error {
  constructor(
    readonly code: S3ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const AUTH_QUERY_PARAMS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']);

/**
 * What Tigris guarantees and the emulator lacks: every request carries a valid AWS Signature V4 of a
 * live key, and a key reaches only its own bucket. Anything else gets S3's XML error and never
 * reaches the emulator.
 */
export function createGate(options: GateOptions): RequestHandler {
  const now = options.now ?? (() => new Date());

  async function admit(req: IncomingMessage, res: ServerResponse): Promise<IncomingMessage> {
    const parts = requestParts(req);
    const auth = parseAuth(parts);
    if (auth.kind === 'anonymous') throw new Denied('AccessDenied', 'Anonymous access is not allowed: sign the request with AWS Signature Version 4.');
    if (auth.kind === 'malformed') throw new Denied(auth.code ?? 'AccessDenied', auth.reason);
    const timing = checkTiming(auth, now());
    if (timing === 'skewed') throw new Denied('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    if (timing === 'expired') throw new Denied('AccessDenied', 'Request has expired.');
    if (timing === 'scope-date') throw new Denied('AuthorizationHeaderMalformed', 'The credential scope date does not match the request date.');
    const key = options.keys.find(auth.accessKey);
    if (!key?.active) throw new Denied('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    if (!(await verifySignature(auth, parts, key.secretKey))) {
      throw new Denied('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    const target = resolveTarget(parts.rawPath, req.headers.host, options.storeHostnames);
    const decision = decideAccess(parts.method, target, key.bucketName);
    if (!decision.allowed) throw new Denied('AccessDenied', decision.reason);
    delete req.headers.authorization;
    const body = bodyCheck(auth, req, parts, key.secretKey, options.bodyError);
    options.onKeyUsed?.(key.accessKey);
    req.url = anonymousUrl(target.pathStylePath, req.url ?? '/');
    if (!body) return req;
    // If the store answers without reading the body (no such bucket, say), drop the rest of it.
    res.once('finish', () => {
      if (!req.complete) {
        req.unpipe();
        req.resume();
      }
    });
    return withCheckedBody(req, body.checks, body.headers);
  }

  return (req, res) => {
    admit(req, res).then(
      (admitted) => options.next(admitted, res),
      (error: unknown) => {
        const requestId = crypto.randomBytes(8).toString('hex').toUpperCase();
        const denied = error instanceof Denied ? error : new Denied('AccessDenied', 'The request could not be authenticated.');
        // Drain what the client is still sending so it reads our answer instead of a reset.
        req.resume();
        sendS3Error(res, req.method, denied.code, denied.message, (req.url ?? '/').split('?')[0] ?? '/', requestId);
      },
    );
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

/** The URL the emulator sees: path style, without the presigned-URL auth parameters. */
function anonymousUrl(pathStylePath: string, originalUrl: string): string {
  const queryStart = originalUrl.indexOf('?');
  if (queryStart === -1) return pathStylePath;
  const kept = originalUrl
    .slice(queryStart + 1)
    .split('&')
    .filter((pair) => !AUTH_QUERY_PARAMS.has(decodeURIComponent(pair.split('=')[0] ?? '')));
  return kept.length > 0 ? `${pathStylePath}?${kept.join('&')}` : pathStylePath;
}

const PAYLOAD_MISMATCH = 'The provided x-amz-content-sha256 header does not match what was computed.';

/**
 * The streams the body must pass through to be the one the client signed and described (and the
 * headers the store then sees), or nothing when nothing about the body can be checked.
 */
function bodyCheck(
  auth: Extract<ParsedAuth, { kind: 'header' | 'presigned' }>,
  req: IncomingMessage,
  parts: SignedRequestParts,
  secretKey: string,
  bodyError: GateOptions['bodyError'],
): { checks: [Transform, ...Transform[]]; headers: IncomingMessage['headers'] } | undefined {
  const declared = checksumHeaderDescribesBody(parts) ? checksumHeaderOf(req.headers) : undefined;
  if (declared && 'refused' in declared) throw new Denied('InvalidRequest', declared.refused);
  const expectations: DigestExpectation[] = declared
    ? [{ checksum: createChecksum(declared.algorithm), expected: declared.value, encoding: 'base64', mismatch: () => bodyError('BadDigest', `The ${declared.algorithm.toUpperCase()} you specified did not match the calculated checksum.`) }]
    : [];
  const payload = auth.payload;
  switch (payload.kind) {
    case 'unsigned':
      return expectations.length > 0 ? { checks: [new DigestCheck(expectations)], headers: req.headers } : undefined;
    case 'sha256':
      if (!hasBody(req)) {
        if (payload.hex !== EMPTY_PAYLOAD_SHA256) throw new Denied('XAmzContentSHA256Mismatch', PAYLOAD_MISMATCH);
        if (expectations.length === 0) return undefined;
      }
      expectations.push({ checksum: createChecksum('sha256'), expected: payload.hex, encoding: 'hex', mismatch: () => bodyError('XAmzContentSHA256Mismatch', PAYLOAD_MISMATCH) });
      return { checks: [new DigestCheck(expectations)], headers: req.headers };
    case 'signed-chunks':
    case 'unsigned-chunks-trailer': {
      const plan = planChunkedBody(payload, req.headers);
      if ('refused' in plan) throw new Denied(plan.refused, plan.reason);
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
