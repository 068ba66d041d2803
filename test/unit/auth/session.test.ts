import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storedSession } from '../../../src/auth/session.js';
import { fileTokenStore, type StoredLogin } from '../../../src/auth/token-store.js';
import { capturedOutput } from '../../support/captured-output.js';

const API = 'http://127.0.0.1:8765';
const NOW = Date.parse('2026-11-29T12:00:00Z');

/**
 * A token endpoint with refresh-token rotation and reuse detection, as the reference server has: a
 * spent refresh token revokes the whole login (RFC 6749 §10.4, OAuth 2.0 Security BCP).
 */
function rotatingServer() {
  let generation = 0;
  let live = 'refresh-0';
  let revoked = false;
  const calls: string[] = [];
  const refresh = async (login: StoredLogin): Promise<StoredLogin> => {
    calls.push(login.refreshToken ?? '');
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (revoked || login.refreshToken !== live) {
      revoked = true;
      throw new Error('invalid_grant: refresh token reused, login revoked');
    }
    generation += 1;
    live = `refresh-${generation}`;
    return { ...login, accessToken: `access-${generation}`, refreshToken: live, expiresAt: new Date(NOW + 15 * 60_000).toISOString() };
  };
  return { refresh, calls, revoked: () => revoked };
}

describe('storedSession across processes sharing one login', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bm-session-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const expiring: StoredLogin = { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: new Date(NOW + 30_000).toISOString(), tokenEndpoint: `${API}/oauth/token`, apiUrl: API };

  it('a long-running process whose refresh token another process spent takes the stored login instead of reusing it', async () => {
    const file = path.join(dir, 'credentials.json');
    const store = fileTokenStore(file, API);
    await store.save(expiring);
    const server = rotatingServer();
    const options = { now: () => NOW, refresh: server.refresh, lockFile: path.join(dir, 'login-refresh.lock') };
    // The service read the login at start; a command run later renews it first.
    const service = storedSession({ login: expiring, store }, capturedOutput().output, options);
    const command = storedSession({ login: expiring, store }, capturedOutput().output, options);
    expect(await command.accessToken()).toBe('access-1');
    expect(await service.accessToken()).toBe('access-1');
    expect(server.revoked()).toBe(false);
    expect(server.calls).toEqual(['refresh-0']);
  });

  it('two processes renewing at once spend the refresh token once', async () => {
    const store = fileTokenStore(path.join(dir, 'credentials.json'), API);
    await store.save(expiring);
    const server = rotatingServer();
    const options = { now: () => NOW, refresh: server.refresh, lockFile: path.join(dir, 'login-refresh.lock') };
    const sessions = [0, 1, 2].map(() => storedSession({ login: expiring, store }, capturedOutput().output, options));
    const tokens = await Promise.all(sessions.map((session) => session.accessToken()));
    expect(tokens).toEqual(['access-1', 'access-1', 'access-1']);
    expect(server.revoked()).toBe(false);
    expect((await store.load())?.refreshToken).toBe('refresh-1');
    await expect(fs.access(path.join(dir, 'login-refresh.lock'))).rejects.toThrow();
  });

  it('a stored login that also needs renewing is renewed from its own, unspent refresh token', async () => {
    const store = fileTokenStore(path.join(dir, 'credentials.json'), API);
    const server = rotatingServer();
    await store.save(expiring);
    const options = { now: () => NOW, refresh: server.refresh, lockFile: path.join(dir, 'login-refresh.lock') };
    const first = storedSession({ login: expiring, store }, capturedOutput().output, options);
    expect(await first.accessToken()).toBe('access-1');
    // Time passes: the renewed token nears its end too, and a process still holding generation 0 asks.
    const later = { ...options, now: () => NOW + 15 * 60_000 };
    const stale = storedSession({ login: expiring, store }, capturedOutput().output, later);
    expect(await stale.accessToken()).toBe('access-2');
    expect(server.calls).toEqual(['refresh-0', 'refresh-1']);
    expect(server.revoked()).toBe(false);
  });
});
