import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changeEvent, resumePoint } from '../../../src/server/api/change-feed.js';
import { openObjectStore, type ObjectStore } from '../../../src/server/store/object-store.js';

describe('resumePoint', () => {
  it.each([
    [undefined, 0, 9, { kind: 'from', cursor: 9 }],
    ['', 0, 9, { kind: 'from', cursor: 9 }],
    ['5', 0, 9, { kind: 'from', cursor: 5 }],
    ['5', 5, 9, { kind: 'from', cursor: 5 }],
    ['4', 5, 9, { kind: 'reset', cursor: 9 }],
    ['-1', 0, 9, { kind: 'invalid' }],
    ['1e3', 0, 9, { kind: 'invalid' }],
    ['9999999999999999', 0, 9, { kind: 'invalid' }],
  ] as const)('Last-Event-ID %j with floor %i and latest %i → %j', (lastEventId, floor, latest, expected) => {
    expect(resumePoint(lastEventId, floor, latest)).toEqual(expected);
  });

  it('formats an event whose id is its cursor', () => {
    const text = changeEvent({ cursor: 7, type: 'deleted', key: 'a b.md', size: null, etag: null, at: new Date(0), accessKey: 'tid_x' });
    expect(text).toBe('id: 7\nevent: deleted\ndata: {"cursor":7,"type":"deleted","key":"a b.md","size":null,"etag":null,"at":"1970-01-01T00:00:00.000Z","access_key":"tid_x"}\n\n');
  });
});

describe('the object store\'s change log', () => {
  let dir: string;
  let store: ObjectStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-changes-'));
    store = openObjectStore(dir);
    store.createBucket('b1');
    store.createBucket('b2');
  });
  afterEach(async () => {
    store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function write(bucket: string, key: string, text: string, actor?: string) {
    const written = await store.writeBody(Readable.from([Buffer.from(text)]));
    await store.commitObject(bucket, key, { ...written, etag: `"${written.md5.toString('hex')}"` }, {}, undefined, actor);
  }

  it('records creations and real deletions per bucket, in order, and tells listeners after the commit', async () => {
    const heard: string[] = [];
    const stop = store.onChange((bucket) => heard.push(`${bucket}:${store.changesAfter(bucket, 0, 10).length}`));
    await write('b1', 'x.md', 'one', 'tid_a');
    await write('b2', 'y.md', 'two');
    await store.deleteObject('b1', 'x.md', 'tid_b');
    await store.deleteObject('b1', 'never-there.md', 'tid_b');
    stop();
    await write('b1', 'z.md', 'three');
    expect(heard).toEqual(['b1:1', 'b2:1', 'b1:2']);
    expect(store.changesAfter('b1', 0, 10).map((change) => [change.type, change.key, change.size, change.accessKey])).toEqual([
      ['created', 'x.md', 3, 'tid_a'],
      ['deleted', 'x.md', null, 'tid_b'],
      ['created', 'z.md', 5, null],
    ]);
    const [first] = store.changesAfter('b1', 0, 1);
    expect(store.changesAfter('b1', first?.cursor ?? 0, 10)).toHaveLength(2);
  });

  it('prunes by age, raising the bucket\'s floor, and keeps the high-water mark', async () => {
    await write('b1', 'x.md', 'one');
    await write('b1', 'y.md', 'two');
    const latest = store.latestCursor();
    expect(store.changeFloor('b1')).toBe(0);
    expect(store.pruneChanges(new Date(Date.now() + 1000))).toBe(2);
    expect(store.changesAfter('b1', 0, 10)).toEqual([]);
    expect(store.changeFloor('b1')).toBe(latest);
    expect(store.changeFloor('b2')).toBe(0);
    expect(store.latestCursor()).toBe(latest);
    await write('b1', 'z.md', 'three');
    expect(store.changesAfter('b1', latest, 10).map((change) => change.cursor)).toEqual([latest + 1]);
  });
});
