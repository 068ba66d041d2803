import http from 'node:http';

/**
 * rclone's remote control API of one mount, on loopback with basic auth. Plain node:http rather than
 * fetch/undici: loading undici alone costs ~50 ms of `mount-status`'s 300 ms budget, and a loopback
 * POST needs none of its features.
 */
export interface RcEndpoint {
  rcAddr: string;
  rcUser: string;
  rcPass: string;
}

export type RcReply<T> = { ok: true; value: T } | { ok: false; error: string };

/** How the CLI talks to a mount's rc API; passed in where tests answer for rclone. */
export type RcCall = <T>(endpoint: RcEndpoint, method: string, params?: object, timeoutMs?: number) => Promise<RcReply<T>>;

export function rcCall<T>(endpoint: RcEndpoint, method: string, params: object = {}, timeoutMs = 2_000): Promise<RcReply<T>> {
  const body = JSON.stringify(params);
  const [host, port] = endpoint.rcAddr.split(':');
  return new Promise((resolve) => {
    const request = http.request(
      {
        host,
        port: Number(port),
        path: `/${method}`,
        method: 'POST',
        auth: `${endpoint.rcUser}:${endpoint.rcPass}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) return resolve({ ok: false, error: `${method}: HTTP ${response.statusCode} ${text.slice(0, 200)}` });
          try {
            resolve({ ok: true, value: JSON.parse(text) as T });
          } catch {
            resolve({ ok: false, error: `${method}: not JSON` });
          }
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ ok: false, error: `${method}: ${error.message}` }));
    request.end(body);
  });
}

/** The parts of `vfs/stats` (1.58+) we read. */
export interface VfsStats {
  diskCache?: { uploadsInProgress?: number; uploadsQueued?: number; erroredFiles?: number };
}

/** The parts of `core/stats` we read. */
export interface CoreStats {
  errors?: number;
  lastError?: string;
}

/** `vfs/queue` (1.68+): the files waiting to upload. */
export interface VfsQueue {
  queue?: { name: string; uploading?: boolean; tries?: number }[];
}

export interface UploadReport {
  queued: number;
  inProgress: number;
  /** Files rclone failed to upload and keeps retrying. */
  erroredFiles: number;
  errors: number;
  lastError: string | null;
  /** Names waiting to upload, when rclone can list them (1.68+). */
  pending: string[] | null;
}

/** Pure: one upload summary from whatever the installed rclone answered. */
export function summarizeUploads(vfs: VfsStats, core: CoreStats | undefined, queue: VfsQueue | undefined): UploadReport {
  return {
    queued: vfs.diskCache?.uploadsQueued ?? 0,
    inProgress: vfs.diskCache?.uploadsInProgress ?? 0,
    erroredFiles: vfs.diskCache?.erroredFiles ?? 0,
    errors: core?.errors ?? 0,
    lastError: core?.lastError ? core.lastError : null,
    pending: queue?.queue ? queue.queue.map((item) => item.name) : null,
  };
}

/** Asks a running mount for its uploads; undefined when its rc API does not answer. */
export async function readUploads(endpoint: RcEndpoint, withQueue: boolean, call: RcCall = rcCall): Promise<UploadReport | undefined> {
  const [vfs, core, queue] = await Promise.all([
    call<VfsStats>(endpoint, 'vfs/stats'),
    call<CoreStats>(endpoint, 'core/stats'),
    withQueue ? call<VfsQueue>(endpoint, 'vfs/queue') : Promise.resolve(undefined),
  ]);
  if (!vfs.ok) return undefined;
  return summarizeUploads(vfs.value, core.ok ? core.value : undefined, queue?.ok ? queue.value : undefined);
}
