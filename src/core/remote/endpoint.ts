// Server endpoints as the settings and the CLI give them: which backends exist, the rule that a
// remote address must be https unless it is this machine, and the short host name the status bar
// shows ("gpu-box").
import { ServerError } from './serverError';

export const SERVER_BACKENDS = ['llama-server', 'openai', 'ollama'] as const;
export type ServerBackendKind = (typeof SERVER_BACKENDS)[number];
export type BackendKind = 'local' | ServerBackendKind;
export const BACKEND_KINDS: readonly BackendKind[] = ['local', ...SERVER_BACKENDS];

/** The address each backend usually listens on, offered when the endpoint is empty. */
export const DEFAULT_ENDPOINTS: Record<ServerBackendKind, string> = {
  'llama-server': 'http://127.0.0.1:8080',
  openai: 'http://127.0.0.1:8000/v1',
  ollama: 'http://127.0.0.1:11434',
};

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

export function isBackendKind(value: unknown): value is BackendKind {
  return typeof value === 'string' && (BACKEND_KINDS as readonly string[]).includes(value);
}

/**
 * The endpoint as a URL with no trailing slash, or a ServerError saying what is wrong with it.
 * `http:` is accepted only for loopback hosts: an API key or source code must not cross a network
 * in clear text (use https, or an SSH tunnel to 127.0.0.1).
 */
export function parseEndpoint(raw: string): URL {
  const text = raw.trim();
  if (!text) throw new ServerError('badEndpoint', 'No server endpoint is set.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ServerError(
      'badEndpoint',
      `"${text}" is not a server address. Write it as a URL, for example https://gpu-box:8080.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ServerError('badEndpoint', `The server address must start with https:// (got ${url.protocol}//).`);
  if (url.username || url.password)
    throw new ServerError(
      'badEndpoint',
      'The server address contains a user name or password. Remove it and use "Alembic: Set API Key…" instead.',
    );
  if (url.search || url.hash)
    throw new ServerError('badEndpoint', 'The server address must not have a query (?…) or fragment (#…).');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    throw new ServerError(
      'insecure',
      `${url.host} is reached over plain http, which would send your code and API key unencrypted. Use https://${url.host}, or an SSH tunnel to 127.0.0.1.`,
    );
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** The URL of `path` under the endpoint (the endpoint may carry a base path such as /v1). */
export function endpointUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return url;
}

/** The host as the status bar names it: "gpu-box", "10.0.0.7", "127.0.0.1:8080" (port kept for this machine). */
export function hostLabel(url: URL): string {
  if (isLoopbackHost(url.hostname)) return url.host;
  const isAddress = /^[\d.]+$/.test(url.hostname) || url.hostname.startsWith('[');
  return isAddress ? url.hostname : url.hostname.split('.')[0]!;
}
