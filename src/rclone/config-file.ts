import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { CliError, ExitCode } from '../core/errors.js';
import { parseIni, replaceSection } from './ini.js';
import type { Rclone } from './runner.js';

export interface S3RemoteCredentials {
  endpointUrl: string;
  region: string;
  accessKey: string;
  secretKey: string;
}

export const BACKUPS_KEPT = 5;

/** The config file rclone really uses, as rclone itself reports it (honours RCLONE_CONFIG). */
export async function locateRcloneConfig(rclone: Rclone): Promise<string> {
  const result = await rclone.run(['config', 'file'], { timeoutMs: 15_000 });
  const file = result.exitCode === 0 ? configPathFromOutput(result.stdout) : undefined;
  if (!file) {
    throw new CliError('rclone could not tell where its config file is.', {
      hint: `Run \`${rclone.binary} config file\` to see why, or set RCLONE_CONFIG to the file to use.`,
    });
  }
  return file;
}

/**
 * Reads `rclone config file` output: "Configuration file is stored at:" or "Configuration file
 * doesn't exist, but rclone will use this path:", then the path on the next line.
 */
export function configPathFromOutput(stdout: string): string | undefined {
  const lines = stdout.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const last = lines.at(-1);
  return last && !last.endsWith(':') ? last : undefined;
}

/** The remote's keys: a plain S3 remote limited to what a bucket-scoped key can do. */
export function renderS3Remote(credentials: S3RemoteCredentials): Record<string, string> {
  return {
    type: 's3',
    provider: 'Other',
    access_key_id: credentials.accessKey,
    secret_access_key: credentials.secretKey,
    endpoint: credentials.endpointUrl,
    region: credentials.region,
    // A scoped key may not create (or even check) buckets; the bucket already exists.
    no_check_bucket: 'true',
  };
}

/**
 * Adds or replaces only the `[remoteName]` section: backs the file up first, writes atomically
 * with mode 0600, and never touches a file it cannot parse. Returns the replaced section's keys.
 */
export async function writeRemote(
  configPath: string,
  remoteName: string,
  credentials: S3RemoteCredentials,
  options: { now?: Date } = {},
): Promise<{ backupPath: string | undefined; previous: Record<string, string> | undefined }> {
  // Write through a symlink (dotfile managers) instead of replacing it with a plain file.
  const target = await fs.realpath(configPath).catch(() => configPath);
  const text = await readIfExists(target);
  const parsed = parseIni(text ?? '');
  if (!parsed.ok) {
    throw new CliError(`${configPath} cannot be read as an rclone config (line ${parsed.line}: ${parsed.problem}); it was left untouched.`, {
      hint: 'Fix or move the file aside (`rclone config show` points at the problem), then run `basic-memory cloud setup` again.',
      exitCode: ExitCode.failed,
    });
  }
  const previous = parsed.sections.find((section) => section.name === remoteName)?.entries;
  const backupPath = text === undefined ? undefined : await backUp(target, text, options.now ?? new Date());
  await writeFileAtomic(target, replaceSection(text ?? '', parsed.sections, remoteName, renderS3Remote(credentials)), 0o600);
  return { backupPath, previous };
}

export async function readRemote(configPath: string, remoteName: string): Promise<Record<string, string> | undefined> {
  const text = await readIfExists(configPath);
  if (text === undefined) return undefined;
  const parsed = parseIni(text);
  return parsed.ok ? parsed.sections.find((section) => section.name === remoteName)?.entries : undefined;
}

/** `rclone.conf.bak-YYYYMMDD-HHMMSS` in local time (README, `cloud setup`). */
export function backupName(configPath: string, now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${configPath}.bak-${stamp}`;
}

/** Of the backups beside the config, the ones beyond the newest `keep` (names sort by time). */
export function backupsToPrune(configBaseName: string, fileNames: string[], keep = BACKUPS_KEPT): string[] {
  const pattern = new RegExp(`^${escapeRegExp(configBaseName)}\\.bak-\\d{8}-\\d{6}(-\\d+)?$`);
  const backups = fileNames.filter((name) => pattern.test(name)).sort(compareBackups);
  return backups.slice(0, Math.max(0, backups.length - keep));
}

async function backUp(configPath: string, text: string, now: Date): Promise<string> {
  let candidate = backupName(configPath, now);
  // Two setups within one second must not overwrite the first backup.
  for (let n = 1; await exists(candidate); n++) candidate = `${backupName(configPath, now)}-${n}`;
  await writeFileAtomic(candidate, text, 0o600);
  const dir = path.dirname(configPath);
  for (const old of backupsToPrune(path.basename(configPath), await fs.readdir(dir))) {
    await fs.rm(path.join(dir, old), { force: true });
  }
  return candidate;
}

function compareBackups(a: string, b: string): number {
  const key = (name: string) => {
    const match = /\.bak-(\d{8}-\d{6})(?:-(\d+))?$/.exec(name);
    return [match?.[1] ?? '', Number(match?.[2] ?? 0)] as const;
  };
  const [stampA, nA] = key(a);
  const [stampB, nB] = key(b);
  return stampA === stampB ? nA - nB : stampA < stampB ? -1 : 1;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
