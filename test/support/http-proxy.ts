import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  url: string;
  /** Every request the proxy got, in order, as `METHOD host:port`: CONNECT for a tunnel, else the absolute-form request's method. */
  asked: string[];
  close(): Promise<void>;
}

/**
 * A forward proxy on loopback, as a company network has: CONNECT tunnels (what undici uses) and
 * absolute-form requests (what Go uses for http addresses). `resolve` maps the names only it knows
 * (`*.invalid` ones, which no resolver answers) to this machine, so that a client can reach such an
 * address through the proxy and never without it.
 */
export async function startTestProxy(resolve: (host: string) => string | undefined): Promise<TestProxy> {
  const asked: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    asked.push(`${req.method} ${target.host}`);
    const hostname = resolve(target.hostname);
    if (!hostname) {
      res.writeHead(502).end();
      return;
    }
    const upstream = http.request({ host: hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host = '', port = '443'] = (req.url ?? '').split(/:(?=\d+$)/);
    asked.push(`CONNECT ${req.url}`);
    const hostname = resolve(host);
    if (!hostname) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [upstream, client]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        upstream.destroy();
        client.destroy();
      });
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    close: () => new Promise<void>((done) => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}
