import { createHash } from 'node:crypto';
import { CliError, ExitCode } from '../core/errors.js';
import { CLOUD_BACKUPS_DIR } from './reserved-names.js';

/**
 * One machine writes to a tenant's bucket at a time (issue 8). S3 has no atomic "replace only the
 * version I listed", and rclone replaces an object by first moving the old one to its backup dir
 * (server-side copy, then delete) and only then uploading: in between, the note is absent, so
 * another machine's bisync listing then takes it for deleted or new and uploads over that upload
 * with no backup. A lease in the bucket closes it: a run writes its marker, lists the markers, and
 * goes on only if no other machine's live marker is there; otherwise it takes its marker back and
 * waits. Whichever listed second has seen the other's marker (a bucket reads its own writes), so
 * two runs never both go on. Markers live under the backups prefix, which no sync, feed watcher or
 * container index treats as notes.
 */
export const CLOUD_LEASES_PREFIX = `${CLOUD_BACKUPS_DIR}/leases/`;

/** A live holder renews its marker three times per period; a marker older than this is a crash's. */
export const LEASE_TTL_MS = 120_000;
/** How long a run waits for another machine before giving up (a first sync of a big vault may be that long). */
export const LEASE_MAX_WAIT_MS = 2 * LEASE_TTL_MS;
/** Said once a run has waited this long: short waits are the normal turn-taking of two watches. */
const WAITING_SAID_AFTER_MS = 3_000;

export interface LeaseMarker {
  holder: string;
  /** The bucket's own clock (the object's LastModified), so machines' clocks never matter. */
  modifiedMs: number;
}

/** The bucket side: markers under {@link CLOUD_LEASES_PREFIX}, named by holder. */
export interface LeaseStore {
  write(holder: string): Promise<void>;
  list(): Promise<LeaseMarker[]>;
  remove(holder: string): Promise<void>;
}

/**
 * Pure: this machine's marker name for a folder: readable (the host, for the waiting message) and
 * distinct per folder, so two folders on one host, or two test users, are two holders.
 */
export function leaseHolder(host: string, localPath: string): string {
  const readable = host.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'machine';
  return `${readable}.${createHash('sha256').update(`${host}\0${localPath}`).digest('hex').slice(0, 10)}`;
}

/** Pure: the host part of a holder, for people. */
export function holderHost(holder: string): string {
  return holder.replace(/\.[0-9a-f]{10}$/, '');
}

/**
 * Pure: the other machines whose markers are live, judged against our own marker's time (the
 * bucket's now). undefined when our marker is not listed yet: the listing cannot be trusted.
 */
export function liveOtherHolders(markers: LeaseMarker[], holder: string, ttlMs: number = LEASE_TTL_MS): LeaseMarker[] | undefined {
  const mine = markers.find((marker) => marker.holder === holder);
  if (!mine) return undefined;
  return markers.filter((marker) => marker.holder !== holder && mine.modifiedMs - marker.modifiedMs < ttlMs);
}

export interface LeaseWaitOptions {
  holder: string;
  /** Whether the user asked to stop (Ctrl-C): a wait ends at once. */
  stopping: () => boolean;
  /** Told once, when the wait gets long enough to notice. */
  onWaiting: (otherHost: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  maxWaitMs?: number;
}

export interface CloudLease {
  /** Takes the marker back; never throws (a marker left behind expires). */
  release(): Promise<void>;
}

/**
 * The store, telling `waiting` every second how long its request in flight has taken, so a storage
 * that does not answer is named in the progress line as for rclone's own requests.
 */
export function reportingWaits(store: LeaseStore, waiting: ((elapsedMs: number) => void) | undefined): LeaseStore {
  if (!waiting) return store;
  const timed = async <T>(request: () => Promise<T>): Promise<T> => {
    const startedAt = Date.now();
    const ticker = setInterval(() => waiting(Date.now() - startedAt), 1_000);
    try {
      return await request();
    } finally {
      clearInterval(ticker);
    }
  };
  return {
    write: (holder) => timed(() => store.write(holder)),
    list: () => timed(() => store.list()),
    remove: (holder) => timed(() => store.remove(holder)),
  };
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the bucket's lease and holds it, renewing the marker while the run lasts. Throws
 * (exit 1) after waiting too long, (130) when the user stops, and lets a store error through: the
 * caller decides whether a run without the lease is acceptable.
 */
export async function acquireCloudLease(store: LeaseStore, options: LeaseWaitOptions): Promise<CloudLease> {
  const { holder } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  const maxWaitMs = options.maxWaitMs ?? LEASE_MAX_WAIT_MS;
  const started = now();
  let told = false;
  for (;;) {
    await store.write(holder);
    // A listing cut short (Ctrl-C, a storage that stopped answering) must not leave our marker behind.
    const markers = await store.list().catch(async (error: unknown) => {
      await store.remove(holder).catch(() => undefined);
      throw error;
    });
    const others = liveOtherHolders(markers, holder);
    if (others !== undefined && others.length === 0) return hold(store, holder);
    await store.remove(holder);
    const waited = now() - started;
    const other = others?.[0] ? holderHost(others[0].holder) : 'unknown';
    if (options.stopping()) {
      throw new CliError('Interrupted while waiting for another machine\'s sync of these notes; nothing was synced.', { exitCode: ExitCode.interrupted });
    }
    if (waited >= maxWaitMs) {
      throw new CliError(`Another machine (${other}) has been syncing these notes for over ${Math.ceil(maxWaitMs / 1000)} seconds, so this sync did not start.`, {
        hint: 'Run the command again once that machine is done (a first sync of a large vault takes a while).',
      });
    }
    if (!told && waited >= WAITING_SAID_AFTER_MS) {
      told = true;
      options.onWaiting(other);
    }
    // Random, so two machines that met do not meet again at the same instant.
    await sleep(250 + Math.floor(random() * 500));
  }
}

function hold(store: LeaseStore, holder: string): CloudLease {
  const renew = setInterval(() => {
    store.write(holder).catch(() => undefined);
  }, LEASE_TTL_MS / 3);
  renew.unref();
  return {
    async release() {
      clearInterval(renew);
      await store.remove(holder).catch(() => undefined);
    },
  };
}
