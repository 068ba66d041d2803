import fs from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';
import type { Rclone } from './runner.js';
import { parseRcloneVersion, type RcloneVersion } from './version.js';

interface CachedVersion {
  binary: string;
  size: number;
  mtimeMs: number;
  raw: string;
}

/** The file `binary` names: itself when it has a path, else the first match on PATH. */
async function locate(binary: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<string | undefined> {
  if (binary.includes('/') || binary.includes('\\')) return path.resolve(binary);
  const names = platform === 'win32' ? [binary, `${binary}.exe`] : [binary];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await fs.access(candidate).then(() => true, () => false)) return candidate;
    }
  }
  return undefined;
}

/**
 * `rclone version` starts a large Go binary (~100 ms), which `cloud mount` would pay before every
 * mount. Its answer changes only when the binary does, so it is kept keyed by the binary's path,
 * size and mtime; any change (an upgrade, another rclone on PATH) asks rclone again.
 */
export async function cachedRcloneVersion(
  rclone: Pick<Rclone, 'binary' | 'version'>,
  cacheFile: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<RcloneVersion | undefined> {
  const binary = await locate(rclone.binary, env, platform);
  const stat = binary ? await fs.stat(binary).catch(() => undefined) : undefined;
  if (!binary || !stat) return rclone.version();
  const cached = await readJsonFile<CachedVersion>(cacheFile).catch(() => undefined);
  if (cached && cached.binary === binary && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) {
    const parsed = parseRcloneVersion(`rclone v${cached.raw}`);
    if (parsed) return parsed;
  }
  const version = await rclone.version();
  if (version) {
    // Only a speed-up: a state dir that cannot be written must not stop the command.
    await writeJsonFile(cacheFile, { binary, size: stat.size, mtimeMs: stat.mtimeMs, raw: version.raw } satisfies CachedVersion).catch(() => undefined);
  }
  return version;
}
