// The servers the features talk to when their backend is not `local`: one connection per feature,
// built from the settings and rebuilt when they (or the proxy settings, or an API key) change. A
// connection checks its server at start and after failures; when it finds the server unusable,
// the user is told once, in the server's own words, with the ways out (Set API Key…, Retry, Select
// Model…, Open Settings, Use the Local Model), and again only if the reason changes or they asked.
import * as vscode from 'vscode';
import { backendLabel, createServerBackend } from '../../core/remote/createBackend';
import { hostLabel } from '../../core/remote/endpoint';
import type { ServerModelFacts } from '../../core/remote/serverBackend';
import { isServerError, type ServerRemedy } from '../../core/remote/serverError';
import { ServerConnection, type ConnectionState } from '../../core/remote/serverConnection';
import { setSetting } from '../config';
import { DisposableStore } from '../disposable';
import type { Logger } from '../log';
import type { ApiKeys } from './apiKeys';
import { affectsServers, serverConfigFor, type Role } from './serverSettings';

const REMEDY_LABELS: Record<ServerRemedy, string> = {
  setApiKey: 'Set API Key…',
  openSettings: 'Open Settings',
  retry: 'Retry',
  selectModel: 'Select Model…',
  useLocal: 'Use the Local Model',
  newChat: 'New Chat',
  showLog: 'Show Log',
};

interface Entry {
  key: string;
  /** Absent when the settings themselves are wrong (a bad address): then `problem` says why. */
  connection?: ServerConnection;
  problem?: string;
  label: string;
  lastShown?: string;
  sub?: vscode.Disposable;
}

/** What the status bar and the chat header show about a feature's server. */
export interface ServerView {
  /** "gpu-box · llama-server" */
  label: string;
  endpoint: string;
  phase: ConnectionState['phase'];
  error?: string;
  facts?: ServerModelFacts;
}

export class RemoteServers extends DisposableStore {
  private readonly entries: Partial<Record<Role, Entry>> = {};
  private readonly changed = this.register(new vscode.EventEmitter<Role>());
  /** Fires with the feature whose server changed state (or was replaced). */
  readonly onDidChange = this.changed.event;
  private rebuilding: Promise<void> = Promise.resolve();
  private explicitCheck = false;

  constructor(
    private readonly keys: ApiKeys,
    private readonly log: Logger,
  ) {
    super();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsServers(e)) void this.rebuild();
      }),
    );
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.rebuild()));
    this.register(keys.onDidChange(() => this.rebuild()));
    this.register({ dispose: () => (['completion', 'chat'] as const).forEach((r) => this.drop(r)) });
    void this.rebuild();
  }

  /** The connection serving `role`, or undefined when the feature runs locally (or its address is wrong). */
  connection(role: Role): ServerConnection | undefined {
    return this.entries[role]?.connection;
  }

  /** The feature's server as the user sees it, or undefined when the feature runs locally. */
  view(role: Role): ServerView | undefined {
    const entry = this.entries[role];
    if (!entry) return undefined;
    const state = entry.connection?.state;
    return {
      label: entry.label,
      endpoint: entry.connection?.backend.endpoint.href ?? '',
      phase: state?.phase ?? 'error',
      error: state?.phase === 'error' ? state.error?.message : entry.problem,
      facts: state?.facts,
    };
  }

  /** Resolves once the connections match the current settings. */
  settled(): Promise<void> {
    return this.rebuilding;
  }

  /** "gpu-box · llama-server" for the status bar, or undefined for a local feature. */
  label(role: Role): string | undefined {
    return this.entries[role]?.label;
  }

  /** Checks every server again, and shows the result whatever it is. */
  async retry(): Promise<void> {
    this.explicitCheck = true;
    for (const role of ['completion', 'chat'] as const) {
      const entry = this.entries[role];
      if (!entry?.connection) continue;
      entry.lastShown = undefined;
      const state = await entry.connection.check();
      if (state.phase === 'ready')
        void vscode.window.setStatusBarMessage(`Alembic: ${this.label(role)} is ready (${state.facts?.name})`, 4000);
    }
    this.explicitCheck = false;
  }

  rebuild(): Promise<void> {
    this.rebuilding = this.rebuilding.then(() =>
      Promise.all([this.apply('completion'), this.apply('chat')]).then(() => undefined),
    );
    return this.rebuilding;
  }

  private async apply(role: Role): Promise<void> {
    const config = await serverConfigFor(role, this.keys);
    const key = config ? JSON.stringify(config) : '';
    if (this.entries[role]?.key === key) return;
    this.drop(role);
    if (config) {
      const kind = backendLabel(config.backend);
      try {
        const connection = new ServerConnection(createServerBackend(config), role, { log: this.log });
        const entry: Entry = { key, connection, label: `${hostLabel(connection.backend.endpoint)} · ${kind}` };
        entry.sub = connection.onDidChange((state) => this.onState(role, entry, state));
        this.entries[role] = entry;
        this.log.info(`${role} requests go to ${config.endpoint} (${kind})`);
      } catch (e) {
        // The settings themselves are wrong (no address, plain http to another machine…).
        const problem = e instanceof Error ? e.message : String(e);
        this.entries[role] = { key, problem, label: `${config.endpoint || 'no server set'} · ${kind}` };
        this.log.warn(`${role} server setting refused: ${problem}`);
        this.showProblem(role, problem, isServerError(e) ? e.remedies : ['openSettings']);
      }
    }
    this.changed.fire(role);
  }

  private drop(role: Role): void {
    const entry = this.entries[role];
    if (!entry) return;
    entry.sub?.dispose();
    entry.connection?.dispose();
    delete this.entries[role];
  }

  private onState(role: Role, entry: Entry, state: ConnectionState): void {
    this.changed.fire(role);
    if (state.phase === 'ready') {
      if (entry.lastShown) void vscode.window.setStatusBarMessage(`Alembic: ${this.label(role)} answers again`, 4000);
      entry.lastShown = undefined;
      this.log.info(`${role} server ready: ${state.facts?.name} (context ${state.facts?.contextSize})`);
      return;
    }
    if (state.phase !== 'error' || !state.error) return;
    this.log.warn(`${role} server unusable: ${state.error.message}`);
    if (entry.lastShown === state.error.message && !this.explicitCheck) return;
    entry.lastShown = state.error.message;
    this.showProblem(role, state.error.message, state.error.remedies);
  }

  private showProblem(role: Role, message: string, remedies: readonly ServerRemedy[]): void {
    const feature = role === 'completion' ? 'Completions' : 'Chat';
    const labels = [...new Set([...remedies, 'showLog' as const])].slice(0, 4).map((r) => REMEDY_LABELS[r]);
    void vscode.window
      .showErrorMessage(`Alembic (${feature.toLowerCase()} server): ${message}`, ...labels)
      .then((pick) => {
        const remedy = (Object.keys(REMEDY_LABELS) as ServerRemedy[]).find((r) => REMEDY_LABELS[r] === pick);
        if (remedy) void this.runRemedy(role, remedy);
      });
  }

  private async runRemedy(role: Role, remedy: ServerRemedy): Promise<void> {
    const endpoint = this.connection(role)?.backend.endpoint.href;
    switch (remedy) {
      case 'setApiKey':
        return void (await vscode.commands.executeCommand('alembic.setApiKey', endpoint));
      case 'openSettings':
        return void (await vscode.commands.executeCommand('workbench.action.openSettings', `alembic.${role}.endpoint`));
      case 'retry':
        return this.retry();
      case 'selectModel':
        return void (await vscode.commands.executeCommand(
          role === 'chat' ? 'alembic.chat.selectModel' : 'alembic.selectModel',
        ));
      case 'useLocal':
        return setSetting(role === 'completion' ? 'completion.backend' : 'chat.backend', 'local');
      case 'newChat':
        return void (await vscode.commands.executeCommand('alembic.chat.newChat'));
      case 'showLog':
        return void (await vscode.commands.executeCommand('alembic.showLog'));
    }
  }
}
