/**
 * Counts wrong guesses (user codes, passwords) per client address: after `limit` wrong ones in a row
 * the address is refused until `windowMs` has passed since its last wrong guess; a right guess
 * starts the count again. Kept in memory: a restart forgives, which a 34-bit code space affords.
 * Device logins started are counted the same way, each start as a `wrong`: one address may start
 * `limit` of them, then waits `windowMs` after its last.
 */
export interface GuessLimiter {
  /** True when this address may not guess now. */
  blocked(address: string): boolean;
  wrong(address: string): void;
  right(address: string): void;
}

export function guessLimiter(options: { limit: number; windowMs: number; now?: () => number; maxAddresses?: number }): GuessLimiter {
  const now = options.now ?? Date.now;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const counts = new Map<string, { wrong: number; lastAt: number }>();
  const current = (address: string) => {
    const entry = counts.get(address);
    if (entry && now() - entry.lastAt >= options.windowMs) {
      counts.delete(address);
      return undefined;
    }
    return entry;
  };
  return {
    blocked: (address) => (current(address)?.wrong ?? 0) >= options.limit,
    wrong(address) {
      const entry = current(address) ?? { wrong: 0, lastAt: 0 };
      entry.wrong += 1;
      entry.lastAt = now();
      // Bounded memory: the oldest address is forgotten first (a Map keeps insertion order).
      counts.delete(address);
      counts.set(address, entry);
      if (counts.size > maxAddresses) counts.delete(counts.keys().next().value as string);
    },
    right(address) {
      counts.delete(address);
    },
  };
}
