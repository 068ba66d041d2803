import { describe, expect, it } from 'vitest';
import { COMMANDS, GROUPS } from '../../../src/cli/commands.js';
import { EXIT_CODE_MEANINGS, type ExitCodeValue } from '../../../src/core/errors.js';
import { makeTestUser } from '../../support/cli.js';

/** The codes an `Exit codes:` block of `--help` lists, in its order. */
function listedExitCodes(help: string): number[] {
  const block = help.split('Exit codes:\n')[1] ?? '';
  return [...block.matchAll(/^ {2}(\d+) +(.+)$/gm)].map((match) => Number(match[1]));
}

const sortedCodes = (codes: readonly ExitCodeValue[]) => [...new Set(codes)].sort((a, b) => a - b);

describe('--help', () => {
  it.each(COMMANDS.map((definition) => [definition.path.join(' '), definition] as const))('basic-memory %s --help shows its flags, examples and exactly its exit codes', async (_name, definition) => {
    const user = await makeTestUser();
    try {
      const result = await user.run([...definition.path, '--help']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`Usage: basic-memory ${definition.path.join(' ')}`);
      // commander wraps long descriptions to the terminal width.
      expect(result.stdout.replace(/\s+/g, ' ')).toContain(definition.description);
      for (const option of definition.options) expect(result.stdout).toContain(option.flags);
      for (const example of definition.examples) expect(result.stdout).toContain(`$ ${example}`);
      expect(listedExitCodes(result.stdout)).toEqual(sortedCodes(definition.exitCodes));
      for (const code of definition.exitCodes) expect(result.stdout).toContain(EXIT_CODE_MEANINGS[code]);
      // The command's own flags come before the ones every command takes; a boolean's false is not a default worth showing.
      const options = result.stdout.split('Options:\n')[1] ?? '';
      if (definition.options.length > 0) expect(options.indexOf(definition.options[0]!.flags)).toBeLessThan(options.indexOf('--api-url'));
      expect(options).toMatch(/^ {2}--json /m);
      expect(result.stdout).not.toMatch(/default: (false|true)/);
    } finally {
      await user.cleanup();
    }
  });

  it.each(GROUPS.map((group) => [group.path.join(' '), group] as const))('basic-memory %s --help lists its commands and every code they can return', async (_name, group) => {
    const user = await makeTestUser();
    try {
      const result = await user.run([...group.path, '--help']);
      expect(result.exitCode).toBe(0);
      const inGroup = COMMANDS.filter((definition) => group.path.every((word, index) => definition.path[index] === word));
      const members = inGroup.filter((definition) => !definition.hidden);
      for (const member of members) expect(result.stdout).toContain(`  ${member.path[group.path.length]}`);
      // A command only a program runs (the service's `run`) is not offered to people.
      for (const hidden of inGroup.filter((definition) => definition.hidden && definition.path.length === group.path.length + 1)) expect(result.stdout).not.toMatch(new RegExp(`^ {2}${hidden.path[group.path.length]} `, 'm'));
      expect(listedExitCodes(result.stdout)).toEqual(sortedCodes(members.flatMap((member) => member.exitCodes)));
    } finally {
      await user.cleanup();
    }
  });

  it.each([
    [['cloud', 'setup'], '--mode <mode>', /default: bisync, or the mode of the previous setup/],
    [['cloud', 'setup'], '--profile <name>', /default: balanced/],
    [['cloud', 'bisync'], '--interval <duration>', /default: 60s/],
    [['cloud', 'mount'], '--profile <name>', /default: balanced/],
  ])('%s --help shows the default of %s', async (words, flags, shown) => {
    const user = await makeTestUser();
    try {
      const result = await user.run([...words, '--help']);
      const block = result.stdout.split(flags)[1]?.split(/\n {2}-/)[0]?.replace(/\s+/g, ' ') ?? '';
      expect(block).toMatch(shown);
    } finally {
      await user.cleanup();
    }
  });

  it('answers a group typed alone with its help and exit 0', async () => {
    const user = await makeTestUser();
    try {
      for (const words of [[], ['cloud'], ['cloud', 'credentials']]) {
        const result = await user.run(words);
        expect(result.exitCode).toBe(0);
        expect(result.stdout + result.stderr).toContain(`Usage: basic-memory${words.map((word) => ` ${word}`).join('')} [options] [command]`);
      }
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
