import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/core/errors.js';
import { statePaths, type StatePaths } from '../../../src/core/paths.js';
import type { MountPlatform, MountProbe, ProcessEntry, UnmountOutcome } from '../../../src/mount/platform.js';
import { readMountState, writeMountState, type MountState } from '../../../src/mount/state.js';
import { writeWatchInfo } from '../../../src/bisync/state.js';
import { cleanUpLeftovers, MOUNT_DEADLINE_MS, POLL_INTERVAL_MS, refuseWatchedFolder, startMount, stopMount, type MountRequest, type SupervisorDeps } from '../../../src/mount/supervisor.js';

/**
 * A scripted machine: a platform whose mount table, processes and unmount answers the test sets,
 * a process table of live pids, a clock that moves only when the supervisor sleeps.
 */
function fakeMachine(paths: StatePaths, name: MountPlatform['name']) {
  const machine = {
    now: 1_700_000_000_000,
    live: new Set<number>(),
    probes: [] as MountProbe[],
    probe: 'absent' as MountProbe,
    processes: [] as ProcessEntry[],
    unmountAnswer: { kind: 'unmounted' } as UnmountOutcome,
    unmounts: [] as { mountPoint: string; force: boolean }[],
    signals: [] as { pid: number; signal: string }[],
    spawned: [] as { args: string[]; env: Record<string, string> }[],
    sleptMs: 0,
    /** False: the spawned rclone exits at once (a bad remote, FUSE refusing). */
    spawnedStaysUp: true,
    /** What a signal does to a pid: by default it ends it. */
    onSignal: (pid: number, _signal: string) => machine.live.delete(pid),
    notes: [] as string[],
    /** The rc API's answers by method; a method not here does not answer (a crashed rclone). */
    rc: {} as Record<string, (pid: number) => unknown>,
    rcCalls: [] as string[],
  };
  const platform: MountPlatform = {
    name,
    missingSupport: () => Promise.resolve(undefined),
    probe: () => Promise.resolve(machine.probes.shift() ?? machine.probe),
    unmount: (mountPoint, force) => {
      machine.unmounts.push({ mountPoint, force });
      return Promise.resolve(machine.unmountAnswer);
    },
    processes: () => Promise.resolve(machine.processes),
    holders: () => Promise.resolve(['vim (pid 4242)']),
  };
  const deps: SupervisorDeps = {
    platform,
    paths,
    rclone: {
      spawnDetached: (args, logFile, env = {}) => {
        machine.spawned.push({ args, env });
        if (machine.spawnedStaysUp) machine.live.add(5150);
        return fs.writeFile(logFile, 'NOTICE: Serving remote control\nERROR : mount helper error: fusermount3: mount failed\n').then(() => ({ pid: 5150 }));
      },
    },
    alive: (pid) => machine.live.has(pid),
    signal: (pid, signal) => {
      machine.signals.push({ pid, signal });
      machine.onSignal(pid, signal);
    },
    sleep: (ms) => {
      machine.now += ms;
      machine.sleptMs += ms;
      return Promise.resolve();
    },
    now: () => machine.now,
    freePort: () => Promise.resolve(40123),
    rcCall: <T>(_endpoint: unknown, method: string) => {
      machine.rcCalls.push(method);
      const answer = machine.rc[method];
      return Promise.resolve(answer ? { ok: true as const, value: answer(5150) as T } : { ok: false as const, error: `${method}: connect ECONNREFUSED` });
    },
    note: (line) => machine.notes.push(line),
  };
  return { machine, deps };
}

let dir: string;
let paths: StatePaths;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-mount-unit-'));
  paths = statePaths(dir);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const request = (mountPoint: string): MountRequest => ({
  tenantId: 't1',
  remoteName: 'basic-memory-t1',
  remotePath: 'basic-memory-t1:bucket',
  mountPoint,
  profile: 'balanced',
  rcloneVersion: 'v1.68.0',
  rcAddr: '127.0.0.1:9',
  args: ['nfsmount', 'basic-memory-t1:bucket', mountPoint, '--rc', '--rc-addr', '127.0.0.1:9'],
});

const record = (mountPoint: string, pid = 5150): MountState => ({
  pid,
  mountPoint,
  remotePath: 'basic-memory-t1:bucket',
  profile: 'fast',
  rcloneVersion: 'v1.70.0',
  startedAt: new Date(0).toISOString(),
  logPath: '/state/mount-t1.log',
  rcAddr: '127.0.0.1:9',
  rcUser: 'basic-memory',
  rcPass: 'a-long-random-password',
});

describe('startMount with the platform injected', () => {
  it.each(['macos', 'windows', 'linux'] as const)('%s: polls the OS every 0.5 s until the mount shows, and records it 0600 with the rc secret kept out of argv', async (name) => {
    const { machine, deps } = fakeMachine(paths, name);
    machine.probes = ['absent', 'absent', 'absent'];
    machine.probe = 'mounted';
    const state = await startMount(deps, request('/Users/u/bm'));
    expect(machine.sleptMs).toBe(3 * POLL_INTERVAL_MS);
    expect(state).toMatchObject({ pid: 5150, mountPoint: '/Users/u/bm', profile: 'balanced', rcAddr: '127.0.0.1:9', rcUser: 'basic-memory' });
    expect(await readMountState(paths, 't1')).toEqual(state);
    expect((await fs.stat(paths.mountState('t1'))).mode & 0o777).toBe(0o600);
    const spawned = machine.spawned[0];
    expect(spawned?.env).toEqual({ RCLONE_RC_USER: 'basic-memory', RCLONE_RC_PASS: state.rcPass });
    expect(spawned?.args.join(' ')).not.toContain(state.rcPass);
  });

  it('an rclone that exits early: its log tail in the error, nothing left recorded', async () => {
    const { machine, deps } = fakeMachine(paths, 'macos');
    machine.probes = ['absent'];
    machine.probe = 'absent';
    machine.spawnedStaysUp = false;
    const error = await startMount(deps, request('/Users/u/bm')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/rclone stopped before the mount came up\.\n.*mount helper error/s);
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });

  it('a mount that never shows: stopped at the deadline (SIGTERM, then SIGKILL when ignored), undone, explained', async () => {
    const { machine, deps } = fakeMachine(paths, 'linux');
    machine.probe = 'absent';
    machine.onSignal = (pid, signal) => (signal === 'SIGKILL' ? machine.live.delete(pid) : false);
    const error = await startMount(deps, request('/home/u/bm')).catch((caught: unknown) => caught);
    expect((error as CliError).message).toContain(`did not come up within ${MOUNT_DEADLINE_MS / 1000}s`);
    expect(machine.signals.map((sent) => sent.signal)).toEqual(['SIGTERM', 'SIGKILL']);
    expect(machine.live.size).toBe(0);
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });
  it('Ctrl-C while waiting: rclone stopped, nothing recorded, exit 130', async () => {
    const { machine, deps } = fakeMachine(paths, 'linux');
    machine.probe = 'absent';
    const interrupted = new AbortController();
    interrupted.abort();
    const error = await startMount(deps, request('/home/u/bm'), interrupted.signal).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ exitCode: 130 });
    expect(machine.live.size).toBe(0);
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });
});

describe('stopMount with the platform injected', () => {
  it('linux: stops the companion with rclone, but never a process that took over its pid', async () => {
    const { machine, deps } = fakeMachine(paths, 'linux');
    const mountPoint = '/home/u/bm';
    const rclone = { pid: 5150, command: `rclone mount basic-memory-t1:bucket ${mountPoint} --rc` };
    await writeMountState(paths, 't1', { ...record(mountPoint), companionPid: 6160 });
    machine.live.add(5150).add(6160);
    machine.processes = [rclone, { pid: 6160, command: '/usr/bin/node /usr/lib/basic-memory/bin/basic-memory.js cloud mount-companion --api-url http://x' }];
    machine.probe = 'mounted';
    await stopMount(deps, 't1', 'basic-memory-t1', mountPoint, false);
    expect(machine.signals).toContainEqual({ pid: 6160, signal: 'SIGTERM' });
    expect(machine.live.has(6160)).toBe(false);

    await writeMountState(paths, 't1', { ...record(mountPoint), companionPid: 6161 });
    machine.live.add(5150).add(6161);
    machine.signals = [];
    machine.processes = [rclone, { pid: 6161, command: 'vim notes.md' }];
    await stopMount(deps, 't1', 'basic-memory-t1', mountPoint, false);
    expect(machine.signals.map((sent) => sent.pid)).not.toContain(6161);
    expect(machine.live.has(6161)).toBe(true);
  });

  it('windows: no unmount command; ending rclone unmounts the drive; state cleared', async () => {
    const { machine, deps } = fakeMachine(paths, 'windows');
    await writeMountState(paths, 't1', record('X:'));
    machine.live.add(5150);
    machine.probe = 'mounted';
    expect(await stopMount(deps, 't1', 'basic-memory-t1', 'X:', false)).toEqual({ kind: 'unmounted', mountPoint: 'X:', cleanedDeadMount: false });
    expect(machine.signals).toEqual([{ pid: 5150, signal: 'SIGTERM' }]);
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });

  it('macos busy: names the holder, keeps rclone and the state; --force unmounts forcibly', async () => {
    const { machine, deps } = fakeMachine(paths, 'macos');
    const mountPoint = '/Users/u/bm';
    await writeMountState(paths, 't1', record(mountPoint));
    machine.live.add(5150);
    machine.processes = [{ pid: 5150, command: `rclone nfsmount basic-memory-t1:bucket ${mountPoint} --rc` }];
    machine.probe = 'mounted';
    machine.unmountAnswer = { kind: 'busy', detail: 'Resource busy' };
    const error = await stopMount(deps, 't1', 'basic-memory-t1', mountPoint, false).catch((caught: unknown) => caught);
    expect((error as CliError).message).toBe(`${mountPoint} is busy: vim (pid 4242) has files open in it.`);
    expect((error as CliError).hint).toContain('--force');
    expect(machine.signals).toEqual([]);
    expect(await readMountState(paths, 't1')).toBeDefined();

    machine.unmountAnswer = { kind: 'unmounted' };
    expect(await stopMount(deps, 't1', 'basic-memory-t1', mountPoint, true)).toMatchObject({ kind: 'unmounted' });
    expect(machine.unmounts.at(-1)).toEqual({ mountPoint, force: true });
    expect(machine.live.size).toBe(0);
  });

  /** Our rclone serving /home/u/bm, recorded, listed and mounted. */
  async function runningLinuxMount() {
    const { machine, deps } = fakeMachine(paths, 'linux');
    const mountPoint = '/home/u/bm';
    await writeMountState(paths, 't1', record(mountPoint));
    machine.live.add(5150);
    machine.processes = [{ pid: 5150, command: `/usr/bin/rclone mount basic-memory-t1:bucket ${mountPoint} --rc` }];
    machine.probe = 'mounted';
    return { machine, deps, mountPoint };
  }

  it('linux, rc answering: waits for the pending uploads, then core/quit ends rclone without a signal', async () => {
    const { machine, deps, mountPoint } = await runningLinuxMount();
    const pending = [2, 1, 0];
    machine.rc = {
      'vfs/stats': () => ({ diskCache: { uploadsQueued: pending.shift() ?? 0, uploadsInProgress: 0 } }),
      'core/stats': () => ({ errors: 0 }),
      'core/quit': (pid) => machine.live.delete(pid) && {},
    };
    expect(await stopMount(deps, 't1', 'basic-memory-t1', mountPoint, false)).toEqual({ kind: 'unmounted', mountPoint, cleanedDeadMount: false });
    expect(machine.notes).toEqual(['Waiting for 2 upload(s) to finish before unmounting…']);
    expect(machine.rcCalls.filter((method) => method === 'vfs/stats')).toHaveLength(3);
    expect(machine.rcCalls.at(-1)).toBe('core/quit');
    expect(machine.signals).toEqual([]);
    expect(machine.live.size).toBe(0);
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });

  it('linux, rc not answering (a crashed rclone): no upload wait, SIGTERM ends it', async () => {
    const { machine, deps, mountPoint } = await runningLinuxMount();
    expect(await stopMount(deps, 't1', 'basic-memory-t1', mountPoint, false)).toMatchObject({ kind: 'unmounted' });
    expect(machine.rcCalls).toEqual(['vfs/stats', 'core/stats', 'core/quit']);
    expect(machine.signals).toEqual([{ pid: 5150, signal: 'SIGTERM' }]);
  });

  it('nothing mounted and nothing running: not-mounted, and a stale state file is dropped', async () => {
    const { deps } = fakeMachine(paths, 'linux');
    await writeMountState(paths, 't1', record('/home/u/bm', 999));
    expect(await stopMount(deps, 't1', 'basic-memory-t1', '/home/u/bm', false)).toEqual({ kind: 'not-mounted' });
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });
});

describe('cleanUpLeftovers', () => {
  it('macos: stops only our orphaned rclone, clears the dead mount and the stale state', async () => {
    const { machine, deps } = fakeMachine(paths, 'macos');
    const mountPoint = '/Users/u/bm';
    await writeMountState(paths, 't1', record(mountPoint, 999));
    machine.live = new Set([601, 602]);
    machine.processes = [
      { pid: 601, command: `/opt/homebrew/bin/rclone nfsmount basic-memory-t1:bucket ${mountPoint} --vfs-cache-mode writes` },
      { pid: 602, command: 'rclone nfsmount photos:bucket /Users/u/photos' },
    ];
    machine.probes = ['dead'];
    const report = await cleanUpLeftovers(deps, 't1', 'basic-memory-t1', mountPoint);
    expect(report).toEqual({ deadMount: true, staleState: true, orphans: [601] });
    expect(machine.live).toEqual(new Set([602]));
    expect(machine.unmounts).toEqual([{ mountPoint, force: false }]);
    expect(machine.notes.join('\n')).toMatch(/leftover rclone process\(es\) of this mount \(pid 601\)[\s\S]*dead mount/);
    expect(await readMountState(paths, 't1')).toBeUndefined();
  });

  it('a pid reused by another program is never signalled', async () => {
    const { machine, deps } = fakeMachine(paths, 'linux');
    await writeMountState(paths, 't1', record('/home/u/bm', 777));
    machine.live = new Set([777]);
    machine.processes = [{ pid: 777, command: 'postgres: writer process' }];
    await cleanUpLeftovers(deps, 't1', 'basic-memory-t1', '/home/u/bm');
    expect(machine.signals).toEqual([]);
    expect(machine.live.has(777)).toBe(true);
  });
});

describe('refuseWatchedFolder: the folder rules of the mount platform', () => {
  it.each([
    ['macos', '/Users/u/Notes', '/Users/u/notes', true],
    ['windows', 'C:\\Users\\u\\Notes\\', 'c:\\users\\u\\notes\\sub', true],
    ['linux', '/home/u/Notes', '/home/u/notes', false],
    ['linux', '/home/u/notes/', '/home/u/notes/sub', true],
  ] as const)('%s: watched %s, mount at %s → refused: %s', async (name, watched, mountPoint, refused) => {
    const { machine, deps } = fakeMachine(paths, name);
    machine.live.add(777);
    await writeWatchInfo(paths, 't1', { pid: 777, localPath: watched, startedAt: new Date(0).toISOString() });
    const outcome = await refuseWatchedFolder(deps, 't1', mountPoint).then(() => 'allowed', (error: unknown) => (error as CliError).message);
    expect(outcome === 'allowed').toBe(!refused);
    if (refused) expect(outcome).toContain('is synced by a running `cloud bisync --watch` (pid 777)');
  });
});
