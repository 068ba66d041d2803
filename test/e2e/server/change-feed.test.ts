import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { callApi, createCredential, rclone, remote, useTempDir, type Credential } from './helpers.js';

interface FeedEvent {
  id: string;
  event: string;
  data: { cursor: number; type?: string; key?: string; size?: number | null; etag?: string | null; access_key?: string | null };
}

/** A subscriber to `GET /tenant/events` that keeps every event and comment it reads until closed. */
async function subscribe(apiUrl: string, token: string, lastEventId?: string) {
  const abort = new AbortController();
  const response = await fetch(`${apiUrl}/tenant/events`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
    signal: abort.signal,
  });
  const events: FeedEvent[] = [];
  const comments: string[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
          if (block.startsWith(':')) comments.push(block.slice(2));
          else events.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data ?? '{}') as FeedEvent['data'] });
        }
      }
    } catch {
      // Aborted by close(): the events read so far stay.
    }
  })();
  return {
    status: response.status,
    events,
    comments,
    async waitFor(count: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} events: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return events;
    },
    async close() {
      abort.abort();
      await reading;
    },
  };
}

async function put(dataDir: string, credential: Credential, endpoint: string, bucket: string, key: string, text: string) {
  const file = path.join(dataDir, 'upload.tmp');
  await fs.writeFile(file, text);
  const result = await rclone({ ...credential, endpoint_url: endpoint }, ['copyto', file, remote(bucket, key)]);
  expect(result.code, result.stderr).toBe(0);
}

const summary = (events: FeedEvent[]) => events.map((event) => [event.event, event.data.key]);

describe('GET /tenant/events: the change feed (real rclone writing to the embedded store)', () => {
  const tempDir = useTempDir('bm-feed-');

  it('resumes after a dropped connection with Last-Event-ID and loses no event; each names its key, size, ETag and writer', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, port: 0, s3Port: 0 });
    try {
      const { token, bucketName } = await server.mintToken('new');
      const credential = await createCredential(server.apiUrl, token);
      const first = await subscribe(server.apiUrl, token);
      expect(first.status).toBe(200);
      await put(dataDir, credential, server.s3Url, bucketName, 'a.md', 'alpha\n');
      const [created] = await first.waitFor(1);
      expect(created).toMatchObject({ event: 'created', data: { type: 'created', key: 'a.md', size: 6, access_key: credential.access_key } });
      expect(created?.data.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(created?.id).toBe(String(created?.data.cursor));
      await first.close();

      // While nobody listens: one write and one delete.
      await put(dataDir, credential, server.s3Url, bucketName, 'b.md', 'beta\n');
      expect((await rclone({ ...credential, endpoint_url: server.s3Url }, ['deletefile', remote(bucketName, 'a.md')])).code).toBe(0);

      const second = await subscribe(server.apiUrl, token, created?.id);
      await second.waitFor(2);
      await put(dataDir, credential, server.s3Url, bucketName, 'c.md', 'gamma\n');
      const events = await second.waitFor(3);
      await second.close();
      expect(summary(events)).toEqual([
        ['created', 'b.md'],
        ['deleted', 'a.md'],
        ['created', 'c.md'],
      ]);
      const cursors = [Number(created?.id), ...events.map((event) => Number(event.id))];
      expect(cursors).toEqual([...cursors].sort((x, y) => x - y));
      expect(new Set(cursors).size).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('keeps the cursor across a server restart: changes made before it are replayed, new ones continue the sequence', async () => {
    const dataDir = tempDir();
    let server: RunningServer = await startServer({ dataDir, port: 0, s3Port: 0 });
    const { token, bucketName } = await server.mintToken('keeper');
    const credential = await createCredential(server.apiUrl, token);
    const before = await subscribe(server.apiUrl, token);
    await put(dataDir, credential, server.s3Url, bucketName, 'one.md', '1\n');
    const [seen] = await before.waitFor(1);
    await before.close();
    await put(dataDir, credential, server.s3Url, bucketName, 'two.md', '2\n');
    await server.close();

    server = await startServer({ dataDir, port: 0, s3Port: 0 });
    try {
      const after = await subscribe(server.apiUrl, token, seen?.id);
      await put(dataDir, credential, server.s3Url, bucketName, 'three.md', '3\n');
      const events = await after.waitFor(2);
      await after.close();
      expect(summary(events)).toEqual([
        ['created', 'two.md'],
        ['created', 'three.md'],
      ]);
      expect(Number(events[0]?.id)).toBeGreaterThan(Number(seen?.id));
      expect(Number(events[1]?.id)).toBeGreaterThan(Number(events[0]?.id));
    } finally {
      await server.close();
    }
  });

  it('sends reset when the cursor fell out of retention, heartbeats, and only the tenant\'s own bucket', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, port: 0, s3Port: 0, changeRetentionMs: 300, feedHeartbeatMs: 100 });
    try {
      const { token, bucketName } = await server.mintToken('retained');
      const other = await server.mintToken('other');
      const credential = await createCredential(server.apiUrl, token);
      const otherCredential = await createCredential(server.apiUrl, other.token);
      const watcher = await subscribe(server.apiUrl, token);
      await put(dataDir, credential, server.s3Url, bucketName, 'old.md', 'old\n');
      const [old] = await watcher.waitFor(1);
      await put(dataDir, otherCredential, server.s3Url, other.bucketName, 'theirs.md', 'not yours\n');
      await new Promise((resolve) => setTimeout(resolve, 800));
      await watcher.close();
      expect(summary(watcher.events)).toEqual([['created', 'old.md']]);
      expect(watcher.comments).toContain('heartbeat');

      const behind = await subscribe(server.apiUrl, token, String(Number(old?.id) - 1));
      const [reset] = await behind.waitFor(1);
      await behind.close();
      expect(reset?.event).toBe('reset');
      expect(Number(reset?.id)).toBeGreaterThanOrEqual(Number(old?.id));

      expect((await callApi(server.apiUrl, 'GET', '/tenant/events')).status).toBe(401);
      expect((await callApi(server.apiUrl, 'GET', '/tenant/events', { token, headers: { 'last-event-id': 'abc' } })).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
