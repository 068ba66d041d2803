import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createCredential, useTempDir, type Credential } from './helpers.js';

/**
 * `@aws-sdk/client-s3` with nothing but endpoint, region, path style and the key: current SDKs then
 * add a CRC32 to every upload, as a header for a buffer and as an aws-chunked trailer
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER) for a stream, and the store must take both.
 */
describe('@aws-sdk/client-s3 at its default settings against the store', () => {
  const tempDir = useTempDir('bm-sdk-');
  let server: TestServer;
  let credential: Credential;
  let client: S3Client;
  /** What the SDK put on the wire, per request, so each test can show which signing form it used. */
  const sent: { method: string; path: string; payload: string | undefined; trailer: string | undefined; checksum: string | undefined }[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    const tenant = await server.mintToken('new');
    credential = await createCredential(server.apiUrl, tenant.token);
    client = new S3Client({
      endpoint: credential.endpoint_url,
      region: credential.region,
      forcePathStyle: true,
      credentials: { accessKeyId: credential.access_key, secretAccessKey: credential.secret_key },
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method: string; path: string; headers: Record<string, string> };
        sent.push({ method: request.method, path: request.path, payload: request.headers['x-amz-content-sha256'], trailer: request.headers['x-amz-trailer'], checksum: request.headers['x-amz-checksum-crc32'] });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
  });
  afterAll(async () => {
    client.destroy();
    await server.cleanup();
  });

  const bucket = () => credential.bucket_name;
  const lastSent = (method: string, key: string) => sent.filter((request) => request.method === method && request.path.endsWith(`/${key}`)).at(-1);
  const readBack = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket(), Key: key }))).Body!.transformToByteArray());
  const fileOf = async (name: string, content: Buffer) => {
    const file = path.join(tempDir(), name);
    await fs.writeFile(file, content);
    return file;
  };
  const put = (input: Omit<PutObjectCommandInput, 'Bucket'>) => client.send(new PutObjectCommand({ Bucket: bucket(), ...input }));

  it('PutObject with a buffer (checksum header) and GetObject read the same bytes back', async () => {
    const content = crypto.randomBytes(300_000);
    await put({ Key: 'buffer.bin', Body: content });
    expect(lastSent('PUT', 'buffer.bin')).toMatchObject({ payload: expect.stringMatching(/^[0-9a-f]{64}$/), checksum: expect.any(String) });
    expect((await readBack('buffer.bin')).equals(content)).toBe(true);
  });

  it('PutObject with a stream: an aws-chunked body with a CRC32 trailer, stored as the plain bytes', async () => {
    const content = crypto.randomBytes(1_500_000);
    await put({ Key: 'notes/stream.md', Body: createReadStream(await fileOf('stream.bin', content)) });
    expect(lastSent('PUT', 'notes/stream.md')).toMatchObject({ payload: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', trailer: 'x-amz-checksum-crc32' });
    expect((await readBack('notes/stream.md')).equals(content)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket(), Key: 'notes/stream.md' }));
    expect(head.ContentLength).toBe(content.length);
    expect(head.ContentEncoding ?? '').not.toContain('aws-chunked');
  });

  it('PutObject of an empty stream', async () => {
    await put({ Key: 'empty.md', Body: createReadStream(await fileOf('empty.bin', Buffer.alloc(0))) });
    expect((await readBack('empty.md')).length).toBe(0);
  });

  it('multipart upload with streamed parts, completed and read back whole', async () => {
    const parts = [crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(1234)];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket(), Key: 'big.bin' }));
    const uploaded = [];
    for (const [index, part] of parts.entries()) {
      const PartNumber = index + 1;
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket(), Key: 'big.bin', UploadId, PartNumber, Body: createReadStream(await fileOf(`part${PartNumber}`, part)) }));
      uploaded.push({ ETag, PartNumber });
    }
    expect(sent.filter((request) => request.method === 'PUT' && request.path.endsWith('/big.bin')).map((request) => request.payload)).toEqual(parts.map(() => 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'));
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket(), Key: 'big.bin', UploadId, MultipartUpload: { Parts: uploaded } }));
    const whole = Buffer.concat(parts);
    const back = await readBack('big.bin');
    expect(back.length).toBe(whole.length);
    expect(crypto.createHash('sha256').update(back).digest('hex')).toBe(crypto.createHash('sha256').update(whole).digest('hex'));
  });

  it('CopyObject within the bucket copies the bytes', async () => {
    const content = Buffer.from('# copied note\n');
    await put({ Key: 'original.md', Body: content });
    await client.send(new CopyObjectCommand({ Bucket: bucket(), Key: 'copy.md', CopySource: `${bucket()}/original.md` }));
    expect((await readBack('copy.md')).equals(content)).toBe(true);
  });

  it('DeleteObjects (its XML body carries a CRC32 header) deletes what it names and nothing else', async () => {
    await put({ Key: 'doomed-1.md', Body: 'one' });
    await put({ Key: 'doomed-2.md', Body: 'two' });
    const reply = await client.send(new DeleteObjectsCommand({ Bucket: bucket(), Delete: { Objects: [{ Key: 'doomed-1.md' }, { Key: 'doomed-2.md' }] } }));
    expect(reply.Errors ?? []).toEqual([]);
    expect(sent.filter((request) => request.method === 'POST').at(-1)?.checksum).toEqual(expect.any(String));
    const keys = (await client.send(new ListObjectsV2Command({ Bucket: bucket() }))).Contents?.map((object) => object.Key);
    expect(keys).not.toContain('doomed-1.md');
    expect(keys).not.toContain('doomed-2.md');
    expect(keys).toContain('original.md');
  });
});
