/**
 * Who answers Ctrl-C. A command that stops cleanly by itself (a sync finishing its rclone run, a
 * mount undoing itself) claims it while it runs; anywhere else the entry point ends the process at
 * once with exit 130 and one line (`interruptedLine`).
 */
const claims = new Set<symbol>();

/** Claims Ctrl-C for the caller; the returned function gives it back. */
export function claimInterrupts(): () => void {
  const claim = Symbol('interrupt claim');
  claims.add(claim);
  return () => {
    claims.delete(claim);
  };
}

export function interruptsClaimed(): boolean {
  return claims.size > 0;
}

/** Pure: the one line a command ends with on Ctrl-C: the step it stopped in, and the ones done. */
export function interruptedLine(running: string | undefined, done: readonly string[]): string {
  const before = done.length > 0 ? `done before it: ${done.join('; ')}` : 'nothing was done before it';
  if (running) return `Interrupted while ${running.charAt(0).toLowerCase()}${running.slice(1)} (not finished); ${before}.`;
  return done.length > 0 ? `Interrupted; done: ${done.join('; ')}.` : 'Interrupted; nothing was done.';
}
