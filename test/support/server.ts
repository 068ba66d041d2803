import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';

export type TestServer = RunningServer & { cleanup(): Promise<void> };

/** The reference server on free loopback ports with a fresh data dir; `cleanup` stops it and removes the dir. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'bm-server-')));
  const server = await startServer({ host: '127.0.0.1', port: 0, s3Port: 0, ...options, dataDir });
  return Object.assign(server, {
    async cleanup() {
      await server.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  });
}
