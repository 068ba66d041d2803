import { describe, expect, it } from 'vitest';
import { makeTestUser } from '../../support/cli.js';

/** Every command a user can type; a new command must be added here to be covered. */
const COMMANDS = [
  ['cloud'],
  ['cloud', 'login'],
  ['cloud', 'logout'],
  ['cloud', 'setup'],
  ['cloud', 'mount'],
  ['cloud', 'unmount'],
  ['cloud', 'mount-status'],
  ['cloud', 'bisync'],
  ['cloud', 'bisync-status'],
  ['cloud', 'credentials', 'list'],
  ['cloud', 'credentials', 'revoke'],
  ['cloud', 'doctor'],
] as const;

describe('--help', () => {
  it.each(COMMANDS.map((command) => [command.join(' '), command] as const))('basic-memory %s --help shows examples and the exit codes', async (_name, command) => {
    const user = await makeTestUser();
    try {
      const result = await user.run([...command, '--help']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/Usage: basic-memory/);
      expect(result.stdout).toMatch(/\$ basic-memory cloud/);
      expect(result.stdout).toMatch(/Exit codes:[\s\S]*130\s+interrupted/);
    } finally {
      await user.cleanup();
    }
  });

  it('answers an unknown command or flag with exit 2 and a pointer to --help', async () => {
    const user = await makeTestUser();
    try {
      for (const args of [['cloud', 'sync'], ['cloud', 'bisync', '--profile', 'turbo'], ['cloud', 'mount', '--frobnicate']]) {
        const result = await user.run(args);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toMatch(/--help/);
      }
    } finally {
      await user.cleanup();
    }
  });
});
