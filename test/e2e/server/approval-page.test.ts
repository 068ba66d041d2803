import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceAuthorizationResponse, TokenResponse } from '../../../src/server/auth/device-flow.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { callApi } from './helpers.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_ID = 'basic-memory-cli';
const PASSWORD = 'a long enough password';

interface PageReply {
  status: number;
  headers: Headers;
  body: string;
}

/** A browser of one person: remembers the session cookie, posts forms with an Origin header like a real one. */
function browser(server: TestServer, origin = server.apiUrl) {
  let cookie = '';
  const send = async (method: 'GET' | 'POST', path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<PageReply> => {
    const response = await fetch(`${server.apiUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin } : {}),
        ...headers,
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0] ?? '';
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  return {
    send,
    cookie: () => cookie,
    async signIn(email: string, password = PASSWORD) {
      return send('POST', '/device/session', { email, password, user_code: '' });
    },
    async csrfToken() {
      const page = await send('GET', '/device');
      const token = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1];
      if (!token) throw new Error(`no CSRF token on the page: ${page.body}`);
      return token;
    },
  };
}

describe('the approval page (/device): sign-in, CSRF, Origin, own tenant only, guess limit', () => {
  let server: TestServer;
  let tenantA: string;
  let tenantB: string;
  beforeAll(async () => {
    server = await startTestServer({ deviceInterval: 0.05 });
    tenantA = (await server.mintToken('new')).tenantId;
    tenantB = (await server.mintToken('new')).tenantId;
    await server.addUser('alice@a.example', tenantA, PASSWORD);
    await server.addUser('bob@b.example', tenantB, PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await server.cleanup();
  });

  const startLogin = async () => (await callApi<DeviceAuthorizationResponse>(server.apiUrl, 'POST', '/oauth/device/code', { form: { client_id: CLIENT_ID } })).body;
  const poll = async (deviceCode: string) => {
    await new Promise((resolve) => setTimeout(resolve, 60));
    return callApi<TokenResponse & { error?: string }>(server.apiUrl, 'POST', '/oauth/token', { form: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: CLIENT_ID } });
  };
  const tenantOf = async (accessToken: string) => (await callApi<{ tenant_id: string }>(server.apiUrl, 'GET', '/tenant/mount/info', { token: accessToken })).body.tenant_id;

  it('asks for a sign-in, with CSP, frame-ancestors none and no caching', async () => {
    const page = await browser(server).send('GET', '/device?user_code=BCDF-GHJK');
    expect(page.status).toBe(200);
    expect(page.body).toContain('action="/device/session"');
    expect(page.body).toContain('value="BCDF-GHJK"');
    expect(page.body).not.toContain('tenant_id');
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('sets an HttpOnly, SameSite=Lax session cookie on the right password only', async () => {
    const wrong = await browser(server).signIn('alice@a.example', 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const person = browser(server);
    const right = await person.signIn('alice@a.example');
    expect(right.status).toBe(303);
    expect(right.headers.get('set-cookie')).toMatch(/^bm_device_session=[\w-]{40,}; Path=\/device; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    expect((await person.send('GET', '/device')).body).toContain(`Signed in as alice@a.example, tenant ${tenantA}`);
  });

  it('approves a signed-in user\'s code for their own tenant, even when the form names another one', async () => {
    const authorization = await startLogin();
    const alice = browser(server);
    await alice.signIn('alice@a.example');
    const approved = await alice.send('POST', '/device', { user_code: authorization.user_code.toLowerCase(), csrf_token: await alice.csrfToken(), action: 'approve', tenant_id: tenantB });
    expect(approved.status).toBe(200);
    expect(approved.body).toContain(`Approved for tenant ${tenantA}`);
    const tokens = await poll(authorization.device_code);
    expect(tokens.status).toBe(200);
    expect(await tenantOf(tokens.body.access_token)).toBe(tenantA);
  });

  it('approves nothing for a POST without a session: the code stays pending', async () => {
    const authorization = await startLogin();
    const anonymous = await browser(server).send('POST', '/device', { user_code: authorization.user_code, action: 'approve', tenant_id: tenantA });
    expect(anonymous.status).toBe(401);
    expect((await poll(authorization.device_code)).body.error).toBe('authorization_pending');
  });

  it('approves nothing for a cross-site POST, even with the victim\'s cookie and CSRF token', async () => {
    const authorization = await startLogin();
    const alice = browser(server);
    await alice.signIn('alice@a.example');
    const csrf = await alice.csrfToken();
    const forged = await alice.send('POST', '/device', { user_code: authorization.user_code, csrf_token: csrf, action: 'approve' }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    const noOrigin = await fetch(`${server.apiUrl}/device`, {
      method: 'POST',
      headers: { cookie: alice.cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: authorization.user_code, csrf_token: csrf, action: 'approve' }).toString(),
    });
    expect(noOrigin.status).toBe(403);
    // A cross-site sign-in is refused too (no login CSRF into the attacker's account).
    expect((await browser(server, 'https://evil.example').signIn('alice@a.example')).status).toBe(403);
    expect((await poll(authorization.device_code)).body.error).toBe('authorization_pending');
  });

  it('approves nothing with a session but a missing or wrong CSRF token', async () => {
    const authorization = await startLogin();
    const alice = browser(server);
    await alice.signIn('alice@a.example');
    expect((await alice.send('POST', '/device', { user_code: authorization.user_code, action: 'approve' })).status).toBe(403);
    expect((await alice.send('POST', '/device', { user_code: authorization.user_code, action: 'approve', csrf_token: 'x'.repeat(43) })).status).toBe(403);
    expect((await poll(authorization.device_code)).body.error).toBe('authorization_pending');
  });

  it('lets a user of tenant B deny or approve only into tenant B', async () => {
    const authorization = await startLogin();
    const bob = browser(server);
    await bob.signIn('bob@b.example');
    await bob.send('POST', '/device', { user_code: authorization.user_code, csrf_token: await bob.csrfToken(), action: 'approve', tenant_id: tenantA });
    const tokens = await poll(authorization.device_code);
    expect(await tenantOf(tokens.body.access_token)).toBe(tenantB);

    const denied = await startLogin();
    await bob.send('POST', '/device', { user_code: denied.user_code, csrf_token: await bob.csrfToken(), action: 'deny' });
    expect((await poll(denied.device_code)).body.error).toBe('access_denied');
  });

  it('answers 429 after 20 wrong codes in a row from one address, and then approves nothing', async () => {
    const authorization = await startLogin();
    const mallory = browser(server);
    await mallory.signIn('bob@b.example');
    const csrf = await mallory.csrfToken();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      statuses.push((await mallory.send('POST', '/device', { user_code: `BCDF-${'GHJKLMNPQRSTVWXZBCDF'[i]}GHJ`, csrf_token: csrf, action: 'approve' })).status);
    }
    expect(statuses.every((status) => status === 400)).toBe(true);
    const blocked = await mallory.send('POST', '/device', { user_code: authorization.user_code, csrf_token: csrf, action: 'approve' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('900');
    expect((await poll(authorization.device_code)).body.error).toBe('authorization_pending');
  });
});
