import type { HttpHandler, HttpRequest } from '@smithy/protocol-http';

/** A query as S3 signs it: RFC 3986 escapes, repeated names for a list. */
function queryString(query: HttpRequest['query']): string {
  const escape = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === null) pairs.push(escape(name));
    else for (const one of Array.isArray(value) ? value : [value]) pairs.push(`${escape(name)}=${escape(one)}`);
  }
  return pairs.join('&');
}

/**
 * An AWS SDK request handler that sends through undici, and so through its global dispatcher: the
 * proxy (`proxy.ts`) when one is set. The SDK's own node handler takes node agents, which know no
 * proxy, and its fetch handler builds node's `Request`, which this undici's dispatcher refuses (seen:
 * "invalid content-length header" on a PUT).
 */
export async function undiciSdkHandler(timeoutMs: number): Promise<HttpHandler> {
  const { request } = await import('undici');
  return {
    async handle(sent, options) {
      const query = queryString(sent.query);
      const url = `${sent.protocol}//${sent.hostname}${sent.port ? `:${sent.port}` : ''}${sent.path}${query ? `?${query}` : ''}`;
      const answer = await request(url, {
        method: sent.method as 'GET',
        headers: sent.headers,
        body: sent.method === 'GET' || sent.method === 'HEAD' ? undefined : (sent.body as Uint8Array | string | undefined),
        signal: options?.abortSignal as AbortSignal | undefined,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      return { response: { statusCode: answer.statusCode, reason: undefined, headers, body: answer.body } };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}
