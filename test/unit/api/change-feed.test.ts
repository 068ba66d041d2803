import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followChangeFeed, parseFeedMessage, type CloudChange, type FeedState } from '../../../src/api/change-feed.js';

describe('parseFeedMessage', () => {
  it.each([
    [{ event: 'created', data: '{"cursor":7,"type":"created","key":"a/b.md","size":3,"etag":"\\"x\\"","access_key":"AK1"}' }, { kind: 'change', change: { cursor: 7, type: 'created', key: 'a/b.md', accessKey: 'AK1' } }],
    [{ event: 'deleted', data: '{"cursor":8,"key":"c.md","access_key":null}' }, { kind: 'change', change: { cursor: 8, type: 'deleted', key: 'c.md', accessKey: null } }],
    [{ event: 'reset', data: '{"cursor":90}' }, { kind: 'reset', cursor: 90 }],
    // A newer cloud's events, broken JSON, a change without a key or cursor: nothing to act on.
    [{ event: 'renamed', data: '{"cursor":9,"key":"x"}' }, { kind: 'other' }],
    [{ event: 'created', data: '{not json' }, { kind: 'other' }],
    [{ event: 'created', data: '{"cursor":10}' }, { kind: 'other' }],
    [{ event: 'created', data: '{"key":"x.md"}' }, { kind: 'other' }],
    [{ event: undefined, data: '{"cursor":1,"key":"x.md"}' }, { kind: 'other' }],
  ])('%j → %j', (event, expected) => {
    expect(parseFeedMessage(event)).toEqual(expected);
  });
});

/** A scripted feed server: each connection gets the next script; the Last-Event-ID headers it saw are kept. */
function feedServer(scripts: ((res: http.ServerResponse) => void)[]) {
  const lastEventIds: (string | undefined)[] = [];
  const tokens: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    lastEventIds.push(req.headers['last-event-id'] as string | undefined);
    tokens.push(req.headers.authorization);
    const script = scripts.shift();
    if (script) script(res);
    else res.writeHead(503).end();
  });
  return {
    lastEventIds,
    tokens,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/events`;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const sse = (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });
const event = (cursor: number, key: string, accessKey = 'OTHER') => `id: ${cursor}\nevent: created\ndata: ${JSON.stringify({ cursor, type: 'created', key, access_key: accessKey })}\n\n`;

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('followChangeFeed (a real HTTP server)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  function follow(url: string, options: { silenceMs?: number } = {}) {
    const changes: CloudChange[] = [];
    const states: FeedState[] = [];
    let resets = 0;
    const stop = new AbortController();
    const done = followChangeFeed(
      { url, accessToken: () => Promise.resolve('tok'), retry: { attempts: Infinity, baseDelayMs: 20, maxDelayMs: 50 }, missingRetryMs: 30, ...options },
      { change: (change) => changes.push(change), reset: () => (resets += 1), state: (state) => states.push(state) },
      stop.signal,
    );
    return { changes, states, resets: () => resets, stop: async () => { stop.abort(); await done; } };
  }

  it('reads events split across chunks, and after a dropped connection resumes after the last one it saw', async () => {
    const server = feedServer([
      (res) => {
        sse(res);
        const text = `: connected\n\n${event(1, 'a.md')}${event(2, 'b.md')}`;
        res.write(text.slice(0, 30));
        setTimeout(() => res.end(text.slice(30)), 20);
      },
      (res) => {
        sse(res);
        res.write(event(3, 'c.md'));
      },
    ]);
    close = server.close;
    const feed = follow(await server.start());
    await until(() => feed.changes.length === 3, 'three changes');
    await feed.stop();
    expect(feed.changes.map((change) => [change.cursor, change.key])).toEqual([[1, 'a.md'], [2, 'b.md'], [3, 'c.md']]);
    expect(server.lastEventIds).toEqual([undefined, '2']);
    expect(server.tokens).toEqual(['Bearer tok', 'Bearer tok']);
    // A reconnect that works at once is not an outage.
    expect(feed.states).toEqual([{ kind: 'connected' }]);
  });

  it('says "missing" once for a cloud without a feed (404), and "connected" when it gets one', async () => {
    const missing = (res: http.ServerResponse) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    const server = feedServer([missing, missing, missing, (res) => { sse(res); res.write(event(5, 'n.md')); }]);
    close = server.close;
    const feed = follow(await server.start());
    await until(() => feed.changes.length === 1, 'the change after the feed appeared');
    await feed.stop();
    expect(feed.states).toEqual([{ kind: 'missing' }, { kind: 'connected' }]);
  });

  it('says "down" for a failing feed and retries with backoff; a reset event is passed on', async () => {
    const server = feedServer([
      (res) => res.writeHead(502).end(),
      (res) => res.writeHead(502).end(),
      (res) => {
        sse(res);
        res.write('id: 40\nevent: reset\ndata: {"cursor":40}\n\n');
      },
    ]);
    close = server.close;
    const feed = follow(await server.start());
    await until(() => feed.resets() === 1, 'the reset');
    await feed.stop();
    expect(feed.states).toEqual([{ kind: 'down', reason: 'HTTP 502' }, { kind: 'connected' }]);
    expect(server.lastEventIds).toEqual([undefined, undefined, undefined]);
  });

  it('reconnects a connection that went silent (no heartbeat), resuming after the last event', async () => {
    const server = feedServer([
      (res) => {
        sse(res);
        res.write(event(11, 'x.md'));
        // …then nothing, not even a heartbeat.
      },
      (res) => {
        sse(res);
        res.write(event(12, 'y.md'));
      },
    ]);
    close = server.close;
    const feed = follow(await server.start(), { silenceMs: 200 });
    await until(() => feed.changes.length === 2, 'the change after the silent connection');
    await feed.stop();
    expect(server.lastEventIds).toEqual([undefined, '11']);
  });

  it('says "down" when nothing listens, and stops when told', async () => {
    const server = feedServer([]);
    const url = await server.start();
    await server.close();
    const feed = follow(url);
    await until(() => feed.states.length > 0, 'a state');
    await feed.stop();
    expect(feed.states).toEqual([{ kind: 'down', reason: 'ECONNREFUSED' }]);
  });
});

describe('followChangeFeed, stopped from its own handler', () => {
  it('returns at once when a state handler stops it (no 10-minute wait after a 404)', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stop = new AbortController();
    const started = Date.now();
    await followChangeFeed(
      { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/events`, accessToken: () => Promise.resolve('tok') },
      { change: () => undefined, reset: () => undefined, state: () => stop.abort() },
      stop.signal,
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
