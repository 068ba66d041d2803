import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliBin = path.join(repoRoot, 'bin', 'basic-memory.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A throwaway user: its own HOME (so ~/.basic-memory and rclone's config live there). */
export interface TestUser {
  home: string;
  stateDir: string;
  rcloneConfig: string;
  env: Record<string, string>;
  run(args: string[], options?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult>;
  cleanup(): Promise<void>;
}

/**
 * Makes a user whose environment is the test process's (AWS_CA_BUNDLE included, on purpose: the
 * CLI must cope with it) with HOME and XDG dirs pointing into a temp dir.
 */
export async function makeTestUser(extraEnv: Record<string, string> = {}): Promise<TestUser> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-user-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BASIC_MEMORY_') && !key.startsWith('RCLONE_') && !key.startsWith('VITEST')) env[key] = value;
  }
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    CI: '1',
    NO_COLOR: '1',
    ...extraEnv,
  });
  const user: TestUser = {
    home,
    stateDir: path.join(home, '.basic-memory'),
    rcloneConfig: path.join(home, '.config', 'rclone', 'rclone.conf'),
    env,
    run: (args, options = {}) => runCli(args, { ...env, ...options.env }, options.timeoutMs),
    cleanup: () => fs.rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }),
  };
  return user;
}

export function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<CliResult> {
  const cleanEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return new Promise((resolve) => {
    execFile(process.execPath, [cliBin, ...args], { env: cleanEnv, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error && typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : error ? 1 : 0;
      resolve({ exitCode: code, stdout, stderr });
    });
  });
}
