import type { ServerResponse } from 'node:http';
import type { ObjectChange } from '../store/object-store.js';

/** What the API needs of the store's change log. */
export interface ChangeLog {
  changesAfter(bucket: string, cursor: number, limit: number): ObjectChange[];
  changeFloor(bucket: string): number;
  latestCursor(): number;
  onChange(listener: (bucket: string) => void): () => void;
}

export const HEARTBEAT_MS = 15_000;
const PAGE = 500;

export type ResumePoint = { kind: 'from'; cursor: number } | { kind: 'reset'; cursor: number } | { kind: 'invalid' };

/**
 * Where a subscriber starts: after its `Last-Event-ID` (none: only changes from now on), or a
 * reset to the newest cursor when retention already dropped changes it has not seen.
 */
export function resumePoint(lastEventId: string | undefined, floor: number, latest: number): ResumePoint {
  if (lastEventId === undefined || lastEventId === '') return { kind: 'from', cursor: latest };
  if (!/^\d{1,15}$/.test(lastEventId)) return { kind: 'invalid' };
  const cursor = Number(lastEventId);
  if (cursor < floor) return { kind: 'reset', cursor: latest };
  return { kind: 'from', cursor };
}

/** One SSE event: the cursor is its id, so a reconnecting client's `Last-Event-ID` resumes after it. */
export function changeEvent(change: ObjectChange): string {
  const data = { cursor: change.cursor, type: change.type, key: change.key, size: change.size, etag: change.etag, at: change.at.toISOString(), access_key: change.accessKey };
  return `id: ${change.cursor}\nevent: ${change.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Streams a bucket's changes after `start` to `res` until the client goes: pages from the log, then
 * every new change as it commits (read back from the log, so none is missed between the two), and a
 * comment line as heartbeat.
 */
export function streamChanges(res: ServerResponse, options: { log: ChangeLog; bucket: string; start: ResumePoint & { kind: 'from' | 'reset' }; heartbeatMs?: number; stop?: AbortSignal }): void {
  const { log, bucket } = options;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let sent = options.start.cursor;
  if (options.start.kind === 'reset') res.write(`id: ${sent}\nevent: reset\ndata: ${JSON.stringify({ cursor: sent })}\n\n`);
  else res.write(': connected\n\n');
  let flushing = false;
  let again = false;
  const flush = () => {
    if (flushing) {
      again = true;
      return;
    }
    flushing = true;
    do {
      again = false;
      for (let page = log.changesAfter(bucket, sent, PAGE); page.length > 0; page = log.changesAfter(bucket, sent, PAGE)) {
        for (const change of page) res.write(changeEvent(change));
        sent = page[page.length - 1]?.cursor ?? sent;
      }
    } while (again);
    flushing = false;
  };
  const unsubscribe = log.onChange((changed) => {
    if (changed === bucket) flush();
  });
  flush();
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
  // A stream never finishes by itself, so a server shutting down ends it.
  const end = () => res.end();
  options.stop?.addEventListener('abort', end);
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    options.stop?.removeEventListener('abort', end);
  });
}
