import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeJsonFile } from '../../../src/core/atomic-file.js';
import { ExitCode, type ExitCodeValue } from '../../../src/core/errors.js';
import { sleep } from '../../../src/core/process.js';
import type { CloudChangesMode } from '../../../src/bisync/cloud-changes.js';
import type { BisyncRunRecord } from '../../../src/bisync/state.js';
import { runDaemon, type DaemonDeps } from '../../../src/service/daemon.js';
import type { Notification } from '../../../src/service/notifier.js';
import { clearPause, pauseFor, readHealth, serviceFiles, writeHealth, writePause, type ServiceFiles, type ServiceHealth } from '../../../src/service/state.js';

let dir: string;
let files: ServiceFiles;
let stateFile: string;
let now: Date;
let stop: AbortController;
let notified: Notification[];
let logLines: string[];
let watchSignals: AbortSignal[];
let watchBehaviour: (signal: AbortSignal, onCloudChanges: (mode: CloudChangesMode) => void) => Promise<ExitCodeValue>;

const untilAborted = (signal: AbortSignal) => new Promise<ExitCodeValue>((resolve) => signal.addEventListener('abort', () => resolve(ExitCode.interrupted), { once: true }));

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-daemon-'));
  files = serviceFiles(dir);
  stateFile = path.join(dir, 'bisync-state-t1.json');
  now = new Date('2026-11-29T12:00:00Z');
  stop = new AbortController();
  notified = [];
  logLines = [];
  watchSignals = [];
  watchBehaviour = untilAborted;
});
afterEach(async () => {
  stop.abort();
  await fs.rm(dir, { recursive: true, force: true });
});

function start(): Promise<ExitCodeValue> {
  const deps: DaemonDeps = {
    watch: (signal, onCloudChanges) => {
      watchSignals.push(signal);
      return watchBehaviour(signal, onCloudChanges);
    },
    files,
    bisyncStateFile: stateFile,
    notifier: {
      notify: (notification) => {
        notified.push(notification);
        return Promise.resolve();
      },
    },
    log: { line: (_at, text) => logLines.push(text) },
    clock: () => now,
    sleep,
    stop: stop.signal,
    pid: 4242,
  };
  return runDaemon({ intervalMs: 60_000, pollMs: 5, retryMs: 10, maxRetryMs: 40 }, deps);
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let runCount = 0;
/** What the watch loop's syncOnce records after each run. */
async function recordRun(facts: Partial<BisyncRunRecord>): Promise<void> {
  runCount += 1;
  const finishedAt = new Date(now.getTime() + runCount).toISOString();
  const run: BisyncRunRecord = { startedAt: finishedAt, finishedAt, durationMs: 1, profile: 'balanced', localPath: dir, mode: 'sync', why: undefined, result: 'ok', safetyReasons: [], detail: undefined, changes: { toCloud: [], toLocal: [] }, conflicts: [], ...facts };
  await writeJsonFile(stateFile, { lastRun: run });
}

const noHealthYet = { state: 'none', lastSyncAt: null, lastError: null, consecutiveFailures: -1, updatedAt: '' } as unknown as ServiceHealth;
const health = async () => (await readHealth(files)) ?? noHealthYet;
const conflictRun = { conflicts: [{ path: 'a.md', copies: ['a.md.conflict1', 'a.md.conflict2'], winner: undefined }] } as Partial<BisyncRunRecord>;

describe('runDaemon', () => {
  it('reports each run into the health file (last sync, next run) and the log', async () => {
    const daemon = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    await recordRun({ changes: { toCloud: [{ path: 'n.md', action: 'new' }], toLocal: [] } });
    await waitFor('a reported sync', async () => (await health()).lastSyncAt !== null);
    const reported = await health();
    expect(reported).toMatchObject({ state: 'watching', pid: 4242, lastError: null, consecutiveFailures: 0 });
    expect(Date.parse(reported.nextRunAt!) - Date.parse(reported.lastSyncAt!)).toBe(60_000);
    expect(logLines).toContain('sync ok: 1 to the cloud, 0 to this folder, 0 conflicts');
    stop.abort();
    expect(await daemon).toBe(ExitCode.ok);
    expect((await health()).state).toBe('stopped');
    expect(watchSignals[0]!.aborted).toBe(true);
  });

  it('the health file says whether the watch is push-driven or polling, and forgets it when stopped', async () => {
    watchBehaviour = async (signal, onCloudChanges) => {
      onCloudChanges({ mode: 'polling', reason: 'the cloud has no change feed', since: 'T1' });
      await sleep(20);
      onCloudChanges({ mode: 'push', reason: null, since: 'T2' });
      return untilAborted(signal);
    };
    const daemon = start();
    await waitFor('push in the health file', async () => (await health()).cloudChanges?.mode === 'push');
    expect((await health()).cloudChanges).toEqual({ mode: 'push', reason: null, since: 'T2' });
    stop.abort();
    await daemon;
    expect((await health()).cloudChanges).toBeNull();
  });

  it('does not report a run that finished before it started', async () => {
    await recordRun({ result: 'safety-stop' });
    const daemon = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    await sleep(30);
    expect(notified).toEqual([]);
    expect((await health()).lastError).toBeNull();
    stop.abort();
    await daemon;
  });

  it('pause stops the watch but keeps running; resume starts it again', async () => {
    const daemon = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    await writePause(files, pauseFor(now, undefined));
    await waitFor('the watch to stop', () => watchSignals[0]!.aborted);
    await waitFor('paused health', async () => (await health()).state === 'paused');
    expect(await health()).toMatchObject({ pausedUntil: null, nextRunAt: null });
    const pausedAt = (await health()).updatedAt;
    now = new Date(now.getTime() + 5_000);
    await sleep(30);
    expect(watchSignals).toHaveLength(1);
    expect((await health()).updatedAt, 'a pause is written once, not at every poll').toBe(pausedAt);
    await clearPause(files);
    await waitFor('a new watch', () => watchSignals.length === 2);
    await waitFor('watching health', async () => (await health()).state === 'watching');
    expect(logLines).toEqual(expect.arrayContaining(['paused until resumed', 'resumed']));
    stop.abort();
    expect(await daemon).toBe(ExitCode.ok);
  });

  it('a pause --for ends by itself when its time has passed', async () => {
    await writePause(files, pauseFor(now, 7200));
    const daemon = start();
    await waitFor('paused health', async () => (await health()).state === 'paused');
    expect((await health()).pausedUntil).toBe('2026-11-29T14:00:00.000Z');
    expect(watchSignals).toHaveLength(0);
    now = new Date('2026-11-29T14:00:01Z');
    await waitFor('the watch', () => watchSignals.length === 1);
    stop.abort();
    await daemon;
  });

  it('notifies conflicts at most once an hour, the limit kept across a restart', async () => {
    const first = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    await recordRun(conflictRun);
    await waitFor('a notification', () => notified.length === 1);
    expect(notified[0]!.kind).toBe('conflicts');
    now = new Date(now.getTime() + 30 * 60_000);
    await recordRun(conflictRun);
    await waitFor('the run reported', async () => (await health()).updatedAt === new Date(now.getTime() + runCount).toISOString());
    expect(notified).toHaveLength(1);
    stop.abort();
    await first;

    stop = new AbortController();
    const second = start();
    await waitFor('the watch', () => watchSignals.length === 2);
    now = new Date(now.getTime() + 10 * 60_000);
    await recordRun(conflictRun);
    await sleep(30);
    expect(notified).toHaveLength(1);
    now = new Date(now.getTime() + 60 * 60_000);
    await recordRun(conflictRun);
    await waitFor('a second notification', () => notified.length === 2);
    stop.abort();
    await second;
  });

  it.each([
    ['safety-stop', 'safety-stop'],
    ['needs-baseline', 'lost-baseline'],
  ] as const)('a %s run notifies %s and is the last error', async (result, kind) => {
    const daemon = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    await recordRun({ result, detail: 'why it stopped' });
    await waitFor('a notification', () => notified.length === 1);
    expect(notified[0]!.kind).toBe(kind);
    await waitFor('failing health', async () => (await health()).state === 'failing');
    expect((await health()).lastError?.message).toBe('why it stopped');
    stop.abort();
    await daemon;
  });

  it('notifies repeated failures on the third in a row, not before, and a success clears the count', async () => {
    const daemon = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    for (let failure = 1; failure <= 3; failure += 1) {
      await recordRun({ result: 'failed', detail: 'connection refused' });
      await waitFor(`failure ${failure}`, async () => (await health()).consecutiveFailures === failure);
      expect(notified.map((notification) => notification.kind)).toEqual(failure < 3 ? [] : ['repeated-failures']);
    }
    await recordRun({});
    await waitFor('recovered', async () => (await health()).consecutiveFailures === 0);
    expect((await health()).state).toBe('watching');
    stop.abort();
    await daemon;
  });

  it('starts the watch again with backoff when it ends by itself, recording the error', async () => {
    let attempts = 0;
    watchBehaviour = (signal) => {
      attempts += 1;
      return attempts <= 3 ? Promise.reject(new Error('The folder /x does not exist.')) : untilAborted(signal);
    };
    const daemon = start();
    await waitFor('a fourth watch', () => watchSignals.length === 4);
    expect((await health()).lastError?.message).toBe('The folder /x does not exist.');
    expect(notified.map((notification) => notification.kind)).toEqual(['repeated-failures']);
    stop.abort();
    expect(await daemon).toBe(ExitCode.ok);
  });

  it('keeps the last sync and the notification times of the previous start', async () => {
    const previous: ServiceHealth = { state: 'stopped', pid: 1, startedAt: '2026-11-29T11:00:00.000Z', updatedAt: '2026-11-29T11:50:00.000Z', lastSyncAt: '2026-11-29T11:49:00.000Z', lastError: null, consecutiveFailures: 0, nextRunAt: null, pausedUntil: null, notifiedAt: { conflicts: '2026-11-29T11:30:00.000Z' } };
    await writeHealth(files, previous);
    const daemon = start();
    await waitFor('the watch', () => watchSignals.length === 1);
    expect(await health()).toMatchObject({ state: 'watching', lastSyncAt: '2026-11-29T11:49:00.000Z', notifiedAt: previous.notifiedAt });
    stop.abort();
    await daemon;
  });
});
