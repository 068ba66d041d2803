import { describe, expect, it } from 'vitest';
import { decideAccess, resolveTarget } from '../../../src/server/store/scope.js';

const hosts = ['127.0.0.1', 'localhost'];

describe('resolveTarget', () => {
  it.each([
    ['/', '127.0.0.1:8766', { bucket: null, key: null, pathStylePath: '/', style: 'path' }],
    ['/bucket', '127.0.0.1:8766', { bucket: 'bucket', key: null, pathStylePath: '/bucket', style: 'path' }],
    ['/bucket/', 'localhost:8766', { bucket: 'bucket', key: null, pathStylePath: '/bucket/', style: 'path' }],
    ['/bucket/dir/a%20b%3F.md', 'localhost', { bucket: 'bucket', key: 'dir/a b?.md', pathStylePath: '/bucket/dir/a%20b%3F.md', style: 'path' }],
    ['/dir/x.md', 'bucket.localhost:8766', { bucket: 'bucket', key: 'dir/x.md', pathStylePath: '/bucket/dir/x.md', style: 'virtual-host' }],
    ['/', 'bucket.localhost:8766', { bucket: 'bucket', key: null, pathStylePath: '/bucket/', style: 'virtual-host' }],
    ['/bucket/k', 'unrelated.example:8766', { bucket: 'bucket', key: 'k', pathStylePath: '/bucket/k', style: 'path' }],
  ])('%s on %s', (rawPath, host, expected) => {
    expect(resolveTarget(rawPath, host, hosts)).toEqual(expected);
  });
});

describe('decideAccess for a key scoped to "mine"', () => {
  const target = (bucket: string | null, key: string | null) => ({ bucket, key, pathStylePath: '', style: 'path' as const });
  it.each([
    ['GET', null, null, false],
    ['PUT', 'other', null, false],
    ['GET', 'other', null, false],
    ['GET', 'other', 'k', false],
    ['PUT', 'other', 'k', false],
    ['PUT', 'mine', null, false],
    ['DELETE', 'mine', null, false],
    ['GET', 'mine', null, true],
    ['HEAD', 'mine', null, true],
    ['POST', 'mine', null, true],
    ['GET', 'mine', 'k', true],
    ['PUT', 'mine', 'k', true],
    ['DELETE', 'mine', 'k', true],
    ['POST', 'mine', 'k', true],
  ])('%s bucket=%s key=%s → %s', (method, bucket, key, allowed) => {
    expect(decideAccess(method, target(bucket, key), 'mine').allowed).toBe(allowed);
  });
});
