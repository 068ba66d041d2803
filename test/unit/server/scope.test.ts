import { describe, expect, it } from 'vitest';
import { decideAccess, parseCopySource, parseTarget } from '../../../src/server/store/scope.js';

const hosts = ['127.0.0.1', 'localhost'];

describe('parseTarget', () => {
  it.each([
    ['/', '127.0.0.1:8766', { bucket: null, key: null, style: 'path' }],
    ['/bucket', '127.0.0.1:8766', { bucket: 'bucket', key: null, style: 'path' }],
    ['/bucket/', 'localhost:8766', { bucket: 'bucket', key: null, style: 'path' }],
    ['/bucket/dir/a%20b%3F.md', 'localhost', { bucket: 'bucket', key: 'dir/a b?.md', style: 'path' }],
    ['/dir/x.md', 'bucket.localhost:8766', { bucket: 'bucket', key: 'dir/x.md', style: 'virtual-host' }],
    ['/', 'bucket.localhost:8766', { bucket: 'bucket', key: null, style: 'virtual-host' }],
    ['/bucket/k', 'unrelated.example:8766', { bucket: 'bucket', key: 'k', style: 'path' }],
    // A path-style path under a virtual host names a key in the host's bucket, never the path's bucket.
    ['/other/k', 'bucket.localhost', { bucket: 'bucket', key: 'other/k', style: 'virtual-host' }],
    ['/bucket/dir//x.', 'localhost', { bucket: 'bucket', key: 'dir//x.', style: 'path' }],
    ['/bucket/.hidden/..x', 'localhost', { bucket: 'bucket', key: '.hidden/..x', style: 'path' }],
  ])('%s on %s', (rawPath, host, expected) => {
    expect(parseTarget(rawPath, host, hosts)).toEqual({ ok: true, target: expected });
  });

  it.each([
    ['/mine/../theirs/k', 'localhost', 'InvalidArgument'],
    ['/mine/%2e%2e/theirs/k', 'localhost', 'InvalidArgument'],
    ['/mine/..%2Ftheirs%2Fk', 'localhost', 'InvalidArgument'],
    ['/mine/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', 'localhost', 'InvalidArgument'],
    ['/mine/a/./b', 'localhost', 'InvalidArgument'],
    ['/mine/.', 'localhost', 'InvalidArgument'],
    ['/mine/a%5C..%5Cb', 'localhost', 'InvalidArgument'],
    ['/mine/a%00b', 'localhost', 'InvalidArgument'],
    ['/mine/a%0Ab', 'localhost', 'InvalidArgument'],
    ['/mine/a%7Fb', 'localhost', 'InvalidArgument'],
    [`/mine/${'x'.repeat(1025)}`, 'localhost', 'KeyTooLongError'],
    [`/mine/${'é'.repeat(513)}`, 'localhost', 'KeyTooLongError'],
    ['/mine/%E0%A4%A', 'localhost', 'InvalidURI'],
    ['/%2e%2e/theirs/k', 'localhost', 'InvalidBucketName'],
    ['/mine%2F..%2Ftheirs/k', 'localhost', 'InvalidBucketName'],
    ['/MINE/k', 'localhost', 'InvalidBucketName'],
    ['/k', '..localhost', 'InvalidBucketName'],
    ['/k', 'a/b.localhost', 'InvalidBucketName'],
    ['relative', 'localhost', 'InvalidURI'],
  ])('refuses %s on %s with %s', (rawPath, host, code) => {
    expect(parseTarget(rawPath, host, hosts)).toMatchObject({ ok: false, code });
  });

  it('accepts a key of exactly 1,024 bytes', () => {
    expect(parseTarget(`/mine/${'x'.repeat(1024)}`, 'localhost', hosts).ok).toBe(true);
  });
});

describe('parseCopySource', () => {
  it.each([
    ['/mine/a%20b.md', { ok: true, bucket: 'mine', key: 'a b.md' }],
    ['mine/dir/x', { ok: true, bucket: 'mine', key: 'dir/x' }],
    ['/mine/x?versionId=null', { ok: true, bucket: 'mine', key: 'x', versionId: 'null' }],
    ['/mine/../theirs/x', { ok: false, code: 'InvalidArgument' }],
    ['/mine/..%2Ftheirs%2Fx', { ok: false, code: 'InvalidArgument' }],
    ['/mine/x?versionId=1&acl', { ok: false, code: 'InvalidArgument' }],
    ['/mine', { ok: false, code: 'InvalidArgument' }],
    ['/%2e%2e/x', { ok: false, code: 'InvalidBucketName' }],
  ])('%s', (header, expected) => {
    expect(parseCopySource(header)).toMatchObject(expected);
  });
});

describe('decideAccess for a key scoped to "mine"', () => {
  const target = (bucket: string | null, key: string | null) => ({ bucket, key, style: 'path' as const });
  it.each([
    ['GET', null, null, undefined, false],
    ['PUT', 'other', null, undefined, false],
    ['GET', 'other', null, undefined, false],
    ['GET', 'other', 'k', undefined, false],
    ['PUT', 'other', 'k', undefined, false],
    ['PUT', 'mine', null, undefined, false],
    ['DELETE', 'mine', null, undefined, false],
    ['GET', 'mine', null, undefined, true],
    ['HEAD', 'mine', null, undefined, true],
    ['POST', 'mine', null, undefined, true],
    ['GET', 'mine', 'k', undefined, true],
    ['PUT', 'mine', 'k', undefined, true],
    ['DELETE', 'mine', 'k', undefined, true],
    ['POST', 'mine', 'k', undefined, true],
    ['PUT', 'mine', 'k', 'mine', true],
    ['PUT', 'mine', 'k', 'other', false],
  ])('%s bucket=%s key=%s copy-source=%s → %s', (method, bucket, key, sourceBucket, allowed) => {
    expect(decideAccess(method, target(bucket, key), 'mine', sourceBucket === undefined ? undefined : { bucket: sourceBucket }).allowed).toBe(allowed);
  });
});
