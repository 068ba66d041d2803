import type { IncomingHttpHeaders } from 'node:http';
import { etagMatches } from './object-store.js';
import { headerValue } from './sigv4.js';

/** Pure pieces of GET/HEAD/PUT semantics: byte ranges and conditional headers, as S3 applies them. */

export type RangeRequest = { kind: 'whole' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * `Range: bytes=a-b | a- | -n` against an object of `size` bytes. Like S3, a header that is not one
 * such range (several ranges, other units, garbage) is ignored and the whole object is sent.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    return size === 0 ? { kind: 'unsatisfiable' } : { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: 'whole' };
  return { kind: 'range', start, end };
}

export type ReadPrecondition = 'ok' | 'not-modified' | 'failed';

/**
 * If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, with RFC 7232's precedence (as S3
 * does). With `prefix` `x-amz-copy-source-`, the same four headers of a copy, about its source.
 */
export function checkReadConditions(headers: IncomingHttpHeaders, object: { etag: string; lastModified: Date }, prefix = ''): ReadPrecondition {
  const ifMatch = headerValue(headers, `${prefix}if-match`);
  const ifNoneMatch = headerValue(headers, `${prefix}if-none-match`);
  // HTTP dates have one-second resolution; compare at that resolution.
  const modifiedSeconds = Math.floor(object.lastModified.getTime() / 1000);
  const since = (value: string | undefined) => {
    const time = value === undefined ? NaN : Date.parse(value);
    return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
  };
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) return 'failed';
  } else {
    const unmodifiedSince = since(headerValue(headers, `${prefix}if-unmodified-since`));
    if (unmodifiedSince !== undefined && modifiedSeconds > unmodifiedSince) return 'failed';
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) return 'not-modified';
  } else {
    const modifiedSince = since(headerValue(headers, `${prefix}if-modified-since`));
    if (modifiedSince !== undefined && modifiedSeconds <= modifiedSince) return 'not-modified';
  }
  return 'ok';
}
