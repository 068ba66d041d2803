import type { CredentialRepository } from '../db/credentials.js';

const MIN_INTERVAL_MS = 60_000;

/**
 * Keeps a credential's `last_used_at` (docs/API-CONTRACT.md; it finds orphaned credentials) without a database
 * write per S3 request: each key is recorded at most once a minute.
 */
export function lastUsedRecorder(credentials: CredentialRepository, now: () => number = Date.now): (accessKey: string) => void {
  const recordedAt = new Map<string, number>();
  return (accessKey) => {
    const at = now();
    if (at - (recordedAt.get(accessKey) ?? -Infinity) < MIN_INTERVAL_MS) return;
    recordedAt.set(accessKey, at);
    credentials.touchLastUsed(accessKey, new Date(at).toISOString());
  };
}
