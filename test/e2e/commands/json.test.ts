import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands.js';
import { makeTestUser, type TestUser } from '../../support/cli.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { provisionTenant, type ProvisionedTenant } from '../../support/tenant.js';

/**
 * `--json` over the whole command table: on success and on each failure a command can have, stdout
 * holds exactly one JSON document (the result, or `{"error": {code, message, hint}}`) with one
 * key-naming scheme (camelCase). Each case runs the built CLI as a new user.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
});

interface World {
  user: TestUser;
  /** Set for a `ready` user: set up (tenant state, rclone remote) and logged in with BASIC_MEMORY_TOKEN. */
  tenant: ProvisionedTenant | undefined;
}

interface Step {
  args: string[] | ((world: World) => Promise<string[]> | string[]);
  exit: number;
  /** A report that ends non-zero on purpose (doctor's failed checks) prints its own document, not an error. */
  report?: boolean;
}

/** A user to start from, and the commands to run in order (the last one is the case's command). */
interface Case {
  user: 'fresh' | 'ready';
  steps: Step[];
}

const ok = (args: Step['args']): Step => ({ args, exit: 0 });
const newToken = async () => (await server.mintToken('new')).token;
const ownCredential = (world: World) => world.tenant?.state.credentialId ?? 'none';

/** Every user-facing command, by its words: its success and its failures. Usage errors are tested for all below. */
const CASES: Record<string, Record<string, Case>> = {
  'cloud login': {
    'a token is stored': { user: 'fresh', steps: [ok(async () => ['cloud', 'login', '--token', await newToken()])] },
    'the cloud rejects the token (3)': { user: 'fresh', steps: [{ args: ['cloud', 'login', '--token', 'not-a-jwt'], exit: 3 }] },
    'the cloud cannot be reached (1)': { user: 'fresh', steps: [{ args: ['cloud', 'login', '--token', 'x', '--api-url', 'http://127.0.0.1:1'], exit: 1 }] },
  },
  'cloud logout': { 'nothing stored': { user: 'fresh', steps: [ok(['cloud', 'logout'])] } },
  'cloud status': {
    'not logged in': { user: 'fresh', steps: [ok(['cloud', 'status'])] },
    'set up': { user: 'ready', steps: [ok(['cloud', 'status'])] },
  },
  'cloud setup': {
    'from nothing to a first sync': { user: 'fresh', steps: [ok(async () => ['cloud', 'login', '--token', await newToken()]), ok(['cloud', 'setup', '--yes', '--mode', 'bisync'])] },
    'not logged in, no terminal (3)': { user: 'fresh', steps: [{ args: ['cloud', 'setup', '--yes', '--skip-install'], exit: 3 }] },
  },
  'cloud mount': {
    'not set up (1)': { user: 'fresh', steps: [{ args: ['cloud', 'mount'], exit: 1 }] },
    'mounted, then unmounted': { user: 'ready', steps: [ok(['cloud', 'mount']), ok(['cloud', 'unmount'])] },
  },
  'cloud unmount': { 'not mounted': { user: 'fresh', steps: [ok(['cloud', 'unmount'])] } },
  'cloud mount-status': {
    'not set up (1)': { user: 'fresh', steps: [{ args: ['cloud', 'mount-status'], exit: 1 }] },
    'not mounted': { user: 'ready', steps: [ok(['cloud', 'mount-status'])] },
  },
  'cloud bisync': {
    'not set up (1)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync'], exit: 1 }] },
    'first sync': { user: 'ready', steps: [ok(['cloud', 'bisync'])] },
    '--watch with --dry-run (2)': { user: 'ready', steps: [{ args: ['cloud', 'bisync', '--watch', '--dry-run'], exit: 2 }] },
  },
  'cloud bisync-status': {
    'not set up (1)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync-status'], exit: 1 }] },
    'after a sync': { user: 'ready', steps: [ok(['cloud', 'bisync']), ok(['cloud', 'bisync-status'])] },
  },
  'cloud bisync-service install': { 'no systemd user session here (1)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync-service', 'install'], exit: 1 }] } },
  'cloud bisync-service uninstall': { 'nothing installed': { user: 'fresh', steps: [ok(['cloud', 'bisync-service', 'uninstall'])] } },
  'cloud bisync-service start': { 'not installed (1)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync-service', 'start'], exit: 1 }] } },
  'cloud bisync-service stop': { 'not installed (1)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync-service', 'stop'], exit: 1 }] } },
  'cloud bisync-service restart': { 'not installed (1)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync-service', 'restart'], exit: 1 }] } },
  'cloud bisync-service status': { 'not installed': { user: 'fresh', steps: [ok(['cloud', 'bisync-service', 'status'])] } },
  'cloud bisync-service logs': { 'no log yet': { user: 'fresh', steps: [ok(['cloud', 'bisync-service', 'logs'])] } },
  'cloud bisync-service pause': {
    'paused': { user: 'fresh', steps: [ok(['cloud', 'bisync-service', 'pause', '--for', '1h'])] },
    'not a duration (2)': { user: 'fresh', steps: [{ args: ['cloud', 'bisync-service', 'pause', '--for', 'soon'], exit: 2 }] },
  },
  'cloud bisync-service resume': { 'not paused': { user: 'fresh', steps: [ok(['cloud', 'bisync-service', 'resume'])] } },
  'cloud credentials list': {
    'listed': { user: 'ready', steps: [ok(['cloud', 'credentials', 'list'])] },
    'not logged in (3)': { user: 'fresh', steps: [{ args: ['cloud', 'credentials', 'list'], exit: 3 }] },
  },
  'cloud credentials revoke': {
    "this machine's, with --yes": { user: 'ready', steps: [ok((world) => ['cloud', 'credentials', 'revoke', ownCredential(world), '--yes'])] },
    "this machine's, without --yes and a terminal (2)": { user: 'ready', steps: [{ args: (world) => ['cloud', 'credentials', 'revoke', ownCredential(world)], exit: 2 }] },
    'unknown id (1)': { user: 'ready', steps: [{ args: ['cloud', 'credentials', 'revoke', 'no-such-id'], exit: 1 }] },
  },
  'cloud doctor': {
    'all fine': { user: 'ready', steps: [ok(['cloud', 'doctor'])] },
    'not set up: failed checks (1)': { user: 'fresh', steps: [{ args: ['cloud', 'doctor'], exit: 1, report: true }] },
  },
  version: { 'versions': { user: 'fresh', steps: [ok(['version'])] } },
  completion: {
    'bash': { user: 'fresh', steps: [ok(['completion', 'bash'])] },
    'an unknown shell (2)': { user: 'fresh', steps: [{ args: ['completion', 'tcsh'], exit: 2 }] },
  },
};

/** Keys of every object in a document, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
}

async function worldFor(kind: Case['user']): Promise<World> {
  const user = await makeTestUser({ BASIC_MEMORY_CLOUD_URL: server.apiUrl });
  if (kind === 'fresh') return { user, tenant: undefined };
  const tenant = await provisionTenant(server, user);
  user.env.BASIC_MEMORY_TOKEN = tenant.token;
  return { user, tenant };
}

const userCommands = COMMANDS.filter((definition) => !definition.hidden).map((definition) => definition.path.join(' '));

describe('--json on every command', () => {
  it('has cases for every command a user can type', () => {
    expect(Object.keys(CASES).sort()).toEqual([...userCommands].sort());
  });

  const rows = Object.entries(CASES).flatMap(([command, cases]) => Object.entries(cases).map(([name, spec]) => [command, name, spec] as const));
  it.each(rows)('%s (%s): one document on stdout, camelCase keys', async (_command, _name, spec) => {
    const world = await worldFor(spec.user);
    try {
      for (const step of spec.steps) {
        const args = typeof step.args === 'function' ? await step.args(world) : step.args;
        const result = await world.user.run([...args, '--json']);
        expect({ args, exit: result.exitCode, stderr: result.stderr }).toMatchObject({ exit: step.exit });
        // JSON.parse takes exactly one document: two, or a stray line, fail here.
        const document = JSON.parse(result.stdout) as Record<string, unknown>;
        if (step.exit !== 0 && !step.report) {
          expect(document).toEqual({ error: { code: expect.any(String), message: expect.any(String), hint: expect.toBeOneOf([expect.any(String), null]) } });
        } else {
          expect(document).not.toHaveProperty('error');
        }
        expect(keysOf(document).filter((key) => !/^[a-z][a-zA-Z0-9]*$/.test(key))).toEqual([]);
      }
    } finally {
      await world.user.cleanup();
    }
  }, 120_000);

  it.each(userCommands)('%s: a usage error is exit 2 and an error document', async (command) => {
    const world = await worldFor('fresh');
    try {
      const result = await world.user.run([...command.split(' '), '--frobnicate', '--json']);
      expect(result.exitCode).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'usage', message: "unknown option '--frobnicate'", hint: expect.any(String) } });
    } finally {
      await world.user.cleanup();
    }
  });
});
