import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AwsChunkedDecoder,
  chunkSignature,
  decodedBodyHeaders,
  parseChunkHeader,
  parseTrailerLine,
  planChunkedBody,
  trailerSignature,
  type AwsChunkedOptions,
  type ChunkSigningContext,
} from '../../../src/server/store/aws-chunked.js';
import { checksumAlgorithmOf, checksumBase64, checksumHeaderOf, type ChecksumAlgorithm } from '../../../src/server/store/checksums.js';
import type { S3ErrorCode } from '../../../src/server/store/s3-errors.js';
import { chunkSigningContext, parseAuth, verifySignature } from '../../../src/server/store/sigv4.js';
import { chunkContextFor, encodeAwsChunked as encode } from '../../support/aws-chunked.js';

// AWS's published example for chunked uploads: its credentials, date, scope and signatures.
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const awsContext: ChunkSigningContext = chunkContextFor(AWS_SECRET, '20130524T000000Z', 'us-east-1');
const sha256Hex = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const object = Buffer.alloc(66560, 'a');

class BodyError extends Error {
  constructor(
    readonly code: S3ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
const fail = (code: S3ErrorCode, message: string) => new BodyError(code, message);

interface Decoded {
  data: Buffer;
  ended: boolean;
  error?: BodyError;
}

/** Feeds `body` in pieces of `pieceSize` bytes; records what came out and whether the stream ended cleanly. */
async function decode(body: Buffer, options: Omit<AwsChunkedOptions, 'fail'>, pieceSize = 7919): Promise<Decoded> {
  const decoder = new AwsChunkedDecoder({ ...options, fail });
  const out: Buffer[] = [];
  return new Promise((resolve) => {
    decoder.on('data', (chunk: Buffer) => out.push(chunk));
    decoder.on('end', () => resolve({ data: Buffer.concat(out), ended: true }));
    decoder.on('error', (error) => resolve({ data: Buffer.concat(out), ended: false, error: error as BodyError }));
    void (async () => {
      for (let offset = 0; offset < body.length; offset += pieceSize) {
        if (!decoder.write(body.subarray(offset, offset + pieceSize))) await new Promise((next) => decoder.once('drain', next));
        if (decoder.destroyed) return;
      }
      decoder.end();
    })();
  });
}

describe('chunk and trailer signatures match AWS’s published examples', () => {
  it('chains three chunks from the seed signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD example)', () => {
    const first = chunkSignature(awsContext, '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9', sha256Hex(object.subarray(0, 65536)));
    const second = chunkSignature(awsContext, first, sha256Hex(object.subarray(65536)));
    const last = chunkSignature(awsContext, second, sha256Hex(Buffer.alloc(0)));
    expect([first, second, last]).toEqual([
      'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
      '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
      'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
    ]);
  });

  it('signs the trailer after the last chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER example)', async () => {
    const first = chunkSignature(awsContext, '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e', sha256Hex(object.subarray(0, 65536)));
    const second = chunkSignature(awsContext, first, sha256Hex(object.subarray(65536)));
    const last = chunkSignature(awsContext, second, sha256Hex(Buffer.alloc(0)));
    expect([first, second, last]).toEqual([
      'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
      '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
      '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
    ]);
    expect(await checksumBase64('crc32c', object)).toBe('sOO8/Q==');
    expect(trailerSignature(awsContext, last, [{ name: 'x-amz-checksum-crc32c', value: 'sOO8/Q==' }])).toBe('d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435');
  });

  it('verifies AWS’s example request end to end: seed signature, then every chunk, then the plain bytes', async () => {
    const headers = {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
    };
    const parts = { method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', query: {}, headers };
    const auth = parseAuth(parts);
    if (auth.kind !== 'header') throw new Error(`unexpected ${auth.kind}`);
    expect(auth.payload).toEqual({ kind: 'signed-chunks', trailer: false });
    expect(verifySignature(auth, parts, AWS_SECRET)).toBe(true);
    const signing = { ...chunkSigningContext(auth, AWS_SECRET), seedSignature: auth.signature };
    const body = encode(object, { signing });
    expect(body.length).toBe(66824);
    const decoded = await decode(body, { signing, decodedLength: 66560 });
    expect(decoded.error).toBeUndefined();
    expect(decoded.ended).toBe(true);
    expect(decoded.data.equals(object)).toBe(true);
  });
});

describe('AwsChunkedDecoder', () => {
  const signing = { ...awsContext, seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9' };
  const data = crypto.randomBytes(200_000);

  it.each([1, 3, 64, 65_536, 1_000_000])('decodes the same bytes whatever pieces the body arrives in (%i bytes)', async (pieceSize) => {
    const decoded = await decode(encode(data, { signing, chunkSize: 8192 }), { signing, decodedLength: data.length }, pieceSize);
    expect(decoded.ended).toBe(true);
    expect(decoded.data.equals(data)).toBe(true);
  });

  const flipByte = (body: Buffer, at: number) => {
    const copy = Buffer.from(body);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  };
  const signedBody = encode(data, { signing });
  const signedWithTrailer = async (algorithm: ChecksumAlgorithm) => encode(data, { signing, trailer: { name: `x-amz-checksum-${algorithm}`, value: await checksumBase64(algorithm, data) } });
  const unsignedWithTrailer = async (algorithm: ChecksumAlgorithm, value?: string) => encode(data, { trailer: { name: `x-amz-checksum-${algorithm}`, value: value ?? (await checksumBase64(algorithm, data)) } });

  it.each<[string, () => Promise<Buffer> | Buffer, Omit<AwsChunkedOptions, 'fail'>, S3ErrorCode]>([
    ['a byte of chunk data changed', () => flipByte(signedBody, 1000), { signing, decodedLength: data.length }, 'SignatureDoesNotMatch'],
    ['a byte of the last chunk changed', () => flipByte(signedBody, signedBody.length - 200), { signing, decodedLength: data.length }, 'SignatureDoesNotMatch'],
    ['another seed signature', () => signedBody, { signing: { ...signing, seedSignature: 'f'.repeat(64) }, decodedLength: data.length }, 'SignatureDoesNotMatch'],
    ['chunks signed with another key', () => encode(data, { signing: { ...signing, signingKey: Buffer.from('other') } }), { signing, decodedLength: data.length }, 'SignatureDoesNotMatch'],
    ['a chunk without its signature', () => encode(data), { signing, decodedLength: data.length }, 'InvalidRequest'],
    ['a chunk signature on an unsigned body', () => signedBody, { decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }, 'InvalidRequest'],
    ['a body cut short', () => signedBody.subarray(0, 100_000), { signing, decodedLength: data.length }, 'IncompleteBody'],
    ['a body without its final chunk', () => signedBody.subarray(0, signedBody.length - 86), { signing, decodedLength: data.length }, 'IncompleteBody'],
    ['fewer bytes than x-amz-decoded-content-length', () => signedBody, { signing, decodedLength: data.length + 1 }, 'IncompleteBody'],
    ['more bytes than x-amz-decoded-content-length', () => signedBody, { signing, decodedLength: data.length - 1 }, 'IncompleteBody'],
    ['a chunk longer than its size line', () => Buffer.from('3\r\nabcd\r\n0\r\n\r\n'), { decodedLength: 4 }, 'IncompleteBody'],
    ['bytes after the end', () => Buffer.concat([signedBody, Buffer.from('extra')]), { signing, decodedLength: data.length }, 'InvalidRequest'],
    ['a size line that is not hex', () => Buffer.from('zz\r\n'), { decodedLength: 2 }, 'InvalidRequest'],
    ['a line with a bare LF', () => Buffer.from('1\nx\r\n0\r\n\r\n'), { decodedLength: 1 }, 'InvalidRequest'],
    ['an endless size line', () => Buffer.alloc(10_000, '0'), { decodedLength: 0 }, 'InvalidRequest'],
    ['a wrong CRC32 trailer', () => unsignedWithTrailer('crc32', 'AAAAAA=='), { decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }, 'BadDigest'],
    ['a wrong SHA256 trailer', () => unsignedWithTrailer('sha256', crypto.createHash('sha256').update('x').digest('base64')), { decodedLength: data.length, trailer: { name: 'x-amz-checksum-sha256', algorithm: 'sha256' } }, 'BadDigest'],
    ['another trailer than the announced one', () => unsignedWithTrailer('crc32c'), { decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }, 'InvalidRequest'],
    ['no trailer where one was announced', () => encode(data), { decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }, 'InvalidRequest'],
    ['a trailer nobody announced', () => unsignedWithTrailer('crc32'), { decodedLength: data.length }, 'InvalidRequest'],
    ['a signed trailer whose checksum was changed', async () => Buffer.from((await signedWithTrailer('crc32')).toString('latin1').replace(/x-amz-checksum-crc32:[^\r]+/, 'x-amz-checksum-crc32:AAAAAA=='), 'latin1'), { signing, decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }, 'SignatureDoesNotMatch'],
    ['a signed trailer without its signature', async () => Buffer.from((await signedWithTrailer('crc32')).toString('latin1').replace(/x-amz-trailer-signature:[^\r]+\r\n/, ''), 'latin1'), { signing, decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }, 'SignatureDoesNotMatch'],
  ])('fails before the end of the stream on %s', async (_name, body, options, code) => {
    const decoded = await decode(await body(), options);
    expect(decoded.ended).toBe(false);
    expect(decoded.error?.code).toBe(code);
  });

  it.each<ChecksumAlgorithm>(['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'])('accepts an unsigned body whose %s trailer is right', async (algorithm) => {
    const decoded = await decode(await unsignedWithTrailer(algorithm), { decodedLength: data.length, trailer: { name: `x-amz-checksum-${algorithm}`, algorithm } });
    expect(decoded.error).toBeUndefined();
    expect(decoded.data.equals(data)).toBe(true);
  });

  it('accepts a signed body with a signed trailer', async () => {
    const decoded = await decode(await signedWithTrailer('crc32c'), { signing, decodedLength: data.length, trailer: { name: 'x-amz-checksum-crc32c', algorithm: 'crc32c' } });
    expect(decoded.error).toBeUndefined();
    expect(decoded.data.equals(data)).toBe(true);
  });

  it('decodes an empty body', async () => {
    const decoded = await decode(encode(Buffer.alloc(0), { signing }), { signing, decodedLength: 0 });
    expect(decoded).toEqual({ data: Buffer.alloc(0), ended: true });
  });
});

describe('parseChunkHeader', () => {
  const signature = 'a'.repeat(64);
  it.each([
    ['10000', false, { size: 65536 }],
    ['0', false, { size: 0 }],
    [`400;chunk-signature=${signature}`, true, { size: 1024, signature }],
    ['400', true, 'Every chunk of a signed chunked payload needs one chunk-signature.'],
    [`400;chunk-signature=${'A'.repeat(64)}`, true, 'Every chunk of a signed chunked payload needs one chunk-signature.'],
    [`400;chunk-signature=${signature};chunk-signature=${signature}`, true, 'Every chunk of a signed chunked payload needs one chunk-signature.'],
    [`400;chunk-signature=${signature}`, false, 'A chunk signature was sent with an unsigned chunked payload.'],
    ['-1', false, '"-1" is not an aws-chunked size line.'],
    ['1000000000000', false, '"1000000000000" is not an aws-chunked size line.'],
    ['', false, '"" is not an aws-chunked size line.'],
  ])('%s (signed: %s)', (line, signed, expected) => {
    expect(parseChunkHeader(line, signed)).toEqual(expected);
  });
});

describe('parseTrailerLine and checksumAlgorithmOf', () => {
  it.each([
    ['x-amz-checksum-crc32:sOO8/Q==', { name: 'x-amz-checksum-crc32', value: 'sOO8/Q==' }],
    ['X-Amz-Checksum-CRC32C: abc= ', { name: 'x-amz-checksum-crc32c', value: 'abc=' }],
    [':value', undefined],
    ['no colon', undefined],
  ])('%s', (line, expected) => {
    expect(parseTrailerLine(line)).toEqual(expected);
  });

  it.each([
    ['x-amz-checksum-crc32', 'crc32'],
    ['X-Amz-Checksum-CRC64NVME', 'crc64nvme'],
    ['x-amz-checksum-sha1', 'sha1'],
    ['x-amz-checksum-md5', undefined],
    ['x-amz-meta-crc32', undefined],
  ])('%s names %s', (name, algorithm) => {
    expect(checksumAlgorithmOf(name)).toBe(algorithm);
  });
});

describe('checksumHeaderOf', () => {
  it.each([
    ['no checksum header', { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'FULL_OBJECT' }, undefined],
    ['one', { 'x-amz-checksum-crc32': ' sOO8/Q== ' }, { algorithm: 'crc32', name: 'x-amz-checksum-crc32', value: 'sOO8/Q==' }],
    ['two', { 'x-amz-checksum-crc32': 'a', 'x-amz-checksum-sha1': 'b' }, { refused: 'Expecting a single x-amz-checksum- header, not x-amz-checksum-crc32 and x-amz-checksum-sha1.' }],
  ])('%s', (_name, headers, expected) => {
    expect(checksumHeaderOf(headers)).toEqual(expected);
  });
});

describe('planChunkedBody', () => {
  const signed = { kind: 'signed-chunks', trailer: false } as const;
  const signedTrailer = { kind: 'signed-chunks', trailer: true } as const;
  const unsignedTrailer = { kind: 'unsigned-chunks-trailer' } as const;
  it.each([
    ['signed, no trailer', signed, { 'x-amz-decoded-content-length': '66560' }, { decodedLength: 66560 }],
    ['unsigned with a CRC32 trailer', unsignedTrailer, { 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32' }, { decodedLength: 5, trailer: { name: 'x-amz-checksum-crc32', algorithm: 'crc32' } }],
    ['signed with a trailer', signedTrailer, { 'x-amz-decoded-content-length': '0', 'x-amz-trailer': 'X-Amz-Checksum-SHA256' }, { decodedLength: 0, trailer: { name: 'x-amz-checksum-sha256', algorithm: 'sha256' } }],
    ['no decoded length', signed, {}, 'MissingContentLength'],
    ['a negative decoded length', signed, { 'x-amz-decoded-content-length': '-1' }, 'MissingContentLength'],
    ['a decoded length that is not a number', signed, { 'x-amz-decoded-content-length': '1e3' }, 'MissingContentLength'],
    ['a trailer form without x-amz-trailer', unsignedTrailer, { 'x-amz-decoded-content-length': '5' }, 'InvalidRequest'],
    ['a trailer that is no checksum', unsignedTrailer, { 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-meta-a' }, 'InvalidRequest'],
    ['x-amz-trailer without a trailer form', signed, { 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32' }, 'InvalidRequest'],
  ] as const)('%s', (_name, payload, headers, expected) => {
    const plan = planChunkedBody(payload, headers);
    if (typeof expected === 'string') expect(plan).toMatchObject({ refused: expected });
    else expect(plan).toEqual(expected);
  });
});

describe('decodedBodyHeaders', () => {
  it('describes the plain body the store receives', () => {
    const headers = decodedBodyHeaders(
      {
        host: 'h',
        'content-length': '66824',
        'content-encoding': 'aws-chunked, gzip',
        'transfer-encoding': 'chunked',
        'x-amz-decoded-content-length': '66560',
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-meta-mtime': '1',
      },
      66560,
    );
    expect(headers).toEqual({ host: 'h', 'content-length': '66560', 'content-encoding': 'gzip', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-mtime': '1' });
    expect(decodedBodyHeaders({ 'content-encoding': 'aws-chunked' }, 0)).not.toHaveProperty('content-encoding');
  });
});
