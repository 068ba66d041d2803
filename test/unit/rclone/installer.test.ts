import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/core/errors.js';
import { ensureRclone, type InstallDeps } from '../../../src/rclone/installer.js';
import { createRclone } from '../../../src/rclone/runner.js';
import { capturedOutput } from '../../support/captured-output.js';
import { makeFakeMachine, type FakeMachine, type FakeManager } from '../../support/fake-package-managers.js';

const machines: FakeMachine[] = [];
afterEach(async () => {
  await Promise.all(machines.splice(0).map((machine) => machine.cleanup()));
});

interface Scenario {
  platform: NodeJS.Platform;
  managers: FakeManager[];
  isRoot?: boolean;
  canPrompt?: boolean;
  sudo?: boolean;
  /** A version already installed (on PATH) before the installer runs. */
  existing?: string;
  /** The install folder is on PATH (Unix package managers) or only in the registry (Windows). */
  installDirOnPath?: boolean;
  skipInstall?: boolean;
}

async function scenario(options: Scenario) {
  const windows = options.platform === 'win32';
  const machine = await makeFakeMachine(options.managers, { rcloneFile: windows ? 'rclone.exe' : 'rclone', sudo: options.sudo });
  machines.push(machine);
  const separator = windows ? ';' : ':';
  const dirs = [machine.binDir, ...(options.installDirOnPath === false ? [] : [machine.installDir])];
  const env: NodeJS.ProcessEnv = { PATH: dirs.join(separator), ...(windows ? { PATHEXT: '.EXE' } : {}) };
  if (options.existing) await machine.placeRclone(options.existing);
  const { output, stderr } = capturedOutput();
  const rclone = createRclone({ binary: options.existing && windows ? path.join(machine.installDir, 'rclone.exe') : 'rclone', env });
  const deps: InstallDeps = { rclone, output, platform: options.platform, env, canPrompt: options.canPrompt ?? false, isRoot: options.isRoot ?? true };
  const outcome = await ensureRclone(deps, { skipInstall: options.skipInstall ?? false }).then(
    (version) => ({ version: version.raw, error: undefined }),
    (error: unknown) => ({ version: undefined, error: error as CliError }),
  );
  const calls = (await machine.calls()).map((call) => [call.program, ...call.argv.map((arg) => (arg.startsWith(machine.binDir) ? path.basename(arg) : arg))].join(' '));
  return { ...outcome, calls, stderr: stderr(), env, machine };
}

describe('ensureRclone', () => {
  it('uses an rclone that is new enough without touching any package manager', async () => {
    const result = await scenario({ platform: 'linux', managers: [{ file: 'apt-get', installs: '1.66.0' }], existing: '1.60.1-DEV' });
    expect(result.version).toBe('1.60.1-DEV');
    expect(result.calls).toEqual([]);
  });

  it.each([
    ['linux', '1.60.1-DEV', undefined, true],
    ['linux', '1.66.0', undefined, false],
    ['darwin', '1.60.1', undefined, false],
    // A distribution's package just installed by apt, still older than 1.66.
    ['linux', undefined, '1.60.1', true],
    ['linux', undefined, '1.75.2', false],
  ] as const)('on %s, rclone %s (installed: %s) offers the official release: %s', async (platform, existing, installs, offered) => {
    const managers: FakeManager[] = platform === 'darwin' ? [{ file: 'brew', installs: installs ?? '1.75.2' }] : [{ file: 'apt-get', installs: installs ?? '1.75.2' }];
    const result = await scenario({ platform, managers, existing });
    expect(result.error).toBeUndefined();
    const offer = '`basic-memory cloud setup --rclone official` installs rclone\'s newest official release for you alone (no sudo)';
    if (offered) expect(result.stderr).toContain(offer);
    else expect(result.stderr).not.toContain(offer);
  });

  it.each([
    ['missing', undefined, 'rclone is not installed, and --skip-install was given.'],
    ['too old', '1.57.0', 'rclone v1.57.0 is older than the 1.58 Basic Memory needs, and --skip-install was given.'],
  ])('with --skip-install, %s rclone stops with exit 4 and the manual steps', async (_label, existing, message) => {
    const result = await scenario({ platform: 'linux', managers: [{ file: 'apt-get', installs: '1.66.0' }], existing, skipInstall: true });
    expect(result.error?.exitCode).toBe(4);
    expect(result.error?.message).toBe(message);
    expect(result.error?.hint).toContain('https://rclone.org/install/');
    expect(result.calls).toEqual([]);
  });

  it.each([
    ['darwin', 'brew', 'brew install rclone'],
    ['darwin', 'port', 'port install rclone'],
    ['linux', 'apt-get', 'apt-get install -y rclone'],
    ['linux', 'dnf', 'dnf install -y rclone'],
    ['linux', 'yum', 'yum install -y rclone'],
    ['linux', 'pacman', 'pacman -S --noconfirm rclone'],
    ['linux', 'zypper', 'zypper --non-interactive install rclone'],
    ['linux', 'snap', 'snap install rclone'],
    ['win32', 'winget.exe', 'winget.exe install --id Rclone.Rclone -e --accept-source-agreements --accept-package-agreements'],
    ['win32', 'choco.exe', 'choco.exe install rclone -y'],
    ['win32', 'scoop.exe', 'scoop.exe install rclone'],
  ] as const)('%s installs a missing rclone with %s alone on PATH', async (platform, file, call) => {
    const result = await scenario({ platform, managers: [{ file, installs: '1.71.2' }] });
    expect(result.error).toBeUndefined();
    expect(result.version).toBe('1.71.2');
    expect(result.calls).toEqual([call]);
    expect(result.stderr).toContain('rclone v1.71.2 installed');
  });

  it.each([
    ['darwin', 'brew', 'brew upgrade rclone'],
    ['linux', 'dnf', 'dnf upgrade -y rclone'],
    ['linux', 'snap', 'snap refresh rclone'],
    ['win32', 'winget.exe', 'winget.exe upgrade --id Rclone.Rclone -e --accept-source-agreements --accept-package-agreements'],
  ] as const)('%s upgrades an rclone older than the minimum with %s', async (platform, file, call) => {
    const result = await scenario({ platform, managers: [{ file, installs: '1.68.0' }], existing: '1.53.3' });
    expect(result.version).toBe('1.68.0');
    expect(result.calls).toEqual([call]);
    expect(result.stderr).toContain('rclone v1.53.3 is older than the 1.58 Basic Memory needs: upgrading it.');
  });

  it('falls through the strategies in order until one works', async () => {
    const result = await scenario({
      platform: 'linux',
      managers: [
        { file: 'apt-get', exitCode: 100, stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend' },
        { file: 'dnf', exitCode: 1, stderr: 'No match for argument: rclone' },
        { file: 'zypper', installs: '1.66.0' },
        { file: 'snap', installs: '1.70.0' },
      ],
    });
    expect(result.version).toBe('1.66.0');
    expect(result.calls).toEqual(['apt-get install -y rclone', 'apt-get update', 'apt-get install -y rclone', 'dnf install -y rclone', 'zypper --non-interactive install rclone']);
    expect(result.stderr).toContain('apt-get install -y rclone failed: E: Could not get lock /var/lib/dpkg/lock-frontend');
    expect(result.stderr).toContain('dnf install -y rclone failed: No match for argument: rclone');
  });

  it('refreshes apt’s package lists once when a fresh machine has none', async () => {
    const result = await scenario({ platform: 'linux', managers: [{ file: 'apt-get', exitCodeBeforeRefresh: 100, stderr: 'E: Unable to locate package rclone', installs: '1.60.1' }] });
    expect(result.version).toBe('1.60.1');
    expect(result.calls).toEqual(['apt-get install -y rclone', 'apt-get update', 'apt-get install -y rclone']);
  });

  it('a package manager whose rclone is still too old ends with exit 4 and what to do', async () => {
    const result = await scenario({ platform: 'linux', managers: [{ file: 'apt-get', installs: '1.53.3' }], existing: '1.53.3' });
    expect(result.error?.exitCode).toBe(4);
    expect(result.error?.message).toMatch(/^apt installed rclone, but the rclone found \(.+\/rclone\) is v1\.53\.3, older than the 1\.58 Basic Memory needs\.$/);
    expect(result.error?.hint).toContain('https://rclone.org/downloads/');
    expect(result.calls).toEqual(['apt-get install -y rclone']);
  });

  it('without root and without a terminal it runs nothing and hands over the sudo command', async () => {
    const result = await scenario({ platform: 'linux', managers: [{ file: 'apt-get', installs: '1.66.0' }], isRoot: false, canPrompt: false, sudo: true });
    expect(result.error?.exitCode).toBe(4);
    expect(result.error?.message).toBe('Installing rclone with apt needs administrator rights, and there is no terminal to ask for a password.');
    expect(result.error?.hint).toContain('Run `sudo apt-get install -y rclone` yourself');
    expect(result.calls).toEqual([]);
  });

  it('without root but on a terminal it goes through sudo with the resolved program', async () => {
    const result = await scenario({ platform: 'linux', managers: [{ file: 'apt-get', installs: '1.66.0' }], isRoot: false, canPrompt: true, sudo: true });
    expect(result.version).toBe('1.66.0');
    expect(result.calls).toEqual(['sudo apt-get install -y rclone', 'apt-get install -y rclone']);
    expect(result.stderr).toContain('Running sudo apt-get install -y rclone');
  });

  it('Homebrew runs as the user, never through sudo', async () => {
    const result = await scenario({ platform: 'darwin', managers: [{ file: 'brew', installs: '1.71.0' }], isRoot: false, canPrompt: false, sudo: true });
    expect(result.calls).toEqual(['brew install rclone']);
  });

  it('Windows: finds an rclone installed outside PATH through the registry and puts it on PATH for this run', async () => {
    const result = await scenario({
      platform: 'win32',
      installDirOnPath: false,
      managers: [
        { file: 'winget.exe', exitCode: 1, stderr: 'No package found matching input criteria.' },
        { file: 'choco.exe', installs: '1.69.1' },
        { file: 'reg.exe', stdout: '\r\nHKEY_CURRENT_USER\\Environment\r\n    Path    REG_EXPAND_SZ    {installDir};%SystemRoot%\\system32\r\n' },
      ],
    });
    expect(result.error).toBeUndefined();
    expect(result.version).toBe('1.69.1');
    expect(result.calls).toEqual([
      'winget.exe install --id Rclone.Rclone -e --accept-source-agreements --accept-package-agreements',
      'choco.exe install rclone -y',
      'reg.exe query HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment /v Path',
      'reg.exe query HKCU\\Environment /v Path',
    ]);
    expect(result.env.PATH?.split(';')[0]).toBe(result.machine.installDir);
    expect(result.stderr).toContain(`rclone was installed in ${result.machine.installDir}, which is not on your PATH yet`);
  });

  it('no package manager at all: exit 4 with the platform’s manual steps', async () => {
    const result = await scenario({ platform: 'linux', managers: [] });
    expect(result.error?.exitCode).toBe(4);
    expect(result.error?.message).toBe('rclone is not installed, and no supported package manager was found.');
    expect(result.error?.hint).toContain('sudo apt-get install -y rclone');
  });

  it('every strategy failing: exit 4 naming what was tried', async () => {
    const result = await scenario({ platform: 'win32', managers: [{ file: 'winget.exe', exitCode: 1 }, { file: 'scoop.exe', exitCode: 1 }] });
    expect(result.error?.exitCode).toBe(4);
    expect(result.error?.message).toBe('rclone is not installed, and installing it failed (tried winget, Scoop).');
    expect(result.error?.hint).toContain('winget install --id Rclone.Rclone -e');
  });
});
