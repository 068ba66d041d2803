import fs from 'node:fs/promises';
import os from 'node:os';
import type { CommandContext } from '../core/command.js';
import type { ApiClient, CreatedCredentials } from '../api/types.js';
import { ensureLoggedIn } from '../auth/login.js';
import { CliError, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { remoteNameFor } from '../core/paths.js';
import { readTenantState, shortTenantId, writeTenantState, type TenantState } from '../core/tenant-state.js';
import { locateRcloneConfig, writeRemote } from '../rclone/config-file.js';
import { readMountState } from '../mount/state.js';
import { ensureRclone } from '../rclone/installer.js';
import { installOfficialRclone } from '../rclone/official-installer.js';
import { createRclone } from '../rclone/runner.js';
import { serviceOffer } from '../service/checks.js';
import type { SetupServiceOutcome } from '../service/commands.js';
import { makeFolder, requireUsableFolder } from '../local/folder-check.js';
import { credentialIdFor, credentialsReplacedBy, defaultChoices, type SetupChoices, type SetupMode } from './choices.js';

/** `cloud setup`'s flags. */
export interface SetupOptions {
  mode?: SetupMode;
  profile?: string;
  path?: string;
  yes: boolean;
  skipInstall: boolean;
  /** `official`: rclone's own newest release into `<state dir>/bin/`; `package` (default): the system's. */
  rclone?: 'package' | 'official';
  /** `--service` / `--no-service`; unset: asked on a terminal in bisync mode. */
  service?: boolean;
  json: boolean;
}

/**
 * From nothing to a verified remote and a first sync or mount. Safe to re-run: the remote is
 * replaced (with a backup) and the credential it held is revoked, so the cloud lists exactly one
 * live credential for this machine.
 */
export async function setup(flags: SetupOptions, givenCtx: CommandContext): Promise<ExitCodeValue | void> {
  const { output } = givenCtx;
  const ctx = flags.rclone === 'official' ? await withOfficialRclone(flags, givenCtx) : givenCtx;
  // Not under a spinner: an install may ask for a sudo password on this terminal.
  const rcloneVersion = await ensureRclone({ rclone: ctx.rclone, output, platform: ctx.platform, env: ctx.env, canPrompt: ctx.canPrompt }, { skipInstall: flags.skipInstall });
  output.success(`rclone ${rcloneVersion.raw}`);
  await ensureLoggedIn(ctx);
  const api = await ctx.api();
  const info = await output.step('Fetching your tenant', () => api.getMountInfo(), (found) => `Tenant ${shortTenantId(found.tenant_id)}`);

  const previous = await readTenantState(ctx.paths);
  const defaults = defaultChoices({ flags, previous, tenantId: info.tenant_id, settings: ctx.settings, platform: ctx.platform, homeDir: ctx.homeDir, cwd: ctx.cwd });
  const choices = ctx.canPrompt && !flags.yes ? await (await import('./prompts.js')).askSetupChoices(defaults, ctx) : defaults;
  if (choices.mode === 'bisync') await requireUsableFolder(choices.localPath);
  const currentMount = await readMountState(ctx.paths, info.tenant_id);
  // Our own mount there is fine: it is remounted with the new key below.
  if (choices.mode === 'mount' && currentMount?.mountPoint !== choices.localPath) await requireEmptyMountPoint(choices.localPath);

  const remoteName = remoteNameFor(info.tenant_id);
  const configPath = await output.step('Locating the rclone config', () => locateRcloneConfig(ctx.rclone), (file) => `rclone config: ${file}`);
  const created = await output.step('Creating bucket credentials for this machine', () => api.createCredentials(`basic-memory CLI on ${os.hostname()}`), (made) => `Credentials created (access key ${made.access_key})`);
  output.redactor.add(created.secret_key);

  const written = await undoOnFailure(api, created, () =>
    output.step(
      `Writing the rclone remote ${remoteName}`,
      () => writeRemote(configPath, remoteName, { endpointUrl: created.endpoint_url, region: created.region, accessKey: created.access_key, secretKey: created.secret_key }),
      (result) => (result.backupPath ? `Remote ${remoteName} written (backup: ${result.backupPath})` : `Remote ${remoteName} written`),
    ),
  );

  // A mount still running on the old key would break when that key is revoked below.
  if (currentMount) await stopOldMount(ctx);
  const listed = await api.listCredentials();
  const replaced = credentialsReplacedBy(listed, created.access_key, written.previous?.access_key_id);
  for (const credential of replaced) {
    await output.step(`Revoking the credential this machine used before (${credential.access_key})`, () => api.revokeCredential(credential.id));
  }

  await makeFolder(choices.localPath);
  const state: TenantState = {
    tenantId: info.tenant_id,
    bucketName: info.bucket_name,
    remoteName,
    apiUrl: api.baseUrl,
    endpointUrl: created.endpoint_url,
    region: created.region,
    accessKey: created.access_key,
    credentialId: credentialIdFor(listed, created.access_key),
    localPath: choices.localPath,
    mode: choices.mode,
    updatedAt: new Date().toISOString(),
  };
  await writeTenantState(ctx.paths, state);

  const firstRun = await startFirstRun(ctx, choices);
  const service = await offerService(ctx, flags, choices.mode, firstRun);
  const summary = {
    tenantId: state.tenantId,
    bucketName: state.bucketName,
    remoteName,
    rcloneConfig: configPath,
    backupPath: written.backupPath ?? null,
    rcloneVersion: rcloneVersion.raw,
    localPath: choices.localPath,
    mode: choices.mode,
    profile: choices.profile,
    credentialId: state.credentialId,
    revokedCredentialIds: replaced.map((credential) => credential.id),
    firstRunExitCode: firstRun ?? 0,
    service: service.service,
    serviceReason: service.reason,
  };
  if (flags.json) output.result(summary);
  else printSummary(ctx, summary);
  return firstRun;
}

/** The service offer at the end (pure decision in `serviceOffer`); only after a first sync that worked. */
async function offerService(ctx: CommandContext, flags: SetupOptions, mode: SetupMode, firstRun: ExitCodeValue | void): Promise<SetupServiceOutcome> {
  const offer = serviceOffer({ flag: flags.service, mode, canPrompt: ctx.canPrompt, yes: flags.yes });
  if (offer === 'skip' || (firstRun ?? ExitCode.ok) !== ExitCode.ok) return { service: 'skipped', reason: null };
  const [{ installFromSetup }, { serviceDeps }] = await Promise.all([import('../service/commands.js'), import('../service/deps.js')]);
  return installFromSetup(offer, serviceDeps(ctx), async () => (await import('./prompts.js')).askInstallService());
}

/** If anything fails after the credential exists, revoke it: no orphaned key is left behind. */
async function undoOnFailure<T>(api: ApiClient, created: CreatedCredentials, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const id = credentialIdFor(await api.listCredentials().catch(() => []), created.access_key);
    if (id) await api.revokeCredential(id).catch(() => undefined);
    throw error;
  }
}

async function requireEmptyMountPoint(localPath: string): Promise<void> {
  const entries = await fs.readdir(localPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) {
    throw new CliError(`${localPath} is not empty, so it cannot be a mount point.`, {
      hint: 'Choose an empty or new folder with --path, or use --mode bisync to sync that folder instead.',
    });
  }
}

async function stopOldMount(ctx: CommandContext): Promise<void> {
  ctx.output.info('Unmounting the current mount first: it uses the credentials being replaced.');
  const { unmount } = await import('../mount/commands.js');
  await unmount({ force: false }, ctx);
}

async function startFirstRun(ctx: CommandContext, choices: SetupChoices): Promise<ExitCodeValue | void> {
  if (choices.mode === 'mount') {
    const { mount } = await import('../mount/commands.js');
    return mount({ profile: choices.profile, path: choices.localPath }, ctx);
  }
  const { runBisync } = await import('../bisync/commands.js');
  // The first bisync makes the baseline by itself; a re-run just syncs.
  return runBisync({ profile: choices.profile, path: choices.localPath, dryRun: false, resync: false, watch: false, intervalSeconds: ctx.settings.watchIntervalSeconds, json: false }, ctx);
}

function printSummary(ctx: CommandContext, summary: { tenantId: string; bucketName: string; remoteName: string; rcloneConfig: string; backupPath: string | null; localPath: string; mode: string; profile: string }): void {
  const { output } = ctx;
  output.info('');
  output.success('Basic Memory cloud is set up.');
  const rows: [string, string][] = [
    ['tenant', shortTenantId(summary.tenantId)],
    ['bucket', summary.bucketName],
    ['remote', `${summary.remoteName}: in ${summary.rcloneConfig}`],
    ['folder', summary.localPath],
    ['mode', `${summary.mode} (profile ${summary.profile})`],
  ];
  if (summary.backupPath) rows.push(['backup', summary.backupPath]);
  for (const [key, value] of rows) output.info(`  ${key.padEnd(8)}${value}`);
  output.info('');
  output.info(summary.mode === 'mount'
    ? 'Next: open the folder; `basic-memory cloud mount-status` shows the mount, `basic-memory cloud unmount` stops it.'
    : 'Next: `basic-memory cloud bisync --watch` keeps the folder and the cloud in sync.');
}

/**
 * `--rclone official`: installs rclone's newest release and runs the rest of setup with it. Where
 * `BASIC_MEMORY_RCLONE` is set it still wins (the installer warns), so the runner stays as it was.
 */
async function withOfficialRclone(flags: SetupOptions, ctx: CommandContext): Promise<CommandContext> {
  if (flags.skipInstall) {
    throw new CliError('--rclone official installs rclone, so it does not go with --skip-install.', { hint: 'Leave out one of the two.', exitCode: ExitCode.usage });
  }
  const installed = await installOfficialRclone({ output: ctx.output, platform: ctx.platform, machine: os.machine(), env: ctx.env, paths: ctx.paths });
  if (ctx.env.BASIC_MEMORY_RCLONE) return ctx;
  return { ...ctx, rclone: createRclone({ binary: installed.binary, env: ctx.env, output: ctx.output }) };
}
