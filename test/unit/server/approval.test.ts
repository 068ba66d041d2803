import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readCookie, sameOrigin, sessionCookie } from '../../../src/server/api/device-routes.js';
import { guessLimiter } from '../../../src/server/auth/guess-limiter.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../../src/server/auth/passwords.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('the Origin check of the approval page', () => {
  it.each([
    ['the server itself', { origin: 'http://127.0.0.1:8765', host: '127.0.0.1:8765' }, true],
    ['the Host the browser posted to (a proxy name)', { origin: 'https://notes.example', host: 'notes.example' }, true],
    ['another site', { origin: 'https://evil.example', host: '127.0.0.1:8765' }, false],
    ['another port of the same host', { origin: 'http://127.0.0.1:9999', host: '127.0.0.1:8765' }, false],
    ['no Origin', { host: '127.0.0.1:8765' }, false],
    ['Origin: null (a sandboxed frame)', { origin: 'null', host: '127.0.0.1:8765' }, false],
    ['a malformed Origin', { origin: 'not a url', host: '127.0.0.1:8765' }, false],
  ])('%s → same origin: %s', (_case, headers, expected) => {
    expect(sameOrigin(request(headers), 'http://127.0.0.1:8765')).toBe(expected);
  });
});

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Lax, scoped to /device, and Secure only over https', () => {
    expect(sessionCookie('abc', 3600, false)).toBe('bm_device_session=abc; Path=/device; Max-Age=3600; HttpOnly; SameSite=Lax');
    expect(sessionCookie('abc', 3600, true)).toMatch(/; Secure$/);
  });

  it('is read back from a Cookie header among others', () => {
    expect(readCookie(request({ cookie: 'a=1; bm_device_session=xyz=; b=2' }), 'bm_device_session')).toBe('xyz=');
    expect(readCookie(request({}), 'bm_device_session')).toBeUndefined();
  });
});

describe('guessLimiter', () => {
  it('refuses an address after 20 wrong guesses in a row, not before, and forgives after the window', () => {
    let now = 0;
    const limiter = guessLimiter({ limit: 20, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 19; i += 1) limiter.wrong('a');
    expect(limiter.blocked('a')).toBe(false);
    limiter.wrong('a');
    expect(limiter.blocked('a')).toBe(true);
    expect(limiter.blocked('b')).toBe(false);
    now += 60_000;
    expect(limiter.blocked('a')).toBe(false);
  });

  it('starts the count again after a right guess', () => {
    const limiter = guessLimiter({ limit: 3, windowMs: 60_000 });
    limiter.wrong('a');
    limiter.wrong('a');
    limiter.right('a');
    limiter.wrong('a');
    limiter.wrong('a');
    expect(limiter.blocked('a')).toBe(false);
  });

  it('keeps a bounded number of addresses', () => {
    const limiter = guessLimiter({ limit: 1, windowMs: 60_000, maxAddresses: 2 });
    limiter.wrong('a');
    limiter.wrong('b');
    limiter.wrong('c');
    expect([limiter.blocked('a'), limiter.blocked('b'), limiter.blocked('c')]).toEqual([false, true, true]);
  });
});

describe('passwords', () => {
  it('hashes with scrypt and a salt, and verifies only the right password', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('correct horse batterY', first)).toBe(false);
    expect(await verifyPassword('anything', 'plain-text')).toBe(false);
    // Four hashes of 128 MiB each: deliberately slow, more so on a busy machine.
  }, 30_000);

  it('refuses short passwords', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('long enough password')).toBeUndefined();
  });
});
