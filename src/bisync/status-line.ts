import stringWidth from 'string-width';
import { formatLocalTime } from '../core/time.js';

/** Where a watch is, as its status line tells it. */
export type WatchState =
  | { kind: 'starting' }
  /** `progress`: the run's counts and bytes, or what it waits for (`progressDetail`); undefined until known. */
  | { kind: 'syncing'; since: Date; progress?: string | undefined }
  | { kind: 'synced'; at: Date; headline: string }
  | { kind: 'failing'; since: Date; headline: string };

export interface StatusLineInput {
  state: WatchState;
  /** When the next run is due; left out once it is past (the line never shows a past time). */
  nextRunAt: Date | undefined;
  folder: string;
  now: Date;
  /** The terminal's width; undefined when not on a terminal (the line is then never shortened). */
  columns: number | undefined;
}

const SEPARATOR = ' · ';

/**
 * Pure: the watch's one status line. On a terminal it fits in `columns - 1` cells (a line that
 * reaches the last column makes some terminals wrap, and then `\r` cannot redraw it in place): the
 * folder goes first, then the next run's time, then the headline is cut with `…`.
 */
export function watchStatusLine({ state, nextRunAt, folder, now, columns }: StatusLineInput): string {
  const time = (moment: Date) => formatLocalTime(moment, now);
  const lead = leadOf(state, time);
  const upcoming = nextRunAt && nextRunAt.getTime() > now.getTime() && state.kind !== 'syncing'
    ? `${state.kind === 'failing' ? 'next try' : 'next cloud check'} ${time(nextRunAt)}`
    : undefined;
  const parts = [lead, upcoming, `watching ${folder} (Ctrl-C to stop)`].filter((part): part is string => part !== undefined);
  if (columns === undefined) return parts.join(SEPARATOR);
  for (let count = parts.length; count > 1; count -= 1) {
    const line = parts.slice(0, count).join(SEPARATOR);
    if (stringWidth(line) < columns) return line;
  }
  return fitToWidth(lead, columns);
}

function leadOf(state: WatchState, time: (moment: Date) => string): string {
  switch (state.kind) {
    case 'starting': return 'Starting the first sync…';
    case 'syncing': return state.progress ? `Syncing: ${state.progress} · since ${time(state.since)}` : `Syncing… (since ${time(state.since)})`;
    case 'synced': return `✓ ${time(state.at)} ${state.headline}`;
    case 'failing': return `✗ retrying since ${time(state.since)}: ${state.headline}`;
  }
}

/**
 * Pure: `text` in fewer cells than the terminal has (`columns - 1`: a line that reaches the last
 * column makes some terminals wrap), ending in `…` when cut.
 */
export function fitToWidth(text: string, columns: number): string {
  const room = Math.max(1, columns - 1);
  if (stringWidth(text) <= room) return text;
  let kept = '';
  for (const character of text) {
    if (stringWidth(`${kept}${character}…`) > room) break;
    kept += character;
  }
  return `${kept}…`;
}
