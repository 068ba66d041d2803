import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { CommandResult, RunCommand } from '../mount/platform.js';
import { renderEnvFile, renderLaunchdPlist, renderSystemdUnit, renderWindowsTaskXml } from './render.js';
import { LAUNCHD_LABEL, SERVICE_NAME, WINDOWS_TASK_NAME, type ServiceSpec } from './spec.js';

/** What the service manager says about the service. */
export interface ServiceStatus {
  installed: boolean;
  running: boolean;
  pid: number | undefined;
}

/** Outcomes are values: a manager that cannot be used says why in one sentence. */
export type ManagerAvailability = { kind: 'available' } | { kind: 'unavailable'; reason: string };

export type ManagerStep = { kind: 'done' } | { kind: 'failed'; detail: string };

/** One OS's service manager (systemd user units, launchd agents, Task Scheduler). */
export interface ServiceManager {
  name: 'systemd' | 'launchd' | 'task-scheduler';
  /** Every file install writes, so uninstall (and a failed install) remove exactly these. */
  files: string[];
  availability(): Promise<ManagerAvailability>;
  /** Writes the files and (re)loads and starts the service; a second install rewrites and reloads. */
  install(spec: ServiceSpec): Promise<ManagerStep>;
  /** Stops the service and removes what install wrote; nothing installed is not an error. */
  uninstall(): Promise<ManagerStep>;
  start(): Promise<ManagerStep>;
  stop(): Promise<ManagerStep>;
  restart(): Promise<ManagerStep>;
  status(): Promise<ServiceStatus>;
}

function detailOf(command: string, args: string[], result: CommandResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim().split('\n')[0] ?? '';
  return `\`${[command, ...args].join(' ')}\` failed (exit ${result.exitCode})${text ? `: ${text}` : ''}`;
}

/** Runs commands in order, stopping at the first failure. */
async function steps(exec: RunCommand, commands: string[][]): Promise<ManagerStep> {
  for (const [command, ...args] of commands) {
    if (!command) continue;
    const result = await exec(command, args);
    if (result.exitCode !== 0) return { kind: 'failed', detail: detailOf(command, args, result) };
  }
  return { kind: 'done' };
}

async function removeFiles(files: string[]): Promise<void> {
  for (const file of files) await fs.rm(file, { force: true });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Pure: where systemd looks for this user's units. */
export function systemdUnitPath(homeDir: string, env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME?.trim() || path.join(homeDir, '.config');
  return path.join(configHome, 'systemd', 'user', `${SERVICE_NAME}.service`);
}

/** Pure: `systemctl show` output (`Key=value` lines) → the service's status. */
export function parseSystemctlShow(text: string): ServiceStatus {
  const fields = new Map(text.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const));
  const pid = Number(fields.get('MainPID'));
  return {
    installed: fields.get('LoadState') === 'loaded',
    running: fields.get('ActiveState') === 'active' || fields.get('ActiveState') === 'activating',
    pid: pid > 0 ? pid : undefined,
  };
}

export function systemdManager(exec: RunCommand, homeDir: string, env: NodeJS.ProcessEnv): ServiceManager {
  const unitFile = systemdUnitPath(homeDir, env);
  const unit = `${SERVICE_NAME}.service`;
  const systemctl = (...args: string[]) => ['systemctl', '--user', ...args];
  return {
    name: 'systemd',
    files: [unitFile],
    async availability() {
      // No user manager (containers, WSL1, a login without a session bus): this fails at once.
      const result = await exec('systemctl', ['--user', 'show-environment']);
      if (result.exitCode === 0) return { kind: 'available' };
      const why = result.exitCode === 127 ? 'systemctl is not installed' : (result.stderr.trim().split('\n')[0] ?? 'systemctl --user failed');
      return { kind: 'unavailable', reason: `there is no systemd user session on this machine (${why})` };
    },
    async install(spec) {
      await writeFileAtomic(unitFile, renderSystemdUnit(spec), 0o644);
      // restart (not start): a re-install must run the unit it just rewrote.
      return steps(exec, [systemctl('daemon-reload'), systemctl('enable', unit), systemctl('restart', unit)]);
    },
    async uninstall() {
      // Best effort with systemctl: where the user manager is gone (a container), removing the
      // file is all there is to do.
      if (await exists(unitFile)) {
        await exec('systemctl', ['--user', 'disable', '--now', unit]);
        await removeFiles([unitFile]);
        await exec('systemctl', ['--user', 'daemon-reload']);
      }
      return { kind: 'done' };
    },
    start: () => steps(exec, [systemctl('start', unit)]),
    stop: () => steps(exec, [systemctl('stop', unit)]),
    restart: () => steps(exec, [systemctl('restart', unit)]),
    async status() {
      const result = await exec('systemctl', ['--user', 'show', unit, '--property=LoadState,ActiveState,MainPID']);
      const status = parseSystemctlShow(result.stdout);
      return { ...status, installed: status.installed && (await exists(unitFile)) };
    },
  };
}

export function launchdPlistPath(homeDir: string): string {
  return path.join(homeDir, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

/** Pure: `launchctl print gui/UID/label` → running and pid. */
export function parseLaunchctlPrint(text: string): Pick<ServiceStatus, 'running' | 'pid'> {
  const state = /^\s*state = (\S+)/m.exec(text)?.[1];
  const pid = Number(/^\s*pid = (\d+)/m.exec(text)?.[1]);
  return { running: state === 'running', pid: pid > 0 ? pid : undefined };
}

export function launchdManager(exec: RunCommand, homeDir: string, uid: number): ServiceManager {
  const plist = launchdPlistPath(homeDir);
  const domain = `gui/${uid}`;
  const target = `${domain}/${LAUNCHD_LABEL}`;
  const bootstrap = () => steps(exec, [['launchctl', 'bootstrap', domain, plist]]);
  return {
    name: 'launchd',
    files: [plist],
    async availability() {
      // An ssh session has no GUI domain: agents cannot be loaded there.
      const result = await exec('launchctl', ['print', domain]);
      return result.exitCode === 0 ? { kind: 'available' } : { kind: 'unavailable', reason: `launchd has no GUI session for this user (${domain}); log in on the desktop first` };
    },
    async install(spec) {
      await writeFileAtomic(plist, renderLaunchdPlist(spec), 0o644);
      // bootout first so launchd reads the rewritten plist; it fails harmlessly when nothing is loaded.
      await exec('launchctl', ['bootout', target]);
      return bootstrap();
    },
    async uninstall() {
      await exec('launchctl', ['bootout', target]);
      await removeFiles([plist]);
      return { kind: 'done' };
    },
    async start() {
      const loaded = (await exec('launchctl', ['print', target])).exitCode === 0;
      return loaded ? steps(exec, [['launchctl', 'kickstart', target]]) : bootstrap();
    },
    // bootout is launchd's stop: with KeepAlive a killed agent would be started again.
    stop: () => steps(exec, [['launchctl', 'bootout', target]]),
    async restart() {
      const loaded = (await exec('launchctl', ['print', target])).exitCode === 0;
      return loaded ? steps(exec, [['launchctl', 'kickstart', '-k', target]]) : bootstrap();
    },
    async status() {
      const result = await exec('launchctl', ['print', target]);
      const installed = await exists(plist);
      return result.exitCode === 0 ? { installed, ...parseLaunchctlPrint(result.stdout) } : { installed, running: false, pid: undefined };
    },
  };
}

/** Pure: `schtasks /Query /FO LIST /V` → running (the `Status:` line). */
export function parseSchtasksQuery(text: string): Pick<ServiceStatus, 'running'> {
  return { running: /^Status:\s*Running\s*$/im.test(text) };
}

export interface WindowsInputs {
  stateDir: string;
  /** `DOMAIN\user`, from USERDOMAIN and USERNAME. */
  userId: string;
}

export function taskSchedulerManager(exec: RunCommand, inputs: WindowsInputs, pathApi: path.PlatformPath = path.win32): ServiceManager {
  const xml = pathApi.join(inputs.stateDir, 'bisync-service-task.xml');
  const envFile = pathApi.join(inputs.stateDir, 'bisync-service.env');
  const task = ['/TN', WINDOWS_TASK_NAME];
  return {
    name: 'task-scheduler',
    files: [xml, envFile],
    async availability() {
      const result = await exec('schtasks', ['/Query', '/FO', 'LIST']);
      return result.exitCode === 0 ? { kind: 'available' } : { kind: 'unavailable', reason: 'the Task Scheduler cannot be reached (schtasks failed)' };
    },
    async install(spec) {
      await writeFileAtomic(envFile, renderEnvFile(spec.environment));
      // schtasks reads task XML as UTF-16 (with its byte order mark).
      await fs.mkdir(pathApi.dirname(xml), { recursive: true });
      await fs.writeFile(xml, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(renderWindowsTaskXml(spec, { userId: inputs.userId, envFile }), 'utf16le')]));
      // /F replaces an existing task, so a re-install rewrites it; /End stops the old process first.
      await exec('schtasks', ['/End', ...task]);
      return steps(exec, [['schtasks', '/Create', ...task, '/XML', xml, '/F'], ['schtasks', '/Run', ...task]]);
    },
    async uninstall() {
      const installed = (await exec('schtasks', ['/Query', ...task])).exitCode === 0;
      if (installed) await exec('schtasks', ['/End', ...task]);
      const deleted = installed ? await steps(exec, [['schtasks', '/Delete', ...task, '/F']]) : ({ kind: 'done' } as const);
      await removeFiles([xml, envFile]);
      return deleted;
    },
    start: () => steps(exec, [['schtasks', '/Run', ...task]]),
    stop: () => steps(exec, [['schtasks', '/End', ...task]]),
    async restart() {
      await exec('schtasks', ['/End', ...task]);
      return steps(exec, [['schtasks', '/Run', ...task]]);
    },
    async status() {
      const result = await exec('schtasks', ['/Query', ...task, '/FO', 'LIST', '/V']);
      return { installed: result.exitCode === 0, ...parseSchtasksQuery(result.stdout), pid: undefined };
    },
  };
}

export interface ManagerInputs {
  platform: NodeJS.Platform;
  exec: RunCommand;
  homeDir: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  uid: number;
}

/** The service manager of this OS, or undefined where there is none we support. */
export function managerFor(inputs: ManagerInputs): ServiceManager | undefined {
  if (inputs.platform === 'linux') return systemdManager(inputs.exec, inputs.homeDir, inputs.env);
  if (inputs.platform === 'darwin') return launchdManager(inputs.exec, inputs.homeDir, inputs.uid);
  if (inputs.platform === 'win32') {
    const user = inputs.env.USERNAME ?? '';
    return taskSchedulerManager(inputs.exec, { stateDir: inputs.stateDir, userId: inputs.env.USERDOMAIN ? `${inputs.env.USERDOMAIN}\\${user}` : user });
  }
  return undefined;
}
