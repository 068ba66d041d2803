/**
 * ListObjects as S3 answers it, over any source of keys in S3's order (UTF-8 byte order): prefix,
 * delimiter roll-up into common prefixes, a marker (v1 `marker`, v2 `start-after` or continuation
 * token) after which to start, and max-keys counting keys and common prefixes together.
 */

export interface KeySource<T extends { key: string }> {
  /** Up to `limit` entries with key > `from` (or >= when `inclusive`), in byte order. */
  (from: string, inclusive: boolean, limit: number): T[];
}

export interface ListOptions {
  prefix: string;
  delimiter: string;
  marker: string;
  maxKeys: number;
}

export interface ListPage<T> {
  contents: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts. */
  nextMarker?: string;
}

const BATCH = 1000;
// Greater than any character a key continues with, so `prefix + AFTER_ALL` skips everything under it.
const AFTER_ALL = '\u{10FFFF}';

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function listPage<T extends { key: string }>(source: KeySource<T>, options: ListOptions): ListPage<T> {
  const { prefix, delimiter, marker, maxKeys } = options;
  const page: ListPage<T> = { contents: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys <= 0) return page;
  let [from, inclusive] = marker !== '' && compareKeys(marker, prefix) >= 0 ? [marker, false] : [prefix, true];
  for (;;) {
    const batch = source(from, inclusive, BATCH);
    let jumped = false;
    for (const entry of batch) {
      if (!entry.key.startsWith(prefix)) return page;
      const cut = delimiter === '' ? -1 : entry.key.indexOf(delimiter, prefix.length);
      const item = cut === -1 ? entry.key : entry.key.slice(0, cut + delimiter.length);
      if (cut !== -1 && compareKeys(item, marker) <= 0) {
        // Keys under a common prefix already returned on an earlier page.
        [from, inclusive, jumped] = [item + AFTER_ALL, false, true];
        break;
      }
      if (page.contents.length + page.commonPrefixes.length === maxKeys) {
        page.isTruncated = true;
        return page;
      }
      page.nextMarker = item;
      if (cut === -1) {
        page.contents.push(entry);
      } else {
        page.commonPrefixes.push(item);
        [from, inclusive, jumped] = [item + AFTER_ALL, false, true];
        break;
      }
    }
    if (jumped) continue;
    const last = batch.at(-1);
    if (batch.length < BATCH || last === undefined) return page;
    [from, inclusive] = [last.key, false];
  }
}

/** `encoding-type=url`: S3 URL-encodes the keys and prefixes it lists, keeping `/`. */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}
