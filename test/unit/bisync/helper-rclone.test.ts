import { afterEach, describe, expect, it, vi } from 'vitest';
import { helperRclone, helperStop } from '../../../src/bisync/helper-rclone.js';
import { Interrupts } from '../../../src/bisync/interrupts.js';
import type { Rclone, RcloneProcess, RcloneResult, RcloneRunOptions } from '../../../src/rclone/runner.js';
import { capturedOutput } from '../../support/captured-output.js';

/** An rclone whose runs last until a signal ends them (a storage that never answers). */
function hangingRclone() {
  const started: { args: string[]; options: RcloneRunOptions | undefined; signals: string[] }[] = [];
  const start = (args: string[], options?: RcloneRunOptions): Promise<RcloneProcess> => {
    const run = { args, options, signals: [] as string[] };
    started.push(run);
    let end: (result: RcloneResult) => void = () => undefined;
    const result = new Promise<RcloneResult>((resolve) => (end = resolve));
    return Promise.resolve({
      pid: 1000 + started.length,
      result,
      kill: (signal: NodeJS.Signals) => {
        run.signals.push(signal);
        end({ exitCode: 143, stdout: '', stderr: '', signal });
      },
    });
  };
  const rclone: Rclone = {
    binary: 'rclone',
    environment: { env: {}, globalArgs: [], notes: [] },
    version: () => Promise.resolve(undefined),
    forgetVersion: () => undefined,
    run: async (args, options) => (await start(args, options)).result,
    start,
    spawnDetached: () => Promise.reject(new Error('not used')),
  };
  return { rclone, started };
}

function setUp() {
  const { output, stderr } = capturedOutput();
  const interrupts = new Interrupts(output, false);
  interrupts.install();
  const fake = hangingRclone();
  return { interrupts, stderr, ...fake };
}

let installed: Interrupts | undefined;
afterEach(() => {
  installed?.uninstall();
  installed = undefined;
  vi.useRealTimers();
});

const ctrlC = () => process.emit('SIGINT', 'SIGINT');

describe('helperStop (how a helper rclone answers Ctrl-C)', () => {
  it.each([
    [['lsjson', 'r:b', '--hash'], 'before-sync', 'first-interrupt'],
    [['check', '/n', 'r:b'], 'before-sync', 'first-interrupt'],
    [['lsf', 'r:b'], 'before-sync', 'first-interrupt'],
    [['copyto', 'r:b/a.md', '/n/a.md'], 'before-sync', 'second-interrupt'],
    [['moveto', 'r:b/a', 'r:b/b'], 'before-sync', 'second-interrupt'],
    [['lsjson', 'r:b/.basic-memory-backups/x'], 'around-sync', 'second-interrupt'],
    [['purge', 'r:b/.basic-memory-backups/x'], 'around-sync', 'second-interrupt'],
  ] as const)('%j %s → %s', (args, phase, stop) => {
    expect(helperStop(args, phase)).toBe(stop);
  });
});

describe('helperRclone (helpers joined to the run\'s Ctrl-C handling)', () => {
  it('runs each helper in its own process group, so a terminal\'s Ctrl-C reaches only the CLI', async () => {
    const { interrupts, rclone, started } = setUp();
    installed = interrupts;
    const helpers = helperRclone(rclone, { interrupts, phase: 'before-sync' });
    void helpers.run(['lsjson', 'r:b']);
    await vi.waitFor(() => expect(started).toHaveLength(1));
    expect(started[0]?.options?.detached).toBe(true);
    ctrlC();
  });

  it('before the sync, the first Ctrl-C stops a listing at once and no listing starts after it', async () => {
    const { interrupts, rclone, started, stderr } = setUp();
    installed = interrupts;
    const helpers = helperRclone(rclone, { interrupts, phase: 'before-sync' });
    const listing = helpers.run(['lsjson', 'r:b', '--hash']);
    await vi.waitFor(() => expect(started).toHaveLength(1));
    ctrlC();
    const result = await listing;
    expect(started[0]?.signals).toEqual(['SIGTERM']);
    expect(result.exitCode).not.toBe(0);
    // Nothing to let finish: no "press Ctrl-C again".
    expect(stderr()).not.toMatch(/press Ctrl-C again/);
    const later = await helpers.run(['check', '/n', 'r:b']);
    expect(later.exitCode).not.toBe(0);
    expect(started).toHaveLength(1);
  });

  it('a write, or any helper after the sync started, waits for the second Ctrl-C, which stops every helper', async () => {
    const { interrupts, rclone, started, stderr } = setUp();
    installed = interrupts;
    const copy = helperRclone(rclone, { interrupts, phase: 'before-sync' }).run(['copyto', 'r:b/a.md', '/n/a.md']);
    const backups = helperRclone(rclone, { interrupts, phase: 'around-sync' }).run(['lsjson', 'r:b/.basic-memory-backups/x']);
    await vi.waitFor(() => expect(started).toHaveLength(2));
    ctrlC();
    expect(stderr()).toMatch(/press Ctrl-C again to stop at once/);
    expect(started.map((run) => run.signals)).toEqual([[], []]);
    ctrlC();
    await Promise.all([copy, backups]);
    expect(started.map((run) => run.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    // After the second Ctrl-C nothing starts at all.
    expect((await helperRclone(rclone, { interrupts, phase: 'around-sync' }).run(['purge', 'r:b/x'])).exitCode).not.toBe(0);
    expect(started).toHaveLength(2);
  });

  it('tells how long a helper has been waiting, every second while it runs', async () => {
    vi.useFakeTimers();
    const { interrupts, rclone, started } = setUp();
    installed = interrupts;
    const waited: number[] = [];
    const listing = helperRclone(rclone, { interrupts, phase: 'before-sync', waiting: (elapsedMs) => waited.push(elapsedMs) }).run(['lsjson', 'r:b']);
    await vi.waitFor(() => expect(started).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(3_500);
    expect(waited).toEqual([0, 1_000, 2_000, 3_000]);
    ctrlC();
    await listing;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(waited).toHaveLength(4);
  });
});
