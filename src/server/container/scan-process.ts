import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { refreshKeys, scanNotes, type NoteEntry, type NoteIndex } from './note-index.js';

/** What a scan is asked: the whole mount, or just `keys`, given the index it starts from; `titles: false` reads no note. */
export interface ScanRequest {
  root: string;
  keys?: string[];
  previous: NoteEntry[];
  titles?: boolean;
}

type ScanReply = { ok: true; entries: NoteEntry[] } | { ok: false; error: string };

/** Files the scanning process reads at once, and the libuv pool it gets for them. */
const SCAN_CONCURRENCY = 16;
const SCAN_TIMEOUT_MS = 120_000;

/**
 * This module as the built file a child can run: under the test runner the server is loaded from
 * src/*.ts, which node cannot run, so the child is the compiled twin in dist/ (`npm run build`).
 */
function scanEntryFile(): string {
  const file = fileURLToPath(import.meta.url);
  return file.endsWith('.ts') ? file.replace(/([\\/])src([\\/])server([\\/])/, '$1dist$2server$3').replace(/\.ts$/, '.js') : file;
}

/**
 * Scans a container mount in a child process of its own, as the container's app does its own file
 * sync. Thousands of file operations into the mount would otherwise hold the server's libuv pool,
 * which the embedded store needs to answer rclone for those very operations.
 */
export function scanInChild(request: ScanRequest): Promise<NoteIndex> {
  return new Promise((resolve, reject) => {
    const child = fork(scanEntryFile(), [], {
      execArgv: [],
      env: { ...process.env, UV_THREADPOOL_SIZE: String(SCAN_CONCURRENCY) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      timeout: SCAN_TIMEOUT_MS,
    });
    let settled = false;
    child.once('message', (reply: ScanReply) => {
      settled = true;
      if (reply.ok) resolve(new Map(reply.entries.map((entry) => [entry.path, entry])));
      else reject(new Error(reply.error));
    });
    child.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`the scanning process ended (${signal ?? `exit ${code}`}) without an answer`));
      settled = true;
    });
    child.send(request);
  });
}

async function answer(request: ScanRequest): Promise<ScanReply> {
  try {
    const previous: NoteIndex = new Map(request.previous.map((entry) => [entry.path, entry]));
    if (!request.keys) return { ok: true, entries: [...(await scanNotes(request.root, previous, SCAN_CONCURRENCY, request.titles ?? true)).values()] };
    await refreshKeys(request.root, request.keys, previous, SCAN_CONCURRENCY);
    return { ok: true, entries: [...previous.values()] };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

// Run as the child: one request, one answer, then exit.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (request: ScanRequest) => {
    void answer(request).then((reply) => process.send?.(reply, () => process.disconnect()));
  });
}
