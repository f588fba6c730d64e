// "Restart Engine", "Unload Model" and "Show Log", and the context keys that keep the first two out
// of the palette when they can do nothing: `alembic.modelConfigured` (a model file is set) and
// `alembic.modelLoaded` (a model is in memory). Run anyway (a keybinding), they say why not.
import * as vscode from 'vscode';
import type { CommandRegistry } from './commands';
import { DisposableStore } from './disposable';
import type { EngineService } from './engineService';

export const ENGINE_COMMANDS = ['alembic.restartEngine', 'alembic.unloadModel', 'alembic.showLog'] as const;

export class EngineCommands extends DisposableStore {
  private configured?: boolean;
  private loaded?: boolean;

  constructor(
    private readonly engine: EngineService,
    commands: CommandRegistry,
    channel: vscode.OutputChannel,
  ) {
    super();
    this.register(
      commands.registerCommand('alembic.restartEngine', () => {
        if (!this.modelConfigured()) return noModel('restart');
        return engine.restart();
      }),
    );
    this.register(
      commands.registerCommand('alembic.unloadModel', async () => {
        if (!this.modelLoaded()) {
          void vscode.window.showInformationMessage('Alembic: no model is loaded, so there is nothing to unload.');
          return;
        }
        await engine.unload();
        void vscode.window.showInformationMessage('Alembic: model unloaded. It loads again on the next request.');
      }),
    );
    this.register(commands.registerCommand('alembic.showLog', () => channel.show()));
    this.register(engine.onDidChangeState(() => this.updateContext()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alembic.completion.model') || e.affectsConfiguration('alembic.chat.model'))
          this.updateContext();
      }),
    );
    this.updateContext();
  }

  private modelConfigured(): boolean {
    return this.engine.hasModelFor('completion') || this.engine.hasModelFor('chat');
  }

  private modelLoaded(): boolean {
    const models = this.engine.state.models;
    return Boolean(models.completion ?? models.chat);
  }

  private updateContext(): void {
    const configured = this.modelConfigured();
    const loaded = this.modelLoaded();
    if (configured !== this.configured)
      void vscode.commands.executeCommand('setContext', 'alembic.modelConfigured', configured);
    if (loaded !== this.loaded) void vscode.commands.executeCommand('setContext', 'alembic.modelLoaded', loaded);
    this.configured = configured;
    this.loaded = loaded;
  }
}

function noModel(what: string): void {
  void vscode.window
    .showInformationMessage(
      `Alembic: there is no model to ${what} yet. Select a GGUF file you have, or download the recommended one.`,
      'Select Model…',
      'Download Model…',
    )
    .then((choice) => {
      if (choice === 'Select Model…') void vscode.commands.executeCommand('alembic.selectModel');
      else if (choice) void vscode.commands.executeCommand('alembic.downloadModel');
    });
}
