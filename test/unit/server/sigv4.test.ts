import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { parsePayloadSigning } from '../../../src/server/store/payload-hash.js';
import { checkTiming, parseAmzDate, parseAuth, verifySignature, type ParsedAuth, type SignedRequestParts } from '../../../src/server/store/sigv4.js';

const credentials = { accessKeyId: 'tid_test', secretAccessKey: 'secret-of-forty-characters-0123456789abc' };
const signer = new SignatureV4({ credentials, region: 'auto', service: 's3', sha256: Sha256, uriEscapePath: false });
const signingDate = new Date('2025-09-22T16:48:50Z');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A request as a client SDK signs it, turned into what the gate sees on the wire. */
async function signed(path: string, query: Record<string, string | string[]> = {}, extraHeaders: Record<string, string> = {}): Promise<SignedRequestParts> {
  const request = new HttpRequest({ method: 'GET', hostname: '127.0.0.1', port: 8766, path, query, headers: { host: '127.0.0.1:8766', 'x-amz-content-sha256': EMPTY, ...extraHeaders } });
  const result = await signer.sign(request, { signingDate });
  return { method: 'GET', rawPath: path, query, headers: Object.fromEntries(Object.entries(result.headers).map(([name, value]) => [name.toLowerCase(), value])) };
}

function authOf(parts: SignedRequestParts): Extract<ParsedAuth, { kind: 'header' | 'presigned' }> {
  const auth = parseAuth(parts);
  if (auth.kind !== 'header' && auth.kind !== 'presigned') throw new Error(`unexpected ${auth.kind}`);
  return auth;
}

describe('parseAuth', () => {
  it('reads the header form', async () => {
    const auth = authOf(await signed('/bucket/key'));
    expect(auth).toMatchObject({ kind: 'header', accessKey: 'tid_test', date: '20250922', region: 'auto', service: 's3', payload: { kind: 'sha256', hex: EMPTY } });
    expect(auth.signedHeaders).toEqual(['host', 'x-amz-content-sha256', 'x-amz-date']);
  });

  it.each([
    ['no auth at all', {}, {}, 'anonymous'],
    ['Signature V2', { authorization: 'AWS tid_test:abc=' }, {}, 'malformed'],
    ['V2 query auth', {}, { AWSAccessKeyId: 'x', Signature: 'y' }, 'malformed'],
    ['a wrong service in the scope', { authorization: `AWS4-HMAC-SHA256 Credential=k/20250922/auto/iam/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'a'.repeat(64)}`, 'x-amz-date': '20250922T164850Z', 'x-amz-content-sha256': EMPTY }, {}, 'malformed'],
    ['an unsigned payload header', { authorization: `AWS4-HMAC-SHA256 Credential=k/20250922/auto/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`, 'x-amz-date': '20250922T164850Z', 'x-amz-content-sha256': EMPTY }, {}, 'malformed'],
    ['no x-amz-date', { authorization: `AWS4-HMAC-SHA256 Credential=k/20250922/auto/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'a'.repeat(64)}`, 'x-amz-content-sha256': EMPTY }, {}, 'malformed'],
    ['both header and query auth', { authorization: 'AWS4-HMAC-SHA256 x' }, { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' }, 'malformed'],
  ])('classifies %s', (_name, headers, query, kind) => {
    expect(parseAuth({ method: 'GET', rawPath: '/', headers, query }).kind).toBe(kind);
  });
});

describe('parseAuth: what must be signed', () => {
  it.each([
    ['x-amz-copy-source', '/other-bucket/secret.md'],
    ['x-amz-meta-owner', 'mallory'],
    ['x-amz-checksum-crc32', 'AAAAAA=='],
    ['x-amz-decoded-content-length', '5'],
  ])('refuses an unsigned %s next to a valid signature', async (name, value) => {
    const parts = await signed('/bucket/key');
    const tampered = { ...parts, headers: { ...parts.headers, [name]: value } };
    expect(parseAuth(tampered)).toEqual({ kind: 'malformed', reason: `There were headers present in the request which were not signed: ${name}.` });
  });

  it('accepts x-amz-* headers the client signed', async () => {
    const auth = authOf(await signed('/bucket/key', {}, { 'x-amz-meta-mtime': '1700000000', 'x-amz-copy-source': '/bucket/other' }));
    expect(auth.signedHeaders).toEqual(expect.arrayContaining(['x-amz-meta-mtime', 'x-amz-copy-source']));
  });

  it('refuses an unsigned x-amz-* header on a presigned URL too', async () => {
    const request = new HttpRequest({ method: 'GET', hostname: '127.0.0.1', port: 8766, path: '/bucket/key', headers: { host: '127.0.0.1:8766' } });
    const presigned = await signer.presign(request, { signingDate, expiresIn: 600 });
    const parts: SignedRequestParts = { method: 'GET', rawPath: '/bucket/key', query: presigned.query as Record<string, string>, headers: { host: '127.0.0.1:8766', 'x-amz-copy-source': '/b/k' } };
    expect(parseAuth(parts)).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('x-amz-copy-source') });
  });

  it.each([
    ['not-a-hash', 'InvalidArgument'],
    ['a'.repeat(63), 'InvalidArgument'],
    ['a'.repeat(65), 'InvalidArgument'],
    ['g'.repeat(64), 'InvalidArgument'],
    ['unsigned-payload', 'InvalidArgument'],
    ['STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 'NotImplemented'],
  ])('refuses x-amz-content-sha256 "%s" with %s', async (payloadHash, code) => {
    const parts = await signed('/bucket/key', {}, { 'x-amz-content-sha256': payloadHash });
    expect(parseAuth(parts)).toMatchObject({ kind: 'malformed', code });
  });
});

describe('parsePayloadSigning', () => {
  it.each([
    ['E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855', { kind: 'sha256', hex: EMPTY }],
    ['UNSIGNED-PAYLOAD', { kind: 'unsigned' }],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { kind: 'signed-chunks', trailer: false }],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', { kind: 'signed-chunks', trailer: true }],
    ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', { kind: 'unsigned-chunks-trailer' }],
    ['STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER', { refused: 'NotImplemented' }],
    ['STREAMING-UNSIGNED-PAYLOAD', { refused: 'InvalidArgument' }],
    ['', { refused: 'InvalidArgument' }],
    [` ${EMPTY}`, { refused: 'InvalidArgument' }],
  ])('%s', (value, expected) => {
    expect(parsePayloadSigning(value)).toMatchObject(expected);
  });
});

describe('verifySignature', () => {
  it('accepts what an SDK signed, with a raw path as sent and a query', async () => {
    const parts = await signed('/bucket/notes%20%C3%BC%3F%23%26%2B.md', { 'list-type': '2', prefix: 'a b' });
    expect(verifySignature(authOf(parts), parts, credentials.secretAccessKey)).toBe(true);
  });

  it('signs content-length when the client did (as rclone does)', async () => {
    const parts = await signed('/bucket/key', {}, { 'content-length': '5' });
    const auth = authOf(parts);
    expect(auth.signedHeaders).toContain('content-length');
    expect(verifySignature(auth, parts, credentials.secretAccessKey)).toBe(true);
    expect(verifySignature(auth, { ...parts, headers: { ...parts.headers, 'content-length': '6' } }, credentials.secretAccessKey)).toBe(false);
  });

  it('rejects a wrong secret, another path, another query, another host', async () => {
    const parts = await signed('/bucket/key', { prefix: 'x' });
    const auth = authOf(parts);
    expect(verifySignature(auth, parts, 'wrong')).toBe(false);
    expect(verifySignature(auth, { ...parts, rawPath: '/other-bucket/key' }, credentials.secretAccessKey)).toBe(false);
    expect(verifySignature(auth, { ...parts, query: { prefix: 'y' } }, credentials.secretAccessKey)).toBe(false);
    expect(verifySignature(auth, { ...parts, headers: { ...parts.headers, host: 'evil:8766' } }, credentials.secretAccessKey)).toBe(false);
  });

  it.each([
    ['names that sort differently alone and with their values', { a: '1', 'a-b': '2', 'a.b': '3', A: '4' }, {}],
    ['a repeated name, its values out of order', { prefix: ['z', 'a', 'm'] }, {}],
    ['characters AWS encodes that encodeURIComponent keeps', { "q!'()*": "v!'()*~-._" }, {}],
    ['empty values and unicode', { delimiter: '', prefix: 'über/日本 ✓' }, {}],
    ['header values with runs of spaces, tabs and edge spaces', {}, { 'x-amz-meta-note': '  two  spaces\tand a tab ', 'content-type': 'text/plain;  charset=utf-8' }],
  ])('agrees with the AWS SDK signer on %s', async (_name, query, headers) => {
    const parts = await signed('/bucket/key', query, headers);
    expect(verifySignature(authOf(parts), parts, credentials.secretAccessKey)).toBe(true);
  });

  it('fails when a header the client listed is missing', async () => {
    const parts = await signed('/bucket/key', {}, { 'content-length': '5' });
    const { 'content-length': _dropped, ...rest } = parts.headers;
    expect(verifySignature(authOf(parts), { ...parts, headers: rest }, credentials.secretAccessKey)).toBe(false);
  });

  it('keeps the signing keys of two secrets apart for the same scope', async () => {
    const parts = await signed('/bucket/key');
    const auth = authOf(parts);
    const other = new SignatureV4({ credentials: { ...credentials, secretAccessKey: 'another-secret-of-forty-characters-00000' }, region: 'auto', service: 's3', sha256: Sha256, uriEscapePath: false });
    const request = new HttpRequest({ method: 'GET', hostname: '127.0.0.1', port: 8766, path: '/bucket/key', headers: { host: '127.0.0.1:8766', 'x-amz-content-sha256': EMPTY } });
    const byOther = await other.sign(request, { signingDate });
    const otherParts: SignedRequestParts = { ...parts, headers: Object.fromEntries(Object.entries(byOther.headers).map(([name, value]) => [name.toLowerCase(), value])) };
    expect(verifySignature(auth, parts, credentials.secretAccessKey)).toBe(true);
    expect(verifySignature(authOf(otherParts), otherParts, 'another-secret-of-forty-characters-00000')).toBe(true);
    expect(verifySignature(authOf(otherParts), otherParts, credentials.secretAccessKey)).toBe(false);
    expect(verifySignature(auth, parts, 'another-secret-of-forty-characters-00000')).toBe(false);
  });

  it('verifies a presigned URL with its own query and a signed payload hash', async () => {
    const request = new HttpRequest({ method: 'PUT', hostname: '127.0.0.1', port: 8766, path: '/bucket/key', query: { partNumber: '2', uploadId: 'a b+c' }, headers: { host: '127.0.0.1:8766', 'x-amz-content-sha256': EMPTY } });
    const presigned = await signer.presign(request, { signingDate, expiresIn: 600, unhoistableHeaders: new Set(['x-amz-content-sha256']) });
    const parts: SignedRequestParts = { method: 'PUT', rawPath: '/bucket/key', query: presigned.query as Record<string, string>, headers: { host: '127.0.0.1:8766', 'x-amz-content-sha256': EMPTY } };
    const auth = authOf(parts);
    expect(auth.signedHeaders).toContain('x-amz-content-sha256');
    expect(verifySignature(auth, parts, credentials.secretAccessKey)).toBe(true);
    expect(verifySignature(auth, { ...parts, query: { ...parts.query, partNumber: '3' } }, credentials.secretAccessKey)).toBe(false);
    expect(verifySignature(auth, { ...parts, headers: { ...parts.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, credentials.secretAccessKey)).toBe(false);
  });

  it('verifies the presigned-query form', async () => {
    const request = new HttpRequest({ method: 'GET', hostname: '127.0.0.1', port: 8766, path: '/bucket/key', headers: { host: '127.0.0.1:8766', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const presigned = await signer.presign(request, { signingDate, expiresIn: 600 });
    const parts: SignedRequestParts = { method: 'GET', rawPath: '/bucket/key', query: presigned.query as Record<string, string>, headers: { host: '127.0.0.1:8766' } };
    const auth = authOf(parts);
    expect(auth).toMatchObject({ kind: 'presigned', expiresSeconds: 600 });
    expect(verifySignature(auth, parts, credentials.secretAccessKey)).toBe(true);
    expect(verifySignature(auth, { ...parts, method: 'DELETE' }, credentials.secretAccessKey)).toBe(false);
  });
});

describe('checkTiming', () => {
  const at = (iso: string) => new Date(iso);
  it('allows 15 minutes of clock skew either way for signed headers', async () => {
    const auth = authOf(await signed('/b/k'));
    expect(checkTiming(auth, at('2025-09-22T17:03:50Z'))).toBe('ok');
    expect(checkTiming(auth, at('2025-09-22T17:03:51Z'))).toBe('skewed');
    expect(checkTiming(auth, at('2025-09-22T16:33:49Z'))).toBe('skewed');
  });

  it('ends a presigned URL at its expiry', () => {
    const auth: ParsedAuth = { kind: 'presigned', accessKey: 'k', date: '20250922', region: 'auto', service: 's3', signedAt: signingDate, amzDate: '20250922T164850Z', signedHeaders: ['host'], signature: 'a'.repeat(64), payload: { kind: 'unsigned' }, expiresSeconds: 60 };
    expect(checkTiming(auth, at('2025-09-22T16:49:50Z'))).toBe('ok');
    expect(checkTiming(auth, at('2025-09-22T16:49:51Z'))).toBe('expired');
  });

  it('refuses a scope date that is not the signing date', async () => {
    const auth = { ...authOf(await signed('/b/k')), date: '20250921' };
    expect(checkTiming(auth, signingDate)).toBe('scope-date');
  });
});

describe('parseAmzDate', () => {
  it.each([
    ['20250922T164850Z', '2025-09-22T16:48:50.000Z'],
    ['2025-09-22T16:48:50Z', undefined],
    ['', undefined],
  ])('%s', (input, expected) => {
    expect(parseAmzDate(input)?.toISOString()).toBe(expected);
  });
});
