import { timingSafeEqual } from 'node:crypto';
import type { ObjectChange } from '../store/object-store.js';

/**
 * Tigris object notifications (its "Object Notifications" bucket setting): a POST whose JSON body
 * is `{ events: [...] }`, each event naming the bucket and the object.
 */
export type TigrisEventName = 'OBJECT_CREATED_PUT' | 'OBJECT_DELETED';

export interface TigrisEvent {
  eventVersion: string;
  eventSource: string;
  eventName: TigrisEventName;
  eventTime: string;
  bucket: string;
  object: { key: string; size: number; eTag: string };
}

export interface TigrisNotification {
  events: TigrisEvent[];
}

/** Pure: the notification Tigris would send for these changes of one bucket. */
export function notificationFor(bucket: string, changes: readonly ObjectChange[]): TigrisNotification {
  return {
    events: changes.map((change) => ({
      eventVersion: '1',
      eventSource: 'tigris',
      eventName: change.type === 'created' ? 'OBJECT_CREATED_PUT' : 'OBJECT_DELETED',
      eventTime: change.at.toISOString(),
      bucket,
      // The bare hash, without the quotes an S3 ETag header carries (Tigris's payload has it so).
      object: { key: change.key, size: change.size ?? 0, eTag: (change.etag ?? '').replace(/^"(.*)"$/, '$1') },
    })),
  };
}

/**
 * Pure: the object keys a notification names for `bucket`, or why the body is not one. Events of
 * other types (Tigris may add more) and of other buckets are skipped, not refused.
 */
export function keysIn(body: unknown, bucket: string): string[] | string {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { events?: unknown }).events)) return 'The body must be a Tigris notification: {"events": [...]}.';
  const keys: string[] = [];
  for (const event of (body as { events: unknown[] }).events) {
    if (typeof event !== 'object' || event === null) return 'Each event must be an object.';
    const { eventName, bucket: eventBucket, object } = event as { eventName?: unknown; bucket?: unknown; object?: { key?: unknown } };
    if (eventName !== 'OBJECT_CREATED_PUT' && eventName !== 'OBJECT_DELETED') continue;
    if (eventBucket !== undefined && eventBucket !== bucket) continue;
    if (typeof object?.key !== 'string' || object.key === '') return 'Each event must name its object: {"object": {"key": "..."}}.';
    keys.push(object.key);
  }
  return keys;
}

/** How a webhook authenticates, as the Tigris dashboard offers: a bearer token or basic auth. */
export type WebhookAuth = { kind: 'token'; token: string } | { kind: 'basic'; user: string; password: string };

/** Pure: the Authorization header Tigris sends for this auth. */
export function authorizationFor(auth: WebhookAuth): string {
  return auth.kind === 'token' ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
}

/** Pure: whether a request's Authorization header matches the configured auth (compared in constant time). */
export function authorized(header: string | undefined, auth: WebhookAuth): boolean {
  const expected = Buffer.from(authorizationFor(auth));
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Pure: the webhook auth from BASIC_MEMORY_SERVER_WEBHOOK_TOKEN or BASIC_MEMORY_SERVER_WEBHOOK_BASIC
 * (`user:password`), as set in the Tigris dashboard; undefined when neither is set; a sentence when wrong.
 */
export function webhookAuthFromEnv(env: NodeJS.ProcessEnv): WebhookAuth | undefined | string {
  const token = env.BASIC_MEMORY_SERVER_WEBHOOK_TOKEN;
  const basic = env.BASIC_MEMORY_SERVER_WEBHOOK_BASIC;
  if (token && basic) return 'Set BASIC_MEMORY_SERVER_WEBHOOK_TOKEN or BASIC_MEMORY_SERVER_WEBHOOK_BASIC, not both: Tigris sends one kind of webhook auth.';
  if (token) return { kind: 'token', token };
  if (basic) {
    const colon = basic.indexOf(':');
    if (colon < 1) return 'BASIC_MEMORY_SERVER_WEBHOOK_BASIC must be user:password.';
    return { kind: 'basic', user: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  return undefined;
}
