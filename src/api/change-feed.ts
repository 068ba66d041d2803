import type { EventSourceMessage } from 'eventsource-parser';
import { sleep } from '../core/process.js';
import { errorCode, retryDelayMs, type RetryPolicy } from './http.js';

/**
 * The client of `GET /tenant/events` (docs/API-CONTRACT.md, "The change feed"): the bucket's object
 * changes as Server-Sent Events, resumed after a dropped connection with `Last-Event-ID`.
 */

/** One object change in the bucket, and the access key that made it (null when the cloud does not say). */
export interface CloudChange {
  cursor: number;
  type: 'created' | 'deleted';
  key: string;
  accessKey: string | null;
}

export type FeedMessage = { kind: 'change'; change: CloudChange } | { kind: 'reset'; cursor: number } | { kind: 'other' };

/** Pure: what one SSE event means; anything this client does not know is `other` (a newer cloud may send more). */
export function parseFeedMessage(event: Pick<EventSourceMessage, 'event' | 'data'>): FeedMessage {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    return { kind: 'other' };
  }
  if (typeof data !== 'object' || data === null) return { kind: 'other' };
  const record = data as Record<string, unknown>;
  const cursor = record.cursor;
  if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor)) return { kind: 'other' };
  if (event.event === 'reset') return { kind: 'reset', cursor };
  if ((event.event === 'created' || event.event === 'deleted') && typeof record.key === 'string' && record.key !== '') {
    return { kind: 'change', change: { cursor, type: event.event, key: record.key, accessKey: typeof record.access_key === 'string' ? record.access_key : null } };
  }
  return { kind: 'other' };
}

/**
 * - connected: changes arrive as they happen
 * - missing: the cloud has no feed (404); asked again now and then, in case it gets one
 * - down: the feed did not answer or refused (network, 5xx, 401/403); asked again with backoff
 */
export type FeedState = { kind: 'connected' } | { kind: 'missing' } | { kind: 'down'; reason: string };

export interface FeedHandlers {
  change(change: CloudChange): void;
  /** The cursor fell out of the feed's retention: changes were lost, so everything must be looked at once. */
  reset(): void;
  /** Told on every change of state (not on every retry). */
  state(state: FeedState): void;
}

export interface FeedOptions {
  url: string;
  accessToken: () => Promise<string>;
  /** Backoff between attempts while the feed is down. */
  retry?: RetryPolicy;
  /** How often a cloud without a feed is asked again. */
  missingRetryMs?: number;
  /** No byte (not even a heartbeat) for this long: the connection is dead, reconnect. */
  silenceMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const FEED_RETRY: RetryPolicy = { attempts: Number.POSITIVE_INFINITY, baseDelayMs: 1_000, maxDelayMs: 60_000 };
const MISSING_RETRY_MS = 10 * 60_000;
/** Three of the server's 15 s heartbeats. */
const SILENCE_MS = 45_000;
/** A stream that ended after working is opened again at once: a server restart should not look like an outage. */
const RECONNECT_MS = 250;

/**
 * Follows the feed until `signal` aborts: connects, hands every event to `handlers`, and when the
 * connection ends reconnects after the last event it saw (so nothing is lost), with backoff while
 * the feed is down. Never throws; the states say what happens.
 */
export async function followChangeFeed(options: FeedOptions, handlers: FeedHandlers, signal: AbortSignal): Promise<void> {
  const [{ request }, { createParser }] = await Promise.all([import('undici'), import('eventsource-parser')]);
  const retry = options.retry ?? FEED_RETRY;
  const silenceMs = options.silenceMs ?? SILENCE_MS;
  const wait = options.sleep ?? sleep;
  let lastEventId: string | undefined;
  let failures = 0;
  let told: string | undefined;
  const tell = (state: FeedState) => {
    const key = state.kind === 'down' ? `down:${state.reason}` : state.kind;
    if (key === told) return;
    told = key;
    handlers.state(state);
  };

  while (!signal.aborted) {
    let delay: number;
    try {
      const token = await options.accessToken();
      const answer = await request(options.url, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
        headersTimeout: 15_000,
        bodyTimeout: silenceMs,
        signal,
      });
      if (answer.statusCode !== 200) {
        await answer.body.dump().catch(() => undefined);
        if (answer.statusCode === 404) {
          tell({ kind: 'missing' });
          delay = options.missingRetryMs ?? MISSING_RETRY_MS;
        } else {
          tell({ kind: 'down', reason: `HTTP ${answer.statusCode}` });
          delay = retryDelayMs(failures, undefined, retry);
          failures += 1;
        }
      } else {
        tell({ kind: 'connected' });
        failures = 0;
        const parser = createParser({
          onEvent: (event) => {
            if (event.id !== undefined) lastEventId = event.id;
            const message = parseFeedMessage(event);
            if (message.kind === 'change') handlers.change(message.change);
            else if (message.kind === 'reset') handlers.reset();
          },
        });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of answer.body as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
        } catch {
          // A dropped or silent connection: reconnect below, after the last event seen.
        }
        delay = RECONNECT_MS;
      }
    } catch (error) {
      if (signal.aborted) break;
      tell({ kind: 'down', reason: errorCode(error) ?? (error instanceof Error ? error.message : String(error)) });
      delay = retryDelayMs(failures, undefined, retry);
      failures += 1;
    }
    // An already aborted signal fires no 'abort' event: a sleep would run its whole length.
    if (!signal.aborted) await wait(delay, signal);
  }
}
