import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import type { Output } from '../core/output.js';
import { rcloneEnvironment, type RcloneEnvironment } from './environment.js';
import { parseRcloneVersion, type RcloneVersion } from './version.js';

export interface RcloneResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when rclone was ended by a signal. */
  signal: string | undefined;
}

export interface RcloneRunOptions {
  timeoutMs?: number;
  cwd?: string;
  /** Called with each stderr line as rclone writes it (progress, bisync log). */
  onStderrLine?: (line: string) => void;
  /** Own process group: a terminal's Ctrl-C reaches only us, and we decide when rclone stops. */
  detached?: boolean;
}

export interface RcloneProcess {
  pid: number | undefined;
  result: Promise<RcloneResult>;
  /** Sends a signal to rclone (SIGINT lets rclone 1.66+ bisync finish gracefully). */
  kill(signal: NodeJS.Signals): void;
}

/** The one place that starts rclone. Everything else builds argument lists. */
export interface Rclone {
  readonly binary: string;
  readonly environment: RcloneEnvironment;
  /** The installed version, or undefined when rclone is not found. Cached per process. */
  version(): Promise<RcloneVersion | undefined>;
  /** Drops the cached version (after the installer put a new rclone in place). */
  forgetVersion(): void;
  run(args: string[], options?: RcloneRunOptions): Promise<RcloneResult>;
  start(args: string[], options?: RcloneRunOptions): Promise<RcloneProcess>;
  /**
   * Starts rclone in its own session, surviving this process, with output appended to `logFile`.
   * `extraEnv` carries values that must not show in the process list (e.g. RCLONE_RC_PASS).
   */
  spawnDetached(args: string[], logFile: string, extraEnv?: Record<string, string>): Promise<{ pid: number }>;
}

export interface RcloneOptions {
  binary: string;
  env: NodeJS.ProcessEnv;
  output?: Output;
}

export function createRclone({ binary, env, output }: RcloneOptions): Rclone {
  const environment = rcloneEnvironment(env, existsSync);
  for (const note of environment.notes) output?.debug(note);
  let cachedVersion: Promise<RcloneVersion | undefined> | undefined;

  const run = async (args: string[], options?: RcloneRunOptions) => (await start(args, options)).result;
  const fullArgs = (args: string[]) => [...environment.globalArgs, ...args];
  const trace = (args: string[]) => output?.debug(`$ ${binary} ${fullArgs(args).join(' ')}`);

  const start = async (args: string[], options: RcloneRunOptions = {}): Promise<RcloneProcess> => {
    trace(args);
    const { execa } = await import('execa');
    const child = execa(binary, fullArgs(args), {
      env: environment.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      cwd: options.cwd,
      detached: options.detached ?? false,
      timeout: options.timeoutMs,
      windowsHide: true,
      // Our own Ctrl-C handling decides when rclone stops; execa must not kill it on exit first.
      cleanup: false,
    });
    if (options.onStderrLine) forEachLine(child.stderr, options.onStderrLine);
    const result = child.then((done) => ({
      exitCode: typeof done.exitCode === 'number' ? done.exitCode : 1,
      stdout: String(done.stdout ?? ''),
      stderr: String(done.stderr ?? ''),
      signal: done.signal ?? undefined,
    }));
    return { pid: child.pid, result, kill: (signal) => child.kill(signal) };
  };

  return {
    binary,
    environment,
    version() {
      cachedVersion ??= run(['version'], { timeoutMs: 15_000 }).then(
        (result) => (result.exitCode === 0 ? parseRcloneVersion(result.stdout) : undefined),
        () => undefined,
      );
      return cachedVersion;
    },
    forgetVersion() {
      cachedVersion = undefined;
    },
    run,
    start,
    spawnDetached(args, logFile, extraEnv = {}) {
      trace(args);
      // Create the log 0600 before rclone appends to it: it may name paths the user considers private.
      // rclone gets the file itself, not a pipe through us (execa's `{file}` pipes): once we exit, a
      // write to a broken pipe would kill rclone with SIGPIPE at its next log line.
      const logFd = openSync(logFile, 'a', 0o600);
      const child = spawn(binary, fullArgs(args), {
        env: { ...environment.env, ...extraEnv },
        detached: true,
        stdio: ['ignore', logFd, logFd],
        windowsHide: true,
      });
      closeSync(logFd);
      child.unref();
      // Detached: its end is never awaited here; failures surface through the mount check instead.
      child.on('error', () => undefined);
      if (child.pid === undefined) return Promise.reject(new Error(`could not start ${binary}`));
      return Promise.resolve({ pid: child.pid });
    },
  };
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let pending = '';
  stream?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream?.on('end', () => {
    if (pending) onLine(pending);
  });
}
