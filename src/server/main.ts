import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDurationSeconds } from './duration.js';
import { DEFAULT_API_PORT, DEFAULT_HOST, DEFAULT_S3_PORT, startServer, type StorageMode } from './index.js';
import { openServices } from './services.js';
import { localProvider } from './storage/local-provider.js';
import type { StorageProvider } from './storage/provider.js';
import { tigrisProviderFromEnv } from './storage/tigris-provider.js';
import { bucketFiles, storeDir } from './store/embedded-store.js';
import { openKeyStore } from './store/key-store.js';
import { openObjectStore } from './store/object-store.js';

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
  if (seconds === undefined) throw new InvalidArgumentError('use a duration such as 90s, 30m, 1h or 7d.');
  return seconds;
}

const storageOption = () => new Option('--storage <mode>', 'where buckets live: the embedded store, or a Tigris/AWS account').choices(['local', 'tigris']).default('local');
const dataDirOption = () => new Option('--data-dir <dir>', 'database, keys and buckets (env BASIC_MEMORY_SERVER_DATA_DIR)').default(defaultDataDir(), '~/.basic-memory-server');

interface StartOptions {
  host: string;
  port: number;
  s3Port: number;
  dataDir: string;
  storage: StorageMode;
}

async function start(options: StartOptions): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  const server = await startServer({ ...options, dataDir, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`API listening on ${server.apiUrl}\nS3 store (${options.storage}) at ${server.s3Url}\nData dir: ${dataDir}\n`);
  await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  }).then((signal) => process.stderr.write(`${signal}: stopping\n`));
  await server.close();
}

interface TokenOptions {
  tenant: string;
  ttl: number;
  dataDir: string;
  storage: StorageMode;
}

/** Mints a token straight from the data dir: no server needs to run, and a new tenant's bucket is made where `start` will serve it. */
async function token(options: TokenOptions): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  let provider: StorageProvider;
  if (options.storage === 'local') {
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
    const tenant = await services.tenants.ensureTenant(options.tenant);
    process.stderr.write(`tenant ${tenant.id}, bucket ${tenant.bucketName}\n`);
    process.stdout.write(`${await services.tokens.mint(tenant.id, options.ttl)}\n`);
  } finally {
    services.close();
    await provider.close();
  }
}

const program = new Command('basic-memory-server')
  .description('The reference cloud for basic-memory: the tenant mount API (SPEC-8) and an S3 store that checks every signature.')
  .showHelpAfterError();

program
  .command('start')
  .description('run the API and the S3 store until SIGINT or SIGTERM')
  .option('--host <host>', 'address to listen on', DEFAULT_HOST)
  .option('--port <port>', 'API port (0 picks a free one)', portOption, DEFAULT_API_PORT)
  .option('--s3-port <port>', 'S3 store port (0 picks a free one)', portOption, DEFAULT_S3_PORT)
  .addOption(dataDirOption())
  .addOption(storageOption())
  .action((options: StartOptions) => start(options));

program
  .command('token')
  .description('print a JWT for a tenant, creating the tenant and its bucket when needed')
  .requiredOption('--tenant <id>', 'a tenant id (created if unknown) or "new" for a fresh one')
  .option('--ttl <duration>', 'lifetime: 90s, 30m, 1h, 7d', ttlOption, 3600)
  .addOption(dataDirOption())
  .addOption(storageOption())
  .action((options: TokenOptions) => token(options));

program.parseAsync(process.argv).then(
  () => undefined,
  (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? `${(error as Error).message}: the port is taken; choose another with --port or --s3-port (0 picks a free one).` : (error as Error).message;
    process.stderr.write(`basic-memory-server: ${message}\n`);
    process.exitCode = 1;
  },
);
