// The transport a backend uses for its configured endpoint, with the defaults filled in.
import { parseEndpoint } from './endpoint';
import { HttpTransport } from './httpTransport';
import { SERVER_DEFAULTS, type ServerConfig } from './serverBackend';

export function transportFor(config: ServerConfig): HttpTransport {
  return new HttpTransport({
    endpoint: parseEndpoint(config.endpoint),
    apiKey: config.apiKey || undefined,
    connectTimeoutMs: config.connectTimeoutMs ?? SERVER_DEFAULTS.connectTimeoutMs,
    stallTimeoutMs: config.stallTimeoutMs ?? SERVER_DEFAULTS.stallTimeoutMs,
    maxResponseBytes: config.maxResponseBytes ?? SERVER_DEFAULTS.maxResponseBytes,
    proxy: config.proxy,
    ca: config.ca,
  });
}
