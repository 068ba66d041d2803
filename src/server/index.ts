import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { platformNameOf } from '../mount/args.js';
import { platformFor } from '../mount/platform.js';
import type { ChangeLog } from './api/change-feed.js';
import { containerRoutes } from './api/container-routes.js';
import { createContainerPool, type ContainerPool, type SyncLayer } from './container/container-pool.js';
import type { ContainerStorage } from './container/tenant-container.js';
import type { WebhookAuth } from './container/tigris-webhook.js';
import { deliverNotifications } from './container/webhook-delivery.js';
import { deviceRoutes } from './api/device-routes.js';
import { createRouter } from './api/http.js';
import { oauthRoutes } from './api/oauth-routes.js';
import { tenantRoutes } from './api/tenant-routes.js';
import type { DeviceFlowSettings } from './auth/device-flow.js';
import { guessLimiter } from './auth/guess-limiter.js';
import { closeServer, listen, urlOf } from './net.js';
import { openServices } from './services.js';
import { localProvider } from './storage/local-provider.js';
import type { StorageProvider } from './storage/provider.js';
import { tigrisProviderFromEnv } from './storage/tigris-provider.js';
import { startEmbeddedStore } from './store/embedded-store.js';
import type { DeletionRetryPolicy } from './tenants/credential-lifecycle.js';
import { lastUsedRecorder } from './tenants/last-used.js';
import { tenantIdOfBucket } from './tenants/tenant-service.js';

/** The tenant containers' view (SPEC-8's TigrisFS stand-in) and which sync layers reach it. */
export interface ContainerOptions {
  layers: ReadonlySet<SyncLayer>;
  /** The rclone the containers mount with (default `rclone` on PATH). */
  rcloneBinary?: string;
  /** A container unused this long is stopped (default 10 min). */
  idleMs?: number;
  /** Layer 4's period (default 30 s). */
  periodicMs?: number;
  /** How Tigris (or the embedded store) authenticates to the webhook; a random token when unset. */
  webhookAuth?: WebhookAuth;
}

export type StorageMode = 'local' | 'tigris';

export interface ServerOptions {
  host?: string;
  port?: number;
  s3Port?: number;
  dataDir: string;
  storage?: StorageMode;
  log?: (line: string) => void;
  /** Seconds a device-flow client must wait between polls (RFC 8628 `interval`). */
  deviceInterval?: number;
  /** Live credentials one tenant may hold (default 100). */
  maxCredentials?: number;
  /** Replaces the storage provider (tests inject a failing one); the embedded store still runs for `local`. */
  provider?: StorageProvider;
  /** Days without use after which the orphaning job revokes a credential (default 90). */
  orphanAfterDays?: number;
  /** How failed provider deletions are retried (tests shorten it). */
  deletionRetry?: DeletionRetryPolicy;
  /** How long the store's change log keeps entries (default 7 days). */
  changeRetentionMs?: number;
  /** Serve `GET /tenant/events` (default true); false answers 404 there, as a cloud without the feed does. */
  changeFeed?: boolean;
  /** Heartbeat period of `GET /tenant/events` (default 15 s). */
  feedHeartbeatMs?: number;
  /** How often the orphaning job and the deletion retries run (default a minute). */
  credentialJobIntervalMs?: number;
  /** Runs each tenant's container view (off when unset). */
  container?: ContainerOptions;
}

export interface MintedToken {
  token: string;
  tenantId: string;
  bucketName: string;
}

export interface RunningServer {
  apiUrl: string;
  s3Url: string;
  dataDir: string;
  /** `tenant` is an id (created when unknown) or `new`. */
  mintToken(tenant: string, ttlSeconds?: number): Promise<MintedToken>;
  setTenantStatus(tenantId: string, status: 'active' | 'inactive'): void;
  close(): Promise<void>;
}

export const DEFAULT_API_PORT = 8765;
export const DEFAULT_S3_PORT = 8766;
export const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** Wrong user codes or passwords in a row from one address before it must wait; also device logins one address may start in a row. */
export const GUESS_LIMIT = 20;
const GUESS_WINDOW_MS = 15 * 60_000;
const PURGE_INTERVAL_MS = 60_000;

/** Starts the tenant API and (for `local`) the embedded S3 store; resolves once both listen. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const log = options.log ?? (() => undefined);
  const cleanups: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let provider: StorageProvider;
    let s3Url: string;
    // The store starts before the database it reports key use to; the recorder is plugged in once that is open.
    const keyUsage: { record?: (accessKey: string) => void } = {};
    // Revoked credentials whose key the provider has not deleted yet (its deletion is retried): the
    // gate refuses them all the same. Until the database is read, every key is refused.
    const withdrawn: { keys?: Set<string> } = {};
    let changes: ChangeLog | undefined;
    let containerStorage: ContainerStorage;
    if ((options.storage ?? 'local') === 'local') {
      const store = await startEmbeddedStore({
        dataDir: options.dataDir,
        host,
        port: options.s3Port ?? DEFAULT_S3_PORT,
        onKeyUsed: (accessKey) => keyUsage.record?.(accessKey),
        isKeyWithdrawn: (accessKey) => withdrawn.keys?.has(accessKey) ?? true,
        log,
        ...(options.changeRetentionMs === undefined ? {} : { changeRetentionMs: options.changeRetentionMs }),
      });
      changes = store.changes;
      cleanups.push(() => store.close());
      s3Url = store.url;
      provider = options.provider ?? localProvider({ keys: store.keys, buckets: store.buckets, endpointUrl: store.url });
      // The container's key is the provider's own, as SPEC-8's container mounts with the admin key: never a tenant's credential.
      containerStorage = {
        endpointUrl: store.url,
        region: provider.region,
        keyFor: (bucketName) => {
          const key = store.keys.create(bucketName);
          return Promise.resolve({ accessKey: key.accessKey, secretKey: key.secretKey, release: () => Promise.resolve(store.keys.revoke(key.accessKey)) });
        },
      };
    } else {
      provider = options.provider ?? tigrisProviderFromEnv(process.env);
      cleanups.push(() => provider.close());
      s3Url = provider.endpointUrl;
      containerStorage = {
        endpointUrl: provider.endpointUrl,
        region: provider.region,
        keyFor: () => Promise.resolve({ accessKey: process.env.AWS_ACCESS_KEY_ID ?? '', secretKey: process.env.AWS_SECRET_ACCESS_KEY ?? '', release: () => Promise.resolve() }),
      };
    }
    const services = await openServices({
      dataDir: options.dataDir,
      provider,
      log,
      deviceFlow: deviceFlowSettings(options),
      ...(options.maxCredentials === undefined ? {} : { maxCredentials: options.maxCredentials }),
      ...(options.orphanAfterDays === undefined ? {} : { orphanAfterDays: options.orphanAfterDays }),
      ...(options.deletionRetry === undefined ? {} : { deletionRetry: options.deletionRetry }),
      onCredentialRevoked: (accessKey) => withdrawn.keys?.add(accessKey),
    });
    cleanups.push(() => services.close());
    withdrawn.keys = new Set(services.credentials.listRevokedUndeleted());
    keyUsage.record = lastUsedRecorder(services.credentials);
    const purge = () => {
      const purged = services.purgeExpired();
      if (purged > 0) log(`purged ${purged} expired device codes, tokens and sessions`);
    };
    purge();
    const purgeTimer = setInterval(purge, PURGE_INTERVAL_MS).unref();
    cleanups.push(() => clearInterval(purgeTimer));
    const credentialJobs = runSerially(async () => {
      const orphaned = await services.lifecycle.orphanUnused();
      if (orphaned > 0) log(`revoked ${orphaned} orphaned credentials`);
      await services.lifecycle.retryDeletions();
    }, log);
    await credentialJobs();
    const credentialTimer = setInterval(() => void credentialJobs(), options.credentialJobIntervalMs ?? PURGE_INTERVAL_MS).unref();
    // Stopped before the database closes (cleanups run in reverse), and after any run in progress.
    cleanups.push(async () => {
      clearInterval(credentialTimer);
      await credentialJobs.idle();
    });

    const stopFeeds = new AbortController();
    let apiUrl = '';
    const issuerUrl = () => apiUrl;
    const limiter = () => guessLimiter({ limit: GUESS_LIMIT, windowMs: GUESS_WINDOW_MS });
    const webhookAuth: WebhookAuth = options.container?.webhookAuth ?? { kind: 'token', token: randomBytes(24).toString('base64url') };
    let pool: ContainerPool | undefined;
    if (options.container) {
      const platformName = platformNameOf(process.platform);
      if (!platformName) throw new Error(`The container view cannot mount on ${process.platform}.`);
      pool = createContainerPool({
        settings: {
          dir: path.join(options.dataDir, 'containers'),
          rcloneBinary: options.container.rcloneBinary ?? 'rclone',
          platform: platformFor(platformName, process.env),
          storage: containerStorage,
          env: process.env,
          log,
        },
        layers: options.container.layers,
        ...(options.container.idleMs === undefined ? {} : { idleMs: options.container.idleMs }),
        ...(options.container.periodicMs === undefined ? {} : { periodicMs: options.container.periodicMs }),
      });
    }
    const router = createRouter(
      [
        // Before tenantRoutes: with containers, POST /sync refreshes one instead of only being logged.
        ...(pool ? containerRoutes({ tokens: services.tokens, tenants: services.tenants, pool, webhookAuth, log }) : []),
        ...tenantRoutes({
          tokens: services.tokens,
          tenants: services.tenants,
          log,
          ...(changes && options.changeFeed !== false ? { changes } : {}),
          stopFeeds: stopFeeds.signal,
          ...(options.feedHeartbeatMs === undefined ? {} : { heartbeatMs: options.feedHeartbeatMs }),
        }),
        ...oauthRoutes({ deviceFlow: services.deviceFlow, publicJwk: services.signingKey.publicJwk, issuerUrl, deviceCodeStarts: limiter(), retryAfterSeconds: GUESS_WINDOW_MS / 1000 }),
        ...deviceRoutes({ deviceFlow: services.deviceFlow, accounts: services.accounts, codeGuesses: limiter(), passwordGuesses: limiter(), issuerUrl, log }),
      ],
      log,
    );
    const api = http.createServer(router);
    await listen(api, options.port ?? DEFAULT_API_PORT, host);
    cleanups.push(() => closeServer(api));
    // Runs before the API closes (cleanups run in reverse): open event streams would hold it open.
    cleanups.push(() => stopFeeds.abort());
    apiUrl = urlOf(api, host);
    if (pool) {
      const running = pool;
      // Runs before the API and the store close: every mount the server started is unmounted.
      cleanups.push(() => running.close());
      if (changes && running.layers.has('webhook')) {
        // The embedded store plays Tigris: its own writes go out as object notifications to this server's receiver.
        const stopDelivery = deliverNotifications({
          changes,
          urlFor: (bucket) => {
            const tenantId = tenantIdOfBucket(bucket);
            return tenantId === undefined ? undefined : `${apiUrl}/webhooks/tigris/${tenantId}`;
          },
          auth: webhookAuth,
          log,
        });
        cleanups.push(stopDelivery);
      }
    }

    return {
      apiUrl,
      s3Url,
      dataDir: options.dataDir,
      async mintToken(tenant, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS) {
        const record = await services.tenants.ensureTenant(tenant);
        return { token: await services.tokens.mint(record.id, ttlSeconds), tenantId: record.id, bucketName: record.bucketName };
      },
      setTenantStatus: (tenantId, status) => services.tenants.setStatus(tenantId, status),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A job that never overlaps itself: a tick while it runs is skipped; failures are logged, not thrown. */
function runSerially(job: () => Promise<void>, log: (line: string) => void): (() => Promise<void>) & { idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= job()
      .catch((error: unknown) => log(`credential job failed: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return Object.assign(run, { idle: () => running ?? Promise.resolve() });
}

function deviceFlowSettings(options: ServerOptions): Partial<DeviceFlowSettings> {
  return options.deviceInterval === undefined ? {} : { intervalSeconds: options.deviceInterval };
}
