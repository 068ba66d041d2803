import type { AccessTokens } from '../auth/access-tokens.js';
import type { ContainerPool, SyncLayer } from '../container/container-pool.js';
import type { NoteEntry } from '../container/note-index.js';
import { isSafeKey, type TenantContainer } from '../container/tenant-container.js';
import { authorized, keysIn, type WebhookAuth } from '../container/tigris-webhook.js';
import { ApiError } from '../tenants/api-error.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { readJsonObject, type Route } from './http.js';
import { authenticate } from './tenant-routes.js';

/** How long `POST /sync` waits for the index to hold the new state before answering 202 instead. */
export const SYNC_WAIT_MS = 10_000;

function noteJson(entry: NoteEntry) {
  return { path: entry.path, size: entry.size, modified_at: entry.modifiedAt, title: entry.title ?? null };
}

function containerJson(container: TenantContainer, layers: ReadonlySet<SyncLayer>) {
  return { started_at: container.startedAt, startup_ms: container.startupMs, refreshed_at: container.refreshedAt(), titles_pending: container.titlesPending(), layers: [...layers] };
}

/** Pure: the note key in a `/tenant/notes/<key>` path, each segment URL-decoded; undefined when it is not a safe key. */
export function noteKeyOf(encoded: string): string | undefined {
  try {
    const key = encoded.split('/').map(decodeURIComponent).join('/');
    return isSafeKey(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Pure: which layer a `POST /sync` body speaks for: the CLI says `{"source": "cli"}` after a sync. */
export function syncLayerOf(body: Record<string, unknown>): SyncLayer {
  return body.source === 'cli' ? 'cli' : 'sync';
}

/** Pure: the note keys a `POST /sync` body names (`{"paths": [...]}`), [] for a full refresh, or why the body is wrong. */
export function syncPathsOf(body: Record<string, unknown>): string[] | string {
  if (body.paths === undefined) return [];
  if (!Array.isArray(body.paths) || !body.paths.every((item): item is string => typeof item === 'string' && isSafeKey(item))) {
    return 'paths must be a list of note paths (relative, no empty, "." or ".." parts).';
  }
  return body.paths;
}

/** Resolves with `true` when `work` finished within `ms`, `false` when it still runs (it goes on). */
async function within(ms: number, work: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    const finished = work.then(() => true as const);
    // A refresh that fails after the answer went out is logged by no one here; it must not crash the server.
    finished.catch(() => undefined);
    return await Promise.race([finished, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The tenant container's view (docs/API-CONTRACT.md, "Container view"): its notes, `POST /sync` as
 * SPEC-8's layers 1 and 3, and the Tigris webhook receiver as layer 2.
 */
export function containerRoutes(deps: { tokens: AccessTokens; tenants: TenantService; pool: ContainerPool; webhookAuth: WebhookAuth; log: (line: string) => void; syncWaitMs?: number }): Route[] {
  const { tokens, tenants, pool } = deps;
  const openFor = async (req: Parameters<typeof authenticate>[0]) => {
    const tenant = await authenticate(req, tokens, tenants);
    return pool.open(tenant.id, tenant.bucketName);
  };
  const webhook: Route[] = pool.layers.has('webhook')
    ? [
        {
          method: 'POST',
          path: /^\/webhooks\/tigris\/(?<tenant>[^/]+)$/,
          handle: async ({ req, params }) => {
            const header = req.headers.authorization;
            if (!authorized(header, deps.webhookAuth)) throw new ApiError(401, 'The webhook credentials do not match the ones configured for this server.');
            const tenant = tenants.requireActiveTenant(params.tenant ?? '');
            const keys = keysIn(await readJsonObject(req), tenant.bucketName);
            if (typeof keys === 'string') throw new ApiError(422, keys);
            const container = pool.running(tenant.id);
            // Answered at once, as Tigris wants; a container that is not running scans everything when it starts.
            if (container && keys.length > 0) {
              container.refreshKeys(keys).catch((error: unknown) => deps.log(`container ${tenant.id}: webhook refresh failed: ${(error as Error).message}`));
            }
            return { status: 200, json: { status: 'ok', keys: keys.length } };
          },
        },
      ]
    : [];
  return [
    ...webhook,
    {
      method: 'GET',
      path: '/tenant/notes',
      handle: async ({ req }) => {
        const container = await openFor(req);
        return { status: 200, json: { notes: container.notes().map(noteJson), container: containerJson(container, pool.layers) } };
      },
    },
    {
      method: 'GET',
      path: /^\/tenant\/notes\/(?<key>.+)$/,
      handle: async ({ req, params }) => {
        const container = await openFor(req);
        const key = noteKeyOf(params.key ?? '');
        if (key === undefined) throw new ApiError(422, 'A note path is relative, with no empty, "." or ".." parts.');
        const note = await container.note(key);
        if (!note) throw new ApiError(404, `The container sees no note ${key}.`);
        return { status: 200, json: { ...noteJson(note.entry), content: note.content } };
      },
    },
    {
      method: 'POST',
      path: '/sync',
      handle: async ({ req }) => {
        const tenant = await authenticate(req, tokens, tenants);
        const body = await readJsonObject(req);
        const layer = syncLayerOf(body);
        const paths = syncPathsOf(body);
        if (typeof paths === 'string') throw new ApiError(422, paths);
        if (!pool.layers.has(layer)) {
          deps.log(`sync requested by tenant ${tenant.id} (${layer}): that layer is off`);
          return { status: 202, json: { status: 'accepted', refreshed: false } };
        }
        const container = await pool.open(tenant.id, tenant.bucketName);
        const refresh = paths.length > 0 ? container.refreshKeys(paths) : container.refreshAll();
        const done = await within(deps.syncWaitMs ?? SYNC_WAIT_MS, refresh);
        if (!done) return { status: 202, json: { status: 'accepted', refreshed: false } };
        return { status: 200, json: { status: 'refreshed', refreshed: true, notes: container.notes().length, refreshed_at: container.refreshedAt() } };
      },
    },
  ];
}
