import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { readJsonFile, writeJsonFile } from '../core/atomic-file.js';

/** What a login leaves behind, per API URL (a token for one cloud is never sent to another). */
export interface StoredLogin {
  accessToken: string;
  refreshToken?: string;
  /** When the access token expires (ISO), when the server or the JWT said. */
  expiresAt?: string;
  /** The token endpoint refreshes go to, and the client id they use. */
  tokenEndpoint?: string;
  clientId?: string;
  apiUrl: string;
}

export type TokenStoreKind = 'keychain' | 'file';

export interface TokenStore {
  readonly kind: TokenStoreKind;
  load(): Promise<StoredLogin | undefined>;
  save(login: StoredLogin): Promise<void>;
  /** True when something was removed. */
  clear(): Promise<boolean>;
  /** Where the login lives, for the one line that says so. */
  describe(): string;
}

export const KEYCHAIN_SERVICE = 'basic-memory-cloud';

interface KeyringEntry {
  getPassword(): string | null | undefined;
  setPassword(password: string): void;
  deletePassword(): unknown;
}
type KeyringModule = { Entry: new (service: string, account: string) => KeyringEntry };

async function loadKeyring(): Promise<KeyringModule | undefined> {
  try {
    return await import('@napi-rs/keyring');
  } catch {
    // No prebuilt binary for this platform: the file store is the answer.
    return undefined;
  }
}

/** The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service), one entry per API URL. */
export function keychainTokenStore(keyring: KeyringModule, apiUrl: string): TokenStore {
  const entry = () => new keyring.Entry(KEYCHAIN_SERVICE, apiUrl);
  return {
    kind: 'keychain',
    load() {
      const text = entry().getPassword();
      return Promise.resolve(text ? parseLogin(text) : undefined);
    },
    save(login) {
      entry().setPassword(JSON.stringify(login));
      return Promise.resolve();
    },
    clear() {
      return Promise.resolve(entry().deletePassword() === true);
    },
    describe: () => `the OS keychain (service "${KEYCHAIN_SERVICE}", account ${apiUrl})`,
  };
}

interface CredentialsFile {
  logins: Record<string, StoredLogin>;
}

/** `<state dir>/credentials.json`, mode 0600, written atomically; logins keyed by API URL. */
export function fileTokenStore(file: string, apiUrl: string): TokenStore {
  const read = async (): Promise<CredentialsFile> => {
    const content = await readJsonFile<Partial<CredentialsFile>>(file).catch(() => undefined);
    return { logins: content?.logins ?? {} };
  };
  return {
    kind: 'file',
    async load() {
      return (await read()).logins[apiUrl];
    },
    async save(login) {
      const content = await read();
      content.logins[apiUrl] = login;
      await writeJsonFile(file, content, 0o600);
    },
    async clear() {
      const content = await read();
      if (!(apiUrl in content.logins)) return false;
      delete content.logins[apiUrl];
      if (Object.keys(content.logins).length === 0) await fs.rm(file, { force: true });
      else await writeJsonFile(file, content, 0o600);
      return true;
    },
    describe: () => `${file} (mode 0600)`,
  };
}

function parseLogin(text: string): StoredLogin | undefined {
  try {
    const value = JSON.parse(text) as StoredLogin;
    return typeof value.accessToken === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface TokenStores {
  /** Where a new login is saved, and why (said once by `cloud login`). */
  preferred: TokenStore;
  reason: string | undefined;
  /** Every store that may hold a login, in reading order. */
  all: TokenStore[];
}

export interface StoreOptions {
  credentialsFile: string;
  apiUrl: string;
  platform: NodeJS.Platform;
}

/**
 * The stores to read from (keychain, then file) without probing: reading must stay cheap for every
 * API command.
 */
export async function readableStores(options: StoreOptions): Promise<TokenStore[]> {
  const file = fileTokenStore(options.credentialsFile, options.apiUrl);
  const keyring = await loadKeyring();
  return keyring ? [guarded(keychainTokenStore(keyring, options.apiUrl)), file] : [file];
}

/** Picks where to save a login: the keychain when it really keeps secrets, else the 0600 file. */
export async function chooseTokenStores(options: StoreOptions): Promise<TokenStores> {
  const file = fileTokenStore(options.credentialsFile, options.apiUrl);
  const keyring = await loadKeyring();
  if (!keyring) return { preferred: file, reason: 'the OS keychain library is not available for this platform', all: [file] };
  const keychain = guarded(keychainTokenStore(keyring, options.apiUrl));
  const problem = await keychainProblem(keyring, options.platform);
  return problem ? { preferred: file, reason: problem, all: [keychain, file] } : { preferred: keychain, reason: undefined, all: [keychain, file] };
}

/** A keychain that fails to answer reads as empty, so the file store still gets its turn. */
function guarded(store: TokenStore): TokenStore {
  return {
    ...store,
    load: () => store.load().catch(() => undefined),
    clear: () => store.clear().catch(() => false),
  };
}

/**
 * Why the keychain cannot hold the login, or undefined when it can. Writing and reading back in
 * this process is not enough on Linux: without a Secret Service (headless, CI, containers) the
 * library falls back to the kernel's session keyring, which answers here but is gone for the next
 * process. So on Linux a second process must see the probe.
 */
async function keychainProblem(keyring: KeyringModule, platform: NodeJS.Platform): Promise<string | undefined> {
  const account = `probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  const value = randomBytes(12).toString('hex');
  let entry: KeyringEntry;
  try {
    entry = new keyring.Entry(KEYCHAIN_SERVICE, account);
    entry.setPassword(value);
  } catch (error) {
    return keychainFailure(error);
  }
  try {
    const seen = platform === 'linux' ? await readFromAnotherProcess(account) : entry.getPassword();
    return seen === value ? undefined : 'no OS keychain keeps secrets from one session to the next here (no Secret Service)';
  } catch (error) {
    return keychainFailure(error);
  } finally {
    try {
      entry.deletePassword();
    } catch {
      // The probe entry holds nothing secret; failing to remove it is harmless.
    }
  }
}

/** The keyring library's messages carry a Rust backtrace: its first line is the part worth saying. */
function keychainFailure(error: unknown): string {
  const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim();
  return `the OS keychain did not answer (${firstLine || 'no reason given'})`;
}

async function readFromAnotherProcess(account: string): Promise<string> {
  const modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
  const script = 'const { Entry } = require(process.argv[1]); process.stdout.write(new Entry(process.argv[2], process.argv[3]).getPassword() ?? "")';
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, modulePath, KEYCHAIN_SERVICE, account], { timeout: 10_000 });
  return stdout;
}
