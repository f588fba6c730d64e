// Small servers on 127.0.0.1 for the server-backend tests: an HTTP or HTTPS server whose handler
// each test writes (and that records every request), a raw TCP server that accepts connections
// and never answers, and an HTTP proxy that tunnels CONNECT requests and records them. None of
// them stands in for a real product: they misbehave on purpose (stall, cut, flood, redirect).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './testModel';

const TLS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'tls');
/** A self-signed certificate for localhost, 127.0.0.1 and gpu-box.test (valid for 100 years), and its
 * key: generated once with openssl for these tests, trusted by nothing else. */
export const TEST_CERT = readFileSync(join(TLS_DIR, 'test-server.crt'));
const TEST_KEY = readFileSync(join(TLS_DIR, 'test-server.key'));

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => unknown;

export interface LocalServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Sockets closed by the client so far. */
  closedSockets: number;
  handler: Handler;
  close(): Promise<void>;
}

export async function startLocalServer(handler: Handler, options: { tls?: boolean } = {}): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const state: LocalServer = {
    url: '',
    port: 0,
    requests: [],
    closedSockets: 0,
    handler,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(state.handler(Object.assign(req, { body }), res)).catch(() => res.destroy());
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, listener)
    : createHttpServer({ keepAlive: true } as never, listener);
  server.on(options.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      state.closedSockets++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${state.port}`;
  return state;
}

/** A TCP server that accepts connections and never sends a byte (a stuck server, or TLS that never completes). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestProxy {
  url: string;
  /** Request lines the proxy received ("CONNECT host:port", "GET http://…"), with their headers. */
  seen: { line: string; headers: IncomingMessage['headers'] }[];
  /** Answer CONNECT with this status instead of tunnelling (e.g. 407). */
  refuseWith?: number;
  close(): Promise<void>;
}

/** An HTTP proxy for CONNECT tunnels. Whatever host is asked for, it connects to 127.0.0.1 on the
 * asked port, so a test can use a name like gpu-box.test (not loopback, hence proxied). */
export async function startTestProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const proxy: TestProxy = {
    url: '',
    seen: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createHttpServer((req, res) => {
    proxy.seen.push({ line: `${req.method} ${req.url}`, headers: req.headers });
    res.writeHead(405).end(); // only tunnels here
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    proxy.seen.push({ line: `CONNECT ${req.url}`, headers: req.headers });
    if (proxy.refuseWith) {
      client.end(`HTTP/1.1 ${proxy.refuseWith} Refused\r\n\r\n`);
      return;
    }
    const port = Number((req.url ?? '').split(':').pop());
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
