import { realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { CommandContext } from '../core/command.js';
import { runCommand } from '../mount/platform.js';
import { checkService } from './checks.js';
import type { ServiceDeps } from './commands.js';
import { managerFor } from './managers.js';
import { isPaused, readHealth, readInstallRecord, readPause, serviceFiles } from './state.js';
import type { Check } from '../doctor/checks.js';

/** The service commands' outside world, from the command context: this node and this CLI's entry script. */
export function serviceDeps(ctx: CommandContext): ServiceDeps {
  return {
    exec: runCommand,
    output: ctx.output,
    clock: () => new Date(),
    platform: ctx.platform,
    env: ctx.env,
    homeDir: ctx.homeDir,
    stateDir: ctx.paths.dir,
    settings: ctx.settings,
    uid: process.getuid?.() ?? 0,
    nodePath: process.execPath,
    cliPath: realpathSync(process.argv[1] ?? ''),
  };
}

/** `cloud doctor`'s service line, from what the OS's service manager and the state files say. */
export async function serviceCheck(deps: Pick<ServiceDeps, 'exec' | 'platform' | 'homeDir' | 'stateDir' | 'env' | 'uid'>, now = new Date()): Promise<Check> {
  const manager = managerFor({ platform: deps.platform, exec: deps.exec, homeDir: deps.homeDir, stateDir: deps.stateDir, env: deps.env, uid: deps.uid });
  const files = serviceFiles(deps.stateDir);
  const [record, status, health, pause] = await Promise.all([
    readInstallRecord(files),
    manager ? manager.status() : { installed: false, running: false, pid: undefined },
    readHealth(files),
    readPause(files),
  ]);
  return checkService({ record, status, health, paused: isPaused(pause, now), fileExists: (file) => fs.access(file).then(() => true, () => false) });
}
