import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkReadConditions, parseRange } from '../../../src/server/store/conditions.js';
import { compareKeys, listPage, urlEncodeKey, type ListOptions } from '../../../src/server/store/listing.js';
import { etagMatches, multipartEtag } from '../../../src/server/store/object-store.js';
import { S3Error } from '../../../src/server/store/s3-errors.js';
import { parseCompleteMultipartUpload, parseDeleteObjects, xmlDocument } from '../../../src/server/store/s3-xml.js';

/** An in-memory key source in S3's (UTF-8 byte) order, as the SQLite query gives it. */
function source(keys: string[]) {
  const sorted = [...keys].sort(compareKeys);
  return (from: string, inclusive: boolean, limit: number) =>
    sorted
      .filter((key) => (inclusive ? compareKeys(key, from) >= 0 : compareKeys(key, from) > 0))
      .slice(0, limit)
      .map((key) => ({ key }));
}

const keys = ['a.md', 'dir/one.md', 'dir/sub/two.md', 'dir/three.md', 'dirt.md', 'z/1', 'z/2', 'é.md', '😀.md', 'ｚ.md'];
const options = (overrides: Partial<ListOptions>): ListOptions => ({ prefix: '', delimiter: '', marker: '', maxKeys: 1000, ...overrides });
const names = (page: ReturnType<typeof listPage<{ key: string }>>) => ({ contents: page.contents.map((entry) => entry.key), prefixes: page.commonPrefixes, truncated: page.isTruncated, next: page.nextMarker });

describe('listPage', () => {
  it.each([
    ['everything, in UTF-8 byte order (😀 after ｚ, unlike UTF-16)', options({}), { contents: ['a.md', 'dir/one.md', 'dir/sub/two.md', 'dir/three.md', 'dirt.md', 'z/1', 'z/2', 'é.md', 'ｚ.md', '😀.md'], prefixes: [], truncated: false, next: '😀.md' }],
    ['delimiter at the root', options({ delimiter: '/' }), { contents: ['a.md', 'dirt.md', 'é.md', 'ｚ.md', '😀.md'], prefixes: ['dir/', 'z/'], truncated: false, next: '😀.md' }],
    ['prefix and delimiter', options({ prefix: 'dir/', delimiter: '/' }), { contents: ['dir/one.md', 'dir/three.md'], prefixes: ['dir/sub/'], truncated: false, next: 'dir/three.md' }],
    ['prefix without delimiter stops at the prefix end', options({ prefix: 'dir' }), { contents: ['dir/one.md', 'dir/sub/two.md', 'dir/three.md', 'dirt.md'], prefixes: [], truncated: false, next: 'dirt.md' }],
    ['max-keys counts keys and prefixes', options({ delimiter: '/', maxKeys: 2 }), { contents: ['a.md'], prefixes: ['dir/'], truncated: true, next: 'dir/' }],
    ['a marker that is a common prefix skips what it rolled up', options({ delimiter: '/', maxKeys: 2, marker: 'dir/' }), { contents: ['dirt.md'], prefixes: ['z/'], truncated: true, next: 'z/' }],
    ['marker inside the list', options({ marker: 'dir/three.md' }), { contents: ['dirt.md', 'z/1', 'z/2', 'é.md', 'ｚ.md', '😀.md'], prefixes: [], truncated: false, next: '😀.md' }],
    ['marker before the prefix', options({ prefix: 'z/', marker: 'a' }), { contents: ['z/1', 'z/2'], prefixes: [], truncated: false, next: 'z/2' }],
    ['exactly max-keys left is not truncated', options({ prefix: 'z/', maxKeys: 2 }), { contents: ['z/1', 'z/2'], prefixes: [], truncated: false, next: 'z/2' }],
    ['max-keys 0', options({ maxKeys: 0 }), { contents: [], prefixes: [], truncated: false, next: undefined }],
    ['a multi-character delimiter', options({ delimiter: 'sub/' }), { contents: ['a.md', 'dir/one.md', 'dir/three.md', 'dirt.md', 'z/1', 'z/2', 'é.md', 'ｚ.md', '😀.md'], prefixes: ['dir/sub/'], truncated: false, next: '😀.md' }],
  ])('%s', (_name, listOptions, expected) => {
    expect(names(listPage(source(keys), listOptions))).toEqual(expected);
  });

  it('pages through 2,500 keys a batch at a time, each key once', () => {
    const many = Array.from({ length: 2500 }, (_, index) => `k${String(index).padStart(5, '0')}`);
    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const page = listPage(source(many), options({ marker, maxKeys: 1000 }));
      seen.push(...page.contents.map((entry) => entry.key));
      if (!page.isTruncated) break;
      marker = page.nextMarker ?? '';
    }
    expect(seen).toEqual(many);
  });
});

describe('urlEncodeKey', () => {
  it.each([
    ['dir/a b.md', 'dir/a%20b.md'],
    ['a+b&c?.md', 'a%2Bb%26c%3F.md'],
    ['ü', '%C3%BC'],
  ])('%s → %s', (key, expected) => {
    expect(urlEncodeKey(key)).toBe(expected);
  });
});

describe('parseRange on a 100-byte object', () => {
  it.each([
    [undefined, { kind: 'whole' }],
    ['bytes=0-9', { kind: 'range', start: 0, end: 9 }],
    ['bytes=90-', { kind: 'range', start: 90, end: 99 }],
    ['bytes=-10', { kind: 'range', start: 90, end: 99 }],
    ['bytes=-500', { kind: 'range', start: 0, end: 99 }],
    ['bytes=50-5000', { kind: 'range', start: 50, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'whole' }],
    ['items=0-1', { kind: 'whole' }],
    ['bytes=9-3', { kind: 'whole' }],
  ])('%s', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});

describe('checkReadConditions', () => {
  const object = { etag: '"abc"', lastModified: new Date('2026-01-02T03:04:05.678Z') };
  it.each([
    [{}, 'ok'],
    [{ 'if-match': '"abc"' }, 'ok'],
    [{ 'if-match': 'abc' }, 'ok'],
    [{ 'if-match': '*' }, 'ok'],
    [{ 'if-match': '"other"' }, 'failed'],
    [{ 'if-none-match': '"abc"' }, 'not-modified'],
    [{ 'if-none-match': '"x", "abc"' }, 'not-modified'],
    [{ 'if-none-match': '"other"' }, 'ok'],
    [{ 'if-modified-since': 'Fri, 02 Jan 2026 03:04:05 GMT' }, 'not-modified'],
    [{ 'if-modified-since': 'Fri, 02 Jan 2026 03:04:04 GMT' }, 'ok'],
    [{ 'if-unmodified-since': 'Fri, 02 Jan 2026 03:04:04 GMT' }, 'failed'],
    [{ 'if-unmodified-since': 'Fri, 02 Jan 2026 03:04:05 GMT' }, 'ok'],
    // If-Match wins over If-Unmodified-Since; If-None-Match over If-Modified-Since (RFC 7232, as S3).
    [{ 'if-match': '"abc"', 'if-unmodified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }, 'ok'],
    [{ 'if-none-match': '"other"', 'if-modified-since': 'Sat, 03 Jan 2026 00:00:00 GMT' }, 'ok'],
    [{ 'if-modified-since': 'garbage' }, 'ok'],
  ])('%j → %s', (headers, expected) => {
    expect(checkReadConditions(headers, object)).toBe(expected);
  });

  it('reads a copy\'s x-amz-copy-source-if-* headers with the prefix, and only those', () => {
    expect(checkReadConditions({ 'x-amz-copy-source-if-match': '"other"' }, object, 'x-amz-copy-source-')).toBe('failed');
    expect(checkReadConditions({ 'x-amz-copy-source-if-none-match': '"abc"' }, object, 'x-amz-copy-source-')).toBe('not-modified');
    expect(checkReadConditions({ 'if-match': '"other"' }, object, 'x-amz-copy-source-')).toBe('ok');
    expect(checkReadConditions({ 'x-amz-copy-source-if-match': '"other"' }, object)).toBe('ok');
  });
});

describe('ETags', () => {
  it('a multipart ETag is the MD5 of the binary part MD5s, then -N', () => {
    const parts = ['part one', 'part two'].map((text) => crypto.createHash('md5').update(text).digest());
    const expected = `"${crypto.createHash('md5').update(Buffer.concat(parts)).digest('hex')}-2"`;
    expect(multipartEtag(parts.map((md5) => `"${md5.toString('hex')}"`))).toBe(expected);
  });

  it.each([
    ['"abc"', '"abc"', true],
    ['abc', '"abc"', true],
    ['W/"abc"', '"abc"', true],
    ['"x","abc"', '"abc"', true],
    ['"abd"', '"abc"', false],
  ])('%s matches %s: %s', (header, etag, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });
});

/** The S3 error code `run` throws, or undefined when it does not throw one. */
function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof S3Error ? error.code : undefined;
  }
  return undefined;
}

describe('S3 XML', () => {
  it('escapes text once (a key a&b is listed as a&amp;b, not a&amp;amp;b)', () => {
    const xml = xmlDocument('ListBucketResult', { Contents: [{ Key: 'a&b <c> "d"' }] });
    expect(xml).toContain('<Key>a&amp;b &lt;c&gt; &quot;d&quot;</Key>');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')).toBe(true);
  });

  it('reads a part list and a delete list, keeping keys as strings with their spaces', () => {
    expect(parseCompleteMultipartUpload('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>')).toEqual([
      { partNumber: 1, etag: '"a"' },
      { partNumber: 2, etag: 'b' },
    ]);
    expect(parseDeleteObjects('<Delete><Quiet>true</Quiet><Object><Key>007</Key></Object><Object><Key> a&amp;b </Key></Object></Delete>')).toEqual({ quiet: true, keys: ['007', ' a&b '] });
  });

  it.each([
    ['<CompleteMultipartUpload></CompleteMultipartUpload>'],
    ['<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>'],
    ['<CompleteMultipartUpload><Part>'],
    ['not xml at all <'],
  ])('refuses the part list %s with MalformedXML', (text) => {
    expect(thrownCode(() => parseCompleteMultipartUpload(text))).toBe('MalformedXML');
  });

  it('refuses a delete list of more than 1,000 keys', () => {
    const body = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`;
    expect(thrownCode(() => parseDeleteObjects(body))).toBe('MalformedXML');
  });
});
