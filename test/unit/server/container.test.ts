import { describe, expect, it } from 'vitest';
import type { ChangeLog } from '../../../src/server/api/change-feed.js';
import { noteKeyOf, syncLayerOf, syncPathsOf } from '../../../src/server/api/container-routes.js';
import { parseLayers } from '../../../src/server/container/container-pool.js';
import { firstHeading, parseSavedIndex, savedIndexText, unchanged } from '../../../src/server/container/note-index.js';
import { containerRcloneConfig, foldersOf, forgetParams, isSafeKey, pendingTitles, refreshedFolder } from '../../../src/server/container/tenant-container.js';
import { authorizationFor, authorized, keysIn, notificationFor, webhookAuthFromEnv } from '../../../src/server/container/tigris-webhook.js';
import { deliverNotifications, DELIVERY_RETRIES, DELIVERY_TIMEOUT_MS } from '../../../src/server/container/webhook-delivery.js';
import type { ObjectChange } from '../../../src/server/store/object-store.js';
import { tenantIdOfBucket } from '../../../src/server/tenants/tenant-service.js';

describe("the container index's first heading", () => {
  it.each([
    ['# Title\nbody', 'Title'],
    ['intro\n\n## Second level\n', 'Second level'],
    ['---\ntitle: x\n# not a heading: yaml comment\n---\n# Real\n', 'Real'],
    ['# Closed heading ##\n', 'Closed heading'],
    ['#not a heading\n', null],
    ['no heading at all', null],
    ['---\nunterminated front matter\n# inside\n', null],
  ])('%j → %j', (text, title) => {
    expect(firstHeading(text)).toBe(title);
  });

  it('reads a title again only when size or time changed', () => {
    const entry = { path: 'a.md', size: 3, modifiedAt: '2026-01-01T00:00:00.000Z', title: 'A' };
    expect(unchanged(entry, 3, entry.modifiedAt)).toBe(true);
    expect(unchanged(entry, 4, entry.modifiedAt)).toBe(false);
    expect(unchanged(entry, 3, '2026-01-01T00:00:01.000Z')).toBe(false);
    expect(unchanged(undefined, 3, entry.modifiedAt)).toBe(false);
    // Listed at start-up, title not read yet: the next scan of this key reads it.
    expect(unchanged({ ...entry, title: undefined }, 3, entry.modifiedAt)).toBe(false);
  });
});

describe("start-up's titles, read after the listing", () => {
  it('names the notes whose title is unread, a batch at a time', () => {
    const note = (key: string, title: string | null | undefined) => ({ path: key, size: 1, modifiedAt: '2026-01-01T00:00:00.000Z', title });
    const notes = [note('a.md', 'A'), note('b.md', undefined), note('c.md', null), note('d.md', undefined), note('e.md', undefined)];
    expect(pendingTitles(notes, 2)).toEqual(['b.md', 'd.md']);
    expect(pendingTitles(notes, 10)).toEqual(['b.md', 'd.md', 'e.md']);
    expect(pendingTitles([note('a.md', null)], 10)).toEqual([]);
  });
});

describe('the index a container saves for its next start', () => {
  const at = '2026-01-01T00:00:00.000Z';
  it('keeps the entries whose title was read, and reads back only well-formed ones', () => {
    const index = new Map([
      ['a.md', { path: 'a.md', size: 1, modifiedAt: at, title: 'A' }],
      ['b.md', { path: 'b.md', size: 2, modifiedAt: at, title: null }],
      ['c.md', { path: 'c.md', size: 3, modifiedAt: at, title: undefined }],
    ]);
    expect(parseSavedIndex(savedIndexText(index)).map((entry) => entry.path)).toEqual(['a.md', 'b.md']);
    expect(parseSavedIndex('[{"path": "x.md", "size": "1", "modifiedAt": "t", "title": "X"}, null, 3, {"path": "y.md", "size": 1, "modifiedAt": "t"}]')).toEqual([]);
    expect(parseSavedIndex('not json')).toEqual([]);
    expect(parseSavedIndex('{"path": "a.md"}')).toEqual([]);
  });
});

describe('container keys and folders', () => {
  it.each([
    ['a.md', true],
    ['dir/sub/a.md', true],
    ['../a.md', false],
    ['dir/../../a.md', false],
    ['/abs.md', false],
    ['dir//a.md', false],
    ['./a.md', false],
    ['', false],
  ])('%j is a safe key: %s', (key, safe) => {
    expect(isSafeKey(key)).toBe(safe);
  });

  it('decodes each segment of a note URL, and refuses one that climbs out', () => {
    expect(noteKeyOf('dir/a%20b.md')).toBe('dir/a b.md');
    expect(noteKeyOf('dir%2F..%2F..%2Fx.md')).toBeUndefined();
    expect(noteKeyOf('%E0%A4%A')).toBeUndefined();
  });

  it('refreshes each folder holding a named key once, the root as ""', () => {
    expect(foldersOf(['a.md', 'b.md', 'd/x.md', 'd/y.md', 'd/e/z.md'])).toEqual(['', 'd', 'd/e']);
  });

  it('names each changed key to vfs/forget', () => {
    expect(forgetParams(['a.md', 'd/b.md', 'c.md'])).toEqual({ file: 'a.md', file2: 'd/b.md', file3: 'c.md' });
  });

  it("reads rclone's per-folder answer to vfs/refresh", () => {
    expect(refreshedFolder({ result: { dir: 'OK' } }, 'dir')).toBe(true);
    expect(refreshedFolder({ result: { dir: 'file does not exist' } }, 'dir')).toBe(false);
    expect(refreshedFolder({ result: { '': 'OK' } }, '')).toBe(true);
    expect(refreshedFolder({}, '')).toBe(false);
  });

  it('writes the key into the rclone config, never a command line, and never checks the bucket', () => {
    const text = containerRcloneConfig('container-t', { endpointUrl: 'http://127.0.0.1:1', region: 'auto' }, { accessKey: 'AK', secretKey: 'SK' });
    expect(text).toContain('[container-t]');
    expect(text).toContain('secret_access_key = SK');
    expect(text).toContain('no_check_bucket = true');
  });

  it('maps a bucket back to its tenant', () => {
    expect(tenantIdOfBucket('basic-memory-abc-1')).toBe('abc-1');
    expect(tenantIdOfBucket('other-bucket')).toBeUndefined();
    expect(tenantIdOfBucket('basic-memory-')).toBeUndefined();
  });
});

describe('layers and POST /sync', () => {
  it.each([
    ['all', ['sync', 'webhook', 'cli', 'periodic']],
    ['none', []],
    ['webhook', ['webhook']],
    ['sync, periodic', ['sync', 'periodic']],
  ])('--container-layers %j', (text, layers) => {
    expect([...(parseLayers(text) as Set<string>)]).toEqual(layers);
  });

  it('refuses an unknown layer with a sentence naming it', () => {
    expect(parseLayers('sync,tigrisfs')).toMatch(/unknown layer "tigrisfs"/);
  });

  it("tells the CLI's notification (layer 3) from a manual refresh (layer 1)", () => {
    expect(syncLayerOf({ source: 'cli' })).toBe('cli');
    expect(syncLayerOf({})).toBe('sync');
    expect(syncPathsOf({})).toEqual([]);
    expect(syncPathsOf({ paths: ['a.md', 'd/b.md'] })).toEqual(['a.md', 'd/b.md']);
    expect(syncPathsOf({ paths: ['../x'] })).toMatch(/paths must be/);
    expect(syncPathsOf({ paths: 'a.md' })).toMatch(/paths must be/);
  });
});

const change = (cursor: number, type: 'created' | 'deleted', key: string): ObjectChange => ({ cursor, type, key, size: type === 'created' ? 5 : null, etag: type === 'created' ? '"e"' : null, at: new Date(Date.UTC(2026, 0, 1)), accessKey: 'tid_x' });

describe('Tigris object notifications', () => {
  it('are what the store sends for its changes', () => {
    expect(notificationFor('b', [change(1, 'created', 'a.md'), change(2, 'deleted', 'c.md')])).toEqual({
      events: [
        { eventVersion: '1', eventSource: 'tigris', eventName: 'OBJECT_CREATED_PUT', eventTime: '2026-01-01T00:00:00.000Z', bucket: 'b', object: { key: 'a.md', size: 5, eTag: 'e' } },
        { eventVersion: '1', eventSource: 'tigris', eventName: 'OBJECT_DELETED', eventTime: '2026-01-01T00:00:00.000Z', bucket: 'b', object: { key: 'c.md', size: 0, eTag: '' } },
      ],
    });
  });

  it('name keys the receiver refreshes; other types and buckets are skipped; a malformed body is refused', () => {
    const body = { events: [{ eventName: 'OBJECT_CREATED_PUT', bucket: 'b', object: { key: 'a.md' } }, { eventName: 'OBJECT_RESTORED', bucket: 'b', object: { key: 'x' } }, { eventName: 'OBJECT_DELETED', bucket: 'other', object: { key: 'y' } }] };
    expect(keysIn(body, 'b')).toEqual(['a.md']);
    expect(keysIn({}, 'b')).toMatch(/events/);
    expect(keysIn({ events: [{ eventName: 'OBJECT_DELETED', object: {} }] }, 'b')).toMatch(/name its object/);
  });

  it('authenticate as the dashboard says: a bearer token or basic auth', () => {
    const token = { kind: 'token', token: 's3cret' } as const;
    const basic = { kind: 'basic', user: 'u', password: 'p:w' } as const;
    expect(authorizationFor(token)).toBe('Bearer s3cret');
    expect(authorizationFor(basic)).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
    expect(authorized('Bearer s3cret', token)).toBe(true);
    expect(authorized('Bearer s3cres', token)).toBe(false);
    expect(authorized(undefined, token)).toBe(false);
    expect(authorized(authorizationFor(basic), basic)).toBe(true);
    expect(webhookAuthFromEnv({ BASIC_MEMORY_SERVER_WEBHOOK_BASIC: 'u:p:w' })).toEqual(basic);
    expect(webhookAuthFromEnv({ BASIC_MEMORY_SERVER_WEBHOOK_BASIC: 'nocolon' })).toMatch(/user:password/);
    expect(webhookAuthFromEnv({ BASIC_MEMORY_SERVER_WEBHOOK_TOKEN: 't', BASIC_MEMORY_SERVER_WEBHOOK_BASIC: 'u:p' })).toMatch(/not both/);
    expect(webhookAuthFromEnv({})).toBeUndefined();
  });
});

/** A change log in memory with one bucket. */
function memoryLog(): ChangeLog & { add(type: 'created' | 'deleted', key: string): void } {
  const changes: ObjectChange[] = [];
  const listeners = new Set<(bucket: string) => void>();
  return {
    changesAfter: (_bucket, cursor, limit) => changes.filter((item) => item.cursor > cursor).slice(0, limit),
    changeFloor: () => 0,
    latestCursor: () => changes.length,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    add(type, key) {
      changes.push(change(changes.length + 1, type, key));
      for (const listener of listeners) listener('basic-memory-t');
    },
  };
}

describe("the embedded store's webhook delivery (Tigris's rules)", () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('posts each change once, with the auth header and a 10 s timeout, starting after what was there', async () => {
    const log = memoryLog();
    log.add('created', 'before.md');
    const posts: { url: string; body: unknown; headers: Record<string, string>; timeoutMs: number }[] = [];
    const stop = deliverNotifications({
      changes: log,
      urlFor: () => 'http://hook/t',
      auth: { kind: 'token', token: 'tok' },
      log: () => undefined,
      post: (url, body, headers, timeoutMs) => {
        posts.push({ url, body: JSON.parse(body) as unknown, headers, timeoutMs });
        return Promise.resolve(200);
      },
      sleep: () => Promise.resolve(),
    });
    log.add('created', 'a.md');
    await settle();
    log.add('deleted', 'a.md');
    await settle();
    await stop();
    expect(posts.map((post) => (post.body as { events: { eventName: string; object: { key: string } }[] }).events.map((event) => `${event.eventName} ${event.object.key}`))).toEqual([['OBJECT_CREATED_PUT a.md'], ['OBJECT_DELETED a.md']]);
    expect(posts[0]).toMatchObject({ url: 'http://hook/t', headers: { authorization: 'Bearer tok' }, timeoutMs: DELIVERY_TIMEOUT_MS });
  });

  it(`retries a failed delivery ${DELIVERY_RETRIES} times, then drops it and goes on`, async () => {
    const log = memoryLog();
    const statuses = [500, 0, 503, 502, 200];
    const seen: string[] = [];
    const notes: string[] = [];
    const stop = deliverNotifications({
      changes: log,
      urlFor: () => 'http://hook/t',
      auth: { kind: 'token', token: 'tok' },
      log: (line) => notes.push(line),
      post: (_url, body) => {
        seen.push((JSON.parse(body) as { events: { object: { key: string } }[] }).events[0]?.object.key ?? '');
        const status = statuses.shift() ?? 200;
        return status === 0 ? Promise.reject(new Error('aborted after 10 s')) : Promise.resolve(status);
      },
      sleep: () => Promise.resolve(),
    });
    log.add('created', 'lost.md');
    await settle();
    log.add('created', 'next.md');
    await settle();
    await stop();
    expect(seen).toEqual(['lost.md', 'lost.md', 'lost.md', 'lost.md', 'next.md']);
    expect(notes.some((line) => /gave up on 1 event/.test(line))).toBe(true);
  });
});
