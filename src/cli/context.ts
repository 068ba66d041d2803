import os from 'node:os';
import { Output } from '../core/output.js';
import { resolveStateDir, statePaths, type StatePaths } from '../core/paths.js';
import { readTenantState } from '../core/tenant-state.js';
import { readLoginRecord } from '../auth/login-record.js';
import { CliError, ExitCode } from '../core/errors.js';
import { loadSettingsFile, resolveSettings } from '../core/settings.js';
import { createRclone } from '../rclone/runner.js';
import { proxySettings, routeThroughProxy } from '../api/proxy.js';
import type { ApiClient } from '../api/types.js';
import type { SessionContext } from '../auth/session.js';
import type { CommandContext, GlobalOptions } from '../core/command.js';

/** Builds the context of one run from the parsed global flags, the environment and the settings files. */
export async function createContext(options: GlobalOptions): Promise<CommandContext> {
  const env = process.env;
  const homeDir = os.homedir();
  const interactive = Boolean(process.stderr.isTTY) && env.CI === undefined;
  const output = new Output({
    json: options.json ?? false,
    verbose: options.verbose ?? false,
    color: options.color !== false && env.NO_COLOR === undefined && Boolean(process.stderr.isTTY),
    interactive,
  });
  const proxy = proxySettings(env);
  if (proxy) await routeThroughProxy(proxy);
  const stateDir = resolveStateDir(env, homeDir);
  const paths = statePaths(stateDir);
  const { settings, warnings, errors } = resolveSettings({
    file: await loadSettingsFile(stateDir, process.cwd()),
    env,
    flags: { apiUrl: options.apiUrl },
    remembered: await rememberedClouds(paths),
  });
  if (errors.length > 0) {
    throw new CliError(errors.join(' '), { hint: 'Fix the settings and run the command again.', exitCode: ExitCode.usage });
  }
  for (const warning of warnings) output.warn(warning);
  const token = env.BASIC_MEMORY_TOKEN;
  output.redactor.add(token);
  const base = {
    output,
    settings,
    paths,
    env,
    platform: process.platform,
    homeDir,
    cwd: process.cwd(),
    canPrompt: interactive && Boolean(process.stdin.isTTY),
    rclone: createRclone({ binary: settings.rclonePath, env, output }),
  };
  let api: Promise<ApiClient> | undefined;
  return {
    ...base,
    api: () => (api ??= openApiClient(base)),
  };
}

/** The clouds this machine last logged in to and was set up for; an unreadable file remembers nothing. */
async function rememberedClouds(paths: StatePaths): Promise<{ login: string | undefined; setup: string | undefined }> {
  const [login, tenant] = await Promise.all([readLoginRecord(paths), readTenantState(paths).catch(() => undefined)]);
  return { login: login?.apiUrl, setup: tenant?.apiUrl };
}

/** The logged-in client of the run: base URL from the settings, token from the login session. */
async function openApiClient(ctx: SessionContext): Promise<ApiClient> {
  const [{ openSession }, { apiClientFor }] = await Promise.all([import('../auth/session.js'), import('../api/client.js')]);
  const session = await openSession(ctx);
  return apiClientFor({ baseUrl: ctx.settings.apiUrl, accessToken: () => session.accessToken(), output: ctx.output, tokenFromEnv: session.source === 'env' });
}
