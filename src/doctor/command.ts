import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext, JsonOptions } from '../core/command.js';
import type { ExitCodeValue } from '../core/errors.js';
import { readTenantState } from '../core/tenant-state.js';
import { locateRcloneConfig } from '../rclone/config-file.js';
import { pathDirs } from '../rclone/install-strategies.js';
import { findProgram } from '../rclone/installer.js';
import { serviceCheck, serviceDeps } from '../service/deps.js';
import {
  checkApiReachable,
  checkEnvironment,
  checkFilters,
  checkLocks,
  checkLogin,
  checkMountSupport,
  checkRcloneVersion,
  checkRemoteConfigured,
  checkRemoteReachable,
  checkSetUp,
  exitCodeOf,
  renderChecks,
  type Check,
} from './checks.js';

const HEALTH_TIMEOUT_MS = 5_000;

/**
 * Every check in order, each reported whatever the others found: a user fixing one problem sees the
 * rest at once. Exit 0 when nothing failed (warnings are advice), 1 otherwise.
 */
export async function doctor(options: JsonOptions, ctx: CommandContext): Promise<ExitCodeValue> {
  const { rclone, platform, env, paths } = ctx;
  const fileExists = (file: string) => fs.access(file).then(() => true, () => false);
  const version = await rclone.version();
  const tenant = await readTenantState(paths).catch(() => undefined);
  const checks: Check[] = [checkRcloneVersion(version, rclone.binary, platform)];
  checks.push(
    await checkMountSupport({
      platform,
      version,
      env,
      fileExists,
      findProgram: (name) => findProgram(name, pathDirs(platform, env), platform, env),
      mountMode: tenant?.mode === 'mount',
    }),
  );
  const api = await checkApiReachable(ctx.settings.apiUrl, async (url) => (await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) })).status);
  checks.push(api, await checkLogin(() => ctx.api(), api.status === 'ok', tenant), checkSetUp(tenant));
  if (tenant) {
    if (version) {
      const configPath = await locateRcloneConfig(rclone).catch(() => undefined);
      const remote = configPath
        ? await checkRemoteConfigured(configPath, tenant, (file) => fs.readFile(file, 'utf8').catch(() => undefined))
        : { name: 'rclone remote', status: 'fail' as const, detail: 'rclone could not tell where its config file is.', fix: `Run \`${rclone.binary} config file\` to see why.` };
      checks.push(remote);
      if (remote.status !== 'fail') checks.push(await checkRemoteReachable(rclone, tenant));
    }
    checks.push(await checkFilters(paths, tenant), await checkLocks(paths, tenant));
  }
  checks.push(await serviceCheck(serviceDeps(ctx)));
  const rcloneConfig = env.RCLONE_CONFIG;
  checks.push(
    checkEnvironment({
      env,
      runnerNotes: rclone.environment.notes,
      remoteName: tenant?.remoteName,
      rcloneConfigDirExists: rcloneConfig ? await fileExists(path.dirname(rcloneConfig)) : undefined,
    }),
  );

  if (options.json) ctx.output.result({ checks });
  else ctx.output.print(renderChecks(checks));
  return exitCodeOf(checks);
}
