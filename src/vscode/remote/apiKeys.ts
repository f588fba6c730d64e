// API keys for servers, kept in VS Code's SecretStorage (the OS keychain) and never in settings,
// logs or the chat. A key belongs to one origin (scheme, host and port) and is sent only there.
// "Alembic: Set API Key…" asks for the server (the configured endpoints are offered) and the key.
import * as vscode from 'vscode';
import { parseEndpoint } from '../../core/remote/endpoint';
import { DisposableStore } from '../disposable';
import { endpointOf, isRemote } from './serverSettings';

const PREFIX = 'alembic.apiKey:';

export class ApiKeys extends DisposableStore {
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** Fires with the origin whose key was set or cleared. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    super();
    this.register(
      secrets.onDidChange((e) => {
        if (e.key.startsWith(PREFIX)) this.changed.fire(e.key.slice(PREFIX.length));
      }),
    );
  }

  async get(origin: string): Promise<string | undefined> {
    return (await this.secrets.get(PREFIX + origin)) || undefined;
  }

  async set(origin: string, key: string): Promise<void> {
    await this.secrets.store(PREFIX + origin, key);
  }

  async clear(origin: string): Promise<void> {
    await this.secrets.delete(PREFIX + origin);
  }

  /** Alembic: Set API Key… (for the given origin, or the one the user picks). */
  async setInteractively(given?: string): Promise<void> {
    const origin = await this.pickOrigin(given, 'Set API Key');
    if (!origin) return;
    const key = await vscode.window.showInputBox({
      title: `Alembic: API Key for ${origin}`,
      prompt: `Sent only to ${origin}, as "Authorization: Bearer …". Kept in the system keychain.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (/\s/.test(v.trim()) ? 'An API key has no spaces.' : undefined),
    });
    if (key === undefined) return;
    if (!key.trim()) {
      await this.clear(origin);
      void vscode.window.setStatusBarMessage(`Alembic: API key for ${origin} cleared`, 3000);
      return;
    }
    await this.set(origin, key.trim());
    void vscode.window.setStatusBarMessage(`Alembic: API key for ${origin} saved`, 3000);
  }

  /** Alembic: Clear API Key. */
  async clearInteractively(given?: string): Promise<void> {
    const origin = await this.pickOrigin(given, 'Clear API Key');
    if (!origin) return;
    await this.clear(origin);
    void vscode.window.setStatusBarMessage(`Alembic: API key for ${origin} cleared`, 3000);
  }

  /** The origin the key is for: given, the one configured server, or asked for. */
  private async pickOrigin(given: string | undefined, title: string): Promise<string | undefined> {
    const configured = [
      ...new Set(
        (['completion', 'chat'] as const)
          .filter(isRemote)
          .map((role) => originOf(endpointOf(role)))
          .filter((o): o is string => Boolean(o)),
      ),
    ];
    const fromGiven = given ? originOf(given) : undefined;
    if (fromGiven) return fromGiven;
    if (configured.length === 1) return configured[0];
    const typed = await vscode.window.showInputBox({
      title: `Alembic: ${title}`,
      prompt: 'The server the key is for (its address, as in the endpoint setting)',
      value: configured[0] ?? 'https://',
      ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          parseEndpoint(v);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    });
    return typed ? originOf(typed) : undefined;
  }
}

function originOf(endpoint: string): string | undefined {
  try {
    return parseEndpoint(endpoint).origin;
  } catch {
    return undefined;
  }
}
