import type { IncomingMessage, ServerResponse } from 'node:http';
import { OAuthError } from '../auth/oauth-error.js';
import { ApiError } from '../tenants/api-error.js';

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
}

export interface Reply {
  status: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string>;
  /** Takes over the response (a stream such as Server-Sent Events); `status` and the rest are unused. */
  stream?: (res: ServerResponse) => void;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** An exact path, or a pattern whose named groups become `params`. */
  path: string | RegExp;
  handle(context: RouteContext): Promise<Reply> | Reply;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * A small router over node:http: JSON (or HTML) replies, errors as `{"detail"}` (the API) or
 * `{error, error_description}` (OAuth endpoints), and nothing of an unexpected error leaks out.
 */
/** The address a request came from, as the rate limits count it. */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export function createRouter(routes: readonly Route[], log: (line: string) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    dispatch(routes, req, url).then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, errorReply(error, req, log)),
    );
  };
}

async function dispatch(routes: readonly Route[], req: IncomingMessage, url: URL): Promise<Reply> {
  let pathMatched = false;
  for (const route of routes) {
    const params = matchPath(route.path, url.pathname);
    if (!params) continue;
    pathMatched = true;
    if (route.method === req.method) return route.handle({ req, url, params });
  }
  throw pathMatched ? new ApiError(405, 'Method Not Allowed') : new ApiError(404, 'Not Found');
}

function matchPath(path: string | RegExp, pathname: string): Record<string, string> | undefined {
  if (typeof path === 'string') return path === pathname ? {} : undefined;
  const match = path.exec(pathname);
  return match ? { ...match.groups } : undefined;
}

function errorReply(error: unknown, req: IncomingMessage, log: (line: string) => void): Reply {
  if (error instanceof ApiError) return { status: error.status, json: { detail: error.detail } };
  if (error instanceof OAuthError) {
    return { status: error.status, json: { error: error.code, error_description: error.description }, headers: { 'cache-control': 'no-store' } };
  }
  log(`error in ${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}: ${(error as Error).stack ?? String(error)}`);
  return { status: 500, json: { detail: 'Internal server error.' } };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.stream) {
    reply.stream(res);
    return;
  }
  const body = reply.html ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  res.writeHead(reply.status, {
    'content-type': reply.html === undefined ? 'application/json' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...reply.headers,
  });
  res.end(body);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Request body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body; an empty body is an empty object. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(422, 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(422, 'The body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** An `application/x-www-form-urlencoded` body, as OAuth endpoints and HTML forms send it. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req));
}
