import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';
import { repoRoot } from './cli.js';

const execFileAsync = promisify(execFile);
export const serverBin = path.join(repoRoot, 'bin', 'basic-memory-server.js');

export interface OperatorCommands {
  /** `basic-memory-server device approve CODE --tenant ID` on the server's data dir, as an operator would. */
  approveDevice(userCode: string, tenantId: string): Promise<void>;
  /** `basic-memory-server device deny CODE`. */
  denyDevice(userCode: string): Promise<void>;
  /** `basic-memory-server user add EMAIL --tenant ID --password-stdin`. */
  addUser(email: string, tenantId: string, password: string): Promise<void>;
}

export type TestServer = RunningServer & OperatorCommands & { cleanup(): Promise<void> };

/** Runs the built server bin against a data dir; rejects with its stderr on a non-zero exit. */
export async function runServerBin(args: string[], dataDir: string, stdin?: string): Promise<{ stdout: string; stderr: string }> {
  const run = execFileAsync(process.execPath, [serverBin, ...args, '--data-dir', dataDir]);
  run.child.stdin?.end(stdin ?? '');
  return run;
}

export function operatorCommands(dataDir: string): OperatorCommands {
  return {
    approveDevice: async (userCode, tenantId) => void (await runServerBin(['device', 'approve', userCode, '--tenant', tenantId], dataDir)),
    denyDevice: async (userCode) => void (await runServerBin(['device', 'deny', userCode], dataDir)),
    addUser: async (email, tenantId, password) => void (await runServerBin(['user', 'add', email, '--tenant', tenantId, '--password-stdin'], dataDir, `${password}\n`)),
  };
}

/** The reference server on free loopback ports with a fresh data dir; `cleanup` stops it and removes the dir. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'bm-server-')));
  const server = await startServer({ host: '127.0.0.1', port: 0, s3Port: 0, ...options, dataDir });
  return Object.assign(server, operatorCommands(dataDir), {
    async cleanup() {
      await server.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  });
}
