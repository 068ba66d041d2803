import { findStoredLogin, noLoginError } from '../auth/session.js';
import type { CommandContext } from '../core/command.js';
import { ExitCode, isCliError } from '../core/errors.js';
import { isProcessAlive } from '../core/process.js';
import { readTenantState } from '../core/tenant-state.js';
import { readBisyncState, runningWatch } from '../bisync/state.js';
import { readMountState } from '../mount/state.js';
import { readHealth, serviceFiles } from '../service/state.js';
import { renderStatus, type StatusReport } from './report.js';

/**
 * `cloud status` (alias `whoami`): which cloud, which login and whether the cloud accepts it, what
 * this machine is set up for, the last sync and what runs. A report: exit 0 whatever it finds.
 */
export async function status(ctx: CommandContext): Promise<void> {
  const setup = await readTenantState(ctx.paths).catch(() => undefined);
  const [login, lastRun, mount, watch, health] = await Promise.all([
    checkLogin(ctx),
    setup ? readBisyncState(ctx.paths, setup.tenantId) : undefined,
    setup ? readMountState(ctx.paths, setup.tenantId) : undefined,
    setup ? runningWatch(ctx.paths, setup.tenantId) : undefined,
    readHealth(serviceFiles(ctx.paths.dir)),
  ]);
  const report: StatusReport = {
    cloud: { apiUrl: ctx.settings.apiUrl, source: ctx.settings.apiUrlSource },
    login,
    setup: setup ? { tenantId: setup.tenantId, bucketName: setup.bucketName, apiUrl: setup.apiUrl, mode: setup.mode, localPath: setup.localPath } : null,
    lastSync: lastRun?.lastRun ? { at: lastRun.lastRun.finishedAt, result: lastRun.lastRun.result } : null,
    lastSuccessAt: lastRun?.lastSuccessAt ?? null,
    running: {
      mount: mount && isProcessAlive(mount.pid) ? { pid: mount.pid, mountPoint: mount.mountPoint } : null,
      watch: watch ? { pid: watch.pid } : null,
      service: health && health.state !== 'stopped' && isProcessAlive(health.pid) ? { state: health.state, pid: health.pid } : null,
    },
  };
  if (ctx.output.json) ctx.output.result(report);
  else ctx.output.print(renderStatus(report));
}

async function checkLogin(ctx: CommandContext): Promise<StatusReport['login']> {
  const fromEnv = Boolean(ctx.env.BASIC_MEMORY_TOKEN?.trim());
  const found = fromEnv ? undefined : await findStoredLogin(ctx);
  if (!fromEnv && !found) {
    const why = await noLoginError(ctx.settings.apiUrl);
    return { state: why.exitCode === ExitCode.auth ? 'none' : 'unreachable', store: null, tenantId: null, detail: why.message };
  }
  const store = fromEnv ? 'env' : (found?.store.kind ?? null);
  try {
    const info = await (await ctx.api()).getMountInfo();
    return { state: 'accepted', store, tenantId: info.tenant_id, detail: null };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const state = isCliError(error) && error.exitCode === ExitCode.auth ? 'rejected' : /^Cannot reach/.test(detail) ? 'unreachable' : 'failed';
    return { state, store, tenantId: null, detail };
  }
}
