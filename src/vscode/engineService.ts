// The extension's handle on the engine process: creates the EngineClient, keeps it configured from
// the settings, and turns engine trouble into notifications with a way out.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { CompletionEngine } from '../core/completion/engineContract';
import type { ChatParams, ChatResult, ModelRole } from '../core/engine/protocol';
import { emptyAccounting, type ChatOptions } from '../core/remote/serverBackend';
import { displayText, NOTIFICATION_MAX_CHARS } from '../core/util/displayText';
import { sharedPaths } from '../engine/shared/rendezvous';
import { EngineClient, EngineClientError, type EngineState } from '../engine/client/engineClient';
import { engineLoadParams, getSetting, watchSettings, type SettingsChange } from './config';
import { DisposableStore } from './disposable';
import type { Logger } from './log';
import { ApiKeys } from './remote/apiKeys';
import { RemoteServers } from './remote/remoteServers';
import { isRemote } from './remote/serverSettings';

export class EngineService extends DisposableStore {
  private client: EngineClient;
  private readonly stateEmitter = this.register(new vscode.EventEmitter<EngineState>());
  /** Fires whenever the engine's phase, models or error change. */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly busyEmitter = this.register(new vscode.EventEmitter<boolean>());
  /** Fires when generations start or all end (cheap: no settings, no state). */
  readonly onDidChangeBusy = this.busyEmitter.event;
  private lastShownError?: string;
  private readonly errors: { at: number; message: string }[] = [];
  /** The servers of the features whose backend is not local. */
  readonly servers: RemoteServers;
  /** The servers' API keys, in SecretStorage. */
  readonly apiKeys: ApiKeys;
  /** Completions, routed per request to the feature's server or the local engine. */
  readonly completionEngine: CompletionEngine = {
    complete: (params, signal, onPartial) => {
      const server = this.servers.connection('completion');
      // Only the local engine streams an answer as it is written; a server's comes whole.
      return server ? server.complete(params, signal) : this.client.complete(params, signal, onPartial);
    },
    prefill: (params, signal) => {
      const server = this.servers.connection('completion');
      if (!server) return this.client.prefill(params, signal);
      // Only llama-server can warm its cache without generating; the others skip the warm-up.
      return server.prefill ? server.prefill(params, signal) : Promise.resolve({ accounting: emptyAccounting() });
    },
  };

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
  ) {
    super();
    this.apiKeys = this.register(new ApiKeys(context.secrets));
    this.servers = this.register(new RemoteServers(this.apiKeys, log.child('server')));
    this.register(this.servers.onDidChange(() => this.stateEmitter.fire(this.client.state)));
    this.client = this.createClient();
    this.register(watchSettings((change) => this.onSettingsChanged(change)));
  }

  get engine(): EngineClient {
    return this.client;
  }

  /** The engine's state as the UI shows it (status bar, Engine Status, the chat's header): its
   * error, which can quote a model's strings at length, sanitized and capped. */
  get state(): EngineState {
    return forDisplay(this.client.state);
  }

  /** The engine's last failures (newest last, at most 20), for Engine Status and bug reports. */
  get recentErrors(): readonly { at: number; message: string }[] {
    return this.errors;
  }

  private noteError(error: string): void {
    // Shown on the Engine Status page: sanitized and capped like the status bar (the log keeps it whole).
    const message = displayText(error);
    if (this.errors[this.errors.length - 1]?.message === message) return;
    this.errors.push({ at: Date.now(), message });
    if (this.errors.length > 20) this.errors.shift();
  }

  /** True when a model file is configured for the role, or the role is served by a server. */
  hasModelFor(role: ModelRole): boolean {
    if (role === 'nextEdit') return Boolean(engineLoadParams().nextEditModel); // never on a server
    if (isRemote(role)) return true;
    const params = engineLoadParams();
    return Boolean(role === 'completion' ? params.completionModel : params.chatModel);
  }

  /** True when a model is configured for the role; otherwise says what is needed, with the ways
   * to get one, and returns false. For commands that cannot work without a model. */
  requireModel(role: ModelRole, purpose: string): boolean {
    if (this.hasModelFor(role)) return true;
    void vscode.window
      .showInformationMessage(
        `Alembic needs a model ${purpose}: select a GGUF file you have, or download the recommended one.`,
        'Select Model…',
        'Download Model…',
      )
      .then((choice) => {
        if (choice === 'Select Model…') void vscode.commands.executeCommand('alembic.selectModel');
        else if (choice) void vscode.commands.executeCommand('alembic.downloadModel');
      });
    return false;
  }

  /** Loads the configured models now; failures are shown to the user and logged. */
  async reload(): Promise<void> {
    const params = engineLoadParams();
    this.client.configure(params);
    // Nothing to load locally (no model, or every feature on a server): no engine work at all.
    if (!params.completionModel && !params.chatModel) {
      await this.client.unload().catch(() => undefined);
      return;
    }
    try {
      await this.client.load();
    } catch (e) {
      this.showFailure(e, true); // the user just changed a setting: always answer it
    }
  }

  /** A chat answer from the chat's server, or from the local engine. */
  chat(params: ChatParams, options: ChatOptions = {}): Promise<ChatResult> {
    const server = this.servers.connection('chat');
    if (server) return server.chat(params, options);
    if (isRemote('chat'))
      return Promise.reject(
        new EngineClientError('noModel', this.servers.view('chat')?.error ?? 'The chat server is not set.'),
      );
    return this.client.chat(params, options);
  }

  /** The chat model's name and context size, once it can answer (a local model is loaded first). */
  async chatModel(): Promise<{ name: string; contextSize: number }> {
    const server = this.servers.connection('chat');
    if (server) {
      const facts = await server.ready();
      return { name: facts.name, contextSize: facts.contextSize || 4096 };
    }
    if (isRemote('chat'))
      throw new EngineClientError('noModel', this.servers.view('chat')?.error ?? 'The chat server is not set.');
    if (!this.client.state.models.chat) await this.client.load();
    const model = this.client.state.models.chat;
    if (!model) throw new EngineClientError('noModel', 'The chat model is not loaded.');
    return { name: model.name, contextSize: model.contextSize };
  }

  async restart(): Promise<void> {
    void this.servers.retry();
    this.client.configure(engineLoadParams());
    this.lastShownError = undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Alembic: restarting the engine…' },
      async () => {
        try {
          await this.client.restart();
        } catch (e) {
          this.showFailure(e);
        }
      },
    );
  }

  async unload(): Promise<void> {
    await this.client.unload();
  }

  /** Shows an engine failure with the actions that can fix it. A failure repeated by background
   * work (a completion per keystroke) is shown once; `always` is for answers to a user's action. */
  showFailure(e: unknown, always = false): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log.error('engine request failed', e);
    this.noteError(message);
    if (message === this.lastShownError && !always) return;
    this.lastShownError = message;
    const actions =
      e instanceof EngineClientError && (e.code === 'stopped' || e.code === 'crashed' || e.code === 'unresponsive')
        ? ['Restart Engine', 'Show Log']
        : ['Select Model…', 'Show Log'];
    // llama.cpp's words can carry the model's own strings, and run to 200 kB: shown sanitized and
    // capped (the log keeps the whole error).
    const shown = displayText(message, { maxChars: NOTIFICATION_MAX_CHARS });
    void vscode.window.showErrorMessage(`Alembic: ${shown}`, ...actions).then((choice) => {
      if (choice === 'Restart Engine') void vscode.commands.executeCommand('alembic.restartEngine');
      else if (choice === 'Select Model…') void vscode.commands.executeCommand('alembic.selectModel');
      else if (choice === 'Show Log') void vscode.commands.executeCommand('alembic.showLog');
    });
  }

  private createClient(): EngineClient {
    const client = new EngineClient({
      enginePath: join(this.context.extensionPath, 'dist', 'engine.js'),
      gpu: getSetting('engine.gpu'),
      idleUnloadMs: getSetting('engine.idleUnloadMinutes') * 60_000,
      badModelsFile: join(this.context.globalStorageUri.fsPath, 'bad-models.json'),
      log: this.log.child('engine'),
      shared: getSetting('engine.shareAcrossWindows')
        ? {
            paths: sharedPaths(),
            hostPath: join(this.context.extensionPath, 'dist', 'engineHost.js'),
            version: String(this.context.extension.packageJSON.version),
            label: `VS Code window (extension host ${process.pid})`,
          }
        : undefined,
    });
    client.configure(engineLoadParams());
    const sub = client.onDidChangeState((state) => {
      if (state.error) this.noteError(state.error);
      this.stateEmitter.fire(forDisplay(state));
      if (state.phase === 'halted' && state.error) this.showFailure(new EngineClientError('stopped', state.error));
    });
    const busy = client.onDidChangeBusy((b) => this.busyEmitter.fire(b));
    this.register({ dispose: () => (sub.dispose(), busy.dispose()) });
    return client;
  }

  /** Does what the settings registry says each change requires, and no more. */
  private onSettingsChanged(change: SettingsChange): void {
    if (change.affects('engine.idleUnloadMinutes'))
      this.client.setIdleUnloadMs(getSetting('engine.idleUnloadMinutes') * 60_000);
    if (change.requires('restartEngine')) {
      // Options fixed at process start: replace the client (the old process exits).
      this.log.info(`restarting the engine for ${change.keys.join(', ')}`);
      const old = this.client;
      this.client = this.createClient();
      void old.dispose();
      this.stateEmitter.fire(this.state);
      void this.reload();
    } else if (change.requires('reloadModel')) {
      void this.reload();
    }
  }

  override dispose(): void {
    super.dispose();
    // deactivate(): VS Code gives about 5 s; dispose() kills the process (SIGKILL after 2 s).
    void this.client.dispose();
  }
}

function forDisplay(state: EngineState): EngineState {
  return state.error ? { ...state, error: displayText(state.error, { maxChars: NOTIFICATION_MAX_CHARS }) } : state;
}
