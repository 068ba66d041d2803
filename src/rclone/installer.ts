import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import {
  WINDOWS_PATH_KEYS,
  commandOf,
  displayInvocation,
  envKey,
  knownInstallDirs,
  manualSteps,
  parseRegistryPath,
  pathDirs,
  planInvocation,
  programCandidates,
  strategiesFor,
  type InstallAction,
  type InstallStrategy,
} from './install-strategies.js';
import { OFFICIAL_OFFER_BELOW, shouldOfferOfficial } from './official-release.js';
import { createRclone, type Rclone } from './runner.js';
import { MINIMUM_RCLONE, supports } from './capabilities.js';
import { formatVersion, type RcloneVersion } from './version.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (never through a shell). `interactive`: the terminal's stdin is handed over (sudo's password, winget's UAC). */
export type RunCommand = (file: string, args: string[], options: { env: NodeJS.ProcessEnv; interactive: boolean }) => Promise<CommandResult>;

export interface InstallDeps {
  rclone: Rclone;
  output: Output;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  canPrompt: boolean;
  /** Defaults to execa without a shell. */
  runCommand?: RunCommand;
  /** Defaults to the real uid (Windows has none: never root in our sense). */
  isRoot?: boolean;
}

/** What one strategy came to, for the final advice when none worked. */
type Attempt =
  | { kind: 'needs-sudo'; strategy: InstallStrategy; command: string }
  | { kind: 'failed'; strategy: InstallStrategy; command: string; detail: string }
  | { kind: 'not-found-after'; strategy: InstallStrategy }
  | { kind: 'too-old'; strategy: InstallStrategy; version: RcloneVersion; binary: string };

/**
 * Returns the usable rclone version, installing or upgrading it when missing or older than
 * MINIMUM_RCLONE unless skipInstall; throws CliError exit 4 with the platform's manual steps when it
 * cannot.
 */
export async function ensureRclone(deps: InstallDeps, options: { skipInstall: boolean }): Promise<RcloneVersion> {
  const current = await deps.rclone.version();
  if (current && supports(current, 'bisync')) return offeringOfficial(deps, current);
  if (options.skipInstall) throw unavailable(deps.platform, current, 'and --skip-install was given');

  const action: InstallAction = current ? 'upgrade' : 'install';
  const runCommand = deps.runCommand ?? runWithoutShell;
  const isRoot = deps.isRoot ?? process.getuid?.() === 0;
  const sudo = await findProgram('sudo', pathDirs(deps.platform, deps.env), deps.platform, deps.env);
  const attempts: Attempt[] = [];
  deps.output.info(current ? `rclone ${formatVersion(current)} is older than the ${MINIMUM_RCLONE} Basic Memory needs: upgrading it.` : 'rclone is not installed: installing it.');

  for (const strategy of strategiesFor(deps.platform)) {
    const program = await findProgram(strategy.program, pathDirs(deps.platform, deps.env), deps.platform, deps.env);
    if (!program) continue;
    const invocation = planInvocation(strategy, deps.platform, { isRoot, canPrompt: deps.canPrompt, hasSudo: sudo !== undefined });
    const run = async (argv: string[]) => {
      const command = displayInvocation(argv, strategy, deps.platform, isRoot);
      if (invocation.kind === 'needs-sudo') return { kind: 'needs-sudo' as const, command };
      deps.output.info(`Running ${command}`);
      const [file, args] = invocation.viaSudo && sudo ? [sudo, [program, ...argv.slice(1)]] : [program, argv.slice(1)];
      return { kind: 'ran' as const, command, result: await runCommand(file, args, { env: deps.env, interactive: invocation.interactive }) };
    };

    let outcome = await run(commandOf(strategy, action));
    if (outcome.kind === 'needs-sudo') {
      attempts.push({ kind: 'needs-sudo', strategy, command: outcome.command });
      continue;
    }
    if (outcome.result.exitCode !== 0 && strategy.refreshIndex) {
      const refreshed = await run([strategy.program, ...strategy.refreshIndex]);
      if (refreshed.kind === 'ran' && refreshed.result.exitCode === 0) outcome = await run(commandOf(strategy, action));
    }
    if (outcome.kind === 'needs-sudo') continue;
    if (outcome.result.exitCode !== 0) {
      const detail = lastLine(outcome.result) ?? `exit code ${outcome.result.exitCode}`;
      deps.output.warn(`${outcome.command} failed: ${detail}`);
      attempts.push({ kind: 'failed', strategy, command: outcome.command, detail });
      continue;
    }

    const installed = await locateInstalledRclone(deps, runCommand);
    if (!installed) {
      attempts.push({ kind: 'not-found-after', strategy });
      continue;
    }
    if (!supports(installed.version, 'bisync')) {
      attempts.push({ kind: 'too-old', strategy, version: installed.version, binary: installed.binary });
      continue;
    }
    adopt(deps, installed.dir);
    deps.output.success(`rclone ${formatVersion(installed.version)} installed with ${strategy.name}.`);
    return offeringOfficial(deps, installed.version);
  }
  throw noStrategyWorked(deps.platform, current, attempts);
}

/** Tells a Linux user whose distribution's rclone lacks checksum comparison how to get the official one. */
function offeringOfficial(deps: InstallDeps, version: RcloneVersion): RcloneVersion {
  if (shouldOfferOfficial(deps.platform, version)) {
    deps.output.info(
      `rclone ${formatVersion(version)} works, but from ${OFFICIAL_OFFER_BELOW} on rclone compares notes by checksum, which keeps large folders fast: \`basic-memory cloud setup --rclone official\` installs rclone's newest official release for you alone (no sudo), checked against its published SHA256 sum.`,
    );
  }
  return version;
}

interface InstalledRclone {
  binary: string;
  /** The folder it was found in, when that folder is not on this process's PATH yet. */
  dir: string | undefined;
  version: RcloneVersion;
}

/**
 * Finds the rclone a package manager just installed: on PATH as it is now, then on the PATH a new
 * terminal would get (Windows: from the registry), then in the package managers' usual folders.
 */
async function locateInstalledRclone(deps: InstallDeps, runCommand: RunCommand): Promise<InstalledRclone | undefined> {
  const current = pathDirs(deps.platform, deps.env);
  const fresh = deps.platform === 'win32' ? await registryPathDirs(deps, runCommand) : [];
  const dirs = [...new Set([...current, ...fresh, ...knownInstallDirs(deps.platform, deps.env)])];
  const binary = await findProgram(deps.rclone.binary, dirs, deps.platform, deps.env);
  if (!binary) return undefined;
  const version = await createRclone({ binary, env: deps.env }).version();
  if (!version) return undefined;
  const dir = (deps.platform === 'win32' ? path.win32 : path.posix).dirname(binary);
  return { binary, version, dir: current.includes(dir) ? undefined : dir };
}

async function registryPathDirs(deps: InstallDeps, runCommand: RunCommand): Promise<string[]> {
  const reg = await findProgram('reg', pathDirs(deps.platform, deps.env), deps.platform, deps.env);
  if (!reg) return [];
  const dirs: string[] = [];
  for (const key of WINDOWS_PATH_KEYS) {
    const result = await runCommand(reg, ['query', key, '/v', 'Path'], { env: deps.env, interactive: false });
    if (result.exitCode === 0) dirs.push(...parseRegistryPath(result.stdout, deps.env));
  }
  return dirs;
}

/**
 * Makes the new rclone the one this run uses: a folder that only new terminals would see goes on
 * this process's PATH (and rclone's children's), and the cached "not installed" is forgotten.
 */
function adopt(deps: InstallDeps, dir: string | undefined): void {
  if (dir !== undefined) {
    const separator = deps.platform === 'win32' ? ';' : ':';
    for (const env of [deps.env, deps.rclone.environment.env]) {
      const key = envKey(env, 'PATH');
      env[key] = env[key] ? `${dir}${separator}${env[key]}` : dir;
    }
    deps.output.warn(`rclone was installed in ${dir}, which is not on your PATH yet: open a new terminal (or add that folder to PATH) before running rclone yourself.`);
  }
  deps.rclone.forgetVersion();
}

/** The file that would run as `name` from these folders (absolute or relative paths are taken as they are). */
export async function findProgram(name: string, dirs: string[], platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const candidate of programCandidates(name, dirs, platform, env)) {
    try {
      const stat = await fs.stat(candidate);
      if (!stat.isFile()) continue;
      if (platform !== 'win32') await fs.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not here: keep looking.
    }
  }
  return undefined;
}

function unavailable(platform: NodeJS.Platform, current: RcloneVersion | undefined, reason: string): CliError {
  const what = current ? `rclone ${formatVersion(current)} is older than the ${MINIMUM_RCLONE} Basic Memory needs` : 'rclone is not installed';
  return new CliError(`${what}, ${reason}.`, { hint: manualSteps(platform), exitCode: ExitCode.rcloneUnavailable });
}

/** The advice after every strategy: what blocked each, most actionable first. */
function noStrategyWorked(platform: NodeJS.Platform, current: RcloneVersion | undefined, attempts: Attempt[]): CliError {
  const tooOld = attempts.find((attempt) => attempt.kind === 'too-old');
  if (tooOld) {
    return new CliError(
      `${tooOld.strategy.name} installed rclone, but the rclone found (${tooOld.binary}) is ${formatVersion(tooOld.version)}, older than the ${MINIMUM_RCLONE} Basic Memory needs.`,
      { hint: manualSteps(platform), exitCode: ExitCode.rcloneUnavailable },
    );
  }
  const needsSudo = attempts.filter((attempt) => attempt.kind === 'needs-sudo');
  const first = needsSudo[0];
  if (first && attempts.every((attempt) => attempt.kind === 'needs-sudo')) {
    return new CliError(`Installing rclone with ${first.strategy.name} needs administrator rights, and there is no terminal to ask for a password.`, {
      hint: `Run \`${first.command}\` yourself (or run this command in a terminal), then run it again.`,
      exitCode: ExitCode.rcloneUnavailable,
    });
  }
  if (attempts.length === 0) return unavailable(platform, current, 'and no supported package manager was found');
  const tried = attempts.map((attempt) => (attempt.kind === 'not-found-after' ? `${attempt.strategy.name} (rclone still not found)` : attempt.strategy.name)).join(', ');
  return unavailable(platform, current, `and installing it failed (tried ${tried})`);
}

/** The line that says why: the last of stderr, else of stdout. */
function lastLine(result: CommandResult): string | undefined {
  const lines = (text: string) => text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return lines(result.stderr).at(-1) ?? lines(result.stdout).at(-1);
}

async function runWithoutShell(file: string, args: string[], options: { env: NodeJS.ProcessEnv; interactive: boolean }): Promise<CommandResult> {
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    env: options.env,
    extendEnv: false,
    reject: false,
    stdin: options.interactive ? 'inherit' : 'ignore',
    windowsHide: !options.interactive,
  });
  return { exitCode: typeof result.exitCode === 'number' ? result.exitCode : 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}
