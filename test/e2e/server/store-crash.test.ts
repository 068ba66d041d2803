import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../../src/server/index.js';
import { bin, createCredential, startBin, useTempDir, type Credential } from './helpers.js';
import { bucketState, signedRaw } from './raw-s3.js';

const UPLOADS = 20;

function urlsOf(stdout: string): { apiUrl: string; s3Url: string } {
  const [api = '', s3 = ''] = stdout.trim().split('\n');
  return { apiUrl: api.replace('API listening on ', ''), s3Url: s3.replace(/^S3 store \(local\) at /, '') };
}

describe('a crash never leaves a bucket unreadable', () => {
  const tempDir = useTempDir('bm-crash-');

  it('kill -9 during 20 concurrent uploads: every acknowledged object reads back byte for byte, the bucket lists, nothing answers 500', async () => {
    const dataDir = path.join(tempDir(), 'kill9');
    const first = startBin(dataDir);
    const { apiUrl } = urlsOf(await first.ready);
    const logs: string[] = [];
    // A tenant and key through the running server's own API, with a token minted offline.
    const token = execFileSync(process.execPath, [bin, 'token', '--tenant', 'crash', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const credential: Credential = await createCredential(apiUrl, token);
    const bucket = credential.bucket_name;
    const bodies = Array.from({ length: UPLOADS }, (_, index) => crypto.randomBytes((index + 1) * 512 * 1024));
    const acknowledged = new Set<number>();
    let killed = false;
    const uploads = bodies.map((body, index) =>
      signedRaw(credential, { method: 'PUT', path: `/${bucket}/upload-${index}.bin`, body }).then(
        (reply) => {
          if (reply.status === 200) acknowledged.add(index);
          if (acknowledged.size >= 4 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        },
        () => undefined,
      ),
    );
    await Promise.all(uploads);
    if (!killed) first.child.kill('SIGKILL');
    await first.exited;
    expect(acknowledged.size).toBeGreaterThanOrEqual(4);
    expect(acknowledged.size, 'the kill came before every upload was acknowledged').toBeLessThan(UPLOADS);

    const second = startBin(dataDir);
    try {
      const { s3Url } = urlsOf(await second.ready);
      const at = { ...credential, endpoint_url: s3Url };
      const listing = await bucketState(at, bucket);
      expect(listing.status).toBe(200);
      for (const [index, body] of bodies.entries()) {
        const reply = await signedRaw(at, { method: 'GET', path: `/${bucket}/upload-${index}.bin` });
        expect(reply.status, `upload-${index}`).not.toBe(500);
        if (acknowledged.has(index)) {
          expect(reply.status).toBe(200);
          expect(reply.body.equals(body), `upload-${index} differs`).toBe(true);
        } else {
          // Never a half-written object: absent, or complete.
          expect([200, 404]).toContain(reply.status);
          if (reply.status === 200) expect(reply.body.equals(body)).toBe(true);
        }
        expect(listing.objects.some((line) => line.startsWith(`upload-${index}.bin `))).toBe(reply.status === 200);
      }
      logs.push(second.output().stderr);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    // What the crash left (temp files of the cut uploads) was cleared and said so.
    expect(logs.join('')).toMatch(/s3 store: removed \d+ unfinished uploads left by a crash/);
  });

  it('moves a data dir of the old s3rver layout, repairing 0-byte and garbled metadata, and says so', async () => {
    const dataDir = path.join(tempDir(), 'legacy');
    const logs: string[] = [];
    const before = await startServer({ dataDir, port: 0, s3Port: 0 });
    const { token, bucketName } = await before.mintToken('legacy');
    const credential = await createCredential(before.apiUrl, token);
    await before.close();
    // The old store's files, as s3rver wrote them: `<key>._S3rver_object` beside `<key>._S3rver_metadata.json`.
    const bucketDir = path.join(dataDir, 's3', 'buckets', bucketName);
    const legacy = async (key: string, content: string, metadata: string) => {
      const file = path.join(bucketDir, ...key.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(`${file}._S3rver_object`, content);
      await fs.writeFile(`${file}._S3rver_metadata.json`, metadata);
    };
    await legacy('good.md', 'good\n', JSON.stringify({ 'content-type': 'text/markdown', 'x-amz-meta-mtime': '1700000000' }));
    await legacy('notes/empty-metadata.md', 'survived a crash\n', '');
    await legacy('notes/garbled.md', 'garbled\n', '{"content-type": "te');
    await fs.mkdir(path.join(bucketDir, '._S3rver_uploads'), { recursive: true });

    const after = await startServer({ dataDir, port: 0, s3Port: 0, log: (line) => logs.push(line) });
    try {
      const at = { ...credential, endpoint_url: after.s3Url };
      const listing = await bucketState(at, bucketName);
      expect(listing.status).toBe(200);
      expect(listing.objects.map((line) => line.split(' ')[0])).toEqual(['good.md', 'notes/empty-metadata.md', 'notes/garbled.md']);
      const good = await signedRaw(at, { method: 'GET', path: `/${bucketName}/good.md` });
      expect(good.body.toString()).toBe('good\n');
      expect(good.headers['content-type']).toBe('text/markdown');
      expect(good.headers['x-amz-meta-mtime']).toBe('1700000000');
      expect(good.headers.etag).toBe(`"${crypto.createHash('md5').update('good\n').digest('hex')}"`);
      expect((await signedRaw(at, { method: 'GET', path: `/${bucketName}/notes/empty-metadata.md` })).body.toString()).toBe('survived a crash\n');
      expect((await signedRaw(at, { method: 'GET', path: `/${bucketName}/notes/garbled.md` })).body.toString()).toBe('garbled\n');
      expect(logs.join('\n')).toMatch(/moved 3 objects in 1 buckets from the old s3rver layout/);
      expect(logs.join('\n')).toMatch(/2 objects had empty or damaged metadata and got default headers/);
      await expect(fs.stat(path.join(dataDir, 's3', 'buckets'))).rejects.toThrow();
    } finally {
      await after.close();
    }
  });
});
