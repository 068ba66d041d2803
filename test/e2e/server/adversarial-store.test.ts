import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createCredential, type Credential } from './helpers.js';
import { bucketState, signedRaw, type RawRequest } from './raw-s3.js';

/**
 * Tenant A attacks with its own valid key. Every case is judged by its effects: B's bytes never come
 * back, B's objects are unchanged, nothing new appears in B, C's bucket still exists, nothing is written
 * outside the data dir, and the store still answers.
 */

interface Tenant {
  bucket: string;
  credential: Credential;
}

interface AttackContext {
  a: string;
  b: string;
  c: string;
  storeHost: string;
  uploadId: string;
}

interface Attack {
  name: string;
  request: (context: AttackContext) => RawRequest;
  /** When the store must refuse outright (a 4xx); cases that may legitimately name a harmless key in A leave it out. */
  refused?: boolean;
}

const deleteBody = (keys: string[]) => `<Delete><Quiet>false</Quiet>${keys.map((key) => `<Object><Key>${key}</Key></Object>`).join('')}</Delete>`;

const traversalPaths: [string, (x: AttackContext) => string][] = [
  ['dot-dot segments', (x) => `/${x.a}/../${x.b}/secret.md`],
  ['%2e%2e segments', (x) => `/${x.a}/%2e%2e/${x.b}/secret.md`],
  ['%2E%2E upper-case', (x) => `/${x.a}/%2E%2E/${x.b}/secret.md`],
  ['..%2F in one segment', (x) => `/${x.a}/..%2F${x.b}%2Fsecret.md`],
  ['.%2e mixed', (x) => `/${x.a}/.%2e/${x.b}/secret.md`],
  ['deeper dot-dots', (x) => `/${x.a}/dir/../../${x.b}/secret.md`],
  ['backslashes', (x) => `/${x.a}/..%5C${x.b}%5Csecret.md`],
  ['NUL byte', (x) => `/${x.a}/..%00/${x.b}/secret.md`],
  ['a dot segment', (x) => `/${x.a}/./../${x.b}/secret.md`],
  ['encoded slash in the bucket', (x) => `/${x.a}%2F..%2F${x.b}/secret.md`],
  ['dot-dot bucket', (x) => `/%2e%2e/${x.b}/secret.md`],
  ['out of the data dir', () => `/..%2F..%2F..%2F..%2Fpwned`],
  ['out of the data dir from A', (x) => `/${x.a}/..%2F..%2F..%2F..%2F..%2Fpwned`],
];

const attacks: Attack[] = [
  ...traversalPaths.flatMap(([name, path]): Attack[] =>
    ['GET', 'HEAD', 'PUT', 'DELETE'].map((method) => ({
      name: `${method} through ${name}`,
      request: (x) => ({ method, path: path(x), ...(method === 'PUT' ? { body: 'PLANTED' } : {}) }),
      refused: true,
    })),
  ),
  { name: 'GET of /etc/passwd through encoded dot-dots', request: (x) => ({ method: 'GET', path: `/${x.a}/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd` }), refused: true },
  { name: "PUT and DELETE through ..%2F<C's bucket>", request: (x) => ({ method: 'DELETE', path: `/${x.a}/..%2F${x.c}` }), refused: true },
  { name: 'double-encoded dot-dots name a harmless key in A', request: (x) => ({ method: 'GET', path: `/${x.a}/%252e%252e%252F${x.b}%252Fsecret.md` }) },
  { name: 'a key over 1,024 bytes', request: (x) => ({ method: 'PUT', path: `/${x.a}/${'k'.repeat(1025)}`, body: 'x' }), refused: true },
  // Copy sources.
  ...[
    ['plain', (x: AttackContext) => `/${x.b}/secret.md`],
    ['without a leading slash', (x: AttackContext) => `${x.b}/secret.md`],
    ['with versionId', (x: AttackContext) => `/${x.b}/secret.md?versionId=null`],
    ['dot-dots', (x: AttackContext) => `/${x.a}/../${x.b}/secret.md`],
    ['encoded dot-dots', (x: AttackContext) => `/${x.a}/..%2F${x.b}%2Fsecret.md`],
    ['encoded leading slash', (x: AttackContext) => `%2F${x.b}%2Fsecret.md`],
    ['through an object of A', (x: AttackContext) => `/${x.a}/a.md/../../${x.b}/secret.md`],
    ['dot-dot bucket', (x: AttackContext) => `/../${x.b}/secret.md`],
  ].flatMap(([name, source]): Attack[] => [
    { name: `CopyObject from B, ${name as string}`, request: (x) => ({ method: 'PUT', path: `/${x.a}/stolen.md`, headers: { 'x-amz-copy-source': (source as (x: AttackContext) => string)(x) } }), refused: true },
    {
      name: `UploadPartCopy from B, ${name as string}`,
      request: (x) => ({ method: 'PUT', path: `/${x.a}/stolen-part.bin`, query: { partNumber: '1', uploadId: x.uploadId }, headers: { 'x-amz-copy-source': (source as (x: AttackContext) => string)(x) } }),
      refused: true,
    },
  ]),
  // Multi-object delete: every key is a key of A's bucket, or refused.
  { name: 'DeleteObjects with dot-dot keys', request: (x) => ({ method: 'POST', path: `/${x.a}`, query: { delete: '' }, body: deleteBody([`../${x.b}/secret.md`, `a.md/../../${x.b}/secret.md`, `/../${x.b}/secret.md`, `..\\${x.b}\\secret.md`]) }) },
  { name: 'DeleteObjects with encoded dot-dots', request: (x) => ({ method: 'POST', path: `/${x.a}`, query: { delete: '' }, body: deleteBody([`..%2F${x.b}%2Fsecret.md`, `%2e%2e/${x.b}/secret.md`]) }) },
  { name: "DeleteObjects posted to B's bucket", request: (x) => ({ method: 'POST', path: `/${x.b}`, query: { delete: '' }, body: deleteBody(['secret.md']) }), refused: true },
  { name: 'DeleteObjects through a dot-dot path', request: (x) => ({ method: 'POST', path: `/${x.a}/../${x.b}`, query: { delete: '' }, body: deleteBody(['secret.md']) }), refused: true },
  // Virtual-host tricks.
  { name: "virtual host naming B's bucket", request: (x) => ({ method: 'GET', path: '/secret.md', host: `${x.b}.${x.storeHost}` }), refused: true },
  { name: "virtual host naming B's bucket, PUT", request: (x) => ({ method: 'PUT', path: '/planted.md', host: `${x.b}.${x.storeHost}`, body: 'PLANTED' }), refused: true },
  { name: "virtual host of A with B's path", request: (x) => ({ method: 'GET', path: `/${x.b}/secret.md`, host: `${x.a}.${x.storeHost}` }) },
  { name: 'virtual host of A with a dot-dot path', request: (x) => ({ method: 'GET', path: `/../${x.b}/secret.md`, host: `${x.a}.${x.storeHost}` }), refused: true },
  { name: 'virtual host of A with an encoded dot-dot path', request: (x) => ({ method: 'PUT', path: `/..%2F${x.b}%2Fplanted.md`, host: `${x.a}.${x.storeHost}`, body: 'PLANTED' }), refused: true },
  { name: 'virtual host B under A', request: (x) => ({ method: 'GET', path: '/secret.md', host: `${x.b}.${x.a}.${x.storeHost}` }), refused: true },
  { name: 'virtual host with a dot-dot bucket', request: (x) => ({ method: 'GET', path: `/${x.b}/secret.md`, host: `...${x.storeHost}` }), refused: true },
  // Bogus part lists.
  { name: 'CompleteMultipartUpload naming a part that does not exist', request: (x) => ({ method: 'POST', path: `/${x.a}/stolen-part.bin`, query: { uploadId: x.uploadId }, body: '<CompleteMultipartUpload><Part><PartNumber>7</PartNumber><ETag>"00000000000000000000000000000000"</ETag></Part></CompleteMultipartUpload>' }), refused: true },
  { name: 'CompleteMultipartUpload with garbage XML', request: (x) => ({ method: 'POST', path: `/${x.a}/stolen-part.bin`, query: { uploadId: x.uploadId }, body: '<CompleteMultipartUpload><Part>' }), refused: true },
  { name: 'CompleteMultipartUpload with an empty part list', request: (x) => ({ method: 'POST', path: `/${x.a}/stolen-part.bin`, query: { uploadId: x.uploadId }, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' }), refused: true },
  { name: "CompleteMultipartUpload of A's upload moved onto B's key", request: (x) => ({ method: 'POST', path: `/${x.a}/../${x.b}/secret.md`, query: { uploadId: x.uploadId }, body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>' }), refused: true },
  { name: "A's upload id used on another key of A", request: (x) => ({ method: 'PUT', path: `/${x.a}/a.md`, query: { partNumber: '1', uploadId: x.uploadId }, body: 'x' }), refused: true },
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.map((entry) => path.join(entry.parentPath, entry.name)).sort();
}

describe("tenant A attacks tenant B's bucket with its own valid key", () => {
  let server: TestServer;
  let work: string;
  let a: Tenant;
  let b: Tenant;
  let c: Tenant;
  let context: AttackContext;
  const secret = `B-SECRET-${crypto.randomBytes(12).toString('hex')}`;
  const logLines: string[] = [];
  let bBefore: { status: number; objects: string[] };
  let outsideBefore: string[];

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-adversarial-'));
    // The data dir is three levels down, so `../../..` chains have somewhere to land that we can watch.
    const dataDir = path.join(work, 'one', 'two', 'data');
    await fs.mkdir(dataDir, { recursive: true });
    server = await startTestServer({ dataDir, log: (line) => logLines.push(line) });
    const tenant = async (): Promise<Tenant> => {
      const minted = await server.mintToken('new');
      return { bucket: minted.bucketName, credential: await createCredential(server.apiUrl, minted.token) };
    };
    [a, b, c] = [await tenant(), await tenant(), await tenant()];
    expect((await signedRaw(b.credential, { method: 'PUT', path: `/${b.bucket}/secret.md`, body: secret })).status).toBe(200);
    expect((await signedRaw(c.credential, { method: 'PUT', path: `/${c.bucket}/c.md`, body: 'C' })).status).toBe(200);
    expect((await signedRaw(a.credential, { method: 'PUT', path: `/${a.bucket}/a.md`, body: 'A' })).status).toBe(200);
    const created = await signedRaw(a.credential, { method: 'POST', path: `/${a.bucket}/stolen-part.bin`, query: { uploads: '' } });
    expect(created.status).toBe(200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body.toString())?.[1] ?? '';
    context = { a: a.bucket, b: b.bucket, c: c.bucket, storeHost: 'localhost', uploadId };
    bBefore = await bucketState(b.credential, b.bucket);
    expect(bBefore.objects).toHaveLength(1);
    outsideBefore = (await filesUnder(work)).filter((file) => !file.startsWith(`${dataDir}${path.sep}`));
  });
  afterAll(async () => {
    await server.cleanup();
    await fs.rm(work, { recursive: true, force: true });
  });

  it.each(attacks.map((attack) => [attack.name, attack] as const))('%s', async (_name, attack) => {
    const request = attack.request(context);
    const reply = await signedRaw(a.credential, request);
    expect(reply.body.includes(Buffer.from(secret)), 'B’s bytes came back').toBe(false);
    expect(reply.body.toString()).not.toMatch(/root:.*:0:0:/);
    if (attack.refused) expect(reply.status, reply.body.toString()).toBeGreaterThanOrEqual(400);
    expect(reply.status, reply.body.toString()).toBeLessThan(500);
    if (reply.status >= 400 && request.method !== 'HEAD') expect(reply.body.toString()).toMatch(/^<\?xml[^>]*>\s*<Error><Code>\w+<\/Code>/);

    // Effects: B unchanged and nothing new in it; C's bucket still there; nothing outside the data dir; the store still answers.
    expect(await bucketState(b.credential, b.bucket)).toEqual(bBefore);
    const bRead = await signedRaw(b.credential, { method: 'GET', path: `/${b.bucket}/secret.md` });
    expect(bRead.body.toString()).toBe(secret);
    expect((await bucketState(c.credential, c.bucket)).objects).toHaveLength(1);
    const dataDir = server.dataDir;
    expect((await filesUnder(work)).filter((file) => !file.startsWith(`${dataDir}${path.sep}`))).toEqual(outsideBefore);
    const aRead = await signedRaw(a.credential, { method: 'GET', path: `/${a.bucket}/a.md` });
    expect(aRead.status).toBe(200);
    expect(aRead.body.toString()).toBe('A');
    // Whatever A managed to write into its own bucket holds none of B's bytes.
    for (const key of ['stolen.md', 'stolen-part.bin']) {
      expect((await signedRaw(a.credential, { method: 'GET', path: `/${a.bucket}/${key}` })).body.includes(Buffer.from(secret))).toBe(false);
    }
    const parts = await signedRaw(a.credential, { method: 'GET', path: `/${a.bucket}/stolen-part.bin`, query: { uploadId: context.uploadId } });
    expect(parts.body.toString()).not.toContain('<Part>');
  });

  it('logged no unexpected failure (every refusal was an S3 error, not a crash)', () => {
    expect(logLines.filter((line) => line.includes('failed:'))).toEqual([]);
  });
});
