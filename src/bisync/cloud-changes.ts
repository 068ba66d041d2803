import type { CloudChange, FeedHandlers, FeedState } from '../api/change-feed.js';
import type { Output } from '../core/output.js';
import { formatLocalTime } from '../core/time.js';
import { isReservedKey } from '../core/reserved-names.js';

/**
 * How a watch learns of cloud changes: `push` while the cloud's change feed is connected (a change
 * syncs within seconds), `polling` when the feed is missing or down (the interval's cloud check).
 */
export interface CloudChangesMode {
  mode: 'push' | 'polling';
  /** Why it polls: no feed on this cloud, or the feed's failure. */
  reason: string | null;
  since: string;
}

/**
 * Pure: a change of a note this machine did not make. Its own uploads and deletions carry its mount
 * credential's key; another machine's run backups (`cloud-backups.ts`) are no notes: no sync picks them up.
 */
export function isForeignChange(change: CloudChange, ownAccessKey: string): boolean {
  return change.accessKey !== ownAccessKey && !isReservedKey(change.key);
}

/** Pure: the `bisync-status` and `bisync-service status` line for how a running watch learns of cloud changes. */
export function describeCloudChanges(mode: CloudChangesMode | undefined, now: Date = new Date()): string {
  if (!mode) return 'connecting to the change feed';
  const since = formatLocalTime(mode.since, now);
  if (mode.mode === 'push') return `push-driven by the change feed (since ${since})`;
  return `polling at the interval: ${mode.reason ?? 'the change feed is down'} (since ${since})`;
}

export type Notice = { level: 'info' | 'warn' | 'debug'; text: string };

/**
 * Pure: what a feed state means for the watch, and what to say. A fallback to the interval is said
 * once per watch (a warning); later ones, which the user already knows can happen, go to --verbose.
 */
export function describeFeedState(state: FeedState, intervalSeconds: number, fellBackBefore: boolean): { mode: CloudChangesMode['mode']; reason: string | null; notice: Notice } {
  if (state.kind === 'connected') {
    return { mode: 'push', reason: null, notice: { level: fellBackBefore ? 'info' : 'debug', text: fellBackBefore ? 'The cloud\'s change feed is back: cloud changes sync within seconds again.' : 'Following the cloud\'s change feed: cloud changes sync within seconds.' } };
  }
  const reason = state.kind === 'missing' ? 'the cloud has no change feed' : `the change feed is unreachable (${state.reason})`;
  const text = state.kind === 'missing' ? `The cloud has no change feed: checking for cloud changes every ${intervalSeconds}s instead.` : `The cloud's change feed is unreachable (${state.reason}): checking for cloud changes every ${intervalSeconds}s until it is back.`;
  return { mode: 'polling', reason, notice: { level: fellBackBefore ? 'debug' : 'warn', text } };
}

export interface CloudChangesDeps {
  /** Follows the feed (the API client's `followChanges`); may throw when there is no login to follow it with. */
  follow: (handlers: FeedHandlers, signal: AbortSignal) => Promise<void>;
  ownAccessKey: string;
  intervalSeconds: number;
  output: Output;
  /** Told when cloud changes switch between push and polling (for the status files). */
  mode: (mode: CloudChangesMode) => Promise<void> | void;
  now?: () => Date;
}

/**
 * `cloud bisync --watch`'s cloud side: `wake` (a debounced sync) for every change this machine did
 * not make and once after a reset (changes were lost to retention); the interval stays as the
 * safety net. Returns when `signal` aborts.
 */
export async function followCloudChanges(deps: CloudChangesDeps, wake: () => void, signal: AbortSignal): Promise<void> {
  const now = deps.now ?? (() => new Date());
  let fellBack = false;
  let current: CloudChangesMode['mode'] | undefined;
  const say = (notice: Notice) => deps.output[notice.level](notice.text);
  const enter = async (state: FeedState) => {
    const described = describeFeedState(state, deps.intervalSeconds, fellBack);
    say(described.notice);
    if (described.mode === 'polling') fellBack = true;
    if (described.mode === current && described.mode === 'push') return;
    current = described.mode;
    await Promise.resolve(deps.mode({ mode: described.mode, reason: described.reason, since: now().toISOString() })).catch((error: unknown) => deps.output.debug(`could not record the watch's mode: ${String(error)}`));
  };
  let states = Promise.resolve();
  const handlers: FeedHandlers = {
    change(change) {
      if (isForeignChange(change, deps.ownAccessKey)) {
        deps.output.debug(`cloud change: ${change.type} ${change.key}`);
        wake();
      }
    },
    reset() {
      deps.output.debug('the change feed lost changes (reset): one sync to catch up');
      wake();
    },
    state(state) {
      // Recorded in order: a quick down-then-up must not end as "down".
      states = states.then(() => enter(state));
    },
  };
  try {
    await deps.follow(handlers, signal);
  } catch (error) {
    handlers.state({ kind: 'down', reason: error instanceof Error ? error.message : String(error) });
  }
  await states;
}
