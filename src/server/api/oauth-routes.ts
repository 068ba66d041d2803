import type { JWK } from 'jose';
import { DEVICE_CODE_GRANT, type DeviceFlow } from '../auth/device-flow.js';
import type { GuessLimiter } from '../auth/guess-limiter.js';
import { OAuthError } from '../auth/oauth-error.js';
import { clientAddress, readForm, type Route } from './http.js';

/**
 * RFC 8414 metadata, JWKS, the RFC 8628 device flow endpoints and RFC 7009 revocation.
 * `deviceCodeStarts` counts the device logins each client address starts: each is a row until it
 * expires, so one address may not start them without end.
 */
export function oauthRoutes(deps: { deviceFlow: DeviceFlow; publicJwk: JWK; issuerUrl: () => string; deviceCodeStarts: GuessLimiter; retryAfterSeconds: number }): Route[] {
  const { deviceFlow } = deps;
  const noStore = { 'cache-control': 'no-store' };
  return [
    {
      method: 'GET',
      path: '/.well-known/oauth-authorization-server',
      handle: () => {
        const issuer = deps.issuerUrl();
        return {
          status: 200,
          json: {
            issuer,
            device_authorization_endpoint: `${issuer}/oauth/device/code`,
            token_endpoint: `${issuer}/oauth/token`,
            revocation_endpoint: `${issuer}/oauth/revoke`,
            revocation_endpoint_auth_methods_supported: ['none'],
            jwks_uri: `${issuer}/.well-known/jwks.json`,
            grant_types_supported: [DEVICE_CODE_GRANT, 'refresh_token'],
            response_types_supported: [],
            token_endpoint_auth_methods_supported: ['none'],
          },
        };
      },
    },
    { method: 'GET', path: '/.well-known/jwks.json', handle: () => ({ status: 200, json: { keys: [deps.publicJwk] } }) },
    {
      method: 'POST',
      path: '/oauth/device/code',
      handle: async ({ req }) => {
        const address = clientAddress(req);
        if (deps.deviceCodeStarts.blocked(address)) {
          const error_description = `Too many device logins started from your address: wait ${Math.ceil(deps.retryAfterSeconds / 60)} minutes and try again.`;
          return { status: 429, json: { error: 'slow_down', error_description }, headers: { ...noStore, 'retry-after': String(deps.retryAfterSeconds) } };
        }
        const form = await readForm(req);
        const response = deviceFlow.authorize(form.get('client_id') ?? undefined, form.get('scope') ?? undefined, `${deps.issuerUrl()}/device`);
        deps.deviceCodeStarts.wrong(address);
        return { status: 200, json: response, headers: noStore };
      },
    },
    {
      method: 'POST',
      path: '/oauth/token',
      handle: async ({ req }) => {
        const form = await readForm(req);
        const clientId = form.get('client_id') ?? undefined;
        const grantType = form.get('grant_type');
        if (grantType === DEVICE_CODE_GRANT) {
          return { status: 200, json: await deviceFlow.exchangeDeviceCode(clientId, form.get('device_code') ?? undefined), headers: noStore };
        }
        if (grantType === 'refresh_token') {
          return { status: 200, json: await deviceFlow.refresh(clientId, form.get('refresh_token') ?? undefined), headers: noStore };
        }
        throw new OAuthError('unsupported_grant_type', `Unsupported grant_type "${grantType ?? ''}".`);
      },
    },
    {
      method: 'POST',
      path: '/oauth/revoke',
      handle: async ({ req }) => {
        const form = await readForm(req);
        await deviceFlow.revoke(form.get('client_id') ?? undefined, form.get('token') ?? undefined, form.get('token_type_hint') ?? undefined);
        return { status: 200, json: {}, headers: noStore };
      },
    },
  ];
}
