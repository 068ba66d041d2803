import crypto from 'node:crypto';
import { chunkSignature, trailerSignature, type ChunkSigningContext } from '../../src/server/store/aws-chunked.js';

/** SigV4's signing key and scope for a date (`YYYYMMDDTHHMMSSZ`), region and secret, as a chunk signer needs them. */
export function chunkContextFor(secret: string, amzDate: string, region: string): ChunkSigningContext {
  const date = amzDate.slice(0, 8);
  const signingKey = [date, region, 's3', 'aws4_request'].reduce<Buffer>((key, part) => crypto.createHmac('sha256', key).update(part).digest(), Buffer.from(`AWS4${secret}`));
  return { signingKey, amzDate, scope: `${date}/${region}/s3/aws4_request` };
}

export interface ChunkedEncoding {
  /** Sign every chunk in a chain from `seedSignature` (the request's own signature). */
  signing?: ChunkSigningContext & { seedSignature: string };
  trailer?: { name: string; value: string };
  chunkSize?: number;
}

/**
 * A body in aws-chunked encoding as clients send it; the signatures come from the module under test,
 * whose signing is pinned to AWS's published example values by the unit tests.
 */
export function encodeAwsChunked(data: Buffer, encoding: ChunkedEncoding = {}): Buffer {
  const parts: Buffer[] = [];
  let previous = encoding.signing?.seedSignature ?? '';
  const chunkSize = encoding.chunkSize ?? 65536;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunkSize) chunks.push(data.subarray(offset, offset + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    let extension = '';
    if (encoding.signing) {
      previous = chunkSignature(encoding.signing, previous, crypto.createHash('sha256').update(chunk).digest('hex'));
      extension = `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${chunk.length.toString(16)}${extension}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (encoding.trailer) {
    parts.push(Buffer.from(`${encoding.trailer.name}:${encoding.trailer.value}\r\n`));
    if (encoding.signing) parts.push(Buffer.from(`x-amz-trailer-signature:${trailerSignature(encoding.signing, previous, [encoding.trailer])}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
