import fs from 'node:fs/promises';
import { isProcessAlive, sleep } from '../core/process.js';

/** A running process and its command line, split into arguments where the platform allows. */
export interface ProcessInfo {
  pid: number;
  args: string[];
}

/** Who writes a lock file: this CLI (`bisync-<tenant>.lock`) or rclone (`<session>.lck`). */
export type LockOwner = 'cli' | 'rclone';

/** Pure: is this command line a `basic-memory cloud bisync` (the CLI that takes our lock)? */
export function isBisyncCli(args: string[]): boolean {
  return args.some((arg) => /basic-memory(\.js|\.cmd|\.exe)?$/i.test(arg) || arg.includes('basic-memory-cloud')) && args.includes('bisync');
}

/** Pure: is this command line an rclone bisync, and with `workdir` when it is given? */
export function isBisyncRclone(args: string[], workdir?: string): boolean {
  const program = args[0] ?? '';
  if (!/(^|[\\/])rclone(\.exe)?$/i.test(program) || !args.includes('bisync')) return false;
  if (workdir === undefined) return true;
  const index = args.indexOf('--workdir');
  return (index >= 0 && args[index + 1] === workdir) || args.includes(`--workdir=${workdir}`);
}

/**
 * Pure: does a live process with this command line still hold a lock of `owner`? A pid that now
 * runs another program (pids are reused after a reboot or a long uptime) does not. An unreadable
 * command line (another user's process) counts as holding: never take a lock on a guess.
 */
export function stillHoldsLock(owner: LockOwner, args: string[] | undefined): boolean {
  if (args === undefined) return true;
  return owner === 'cli' ? isBisyncCli(args) : isBisyncRclone(args);
}

/** Pure: the rclone bisyncs on our workdir; run while we hold our lock, they are orphans of a killed CLI. */
export function orphanedRclones(processes: ProcessInfo[], workdir: string, self: number): number[] {
  return processes.filter((entry) => entry.pid !== self && isBisyncRclone(entry.args, workdir)).map((entry) => entry.pid);
}

/** The lock check the bisync run and `cloud doctor` share: alive, and still the program that locked. */
export async function holdsLock(pid: number, owner: LockOwner): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  return stillHoldsLock(owner, await readCommandLine(pid));
}

/** A process's arguments: /proc on Linux, `ps` on macOS and the BSDs, CIM on Windows. */
export async function readCommandLine(pid: number): Promise<string[] | undefined> {
  if (process.platform === 'linux') {
    const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
    return raw ? raw.split('\0').filter(Boolean) : undefined;
  }
  return (await listProcesses(pid)).find((entry) => entry.pid === pid)?.args;
}

/** Every process (or one) this user may see. */
export async function listProcesses(onlyPid?: number): Promise<ProcessInfo[]> {
  if (process.platform === 'linux') {
    const entries = onlyPid === undefined ? (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry)) : [String(onlyPid)];
    const found = await Promise.all(entries.map(async (entry) => {
      const raw = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      return { pid: Number(entry), args: raw.split('\0').filter(Boolean) };
    }));
    return found.filter((entry) => entry.args.length > 0);
  }
  const { execa } = await import('execa');
  if (process.platform === 'win32') {
    const filter = onlyPid === undefined ? '' : ` -Filter "ProcessId=${onlyPid}"`;
    const { stdout } = await execa('powershell.exe', ['-NoProfile', '-Command', `Get-CimInstance Win32_Process${filter} | Select-Object ProcessId,CommandLine | ConvertTo-Json -Compress`], { reject: false, windowsHide: true });
    const parsed = JSON.parse(stdout || '[]') as { ProcessId: number; CommandLine: string | null } | { ProcessId: number; CommandLine: string | null }[];
    return (Array.isArray(parsed) ? parsed : [parsed]).filter((entry) => entry.CommandLine).map((entry) => ({ pid: entry.ProcessId, args: splitCommandLine(entry.CommandLine ?? '') }));
  }
  const { stdout } = await execa('ps', onlyPid === undefined ? ['-ax', '-ww', '-o', 'pid=,command='] : ['-ww', '-o', 'pid=,command=', '-p', String(onlyPid)], { reject: false });
  return stdout.split('\n').map((line) => /^\s*(\d+)\s+(.*)$/.exec(line)).filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), args: splitCommandLine(match[2] ?? '') }));
}

/** Pure: `ps` and Windows give one string; spaces inside quotes stay (a path with spaces may still split). */
export function splitCommandLine(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
}

/**
 * Stops the rclone bisyncs a killed CLI left running on this workdir (they hold rclone's lock and
 * would make the next runs fail). SIGTERM lets rclone 1.66+ save its listings; SIGKILL after 10 s.
 */
export async function stopOrphanedRclones(workdir: string, deps: { list?: () => Promise<ProcessInfo[]>; kill?: (pid: number, signal: NodeJS.Signals) => void } = {}): Promise<number[]> {
  const list = deps.list ?? (() => listProcesses());
  const kill = deps.kill ?? ((pid: number, signal: NodeJS.Signals) => process.kill(pid, signal));
  const orphans = orphanedRclones(await list(), workdir, process.pid);
  for (const pid of orphans) {
    tryKill(kill, pid, 'SIGTERM');
    // A stopped one (Ctrl-Z, a debugger) acts on SIGTERM only once continued.
    if (process.platform !== 'win32') tryKill(kill, pid, 'SIGCONT');
  }
  const deadline = Date.now() + 10_000;
  while (orphans.some(isProcessAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of orphans.filter(isProcessAlive)) tryKill(kill, pid, 'SIGKILL');
  while (orphans.some(isProcessAlive) && Date.now() < deadline + 2_000) await sleep(50);
  return orphans;
}

function tryKill(kill: (pid: number, signal: NodeJS.Signals) => void, pid: number, signal: NodeJS.Signals): void {
  try {
    kill(pid, signal);
  } catch {
    // Gone already.
  }
}
