import { CliError, ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { apiErrorFor, errorDetail, sendRequest, type HttpTarget } from '../api/http.js';
import type { StoredLogin } from './token-store.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const AUTH_TARGET: HttpTarget = { label: 'the login server', addressHint: 'the authUrl setting (env BASIC_MEMORY_AUTH_URL)' };

/** The RFC 8414 fields the device flow needs. */
export interface AuthServerMetadata {
  issuer: string;
  device_authorization_endpoint: string;
  token_endpoint: string;
  /** RFC 7009's endpoint, when the server offers one. */
  revocation_endpoint?: string;
}

/** RFC 8628 section 3.2. */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval: number;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

/** A token endpoint's answer, as a value: tokens, or an RFC 6749/8628 error code. */
export type TokenAnswer = { kind: 'tokens'; tokens: TokenSet } | { kind: 'error'; error: string; description: string | undefined; status: number };

export function metadataUrl(authUrl: string): string {
  return `${authUrl}/.well-known/oauth-authorization-server`;
}

export function parseMetadata(body: unknown, authUrl: string): AuthServerMetadata {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const device = record.device_authorization_endpoint;
  const token = record.token_endpoint;
  if (typeof device !== 'string' || typeof token !== 'string') {
    throw new CliError(`The login server at ${authUrl} does not offer the device login (no device_authorization_endpoint in its metadata).`, {
      hint: 'Check the authUrl setting, or log in with `basic-memory cloud login --token <JWT>`.',
    });
  }
  const revocation = record.revocation_endpoint;
  return {
    issuer: typeof record.issuer === 'string' ? record.issuer : authUrl,
    device_authorization_endpoint: device,
    token_endpoint: token,
    ...(typeof revocation === 'string' && revocation ? { revocation_endpoint: revocation } : {}),
  };
}

export function parseDeviceAuthorization(body: unknown): DeviceAuthorization {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (key: string) => (typeof record[key] === 'string' ? record[key] : undefined);
  const deviceCode = text('device_code');
  const userCode = text('user_code');
  const verificationUri = text('verification_uri') ?? text('verification_url');
  if (!deviceCode || !userCode || !verificationUri) {
    throw new CliError('The login server sent a device authorization this CLI cannot read.', { hint: 'Check the authUrl setting, or update the CLI.' });
  }
  const completeUri = text('verification_uri_complete');
  return {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: verificationUri,
    ...(completeUri ? { verification_uri_complete: completeUri } : {}),
    expires_in: typeof record.expires_in === 'number' && record.expires_in > 0 ? record.expires_in : 600,
    // RFC 8628 section 3.2: 5 seconds when the server does not say.
    interval: typeof record.interval === 'number' && record.interval > 0 ? record.interval : 5,
  };
}

export function interpretTokenAnswer(status: number, body: unknown): TokenAnswer {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status >= 200 && status < 300 && typeof record.access_token === 'string') {
    return {
      kind: 'tokens',
      tokens: {
        access_token: record.access_token,
        ...(typeof record.refresh_token === 'string' ? { refresh_token: record.refresh_token } : {}),
        ...(typeof record.expires_in === 'number' ? { expires_in: record.expires_in } : {}),
      },
    };
  }
  return { kind: 'error', error: typeof record.error === 'string' ? record.error : `http_${status}`, description: errorDetail(body), status };
}

/** The stored form of fresh tokens: the expiry from `expires_in`, else from the JWT itself. */
export function loginFromTokens(tokens: TokenSet, where: { apiUrl: string; tokenEndpoint?: string; clientId?: string }, now: number): StoredLogin {
  const expiresAtMs = tokens.expires_in !== undefined ? now + tokens.expires_in * 1000 : jwtExpiryMs(tokens.access_token);
  return {
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(expiresAtMs !== undefined ? { expiresAt: new Date(expiresAtMs).toISOString() } : {}),
    ...(where.tokenEndpoint ? { tokenEndpoint: where.tokenEndpoint } : {}),
    ...(where.clientId ? { clientId: where.clientId } : {}),
    apiUrl: where.apiUrl,
  };
}

/** The `exp` claim of a JWT in milliseconds, read without verifying (the server verifies). */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export type Freshness = 'fresh' | 'refresh' | 'expired';

/** Whether the access token can be used as is, should be refreshed first (within `marginMs` of expiry), or is dead. */
export function tokenFreshness(login: Pick<StoredLogin, 'expiresAt' | 'refreshToken' | 'tokenEndpoint'>, now: number, marginMs = 60_000): Freshness {
  if (!login.expiresAt) return 'fresh';
  const left = Date.parse(login.expiresAt) - now;
  if (left > marginMs) return 'fresh';
  if (login.refreshToken && login.tokenEndpoint) return 'refresh';
  return left > 0 ? 'fresh' : 'expired';
}

export async function discoverAuthServer(authUrl: string, output: Output): Promise<AuthServerMetadata> {
  const response = await sendRequest({ method: 'GET', url: metadataUrl(authUrl) }, { output, target: AUTH_TARGET });
  if (response.status === 404) return parseMetadata(undefined, authUrl);
  if (response.status < 200 || response.status >= 300) throw apiErrorFor(response.status, response.body, AUTH_TARGET);
  return parseMetadata(response.body, authUrl);
}

export async function requestDeviceAuthorization(metadata: AuthServerMetadata, clientId: string, output: Output): Promise<DeviceAuthorization> {
  const response = await sendRequest({ method: 'POST', url: metadata.device_authorization_endpoint, form: { client_id: clientId } }, { output, target: AUTH_TARGET });
  if (response.status < 200 || response.status >= 300) {
    const detail = errorDetail(response.body);
    throw new CliError(`The login server refused to start a device login${detail ? `: ${detail.replace(/\.+$/, '')}` : ` (HTTP ${response.status})`}.`, {
      hint: 'Check the clientId and authUrl settings.',
    });
  }
  const authorization = parseDeviceAuthorization(response.body);
  output.redactor.add(authorization.device_code);
  return authorization;
}

export async function requestToken(tokenEndpoint: string, form: Record<string, string>, output: Output): Promise<TokenAnswer> {
  const response = await sendRequest({ method: 'POST', url: tokenEndpoint, form }, { output, target: AUTH_TARGET });
  const answer = interpretTokenAnswer(response.status, response.body);
  if (answer.kind === 'tokens') {
    output.redactor.add(answer.tokens.access_token);
    output.redactor.add(answer.tokens.refresh_token);
  }
  return answer;
}

/** Exchanges the refresh token for new tokens (the server rotates it: the old one is spent). */
export async function refreshLogin(login: StoredLogin, output: Output, now = Date.now): Promise<StoredLogin> {
  if (!login.refreshToken || !login.tokenEndpoint) throw loginExpiredError();
  const answer = await requestToken(login.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: login.refreshToken, client_id: login.clientId ?? '' }, output);
  if (answer.kind === 'error') {
    if (answer.error === 'invalid_grant' || answer.status === 401) throw loginExpiredError();
    throw new CliError(`The login server could not renew your login (${answer.description ?? answer.error}).`, {
      hint: 'Try again in a minute, or run `basic-memory cloud login`.',
    });
  }
  return loginFromTokens(answer.tokens, { apiUrl: login.apiUrl, tokenEndpoint: login.tokenEndpoint, ...(login.clientId ? { clientId: login.clientId } : {}) }, now());
}

/** How a logout went on the server's side; the local copy is forgotten either way. */
export type RevocationOutcome = { kind: 'revoked' } | { kind: 'not-revoked'; reason: string };

/**
 * RFC 7009 for both tokens of a login: the refresh token first (it would mint new access tokens),
 * then the access token. Never throws: a server that cannot be reached or has no revocation
 * endpoint is a reason, not a failure.
 */
export async function revokeLogin(login: StoredLogin, where: { authUrl: string; clientId: string }, output: Output): Promise<RevocationOutcome> {
  let endpoint: string | undefined;
  try {
    const response = await sendRequest({ method: 'GET', url: metadataUrl(where.authUrl) }, { output, target: AUTH_TARGET, retry: NO_RETRY });
    const record = typeof response.body === 'object' && response.body !== null ? (response.body as Record<string, unknown>) : {};
    if (response.status >= 200 && response.status < 300 && typeof record.revocation_endpoint === 'string') endpoint = record.revocation_endpoint;
  } catch (error) {
    return { kind: 'not-revoked', reason: error instanceof Error ? error.message.replace(/\.$/, '') : String(error) };
  }
  if (!endpoint) return { kind: 'not-revoked', reason: `the login server at ${where.authUrl} offers no token revocation` };
  const tokens: [string, string][] = [];
  if (login.refreshToken) tokens.push([login.refreshToken, 'refresh_token']);
  tokens.push([login.accessToken, 'access_token']);
  for (const [token, hint] of tokens) {
    try {
      const response = await sendRequest({ method: 'POST', url: endpoint, form: { token, token_type_hint: hint, client_id: login.clientId ?? where.clientId } }, { output, target: AUTH_TARGET, retry: NO_RETRY });
      if (response.status < 200 || response.status >= 300) {
        const detail = errorDetail(response.body);
        return { kind: 'not-revoked', reason: `the login server refused to revoke the ${hint.replace('_', ' ')} (HTTP ${response.status}${detail ? `: ${detail.replace(/\.+$/, '')}` : ''})` };
      }
    } catch (error) {
      return { kind: 'not-revoked', reason: error instanceof Error ? error.message.replace(/\.$/, '') : String(error) };
    }
  }
  return { kind: 'revoked' };
}

const NO_RETRY = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

export function loginExpiredError(): CliError {
  return new CliError('Your Basic Memory cloud login has expired.', { hint: 'Run `basic-memory cloud login` to log in again.', exitCode: ExitCode.auth });
}

export function notLoggedInError(apiUrl: string): CliError {
  return new CliError(`You are not logged in to Basic Memory cloud at ${apiUrl}.`, {
    hint: 'Run `basic-memory cloud login` (or set BASIC_MEMORY_TOKEN).',
    exitCode: ExitCode.auth,
  });
}
