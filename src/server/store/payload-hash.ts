import type { IncomingMessage } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Checksum } from './checksums.js';

export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What the client's `x-amz-content-sha256` says about the body, as S3 reads that header. */
export type PayloadSigning =
  | { kind: 'sha256'; hex: string }
  | { kind: 'unsigned' }
  /** aws-chunked, every chunk signed in a chain from the request's signature; `trailer`: a signed trailer follows. */
  | { kind: 'signed-chunks'; trailer: boolean }
  /** aws-chunked without chunk signatures, ending in a checksum trailer. */
  | { kind: 'unsigned-chunks-trailer' };

export type PayloadSigningRefusal = { refused: 'InvalidArgument' | 'NotImplemented'; reason: string };

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export function parsePayloadSigning(value: string): PayloadSigning | PayloadSigningRefusal {
  if (HEX_SHA256.test(value)) return { kind: 'sha256', hex: value.toLowerCase() };
  switch (value) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'signed-chunks', trailer: false };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'signed-chunks', trailer: true };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'unsigned-chunks-trailer' };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      return { refused: 'NotImplemented', reason: `${value} (Signature Version 4A) is not supported: sign with AWS4-HMAC-SHA256.` };
    default:
      return {
        refused: 'InvalidArgument',
        reason: 'x-amz-content-sha256 must be a hex SHA-256 of the body, UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or STREAMING-UNSIGNED-PAYLOAD-TRAILER.',
      };
  }
}

export interface DigestExpectation {
  checksum: Checksum;
  expected: string;
  encoding: 'hex' | 'base64';
  /** The error the stream fails with when the body's digest is another. */
  mismatch: () => Error;
}

/**
 * Passes a request body through while digesting it, and fails the stream at its end when the body is
 * not the one the client signed (SHA-256) or described (an `x-amz-checksum-*` header): the store
 * reading it then fails the request instead of committing the object.
 */
export class DigestCheck extends Transform {
  constructor(private readonly expectations: readonly DigestExpectation[]) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const { checksum } of this.expectations) checksum.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    Promise.all(this.expectations.map(async ({ checksum, encoding }) => Buffer.from(await checksum.digest()).toString(encoding))).then(
      (computed) => {
        const failed = this.expectations.find((expectation, index) => computed[index] !== expectation.expected);
        callback(failed ? failed.mismatch() : null);
      },
      (error: unknown) => callback(error as Error),
    );
  }
}

/**
 * The request's body piped through `checks` in turn (an error in one, or the client going away,
 * fails the last): the stream the store reads, which ends cleanly only for a body that passed.
 */
export function withCheckedBody(req: IncomingMessage, checks: readonly [Transform, ...Transform[]]): Readable {
  let source: Readable = req;
  for (const check of checks) {
    // A short body ends (and fails its check) before the store starts reading it; the error stays
    // recorded on the stream and reaches the store when it does, so it must not go unhandled here.
    check.on('error', () => undefined);
    // A client that goes away mid-body errors the request (ECONNRESET), never ends it cleanly.
    source.on('error', (error) => check.destroy(error));
    source.pipe(check);
    source = check;
  }
  return source;
}
