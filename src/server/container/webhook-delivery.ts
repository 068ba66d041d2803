import type { ChangeLog } from '../api/change-feed.js';
import { authorizationFor, notificationFor, type WebhookAuth } from './tigris-webhook.js';

/** Tigris's delivery rules: a 2xx acknowledges; otherwise (or after 10 s) the request is retried, 3 times at most. */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const DELIVERY_RETRIES = 3;
const RETRY_DELAY_MS = 1_000;
/** Events in one notification. */
const BATCH = 100;

export interface DeliveryOptions {
  changes: ChangeLog;
  /** The webhook URL configured for a bucket, or undefined when it has none. */
  urlFor: (bucket: string) => string | undefined;
  auth: WebhookAuth;
  log: (line: string) => void;
  post?: (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<number>;
  sleep?: (ms: number) => Promise<void>;
}

async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Delivers the embedded store's own object changes as Tigris object notifications, bucket by bucket
 * in order, from the changes made after it starts. A notification that fails every try is dropped,
 * as Tigris drops it. Returns a function that stops delivery (after the one in flight).
 */
export function deliverNotifications(options: DeliveryOptions): () => Promise<void> {
  const post = options.post ?? postJson;
  const wait = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const startCursor = options.changes.latestCursor();
  const sent = new Map<string, number>();
  const busy = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let stopped = false;

  const deliverOnce = async (url: string, body: string): Promise<boolean> => {
    const headers = { 'content-type': 'application/json', authorization: authorizationFor(options.auth) };
    for (let attempt = 0; attempt <= DELIVERY_RETRIES && !stopped; attempt++) {
      if (attempt > 0) await wait(RETRY_DELAY_MS * attempt);
      const status = await post(url, body, headers, DELIVERY_TIMEOUT_MS).catch((error: unknown) => {
        options.log(`webhook ${url}: ${(error as Error).message}`);
        return 0;
      });
      if (status >= 200 && status < 300) return true;
    }
    return false;
  };
  const drain = async (bucket: string) => {
    const url = options.urlFor(bucket);
    for (;;) {
      const batch = options.changes.changesAfter(bucket, sent.get(bucket) ?? startCursor, BATCH);
      if (batch.length === 0 || stopped) return;
      sent.set(bucket, batch[batch.length - 1]?.cursor ?? startCursor);
      if (url && !(await deliverOnce(url, JSON.stringify(notificationFor(bucket, batch))))) options.log(`webhook ${url}: gave up on ${batch.length} event(s) of ${bucket} after ${DELIVERY_RETRIES} retries`);
    }
  };
  const kick = (bucket: string) => {
    if (busy.has(bucket)) {
      again.add(bucket);
      return;
    }
    const run = (async () => {
      do {
        again.delete(bucket);
        await drain(bucket);
      } while (again.has(bucket) && !stopped);
    })().finally(() => busy.delete(bucket));
    busy.set(bucket, run);
  };
  const unsubscribe = options.changes.onChange(kick);
  return async () => {
    stopped = true;
    unsubscribe();
    await Promise.allSettled([...busy.values()]);
  };
}
