import path from 'node:path';
import { MINIMUM_RCLONE } from './capabilities.js';

/**
 * How each platform's package managers install rclone, as data. Every command is an argv run
 * without a shell; nothing is ever downloaded and piped into one.
 */
export interface InstallStrategy {
  /** The package manager's name as people know it. */
  name: string;
  /** The program looked up on PATH. */
  program: string;
  install: string[];
  upgrade: string[];
  /** Needs root on Unix: run through sudo, which can only ask for a password on a terminal. */
  needsRoot: boolean;
  /** Run once, then retry, when the install fails (a fresh machine's apt has no package lists). */
  refreshIndex?: string[];
}

export type InstallAction = 'install' | 'upgrade';

const WINGET_AGREEMENTS = ['--id', 'Rclone.Rclone', '-e', '--accept-source-agreements', '--accept-package-agreements'];

const STRATEGIES: Partial<Record<NodeJS.Platform, InstallStrategy[]>> = {
  darwin: [
    // Homebrew refuses to run as root, so it never goes through sudo.
    { name: 'Homebrew', program: 'brew', install: ['install', 'rclone'], upgrade: ['upgrade', 'rclone'], needsRoot: false },
    { name: 'MacPorts', program: 'port', install: ['install', 'rclone'], upgrade: ['upgrade', 'rclone'], needsRoot: true },
  ],
  linux: [
    { name: 'apt', program: 'apt-get', install: ['install', '-y', 'rclone'], upgrade: ['install', '-y', 'rclone'], needsRoot: true, refreshIndex: ['update'] },
    { name: 'dnf', program: 'dnf', install: ['install', '-y', 'rclone'], upgrade: ['upgrade', '-y', 'rclone'], needsRoot: true },
    { name: 'yum', program: 'yum', install: ['install', '-y', 'rclone'], upgrade: ['update', '-y', 'rclone'], needsRoot: true },
    { name: 'pacman', program: 'pacman', install: ['-S', '--noconfirm', 'rclone'], upgrade: ['-S', '--noconfirm', 'rclone'], needsRoot: true },
    { name: 'zypper', program: 'zypper', install: ['--non-interactive', 'install', 'rclone'], upgrade: ['--non-interactive', 'update', 'rclone'], needsRoot: true },
    { name: 'snap', program: 'snap', install: ['install', 'rclone'], upgrade: ['refresh', 'rclone'], needsRoot: true },
  ],
  win32: [
    // winget and Chocolatey ask for elevation themselves (UAC) when they need it.
    { name: 'winget', program: 'winget', install: ['install', ...WINGET_AGREEMENTS], upgrade: ['upgrade', ...WINGET_AGREEMENTS], needsRoot: false },
    { name: 'Chocolatey', program: 'choco', install: ['install', 'rclone', '-y'], upgrade: ['upgrade', 'rclone', '-y'], needsRoot: false },
    { name: 'Scoop', program: 'scoop', install: ['install', 'rclone'], upgrade: ['update', 'rclone'], needsRoot: false },
  ],
};

/** The strategies to try, in order, on this platform (none on platforms we have no recipe for). */
export function strategiesFor(platform: NodeJS.Platform): InstallStrategy[] {
  return STRATEGIES[platform] ?? [];
}

/** How one package-manager command gets run, given who we are and whether a password can be asked. */
export type Invocation = { kind: 'run'; viaSudo: boolean; interactive: boolean } | { kind: 'needs-sudo' };

export interface Privileges {
  isRoot: boolean;
  canPrompt: boolean;
  /** sudo was found on PATH. */
  hasSudo: boolean;
}

/**
 * Root-only commands go through `sudo` only on a terminal, where sudo can ask for the password in
 * front of the user. Without one we never escalate silently: the command is handed to the user.
 */
export function planInvocation(strategy: InstallStrategy, platform: NodeJS.Platform, privileges: Privileges): Invocation {
  const unixRoot = strategy.needsRoot && platform !== 'win32';
  if (!unixRoot || privileges.isRoot) return { kind: 'run', viaSudo: false, interactive: privileges.canPrompt };
  if (privileges.canPrompt && privileges.hasSudo) return { kind: 'run', viaSudo: true, interactive: true };
  return { kind: 'needs-sudo' };
}

/** The command as the user would type it, `sudo` included where it needs root and we are not. */
export function displayInvocation(argv: string[], strategy: InstallStrategy, platform: NodeJS.Platform, isRoot: boolean): string {
  return displayCommand(strategy.needsRoot && platform !== 'win32' && !isRoot ? ['sudo', ...argv] : argv);
}

export function commandOf(strategy: InstallStrategy, action: InstallAction): string[] {
  return [strategy.program, ...(action === 'install' ? strategy.install : strategy.upgrade)];
}

/** An argv as a person would type it (arguments here never need quoting). */
export function displayCommand(argv: string[]): string {
  return argv.join(' ');
}

/** What a person does by hand when no package manager could do it. */
export function manualSteps(platform: NodeJS.Platform): string {
  const minimum = `rclone ${MINIMUM_RCLONE} or newer`;
  switch (platform) {
    case 'darwin':
      return `Install ${minimum} with \`brew install rclone\` (or \`sudo port install rclone\`), or from https://rclone.org/install/, then run the command again.`;
    case 'linux':
      return `Install ${minimum} with your package manager (e.g. \`sudo apt-get install -y rclone\`); if its rclone is older, install the .deb or .rpm from https://rclone.org/downloads/ (see https://rclone.org/install/), then run the command again.`;
    case 'win32':
      return `Install ${minimum} with \`winget install --id Rclone.Rclone -e\` (or \`choco install rclone\`, \`scoop install rclone\`), or unzip it from https://rclone.org/downloads/ into a folder on your PATH, then open a new terminal and run the command again.`;
    default:
      return `Install ${minimum} from https://rclone.org/install/ and make sure \`rclone\` is on your PATH, then run the command again.`;
  }
}

/**
 * Where package managers put rclone when that folder is not yet on this process's PATH (a new
 * snap, Homebrew on Apple silicon, winget's links folder that only new terminals see).
 */
export function knownInstallDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  switch (platform) {
    case 'darwin':
      return ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin'];
    case 'linux':
      return ['/usr/bin', '/usr/local/bin', '/snap/bin', '/var/lib/snapd/snap/bin'];
    case 'win32': {
      const dirs: string[] = [];
      const localAppData = envValue(env, 'LOCALAPPDATA');
      if (localAppData) dirs.push(path.win32.join(localAppData, 'Microsoft', 'WinGet', 'Links'));
      const chocolatey = envValue(env, 'ChocolateyInstall') ?? (envValue(env, 'ProgramData') && path.win32.join(envValue(env, 'ProgramData') ?? '', 'chocolatey'));
      if (chocolatey) dirs.push(path.win32.join(chocolatey, 'bin'));
      const scoop = envValue(env, 'SCOOP') ?? (envValue(env, 'USERPROFILE') && path.win32.join(envValue(env, 'USERPROFILE') ?? '', 'scoop'));
      if (scoop) dirs.push(path.win32.join(scoop, 'shims'));
      return dirs;
    }
    default:
      return ['/usr/local/bin', '/usr/bin'];
  }
}

/** The registry keys whose `Path` value a new Windows terminal starts with (machine, then user). */
export const WINDOWS_PATH_KEYS = ['HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment', 'HKCU\\Environment'];

/** Reads the `Path` value out of `reg query KEY /v Path` output, %VARIABLES% expanded. */
export function parseRegistryPath(stdout: string, env: NodeJS.ProcessEnv): string[] {
  const line = stdout.split(/\r?\n/).find((candidate) => /^\s+Path\s+REG_(?:EXPAND_)?SZ\s+/i.test(candidate));
  if (!line) return [];
  const value = line.replace(/^\s+Path\s+REG_(?:EXPAND_)?SZ\s+/i, '').trim();
  return value
    .split(';')
    .map((entry) => entry.trim().replace(/%([^%]+)%/g, (whole, name: string) => envValue(env, name) ?? whole))
    .filter(Boolean);
}

/** Windows variable names are case-insensitive (`Path`, `PATH`); a copied env object is not. */
export function envKey(env: NodeJS.ProcessEnv, name: string): string {
  return Object.keys(env).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
}

export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[envKey(env, name)];
  return value === undefined || value === '' ? undefined : value;
}

/** The folders of a PATH value, split the way the platform splits it. */
export function pathDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  return (envValue(env, 'PATH') ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
}

/** Files that would run as `name` from these folders, in lookup order (Windows adds PATHEXT). */
export function programCandidates(name: string, dirs: string[], platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  // Keep each folder's own separator: Windows takes `/` as well, and PATH entries use `\`.
  const join = (dir: string, file: string) => (dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${file}` : `${dir}${platform === 'win32' && dir.includes('\\') ? '\\' : '/'}${file}`);
  const extensions = platform === 'win32' ? (envValue(env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean).map((ext) => ext.toLowerCase()) : [''];
  if (name.includes('/') || (platform === 'win32' && name.includes('\\'))) return [name];
  return dirs.flatMap((dir) => extensions.map((ext) => (name.toLowerCase().endsWith(ext) ? join(dir, name) : join(dir, `${name}${ext}`))));
}
