import type { Check } from '../doctor/checks.js';
import type { ServiceStatus } from './managers.js';
import type { InstallRecord, ServiceHealth } from './state.js';

export interface ServiceFacts {
  record: InstallRecord | undefined;
  status: ServiceStatus;
  health: ServiceHealth | undefined;
  paused: boolean;
  fileExists: (file: string) => Promise<boolean>;
}

/** `cloud doctor`'s service line: installed, running, its recorded paths still there, syncing. */
export async function checkService(facts: ServiceFacts): Promise<Check> {
  const name = 'sync service';
  const check = (status: Check['status'], detail: string, fix = ''): Check => ({ name, status, detail, fix });
  if (!facts.record && !facts.status.installed) return check('ok', 'not installed: sync runs when you run `basic-memory cloud bisync`.');
  if (facts.record) {
    // A node upgraded or removed (nvm, Homebrew) leaves the service pointing at nothing.
    for (const [what, file] of [['node', facts.record.nodePath], ['the CLI', facts.record.cliPath]] as const) {
      if (!(await facts.fileExists(file))) return check('fail', `the service runs ${what} at ${file}, which no longer exists.`, 'Run `basic-memory cloud bisync-service install` again to record the current paths.');
    }
  }
  if (!facts.status.installed) return check('fail', 'the service was installed but its service file is gone.', 'Run `basic-memory cloud bisync-service install` again.');
  if (!facts.status.running) return check('warn', 'installed but not running.', 'Run `basic-memory cloud bisync-service start`, or `... logs` to see why it stopped.');
  if (facts.paused) return check('warn', `paused${facts.health?.pausedUntil ? ` until ${facts.health.pausedUntil}` : ' until resumed'}: nothing is synced.`, 'Run `basic-memory cloud bisync-service resume`.');
  if (facts.health?.state === 'failing') {
    return check('warn', `running, but syncs are failing${facts.health.lastError ? `: ${facts.health.lastError.message}` : ''}.`, 'Run `basic-memory cloud bisync-service logs`.');
  }
  return check('ok', `running${facts.health?.lastSyncAt ? `, last sync ${facts.health.lastSyncAt}` : ''}.`);
}

export type ServiceOffer = 'install' | 'skip' | 'ask';

/**
 * Pure: whether `cloud setup` installs the service. The flag decides; otherwise a terminal is asked
 * (default yes) in bisync mode, `--yes` takes that default, and without a terminal nothing is
 * installed (CI and containers have no service manager to install into).
 */
export function serviceOffer(input: { flag: boolean | undefined; mode: 'bisync' | 'mount'; canPrompt: boolean; yes: boolean }): ServiceOffer {
  if (input.mode === 'mount') return 'skip';
  if (input.flag !== undefined) return input.flag ? 'install' : 'skip';
  if (!input.canPrompt) return 'skip';
  return input.yes ? 'install' : 'ask';
}
