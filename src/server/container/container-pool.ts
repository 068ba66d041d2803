import { startTenantContainer, type ContainerSettings, type TenantContainer } from './tenant-container.js';

/** SPEC-8's four ways a change reaches the container, each switchable on its own. */
export const SYNC_LAYERS = ['sync', 'webhook', 'cli', 'periodic'] as const;
export type SyncLayer = (typeof SYNC_LAYERS)[number];

/** Pure: `--container-layers` (`all`, `none`, or a comma list) → the set of layers on, or why not. */
export function parseLayers(text: string): Set<SyncLayer> | string {
  const trimmed = text.trim();
  if (trimmed === 'all') return new Set(SYNC_LAYERS);
  if (trimmed === 'none') return new Set();
  const names = trimmed.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SYNC_LAYERS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) return `unknown layer ${unknown.map((name) => `"${name}"`).join(', ')}; use all, none, or a comma list of ${SYNC_LAYERS.join(', ')}.`;
  return new Set(names as SyncLayer[]);
}

export const DEFAULT_IDLE_MS = 10 * 60_000;
export const PERIODIC_REFRESH_MS = 30_000;

export interface PoolOptions {
  settings: ContainerSettings;
  layers: ReadonlySet<SyncLayer>;
  idleMs?: number;
  periodicMs?: number;
}

/** The tenant containers a server runs: started on a tenant's first request, stopped when idle or on close. */
export interface ContainerPool {
  layers: ReadonlySet<SyncLayer>;
  /** The running container of a tenant, started when there is none; counts as use. */
  open(tenantId: string, bucketName: string): Promise<TenantContainer>;
  /** The running container, if any, without starting one or counting as use. */
  running(tenantId: string): TenantContainer | undefined;
  close(): Promise<void>;
}

export function createContainerPool(options: PoolOptions): ContainerPool {
  const { settings, layers } = options;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const starting = new Map<string, Promise<TenantContainer>>();
  const containers = new Map<string, { container: TenantContainer; lastUsed: number }>();
  let closed = false;

  const stopOne = async (tenantId: string, why: string) => {
    const entry = containers.get(tenantId);
    if (!entry) return;
    containers.delete(tenantId);
    await entry.container.stop().catch((error: unknown) => settings.log(`container ${tenantId}: stop failed: ${(error as Error).message}`));
    settings.log(`container ${tenantId} stopped (${why})`);
  };
  const idleTimer = setInterval(() => {
    const now = Date.now();
    for (const [tenantId, entry] of containers) if (now - entry.lastUsed >= idleMs) void stopOne(tenantId, 'idle');
  }, Math.max(1_000, Math.min(idleMs / 2, 60_000))).unref();
  const periodicTimer = layers.has('periodic')
    ? setInterval(() => {
        for (const [tenantId, entry] of containers) {
          entry.container.refreshAll().catch((error: unknown) => settings.log(`container ${tenantId}: periodic refresh failed: ${(error as Error).message}`));
        }
      }, options.periodicMs ?? PERIODIC_REFRESH_MS).unref()
    : undefined;

  return {
    layers,
    open(tenantId, bucketName) {
      if (closed) return Promise.reject(new Error('The server is stopping.'));
      const entry = containers.get(tenantId);
      if (entry) {
        entry.lastUsed = Date.now();
        return Promise.resolve(entry.container);
      }
      let pending = starting.get(tenantId);
      if (!pending) {
        pending = startTenantContainer(settings, tenantId, bucketName)
          .then(async (container) => {
            if (closed) {
              await container.stop();
              throw new Error('The server is stopping.');
            }
            containers.set(tenantId, { container, lastUsed: Date.now() });
            settings.log(`container ${tenantId} started in ${container.startupMs} ms (${container.notes().length} notes)`);
            return container;
          })
          .finally(() => starting.delete(tenantId));
        starting.set(tenantId, pending);
      }
      return pending;
    },
    running: (tenantId) => containers.get(tenantId)?.container,
    async close() {
      closed = true;
      clearInterval(idleTimer);
      if (periodicTimer) clearInterval(periodicTimer);
      await Promise.allSettled([...starting.values()]);
      await Promise.all([...containers.keys()].map((tenantId) => stopOne(tenantId, 'server stopping')));
    },
  };
}
