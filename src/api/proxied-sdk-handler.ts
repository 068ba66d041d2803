import type { HttpHandler, HttpRequest } from '@smithy/protocol-http';
import type { ProxySettings } from './proxy.js';

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
 * An AWS SDK request handler that sends through undici and the proxy (per address, by NO_PROXY). The
 * SDK's own node handler takes node agents, which know no proxy, and its fetch handler builds node's
 * `Request`, which this undici refuses (seen: "invalid content-length header" on a PUT). `ca`, when
 * given, is the only CA trusted for the storage, proxied or direct, as rclone's `--ca-cert`.
 */
export async function proxiedSdkHandler(options: { proxy: ProxySettings; ca: Buffer | undefined; timeoutMs: number }): Promise<HttpHandler> {
  const { request, EnvHttpProxyAgent } = await import('undici');
  const { timeoutMs, ca } = options;
  const dispatcher = new EnvHttpProxyAgent({ ...options.proxy, ...(ca ? { connect: { ca }, requestTls: { ca } } : {}) });
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
        dispatcher,
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      return { response: { statusCode: answer.statusCode, reason: undefined, headers, body: answer.body } };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => void dispatcher.close(),
  };
}
