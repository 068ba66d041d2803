import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const execFileAsync = promisify(execFile);

export interface JsonReply<T> {
  status: number;
  body: T;
}

/** One list entry of `GET /tenant/mount/credentials`. */
export interface ListedCredential {
  id: string;
  access_key: string;
  description: string;
  created_at: string;
  last_used_at: string | null;
}

/** One request to the API, JSON in and out; `T` is the body shape the caller expects (HTML comes back as a string). */
export async function callApi<T = Record<string, unknown>>(apiUrl: string, method: string, path: string, options: { token?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<JsonReply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const response = await fetch(`${apiUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

export interface Credential {
  id: string;
  access_key: string;
  secret_key: string;
  endpoint_url: string;
  bucket_name: string;
  region: string;
}

export async function createCredential(apiUrl: string, token: string): Promise<Credential> {
  const reply = await callApi<Credential>(apiUrl, 'POST', '/tenant/mount/credentials', { token });
  if (reply.status !== 200) throw new Error(`credential creation: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export interface RcloneResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real rclone against the store with an on-the-fly S3 remote (`:s3,…:`), no config file,
 * and without AWS_CA_BUNDLE, which breaks rclone 1.60's S3 backend.
 */
export async function rclone(credential: Pick<Credential, 'access_key' | 'secret_key' | 'endpoint_url'>, args: string[]): Promise<RcloneResult> {
  const { AWS_CA_BUNDLE: _ignored, ...env } = process.env;
  try {
    const { stdout, stderr } = await execFileAsync('rclone', args, {
      env: {
        ...env,
        RCLONE_CONFIG: '/dev/null',
        RCLONE_S3_PROVIDER: 'Other',
        RCLONE_S3_ACCESS_KEY_ID: credential.access_key,
        RCLONE_S3_SECRET_ACCESS_KEY: credential.secret_key,
        RCLONE_S3_ENDPOINT: credential.endpoint_url,
        RCLONE_S3_REGION: 'auto',
        RCLONE_S3_NO_CHECK_BUCKET: 'true',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** The remote spec for a bucket (or the service root with no bucket) under the env-configured `:s3:` backend. */
export function remote(bucket = '', path = ''): string {
  return `:s3:${bucket}${path ? `/${path}` : ''}`;
}

/** The ids of the tenant's live credentials, as the API lists them. */
export async function listedIds(apiUrl: string, token: string): Promise<string[]> {
  const reply = await callApi<{ credentials: ListedCredential[] }>(apiUrl, 'GET', '/tenant/mount/credentials', { token });
  return reply.body.credentials.map((credential) => credential.id);
}

/** A fresh temporary folder for the tests of one `describe`, removed after them; call the result for its path. */
export function useTempDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

export const bin = path.resolve('bin/basic-memory-server.js');

/** Starts the built bin and resolves once it has printed its three lines. */
export function startBin(dataDir: string) {
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--s3-port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').length > 3) resolve(stdout);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}
