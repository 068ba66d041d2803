import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { createCredential, type Credential } from './helpers.js';
import { signedRaw, type RawRequest } from './raw-s3.js';

/** The S3 operations the store answers, through the gate with signed raw requests, judged by what comes back. */
describe('the embedded store’s S3 operations', () => {
  let server: TestServer;
  let credential: Credential;
  let bucket: string;
  const s3 = (request: RawRequest) => signedRaw(credential, request);
  const md5 = (data: string | Buffer) => crypto.createHash('md5').update(data).digest();

  beforeAll(async () => {
    server = await startTestServer();
    const minted = await server.mintToken('new');
    bucket = minted.bucketName;
    credential = await createCredential(server.apiUrl, minted.token);
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('PUT with Content-MD5 and metadata, GET with Range and conditions, HEAD', async () => {
    const body = '0123456789';
    const put = await s3({ method: 'PUT', path: `/${bucket}/r.txt`, body, headers: { 'content-md5': md5(body).toString('base64'), 'content-type': 'text/plain', 'x-amz-meta-mtime': '42' } });
    expect(put.status).toBe(200);
    const etag = `"${md5(body).toString('hex')}"`;
    expect(put.headers.etag).toBe(etag);
    const bad = await s3({ method: 'PUT', path: `/${bucket}/bad.txt`, body, headers: { 'content-md5': md5('other').toString('base64') } });
    expect(bad.body.toString()).toContain('<Code>BadDigest</Code>');
    expect((await s3({ method: 'HEAD', path: `/${bucket}/bad.txt` })).status).toBe(404);

    const head = await s3({ method: 'HEAD', path: `/${bucket}/r.txt` });
    expect([head.status, head.headers['content-length'], head.headers['content-type'], head.headers['x-amz-meta-mtime'], head.headers.etag]).toEqual([200, '10', 'text/plain', '42', etag]);
    const range = await s3({ method: 'GET', path: `/${bucket}/r.txt`, headers: { range: 'bytes=2-4' } });
    expect([range.status, range.body.toString(), range.headers['content-range']]).toEqual([206, '234', 'bytes 2-4/10']);
    expect((await s3({ method: 'GET', path: `/${bucket}/r.txt`, headers: { range: 'bytes=-3' } })).body.toString()).toBe('789');
    expect((await s3({ method: 'GET', path: `/${bucket}/r.txt`, headers: { range: 'bytes=10-' } })).status).toBe(416);
    expect((await s3({ method: 'GET', path: `/${bucket}/r.txt`, headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await s3({ method: 'GET', path: `/${bucket}/r.txt`, headers: { 'if-match': '"nope"' } })).status).toBe(412);
    expect((await s3({ method: 'GET', path: `/${bucket}/r.txt`, headers: { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() } })).status).toBe(304);
  });

  it('conditional writes: If-None-Match: * creates only, If-Match replaces only the version named', async () => {
    expect((await s3({ method: 'PUT', path: `/${bucket}/c.txt`, body: 'one', headers: { 'if-none-match': '*' } })).status).toBe(200);
    expect((await s3({ method: 'PUT', path: `/${bucket}/c.txt`, body: 'two', headers: { 'if-none-match': '*' } })).status).toBe(412);
    expect((await s3({ method: 'PUT', path: `/${bucket}/c.txt`, body: 'two', headers: { 'if-match': '"0000"' } })).status).toBe(412);
    expect((await s3({ method: 'PUT', path: `/${bucket}/c.txt`, body: 'two', headers: { 'if-match': `"${md5('one').toString('hex')}"` } })).status).toBe(200);
    expect((await s3({ method: 'GET', path: `/${bucket}/c.txt` })).body.toString()).toBe('two');
  });

  it('CopyObject keeps or replaces metadata as the directive says; a copy onto itself needs REPLACE', async () => {
    await s3({ method: 'PUT', path: `/${bucket}/src.txt`, body: 'source', headers: { 'x-amz-meta-a': '1', 'content-type': 'text/x-one' } });
    const copied = await s3({ method: 'PUT', path: `/${bucket}/dst.txt`, headers: { 'x-amz-copy-source': `/${bucket}/src.txt` } });
    expect(copied.body.toString()).toContain(`<ETag>&quot;${md5('source').toString('hex')}&quot;</ETag>`);
    const kept = await s3({ method: 'GET', path: `/${bucket}/dst.txt` });
    expect([kept.body.toString(), kept.headers['x-amz-meta-a'], kept.headers['content-type']]).toEqual(['source', '1', 'text/x-one']);
    await s3({ method: 'PUT', path: `/${bucket}/dst.txt`, headers: { 'x-amz-copy-source': `/${bucket}/src.txt`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-b': '2' } });
    const replaced = await s3({ method: 'HEAD', path: `/${bucket}/dst.txt` });
    expect([replaced.headers['x-amz-meta-a'], replaced.headers['x-amz-meta-b']]).toEqual([undefined, '2']);
    expect((await s3({ method: 'PUT', path: `/${bucket}/src.txt`, headers: { 'x-amz-copy-source': `/${bucket}/src.txt` } })).body.toString()).toContain('<Code>InvalidRequest</Code>');
    expect((await s3({ method: 'PUT', path: `/${bucket}/src.txt`, headers: { 'x-amz-copy-source': `/${bucket}/src.txt`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-mtime': '7' } })).status).toBe(200);
    const self = await s3({ method: 'GET', path: `/${bucket}/src.txt` });
    expect([self.body.toString(), self.headers['x-amz-meta-mtime'], self.headers['x-amz-meta-a']]).toEqual(['source', '7', undefined]);
  });

  it('copies only when the x-amz-copy-source-if-* conditions hold, and otherwise leaves the destination as it was (412)', async () => {
    await s3({ method: 'PUT', path: `/${bucket}/cond-src.txt`, body: 'new bytes' });
    await s3({ method: 'PUT', path: `/${bucket}/cond-dst.txt`, body: 'old bytes' });
    const etag = `"${md5('new bytes').toString('hex')}"`;
    const past = new Date(Date.now() - 3600_000).toUTCString();
    const future = new Date(Date.now() + 3600_000).toUTCString();
    const copy = (headers: Record<string, string>, to = 'cond-dst.txt') => s3({ method: 'PUT', path: `/${bucket}/${to}`, headers: { 'x-amz-copy-source': `/${bucket}/cond-src.txt`, ...headers } });
    const destination = async () => (await s3({ method: 'GET', path: `/${bucket}/cond-dst.txt` })).body.toString();
    const refusals: Record<string, string>[] = [
      { 'x-amz-copy-source-if-match': '"0000"' },
      { 'x-amz-copy-source-if-none-match': etag },
      { 'x-amz-copy-source-if-modified-since': future },
      { 'x-amz-copy-source-if-unmodified-since': past },
      // As S3: a true If-None-Match with a false If-Modified-Since copies; a false one refuses whatever the date says.
      { 'x-amz-copy-source-if-none-match': etag, 'x-amz-copy-source-if-modified-since': past },
    ];
    for (const refused of refusals) {
      const answer = await copy(refused);
      expect([answer.status, answer.body.toString().includes('<Code>PreconditionFailed</Code>')]).toEqual([412, true]);
      expect(await destination()).toBe('old bytes');
    }
    expect((await copy({ 'x-amz-copy-source-if-none-match': etag }, 'cond-new.txt')).status).toBe(412);
    expect((await s3({ method: 'HEAD', path: `/${bucket}/cond-new.txt` })).status).toBe(404);

    expect((await copy({ 'x-amz-copy-source-if-match': etag, 'x-amz-copy-source-if-unmodified-since': past })).status).toBe(200);
    expect(await destination()).toBe('new bytes');
    await s3({ method: 'PUT', path: `/${bucket}/cond-dst.txt`, body: 'old bytes' });
    expect((await copy({ 'x-amz-copy-source-if-none-match': '"0000"', 'x-amz-copy-source-if-modified-since': future })).status).toBe(200);
    expect(await destination()).toBe('new bytes');

    // A copy onto itself (metadata REPLACE) and UploadPartCopy obey them too.
    const self = await s3({ method: 'PUT', path: `/${bucket}/cond-src.txt`, headers: { 'x-amz-copy-source': `/${bucket}/cond-src.txt`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-changed': 'yes', 'x-amz-copy-source-if-match': '"0000"' } });
    expect(self.status).toBe(412);
    expect((await s3({ method: 'HEAD', path: `/${bucket}/cond-src.txt` })).headers['x-amz-meta-changed']).toBeUndefined();
    const uploadId = /<UploadId>([^<]+)</.exec((await s3({ method: 'POST', path: `/${bucket}/cond-mp.bin`, query: { uploads: '' } })).body.toString())?.[1] ?? '';
    const partCopy = await s3({ method: 'PUT', path: `/${bucket}/cond-mp.bin`, query: { partNumber: '1', uploadId }, headers: { 'x-amz-copy-source': `/${bucket}/cond-src.txt`, 'x-amz-copy-source-if-none-match': etag } });
    expect(partCopy.status).toBe(412);
    expect((await s3({ method: 'GET', path: `/${bucket}/cond-mp.bin`, query: { uploadId } })).body.toString()).not.toContain('<PartNumber>');
    expect((await s3({ method: 'PUT', path: `/${bucket}/cond-mp.bin`, query: { partNumber: '1', uploadId }, headers: { 'x-amz-copy-source': `/${bucket}/cond-src.txt`, 'x-amz-copy-source-if-match': etag } })).status).toBe(200);
    expect((await s3({ method: 'GET', path: `/${bucket}/cond-mp.bin`, query: { uploadId } })).body.toString()).toContain('<PartNumber>1</PartNumber>');
    await s3({ method: 'DELETE', path: `/${bucket}/cond-mp.bin`, query: { uploadId } });
  });

  it('lists v1 and v2 with prefix, delimiter, paging and encoding-type=url', async () => {
    for (const key of ['list/a b.txt', 'list/dir/x', 'list/dir/y', 'list/z&.txt']) await s3({ method: 'PUT', path: `/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`, body: key });
    const v2 = await s3({ method: 'GET', path: `/${bucket}`, query: { 'list-type': '2', prefix: 'list/', delimiter: '/', 'encoding-type': 'url', 'max-keys': '2' } });
    const page1 = v2.body.toString();
    expect(page1).toContain('<Key>list/a%20b.txt</Key>');
    expect(page1).toContain('<CommonPrefixes><Prefix>list/dir/</Prefix></CommonPrefixes>');
    expect(page1).toContain('<IsTruncated>true</IsTruncated>');
    const token = /<NextContinuationToken>([^<]+)</.exec(page1)?.[1] ?? '';
    const page2 = (await s3({ method: 'GET', path: `/${bucket}`, query: { 'list-type': '2', prefix: 'list/', delimiter: '/', 'continuation-token': token } })).body.toString();
    expect(page2).toContain('<Key>list/z&amp;.txt</Key>');
    expect(page2).not.toContain('list/dir/');
    expect(page2).toContain('<IsTruncated>false</IsTruncated>');
    const v1 = (await s3({ method: 'GET', path: `/${bucket}`, query: { prefix: 'list/dir/', marker: 'list/dir/x' } })).body.toString();
    expect([...v1.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1])).toEqual(['list/dir/y']);
    expect((await s3({ method: 'GET', path: `/${bucket}`, query: { location: '' } })).body.toString()).toContain('<LocationConstraint');
  });

  it('multipart: parts, a part copied from an object, ListParts and ListMultipartUploads, the S3 ETag; abort', async () => {
    const created = await s3({ method: 'POST', path: `/${bucket}/mp.bin`, query: { uploads: '' }, headers: { 'content-type': 'application/x-test' } });
    const uploadId = /<UploadId>([^<]+)</.exec(created.body.toString())?.[1] ?? '';
    const partOne = crypto.randomBytes(5 * 1024 * 1024);
    const one = await s3({ method: 'PUT', path: `/${bucket}/mp.bin`, query: { partNumber: '1', uploadId }, body: partOne });
    const two = await s3({ method: 'PUT', path: `/${bucket}/mp.bin`, query: { partNumber: '2', uploadId }, headers: { 'x-amz-copy-source': `/${bucket}/r.txt`, 'x-amz-copy-source-range': 'bytes=0-4' } });
    const twoEtag = /<ETag>&quot;([0-9a-f]+)&quot;<\/ETag>/.exec(two.body.toString())?.[1];
    expect(twoEtag).toBe(md5('01234').toString('hex'));
    expect((await s3({ method: 'GET', path: `/${bucket}`, query: { uploads: '' } })).body.toString()).toContain(`<UploadId>${uploadId}</UploadId>`);
    const parts = (await s3({ method: 'GET', path: `/${bucket}/mp.bin`, query: { uploadId } })).body.toString();
    expect([...parts.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((match) => match[1])).toEqual(['1', '2']);
    const completeBody = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(one.headers.etag)}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"${twoEtag}"</ETag></Part></CompleteMultipartUpload>`;
    const done = await s3({ method: 'POST', path: `/${bucket}/mp.bin`, query: { uploadId }, body: completeBody });
    const expectedEtag = `${crypto.createHash('md5').update(Buffer.concat([md5(partOne), md5('01234')])).digest('hex')}-2`;
    expect(done.body.toString()).toContain(`<ETag>&quot;${expectedEtag}&quot;</ETag>`);
    const whole = await s3({ method: 'GET', path: `/${bucket}/mp.bin` });
    expect(whole.body.equals(Buffer.concat([partOne, Buffer.from('01234')]))).toBe(true);
    expect(whole.headers['content-type']).toBe('application/x-test');

    const small = /<UploadId>([^<]+)</.exec((await s3({ method: 'POST', path: `/${bucket}/small.bin`, query: { uploads: '' } })).body.toString())?.[1] ?? '';
    const tiny = await s3({ method: 'PUT', path: `/${bucket}/small.bin`, query: { partNumber: '1', uploadId: small }, body: 'tiny' });
    await s3({ method: 'PUT', path: `/${bucket}/small.bin`, query: { partNumber: '2', uploadId: small }, body: 'tiny' });
    const tooSmall = await s3({ method: 'POST', path: `/${bucket}/small.bin`, query: { uploadId: small }, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(tiny.headers.etag)}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${String(tiny.headers.etag)}</ETag></Part></CompleteMultipartUpload>` });
    expect(tooSmall.body.toString()).toContain('<Code>EntityTooSmall</Code>');
    expect((await s3({ method: 'DELETE', path: `/${bucket}/small.bin`, query: { uploadId: small } })).status).toBe(204);
    expect((await s3({ method: 'GET', path: `/${bucket}/small.bin`, query: { uploadId: small } })).body.toString()).toContain('<Code>NoSuchUpload</Code>');
    expect((await s3({ method: 'HEAD', path: `/${bucket}/small.bin` })).status).toBe(404);
  });

  it('DeleteObjects deletes what it names and reports refused keys one by one', async () => {
    await s3({ method: 'PUT', path: `/${bucket}/d1`, body: '1' });
    await s3({ method: 'PUT', path: `/${bucket}/d2`, body: '2' });
    const reply = await s3({ method: 'POST', path: `/${bucket}`, query: { delete: '' }, body: '<Delete><Object><Key>d1</Key></Object><Object><Key>d2</Key></Object><Object><Key>a/../b</Key></Object><Object><Key>never-existed</Key></Object></Delete>' });
    const text = reply.body.toString();
    expect([...text.matchAll(/<Deleted><Key>([^<]+)<\/Key><\/Deleted>/g)].map((match) => match[1])).toEqual(['d1', 'd2', 'never-existed']);
    expect(text).toContain('<Error><Key>a/../b</Key><Code>InvalidArgument</Code>');
    expect((await s3({ method: 'HEAD', path: `/${bucket}/d1` })).status).toBe(404);
  });
});
