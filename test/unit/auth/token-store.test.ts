import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE, fileTokenStore, keychainTokenStore } from '../../../src/auth/token-store.js';

const login = (apiUrl: string, accessToken = 'access-token-1234') => ({ accessToken, refreshToken: 'refresh-token-5678', apiUrl });

/** An in-memory stand-in for @napi-rs/keyring's Entry, keyed like the OS keychain. */
function fakeKeyring() {
  const secrets = new Map<string, string>();
  class Entry {
    constructor(private readonly service: string, private readonly account: string) {}
    private get key() {
      return `${this.service}/${this.account}`;
    }
    getPassword() {
      return secrets.get(this.key) ?? null;
    }
    setPassword(password: string) {
      secrets.set(this.key, password);
    }
    deletePassword() {
      return secrets.delete(this.key);
    }
  }
  return { secrets, module: { Entry } };
}

describe('keychain token store', () => {
  it('keeps one login per API URL under our service, and clears it', async () => {
    const keyring = fakeKeyring();
    const prod = keychainTokenStore(keyring.module, 'https://cloud.example');
    const local = keychainTokenStore(keyring.module, 'http://127.0.0.1:8765');
    await prod.save(login('https://cloud.example', 'prod-token-0001'));
    await local.save(login('http://127.0.0.1:8765', 'local-token-0002'));
    expect([...keyring.secrets.keys()]).toEqual([`${KEYCHAIN_SERVICE}/https://cloud.example`, `${KEYCHAIN_SERVICE}/http://127.0.0.1:8765`]);
    expect((await prod.load())?.accessToken).toBe('prod-token-0001');
    expect(await prod.clear()).toBe(true);
    expect(await prod.load()).toBeUndefined();
    expect(await prod.clear()).toBe(false);
    expect((await local.load())?.accessToken).toBe('local-token-0002');
    expect(prod.describe()).toMatch(/OS keychain/);
  });

  it('reads a garbled entry as no login instead of failing', async () => {
    const keyring = fakeKeyring();
    keyring.secrets.set(`${KEYCHAIN_SERVICE}/https://cloud.example`, 'not json');
    expect(await keychainTokenStore(keyring.module, 'https://cloud.example').load()).toBeUndefined();
  });
});

describe('file token store', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-tokens-'));
    file = path.join(dir, 'state', 'credentials.json');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes 0600, keeps logins of other API URLs, and removes the file with the last one', async () => {
    const prod = fileTokenStore(file, 'https://cloud.example');
    const local = fileTokenStore(file, 'http://127.0.0.1:8765');
    await prod.save(login('https://cloud.example'));
    await local.save(login('http://127.0.0.1:8765'));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await prod.load()).toEqual(login('https://cloud.example'));
    expect(await prod.clear()).toBe(true);
    expect(await local.load()).toEqual(login('http://127.0.0.1:8765'));
    expect(await local.clear()).toBe(true);
    await expect(fs.access(file)).rejects.toThrow();
    expect(await local.clear()).toBe(false);
    expect(prod.describe()).toBe(`${file} (mode 0600)`);
  });
});
