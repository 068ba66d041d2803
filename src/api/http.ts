import { CliError, ExitCode } from '../core/errors.js';
import { sleep } from '../core/process.js';
import type { Output } from '../core/output.js';
import { activeProxy, proxyFor, type ProxySettings } from './proxy.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** A JSON body, or a form (`application/x-www-form-urlencoded`, as OAuth endpoints expect). */
  json?: unknown;
  form?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it is not JSON (an HTML error page, a proxy). */
  body: unknown;
}

/** Who is being talked to, for messages: "the Basic Memory cloud" or "the login server". */
export interface HttpTarget {
  label: string;
  /** The flag or setting to fix when the address is wrong. */
  addressHint: string;
  /** What fixes a rejected login; `cloud login` unless the token came from somewhere else. */
  loginHint?: string;
}

export const CLOUD_TARGET: HttpTarget = { label: 'the Basic Memory cloud', addressHint: '--api-url' };

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 400, maxDelayMs: 8000 };
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Whether a response is worth asking again. Only transient answers (408, 429, 5xx); a POST only
 * when the server says it did not act (429, 503), so a credential is never created twice.
 */
export function isRetryableStatus(method: HttpMethod, status: number): boolean {
  if (method === 'POST') return status === 429 || status === 503;
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Network failures worth a second try (a dropped connection, a timeout), for GET and DELETE only: a
 * POST may have been acted on. A refused connection or an unknown host will not heal in a second.
 */
export function isRetryableNetworkError(method: HttpMethod, code: string | undefined): boolean {
  if (method === 'POST') return false;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT';
}

/**
 * How long to wait before attempt `attempt + 1`: exponential with jitter, or what the server asked
 * for with Retry-After (seconds or an HTTP date), capped so a bad header cannot hang the CLI.
 */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, policy: RetryPolicy, now = Date.now(), random = Math.random): number {
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const asked = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(asked)) return Math.min(Math.max(asked, 0), policy.maxDelayMs);
  }
  const exponential = policy.baseDelayMs * 2 ** attempt;
  return Math.min(exponential / 2 + random() * (exponential / 2), policy.maxDelayMs);
}

/** The human part of an error body: FastAPI's `{"detail": ...}` (text or a validation list) or OAuth's `error_description`. */
export function errorDetail(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const text = body.trim();
    return text && text.length <= 200 && !text.startsWith('<') ? text : undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const detail = record.detail ?? record.error_description ?? record.message;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const messages = detail.map((item) => (typeof item === 'object' && item !== null && typeof (item as { msg?: unknown }).msg === 'string' ? (item as { msg: string }).msg : undefined)).filter(Boolean);
    if (messages.length > 0) return messages.join('; ');
  }
  return typeof record.error === 'string' ? record.error : undefined;
}

/** The error a non-2xx answer of the cloud API means for the user. */
export function apiErrorFor(status: number, body: unknown, target: HttpTarget = CLOUD_TARGET): CliError {
  const detail = errorDetail(body);
  const because = detail ? `: ${stripFinalDot(detail)}` : '';
  if (status === 401) {
    return new CliError(`${capitalize(target.label)} rejected your login${because}.`, {
      hint: target.loginHint ?? 'Run `basic-memory cloud login` to log in again.',
      exitCode: ExitCode.auth,
    });
  }
  if (status === 403) {
    return new CliError(`${capitalize(target.label)} refused access to your tenant${because}.`, {
      hint: 'Check that your subscription is active, or run `basic-memory cloud login` with another account.',
      exitCode: ExitCode.auth,
    });
  }
  if (status >= 500) {
    return new CliError(`${capitalize(target.label)} failed to answer (HTTP ${status}${because}).`, {
      hint: 'Try again in a minute; if it keeps failing, run `basic-memory cloud doctor`.',
    });
  }
  return new CliError(`${capitalize(target.label)} answered HTTP ${status}${because}.`, {
    hint: 'Run again with --verbose to see the request.',
  });
}

/** One sentence of advice for a request that never got an answer. */
export function networkErrorFor(error: unknown, url: string, target: HttpTarget = CLOUD_TARGET, proxied: ProxySettings | undefined = activeProxy()): CliError {
  const code = errorCode(error);
  const origin = safeOrigin(url);
  const tunnel = /Proxy response \((\d+)\)/.exec(error instanceof Error ? error.message : '');
  const reason = tunnel
    ? `the proxy refused to connect to it (HTTP ${tunnel[1]})`
    : (NETWORK_REASONS[code ?? ''] ?? (isTlsCode(code) ? 'the TLS certificate could not be verified' : `the request failed (${code ?? (error instanceof Error ? error.message : String(error))})`));
  const proxy = proxied === undefined ? undefined : proxyFor(url, proxied);
  if (proxy !== undefined) {
    return new CliError(`Cannot reach ${target.label} at ${origin} through the proxy ${safeOrigin(proxy)}: ${reason}.`, {
      hint: `Check the proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), your network or ${target.addressHint}.`,
      cause: error,
    });
  }
  return new CliError(`Cannot reach ${target.label} at ${origin}: ${reason}.`, {
    hint: `Check your network or ${target.addressHint}.`,
    cause: error,
  });
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
};

function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('ERR_TLS') || code.startsWith('CERT_') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN');
}

/** undici and node put the useful code on the error or on its cause (fetch wraps it). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stripFinalDot(text: string): string {
  return text.trim().replace(/\.+$/, '');
}

export interface HttpDeps {
  output: Output;
  retry?: RetryPolicy;
  timeoutMs?: number;
  target?: HttpTarget;
}

/**
 * Sends one request with retries on transient failures and returns the final answer, whatever its
 * status; network failures become a CliError with advice. The only module that talks HTTP.
 */
export async function sendRequest(request: HttpRequest, deps: HttpDeps): Promise<HttpResponse> {
  const { request: undiciRequest } = await import('undici');
  const policy = deps.retry ?? DEFAULT_RETRY;
  const timeoutMs = deps.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const { body, contentType } = encodeBody(request);
  for (let attempt = 0; ; attempt += 1) {
    const started = Date.now();
    let response: HttpResponse;
    try {
      const answer = await undiciRequest(request.url, {
        method: request.method,
        headers: { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}), ...request.headers },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs * 2),
      });
      const text = await answer.body.text();
      response = { status: answer.statusCode, headers: answer.headers, body: parseBody(text) };
    } catch (error) {
      const code = errorCode(error);
      deps.output.debug(`${request.method} ${request.url} failed: ${code ?? String(error)}`);
      if (attempt + 1 < policy.attempts && isRetryableNetworkError(request.method, code)) {
        await sleep(retryDelayMs(attempt, undefined, policy));
        continue;
      }
      throw networkErrorFor(error, request.url, deps.target);
    }
    deps.output.debug(`${request.method} ${request.url} → ${response.status} (${Date.now() - started} ms)`);
    if (attempt + 1 < policy.attempts && isRetryableStatus(request.method, response.status)) {
      const retryAfter = response.headers['retry-after'];
      const delay = retryDelayMs(attempt, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, policy);
      deps.output.debug(`retrying in ${Math.round(delay)} ms`);
      await sleep(delay);
      continue;
    }
    return response;
  }
}

function encodeBody(request: HttpRequest): { body: string | undefined; contentType: string | undefined } {
  if (request.form) return { body: new URLSearchParams(request.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  if (request.json !== undefined) return { body: JSON.stringify(request.json), contentType: 'application/json' };
  return { body: undefined, contentType: undefined };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
