import type { CredentialSummary } from '../api/types.js';

/** What this machine knows of its own credential: the key its rclone remote holds, the id when setup learnt it. */
export interface MachineCredential {
  accessKey: string;
  credentialId: string | null;
}

/**
 * Whether a listed credential is the one this machine's rclone remote uses. The access key decides
 * (it is what rclone signs with); the recorded id names the same credential when setup found it.
 */
export function isThisMachineCredential(credential: CredentialSummary, mine: MachineCredential): boolean {
  return credential.access_key === mine.accessKey || (mine.credentialId !== null && credential.id === mine.credentialId);
}
