import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from './auth/access-tokens.js';
import { parseDurationSeconds } from './duration.js';
import { DEFAULT_IDLE_MS, parseLayers, type SyncLayer } from './container/container-pool.js';
import { webhookAuthFromEnv } from './container/tigris-webhook.js';
import { DEFAULT_API_PORT, DEFAULT_HOST, DEFAULT_S3_PORT, startServer, type StorageMode } from './index.js';
import { openServices, type ServerServices } from './services.js';
import { localProvider } from './storage/local-provider.js';
import type { StorageProvider } from './storage/provider.js';
import { tigrisProviderFromEnv } from './storage/tigris-provider.js';
import { bucketFiles, storeDir } from './store/embedded-store.js';
import { openKeyStore } from './store/key-store.js';
import { openObjectStore } from './store/object-store.js';
import { DEFAULT_ORPHAN_AFTER_DAYS } from './tenants/credential-lifecycle.js';
import { DEFAULT_MAX_CREDENTIALS } from './tenants/tenant-service.js';

function serverVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function defaultDataDir(): string {
  return process.env.BASIC_MEMORY_SERVER_DATA_DIR ?? path.join(os.homedir(), '.basic-memory-server');
}

function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535 (0 picks a free one).');
  return port;
}

function ttlOption(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) throw new InvalidArgumentError('use a duration such as 90s, 30m or 1h.');
  if (seconds > MAX_ACCESS_TOKEN_TTL_SECONDS) throw new InvalidArgumentError(`at most ${MAX_ACCESS_TOKEN_TTL_SECONDS / 3600}h: longer tokens are refused by the API.`);
  return seconds;
}

function countOption(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('a whole number of at least 1.');
  return count;
}

function layersOption(value: string): Set<SyncLayer> {
  const layers = parseLayers(value);
  if (typeof layers === 'string') throw new InvalidArgumentError(layers);
  return layers;
}

function idleOption(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds < 1) throw new InvalidArgumentError('use a duration such as 90s, 10m or 1h.');
  return seconds * 1000;
}

const storageOption = () => new Option('--storage <mode>', 'where buckets live: the embedded store, or a Tigris/AWS account').choices(['local', 'tigris']).default('local');
const dataDirOption = () => new Option('--data-dir <dir>', 'database, keys and buckets (env BASIC_MEMORY_SERVER_DATA_DIR)').default(defaultDataDir(), '~/.basic-memory-server');

interface StartOptions {
  host: string;
  port: number;
  s3Port: number;
  dataDir: string;
  storage: StorageMode;
  maxCredentials: number;
  orphanAfter: number;
  changeFeed: boolean;
  container?: boolean;
  containerLayers: Set<SyncLayer>;
  containerIdle: number;
  rclone: string;
}

async function start(options: StartOptions): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  const { container, containerLayers, containerIdle, rclone, ...rest } = options;
  const webhookAuth = webhookAuthFromEnv(process.env);
  if (typeof webhookAuth === 'string') throw new Error(webhookAuth);
  const server = await startServer({
    ...rest,
    orphanAfterDays: options.orphanAfter,
    dataDir,
    log: (line) => process.stderr.write(`${line}\n`),
    ...(container ? { container: { layers: containerLayers, idleMs: containerIdle, rcloneBinary: rclone, ...(webhookAuth ? { webhookAuth } : {}) } } : {}),
  });
  process.stdout.write(`API listening on ${server.apiUrl}\nS3 store (${options.storage}) at ${server.s3Url}\nData dir: ${dataDir}\n`);
  process.stdout.write(`\nPoint the CLI at it (the login remembers this URL for later commands):\n  basic-memory cloud login --api-url ${server.apiUrl}\n`
    + `Approve the code it shows with \`basic-memory-server device approve CODE --tenant ID --data-dir ${dataDir}\`, or log in with a token:\n`
    + `  basic-memory cloud login --api-url ${server.apiUrl} --token "$(basic-memory-server token --tenant new --data-dir ${dataDir})"\n`);
  await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  }).then((signal) => process.stderr.write(`${signal}: stopping\n`));
  await server.close();
}

interface DataDirOptions {
  dataDir: string;
  storage: StorageMode;
}

/**
 * Opens the data dir's services without a server (the running one may hold it open too: SQLite in
 * WAL mode lets both work), runs `work`, and closes everything.
 */
async function withServices<T>(options: Partial<DataDirOptions> & { dataDir: string }, work: (services: ServerServices) => Promise<T>): Promise<T> {
  const dataDir = path.resolve(options.dataDir);
  let provider: StorageProvider;
  if (options.storage === undefined) {
    provider = noStorage;
  } else if (options.storage === 'local') {
    const keys = openKeyStore(storeDir(dataDir));
    // No migration or crash repair here: a running store may be writing to the same data dir.
    const objects = openObjectStore(storeDir(dataDir));
    provider = localProvider({
      keys,
      buckets: bucketFiles(objects),
      endpointUrl: '',
      close: () => {
        keys.close();
        objects.close();
        return Promise.resolve();
      },
    });
  } else {
    provider = tigrisProviderFromEnv(process.env);
  }
  const services = await openServices({ dataDir, provider, log: (line) => process.stderr.write(`${line}\n`) });
  try {
    return await work(services);
  } finally {
    services.close();
    await provider.close();
  }
}

/** For commands that touch no bucket (users, device codes): they run without storage settings. */
const noStorage: StorageProvider = {
  endpointUrl: '',
  region: 'auto',
  createBucket: () => Promise.reject(new Error('This command has no storage.')),
  createScopedKey: () => Promise.reject(new Error('This command has no storage.')),
  revokeKey: () => Promise.reject(new Error('This command has no storage.')),
  deleteBucket: () => Promise.reject(new Error('This command has no storage.')),
  close: () => Promise.resolve(),
};

interface TokenOptions extends DataDirOptions {
  tenant: string;
  ttl: number;
}

/** Mints a token straight from the data dir: no server needs to run, and a new tenant's bucket is made where `start` will serve it. */
function token(options: TokenOptions): Promise<void> {
  return withServices(options, async (services) => {
    const tenant = await services.tenants.ensureTenant(options.tenant);
    process.stderr.write(`tenant ${tenant.id}, bucket ${tenant.bucketName}\n`);
    process.stdout.write(`${await services.tokens.mint(tenant.id, options.ttl)}\n`);
  });
}

/** `tenant create [ID]`: prints the new tenant's id alone on stdout, for scripts. */
function createTenant(id: string | undefined, options: DataDirOptions): Promise<void> {
  return withServices(options, async (services) => {
    const tenant = await services.tenants.createTenant(id ?? 'new');
    process.stderr.write(`tenant ${tenant.id} created, bucket ${tenant.bucketName}\n`);
    process.stdout.write(`${tenant.id}\n`);
  });
}

interface UserAddOptions {
  dataDir: string;
  tenant: string;
  passwordStdin?: boolean;
}

async function addUser(email: string, options: UserAddOptions): Promise<void> {
  const password = await readNewPassword(Boolean(options.passwordStdin));
  await withServices(options, async (services) => {
    const user = await services.accounts.addUser(email, options.tenant, password);
    process.stderr.write(`user ${user.email} can now sign in on /device and approve logins for tenant ${user.tenantId}\n`);
  });
}

/** From stdin (its first line) with --password-stdin, else a hidden prompt on a terminal, typed twice. */
async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  if (!process.stdin.isTTY) throw new Error('No terminal to ask for the password on: pipe it in with --password-stdin.');
  const { password } = await import('@inquirer/prompts');
  const first = await password({ message: 'Password for the new user', mask: true });
  const second = await password({ message: 'The same password again', mask: true });
  if (first !== second) throw new Error('The two passwords differ; nothing was changed.');
  return first;
}

interface DeviceDecisionOptions {
  dataDir: string;
}

function approveDevice(userCode: string, options: DeviceDecisionOptions & { tenant: string }): Promise<void> {
  return withServices(options, (services) => {
    const tenantId = services.deviceFlow.approve(userCode, options.tenant);
    process.stderr.write(`code ${userCode} approved for tenant ${tenantId}\n`);
    return Promise.resolve();
  });
}

function denyDevice(userCode: string, options: DeviceDecisionOptions): Promise<void> {
  return withServices(options, (services) => {
    services.deviceFlow.deny(userCode);
    process.stderr.write(`code ${userCode} denied\n`);
    return Promise.resolve();
  });
}

interface AuditOptions {
  dataDir: string;
  tenant?: string;
  json?: boolean;
}

/** `audit`: the credential audit trail, oldest first; `--json` prints one document for scripts. */
function listAudit(options: AuditOptions): Promise<void> {
  return withServices(options, (services) => {
    const events = services.audit.list(options.tenant === undefined ? {} : { tenantId: options.tenant });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(events.map((event) => ({ at: event.at, type: event.type, tenant_id: event.tenantId, credential_id: event.credentialId, access_key: event.accessKey })))}\n`);
    } else if (events.length === 0) {
      process.stderr.write('no audit events\n');
    } else {
      for (const event of events) process.stdout.write(`${event.at}  ${event.type}  tenant ${event.tenantId}  credential ${event.credentialId} (${event.accessKey})\n`);
    }
    return Promise.resolve();
  });
}

const program = new Command('basic-memory-server')
  .description('The reference cloud for basic-memory: the tenant mount API and an S3 store that checks every signature.')
  .version(serverVersion(), '-v, --version', 'print the version')
  .showHelpAfterError();

program
  .command('start')
  .description('run the API and the S3 store until SIGINT or SIGTERM')
  .option('--host <host>', 'address to listen on', DEFAULT_HOST)
  .option('--port <port>', 'API port (0 picks a free one)', portOption, DEFAULT_API_PORT)
  .option('--s3-port <port>', 'S3 store port (0 picks a free one)', portOption, DEFAULT_S3_PORT)
  .addOption(dataDirOption())
  .addOption(storageOption())
  .option('--max-credentials <n>', 'live mount credentials one tenant may hold', countOption, DEFAULT_MAX_CREDENTIALS)
  .option('--orphan-after <days>', 'revoke mount credentials unused for this many days, marking them orphaned', countOption, DEFAULT_ORPHAN_AFTER_DAYS)
  .option('--no-change-feed', 'answer 404 at GET /tenant/events, as a cloud without the change feed does (clients poll)')
  .option('--container', "run each tenant's container view: its bucket mounted through rclone with a 30s stat cache, indexed, served at GET /tenant/notes")
  .addOption(new Option('--container-layers <list>', 'which sync layers refresh the containers: all, none, or a comma list of sync, webhook, cli, periodic').argParser(layersOption).default(layersOption('all'), 'all'))
  .addOption(new Option('--container-idle <duration>', 'stop a container unused this long').argParser(idleOption).default(DEFAULT_IDLE_MS, '10m'))
  .option('--rclone <path>', 'the rclone the containers mount with', 'rclone')
  .action((options: StartOptions) => start(options));

program
  .command('token')
  .description('print a JWT for a tenant, creating the tenant and its bucket when needed')
  .requiredOption('--tenant <id>', 'a tenant id (created if unknown) or "new" for a fresh one')
  .option('--ttl <duration>', `lifetime: 90s, 30m, 1h; at most ${MAX_ACCESS_TOKEN_TTL_SECONDS / 3600}h`, ttlOption, 3600)
  .addOption(dataDirOption())
  .addOption(storageOption())
  .action((options: TokenOptions) => token(options));

const tenantCommand = program.command('tenant').description('manage tenants (the operator makes them; the approval page never does)');
tenantCommand
  .command('create [id]')
  .description('create a tenant and its bucket; prints its id (a random UUID when none is given)')
  .addOption(dataDirOption())
  .addOption(storageOption())
  .action((id: string | undefined, options: DataDirOptions) => createTenant(id, options));

const userCommand = program.command('user').description('manage the users who sign in on the approval page');
userCommand
  .command('add <email>')
  .description('add a user who may approve device logins for one tenant; the password is asked on a terminal')
  .requiredOption('--tenant <id>', 'the tenant the user approves logins for (must exist)')
  .option('--password-stdin', 'read the password from the first line of stdin')
  .addOption(dataDirOption())
  .action((email: string, options: UserAddOptions) => addUser(email, options));

const deviceCommand = program.command('device').description('decide pending device logins from the command line (works while the server runs)');
deviceCommand
  .command('approve <user-code>')
  .description('approve the code a `basic-memory cloud login` shows, for an existing tenant')
  .requiredOption('--tenant <id>', 'the tenant the device logs in to')
  .addOption(dataDirOption())
  .action((userCode: string, options: DeviceDecisionOptions & { tenant: string }) => approveDevice(userCode, options));
deviceCommand
  .command('deny <user-code>')
  .description('deny a pending code: its login fails with access_denied')
  .addOption(dataDirOption())
  .action((userCode: string, options: DeviceDecisionOptions) => denyDevice(userCode, options));

program
  .command('audit')
  .description('list mount-credential audit events (created, revoked, orphaned), oldest first; works while the server runs')
  .option('--tenant <id>', 'only this tenant\'s events')
  .option('--json', 'print one JSON array on stdout')
  .addOption(dataDirOption())
  .action((options: AuditOptions) => listAudit(options));

// No command is a question, not a mistake: the answer is the help, and exit 0.
if (process.argv.length <= 2) program.help();

program.parseAsync(process.argv).then(
  () => undefined,
  (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? `${(error as Error).message}: the port is taken; choose another with --port or --s3-port (0 picks a free one).` : (error as Error).message;
    process.stderr.write(`basic-memory-server: ${message}\n`);
    process.exitCode = 1;
  },
);
