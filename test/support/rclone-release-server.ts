import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ZipFile } from 'yazl';
import { parseRcloneVersion } from '../../src/rclone/version.js';
import { repoRoot } from './cli.js';

/**
 * A real rclone newer than Debian's: the one .ci/run fetches into .ci-cache/, else the developers'
 * copy, else fetched here with the same script (never a fake: the installed binary must run).
 */
export function newestRcloneBinary(): string {
  const ciCache = path.join(repoRoot, '.ci-cache', 'rclone-unstable');
  for (const candidate of [path.join(ciCache, 'usr', 'bin', 'rclone'), '/work/rclone-unstable/usr/bin/rclone']) {
    if (existsSync(candidate)) return candidate;
  }
  return execFileSync(path.join(repoRoot, 'scripts', 'ci', 'fetch-rclone-unstable.sh'), [ciCache], { encoding: 'utf8' }).trim();
}

export function binaryVersion(binary: string): string {
  const parsed = parseRcloneVersion(execFileSync(binary, ['version'], { encoding: 'utf8' }));
  if (!parsed) throw new Error(`${binary} printed no version`);
  return `${parsed.major}.${parsed.minor}.${parsed.patch}`;
}

/**
 * Zips a binary as rclone's release build does (`zip -r9` of a folder named after the archive,
 * holding the binary, the manual and the man page), with yazl, the writing half of yauzl.
 */
export async function releaseZip(binary: string, folder: string): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addFile(binary, `${folder}/rclone`, { mode: 0o100755, compress: true });
  zip.addBuffer(Buffer.from('rclone manual\n'), `${folder}/README.txt`, { mode: 0o100644 });
  zip.addBuffer(Buffer.from('<html>rclone manual</html>\n'), `${folder}/README.html`, { mode: 0o100644 });
  zip.addBuffer(Buffer.from('.TH rclone 1\n'), `${folder}/rclone.1`, { mode: 0o100644 });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** rclone's SHA256SUMS as `sha256sum | gpg --clearsign` writes it (the signature is a stand-in). */
export function clearSignedSums(lines: string[]): string {
  return ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA512', '', ...lines, '-----BEGIN PGP SIGNATURE-----', '', 'iQIzBAEBCgAdFiEEstandin', '=stnd', '-----END PGP SIGNATURE-----', ''].join('\n');
}

export interface ServedFile {
  body: Buffer | string;
  /** Announce the whole length, send this many bytes, then close the connection. */
  cutAfter?: number;
}

export interface ReleaseServer {
  baseUrl: string;
  files: Map<string, ServedFile>;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** A download site on loopback: only what the test puts in `files`, 404 for the rest. */
export async function startReleaseServer(): Promise<ReleaseServer> {
  const files = new Map<string, ServedFile>();
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    requests.push(url);
    const file = files.get(url);
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = Buffer.isBuffer(file.body) ? file.body : Buffer.from(file.body);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    if (file.cutAfter === undefined) {
      response.end(body);
      return;
    }
    response.write(body.subarray(0, file.cutAfter), () => {
      response.socket?.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    files,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every file under `dir`, relative, hidden ones included ([] when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { recursive: true })).map(String).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
