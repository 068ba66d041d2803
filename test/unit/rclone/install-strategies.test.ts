import { describe, expect, it } from 'vitest';
import {
  commandOf,
  displayInvocation,
  knownInstallDirs,
  manualSteps,
  parseRegistryPath,
  pathDirs,
  planInvocation,
  programCandidates,
  strategiesFor,
  type InstallStrategy,
} from '../../../src/rclone/install-strategies.js';

const strategy = (platform: NodeJS.Platform, name: string): InstallStrategy => {
  const found = strategiesFor(platform).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no ${name} on ${platform}`);
  return found;
};

describe('strategiesFor', () => {
  it.each([
    ['darwin', ['Homebrew', 'MacPorts']],
    ['linux', ['apt', 'dnf', 'yum', 'pacman', 'zypper', 'snap']],
    ['win32', ['winget', 'Chocolatey', 'Scoop']],
    ['freebsd', []],
  ] as const)('%s tries %j in that order', (platform, names) => {
    expect(strategiesFor(platform).map((candidate) => candidate.name)).toEqual(names);
  });

  it.each([
    ['darwin', 'Homebrew', 'install', 'brew install rclone'],
    ['darwin', 'Homebrew', 'upgrade', 'brew upgrade rclone'],
    ['darwin', 'MacPorts', 'install', 'port install rclone'],
    ['linux', 'apt', 'install', 'apt-get install -y rclone'],
    ['linux', 'apt', 'upgrade', 'apt-get install -y rclone'],
    ['linux', 'dnf', 'install', 'dnf install -y rclone'],
    ['linux', 'dnf', 'upgrade', 'dnf upgrade -y rclone'],
    ['linux', 'yum', 'upgrade', 'yum update -y rclone'],
    ['linux', 'pacman', 'install', 'pacman -S --noconfirm rclone'],
    ['linux', 'zypper', 'install', 'zypper --non-interactive install rclone'],
    ['linux', 'snap', 'upgrade', 'snap refresh rclone'],
    ['win32', 'winget', 'install', 'winget install --id Rclone.Rclone -e --accept-source-agreements --accept-package-agreements'],
    ['win32', 'winget', 'upgrade', 'winget upgrade --id Rclone.Rclone -e --accept-source-agreements --accept-package-agreements'],
    ['win32', 'Chocolatey', 'install', 'choco install rclone -y'],
    ['win32', 'Scoop', 'upgrade', 'scoop update rclone'],
  ] as const)('%s %s %s: %s', (platform, name, action, command) => {
    expect(commandOf(strategy(platform, name), action).join(' ')).toBe(command);
  });
});

describe('planInvocation', () => {
  it.each([
    ['linux apt as root', 'linux', 'apt', { isRoot: true, canPrompt: false, hasSudo: false }, { kind: 'run', viaSudo: false, interactive: false }],
    ['linux apt, user on a terminal with sudo', 'linux', 'apt', { isRoot: false, canPrompt: true, hasSudo: true }, { kind: 'run', viaSudo: true, interactive: true }],
    ['linux apt, user without a terminal', 'linux', 'apt', { isRoot: false, canPrompt: false, hasSudo: true }, { kind: 'needs-sudo' }],
    ['linux apt, user on a terminal, no sudo', 'linux', 'apt', { isRoot: false, canPrompt: true, hasSudo: false }, { kind: 'needs-sudo' }],
    ['macOS Homebrew never uses sudo', 'darwin', 'Homebrew', { isRoot: false, canPrompt: false, hasSudo: true }, { kind: 'run', viaSudo: false, interactive: false }],
    ['macOS MacPorts needs root', 'darwin', 'MacPorts', { isRoot: false, canPrompt: true, hasSudo: true }, { kind: 'run', viaSudo: true, interactive: true }],
    ['Windows winget elevates itself', 'win32', 'winget', { isRoot: false, canPrompt: true, hasSudo: false }, { kind: 'run', viaSudo: false, interactive: true }],
  ] as const)('%s', (_label, platform, name, privileges, expected) => {
    expect(planInvocation(strategy(platform, name), platform, privileges)).toEqual(expected);
  });

  it('shows sudo in the command only when it is needed', () => {
    const apt = strategy('linux', 'apt');
    expect(displayInvocation(commandOf(apt, 'install'), apt, 'linux', false)).toBe('sudo apt-get install -y rclone');
    expect(displayInvocation(commandOf(apt, 'install'), apt, 'linux', true)).toBe('apt-get install -y rclone');
    const brew = strategy('darwin', 'Homebrew');
    expect(displayInvocation(commandOf(brew, 'install'), brew, 'darwin', false)).toBe('brew install rclone');
  });
});

describe('manualSteps', () => {
  it.each([
    ['darwin', 'brew install rclone'],
    ['linux', 'sudo apt-get install -y rclone'],
    ['win32', 'winget install --id Rclone.Rclone -e'],
    ['freebsd', 'https://rclone.org/install/'],
  ] as const)('%s names %s and never a piped script', (platform, expected) => {
    const steps = manualSteps(platform);
    expect(steps).toContain(expected);
    expect(steps).toContain('1.58');
    expect(steps).not.toMatch(/\| *(sudo )?(ba)?sh/);
  });
});

describe('PATH handling', () => {
  it('splits PATH the way each platform does', () => {
    expect(pathDirs('linux', { PATH: '/usr/bin:/bin::' })).toEqual(['/usr/bin', '/bin']);
    expect(pathDirs('win32', { Path: 'C:\\Windows;C:\\Tools;' })).toEqual(['C:\\Windows', 'C:\\Tools']);
  });

  it('adds PATHEXT extensions on Windows and keeps each folder separator', () => {
    expect(programCandidates('rclone', ['/usr/bin', '/opt/x/'], 'linux', {})).toEqual(['/usr/bin/rclone', '/opt/x/rclone']);
    expect(programCandidates('rclone', ['C:\\Tools'], 'win32', { PATHEXT: '.EXE;.CMD' })).toEqual(['C:\\Tools\\rclone.exe', 'C:\\Tools\\rclone.cmd']);
    expect(programCandidates('rclone.exe', ['C:\\Tools'], 'win32', { PATHEXT: '.EXE' })).toEqual(['C:\\Tools\\rclone.exe']);
    expect(programCandidates('/opt/rclone/rclone', ['/usr/bin'], 'linux', {})).toEqual(['/opt/rclone/rclone']);
  });

  it('reads the registry Path value with its variables expanded', () => {
    const stdout = [
      '',
      'HKEY_CURRENT_USER\\Environment',
      '    Path    REG_EXPAND_SZ    %USERPROFILE%\\scoop\\shims;%LOCALAPPDATA%\\Microsoft\\WinGet\\Links;%UNSET%\\x',
      '',
    ].join('\r\n');
    expect(parseRegistryPath(stdout, { USERPROFILE: 'C:\\Users\\ana', localappdata: 'C:\\Users\\ana\\AppData\\Local' })).toEqual([
      'C:\\Users\\ana\\scoop\\shims',
      'C:\\Users\\ana\\AppData\\Local\\Microsoft\\WinGet\\Links',
      '%UNSET%\\x',
    ]);
    expect(parseRegistryPath('ERROR: The system was unable to find the specified registry key or value.', {})).toEqual([]);
  });

  it.each([
    ['darwin', {}, ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin']],
    ['linux', {}, ['/usr/bin', '/usr/local/bin', '/snap/bin', '/var/lib/snapd/snap/bin']],
    [
      'win32',
      { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local', ProgramData: 'C:\\ProgramData', USERPROFILE: 'C:\\Users\\ana' },
      ['C:\\Users\\ana\\AppData\\Local\\Microsoft\\WinGet\\Links', 'C:\\ProgramData\\chocolatey\\bin', 'C:\\Users\\ana\\scoop\\shims'],
    ],
    ['win32', { ChocolateyInstall: 'D:\\choco', SCOOP: 'D:\\scoop' }, ['D:\\choco\\bin', 'D:\\scoop\\shims']],
  ] as const)('%s looks in the package managers’ folders too', (platform, env, dirs) => {
    expect(knownInstallDirs(platform, env)).toEqual(dirs);
  });
});
