import fs from 'node:fs/promises';
import path from 'node:path';
import { statePaths } from '../../core/paths.js';
import { isReservedKey } from '../../core/reserved-names.js';
import { buildMountArgs } from '../../mount/args.js';
import type { MountPlatform } from '../../mount/platform.js';
import type { MountProfile } from '../../mount/profiles.js';
import { rcCall, type RcEndpoint } from '../../mount/rc.js';
import { cleanUpLeftovers, freePort, prepareMountPoint, realSupervisorDeps, startMount, stopMount, type SupervisorDeps } from '../../mount/supervisor.js';
import { createRclone } from '../../rclone/runner.js';
import { firstHeading, onMount, parseSavedIndex, refreshKeys as refreshIndexKeys, savedIndexText, type NoteEntry, type NoteIndex } from './note-index.js';
import { scanInChild } from './scan-process.js';

/** The S3 key the container mounts the bucket with, and how to give it back when the container stops. */
export interface ContainerKey {
  accessKey: string;
  secretKey: string;
  release(): Promise<void>;
}

/** Where the store is and how the container gets its key (the provider's, never a tenant's). */
export interface ContainerStorage {
  endpointUrl: string;
  region: string;
  keyFor(bucketName: string): Promise<ContainerKey>;
}

export interface ContainerSettings {
  /** `<data-dir>/containers`: rclone configs, mount points, state and logs. */
  dir: string;
  rcloneBinary: string;
  platform: MountPlatform;
  storage: ContainerStorage;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/**
 * TigrisFS's 30 s stat cache, played by rclone's directory cache: a change made elsewhere shows in
 * the container after up to 30 s unless something refreshes it.
 */
export const CONTAINER_PROFILE: MountProfile = {
  name: 'balanced',
  description: 'the tenant container: TigrisFS with TIGRISFS_STAT_CACHE_TTL=30s',
  dirCacheTime: '30s',
  attrTimeout: '1s',
  vfsCachePollInterval: '30s',
  vfsWriteBack: '5s',
};

/**
 * What TigrisFS does by default and `cloud mount` does not: a file's time is its object's
 * Last-Modified from the listing (TigrisFS keeps a file's own mtime only with --enable-mtime). rclone
 * otherwise reads each object's mtime metadata with a HEAD request: one per note on every rescan.
 */
export const TIGRISFS_DEFAULTS = ['--use-server-modtime'];

/** How long one rclone rc refresh may take before the caller is told it did not finish. */
const RC_REFRESH_TIMEOUT_MS = 30_000;

export interface TenantContainer {
  tenantId: string;
  startedAt: string;
  /** From the start request to the mount verified and the first index ready. */
  startupMs: number;
  refreshedAt(): string;
  notes(): NoteEntry[];
  /** Notes listed whose first heading is not read yet: start-up lists first and reads titles after. */
  titlesPending(): number;
  /** One note and its text as the mounted folder shows them; undefined when the index has no such note. */
  note(key: string): Promise<{ entry: NoteEntry; content: string } | undefined>;
  /** `vfs/refresh` of the whole mount, then a full rescan (layers 1, 3 and 4). */
  refreshAll(): Promise<void>;
  /** Re-reads just the named keys' folders and entries (layer 2). */
  refreshKeys(keys: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

function remoteNameFor(tenantId: string): string {
  return `container-${tenantId}`;
}

/** Pure: the rclone config of one container's remote (the key lives in this 0600 file, not on a command line). */
export function containerRcloneConfig(remoteName: string, storage: Pick<ContainerStorage, 'endpointUrl' | 'region'>, key: Pick<ContainerKey, 'accessKey' | 'secretKey'>): string {
  return [
    `[${remoteName}]`,
    'type = s3',
    'provider = Other',
    // The bucket exists: the provider made it with the tenant.
    'no_check_bucket = true',
    `access_key_id = ${key.accessKey}`,
    `secret_access_key = ${key.secretKey}`,
    `endpoint = ${storage.endpointUrl}`,
    `region = ${storage.region}`,
    '',
  ].join('\n');
}

/** Pure: the folders whose listings hold `keys` (`''` for the bucket's root), each once. */
export function foldersOf(keys: readonly string[]): string[] {
  return [...new Set(keys.map((key) => path.posix.dirname(key)).map((folder) => (folder === '.' ? '' : folder)))];
}

/** Pure: `vfs/forget`'s parameters for these keys (`file`, `file2`, `file3`, …). */
export function forgetParams(keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key, index) => [index === 0 ? 'file' : `file${index + 1}`, key]));
}

/** Pure: a note key a request may name: relative, no `..`, no empty parts. */
export function isSafeKey(key: string): boolean {
  const parts = key.split('/');
  return key.length > 0 && key.length <= 1024 && !key.includes('\0') && parts.every((part) => part !== '' && part !== '.' && part !== '..');
}

/** `vfs/refresh`'s answer: each folder asked for, with "OK" or why not. */
interface RefreshReply {
  result?: Record<string, string>;
}

/** Pure: whether rclone refreshed `folder` (`''`: the root). */
export function refreshedFolder(reply: RefreshReply, folder: string): boolean {
  return reply.result?.[folder] === 'OK';
}

/** Runs jobs one after another: index scans and refreshes never interleave. */
function serial(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (job) => {
    const result = tail.then(job);
    tail = result.catch(() => undefined);
    return result;
  };
}

/**
 * Mounts a tenant's bucket as its container does (rclone through the CLI's mount supervisor), then
 * indexes what the mounted folder shows. Resolves once both are ready.
 */
export async function startTenantContainer(settings: ContainerSettings, tenantId: string, bucketName: string): Promise<TenantContainer> {
  const began = Date.now();
  const tenantDir = path.join(settings.dir, tenantId);
  await fs.mkdir(tenantDir, { recursive: true, mode: 0o700 });
  const remoteName = remoteNameFor(tenantId);
  const mountPoint = path.join(tenantDir, 'mnt');
  const configFile = path.join(tenantDir, 'rclone.conf');
  const key = await settings.storage.keyFor(bucketName);
  const rclone = createRclone({ binary: settings.rcloneBinary, env: { ...settings.env, RCLONE_CONFIG: configFile } });
  const deps: SupervisorDeps = realSupervisorDeps(settings.platform, rclone, statePaths(settings.dir), (line) => settings.log(`container ${tenantId}: ${line}`));
  try {
    await fs.writeFile(configFile, containerRcloneConfig(remoteName, settings.storage, key), { mode: 0o600 });
    const version = await rclone.version();
    if (!version) throw new Error(`rclone (${settings.rcloneBinary}) did not answer \`rclone version\`.`);
    const rcAddr = `127.0.0.1:${await freePort()}`;
    const built = buildMountArgs(settings.platform.name, version, CONTAINER_PROFILE, { remotePath: `${remoteName}:${bucketName}`, mountPoint, cacheDir: path.join(tenantDir, 'cache'), rcAddr });
    if (built.kind === 'unsupported') throw new Error(built.message);
    await cleanUpLeftovers(deps, tenantId, remoteName, mountPoint);
    await prepareMountPoint(settings.platform.name, mountPoint);
    const state = await startMount(deps, { tenantId, remoteName, remotePath: `${remoteName}:${bucketName}`, mountPoint, profile: 'container', rcloneVersion: version.raw, rcAddr, args: [...built.args, ...TIGRISFS_DEFAULTS] });
    // Ready once listed (names, sizes, times: no note read); each title is one GET through the mount, read
    // after, except those the last run saved for a note of the same size and time.
    const indexFile = path.join(tenantDir, INDEX_FILE);
    const saved = parseSavedIndex(await fs.readFile(indexFile, 'utf8').catch(() => '[]'));
    let index: NoteIndex = await scanInChild({ root: mountPoint, previous: saved, titles: false });
    const container = containerOver({ tenantId, mountPoint, indexFile, endpoint: state, began, deps, remoteName, key, index: () => index, replace: (next) => (index = next) });
    container.readPendingTitles().catch((error: unknown) => settings.log(`container ${tenantId}: reading titles failed: ${(error as Error).message}`));
    return container;
  } catch (error) {
    await stopMount(deps, tenantId, remoteName, mountPoint, true).catch(() => undefined);
    await key.release();
    throw error;
  }
}

/**
 * Named refreshes this small run in the server process: starting the scanning process costs more
 * than their few file operations (a listing, a stat and a read per key).
 */
const IN_PROCESS_KEYS = 16;

/** `<data-dir>/containers/<tenant>/index.json`: the titles read, kept for the container's next start. */
const INDEX_FILE = 'index.json';

/** Titles read in one turn of the container's queue: a refresh waits for one batch at most. */
const TITLE_BATCH = 500;

/** Pure: up to `limit` keys of notes whose title is not read yet. */
export function pendingTitles(notes: Iterable<NoteEntry>, limit: number): string[] {
  const keys: string[] = [];
  for (const note of notes) {
    if (keys.length >= limit) break;
    if (note.title === undefined) keys.push(note.path);
  }
  return keys;
}

function containerOver(parts: {
  tenantId: string;
  mountPoint: string;
  indexFile: string;
  endpoint: RcEndpoint;
  began: number;
  deps: SupervisorDeps;
  remoteName: string;
  key: ContainerKey;
  index: () => NoteIndex;
  replace: (next: NoteIndex) => void;
}): TenantContainer & { readPendingTitles(): Promise<void> } {
  const { mountPoint, endpoint } = parts;
  const inTurn = serial();
  let stopped = false;
  // Written whole then renamed: a server killed mid-write leaves the previous index, not half of one. A
  // failed write costs the next start its saved titles only, so it never stops an unmount.
  const saveIndex = async () => {
    await fs.writeFile(`${parts.indexFile}.tmp`, savedIndexText(parts.index()), { mode: 0o600 });
    await fs.rename(`${parts.indexFile}.tmp`, parts.indexFile);
  };
  const startedAt = new Date().toISOString();
  let refreshedAt = startedAt;
  const refreshFolder = async (folder: string) => {
    // A folder the mount has never listed cannot be refreshed by name: refresh its parent instead.
    for (let current = folder; ; current = path.posix.dirname(current) === '.' ? '' : path.posix.dirname(current)) {
      // Recursive even for one folder: a plain `vfs/refresh` leaves a listing younger than --dir-cache-time as it is.
      const reply = await rcCall<RefreshReply>(endpoint, 'vfs/refresh', current === '' ? { recursive: 'true' } : { dir: current, recursive: 'true' }, RC_REFRESH_TIMEOUT_MS);
      // rclone answers 200 with the error as the folder's result (`"dir": "file does not exist"`).
      if ((reply.ok && refreshedFolder(reply.value, current)) || current === '') return reply;
    }
  };
  return {
    tenantId: parts.tenantId,
    startedAt,
    startupMs: Date.now() - parts.began,
    refreshedAt: () => refreshedAt,
    notes: () => [...parts.index().values()].sort((a, b) => a.path.localeCompare(b.path)),
    titlesPending: () => pendingTitles(parts.index().values(), Infinity).length,
    async readPendingTitles() {
      for (let keys = pendingTitles(parts.index().values(), TITLE_BATCH); keys.length > 0 && !stopped; keys = pendingTitles(parts.index().values(), TITLE_BATCH)) {
        const batch = keys;
        await inTurn(async () => {
          if (!stopped) parts.replace(await scanInChild({ root: mountPoint, keys: batch, previous: [...parts.index().values()] }));
        });
      }
      // Saved as soon as every title is read, so a server that dies without stopping its container keeps them.
      await inTurn(async () => {
        if (!stopped) await saveIndex();
      });
    },
    async note(key) {
      const entry = parts.index().get(key);
      if (!entry) return undefined;
      const content = await onMount(() => fs.readFile(path.join(mountPoint, ...key.split('/')), 'utf8')).catch(() => undefined);
      if (content === undefined) return undefined;
      return { entry: entry.title === undefined ? { ...entry, title: firstHeading(content) } : entry, content };
    },
    refreshAll: () =>
      inTurn(async () => {
        const reply = await rcCall(endpoint, 'vfs/refresh', { recursive: 'true' }, RC_REFRESH_TIMEOUT_MS);
        if (!reply.ok) throw new Error(`rclone could not refresh the container's mount: ${reply.error}`);
        parts.replace(await scanInChild({ root: mountPoint, previous: [...parts.index().values()] }));
        refreshedAt = new Date().toISOString();
      }),
    refreshKeys: (named) =>
      inTurn(async () => {
        // Another machine's run backups change the bucket but are no notes: nothing to refresh for them.
        const keys = named.filter((key) => !isReservedKey(key));
        if (keys.length === 0) return;
        // Forgotten first: a recursive refresh adds what the listing has but may keep a node the bucket no longer holds.
        const forgotten = await rcCall(endpoint, 'vfs/forget', forgetParams(keys), RC_REFRESH_TIMEOUT_MS);
        if (!forgotten.ok) throw new Error(`rclone could not forget the changed notes: ${forgotten.error}`);
        for (const folder of foldersOf(keys)) {
          const reply = await refreshFolder(folder);
          if (!reply.ok) throw new Error(`rclone could not refresh ${folder || 'the root'}: ${reply.error}`);
        }
        if (keys.length > IN_PROCESS_KEYS) {
          parts.replace(await scanInChild({ root: mountPoint, keys: [...keys], previous: [...parts.index().values()] }));
        } else {
          const next = new Map(parts.index());
          // One file operation at a time, as one of the mount's slots: the store keeps the rest of the pool.
          await onMount(() => refreshIndexKeys(mountPoint, keys, next, 1));
          parts.replace(next);
        }
        refreshedAt = new Date().toISOString();
      }),
    async stop() {
      stopped = true;
      await inTurn(async () => {
        await saveIndex().catch(() => undefined);
        await stopMount(parts.deps, parts.tenantId, parts.remoteName, mountPoint, true);
        await parts.key.release();
      });
    },
  };
}
