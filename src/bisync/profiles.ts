import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILE_NAMES, type ProfileName } from '../core/settings.js';

/** One bisync safety profile, as written in profiles/bisync.json. */
export interface BisyncProfile {
  name: ProfileName;
  description: string;
  /** `none` keeps both copies of a conflict; `newer` lets the newer one keep the name. */
  conflictResolve: 'none' | 'newer';
  conflictLoser: 'num' | 'pathname';
  conflictSuffix: string;
  /** Percent of one side's files a run may delete, as rclone bisync reads --max-delete. */
  maxDeletePercent: number;
  checkAccess: boolean;
  resilient: boolean;
  compare: string;
}

interface ProfileFile {
  profiles: Record<string, Record<string, unknown>>;
}

/** This file compiles to dist/bisync/profiles.js: the package root is two levels up. */
export const bisyncProfilesFile = fileURLToPath(new URL('../../profiles/bisync.json', import.meta.url));

/** Pure: validates the profile file's JSON into typed profiles, naming the first bad field. */
export function parseBisyncProfiles(json: unknown): Record<ProfileName, BisyncProfile> {
  const file = json as ProfileFile;
  const result = {} as Record<ProfileName, BisyncProfile>;
  for (const name of PROFILE_NAMES) {
    const raw = file.profiles[name];
    if (!raw) throw new Error(`profiles/bisync.json has no "${name}" profile`);
    const field = <T>(key: string, check: (value: unknown) => boolean): T => {
      const value = raw[key];
      if (!check(value)) throw new Error(`profiles/bisync.json: "${name}.${key}" is missing or invalid`);
      return value as T;
    };
    const isString = (value: unknown) => typeof value === 'string' && value.length > 0;
    result[name] = {
      name,
      description: field('description', isString),
      conflictResolve: field('conflict_resolve', (value) => value === 'none' || value === 'newer'),
      conflictLoser: field('conflict_loser', (value) => value === 'num' || value === 'pathname'),
      conflictSuffix: field('conflict_suffix', isString),
      maxDeletePercent: field('max_delete', (value) => typeof value === 'number' && value >= 0 && value <= 100),
      checkAccess: field('check_access', (value) => typeof value === 'boolean'),
      resilient: field('resilient', (value) => typeof value === 'boolean'),
      compare: field('compare', isString),
    };
  }
  return result;
}

let loaded: Record<ProfileName, BisyncProfile> | undefined;

export function loadBisyncProfiles(): BisyncProfile[] {
  loaded ??= parseBisyncProfiles(JSON.parse(readFileSync(bisyncProfilesFile, 'utf8')));
  return Object.values(loaded);
}

export function loadBisyncProfile(name: ProfileName): BisyncProfile {
  return loadBisyncProfiles().find((profile) => profile.name === name) as BisyncProfile;
}
