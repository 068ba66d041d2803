import type { IncomingMessage } from 'node:http';
import type { AccessTokens } from '../auth/access-tokens.js';
import type { Tenant } from '../db/tenants.js';
import { ApiError } from '../tenants/api-error.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { resumePoint, streamChanges, type ChangeLog } from './change-feed.js';
import { readJsonObject, type Route } from './http.js';

/** The tenant a request's bearer token names: 401 for any token we cannot trust, 403 for a tenant we refuse. */
export async function authenticate(req: IncomingMessage, tokens: AccessTokens, tenants: TenantService): Promise<Tenant> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) throw new ApiError(401, 'Not authenticated: send an Authorization: Bearer <token> header.');
  const tenantId = await tokens.verify(match[1]);
  if (tenantId === null) throw new ApiError(401, 'Invalid or expired token.');
  return tenants.requireActiveTenant(tenantId);
}

/** The tenant mount API (docs/API-CONTRACT.md), plus the health check and the sync notification. */
export function tenantRoutes(deps: { tokens: AccessTokens; tenants: TenantService; log: (line: string) => void; changes?: ChangeLog; heartbeatMs?: number; stopFeeds?: AbortSignal }): Route[] {
  const { tokens, tenants } = deps;
  const log = deps.changes;
  // An extension of the tenant API (docs/API-CONTRACT.md): the bucket's changes as Server-Sent Events. Without a change log
  // (a Tigris-backed server) the route does not exist, so clients get 404 and fall back to polling.
  const feed: Route[] = log
    ? [
        {
          method: 'GET',
          path: '/tenant/events',
          handle: async ({ req }) => {
            const tenant = await authenticate(req, tokens, tenants);
            const header = req.headers['last-event-id'];
            const start = resumePoint(Array.isArray(header) ? header[0] : header, log.changeFloor(tenant.bucketName), log.latestCursor());
            if (start.kind === 'invalid') throw new ApiError(400, 'Last-Event-ID must be a cursor this feed sent (a whole number).');
            return { status: 200, stream: (res) => streamChanges(res, { log, bucket: tenant.bucketName, start, ...(deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs }), ...(deps.stopFeeds ? { stop: deps.stopFeeds } : {}) }) };
          },
        },
      ]
    : [];
  return [
    ...feed,
    { method: 'GET', path: '/health', handle: () => ({ status: 200, json: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/tenant/mount/info',
      handle: async ({ req }) => ({ status: 200, json: tenants.mountInfo(await authenticate(req, tokens, tenants)) }),
    },
    {
      method: 'POST',
      path: '/tenant/mount/credentials',
      handle: async ({ req }) => {
        const tenant = await authenticate(req, tokens, tenants);
        const { description } = await readJsonObject(req);
        if (description !== undefined && (typeof description !== 'string' || description.length > 255)) {
          throw new ApiError(422, 'description must be a string of at most 255 characters.');
        }
        return { status: 200, json: await tenants.createCredential(tenant, description), headers: { 'cache-control': 'no-store' } };
      },
    },
    {
      method: 'GET',
      path: '/tenant/mount/credentials',
      handle: async ({ req }) => ({ status: 200, json: { credentials: tenants.listCredentials(await authenticate(req, tokens, tenants)) } }),
    },
    {
      method: 'DELETE',
      path: /^\/tenant\/mount\/credentials\/(?<id>[^/]+)$/,
      handle: async ({ req, params }) => {
        const tenant = await authenticate(req, tokens, tenants);
        return { status: 200, json: await tenants.revokeCredential(tenant, params.id ?? '') };
      },
    },
    {
      method: 'POST',
      path: '/sync',
      handle: async ({ req }) => {
        const tenant = await authenticate(req, tokens, tenants);
        // Without --container there is no tenant container to refresh (container-routes.ts answers when there is): the notification is recorded.
        deps.log(`sync requested by tenant ${tenant.id}`);
        return { status: 202, json: { status: 'accepted' } };
      },
    },
  ];
}
