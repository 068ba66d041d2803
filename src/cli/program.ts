import { Command, Option } from 'commander';
import { exitCodeHelp, type ExitCodeValue } from '../core/errors.js';
import { PROFILE_NAMES } from '../core/settings.js';
import type { CommandContext, GlobalOptions } from './context.js';

/**
 * The one module that knows commander. Each action lazily imports a plain typed command function,
 * so `--help` and `--version` load nothing heavy.
 */
export function buildProgram(version: string, run: CommandRunner): Command {
  const program = new Command('basic-memory')
    .description('Basic Memory: your notes as Markdown files.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const cloud = program
    .command('cloud')
    .description('Your Basic Memory cloud notes as a local folder: two-way sync (bisync) or a live mount.')
    .addHelpText('after', `
Start here:
  $ basic-memory cloud setup            log in, install rclone, configure and sync ~/basic-memory-<tenant>
  $ basic-memory cloud bisync --watch   keep the folder and the cloud in sync
  $ basic-memory cloud doctor           check everything and say what to fix

${exitCodeHelp}`);

  const withGlobals = (command: Command) =>
    command
      .option('--api-url <url>', 'cloud API base URL (env BASIC_MEMORY_CLOUD_URL)')
      .option('--verbose', 'show rclone command lines, HTTP calls and stack traces (secrets shown as ***)')
      .option('--no-color', 'plain text without colours')
      .exitOverride();
  const examples = (command: Command, lines: string[]) =>
    command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n\n${exitCodeHelp}`);
  const profileOption = (kind: string) =>
    new Option('--profile <name>', `${kind} profile (see profiles/)`).choices(PROFILE_NAMES);

  examples(
    withGlobals(cloud.command('login'))
      .description('Log in with your browser (OAuth device flow) or store a given token.')
      .option('--token <jwt>', 'store this token instead of logging in with the browser')
      .option('--no-browser', 'print the link instead of opening a browser')
      .action(run(async (options: { token?: string; browser: boolean }, ctx) => {
        const { login } = await import('../auth/commands.js');
        return login(options, ctx);
      })),
    ['basic-memory cloud login', 'basic-memory cloud login --no-browser', 'basic-memory cloud login --token "$JWT"'],
  );

  examples(
    withGlobals(cloud.command('logout'))
      .description('Revoke the login on the server (RFC 7009), then forget it here; it is forgotten even when the server cannot be reached.')
      .action(run(async (_options: object, ctx) => {
        const { logout } = await import('../auth/commands.js');
        return logout(ctx);
      })),
    ['basic-memory cloud logout'],
  );

  examples(
    withGlobals(cloud.command('setup'))
      .description('Install rclone, log in, create scoped credentials, write the rclone remote and do the first sync or mount.')
      .addOption(new Option('--mode <mode>', 'bisync (a real local folder) or mount (a live view)').choices(['bisync', 'mount']))
      .addOption(profileOption('bisync or mount'))
      .option('--path <dir>', 'local folder (default ~/basic-memory-<tenant>)')
      .option('-y, --yes', 'accept the defaults without asking', false)
      .option('--skip-install', 'do not install or upgrade rclone', false)
      .option('--json', 'print a JSON summary on stdout', false)
      .action(run(async (options: SetupFlags, ctx) => {
        const { setup } = await import('../setup/command.js');
        return setup(options, ctx);
      })),
    ['basic-memory cloud setup', 'basic-memory cloud setup --mode mount --profile fast', 'basic-memory cloud setup --yes --path ~/notes'],
  );

  examples(
    withGlobals(cloud.command('mount'))
      .description('Mount your bucket as a folder (macOS nfsmount, Linux FUSE, Windows WinFsp).')
      .addOption(profileOption('mount'))
      .option('--path <dir>', 'mount point (default: the folder chosen at setup)')
      .action(run(async (options: { profile?: string; path?: string }, ctx) => {
        const { mount } = await import('../mount/commands.js');
        return mount(options, ctx);
      })),
    ['basic-memory cloud mount', 'basic-memory cloud mount --profile fast'],
  );

  examples(
    withGlobals(cloud.command('unmount'))
      .description('Unmount and stop the rclone process. Not mounted is not an error.')
      .option('--force', 'lazy/forced unmount even when files are open', false)
      .action(run(async (options: { force: boolean }, ctx) => {
        const { unmount } = await import('../mount/commands.js');
        return unmount(options, ctx);
      })),
    ['basic-memory cloud unmount', 'basic-memory cloud unmount --force'],
  );

  examples(
    withGlobals(cloud.command('mount-status'))
      .description('Show whether the bucket is mounted, the rclone process and pending uploads.')
      .option('--json', 'print JSON on stdout', false)
      .action(run(async (options: { json: boolean }, ctx) => {
        const { mountStatus } = await import('../mount/commands.js');
        return mountStatus(options, ctx);
      })),
    ['basic-memory cloud mount-status', 'basic-memory cloud mount-status --json'],
  );

  examples(
    withGlobals(cloud.command('bisync'))
      .description('Two-way sync between the local folder and the cloud with the profile\'s safety limits.')
      .addOption(profileOption('bisync'))
      .option('--dry-run', 'show what would change each way and change nothing', false)
      .option('--resync', 'rebuild the sync baseline (keeps every file; newer copies win)', false)
      .option('--watch', 'keep running: sync on local changes and every interval', false)
      .option('--interval <duration>', 'with --watch: how often to check the cloud (e.g. 60s, 5m)')
      .option('--path <dir>', 'local folder (default: the folder chosen at setup)')
      .option('--json', 'print the run result as JSON on stdout', false)
      .action(run(async (options: BisyncFlags, ctx) => {
        const { bisync } = await import('../bisync/commands.js');
        return bisync(options, ctx);
      })),
    ['basic-memory cloud bisync', 'basic-memory cloud bisync --dry-run', 'basic-memory cloud bisync --watch --interval 30s', 'basic-memory cloud bisync --profile safe'],
  );

  examples(
    withGlobals(cloud.command('bisync-status'))
      .description('Show the last sync: when, result, changes each way, conflicts, and whether a watch runs.')
      .option('--json', 'print JSON on stdout', false)
      .action(run(async (options: { json: boolean }, ctx) => {
        const { bisyncStatus } = await import('../bisync/commands.js');
        return bisyncStatus(options, ctx);
      })),
    ['basic-memory cloud bisync-status', 'basic-memory cloud bisync-status --json'],
  );

  const credentials = cloud.command('credentials').description('List or revoke the bucket credentials of your tenant.');
  examples(
    withGlobals(credentials.command('list'))
      .description('List active credentials (never their secrets).')
      .option('--json', 'print JSON on stdout', false)
      .action(run(async (options: { json: boolean }, ctx) => {
        const { listCredentials } = await import('../credentials/commands.js');
        return listCredentials(options, ctx);
      })),
    ['basic-memory cloud credentials list'],
  );
  examples(
    withGlobals(credentials.command('revoke'))
      .description('Revoke a credential: its key stops working at once.')
      .argument('<id>', 'credential id, from `credentials list`')
      .action(run(async (_options: object, ctx, [id = '']) => {
        const { revokeCredential } = await import('../credentials/commands.js');
        return revokeCredential(id, ctx);
      })),
    ['basic-memory cloud credentials revoke 6f1c…'],
  );

  examples(
    withGlobals(cloud.command('doctor'))
      .description('Check rclone, FUSE/NFS, the API, your login, the remote, filters, locks and the environment; each problem with its fix.')
      .option('--json', 'print the checks as JSON on stdout', false)
      .action(run(async (options: { json: boolean }, ctx) => {
        const { doctor } = await import('../doctor/command.js');
        return doctor(options, ctx);
      })),
    ['basic-memory cloud doctor', 'basic-memory cloud doctor --json'],
  );

  return program;
}

export interface SetupFlags {
  mode?: 'bisync' | 'mount';
  profile?: string;
  path?: string;
  yes: boolean;
  skipInstall: boolean;
  json: boolean;
}

export interface BisyncFlags {
  profile?: string;
  dryRun: boolean;
  resync: boolean;
  watch: boolean;
  interval?: string;
  path?: string;
  json: boolean;
}

/** Turns a typed command function into a commander action: builds the context, records the exit code. */
export type CommandRunner = <O>(
  command: (options: O, ctx: CommandContext, args: string[]) => Promise<ExitCodeValue | void>,
) => (...commanderArgs: unknown[]) => Promise<void>;

export type { GlobalOptions };
