import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { ContainerOptions } from '../../../src/server/index.js';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, rcloneAs, type ProvisionedTenant } from '../../support/tenant.js';

export interface NoteJson {
  path: string;
  size: number;
  modified_at: string;
  title: string | null;
}

export interface NotesJson {
  notes: NoteJson[];
  container: { started_at: string; startup_ms: number; refreshed_at: string; titles_pending: number; layers: string[] };
}

/** A server running container views, and one provisioned bisync user on it. */
export interface ContainerWorld {
  server: TestServer;
  user: TestUser;
  tenant: ProvisionedTenant;
  log: string[];
  notes(): Promise<NotesJson>;
  /** GET /tenant/notes once every listed note's title is read (start-up reads them after listing), polled every 100 ms. */
  notesWithTitles(boundMs?: number): Promise<NotesJson>;
  api(method: 'GET' | 'POST', urlPath: string, options?: { json?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: unknown }>;
  writeLocal(file: string, text: string): Promise<void>;
  writeCloud(file: string, text: string): Promise<void>;
  deleteCloud(file: string): Promise<void>;
  /** Milliseconds until GET /tenant/notes lists `file` (polled every 100 ms), or undefined past `boundMs`. */
  timeUntilVisible(file: string, boundMs: number): Promise<number | undefined>;
  mountPoint(): string;
  /** Stops the server (and its containers) and removes the user, once. */
  close(): Promise<void>;
}

const worlds: ContainerWorld[] = [];

/** Closes every world a test made: the server's close must unmount every container (checked by the tests that care). */
export function cleanUpWorlds(): void {
  afterEach(async () => {
    for (const world of worlds.splice(0)) await world.close();
  });
}

export async function containerWorld(container: ContainerOptions): Promise<ContainerWorld> {
  const log: string[] = [];
  const server = await startTestServer({ container, log: (line) => log.push(line) });
  const user = await makeTestUser();
  const tenant = await provisionTenant(server, user, { mode: 'bisync' });
  const bucket = `${tenant.remoteName}:${tenant.bucketName}`;
  const api: ContainerWorld['api'] = async (method, urlPath, options = {}) => {
    const response = await fetch(`${server.apiUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json', ...options.headers },
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const notes = async () => {
    const reply = await api('GET', '/tenant/notes');
    if (reply.status !== 200) throw new Error(`GET /tenant/notes: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body as NotesJson;
  };
  const world: ContainerWorld = {
    server,
    user,
    tenant,
    log,
    notes,
    async notesWithTitles(boundMs = 30_000) {
      const began = Date.now();
      for (;;) {
        const view = await notes();
        if (view.container.titles_pending === 0) return view;
        if (Date.now() - began > boundMs) throw new Error(`${view.container.titles_pending} titles still unread after ${boundMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    api,
    async writeLocal(file, text) {
      const target = path.join(tenant.localPath, file);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, text);
    },
    async writeCloud(file, text) {
      const source = path.join(user.home, `upload-${Date.now()}-${Math.random().toString(16).slice(2)}`);
      await fs.writeFile(source, text);
      await rcloneAs(user, ['copyto', source, `${bucket}/${file}`]);
      await fs.rm(source);
    },
    async deleteCloud(file) {
      await rcloneAs(user, ['deletefile', `${bucket}/${file}`]);
    },
    async timeUntilVisible(file, boundMs) {
      const began = Date.now();
      while (Date.now() - began <= boundMs) {
        if ((await notes()).notes.some((note) => note.path === file)) return Date.now() - began;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    },
    mountPoint: () => path.join(server.dataDir, 'containers', tenant.tenantId, 'mnt'),
    async close() {
      if (closed) return;
      closed = true;
      await server.cleanup();
      await user.cleanup();
    },
  };
  let closed = false;
  worlds.push(world);
  return world;
}

/** Whether the OS mount table lists `mountPoint`. */
export async function isMounted(mountPoint: string): Promise<boolean> {
  const table = await fs.readFile('/proc/self/mounts', 'utf8');
  return table.split('\n').some((line) => line.split(' ')[1] === mountPoint);
}

/** rclone processes whose command line names `mountPoint`. */
export async function rcloneServing(mountPoint: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const words = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (words.some((word) => /(^|\/)rclone$/.test(word)) && words.includes(mountPoint)) pids.push(Number(entry));
  }
  return pids;
}
