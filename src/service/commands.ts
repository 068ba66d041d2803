import { describeCloudChanges } from '../bisync/cloud-changes.js';
import type { JsonOptions } from '../core/command.js';
import { CliError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { parseDuration, type Settings } from '../core/settings.js';
import type { RunCommand } from '../mount/platform.js';
import { DEFAULT_ROTATION, tailLog } from './log.js';
import { managerFor, type ManagerStep, type ServiceManager } from './managers.js';
import { buildServiceSpec, FOREGROUND_COMMAND } from './spec.js';
import { clearPause, isPaused, pauseFor, readHealth, readPause, removeServiceState, serviceFiles, writeInstallRecord, writePause, type ServiceHealth } from './state.js';

/** What the service commands need from the outside world, passed in. */
export interface ServiceDeps {
  exec: RunCommand;
  output: Output;
  clock: () => Date;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  stateDir: string;
  settings: Pick<Settings, 'apiUrl' | 'authUrl' | 'rclonePath'>;
  uid: number;
  /** Absolute paths recorded in the service file: this node and this CLI's entry script. */
  nodePath: string;
  cliPath: string;
  /** Made from the inputs above by default; tests pass their own. */
  manager?: ServiceManager;
}

function managerOf(deps: ServiceDeps): ServiceManager {
  const manager = deps.manager ?? managerFor({ platform: deps.platform, exec: deps.exec, homeDir: deps.homeDir, stateDir: deps.stateDir, env: deps.env, uid: deps.uid });
  if (!manager) {
    throw new CliError(`Running the sync as a service is not supported on ${deps.platform}.`, { hint: `Run \`${FOREGROUND_COMMAND}\` instead.` });
  }
  return manager;
}

/** What `cloud setup` did about the service, for its summary. */
export interface SetupServiceOutcome {
  service: 'installed' | 'skipped' | 'declined' | 'unavailable';
  /** Why it could not be installed, when it could not. */
  reason: string | null;
}

/**
 * The end of `cloud setup` when the service is offered: installed when the user wants it and this OS
 * can run it. A machine without a service manager (a container, WSL1) is said in one sentence and is
 * no failure: setup did its job, and the foreground watch is the way to keep syncing there.
 */
export async function installFromSetup(offer: 'install' | 'ask', deps: ServiceDeps, ask: () => Promise<boolean>): Promise<SetupServiceOutcome> {
  const manager = deps.manager ?? managerFor({ platform: deps.platform, exec: deps.exec, homeDir: deps.homeDir, stateDir: deps.stateDir, env: deps.env, uid: deps.uid });
  const availability = manager ? await manager.availability() : { kind: 'unavailable' as const, reason: `${deps.platform} has no service manager this CLI supports` };
  if (availability.kind === 'unavailable') {
    deps.output.info(`The sync service cannot run here (${availability.reason}): run \`${FOREGROUND_COMMAND}\` to keep syncing.`);
    return { service: 'unavailable', reason: availability.reason };
  }
  if (offer === 'ask' && !(await ask())) return { service: 'declined', reason: null };
  await installService({ json: false }, { ...deps, ...(manager ? { manager } : {}) });
  return { service: 'installed', reason: null };
}

function requireDone(step: ManagerStep, what: string): void {
  if (step.kind === 'failed') throw new CliError(`Could not ${what} the sync service: ${step.detail}.`, { hint: 'Run `basic-memory cloud bisync-service status` to see its state.' });
}

/** Pure: a CLI run through `npx` lives in a cache npm clears: a service must not point there. */
export function isEphemeralCliPath(cliPath: string): boolean {
  return /[\\/]_npx[\\/]/.test(cliPath);
}

/**
 * `bisync-service install`. Exit 1 where the OS has no usable service manager (no systemd user
 * session in a container or WSL1): the command was right, the machine cannot do it, and the user's
 * way forward is the foreground command, not a different command line (which exit 2 would mean).
 */
export async function installService(options: JsonOptions, deps: ServiceDeps): Promise<ExitCodeValue> {
  const manager = managerOf(deps);
  const availability = await manager.availability();
  if (availability.kind === 'unavailable') {
    throw new CliError(`The sync service cannot be installed: ${availability.reason}.`, { hint: `Run \`${FOREGROUND_COMMAND}\` in a terminal (or your own supervisor) instead.`, exitCode: ExitCode.failed });
  }
  const spec = buildServiceSpec({ nodePath: deps.nodePath, cliPath: deps.cliPath, stateDir: deps.stateDir, homeDir: deps.homeDir, settings: deps.settings, env: deps.env });
  if (isEphemeralCliPath(spec.cliPath)) {
    deps.output.warn(`The CLI runs from npx's cache (${spec.cliPath}), which npm may clear; the service would then stop working. Install it (\`npm install -g basic-memory-cloud\`) and run \`basic-memory cloud bisync-service install\` again.`);
  }
  const step = await manager.install(spec);
  if (step.kind === 'failed') {
    // Nothing half-installed: what was written is removed again.
    await manager.uninstall();
    requireDone(step, 'install');
  }
  await writeInstallRecord(serviceFiles(deps.stateDir), { manager: manager.name, nodePath: spec.nodePath, cliPath: spec.cliPath, installedAt: deps.clock().toISOString(), files: manager.files });
  if (options.json) deps.output.result({ installed: true, manager: manager.name, files: manager.files });
  else deps.output.success(`Sync service installed and started (${manager.name}): ${manager.files.join(', ')}.`);
  return ExitCode.ok;
}

export async function uninstallService(options: JsonOptions, deps: ServiceDeps): Promise<ExitCodeValue> {
  const manager = managerOf(deps);
  requireDone(await manager.uninstall(), 'uninstall');
  await removeServiceState(serviceFiles(deps.stateDir));
  if (options.json) deps.output.result({ installed: false, removed: manager.files });
  else deps.output.success('Sync service stopped and removed.');
  return ExitCode.ok;
}

async function requireInstalled(manager: ServiceManager): Promise<void> {
  if (!(await manager.status()).installed) {
    throw new CliError('The sync service is not installed.', { hint: 'Run `basic-memory cloud bisync-service install` first.' });
  }
}

function lifecycle(action: 'start' | 'stop' | 'restart', done: string) {
  return async (options: JsonOptions, deps: ServiceDeps): Promise<ExitCodeValue> => {
    const manager = managerOf(deps);
    await requireInstalled(manager);
    requireDone(await manager[action](), action);
    if (options.json) deps.output.result({ action, ok: true });
    else deps.output.success(done);
    return ExitCode.ok;
  };
}

export const startService = lifecycle('start', 'Sync service started.');
export const stopService = lifecycle('stop', 'Sync service stopped.');
export const restartService = lifecycle('restart', 'Sync service restarted.');

/** Pure: the one-word state `status` shows. */
export function describeState(installed: boolean, running: boolean, health: ServiceHealth | undefined, paused: boolean): string {
  if (!installed) return 'not installed';
  if (!running) return 'stopped';
  if (paused) return 'paused';
  return health?.state === 'failing' ? 'failing' : 'running';
}

export async function serviceStatus(options: JsonOptions, deps: ServiceDeps): Promise<ExitCodeValue> {
  const manager = managerOf(deps);
  const files = serviceFiles(deps.stateDir);
  const [status, health, pause] = await Promise.all([manager.status(), readHealth(files), readPause(files)]);
  const paused = isPaused(pause, deps.clock());
  const state = describeState(status.installed, status.running, health, paused);
  const document = {
    state,
    manager: manager.name,
    installed: status.installed,
    running: status.running,
    pid: status.pid ?? null,
    paused,
    pausedUntil: paused ? (pause?.until ?? null) : null,
    health: health ?? null,
    log: files.log,
  };
  if (options.json) {
    deps.output.result(document);
    return ExitCode.ok;
  }
  const rows: [string, string][] = [
    ['service', `${state} (${manager.name}${status.pid ? `, pid ${status.pid}` : ''})`],
    ['paused', paused ? (pause?.until ? `until ${pause.until}` : 'until resumed') : 'no'],
    ['last sync', health?.lastSyncAt ?? 'never'],
    ['last error', health?.lastError ? `${health.lastError.at}: ${health.lastError.message}` : 'none'],
    ['next run', health?.nextRunAt ?? '-'],
    ...(health?.cloudChanges && state !== 'stopped' ? [['cloud', describeCloudChanges(health.cloudChanges)] as [string, string]] : []),
    ['log', files.log],
  ];
  deps.output.print(rows.map(([key, value]) => `${`${key}:`.padEnd(12)}${value}`).join('\n'));
  return ExitCode.ok;
}

export async function pauseService(options: JsonOptions & { for?: string | undefined }, deps: ServiceDeps): Promise<ExitCodeValue> {
  const seconds = options.for === undefined ? undefined : parseDuration(options.for);
  if (options.for !== undefined && seconds === undefined) {
    throw new CliError(`"${options.for}" is not a duration.`, { hint: 'Use a duration like 30m or 2h, or leave out --for to pause until `resume`.', exitCode: ExitCode.usage });
  }
  const pause = pauseFor(deps.clock(), seconds);
  await writePause(serviceFiles(deps.stateDir), pause);
  if (options.json) deps.output.result({ paused: true, until: pause.until });
  else deps.output.success(pause.until ? `Sync paused until ${pause.until}.` : 'Sync paused until `basic-memory cloud bisync-service resume`.');
  return ExitCode.ok;
}

export async function resumeService(options: JsonOptions, deps: ServiceDeps): Promise<ExitCodeValue> {
  const wasPaused = isPaused(await readPause(serviceFiles(deps.stateDir)), deps.clock());
  await clearPause(serviceFiles(deps.stateDir));
  if (options.json) deps.output.result({ paused: false, wasPaused });
  else deps.output.success(wasPaused ? 'Sync resumed.' : 'Sync was not paused.');
  return ExitCode.ok;
}

export async function serviceLogs(options: JsonOptions & { lines?: string | undefined }, deps: ServiceDeps): Promise<ExitCodeValue> {
  const count = options.lines === undefined ? 50 : Number(options.lines);
  if (!Number.isInteger(count) || count <= 0) {
    throw new CliError(`"${options.lines ?? ''}" is not a number of lines.`, { hint: 'Use a whole number, e.g. --lines 100.', exitCode: ExitCode.usage });
  }
  const file = serviceFiles(deps.stateDir).log;
  const lines = await tailLog(file, count, DEFAULT_ROTATION);
  if (options.json) deps.output.result({ file, lines });
  else if (lines.length === 0) deps.output.info(`The sync service has not logged anything yet (${file}).`);
  else deps.output.print(lines.join('\n'));
  return ExitCode.ok;
}
