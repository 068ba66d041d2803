import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands.js';
import { makeTestUser, repoRoot, type TestUser } from '../../support/cli.js';

const execFileAsync = promisify(execFile);
let user: TestUser;
beforeEach(async () => {
  user = await makeTestUser();
});
afterEach(async () => {
  await user.cleanup();
});

const manifest = async () => JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('version', () => {
  it.each([['--version'], ['-v'], ['-V'], ['version']])('%s prints the CLI, rclone and Node.js versions', async (flag) => {
    const result = await user.run([flag]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`basic-memory ${(await manifest()).version}`);
    expect(result.stdout).toMatch(/^rclone v?\d+\.\d+\.\d+/m);
    expect(result.stdout).toContain(`node ${process.versions.node}`);
  });

  it('--version --json is one document', async () => {
    const result = await user.run(['--version', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ cli: (await manifest()).version, rclone: expect.stringMatching(/\d+\.\d+\.\d+/), node: process.versions.node });
  });
});

/** What bash offers after `line` (the cursor at its end), with the script `completion bash` printed. */
async function bashCompletes(script: string, line: string): Promise<string[]> {
  const file = path.join(user.home, 'completion.bash');
  await fs.writeFile(file, script);
  const program = `source "$1"; read -ra COMP_WORDS <<< "$2"; [[ "$2" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _basic_memory; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await execFileAsync('bash', ['-c', program, 'bash', file, line]);
  return stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash: the script sources cleanly and completes subcommands, flags and choices from the command table', async () => {
    const result = await user.run(['completion', 'bash']);
    expect(result.exitCode).toBe(0);
    expect(await bashCompletes(result.stdout, 'basic-memory ')).toEqual(expect.arrayContaining(['cloud', 'version', 'completion']));
    const cloudWords = COMMANDS.filter((definition) => !definition.hidden && definition.path[0] === 'cloud').map((definition) => definition.path[1]!);
    expect(await bashCompletes(result.stdout, 'basic-memory cloud ')).toEqual(expect.arrayContaining([...new Set(cloudWords), 'whoami']));
    expect(await bashCompletes(result.stdout, 'basic-memory cloud bis')).toEqual(['bisync', 'bisync-status', 'bisync-service']);
    expect(await bashCompletes(result.stdout, 'basic-memory cloud bisync --w')).toEqual(['--watch']);
    expect(await bashCompletes(result.stdout, 'basic-memory cloud bisync --profile ')).toEqual(['fast', 'balanced', 'safe']);
    expect(await bashCompletes(result.stdout, 'basic-memory cloud credentials ')).toEqual(['list', 'revoke']);
  });

  it.each(['zsh', 'fish', 'powershell'])('%s: a script that names every top-level command', async (shell) => {
    const result = await user.run(['completion', shell]);
    expect(result.exitCode).toBe(0);
    for (const word of ['cloud', 'bisync-status', 'whoami', '--profile']) expect(result.stdout).toContain(word);
  });

  it('an unknown shell is exit 2 with the list of shells', async () => {
    const result = await user.run(['completion', 'tcsh']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/bash, zsh, fish, powershell/);
  });
});
