import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { FeedHandlers, FeedState } from '../api/change-feed.js';
import { isForeignChange } from '../bisync/cloud-changes.js';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { StatePaths } from '../core/paths.js';
import type { RcReply } from './rc.js';

/**
 * The mount's companion: a small process started with the mount and ended with it that follows the
 * cloud's change feed and asks the mount's rclone (rc `vfs/forget`) to drop what it cached of each
 * changed path, so a cloud write shows in the mount at once instead of after `--dir-cache-time`.
 */

/** The word that marks the companion's command line (`basic-memory cloud mount-companion`). */
export const COMPANION_COMMAND = 'mount-companion';

/** `<state dir>/mount-<tenant>-companion.json`: what the running companion last knew, for `mount-status`. */
export interface CompanionState {
  pid: number;
  /** The rclone it serves; the companion ends when that process does. */
  mountPid: number;
  mode: 'connecting' | 'push' | 'polling';
  /** Why it polls (no feed, or the feed's failure). */
  reason: string | null;
  since: string;
  /** Cloud changes the mount was told to show. */
  changesShown: number;
  lastChangeAt: string | null;
  lastError: string | null;
}

export function companionFiles(paths: StatePaths, tenantId: string): { state: string; log: string } {
  const base = paths.mountState(tenantId).replace(/\.json$/, '');
  return { state: `${base}-companion.json`, log: `${base}-companion.log` };
}

export async function readCompanionState(paths: StatePaths, tenantId: string): Promise<CompanionState | undefined> {
  const state = await readJsonFile<CompanionState>(companionFiles(paths, tenantId).state).catch(() => undefined);
  return state && typeof state.pid === 'number' ? state : undefined;
}

/**
 * Pure: the rc `vfs/forget` parameters for changed keys: each file, and every folder above it up to
 * the root (`""`), since a new key can bring new folders that a cached listing lacks.
 */
export function forgetParams(keys: readonly string[]): Record<string, string> {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const key of keys) {
    const clean = key.replace(/\/+$/, '');
    if (!clean) continue;
    files.add(clean);
    const parts = clean.split('/');
    for (let depth = parts.length - 1; depth >= 0; depth -= 1) dirs.add(parts.slice(0, depth).join('/'));
  }
  const params: Record<string, string> = {};
  [...files].forEach((file, index) => (params[index === 0 ? 'file' : `file${index + 1}`] = file));
  [...dirs].forEach((dir, index) => (params[index === 0 ? 'dir' : `dir${index + 1}`] = dir));
  return params;
}

/** Pure: the companion's mode for a feed state, and the one log line it is worth. */
export function companionMode(state: FeedState): { mode: CompanionState['mode']; reason: string | null; line: string } {
  if (state.kind === 'connected') return { mode: 'push', reason: null, line: 'following the change feed: cloud changes show in the mount at once' };
  const reason = state.kind === 'missing' ? 'the cloud has no change feed' : `the change feed is unreachable (${state.reason})`;
  return { mode: 'polling', reason, line: `${reason}: cloud changes show after the mount's dir-cache time` };
}

export interface CompanionDeps {
  follow: (handlers: FeedHandlers, signal: AbortSignal) => Promise<void>;
  /** The mount credential's key: the mount's own uploads need no forgetting. */
  ownAccessKey: string;
  /** rc `vfs/forget` on the mount's rclone. */
  forget: (params: Record<string, string>) => Promise<RcReply<unknown>>;
  mountAlive: () => boolean;
  writeState: (state: CompanionState) => Promise<void>;
  log: (line: string) => void;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  pid: number;
  mountPid: number;
  /** SIGTERM/SIGINT. */
  stop: AbortSignal;
  /** How often it checks that the mount's rclone still runs. */
  checkMs?: number;
}

/** Runs until stopped or until the mount's rclone is gone. */
export async function runCompanion(deps: CompanionDeps): Promise<void> {
  const done = new AbortController();
  const end = () => done.abort();
  deps.stop.addEventListener('abort', end, { once: true });
  if (deps.stop.aborted) end();
  let state: CompanionState = { pid: deps.pid, mountPid: deps.mountPid, mode: 'connecting', reason: null, since: deps.now().toISOString(), changesShown: 0, lastChangeAt: null, lastError: null };
  let writes = Promise.resolve();
  const update = (change: Partial<CompanionState>) => {
    state = { ...state, ...change };
    const snapshot = state;
    writes = writes.then(() => deps.writeState(snapshot)).catch((error: unknown) => deps.log(`could not write the companion's state: ${String(error)}`));
  };
  update({});

  const pending = new Set<string>();
  let forgetting = Promise.resolve();
  // Changes that arrive while rclone answers go together in the next call.
  const forgetPending = () => {
    forgetting = forgetting.then(async () => {
      if (pending.size === 0) return;
      const keys = [...pending];
      pending.clear();
      const reply = await deps.forget(forgetParams(keys));
      if (reply.ok) update({ changesShown: state.changesShown + keys.length, lastChangeAt: deps.now().toISOString(), lastError: null });
      else {
        deps.log(`vfs/forget failed: ${reply.error}`);
        update({ lastError: reply.error });
      }
    });
  };
  const handlers: FeedHandlers = {
    change(change) {
      if (!isForeignChange(change, deps.ownAccessKey)) return;
      pending.add(change.key);
      forgetPending();
    },
    reset() {
      // Changes were lost: forget every cached listing once.
      forgetting = forgetting.then(async () => void (await deps.forget({})));
    },
    state(feedState) {
      const described = companionMode(feedState);
      deps.log(described.line);
      update({ mode: described.mode, reason: described.reason, since: deps.now().toISOString() });
    },
  };

  const watchMount = async () => {
    while (!done.signal.aborted) {
      if (!deps.mountAlive()) {
        deps.log(`the mount's rclone (pid ${deps.mountPid}) is gone: stopping`);
        end();
        break;
      }
      await deps.sleep(deps.checkMs ?? 1_000, done.signal);
    }
  };
  await Promise.all([
    deps.follow(handlers, done.signal).catch((error: unknown) => handlers.state({ kind: 'down', reason: error instanceof Error ? error.message : String(error) })),
    watchMount(),
  ]);
  await forgetting;
  await writes;
  deps.stop.removeEventListener('abort', end);
}

export async function writeCompanionState(paths: StatePaths, tenantId: string, state: CompanionState): Promise<void> {
  await writeJsonFile(companionFiles(paths, tenantId).state, state);
}

/** Removes the state file when it is this process's (a newer companion may have replaced it). */
export async function clearCompanionState(paths: StatePaths, tenantId: string, pid: number): Promise<void> {
  const state = await readCompanionState(paths, tenantId);
  if (state?.pid === pid) await fs.rm(companionFiles(paths, tenantId).state, { force: true });
}

/**
 * Starts `basic-memory cloud mount-companion` detached, its output in its own log (a file, not a
 * pipe to us: we exit right after). The same node and CLI as this run.
 */
export function spawnCompanion(paths: StatePaths, tenantId: string, args: readonly string[], env: NodeJS.ProcessEnv): number | undefined {
  const cli = process.argv[1];
  if (!cli) return undefined;
  const logFd = openSync(companionFiles(paths, tenantId).log, 'a', 0o600);
  const child = spawn(process.execPath, [cli, 'cloud', COMPANION_COMMAND, ...args], { env, detached: true, stdio: ['ignore', logFd, logFd], windowsHide: true });
  closeSync(logFd);
  child.unref();
  child.on('error', () => undefined);
  return child.pid;
}
