import type { AuditRepository } from '../db/audit.js';
import type { CredentialRepository, MountCredential } from '../db/credentials.js';
import type { StorageProvider } from '../storage/provider.js';

export const DEFAULT_ORPHAN_AFTER_DAYS = 90;
const DAY_MS = 24 * 3600_000;

export interface DeletionRetryPolicy {
  /** Wait after the first failed attempt; each later failure doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failed attempts after which the deletion is `failed` and left to the operator. */
  maxAttempts: number;
}

export const defaultDeletionRetryPolicy: DeletionRetryPolicy = { baseDelayMs: 30_000, maxDelayMs: 3600_000, maxAttempts: 10 };

/** When to try a provider deletion again after `attempts` failures, or null once the bound is reached. */
export function nextDeletionAttemptAt(policy: DeletionRetryPolicy, attempts: number, now: number): number | null {
  if (attempts >= policy.maxAttempts) return null;
  return now + Math.min(policy.baseDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
}

export interface CredentialLifecycle {
  /**
   * Revokes at once in the database (the credential leaves every listing) and records one audit
   * event; the provider deletion is tried now and, when it fails, again later by `retryDeletions`.
   */
  revoke(credential: MountCredential, reason: 'revoked' | 'orphaned'): Promise<{ revokedAt: string }>;
  /** Tries the provider deletions that are due; returns how many completed. */
  retryDeletions(): Promise<number>;
  /** Revokes, as orphaned, live credentials unused for longer than the configured time; returns how many. */
  orphanUnused(): Promise<number>;
}

export interface CredentialLifecycleDeps {
  credentials: CredentialRepository;
  audit: AuditRepository;
  provider: StorageProvider;
  log: (line: string) => void;
  orphanAfterDays?: number;
  retry?: DeletionRetryPolicy;
  now?: () => Date;
  /** Told of each revocation as soon as it is in the database, before the provider deletion is tried. */
  onRevoked?: (accessKey: string) => void;
}

export function createCredentialLifecycle(deps: CredentialLifecycleDeps): CredentialLifecycle {
  const now = () => (deps.now ?? (() => new Date()))();
  const policy = deps.retry ?? defaultDeletionRetryPolicy;

  async function deleteAtProvider(credential: MountCredential, previousAttempts: number): Promise<boolean> {
    try {
      await deps.provider.revokeKey(credential.accessKey, credential.policyArn);
    } catch (error) {
      const attempts = previousAttempts + 1;
      const nextAt = nextDeletionAttemptAt(policy, attempts, now().getTime());
      deps.credentials.recordDeletionFailure(credential.id, attempts, nextAt === null ? null : new Date(nextAt).toISOString());
      const outcome = nextAt === null ? 'giving up: tigris_deletion_status is failed' : `retrying at ${new Date(nextAt).toISOString()}`;
      deps.log(`provider deletion of credential ${credential.id} (${credential.accessKey}) failed (attempt ${attempts}): ${(error as Error).message}; ${outcome}`);
      return false;
    }
    deps.credentials.markDeletionCompleted(credential.id, now().toISOString());
    return true;
  }

  const lifecycle: CredentialLifecycle = {
    async revoke(credential, reason) {
      const revokedAt = now().toISOString();
      deps.credentials.markRevoked(credential.id, revokedAt, 'pending');
      deps.onRevoked?.(credential.accessKey);
      deps.audit.record({
        at: revokedAt,
        type: reason === 'orphaned' ? 'MountCredentialOrphaned' : 'MountCredentialRevoked',
        tenantId: credential.tenantId,
        credentialId: credential.id,
        accessKey: credential.accessKey,
      });
      deps.log(`credential ${credential.id} (${credential.accessKey}) ${reason} for tenant ${credential.tenantId}`);
      await deleteAtProvider(credential, 0);
      return { revokedAt };
    },

    async retryDeletions() {
      let completed = 0;
      for (const credential of deps.credentials.listDeletionsDue(now().toISOString())) {
        if (await deleteAtProvider(credential, credential.deletionAttempts)) completed += 1;
      }
      return completed;
    },

    async orphanUnused() {
      const before = new Date(now().getTime() - (deps.orphanAfterDays ?? DEFAULT_ORPHAN_AFTER_DAYS) * DAY_MS).toISOString();
      const unused = deps.credentials.listUnusedSince(before);
      for (const credential of unused) await lifecycle.revoke(credential, 'orphaned');
      return unused.length;
    },
  };
  return lifecycle;
}
