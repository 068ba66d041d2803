import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { checksumAlgorithmOf, createChecksum, type ChecksumAlgorithm, type Checksum } from './checksums.js';
import { EMPTY_PAYLOAD_SHA256, type PayloadSigning } from './payload-hash.js';
import type { S3ErrorCode } from './s3-errors.js';

/**
 * S3's aws-chunked body encoding (Content-Encoding: aws-chunked), as AWS documents it for SigV4:
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
 * Signed chunks chain: each signature covers the previous one (the first, the request's own
 * signature) and the SHA-256 of the chunk's data; a signed trailer chains from the last chunk's.
 * The parsing and signing pieces are pure; `AwsChunkedDecoder` is the stream that applies them.
 */

export interface ChunkedBodyPlan {
  decodedLength: number;
  trailer?: { name: string; algorithm: ChecksumAlgorithm };
}

/** What the request's headers announce about its aws-chunked body; a refusal says why they cannot be used. */
export function planChunkedBody(
  payload: Extract<PayloadSigning, { kind: 'signed-chunks' | 'unsigned-chunks-trailer' }>,
  headers: IncomingHttpHeaders,
): ChunkedBodyPlan | { refused: S3ErrorCode; reason: string } {
  const declared = headers['x-amz-decoded-content-length'];
  if (typeof declared !== 'string' || !/^\d{1,15}$/.test(declared)) {
    return { refused: 'MissingContentLength', reason: 'An aws-chunked body needs x-amz-decoded-content-length: its length once decoded, in bytes.' };
  }
  const decodedLength = Number(declared);
  const hasTrailer = payload.kind === 'unsigned-chunks-trailer' || payload.trailer;
  const announced = headers['x-amz-trailer'];
  if (!hasTrailer) {
    return announced === undefined ? { decodedLength } : { refused: 'InvalidRequest', reason: 'x-amz-trailer needs a STREAMING-*-TRAILER x-amz-content-sha256.' };
  }
  const name = typeof announced === 'string' ? announced.trim().toLowerCase() : '';
  const algorithm = checksumAlgorithmOf(name);
  if (!algorithm) {
    return { refused: 'InvalidRequest', reason: 'x-amz-trailer must name one checksum: x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 or -sha256.' };
  }
  return { decodedLength, trailer: { name, algorithm } };
}

/** The headers of the decoded body, as the store must see it: a plain body of `decodedLength` bytes. */
export function decodedBodyHeaders(headers: IncomingHttpHeaders, decodedLength: number): IncomingHttpHeaders {
  const { 'x-amz-decoded-content-length': _length, 'x-amz-trailer': _trailer, 'transfer-encoding': _transfer, 'content-encoding': encoding, ...rest } = headers;
  const otherEncodings = (encoding ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '' && part.toLowerCase() !== 'aws-chunked');
  return {
    ...rest,
    ...(otherEncodings.length > 0 ? { 'content-encoding': otherEncodings.join(', ') } : {}),
    'content-length': String(decodedLength),
    // The gate has checked the body; what reaches the store is no longer the signed encoding.
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  };
}

export interface ChunkHeader {
  size: number;
  signature?: string;
}

const MAX_CHUNK_SIZE_DIGITS = 12;

/** One chunk-size line (without its CRLF); a string says why it is not one. */
export function parseChunkHeader(line: string, signed: boolean): ChunkHeader | string {
  const [sizeHex = '', ...extensions] = line.split(';');
  if (!/^[0-9a-fA-F]+$/.test(sizeHex) || sizeHex.length > MAX_CHUNK_SIZE_DIGITS) return `"${line.slice(0, 40)}" is not an aws-chunked size line.`;
  const size = Number.parseInt(sizeHex, 16);
  const signatures = extensions.filter((extension) => extension.startsWith('chunk-signature='));
  if (!signed) return signatures.length === 0 ? { size } : 'A chunk signature was sent with an unsigned chunked payload.';
  const signature = /^chunk-signature=([0-9a-f]{64})$/.exec(signatures[0] ?? '')?.[1];
  if (signatures.length !== 1 || !signature) return 'Every chunk of a signed chunked payload needs one chunk-signature.';
  return { size, signature };
}

/** One `name:value` line of the trailer section. */
export function parseTrailerLine(line: string): { name: string; value: string } | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  return { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() };
}

export interface ChunkSigningContext {
  signingKey: Buffer;
  /** The request's x-amz-date. */
  amzDate: string;
  /** `YYYYMMDD/region/service/aws4_request`. */
  scope: string;
}

export function chunkSignature(context: ChunkSigningContext, previousSignature: string, dataSha256Hex: string): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', context.amzDate, context.scope, previousSignature, EMPTY_PAYLOAD_SHA256, dataSha256Hex].join('\n');
  return crypto.createHmac('sha256', context.signingKey).update(stringToSign).digest('hex');
}

/** The signature of the trailer section: over its headers in canonical form (`name:value\n` each). */
export function trailerSignature(context: ChunkSigningContext, previousSignature: string, trailers: readonly { name: string; value: string }[]): string {
  const canonical = trailers.map(({ name, value }) => `${name}:${value}\n`).join('');
  const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', context.amzDate, context.scope, previousSignature, sha256Hex(canonical)].join('\n');
  return crypto.createHmac('sha256', context.signingKey).update(stringToSign).digest('hex');
}

function sha256Hex(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export interface AwsChunkedOptions {
  /** For the STREAMING-AWS4-HMAC-SHA256-* forms: the context and the request's (seed) signature. */
  signing?: ChunkSigningContext & { seedSignature: string };
  /** The trailer `x-amz-trailer` announced; without one, the body must end right after its last chunk. */
  trailer?: { name: string; algorithm: ChecksumAlgorithm };
  /** `x-amz-decoded-content-length`: the bytes the decoded body must have, exactly. */
  decodedLength: number;
  /** Builds the error the stream fails with; the store answers it as S3 XML and stores nothing. */
  fail: (code: S3ErrorCode, message: string) => Error;
}

const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_LINES = 16;
const CRLF = Buffer.from('\r\n');

type State =
  | { at: 'size-line' }
  | { at: 'data'; remaining: number }
  | { at: 'data-end'; seen: number }
  | { at: 'trailer' }
  | { at: 'done' };

/**
 * Decodes an aws-chunked body into the plain bytes, checking as it goes, and fails (before its end,
 * never after) on a bad chunk signature, a wrong trailer checksum, a wrong decoded length or a body
 * cut short, so a store that commits only on a clean end stores nothing.
 */
export class AwsChunkedDecoder extends Transform {
  private state: State = { at: 'size-line' };
  private line = '';
  private previousSignature: string | undefined;
  private pendingSignature: string | undefined;
  private chunkHash: crypto.Hash | undefined;
  private readonly checksum: Checksum | undefined;
  private readonly trailers: { name: string; value: string }[] = [];
  private decoded = 0;

  constructor(private readonly options: AwsChunkedOptions) {
    super();
    this.previousSignature = options.signing?.seedSignature;
    this.checksum = options.trailer ? createChecksum(options.trailer.algorithm) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (this.state.at !== 'done') {
      callback();
      return;
    }
    this.finalCheck().then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state.at === 'done' ? null : this.options.fail('IncompleteBody', 'The aws-chunked body ended before its final chunk.'));
  }

  private consume(input: Buffer): void {
    let offset = 0;
    while (offset < input.length) {
      const state = this.state;
      if (state.at === 'done') throw this.options.fail('InvalidRequest', 'Bytes follow the end of the aws-chunked body.');
      if (state.at === 'data') {
        const take = Math.min(state.remaining, input.length - offset);
        const data = input.subarray(offset, offset + take);
        this.chunkHash?.update(data);
        this.checksum?.update(data);
        this.push(data);
        offset += take;
        state.remaining -= take;
        if (state.remaining === 0) this.state = { at: 'data-end', seen: 0 };
        continue;
      }
      if (state.at === 'data-end') {
        if (input[offset] !== CRLF[state.seen]) throw this.options.fail('IncompleteBody', 'An aws-chunked chunk is longer than its size line says.');
        offset += 1;
        state.seen += 1;
        if (state.seen === CRLF.length) {
          this.verifyChunkSignature();
          this.state = { at: 'size-line' };
        }
        continue;
      }
      const newline = input.indexOf(0x0a, offset);
      const end = newline === -1 ? input.length : newline;
      this.line += input.toString('latin1', offset, end);
      if (this.line.length > MAX_LINE_BYTES) throw this.options.fail('InvalidRequest', 'An aws-chunked line is too long.');
      offset = end;
      if (newline === -1) continue;
      offset += 1;
      if (!this.line.endsWith('\r')) throw this.options.fail('InvalidRequest', 'aws-chunked lines must end with CRLF.');
      const line = this.line.slice(0, -1);
      this.line = '';
      if (state.at === 'size-line') this.startChunk(line);
      else this.trailerLine(line);
    }
  }

  private startChunk(line: string): void {
    const header = parseChunkHeader(line, this.options.signing !== undefined);
    if (typeof header === 'string') throw this.options.fail('InvalidRequest', header);
    if (this.decoded + header.size > this.options.decodedLength) {
      throw this.options.fail('IncompleteBody', 'The aws-chunked body is longer than its x-amz-decoded-content-length.');
    }
    this.decoded += header.size;
    this.pendingSignature = header.signature;
    this.chunkHash = this.options.signing ? crypto.createHash('sha256') : undefined;
    if (header.size > 0) {
      this.state = { at: 'data', remaining: header.size };
      return;
    }
    // The final, empty chunk is signed like any other; the trailer section follows it.
    this.verifyChunkSignature();
    this.state = { at: 'trailer' };
  }

  private verifyChunkSignature(): void {
    const signing = this.options.signing;
    if (!signing || !this.chunkHash || !this.pendingSignature || !this.previousSignature) return;
    const expected = chunkSignature(signing, this.previousSignature, this.chunkHash.digest('hex'));
    if (!safeEqual(expected, this.pendingSignature)) {
      throw this.options.fail('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the one you provided.');
    }
    this.previousSignature = this.pendingSignature;
  }

  private trailerLine(line: string): void {
    if (line === '') {
      this.state = { at: 'done' };
      return;
    }
    const trailer = parseTrailerLine(line);
    if (!trailer || this.trailers.length >= MAX_TRAILER_LINES) throw this.options.fail('InvalidRequest', 'The aws-chunked trailer is malformed.');
    this.trailers.push(trailer);
  }

  /** At the end of the body: its length, the trailer's signature and its checksum. */
  private async finalCheck(): Promise<void> {
    const { fail, trailer: announced, signing } = this.options;
    if (this.decoded !== this.options.decodedLength) {
      throw fail('IncompleteBody', `The body has ${this.decoded} bytes, not the ${this.options.decodedLength} its x-amz-decoded-content-length says.`);
    }
    const signatureLines = this.trailers.filter(({ name }) => name === 'x-amz-trailer-signature');
    const headers = this.trailers.filter(({ name }) => name !== 'x-amz-trailer-signature');
    if (!announced) {
      if (this.trailers.length > 0) throw fail('InvalidRequest', 'The body has a trailer that x-amz-trailer did not announce.');
      return;
    }
    const sent = headers[0];
    if (headers.length !== 1 || sent?.name !== announced.name) throw fail('InvalidRequest', `The body's trailer must be exactly the ${announced.name} that x-amz-trailer announced.`);
    if (signing) {
      const expected = this.previousSignature ? trailerSignature(signing, this.previousSignature, headers) : '';
      if (signatureLines.length !== 1 || !safeEqual(expected, signatureLines[0]?.value ?? '')) {
        throw fail('SignatureDoesNotMatch', 'The trailer signature we calculated does not match the one you provided.');
      }
    } else if (signatureLines.length > 0) {
      throw fail('InvalidRequest', 'An unsigned trailer cannot carry x-amz-trailer-signature.');
    }
    const computed = Buffer.from(await (this.checksum as Checksum).digest()).toString('base64');
    if (computed !== sent.value) {
      throw fail('BadDigest', `The ${announced.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
