import { CliError, ExitCode } from '../core/errors.js';

/**
 * The proxy a user's network may require, from the variables curl, npm and rclone read. rclone
 * (Go) follows them by itself; the CLI's own requests (the cloud API, the login, rclone's download,
 * the change feed, the bucket's lease) follow the same ones, so that a network where only the proxy
 * reaches the cloud works for both.
 */
export interface ProxySettings {
  httpProxy: string | undefined;
  /** For https addresses; the http proxy when only that one is set (as undici does). */
  httpsProxy: string | undefined;
  /** The user's NO_PROXY, plus this machine's loopback names. */
  noProxy: string;
}

/**
 * Loopback addresses never go through the proxy, as Go skips it for them: rclone talks to a
 * reference server on this machine directly, and so must the CLI.
 */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The proxy settings of this environment, or undefined when no proxy is set (or NO_PROXY is `*`).
 * A proxy without a scheme is http, as for curl and Go; one that is no URL is a usage error.
 */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings | undefined {
  // Lowercase first, as curl and undici read them; an empty value is no value.
  const nameOf = (name: string): string | undefined => (env[name] ? name : env[name.toUpperCase()] ? name.toUpperCase() : undefined);
  const proxyUrl = (name: string): string | undefined => {
    const set = nameOf(name);
    if (set === undefined) return undefined;
    const value = (env[set] ?? '').trim();
    const url = value.includes('://') ? value : `http://${value}`;
    if (!URL.canParse(url)) {
      throw new CliError(`${set} is not a proxy address: "${value.replace(/^([^/]*\/\/)?[^@/]*@/, '$1***@')}".`, {
        hint: `Set it to the proxy's URL, such as http://proxy.example.com:3128, or unset it.`,
        exitCode: ExitCode.usage,
      });
    }
    return url;
  };
  const httpProxy = proxyUrl('http_proxy');
  // undici sends https addresses through the http proxy when no https one is set.
  const httpsProxy = proxyUrl('https_proxy') ?? httpProxy;
  const noProxyName = nameOf('no_proxy');
  const userNoProxy = noProxyName === undefined ? undefined : env[noProxyName]?.trim();
  if (httpsProxy === undefined || userNoProxy === '*') return undefined;
  return { httpProxy, httpsProxy, noProxy: [userNoProxy, ...LOOPBACK].filter(Boolean).join(',') };
}

/**
 * The proxy a request to `url` goes through, or undefined when it goes directly: NO_PROXY as undici
 * reads it (a host, its subdomains, `.host` or `*.host`, an optional `:port`).
 */
export function proxyFor(url: string, settings: ProxySettings): string | undefined {
  const address = new URL(url);
  const proxy = address.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  const host = address.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number(address.port) || (address.protocol === 'https:' ? 443 : 80);
  const bypassed = settings.noProxy.split(/[,\s]/).filter(Boolean).some((entry) => {
    const [, name = entry, entryPort] = /^(.+):(\d+)$/.exec(entry) ?? [];
    const bare = name.replace(/^\*?\./, '').toLowerCase();
    return (entryPort === undefined || Number(entryPort) === port) && (host === bare || host.endsWith(`.${bare}`));
  });
  return bypassed ? undefined : proxy;
}

let active: ProxySettings | undefined;

/** The proxy settings `routeThroughProxy` put in place for this process, if any (for messages). */
export function activeProxy(): ProxySettings | undefined {
  return active;
}

/**
 * Sends every request of this process made with undici or `fetch` through the proxy (per address,
 * by NO_PROXY). undici is loaded only when a proxy is set: most runs never need it.
 */
export async function routeThroughProxy(settings: ProxySettings): Promise<void> {
  const { EnvHttpProxyAgent, setGlobalDispatcher } = await import('undici');
  setGlobalDispatcher(new EnvHttpProxyAgent(settings));
  active = settings;
}
