import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { callApi, createCredential, rclone, remote, useTempDir, type Credential } from './helpers.js';

/** A request signed the way an AWS SDK would, for the checks rclone cannot make on purpose. */
async function signedFetch(credential: Credential, method: string, urlPath: string, options: { body?: string; signingDate?: Date; payloadHash?: string } = {}): Promise<Response> {
  const url = new URL(`${credential.endpoint_url}${urlPath}`);
  const signer = new SignatureV4({ credentials: { accessKeyId: credential.access_key, secretAccessKey: credential.secret_key }, region: 'auto', service: 's3', sha256: Sha256, uriEscapePath: false });
  const body = options.body ?? '';
  const payloadHash = options.payloadHash ?? crypto.createHash('sha256').update(body).digest('hex');
  const request = new HttpRequest({
    method,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate ?? new Date() });
  return fetch(url, { method, headers: signed.headers, body: body || undefined });
}

describe('the embedded store with real rclone', () => {
  const tempDir = useTempDir('bm-store-');
  let server: TestServer;
  let workDir: string;
  let alice: { token: string; bucketName: string; credential: Credential };
  let bob: { token: string; bucketName: string; credential: Credential };

  beforeAll(async () => {
    server = await startTestServer();
    workDir = tempDir();
    const tenantA = await server.mintToken('new');
    const tenantB = await server.mintToken('new');
    alice = { ...tenantA, credential: await createCredential(server.apiUrl, tenantA.token) };
    bob = { ...tenantB, credential: await createCredential(server.apiUrl, tenantB.token) };
    await fs.writeFile(path.join(workDir, 'note.md'), '# alice\n');
    expect((await rclone(alice.credential, ['copyto', path.join(workDir, 'note.md'), remote(alice.bucketName, 'note.md')])).code).toBe(0);
    expect((await rclone(bob.credential, ['copyto', path.join(workDir, 'note.md'), remote(bob.bucketName, 'bob.md')])).code).toBe(0);
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('SPEC-8 1: a scoped key cannot read or write another tenant’s bucket', async () => {
    const read = await rclone(alice.credential, ['lsf', remote(bob.bucketName)]);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toContain('AccessDenied');
    const write = await rclone(alice.credential, ['copyto', path.join(workDir, 'note.md'), remote(bob.bucketName, 'intruder.md')]);
    expect(write.code).not.toBe(0);
    expect((await rclone(bob.credential, ['lsf', remote(bob.bucketName)])).stdout.trim().split('\n')).toEqual(['bob.md']);
  });

  it('SPEC-8 2: a deleted credential stops working at once', async () => {
    const doomed = await createCredential(server.apiUrl, alice.token);
    expect((await rclone(doomed, ['lsf', remote(alice.bucketName)])).code).toBe(0);
    expect((await callApi(server.apiUrl, 'DELETE', `/tenant/mount/credentials/${doomed.id}`, { token: alice.token })).status).toBe(200);
    const after = await rclone(doomed, ['lsf', remote(alice.bucketName)]);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('InvalidAccessKeyId');
  });

  it('SPEC-8 3: invalid credentials are rejected (unknown key, wrong secret)', async () => {
    const unknown = await rclone({ ...alice.credential, access_key: 'tid_doesnotexist' }, ['lsf', remote(alice.bucketName)]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('InvalidAccessKeyId');
    const wrongSecret = await rclone({ ...alice.credential, secret_key: 'x'.repeat(40) }, ['lsf', remote(alice.bucketName)]);
    expect(wrongSecret.code).not.toBe(0);
    expect(wrongSecret.stderr).toContain('SignatureDoesNotMatch');
  });

  it('SPEC-8 4: two tenants’ scoped keys are isolated from each other both ways', async () => {
    expect((await rclone(alice.credential, ['lsf', remote(alice.bucketName)])).stdout).toContain('note.md');
    expect((await rclone(bob.credential, ['cat', remote(alice.bucketName, 'note.md')])).code).not.toBe(0);
    expect((await rclone(alice.credential, ['cat', remote(bob.bucketName, 'bob.md')])).code).not.toBe(0);
    expect((await rclone(bob.credential, ['delete', remote(alice.bucketName)])).code).not.toBe(0);
    expect((await rclone(alice.credential, ['lsf', remote(alice.bucketName)])).stdout).toContain('note.md');
  });

  it('SPEC-8 5: a scoped key cannot list buckets, create one, or delete its own', async () => {
    const list = await rclone(alice.credential, ['lsd', remote()]);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('AccessDenied');
    const create = await rclone(alice.credential, ['mkdir', remote('another-bucket'), '--s3-no-check-bucket=false']);
    expect(create.code).not.toBe(0);
    expect(create.stderr).toContain('AccessDenied');
    const remove = await signedFetch(alice.credential, 'DELETE', `/${alice.bucketName}`);
    expect(remove.status).toBe(403);
  });

  it('uploads 20 MB (multipart) and reads it back intact through the signature check', async () => {
    const big = path.join(workDir, 'big.bin');
    const content = crypto.randomBytes(20 * 1024 * 1024);
    await fs.writeFile(big, content);
    expect((await rclone(alice.credential, ['copyto', big, remote(alice.bucketName, 'big.bin'), '--s3-chunk-size=5M'])).code).toBe(0);
    const back = path.join(workDir, 'big.back');
    expect((await rclone(alice.credential, ['copyto', remote(alice.bucketName, 'big.bin'), back])).code).toBe(0);
    expect(crypto.createHash('sha256').update(await fs.readFile(back)).digest('hex')).toBe(crypto.createHash('sha256').update(content).digest('hex'));
  });

  it('round-trips a name with spaces, unicode and ?#&+', async () => {
    const name = 'notes ü 日本 ?#&+ v2.md';
    const folder = path.join(workDir, 'odd');
    await fs.mkdir(folder);
    await fs.writeFile(path.join(folder, name), 'odd name\n');
    expect((await rclone(alice.credential, ['copy', folder, remote(alice.bucketName, 'odd')])).code).toBe(0);
    expect((await rclone(alice.credential, ['lsf', remote(alice.bucketName, 'odd')])).stdout.trim()).toBe(name);
    expect((await rclone(alice.credential, ['cat', remote(alice.bucketName, `odd/${name}`)])).stdout).toBe('odd name\n');
  });

  it('runs rclone bisync --resync and then a normal bisync', async () => {
    const local = path.join(workDir, 'sync');
    await fs.mkdir(local);
    await fs.writeFile(path.join(local, 'one.md'), 'one\n');
    await fs.writeFile(path.join(local, 'two words & more.md'), 'two\n');
    const bisync = (...extra: string[]) => rclone(alice.credential, ['bisync', local, remote(alice.bucketName, 'sync'), '--workdir', path.join(workDir, 'bisync-work'), ...extra]);
    const resync = await bisync('--resync');
    expect(resync.stderr).not.toContain('ERROR');
    expect(resync.code).toBe(0);
    await fs.writeFile(path.join(local, 'three.md'), 'three\n');
    await fs.writeFile(path.join(workDir, 'from-cloud.md'), 'cloud\n');
    expect((await rclone(alice.credential, ['copyto', path.join(workDir, 'from-cloud.md'), remote(alice.bucketName, 'sync/from-cloud.md')])).code).toBe(0);
    const normal = await bisync();
    expect(normal.code).toBe(0);
    expect((await fs.readdir(local)).sort()).toEqual(['from-cloud.md', 'one.md', 'three.md', 'two words & more.md']);
    expect((await rclone(alice.credential, ['lsf', remote(alice.bucketName, 'sync')])).stdout.trim().split('\n').sort()).toEqual(['from-cloud.md', 'one.md', 'three.md', 'two words & more.md']);
  });

  describe('raw HTTP', () => {
    it('refuses to read or write without any Authorization', async () => {
      const read = await fetch(`${server.s3Url}/${alice.bucketName}/note.md`);
      expect(read.status).toBe(403);
      expect(await read.text()).toMatch(/<Error><Code>AccessDenied<\/Code>/);
      const write = await fetch(`${server.s3Url}/${alice.bucketName}/planted.md`, { method: 'PUT', body: 'x' });
      expect(write.status).toBe(403);
      const list = await fetch(`${server.s3Url}/`);
      expect(list.status).toBe(403);
      expect((await rclone(alice.credential, ['lsf', remote(alice.bucketName)])).stdout).not.toContain('planted.md');
    });

    it('refuses a request signed more than 15 minutes away from now', async () => {
      const stale = await signedFetch(alice.credential, 'GET', `/${alice.bucketName}/note.md`, { signingDate: new Date(Date.now() - 20 * 60 * 1000) });
      expect(stale.status).toBe(403);
      expect(await stale.text()).toContain('<Code>RequestTimeTooSkewed</Code>');
      const fresh = await signedFetch(alice.credential, 'GET', `/${alice.bucketName}/note.md`);
      expect(fresh.status).toBe(200);
      expect(await fresh.text()).toBe('# alice\n');
    });

    it('refuses a body that is not the one signed', async () => {
      const lying = await signedFetch(alice.credential, 'PUT', `/${alice.bucketName}/lie.md`, { body: 'real body', payloadHash: crypto.createHash('sha256').update('other body').digest('hex') });
      expect(lying.status).toBe(400);
      expect(await lying.text()).toContain('XAmzContentSHA256Mismatch');
      expect((await signedFetch(alice.credential, 'GET', `/${alice.bucketName}/lie.md`)).status).toBe(404);
      const emptyLie = await signedFetch(alice.credential, 'PUT', `/${alice.bucketName}/lie.md`, { payloadHash: crypto.createHash('sha256').update('something').digest('hex') });
      expect(emptyLie.status).toBe(400);
      expect(await emptyLie.text()).toContain('XAmzContentSHA256Mismatch');
    });

    it('accepts a presigned URL and refuses it once tampered with or expired', async () => {
      const url = new URL(`${alice.credential.endpoint_url}/${alice.bucketName}/note.md`);
      const signer = new SignatureV4({ credentials: { accessKeyId: alice.credential.access_key, secretAccessKey: alice.credential.secret_key }, region: 'auto', service: 's3', sha256: Sha256, uriEscapePath: false });
      // As the AWS SDK's S3 presigner does: the payload is UNSIGNED-PAYLOAD, named in the query.
      const presign = async (signingDate: Date) => {
        const request = new HttpRequest({ method: 'GET', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
        const presigned = await signer.presign(request, { expiresIn: 300, signingDate });
        return `${url.origin}${url.pathname}?${new URLSearchParams(presigned.query as Record<string, string>).toString()}`;
      };
      const good = await presign(new Date());
      const ok = await fetch(good);
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect(await ok.text()).toBe('# alice\n');
      expect((await fetch(good.replace('note.md', 'other.md'))).status).toBe(403);
      const expired = await fetch(await presign(new Date(Date.now() - 10 * 60 * 1000)));
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('Request has expired');
    });
  });
});
