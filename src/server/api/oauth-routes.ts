import type { JWK } from 'jose';
import { DEVICE_CODE_GRANT, type DeviceFlow } from '../auth/device-flow.js';
import { OAuthError } from '../auth/oauth-error.js';
import { ApiError } from '../tenants/api-error.js';
import { devicePage } from './device-page.js';
import { readForm, type Route } from './http.js';

/** RFC 8414 metadata, JWKS, and the RFC 8628 device flow endpoints with the approval page. */
export function oauthRoutes(deps: { deviceFlow: DeviceFlow; publicJwk: JWK; issuerUrl: () => string }): Route[] {
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
        const form = await readForm(req);
        const response = deviceFlow.authorize(form.get('client_id') ?? undefined, form.get('scope') ?? undefined, `${deps.issuerUrl()}/device`);
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
      method: 'GET',
      path: '/device',
      handle: ({ url }) => ({ status: 200, html: devicePage({ userCode: url.searchParams.get('user_code') ?? '' }) }),
    },
    {
      method: 'POST',
      path: '/device',
      handle: async ({ req }) => {
        const form = await readForm(req);
        const userCode = form.get('user_code') ?? '';
        try {
          if (form.get('action') === 'deny') {
            deviceFlow.deny(userCode);
            return { status: 200, html: devicePage({ userCode: '', message: { kind: 'ok', text: 'Denied. The device will not be logged in.' } }) };
          }
          const tenantId = await deviceFlow.approve(userCode, (form.get('tenant_id') ?? 'new').trim() || 'new');
          return { status: 200, html: devicePage({ userCode: '', message: { kind: 'ok', text: `Approved for tenant ${tenantId}. You can close this page.` } }) };
        } catch (error) {
          if (!(error instanceof OAuthError || error instanceof ApiError)) throw error;
          return { status: 400, html: devicePage({ userCode, message: { kind: 'error', text: error.message } }) };
        }
      },
    },
  ];
}
