import crypto from 'node:crypto';
import http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumBase64 } from '../../../src/server/store/checksums.js';
import { chunkContextFor, encodeAwsChunked, type ChunkedEncoding } from '../../support/aws-chunked.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createCredential, type Credential } from './helpers.js';

interface Reply {
  status: number;
  body: string;
  bytes: Buffer;
}

interface RawRequest {
  method: string;
  path: string;
  /** Signed with the request. */
  headers?: Record<string, string>;
  body?: Buffer;
  /** x-amz-content-sha256; the body's SHA-256 unless given. */
  payloadHash?: string;
  /** Added after signing, as an attacker would. */
  unsignedHeaders?: Record<string, string>;
  /** Builds the body from the request's own signature (aws-chunked bodies chain from it). */
  bodyFromSignature?: (seedSignature: string, amzDate: string) => Buffer;
  /** Send only this many bytes of the body, then cut the connection. */
  cutAfter?: number;
}

/** A request signed with @smithy/signature-v4 the way an SDK signs it, sent with node:http so nothing is added or fixed up. */
async function send(credential: Credential, request: RawRequest): Promise<Reply> {
  const url = new URL(credential.endpoint_url);
  const signer = new SignatureV4({ credentials: { accessKeyId: credential.access_key, secretAccessKey: credential.secret_key }, region: credential.region, service: 's3', sha256: Sha256, uriEscapePath: false });
  const body = request.body ?? Buffer.alloc(0);
  const payloadHash = request.payloadHash ?? crypto.createHash('sha256').update(body).digest('hex');
  const toSign = new HttpRequest({
    method: request.method,
    hostname: url.hostname,
    port: Number(url.port),
    path: request.path,
    headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...request.headers },
  });
  const signed = await signer.sign(toSign);
  const authorization = String(signed.headers.authorization);
  const seedSignature = /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? '';
  const wire = request.bodyFromSignature ? request.bodyFromSignature(seedSignature, String(signed.headers['x-amz-date'])) : body;
  const headers: Record<string, string> = { ...signed.headers, ...request.unsignedHeaders };
  if (!('content-length' in headers)) headers['content-length'] = String(wire.length);
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, body: bytes.toString(), bytes });
      });
    });
    if (request.cutAfter === undefined) {
      outgoing.on('error', reject);
      outgoing.end(wire);
      return;
    }
    // The connection is cut on purpose: the client sees no answer, the test judges by what was stored.
    outgoing.on('error', () => resolve({ status: 0, body: '', bytes: Buffer.alloc(0) }));
    outgoing.write(wire.subarray(0, request.cutAfter), () => setTimeout(() => outgoing.destroy(), 100));
  });
}

/**
 * Tenant A's own valid key, used as an attacker would: requests that are validly signed but carry
 * something the signature does not cover, or a body that is not the one signed. Judged by effects:
 * what A's and B's buckets hold afterwards, whose bytes came back, and that the server still answers.
 */
describe('SigV4 as AWS checks it, against a hostile tenant', () => {
  let server: TestServer;
  let alice: Credential;
  let bob: Credential;
  const ALICE_NOTE = '# alice\n';
  const BOB_SECRET = 'bob-secret-bytes-4f9c2e\n';
  const replies: Reply[] = [];

  const as = async (credential: Credential, request: RawRequest) => {
    const reply = await send(credential, request);
    replies.push(reply);
    return reply;
  };
  const read = (credential: Credential, key: string) => send(credential, { method: 'GET', path: `/${credential.bucket_name}/${key}` });
  const list = async (credential: Credential) => [...(await send(credential, { method: 'GET', path: `/${credential.bucket_name}`, headers: {} })).body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]);

  beforeAll(async () => {
    server = await startTestServer();
    alice = await createCredential(server.apiUrl, (await server.mintToken('new')).token);
    bob = await createCredential(server.apiUrl, (await server.mintToken('new')).token);
    expect((await send(alice, { method: 'PUT', path: `/${alice.bucket_name}/note.md`, body: Buffer.from(ALICE_NOTE) })).status).toBe(200);
    expect((await send(bob, { method: 'PUT', path: `/${bob.bucket_name}/bob.md`, body: Buffer.from(BOB_SECRET) })).status).toBe(200);
  });
  afterAll(async () => {
    await server.cleanup();
  });

  describe('every x-amz-* header must be signed', () => {
    it.each<[string, () => RawRequest]>([
      ['a copy source from B’s bucket', () => ({ method: 'PUT', path: `/${alice.bucket_name}/stolen.md`, unsignedHeaders: { 'x-amz-copy-source': `/${bob.bucket_name}/bob.md` } })],
      ['a copy source inside A’s own bucket', () => ({ method: 'PUT', path: `/${alice.bucket_name}/stolen.md`, unsignedHeaders: { 'x-amz-copy-source': `/${alice.bucket_name}/note.md` } })],
      ['metadata on an upload', () => ({ method: 'PUT', path: `/${alice.bucket_name}/stolen.md`, body: Buffer.from('planted'), unsignedHeaders: { 'x-amz-meta-owner': 'mallory' } })],
      ['a checksum header', () => ({ method: 'PUT', path: `/${alice.bucket_name}/stolen.md`, body: Buffer.from('planted'), unsignedHeaders: { 'x-amz-checksum-crc32': 'AAAAAA==' } })],
    ])('an unsigned %s next to a valid signature: 403, nothing stored', async (_name, request) => {
      const reply = await as(alice, request());
      expect(reply.status).toBe(403);
      expect(reply.body).toContain('<Code>AccessDenied</Code>');
      expect(reply.body).toContain('not signed');
      expect(await list(alice)).toEqual(['note.md']);
    });

    it('the same requests signed are what the store acts on (the refusal is the missing signature)', async () => {
      const reply = await as(alice, { method: 'PUT', path: `/${alice.bucket_name}/signed-meta.md`, body: Buffer.from('ok'), headers: { 'x-amz-meta-owner': 'alice' } });
      expect(reply.status).toBe(200);
      expect((await read(alice, 'signed-meta.md')).body).toBe('ok');
      expect((await as(alice, { method: 'DELETE', path: `/${alice.bucket_name}/signed-meta.md` })).status).toBe(204);
    });
  });

  describe('x-amz-content-sha256 is a digest of the body or a documented form', () => {
    it.each<[string, string | ((body: Buffer) => string), number, string]>([
      ['not hex at all', 'not-a-hash', 400, 'InvalidArgument'],
      ['63 hex digits', 'a'.repeat(63), 400, 'InvalidArgument'],
      ['65 hex digits', 'a'.repeat(65), 400, 'InvalidArgument'],
      ['a lower-case documented value', 'unsigned-payload', 400, 'InvalidArgument'],
      ['the SigV4A chunked form', 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 501, 'NotImplemented'],
      ['the digest of another body', () => crypto.createHash('sha256').update('another body').digest('hex'), 400, 'XAmzContentSHA256Mismatch'],
    ])('%s: refused, A’s object unchanged', async (_name, payloadHash, status, code) => {
      const body = Buffer.from('overwritten by a body nobody signed');
      const reply = await as(alice, { method: 'PUT', path: `/${alice.bucket_name}/note.md`, body, payloadHash: typeof payloadHash === 'string' ? payloadHash : payloadHash(body) });
      expect(reply.status).toBe(status);
      expect(reply.body).toContain(`<Code>${code}</Code>`);
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
    });
  });

  describe('an x-amz-checksum-* header describes the body', () => {
    it.each([
      ['with a signed SHA-256 of the body', undefined],
      ['with UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD'],
    ])('a wrong CRC32 %s: 400 BadDigest, A’s object unchanged', async (_name, payloadHash) => {
      const reply = await as(alice, { method: 'PUT', path: `/${alice.bucket_name}/note.md`, body: Buffer.from('corrupted in transit'), payloadHash, headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('<Code>BadDigest</Code>');
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
    });

    it('two checksum headers: 400, nothing stored', async () => {
      const body = Buffer.from('x');
      const reply = await as(alice, { method: 'PUT', path: `/${alice.bucket_name}/two.md`, body, headers: { 'x-amz-checksum-crc32': await checksumBase64('crc32', body), 'x-amz-checksum-sha1': await checksumBase64('sha1', body) } });
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('<Code>InvalidRequest</Code>');
      expect(await list(alice)).toEqual(['note.md']);
    });
  });

  describe('aws-chunked bodies', () => {
    const content = crypto.randomBytes(150_000);
    let crc32 = '';
    let crc32c = '';
    beforeAll(async () => {
      crc32 = await checksumBase64('crc32', content);
      crc32c = await checksumBase64('crc32c', content);
    });
    const chunked = (payload: string, encoding: (seed: string, amzDate: string) => ChunkedEncoding, extra: Partial<RawRequest> & { trailer?: string } = {}): RawRequest => ({
      method: 'PUT',
      path: `/${alice.bucket_name}/note.md`,
      payloadHash: payload,
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(content.length), ...(extra.trailer ? { 'x-amz-trailer': extra.trailer } : {}) },
      bodyFromSignature: (seed, amzDate) => encodeAwsChunked(content, encoding(seed, amzDate)),
      ...extra,
    });
    const signing = (seedSignature: string, amzDate: string) => ({ ...chunkContextFor(alice.secret_key, amzDate, alice.region), seedSignature });
    const tamper = (body: Buffer, at: number) => {
      const copy = Buffer.from(body);
      copy[at] = (copy[at] ?? 0) ^ 0xff;
      return copy;
    };

    it('a chunk whose bytes were changed after signing: 403, A’s object unchanged', async () => {
      const request = chunked('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (seed, date) => ({ signing: signing(seed, date) }));
      const reply = await as(alice, { ...request, bodyFromSignature: (seed, date) => tamper(request.bodyFromSignature!(seed, date), 70_000) });
      expect(reply.status).toBe(403);
      expect(reply.body).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
    });

    it('a wrong CRC32 trailer: 400 BadDigest, A’s object unchanged', async () => {
      const reply = await as(alice, chunked('STREAMING-UNSIGNED-PAYLOAD-TRAILER', () => ({ trailer: { name: 'x-amz-checksum-crc32', value: 'AAAAAA==' } }), { trailer: 'x-amz-checksum-crc32' }));
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('<Code>BadDigest</Code>');
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
    });

    it('a body without its final chunk: 400 IncompleteBody, A’s object unchanged', async () => {
      const request = chunked('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (seed, date) => ({ signing: signing(seed, date) }));
      const reply = await as(alice, { ...request, bodyFromSignature: (seed, date) => request.bodyFromSignature!(seed, date).subarray(0, -86) });
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('<Code>IncompleteBody</Code>');
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
    });

    it('a connection cut half-way through a chunked body: A’s object unchanged, the server still answers', async () => {
      await as(alice, { ...chunked('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (seed, date) => ({ signing: signing(seed, date) })), cutAfter: 80_000 });
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
      expect(await list(alice)).toEqual(['note.md']);
    });

    it('a decoded length that is not the body’s: 400, A’s object unchanged', async () => {
      const request = chunked('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (seed, date) => ({ signing: signing(seed, date) }));
      const reply = await as(alice, { ...request, headers: { ...request.headers, 'x-amz-decoded-content-length': String(content.length - 1) } });
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('<Code>IncompleteBody</Code>');
      expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
    });

    it.each<[string, string, (seed: string, date: string) => ChunkedEncoding, string | undefined]>([
      ['signed chunks', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (seed, date) => ({ signing: signing(seed, date), chunkSize: 65536 }), undefined],
      ['signed chunks with a signed CRC32C trailer', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', (seed, date) => ({ signing: signing(seed, date), trailer: { name: 'x-amz-checksum-crc32c', value: crc32c } }), 'x-amz-checksum-crc32c'],
      ['unsigned chunks with a CRC32 trailer', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', () => ({ trailer: { name: 'x-amz-checksum-crc32', value: crc32 } }), 'x-amz-checksum-crc32'],
    ])('%s, all correct: stored as the plain bytes', async (name, payload, encoding, trailer) => {
      const key = `chunked-${name.replace(/\W+/g, '-')}.bin`;
      const reply = await as(alice, { ...chunked(payload, encoding, { trailer }), path: `/${alice.bucket_name}/${key}` });
      expect(reply.status, reply.body).toBe(200);
      expect((await read(alice, key)).bytes.equals(content)).toBe(true);
      expect((await as(alice, { method: 'DELETE', path: `/${alice.bucket_name}/${key}` })).status).toBe(204);
    });
  });

  it('after all of it: B’s bytes never came back to A, B holds what it held, A its note, and the server answers both', async () => {
    expect(replies.length).toBeGreaterThan(15);
    expect(replies.some((reply) => reply.body.includes(BOB_SECRET.trim()))).toBe(false);
    expect(await list(bob)).toEqual(['bob.md']);
    expect((await read(bob, 'bob.md')).body).toBe(BOB_SECRET);
    expect(await list(alice)).toEqual(['note.md']);
    expect((await read(alice, 'note.md')).body).toBe(ALICE_NOTE);
  });
});
