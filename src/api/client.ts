import { CliError, ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { followChangeFeed } from './change-feed.js';
import { apiErrorFor, CLOUD_TARGET, sendRequest, type HttpMethod, type HttpResponse, type HttpTarget, type RetryPolicy } from './http.js';
import type { ApiClient, CreatedCredentials, CredentialSummary, MountInfo } from './types.js';

export interface ApiClientDeps {
  baseUrl: string;
  /** Called before every request, so a token that nears expiry is refreshed in between. */
  accessToken: () => Promise<string>;
  output: Output;
  retry?: RetryPolicy;
  /** The token is BASIC_MEMORY_TOKEN's: a rejected one is renewed there, not by `cloud login`. */
  tokenFromEnv?: boolean;
}

/** Where the token of a client whose token comes from the environment is fixed. */
export const ENV_TOKEN_TARGET: HttpTarget = {
  ...CLOUD_TARGET,
  loginHint: 'The token comes from BASIC_MEMORY_TOKEN: set it to a fresh token (or unset it to use the login stored by `basic-memory cloud login`).',
};

export function apiClientFor(deps: ApiClientDeps): ApiClient {
  const call = async (method: HttpMethod, path: string, json?: unknown): Promise<HttpResponse> => {
    const token = await deps.accessToken();
    deps.output.redactor.add(token);
    return sendRequest(
      { method, url: `${deps.baseUrl}${path}`, headers: { authorization: `Bearer ${token}` }, json },
      { output: deps.output, ...(deps.retry ? { retry: deps.retry } : {}) },
    );
  };
  const ok = (response: HttpResponse): unknown => {
    if (response.status >= 200 && response.status < 300) return response.body;
    throw apiErrorFor(response.status, response.body, deps.tokenFromEnv ? ENV_TOKEN_TARGET : CLOUD_TARGET);
  };

  return {
    baseUrl: deps.baseUrl,
    async getMountInfo() {
      return parseMountInfo(ok(await call('GET', '/tenant/mount/info')));
    },
    async createCredentials(description) {
      const response = await call('POST', '/tenant/mount/credentials', description === undefined ? {} : { description });
      if (response.status === 409) throw credentialCapError();
      const created = parseCreatedCredentials(ok(response));
      deps.output.redactor.add(created.secret_key);
      return created;
    },
    async listCredentials() {
      return parseCredentialList(ok(await call('GET', '/tenant/mount/credentials')));
    },
    async revokeCredential(id) {
      const response = await call('DELETE', `/tenant/mount/credentials/${encodeURIComponent(id)}`);
      if (response.status === 404) {
        throw new CliError(`Your tenant has no active credential with id ${id}.`, {
          hint: 'Run `basic-memory cloud credentials list` to see the ids.',
          exitCode: ExitCode.failed,
        });
      }
      ok(response);
    },
    async notifySync(paths) {
      // The source tells the container's server this is SPEC-8's layer 3 (a sync just finished), not a manual refresh.
      ok(await call('POST', '/sync', paths ? { source: 'cli', paths } : { source: 'cli' }));
    },
    followChanges(handlers, signal) {
      const accessToken = async () => {
        const token = await deps.accessToken();
        deps.output.redactor.add(token);
        return token;
      };
      return followChangeFeed({ url: `${deps.baseUrl}/tenant/events`, accessToken }, handlers, signal);
    },
  };
}

/** The cloud's cap on live credentials per tenant (409): the way out is to revoke one. */
export function credentialCapError(): CliError {
  return new CliError('Your tenant holds the most live credentials the cloud allows, so none can be made for this machine: free one with `basic-memory cloud credentials revoke ID` (ids from `basic-memory cloud credentials list`).', {
    hint: 'Then run this command again.',
    exitCode: ExitCode.failed,
  });
}

/** The shapes below are checked, not trusted: a proxy's HTML page must not become `undefined` fields. */
export function parseMountInfo(body: unknown): MountInfo {
  const record = requireObject(body, 'tenant information');
  return {
    tenant_id: requireString(record, 'tenant_id', 'tenant information'),
    bucket_name: requireString(record, 'bucket_name', 'tenant information'),
    has_credentials: record.has_credentials === true,
    credentials_created_at: typeof record.credentials_created_at === 'string' ? record.credentials_created_at : null,
  };
}

export function parseCreatedCredentials(body: unknown): CreatedCredentials {
  const what = 'new credentials';
  const record = requireObject(body, what);
  return {
    tenant_id: requireString(record, 'tenant_id', what),
    bucket_name: requireString(record, 'bucket_name', what),
    access_key: requireString(record, 'access_key', what),
    secret_key: requireString(record, 'secret_key', what),
    endpoint_url: requireString(record, 'endpoint_url', what),
    region: typeof record.region === 'string' && record.region ? record.region : 'auto',
  };
}

/** The list's envelope is open (docs/API-CONTRACT.md): a bare array and `{"credentials": [...]}` are both read. */
export function parseCredentialList(body: unknown): CredentialSummary[] {
  const what = 'credential list';
  const items = Array.isArray(body) ? body : (requireObject(body, what).credentials);
  if (!Array.isArray(items)) throw unexpectedAnswer(what);
  return items.map((item) => {
    const record = requireObject(item, what);
    return {
      id: requireString(record, 'id', what),
      access_key: requireString(record, 'access_key', what),
      description: typeof record.description === 'string' ? record.description : null,
      created_at: typeof record.created_at === 'string' ? record.created_at : '',
      last_used_at: typeof record.last_used_at === 'string' ? record.last_used_at : null,
    };
  });
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unexpectedAnswer(what);
  return value as Record<string, unknown>;
}

function requireString(record: Record<string, unknown>, key: string, what: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') throw unexpectedAnswer(what, key);
  return value;
}

function unexpectedAnswer(what: string, key?: string): CliError {
  return new CliError(`The Basic Memory cloud sent ${what} this CLI cannot read${key ? ` (no "${key}")` : ''}.`, {
    hint: 'Check --api-url points at the Basic Memory cloud, or update the CLI.',
  });
}
