import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SESSION_TTL_SECONDS, type Accounts, type SignedIn } from '../auth/accounts.js';
import type { DeviceFlow } from '../auth/device-flow.js';
import type { GuessLimiter } from '../auth/guess-limiter.js';
import { OAuthError } from '../auth/oauth-error.js';
import { ApiError } from '../tenants/api-error.js';
import { approvalPage, PAGE_SECURITY_HEADERS, signInPage, type PageMessage } from './device-page.js';
import { clientAddress, readForm, type Reply, type Route } from './http.js';

const SESSION_COOKIE = 'bm_device_session';

export interface DeviceRoutesDeps {
  deviceFlow: DeviceFlow;
  accounts: Accounts;
  /** Wrong user codes per client address. */
  codeGuesses: GuessLimiter;
  /** Wrong passwords per client address. */
  passwordGuesses: GuessLimiter;
  issuerUrl: () => string;
  log: (line: string) => void;
}

/**
 * The approval page: sign in as a user the operator made, then approve or deny a code for that
 * user's tenant only. Every POST must come from this origin (Origin header) and every POST of a
 * signed-in user must carry the session's CSRF token; the cookie is HttpOnly and SameSite=Lax.
 */
export function deviceRoutes(deps: DeviceRoutesDeps): Route[] {
  const { deviceFlow, accounts } = deps;
  const html = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({ status, html: body, headers: { ...PAGE_SECURITY_HEADERS, ...headers } });
  const approval = (signedIn: SignedIn, userCode: string, message?: PageMessage, status = 200) =>
    html(status, approvalPage({ userCode, email: signedIn.user.email, tenantId: signedIn.user.tenantId, csrfToken: signedIn.csrfToken, ...(message ? { message } : {}) }));
  const tooMany = () => html(429, signInPage({ userCode: '', message: { kind: 'error', text: 'Too many wrong attempts from your address: wait 15 minutes and try again.' } }), { 'retry-after': '900' });
  const foreignOrigin = () =>
    html(403, signInPage({ userCode: '', message: { kind: 'error', text: 'This form was sent from another site, so it was ignored.' } }));

  return [
    {
      method: 'GET',
      path: '/device',
      handle: ({ req, url }) => {
        const userCode = url.searchParams.get('user_code') ?? '';
        const signedIn = accounts.find(readCookie(req, SESSION_COOKIE));
        return signedIn ? approval(signedIn, userCode) : html(200, signInPage({ userCode }));
      },
    },
    {
      method: 'POST',
      path: '/device/session',
      handle: async ({ req }) => {
        if (!sameOrigin(req, deps.issuerUrl())) return foreignOrigin();
        const address = clientAddress(req);
        if (deps.passwordGuesses.blocked(address)) return tooMany();
        const form = await readForm(req);
        const userCode = form.get('user_code') ?? '';
        const session = await accounts.signIn(form.get('email') ?? '', form.get('password') ?? '');
        if (!session) {
          deps.passwordGuesses.wrong(address);
          return html(401, signInPage({ userCode, message: { kind: 'error', text: 'Wrong email or password.' } }));
        }
        deps.passwordGuesses.right(address);
        const cookie = sessionCookie(session.cookieValue, SESSION_TTL_SECONDS, isHttps(req, deps.issuerUrl()));
        return { status: 303, headers: { ...PAGE_SECURITY_HEADERS, location: `/device${userCode ? `?user_code=${encodeURIComponent(userCode)}` : ''}`, 'set-cookie': cookie } };
      },
    },
    {
      method: 'POST',
      path: '/device/signout',
      handle: async ({ req }) => {
        if (!sameOrigin(req, deps.issuerUrl())) return foreignOrigin();
        const cookieValue = readCookie(req, SESSION_COOKIE);
        const signedIn = accounts.find(cookieValue);
        const form = await readForm(req);
        if (signedIn && tokensMatch(form.get('csrf_token'), signedIn.csrfToken)) accounts.signOut(cookieValue);
        return html(200, signInPage({ userCode: '', message: { kind: 'ok', text: 'Signed out.' } }), { 'set-cookie': sessionCookie('', 0, isHttps(req, deps.issuerUrl())) });
      },
    },
    {
      method: 'POST',
      path: '/device',
      handle: async ({ req }) => {
        if (!sameOrigin(req, deps.issuerUrl())) return foreignOrigin();
        const signedIn = accounts.find(readCookie(req, SESSION_COOKIE));
        const form = await readForm(req);
        const userCode = form.get('user_code') ?? '';
        if (!signedIn) return html(401, signInPage({ userCode, message: { kind: 'error', text: 'Sign in first: only a user of a tenant can approve a code for it.' } }));
        if (!tokensMatch(form.get('csrf_token'), signedIn.csrfToken)) {
          return approval(signedIn, userCode, { kind: 'error', text: 'This form has expired: send it again from this page.' }, 403);
        }
        const address = clientAddress(req);
        if (deps.codeGuesses.blocked(address)) return tooMany();
        if (!deviceFlow.isPending(userCode)) {
          deps.codeGuesses.wrong(address);
          return approval(signedIn, userCode, { kind: 'error', text: 'This code is unknown, expired or already used.' }, 400);
        }
        deps.codeGuesses.right(address);
        try {
          if (form.get('action') === 'deny') {
            deviceFlow.deny(userCode);
            return approval(signedIn, '', { kind: 'ok', text: 'Denied. The device will not be logged in.' });
          }
          const tenantId = deviceFlow.approve(userCode, signedIn.user.tenantId);
          deps.log(`device code approved by ${signedIn.user.email} for tenant ${tenantId}`);
          return approval(signedIn, '', { kind: 'ok', text: `Approved for tenant ${tenantId}. You can close this page.` });
        } catch (error) {
          if (!(error instanceof OAuthError || error instanceof ApiError)) throw error;
          return approval(signedIn, userCode, { kind: 'error', text: error.message }, 400);
        }
      },
    },
  ];
}

/**
 * A form post from a page of this server: browsers send Origin with every POST, and a cross-site
 * one names the other site. No Origin (or `null`) is refused too: a browser that hides it cannot be
 * told apart from a forged post.
 */
export function sameOrigin(req: IncomingMessage, issuerUrl: string): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  // The server may be reached by another name than the one it binds (a proxy, localhost): the
  // browser's Host header names where the form was posted, and a foreign page cannot change it.
  return parsed.origin === new URL(issuerUrl).origin || (req.headers.host !== undefined && parsed.host === req.headers.host);
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/device; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function isHttps(req: IncomingMessage, issuerUrl: string): boolean {
  return issuerUrl.startsWith('https:') || req.headers['x-forwarded-proto'] === 'https';
}

function tokensMatch(sent: string | null, expected: string): boolean {
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
