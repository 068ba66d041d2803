import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILE_NAMES, parseDuration, type ProfileName } from '../core/settings.js';

/** One mount profile, as written in profiles/mount.json; durations kept in rclone's own notation. */
export interface MountProfile {
  name: ProfileName;
  description: string;
  /** How long listings are cached: remote changes show in the mount after this (S3 sends no notifications). */
  dirCacheTime: string;
  attrTimeout: string;
  vfsCachePollInterval: string;
  /** Delay between closing a written file and its upload. */
  vfsWriteBack: string;
}

/** This file compiles to dist/mount/profiles.js: the package root is two levels up. */
export const mountProfilesFile = fileURLToPath(new URL('../../profiles/mount.json', import.meta.url));

const DURATION_FIELDS = {
  dirCacheTime: 'dir_cache_time',
  attrTimeout: 'attr_timeout',
  vfsCachePollInterval: 'vfs_cache_poll_interval',
  vfsWriteBack: 'vfs_write_back',
} as const;

/** Pure: validates the profile file's JSON into typed profiles, naming the first bad field. */
export function parseMountProfiles(json: unknown): Record<ProfileName, MountProfile> {
  const profiles = (json as { profiles?: Record<string, Record<string, unknown>> } | null)?.profiles ?? {};
  const result = {} as Record<ProfileName, MountProfile>;
  for (const name of PROFILE_NAMES) {
    const raw = profiles[name];
    if (!raw) throw new Error(`profiles/mount.json has no "${name}" profile`);
    const text = (key: string, valid: (value: string) => boolean): string => {
      const value = raw[key];
      if (typeof value !== 'string' || !valid(value)) throw new Error(`profiles/mount.json: "${name}.${key}" is missing or invalid`);
      return value;
    };
    // rclone reads "5s", "1m", "500ms"; a bare number would mean nanoseconds to it, so a unit is required.
    const isDuration = (value: string) => /[a-z]$/.test(value) && parseDuration(value) !== undefined;
    result[name] = {
      name,
      description: text('description', (value) => value.length > 0),
      dirCacheTime: text(DURATION_FIELDS.dirCacheTime, isDuration),
      attrTimeout: text(DURATION_FIELDS.attrTimeout, isDuration),
      vfsCachePollInterval: text(DURATION_FIELDS.vfsCachePollInterval, isDuration),
      vfsWriteBack: text(DURATION_FIELDS.vfsWriteBack, isDuration),
    };
  }
  return result;
}

let loaded: Record<ProfileName, MountProfile> | undefined;

export function loadMountProfile(name: ProfileName): MountProfile {
  loaded ??= parseMountProfiles(JSON.parse(readFileSync(mountProfilesFile, 'utf8')));
  return loaded[name];
}
