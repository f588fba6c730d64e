// Inline completions in VS Code: a thin adapter over the core CompletionPipeline. It turns VS Code's
// requests into pipeline requests (the CancellationToken becomes an AbortSignal; with the suggest
// widget open, the request is for what follows its selected item), binds the pipeline to the
// loaded completion model, asks for a suggestion where the cursor comes to rest, and feeds the
// extra-context ring from editor events.
import * as vscode from 'vscode';
import { CompletionPipeline, type CompletionEngine } from '../../core/completion/completionPipeline';
import type { Position } from '../../core/completion/documentWindow';
import { NoFimSupportError } from '../../core/completion/fimTemplates';
import { extendingItem, withSelectedItem } from '../../core/completion/selectedItem';
import type { LoadedModelInfo } from '../../core/engine/protocol';
import type { ServerConnection } from '../../core/remote/serverConnection';
import { engineLoadParams, getSetting, setSetting, watchSettings } from '../config';
import type { CommandRegistry } from '../commands';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { CompletionStatus } from './completionStatus';
import { completionSettings, enabledForLanguage } from './completionSettingsAdapter';
import { asCompletionDocument, isCodeDocument } from './documentAdapter';
import { RestTrigger } from './restTrigger';
import { signalFrom } from '../cancellation';

const SNOOZE_MS = 5 * 60_000;

export class InlineCompletions extends DisposableStore implements vscode.InlineCompletionItemProvider {
  readonly pipeline: CompletionPipeline;
  private boundModel?: string;
  private snoozedUntil = 0;
  private warnedNoFim?: string;
  /** The completion part of the status bar item (the composition root adds it). */
  readonly status: CompletionStatus;
  private readonly restTrigger: RestTrigger;

  constructor(
    private readonly engine: EngineService,
    private readonly commands: CommandRegistry,
    private readonly log: Logger,
  ) {
    super();
    // Routed per request: the completion server when the backend setting names one, else the engine.
    const client: CompletionEngine = engine.completionEngine;
    this.pipeline = new CompletionPipeline({
      engine: client,
      settings: completionSettings(),
      repoName: vscode.workspace.name ?? 'workspace',
      log,
    });
    this.register({ dispose: () => this.pipeline.dispose() });
    this.status = this.register(new CompletionStatus(this.pipeline, () => this.offReason()));

    this.restTrigger = this.register(
      new RestTrigger({
        pauseMs: () => this.pipeline.pauseMs(),
        enabledFor: (document) => !this.offReason(document.languageId),
      }),
    );
    this.register(
      this.pipeline.onDidRefine(({ uri, version, position }) => {
        const at = { uri, version, ...position };
        void this.restTrigger.refresh(at);
      }),
    );
    this.register(vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, this));
    this.register(engine.onDidChangeState(() => this.bindModel()));
    this.register(
      watchSettings((change) => {
        if (!change.keys.some((k) => k.startsWith('completion.'))) return;
        this.pipeline.updateSettings(completionSettings(), { rebuild: change.requires('rebuildPipeline') });
        this.syncAutomatic();
        this.status.refresh();
      }),
    );
    this.registerContextFeeds();
    this.registerCommands();
    this.syncAutomatic();
    this.bindModel();
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    // A request the rest trigger sent is automatic (the settings and a snooze apply), but it waited
    // out the typing pause already, so the pipeline does not wait again.
    const ours = this.restTrigger.noteRequest(document, position);
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke && !ours;
    if (!explicit && this.offReason(document.languageId)) return undefined;
    // With the suggest widget open, VS Code shows only ghost text that extends the selected item.
    const selected = context.selectedCompletionInfo && {
      range: {
        start: toPosition(context.selectedCompletionInfo.range.start),
        end: toPosition(context.selectedCompletionInfo.range.end),
      },
      text: context.selectedCompletionInfo.text,
    };
    const doc = asCompletionDocument(document);
    const at = selected ? withSelectedItem(doc, selected) : { doc, position: toPosition(position) };
    const cancel = signalFrom(token);
    try {
      const answer = await this.pipeline.provide({
        ...at,
        triggerKind: ours === 'refresh' ? 'refresh' : explicit || ours === 'rest' ? 'invoke' : 'automatic',
        signal: cancel.signal,
      });
      if (!answer || token.isCancellationRequested) return undefined;
      const suggestion = selected ? extendingItem(selected, answer) : answer;
      const { start, end } = suggestion.range;
      const item = new vscode.InlineCompletionItem(
        suggestion.insertText,
        new vscode.Range(start.line, start.character, end.line, end.character),
        { command: 'alembic.completionAccepted', title: 'Accept completion' },
      );
      return [item];
    } catch (e) {
      this.log.warn(`completion failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    } finally {
      cancel.dispose();
    }
  }

  /** Completions turned off or snoozed do no engine work in the background (no prefill, no
   * prefetch): the pipeline hears about it. */
  private syncAutomatic(): void {
    this.pipeline.setAutomatic(getSetting('completion.enabled') && Date.now() >= this.snoozedUntil);
  }

  /** Why automatic completions are off now (for the status bar), or undefined when they are on. */
  private offReason(languageId = vscode.window.activeTextEditor?.document.languageId): string | undefined {
    if (!getSetting('completion.enabled')) return 'off';
    if (Date.now() < this.snoozedUntil) return `snoozed until ${new Date(this.snoozedUntil).toLocaleTimeString()}`;
    if (languageId && !enabledForLanguage(languageId)) return `off for ${languageId}`;
    const server = this.engine.servers.view('completion');
    if (server)
      return server.phase === 'error' ? `${server.label} is unusable: ${server.error}` : this.pipeline.problem;
    if (!engineLoadParams().completionModel) return 'no completion model selected';
    return this.pipeline.problem && this.boundModel ? this.pipeline.problem : undefined;
  }

  /** Binds the pipeline to the completion model. After an idle unload the binding stays: the next
   * request reloads the model through the engine client. */
  private bindModel(): void {
    const server = this.engine.servers.connection('completion');
    if (server || this.engine.servers.view('completion')) return this.bindServerModel(server);
    const configured = engineLoadParams().completionModel;
    const loaded: LoadedModelInfo | undefined = this.engine.state.models.completion;
    if (!configured) {
      if (this.boundModel) this.pipeline.setModel(undefined);
      this.boundModel = undefined;
      return;
    }
    if (!loaded || loaded.path !== configured) return;
    const id = `${loaded.path}#${loaded.contextSize}`;
    if (id === this.boundModel) return;
    this.boundModel = id;
    try {
      this.pipeline.setModel({
        id,
        name: loaded.name,
        architecture: loaded.architecture,
        fim: loaded.fim,
        contextSize: loaded.contextSize,
      });
      this.log.info(
        `completions use ${loaded.name} (${this.pipeline.template?.family ?? '?'} template, context ${loaded.contextSize})`,
      );
    } catch (e) {
      if (e instanceof NoFimSupportError && this.warnedNoFim !== id) {
        this.warnedNoFim = id;
        void vscode.window.showWarningMessage(`Alembic: ${e.message}`, 'Select Model…').then((c) => {
          if (c) void vscode.commands.executeCommand('alembic.selectModel');
        });
      }
    }
    this.status.refresh();
  }

  /** Binds the pipeline to the server's model once the server answered its health check. */
  private bindServerModel(server: ServerConnection | undefined): void {
    const facts = server?.state.phase === 'ready' ? server.state.facts : undefined;
    if (!server || !facts) return; // requests wait for the check, or are off while the server is unusable
    const model = server.backend.completionModel(facts);
    if (model.id === this.boundModel) return;
    this.boundModel = model.id;
    try {
      this.pipeline.setModel(model);
      this.log.info(
        `completions use ${facts.name} on ${server.backend.endpoint.host} (${this.pipeline.template?.family ?? '?'} template, context ${model.contextSize})`,
      );
    } catch (e) {
      this.log.warn(`the server's model cannot complete: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.status.refresh();
  }

  private registerContextFeeds(): void {
    const extra = this.pipeline.extraContext;
    this.register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!isCodeDocument(e.document) || e.contentChanges.length === 0) return;
        extra.onEdit(asCompletionDocument(e.document), e.contentChanges[0]!.range.start.line);
      }),
    );
    this.register(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (isCodeDocument(e.textEditor.document))
          extra.onCursorMove(asCompletionDocument(e.textEditor.document), e.selections[0]!.active.line);
      }),
    );
    let previous = vscode.window.activeTextEditor;
    this.register(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (previous && isCodeDocument(previous.document) && !previous.document.isClosed) {
          extra.onEditorSwitch(asCompletionDocument(previous.document), previous.selection.active.line);
        }
        previous = editor;
      }),
    );
    this.register(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
        if (editor && isCodeDocument(doc)) extra.onSave(asCompletionDocument(doc), editor.selection.active.line);
      }),
    );
    this.register(
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
        if (
          e.textEditor === vscode.window.activeTextEditor ||
          !isCodeDocument(e.textEditor.document) ||
          !e.visibleRanges[0]
        )
          return;
        extra.onVisible(
          asCompletionDocument(e.textEditor.document),
          e.visibleRanges[0].start.line,
          e.visibleRanges[0].end.line,
        );
      }),
    );
  }

  private registerCommands(): void {
    this.register(this.commands.registerCommand('alembic.completionAccepted', () => this.pipeline.onAccepted()));
    this.register(
      this.commands.registerCommand('alembic.toggleInlineCompletions', async () => {
        const enabled = !getSetting('completion.enabled');
        await setSetting('completion.enabled', enabled);
        this.snoozedUntil = 0;
        this.syncAutomatic();
        void vscode.window.setStatusBarMessage(`Alembic: inline completions ${enabled ? 'on' : 'off'}`, 3000);
      }),
    );
    this.register(
      this.commands.registerCommand('alembic.snoozeInlineCompletions', () => {
        this.snoozedUntil = Date.now() + SNOOZE_MS;
        this.syncAutomatic();
        this.status.refresh();
        const timer = setTimeout(() => {
          this.syncAutomatic();
          this.status.refresh();
        }, SNOOZE_MS + 100);
        this.register({ dispose: () => clearTimeout(timer) });
        void vscode.window.setStatusBarMessage('Alembic: inline completions snoozed for 5 minutes', 3000);
      }),
    );
    this.register(
      this.commands.registerCommand('alembic.toggleInlineCompletionsForLanguage', async () => {
        const languageId = vscode.window.activeTextEditor?.document.languageId;
        if (!languageId) return;
        const languages = { ...getSetting('completion.languages') };
        languages[languageId] = !enabledForLanguage(languageId);
        await setSetting('completion.languages', languages);
        void vscode.window.setStatusBarMessage(
          `Alembic: inline completions ${languages[languageId] ? 'on' : 'off'} for ${languageId}`,
          3000,
        );
      }),
    );
    this.register(
      this.commands.registerCommand('alembic.clearCompletionCache', () => {
        this.pipeline.clearCache();
        this.pipeline.extraContext.clear();
        void vscode.window.setStatusBarMessage('Alembic: completion cache cleared', 3000);
      }),
    );
  }
}

function toPosition(p: vscode.Position): Position {
  return { line: p.line, character: p.character };
}
