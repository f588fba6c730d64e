// The server configuration of a feature, from its settings, VS Code's proxy settings and the API
// key in SecretStorage. Endpoint settings are machine-scoped and restricted in untrusted
// workspaces (package.json), so a workspace cannot send your code to a server of its choosing.
import * as vscode from 'vscode';
import { parseEndpoint, type ServerBackendKind } from '../../core/remote/endpoint';
import type { ProxySettings } from '../../core/remote/proxy';
import type { ServerConfig } from '../../core/remote/serverBackend';
import { SERVER_KEYS } from '../../core/settings';
import { getSetting, SECTION } from '../config';
import type { ApiKeys } from './apiKeys';

export type Role = 'completion' | 'chat';

/** The backend a feature is set to use. */
export function backendOf(role: Role): 'local' | ServerBackendKind {
  return getSetting(role === 'completion' ? 'completion.backend' : 'chat.backend');
}

export function isRemote(role: Role): boolean {
  return backendOf(role) !== 'local';
}

/** The endpoint a feature's server is at (the chat falls back to the completion endpoint). */
export function endpointOf(role: Role): string {
  const own = getSetting(role === 'completion' ? 'completion.endpoint' : 'chat.endpoint').trim();
  return own || (role === 'chat' ? getSetting('completion.endpoint').trim() : '');
}

/** The server configuration for a feature, or undefined when it runs locally. */
export async function serverConfigFor(role: Role, keys: ApiKeys): Promise<ServerConfig | undefined> {
  const backend = backendOf(role);
  if (backend === 'local') return undefined;
  const endpoint = endpointOf(role);
  let origin: string | undefined;
  try {
    origin = parseEndpoint(endpoint).origin;
  } catch {
    origin = undefined; // the connection reports the bad address
  }
  return {
    backend,
    endpoint,
    model: getSetting(role === 'completion' ? 'completion.serverModel' : 'chat.serverModel').trim() || undefined,
    apiKey: origin ? await keys.get(origin) : undefined,
    fimTemplate: getSetting('server.fimTemplate'),
    contextSize: getSetting('server.contextSize'),
    keepAlive: getSetting('server.keepAlive'),
    connectTimeoutMs: getSetting('server.connectTimeoutMs'),
    stallTimeoutMs: getSetting('server.stallTimeoutMs'),
    maxResponseBytes: getSetting('server.maxResponseKB') * 1024,
    proxy: proxySettings(),
  };
}

/** VS Code's own proxy settings, when one is set. */
export function proxySettings(): ProxySettings | undefined {
  const http = vscode.workspace.getConfiguration('http');
  const url = http.get<string>('proxy')?.trim();
  if (!url) return undefined;
  return {
    url,
    strictSSL: http.get<boolean>('proxyStrictSSL') ?? true,
    authorization: http.get<string>('proxyAuthorization') || undefined,
    noProxy: http.get<string[]>('noProxy') ?? [],
  };
}

/** Whether a configuration change concerns the servers (theirs, or the proxy). */
export function affectsServers(e: vscode.ConfigurationChangeEvent): boolean {
  return (
    SERVER_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`)) ||
    e.affectsConfiguration('http.proxy') ||
    e.affectsConfiguration('http.proxyStrictSSL') ||
    e.affectsConfiguration('http.proxyAuthorization') ||
    e.affectsConfiguration('http.noProxy')
  );
}
