import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import { cliBin, type TestUser } from './cli.js';

/** The built CLI in a pseudo-terminal: what a person at a terminal sees and types. */
export interface PtyRun {
  /** Everything written to the terminal so far, escape codes included. */
  screen(): string;
  /** The terminal's text without escape codes. */
  text(): string;
  type(keys: string): void;
  /** Resolves once `pattern` appears in the text written after `from` (a `text().length`). */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<void>;
  exit: Promise<number>;
  kill(): void;
}

export const KEY = { enter: '\r', ctrlC: '\x03', escape: '\x1b', down: '\x1b[B' } as const;

// CSI sequences (colours, cursor moves, erase) and OSC titles.
const ESCAPES = new RegExp(`${String.fromCharCode(27)}(\\[[0-?]*[ -/]*[@-~]|\\][^${String.fromCharCode(7)}]*${String.fromCharCode(7)})`, 'g');

export function stripEscapes(text: string): string {
  return text.replace(ESCAPES, '');
}

/**
 * Runs `basic-memory <args>` under a pty of the given width, as the test user, as a terminal
 * would: no CI variable and no NO_COLOR, so the CLI is interactive.
 */
export function runInPty(user: TestUser, args: string[], options: { columns?: number; env?: Record<string, string | undefined> } = {}): PtyRun {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...user.env, TERM: 'xterm-256color', ...options.env })) {
    if (value !== undefined && key !== 'CI' && key !== 'NO_COLOR') env[key] = value;
  }
  const pty: IPty = spawnPty(process.execPath, [cliBin, ...args], { cols: options.columns ?? 100, rows: 30, cwd: user.home, env });
  let written = '';
  pty.onData((data) => {
    written += data;
  });
  const exit = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  const run: PtyRun = {
    screen: () => written,
    text: () => stripEscapes(written),
    type: (keys) => pty.write(keys),
    async waitFor(pattern, { from = 0, timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(run.text().slice(from))) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(pattern)}; the terminal shows:\n${run.text()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    exit,
    kill: () => pty.kill(),
  };
  return run;
}
