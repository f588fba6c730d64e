// VS Code's `http.proxy` for server requests: which requests go through it (never loopback, never
// the hosts of `http.noProxy`), and the CONNECT tunnel an https request travels through, so the
// TLS session (and with it the API key) runs end to end between Alembic and the server.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { isLoopbackHost } from './endpoint';
import { ServerError } from './serverError';

export interface ProxySettings {
  /** http://[user:pass@]host:port (VS Code's `http.proxy`). */
  url: string;
  /** Verify the server's certificate (VS Code's `http.proxyStrictSSL`, default true). */
  strictSSL?: boolean;
  /** Sent as Proxy-Authorization (VS Code's `http.proxyAuthorization`). */
  authorization?: string;
  /** Hosts that bypass the proxy (VS Code's `http.noProxy`): exact names, `.suffix` or `*.suffix`. */
  noProxy?: readonly string[];
}

export interface ResolvedProxy {
  host: string;
  port: number;
  /** The Proxy-Authorization header value, if any. */
  authorization?: string;
}

/** The proxy to use for `target`, or undefined for a direct connection. */
export function proxyFor(target: URL, settings: ProxySettings | undefined): ResolvedProxy | undefined {
  if (!settings?.url.trim() || isLoopbackHost(target.hostname)) return undefined;
  const host = target.hostname.toLowerCase();
  for (const entry of settings.noProxy ?? []) {
    const rule = entry.trim().toLowerCase().replace(/^\*/, '');
    if (!rule) continue;
    if (rule === '*' || host === rule || (rule.startsWith('.') && host.endsWith(rule)) || host.endsWith(`.${rule}`))
      return undefined;
  }
  let url: URL;
  try {
    url = new URL(settings.url.includes('://') ? settings.url : `http://${settings.url}`);
  } catch {
    throw new ServerError('proxy', `The proxy setting http.proxy ("${settings.url}") is not a valid address.`);
  }
  if (url.protocol !== 'http:')
    throw new ServerError(
      'proxy',
      `Alembic supports http:// proxies for server requests; http.proxy is ${url.protocol}//${url.host}.`,
    );
  const credentials =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  return { host: url.hostname, port: Number(url.port) || 80, authorization: settings.authorization || credentials };
}

/** Opens a TCP connection to the proxy and asks it for a tunnel to `host:port` (CONNECT). */
export function openTunnel(proxy: ResolvedProxy, host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let head = '';
    const fail = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    socket.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        new ServerError('proxy', `The proxy ${proxy.host}:${proxy.port} cannot be reached (${e.code ?? e.message}).`, {
          cause: e,
        }),
      ),
    );
    socket.once('connect', () => {
      const auth = proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '';
      socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${auth}\r\n`);
    });
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384) fail(new ServerError('proxy', 'The proxy sent an oversized answer to CONNECT.'));
        return;
      }
      socket.off('data', onData);
      socket.removeAllListeners('error');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      if (status !== 200) {
        const why =
          status === 407
            ? 'asks for credentials (HTTP 407): set http.proxyAuthorization'
            : `answered HTTP ${status || '?'}`;
        fail(
          new ServerError('proxy', `The proxy ${proxy.host}:${proxy.port} refused the tunnel to ${host}: it ${why}.`),
        );
        return;
      }
      const rest = chunk.subarray(chunk.length - (head.length - end - 4));
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** TLS over an established tunnel, resolved once the handshake succeeded. */
export function secureTunnel(
  socket: net.Socket,
  servername: string,
  options: tls.ConnectionOptions,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...options, socket, servername: net.isIP(servername) ? undefined : servername });
    secure.once('secureConnect', () => {
      secure.removeListener('error', reject);
      resolve(secure);
    });
    secure.once('error', reject);
  });
}
