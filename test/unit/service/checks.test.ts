import { describe, expect, it } from 'vitest';
import { checkService, serviceOffer, type ServiceFacts } from '../../../src/service/checks.js';
import type { ServiceHealth } from '../../../src/service/state.js';

const record = { manager: 'systemd', nodePath: '/usr/bin/node', cliPath: '/opt/bm/cli.js', installedAt: '2026-11-29T10:00:00.000Z', files: [] };
const running = { installed: true, running: true, pid: 9 };
const healthy = { state: 'watching', lastSyncAt: '2026-11-29T11:00:00.000Z', lastError: null, pausedUntil: null } as ServiceHealth;
const exists = (present: string[]) => (file: string) => Promise.resolve(present.includes(file));
const facts = (overrides: Partial<ServiceFacts>): ServiceFacts => ({ record, status: running, health: healthy, paused: false, fileExists: exists(['/usr/bin/node', '/opt/bm/cli.js']), ...overrides });

describe('checkService', () => {
  it.each<[string, Partial<ServiceFacts>, string, RegExp]>([
    ['not installed', { record: undefined, status: { installed: false, running: false, pid: undefined } }, 'ok', /^not installed/],
    ['running and syncing', {}, 'ok', /^running, last sync 2026-11-29T11:00:00.000Z\.$/],
    ['node was removed (an nvm or Homebrew upgrade)', { fileExists: exists(['/opt/bm/cli.js']) }, 'fail', /node at \/usr\/bin\/node, which no longer exists/],
    ['the CLI was moved', { fileExists: exists(['/usr/bin/node']) }, 'fail', /the CLI at \/opt\/bm\/cli.js/],
    ['the unit file was deleted by hand', { status: { installed: false, running: false, pid: undefined } }, 'fail', /service file is gone/],
    ['stopped', { status: { installed: true, running: false, pid: undefined } }, 'warn', /not running/],
    ['paused', { paused: true, health: { ...healthy, pausedUntil: '2026-11-29T14:00:00.000Z' } }, 'warn', /paused until 2026-11-29T14:00:00.000Z/],
    ['failing', { health: { ...healthy, state: 'failing', lastError: { at: 'x', message: 'connection refused' } } }, 'warn', /failing: connection refused/],
  ])('%s → %s', async (_name, overrides, status, detail) => {
    const check = await checkService(facts(overrides));
    expect(check.status).toBe(status);
    expect(check.detail).toMatch(detail);
    expect(check.fix === '').toBe(status === 'ok');
  });
});

describe('serviceOffer (cloud setup)', () => {
  it.each([
    [{ flag: true, mode: 'bisync', canPrompt: false, yes: false }, 'install'],
    [{ flag: false, mode: 'bisync', canPrompt: true, yes: true }, 'skip'],
    [{ flag: undefined, mode: 'bisync', canPrompt: true, yes: false }, 'ask'],
    [{ flag: undefined, mode: 'bisync', canPrompt: true, yes: true }, 'install'],
    [{ flag: undefined, mode: 'bisync', canPrompt: false, yes: false }, 'skip'],
    [{ flag: undefined, mode: 'mount', canPrompt: true, yes: false }, 'skip'],
    [{ flag: true, mode: 'mount', canPrompt: true, yes: false }, 'skip'],
  ] as const)('%j → %s', (input, expected) => {
    expect(serviceOffer(input)).toBe(expected);
  });
});
