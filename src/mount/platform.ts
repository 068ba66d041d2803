import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseMacMountOutput, readLinuxMountTable } from '../local/mount-table.js';
import type { MountPlatformName } from './args.js';

/** What the OS says about one mount point. `dead`: still in the mount table but its server is gone. */
export type MountProbe = 'mounted' | 'dead' | 'absent';

export interface ProcessEntry {
  pid: number;
  /** The command line as one string (arguments joined by spaces). */
  command: string;
}

export type UnmountOutcome = { kind: 'unmounted' } | { kind: 'busy'; detail: string } | { kind: 'failed'; detail: string };

/** A program and the file it keeps open in the mount, as `fuser`/`lsof` tell. */
export type Holders = string[];

/**
 * Everything about mounts that differs between operating systems, behind one interface so the
 * supervisor runs unchanged (and is tested) with any of them injected.
 */
export interface MountPlatform {
  name: MountPlatformName;
  /** Why this machine cannot mount (FUSE or WinFsp missing), or undefined when it can. */
  missingSupport(): Promise<{ message: string; hint: string } | undefined>;
  probe(mountPoint: string): Promise<MountProbe>;
  unmount(mountPoint: string, force: boolean): Promise<UnmountOutcome>;
  /** Running processes with their command lines, for finding our orphaned rclone mounts. */
  processes(): Promise<ProcessEntry[]>;
  /** Who keeps the mount point busy, best effort (empty when the tools are missing). */
  holders(mountPoint: string): Promise<Holders>;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type RunCommand = (command: string, args: string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      // ENOENT (no such program) is reported as exit 127, as a shell would.
      const exitCode = error ? (typeof code === 'number' ? code : code === 'ENOENT' ? 127 : 1) : 0;
      resolve({ exitCode, stdout: String(stdout), stderr: String(stderr) });
    });
  });

/** Pure: `ps -axo pid=,command=` → processes. */
export function parsePsOutput(text: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) entries.push({ pid: Number(match[1]), command: match[2] });
  }
  return entries;
}

/**
 * Pure: an rclone `mount`/`nfsmount` of our remote onto this mount point. A user's other rclone
 * (another remote, another folder, a sync) never matches.
 */
export function isOurMountProcess(entry: ProcessEntry, remoteName: string, mountPoint: string): boolean {
  const words = entry.command.split(' ');
  const isRclone = words.some((word) => /(^|[\\/])rclone(\.exe)?$/i.test(word));
  const isMount = words.includes('mount') || words.includes('nfsmount');
  const command = `${entry.command} `;
  return isRclone && isMount && words.some((word) => word.startsWith(`${remoteName}:`)) && command.includes(` ${mountPoint} `);
}

/** Pure: the unmount commands to try in order, first one that exists wins. */
export function unmountCommands(platform: MountPlatformName, mountPoint: string, force: boolean): string[][] {
  if (platform === 'linux') {
    const flag = force ? '-uz' : '-u';
    return [
      ['fusermount3', flag, mountPoint],
      ['fusermount', flag, mountPoint],
    ];
  }
  // An nfsmount is an NFS mount: umount works, diskutil's force variant detaches a busy one.
  if (platform === 'macos') return force ? [['diskutil', 'unmount', 'force', mountPoint], ['umount', '-f', mountPoint]] : [['umount', mountPoint], ['diskutil', 'unmount', mountPoint]];
  // WinFsp mounts end with the rclone process: there is no separate unmount command.
  return [];
}

/** Pure: a failed unmount's output names a busy mount point on every platform in one of these ways. */
export function isBusyMessage(text: string): boolean {
  return /busy|in use|EBUSY/i.test(text);
}

/** Pure: `lsof <mount point>` (macOS) → "name (pid N)" per program. */
export function parseLsofHolders(text: string): Holders {
  const holders = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(\d+)\s/.exec(line);
    if (match?.[1] && match[2]) holders.add(`${match[1]} (pid ${match[2]})`);
  }
  return [...holders];
}

/** Pure: `fuser -m` prints the pids on stdout (access letters and names go to stderr). */
export function parseFuserPids(stdout: string): number[] {
  return [...stdout.matchAll(/\d+/g)].map((match) => Number(match[0]));
}

async function runFirstAvailable(run: RunCommand, commands: string[][]): Promise<UnmountOutcome> {
  let last: CommandResult | undefined;
  for (const [command, ...args] of commands) {
    if (!command) continue;
    const result = await run(command, args);
    if (result.exitCode === 0) return { kind: 'unmounted' };
    if (result.exitCode === 127) continue;
    last = result;
    const text = `${result.stderr}\n${result.stdout}`.trim();
    if (isBusyMessage(text)) return { kind: 'busy', detail: text };
  }
  return { kind: 'failed', detail: last ? `${last.stderr}${last.stdout}`.trim() : 'no unmount command was found' };
}

function statProbe(mountPoint: string): Promise<MountProbe> {
  return fs.stat(mountPoint).then(
    () => 'mounted' as const,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOTCONN' || error.code === 'EIO' ? ('dead' as const) : ('mounted' as const)),
  );
}

/** True when an executable of that name is in one of PATH's folders. */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, name)));
}

function linuxMissingSupport(env: NodeJS.ProcessEnv): { message: string; hint: string } | undefined {
  const install = "Install FUSE 3 (`sudo apt install fuse3`, or your distribution's fuse3 package)";
  if (!existsSync('/dev/fuse')) {
    return { message: 'FUSE is not available on this machine (/dev/fuse is missing), so the bucket cannot be mounted.', hint: `${install}, or use \`basic-memory cloud bisync\` instead.` };
  }
  if (!['fusermount3', 'fusermount'].some((name) => onPath(name, env))) {
    return { message: 'fusermount3 is not installed, so rclone cannot mount the bucket.', hint: `${install} and run the command again.` };
  }
  return undefined;
}

export function linuxPlatform(env: NodeJS.ProcessEnv, run: RunCommand = runCommand): MountPlatform {
  return {
    name: 'linux',
    missingSupport() {
      return Promise.resolve(linuxMissingSupport(env));
    },
    async probe(mountPoint) {
      const table = await readLinuxMountTable();
      const entry = table.find((candidate) => candidate.mountPoint === path.resolve(mountPoint) && candidate.fsType.includes('rclone'));
      return entry ? statProbe(mountPoint) : 'absent';
    },
    unmount: (mountPoint, force) => runFirstAvailable(run, unmountCommands('linux', mountPoint, force)),
    async processes() {
      const entries: ProcessEntry[] = [];
      for (const name of await fs.readdir('/proc').catch(() => [])) {
        if (!/^\d+$/.test(name)) continue;
        const cmdline = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
        if (cmdline) entries.push({ pid: Number(name), command: cmdline.split('\0').filter(Boolean).join(' ') });
      }
      return entries;
    },
    async holders(mountPoint) {
      const pids = parseFuserPids((await run('fuser', ['-m', mountPoint])).stdout);
      return Promise.all(pids.map(async (pid) => `${(await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim()} (pid ${pid})`));
    },
  };
}

export function macosPlatform(run: RunCommand = runCommand): MountPlatform {
  return {
    name: 'macos',
    // nfsmount uses the NFS client built into macOS: nothing to install besides rclone itself.
    missingSupport: () => Promise.resolve(undefined),
    async probe(mountPoint) {
      const table = parseMacMountOutput((await run('mount', [])).stdout);
      const entry = table.find((candidate) => candidate.mountPoint === path.resolve(mountPoint) && candidate.fsType.includes('nfs'));
      return entry ? statProbe(mountPoint) : 'absent';
    },
    unmount: (mountPoint, force) => runFirstAvailable(run, unmountCommands('macos', mountPoint, force)),
    async processes() {
      return parsePsOutput((await run('ps', ['-axo', 'pid=,command='])).stdout);
    },
    async holders(mountPoint) {
      return parseLsofHolders((await run('lsof', [mountPoint])).stdout);
    },
  };
}

export function windowsPlatform(env: NodeJS.ProcessEnv, exists: (file: string) => boolean = existsSync): MountPlatform {
  const programFiles = [env['ProgramFiles(x86)'], env.ProgramFiles].filter((dir): dir is string => Boolean(dir));
  return {
    name: 'windows',
    missingSupport() {
      const installed = programFiles.some((dir) => exists(path.win32.join(dir, 'WinFsp', 'bin')));
      if (installed) return Promise.resolve(undefined);
      return Promise.resolve({ message: 'WinFsp is not installed, so rclone cannot mount the bucket on Windows.', hint: 'Install WinFsp (`winget install WinFsp.WinFsp`, or https://winfsp.dev/rel/) and run the command again.' });
    },
    // A WinFsp drive or folder exists exactly while its rclone serves it.
    probe: (mountPoint) => Promise.resolve(exists(mountPoint) ? 'mounted' : 'absent'),
    unmount: () => Promise.resolve({ kind: 'unmounted' }),
    // Orphans are found by pid on Windows: a crashed rclone takes its drive with it.
    processes: () => Promise.resolve([]),
    holders: () => Promise.resolve([]),
  };
}

export function platformFor(name: MountPlatformName, env: NodeJS.ProcessEnv): MountPlatform {
  if (name === 'linux') return linuxPlatform(env);
  if (name === 'macos') return macosPlatform();
  return windowsPlatform(env);
}
