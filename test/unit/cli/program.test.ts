import { describe, expect, it } from 'vitest';
import { COMMANDS, GROUPS } from '../../../src/cli/commands.js';
import { buildProgram, exitCodeHelp, type CommandRunner } from '../../../src/cli/program.js';
import type { CommandDefinition } from '../../../src/core/command.js';
import { ExitCode } from '../../../src/core/errors.js';

interface Dispatch {
  definition: CommandDefinition;
  options: Record<string, unknown>;
  args: string[];
}

/** Parses argv with the real table; records which definition commander would run, with what. */
async function dispatch(argv: string[]): Promise<Dispatch | undefined> {
  let seen: Dispatch | undefined;
  const run: CommandRunner = (definition) => (...commanderArgs: unknown[]) => {
    const command = commanderArgs.at(-1) as { opts(): Record<string, unknown>; args: string[] };
    seen = { definition, options: command.opts(), args: command.args };
    return Promise.resolve();
  };
  await buildProgram(COMMANDS, GROUPS, run).parseAsync(['node', 'basic-memory', ...argv]);
  return seen;
}

describe('the command table', () => {
  it.each(COMMANDS.map((definition) => [definition.path.join(' '), definition] as const))('%s is reached by its path', async (_name, definition) => {
    const required = (definition.arguments ?? []).map((argument) => `${argument.name.slice(1, -1)}-value`);
    const seen = await dispatch([...definition.path, ...required]);
    expect(seen?.definition).toBe(definition);
    expect(seen?.args).toEqual(required);
  });

  it('gives each command a path of its own', () => {
    const paths = COMMANDS.map((definition) => definition.path.join(' '));
    expect(new Set(paths).size).toBe(paths.length);
  });

  it.each(COMMANDS.map((definition) => [definition.path.join(' '), definition] as const))('%s lists 0 and 2 (bad settings are exit 2 for every command)', (_name, definition) => {
    expect(definition.exitCodes).toContain(ExitCode.ok);
    expect(definition.exitCodes).toContain(ExitCode.usage);
  });

  it('hands a handler its typed options with their defaults, and the global flags', async () => {
    const seen = await dispatch(['cloud', 'bisync', '--dry-run', '--json', '--profile', 'safe', '--api-url', 'http://127.0.0.1:1']);
    expect(seen?.definition.path).toEqual(['cloud', 'bisync']);
    expect(seen?.options).toEqual({ dryRun: true, json: true, resync: false, watch: false, profile: 'safe', apiUrl: 'http://127.0.0.1:1', color: true });
  });

  it('keeps commander\'s negated flags: --no-browser is browser false', async () => {
    expect((await dispatch(['cloud', 'login', '--no-browser']))?.options).toMatchObject({ browser: false });
    expect((await dispatch(['cloud', 'login']))?.options).toMatchObject({ browser: true });
  });

  it('refuses a profile outside the choices before any handler runs', async () => {
    await expect(dispatch(['cloud', 'mount', '--profile', 'turbo'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});

describe('exitCodeHelp', () => {
  it('lists the given codes once each, in numeric order, with their meaning', () => {
    expect(exitCodeHelp([ExitCode.interrupted, ExitCode.ok, ExitCode.auth, ExitCode.ok])).toBe(
      'Exit codes:\n  0    done\n  3    not logged in, token rejected or tenant refused\n  130  interrupted',
    );
  });
});
