import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { cliBin, makeTestUser, type TestUser } from '../../support/cli.js';
import { afterAll, beforeAll } from 'vitest';
import type { ServerOptions } from '../../../src/server/index.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';

/** A provisioned user with helpers that read and write both sides of the pair. */
export interface Pair {
  user: TestUser;
  tenant: ProvisionedTenant;
  local: string;
  bisync(...args: string[]): ReturnType<TestUser['run']>;
  writeLocal(file: string, text: string, mtime?: Date): Promise<void>;
  readLocal: (file: string) => Promise<string | undefined>;
  localFiles(): Promise<string[]>;
  writeCloud(file: string, text: string, mtime?: Date): Promise<void>;
  readCloud: (file: string) => Promise<string | undefined>;
  cloudFiles(): Promise<string[]>;
  deleteCloud(file: string): Promise<void>;
}

/**
 * One reference server for a test file, and fresh provisioned users on it; all cleaned up after
 * the file. Call at the top level of the file.
 */
export function useServer(serverOptions: Partial<ServerOptions> = {}): { newPair: (options?: { profile?: string }) => Promise<Pair>; server: () => TestServer } {
  let server: TestServer | undefined;
  const pairs: Pair[] = [];
  beforeAll(async () => {
    server = await startTestServer(serverOptions);
  });
  afterAll(async () => {
    for (const pair of pairs) await pair.user.cleanup();
    await server?.cleanup();
  });
  return {
    server: () => {
      if (!server) throw new Error('useServer: the server is not started yet');
      return server;
    },
    async newPair(options = {}) {
      if (!server) throw new Error('useServer: the server is not started yet (call newPair inside a test or hook)');
      const pair = await makePair(server, options);
      pairs.push(pair);
      return pair;
    },
  };
}

export async function makePair(server: TestServer, options: { profile?: string } = {}): Promise<Pair> {
  const user = await makeTestUser();
  const tenant = await provisionTenant(server, user, { mode: 'bisync' });
  const local = tenant.localPath;
  const bucket = `${tenant.remoteName}:${tenant.bucketName}`;
  const profileArgs = options.profile ? ['--profile', options.profile] : [];
  const pair: Pair = {
    user,
    tenant,
    local,
    bisync: (...args) => user.run(['cloud', 'bisync', ...profileArgs, ...args]),
    async writeLocal(file, text, mtime) {
      const target = path.join(local, file);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, text);
      if (mtime) await fs.utimes(target, mtime, mtime);
    },
    readLocal: (file) => fs.readFile(path.join(local, file), 'utf8').catch(() => undefined),
    async localFiles() {
      const entries = await fs.readdir(local, { recursive: true, withFileTypes: true });
      return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(local, path.join(entry.parentPath, entry.name))).sort();
    },
    async writeCloud(file, text, mtime) {
      const source = path.join(user.home, `upload-${Date.now()}-${Math.random().toString(16).slice(2)}`);
      await fs.writeFile(source, text);
      if (mtime) await fs.utimes(source, mtime, mtime);
      await rcloneAs(user, ['copyto', source, `${bucket}/${file}`]);
      await fs.rm(source);
    },
    readCloud: (file) => rcloneAs(user, ['cat', `${bucket}/${file}`]).then((result) => result.stdout, () => undefined),
    async cloudFiles() {
      const { stdout } = await rcloneAs(user, ['lsf', '-R', '--files-only', bucket]);
      return stdout.split('\n').filter(Boolean).sort();
    },
    async deleteCloud(file) {
      await rcloneAs(user, ['deletefile', `${bucket}/${file}`]);
    },
  };
  return pair;
}

/** Notes only: the check file is ours, the rest is what the user sees. */
export const notes = (files: string[]) => files.filter((file) => file !== '.basic-memory-bisync');

export interface Spawned {
  child: ChildProcess;
  stderr(): string;
  exit: Promise<number>;
}

/** The built CLI as a background process (for Ctrl-C and watch mode). */
export function spawnCli(user: TestUser, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [cliBin, ...args], { env: { ...user.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.resume();
  const exit = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { child, stderr: () => stderr, exit };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** rclone processes started for this user's folder (none must outlive the CLI). */
export async function rcloneProcessesFor(folder: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('rclone') || cmdline.includes('/rclone\0')) {
      if (cmdline.split('\0').includes(folder)) pids.push(Number(entry));
    }
  }
  return pids;
}
