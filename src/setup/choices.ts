import type { CredentialSummary } from '../api/types.js';
import { defaultLocalPath } from '../core/paths.js';
import { isThisMachineCredential } from '../credentials/this-machine.js';
import { resolveLocalPath } from '../local/paths.js';
import { parseProfileName, type ProfileName, type Settings } from '../core/settings.js';
import type { TenantState } from '../core/tenant-state.js';

export type SetupMode = 'bisync' | 'mount';

export interface SetupChoices {
  mode: SetupMode;
  profile: ProfileName;
  localPath: string;
}

export interface ChoiceInputs {
  flags: { mode?: SetupMode; profile?: string; path?: string };
  /** What an earlier setup of the same tenant chose: a re-run keeps it unless told otherwise. */
  previous: TenantState | undefined;
  tenantId: string;
  settings: Pick<Settings, 'mountProfile' | 'bisyncProfile'>;
  platform: NodeJS.Platform;
  homeDir: string;
  cwd: string;
}

/** The answers setup uses when it does not ask: flags, then the previous setup, then defaults. */
export function defaultChoices({ flags, previous, tenantId, settings, platform, homeDir, cwd }: ChoiceInputs): SetupChoices {
  const sameTenant = previous?.tenantId === tenantId ? previous : undefined;
  const mode = flags.mode ?? sameTenant?.mode ?? 'bisync';
  const profile = parseProfileName(flags.profile, mode === 'mount' ? settings.mountProfile : settings.bisyncProfile);
  const localPath = flags.path ? resolveLocalPath(flags.path, { platform, homeDir, cwd }) : (sameTenant?.localPath ?? defaultLocalPath(homeDir, tenantId));
  return { mode, profile, localPath };
}


/**
 * The credentials a re-run replaces: the ones holding the access key the old remote used, never
 * the new one. Another machine's credentials are left alone.
 */
export function credentialsReplacedBy(listed: CredentialSummary[], newAccessKey: string, previousAccessKey: string | undefined): CredentialSummary[] {
  if (!previousAccessKey || previousAccessKey === newAccessKey) return [];
  return listed.filter((credential) => isThisMachineCredential(credential, { accessKey: previousAccessKey, credentialId: null }));
}

/** The real cloud's create answer has no id: the id is found by listing and matching the key. */
export function credentialIdFor(listed: CredentialSummary[], accessKey: string): string | null {
  return listed.find((credential) => isThisMachineCredential(credential, { accessKey, credentialId: null }))?.id ?? null;
}
