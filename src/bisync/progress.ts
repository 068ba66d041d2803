import { fitToWidth } from './status-line.js';

/** What rclone's one-line stats say (`--stats-one-line`, the same on rclone 1.60 and 1.7x). */
export interface RcloneStats {
  doneBytes: string;
  totalBytes: string;
  percent: string | undefined;
  /** From `(xfr#3/10)`; rclone leaves it out once every file is done. */
  files: { done: number; total: number } | undefined;
}

// `INFO  :     4.127 MiB / 5.722 MiB, 72%, 2.119 MiB/s, ETA 0s (xfr#20/30)`
const STATS = /(?:INFO|NOTICE)\s*:\s+([\d.]+ ?[KMGTP]?i?B) \/ ([\d.]+ ?[KMGTP]?i?B), (\d+%|-), .*?(?:\(xfr#(\d+)\/(\d+)\))?\s*$/;

/** Pure: one rclone stderr line → its stats, or undefined for any other line. */
export function parseStatsLine(line: string): RcloneStats | undefined {
  const match = STATS.exec(line);
  if (!match) return undefined;
  const [, doneBytes = '', totalBytes = '', percent, filesDone, filesTotal] = match;
  return {
    doneBytes,
    totalBytes,
    percent: percent === '-' ? undefined : percent,
    files: filesDone && filesTotal ? { done: Number(filesDone), total: Number(filesTotal) } : undefined,
  };
}

/** How long a run may go without moving a byte before the line says what it waits for. */
export const QUIET_MS = 3_000;

export interface ProgressInput {
  stats: RcloneStats | undefined;
  elapsedMs: number;
  /** The storage rclone talks to (host and port), named when it keeps rclone waiting. */
  storage: string;
  baseline: boolean;
  columns: number | undefined;
}

/** Pure: what a running sync is at: its counts and bytes, the storage it waits for, or undefined (just started). */
export function progressDetail({ stats, elapsedMs, storage }: Pick<ProgressInput, 'stats' | 'elapsedMs' | 'storage'>): string | undefined {
  if (stats && !/^0(\.0+)? ?B$/.test(stats.totalBytes)) {
    const files = stats.files ? `${stats.files.done} of ${stats.files.total} files, ` : '';
    return `${files}${stats.doneBytes} of ${stats.totalBytes}${stats.percent ? ` (${stats.percent})` : ''}`;
  }
  return elapsedMs >= QUIET_MS ? `waiting for the cloud storage at ${storage} to answer` : undefined;
}

/** Pure: the progress line of a running sync: counts and bytes, or what it is waiting for. */
export function progressLine(input: ProgressInput): string {
  const verb = input.baseline ? 'First sync' : 'Syncing';
  const detail = progressDetail(input);
  const line = detail ? `${verb}: ${detail} · ${Math.floor(input.elapsedMs / 1000)} s` : `${verb}…`;
  return input.columns === undefined ? line : fitToWidth(line, input.columns);
}
