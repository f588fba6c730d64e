// Next edit suggestions in VS Code: a thin adapter over the core pipeline and scheduler. It feeds the
// edit history from document events, asks at typing pauses (never while an inline completion uses
// the engine), shows the answer (NesView), and owns the keys: Tab goes to the edit, Tab again
// accepts it as one undo step, Escape dismisses it. Nothing in a document changes unless the user
// accepts. The model is the `alembic.nextEdit.model` file; its prompt format comes from its metadata
// or the `alembic.nextEdit.format` setting.
import * as vscode from 'vscode';
import { systemClock } from '../../core/completion/clock';
import type { ExtraContext } from '../../core/completion/extraContext';
import { EditHistory } from '../../core/nes/editHistory';
import { NEXT_EDIT_FORMATS } from '../../core/nes/families';
import { advance } from '../../core/nes/lineDiff';
import { resolveNextEditFamily } from '../../core/nes/nesModel';
import { NextEditPipeline, textAt, type NesSuggestion } from '../../core/nes/nextEditPipeline';
import { NextEditScheduler, type ForegroundWork } from '../../core/nes/nextEditScheduler';
import { Emitter } from '../../core/util/emitter';
import { getSetting, setSetting, watchSettings } from '../config';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import type { CommandRegistry } from '../commands';
import { asCompletionDocument, isCodeDocument } from '../completion/documentAdapter';
import { NesEditFeed } from './nesEditFeed';
import { GHOST_ACCEPTED_COMMAND, NesGhostText } from './nesGhostText';
import { NesStatus, type NesState } from './nesStatus';
import { NesView, toRange } from './nesView';

/** The commands this feature implements. */
export const NEXT_EDIT_COMMANDS = [
  'alembic.nextEdit.tab',
  'alembic.nextEdit.accept',
  'alembic.nextEdit.dismiss',
  'alembic.nextEdit.ghostAccepted',
  'alembic.nextEdit.suggest',
  'alembic.nextEdit.toggle',
  'alembic.nextEdit.toggleForLanguage',
] as const;
type NextEditCommand = (typeof NEXT_EDIT_COMMANDS)[number];

export class NesFeature extends DisposableStore {
  readonly pipeline: NextEditPipeline;
  private readonly history = new EditHistory();
  private readonly feed: NesEditFeed;
  private readonly scheduler: NextEditScheduler;
  private readonly view: NesView;
  private readonly ghost = new NesGhostText();
  readonly status: NesStatus;
  private state: NesState = { off: 'no next-edit model selected' };
  private bound?: string;
  private warned?: string;

  constructor(
    private readonly engine: EngineService,
    private readonly commands: CommandRegistry,
    private readonly log: Logger,
    extraContext?: ExtraContext,
  ) {
    super();
    this.pipeline = new NextEditPipeline({
      engine: { nextEdit: (params, signal) => engine.engine.nextEdit(params, signal) },
      // Only the project's files and the one being edited: VS Code's settings.json or a file
      // opened from elsewhere says little about the next edit here and makes every prompt longer.
      history: { edits: () => this.history.edits().filter((e) => isRelevant(e.uri)) },
      snippets: () => (extraContext?.snippets() ?? []).filter((s) => isRelevant(s.uri)),
      settings: settings(),
      log,
    });
    this.feed = this.register(new NesEditFeed(this.history));
    this.view = this.register(new NesView((editor, edit) => this.ghost.offer(editor, edit)));
    this.scheduler = this.register(
      new NextEditScheduler({
        pipeline: this.pipeline,
        clock: systemClock,
        pauseMs: () => getSetting('nextEdit.debounceMs'),
        foreground: this.register(foregroundOf(engine)),
        enabled: (doc) => !this.state.off && enabledFor(doc.languageId),
        onSuggestion: (s, doc) => this.display(s, doc.uri),
        onError: (e) => log.warn(`next edit failed: ${e instanceof Error ? e.message : String(e)}`),
      }),
    );
    this.status = this.register(new NesStatus(this.pipeline, () => this.state));
    this.register(vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, this.ghost));

    this.register(
      this.feed.onUserEdit(({ document, cursor }) =>
        this.scheduler.noteEdit(asCompletionDocument(document), { line: cursor.line, character: cursor.character }),
      ),
    );
    this.register(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!isCodeDocument(e.textEditor.document)) return;
        const p = e.selections[0]!.active;
        this.scheduler.noteCursor(asCompletionDocument(e.textEditor.document), {
          line: p.line,
          character: p.character,
        });
        if (this.view.shown?.editor.document === e.textEditor.document) this.view.refreshHint(p);
      }),
    );
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.dismissView()));
    this.register(engine.onDidChangeState(() => void this.bindModel()));
    this.register(
      watchSettings((change) => {
        if (!change.keys.some((k) => k.startsWith('nextEdit.'))) return;
        this.pipeline.updateSettings(settings());
        void this.bindModel();
      }),
    );
    this.registerCommands();
    void this.bindModel();
  }

  /** Shows a suggestion in the active editor, or clears what is shown. */
  private display(suggestion: NesSuggestion | null, uri: string): void {
    this.dismissView();
    const editor = vscode.window.activeTextEditor;
    if (!suggestion || !editor || editor.document.uri.toString() !== uri) return;
    this.view.show(editor, suggestion);
    const { source, edit } = suggestion;
    const how = source === 'model' ? `in ${Math.round(suggestion.latencyMs)} ms` : `from the ${source}`;
    this.log.debug(
      `offered ${how}: line ${edit.range.start.line + 1}, ${JSON.stringify(edit.oldText)} → ${JSON.stringify(edit.text)}`,
    );
  }

  private dismissView(): void {
    this.ghost.withdraw();
    this.view.clear();
  }

  /** Tab: go to the edit when the cursor is elsewhere, accept it when the cursor is on it. */
  private async tab(): Promise<void> {
    const shown = this.view.shown;
    const editor = vscode.window.activeTextEditor;
    if (!shown || !editor || editor.document !== shown.editor.document) return this.dismissView();
    if (this.view.isAtEdit(editor.selection.active)) return this.accept();
    const range = toRange(shown.suggestion.edit);
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.view.refreshHint(range.start);
  }

  /** Applies the shown edit as one undo step, then offers the rewrite's next edit. */
  private async accept(): Promise<void> {
    const shown = this.view.shown;
    const editor = vscode.window.activeTextEditor;
    if (!shown || !editor || editor.document !== shown.editor.document) return;
    const { suggestion } = shown;
    const edit = suggestion.edit;
    const doc = asCompletionDocument(editor.document);
    this.dismissView();
    if (textAt(doc, edit) !== edit.oldText) return; // the document moved on: the edit no longer fits
    this.feed.applying = true;
    let applied = false;
    try {
      applied = await editor.edit((b) => b.replace(toRange(edit), edit.text), {
        undoStopBefore: true,
        undoStopAfter: true,
      });
    } finally {
      this.feed.applying = false;
    }
    if (!applied) return;
    const end = advance(edit.range.start, edit.text);
    editor.selection = new vscode.Selection(end.line, end.character, end.line, end.character);
    this.pipeline.onAccepted(suggestion);
    this.status.refresh();
    await this.scheduler.requestNow(doc, end);
  }

  private registerCommands(): void {
    const command = (id: NextEditCommand, run: () => unknown) => this.register(this.commands.registerCommand(id, run));
    command('alembic.nextEdit.tab', () => this.tab());
    command('alembic.nextEdit.accept', () => this.accept());
    command('alembic.nextEdit.dismiss', () => {
      if (this.view.shown) this.pipeline.onDismissed();
      this.dismissView();
    });
    command(GHOST_ACCEPTED_COMMAND, () => {
      const shown = this.view.shown;
      if (!shown) return;
      this.pipeline.onAccepted(shown.suggestion);
      this.dismissView();
      const editor = vscode.window.activeTextEditor;
      if (editor) {
        const p = editor.selection.active;
        void this.scheduler.requestNow(asCompletionDocument(editor.document), { line: p.line, character: p.character });
      }
    });
    command('alembic.nextEdit.suggest', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      if (this.state.off) {
        const choice = await vscode.window.showInformationMessage(
          `Alembic: next edits are off (${this.state.off}).`,
          'Download Model…',
          'Open Settings',
        );
        if (choice === 'Download Model…') void vscode.commands.executeCommand('alembic.downloadModel');
        if (choice === 'Open Settings')
          void vscode.commands.executeCommand('workbench.action.openSettings', 'alembic.nextEdit');
        return;
      }
      const p = editor.selection.active;
      await this.scheduler.requestNow(asCompletionDocument(editor.document), { line: p.line, character: p.character });
    });
    command('alembic.nextEdit.toggle', async () => {
      const enabled = !getSetting('nextEdit.enabled');
      await setSetting('nextEdit.enabled', enabled);
      void vscode.window.setStatusBarMessage(`Alembic: next edit suggestions ${enabled ? 'on' : 'off'}`, 3000);
    });
    command('alembic.nextEdit.toggleForLanguage', async () => {
      const languageId = vscode.window.activeTextEditor?.document.languageId;
      if (!languageId) return;
      const languages = { ...getSetting('nextEdit.languages') };
      languages[languageId] = !enabledFor(languageId);
      await setSetting('nextEdit.languages', languages);
      void vscode.window.setStatusBarMessage(
        `Alembic: next edit suggestions ${languages[languageId] ? 'on' : 'off'} for ${languageId}`,
        3000,
      );
    });
  }

  /** Binds the pipeline to the loaded next-edit model and its format. */
  private async bindModel(): Promise<void> {
    const configured = getSetting('nextEdit.model').trim();
    const unbind = (off: string) => {
      this.bound = undefined;
      this.pipeline.setModel(undefined);
      this.setState({ off });
    };
    if (!getSetting('nextEdit.enabled')) return unbind('turned off in the settings');
    if (!configured) return unbind('no next-edit model selected');
    const loaded = this.engine.state.models.nextEdit;
    if (!loaded || loaded.path !== configured) {
      // After an idle unload the binding stays: the next request reloads the model.
      if (!this.bound?.startsWith(`${configured}#`)) this.setState({ off: 'the next-edit model is not loaded yet' });
      return;
    }
    const format = getSetting('nextEdit.format');
    const id = `${loaded.path}#${loaded.contextSize}#${format}`;
    if (id === this.bound) return;
    this.bound = id;
    const detected = await resolveNextEditFamily(loaded.path, format);
    if (id !== this.bound) return; // re-bound meanwhile
    if (!detected.family) {
      this.pipeline.setModel(undefined);
      this.setState({ off: `${loaded.name} is not a next-edit model` });
      this.log.warn(`next edits are off: ${loaded.name}: ${detected.reason}`);
      if (this.warned !== id) {
        this.warned = id;
        void vscode.window
          .showWarningMessage(
            `Alembic: ${loaded.name} is not a next-edit model (${detected.reason}). Choose Sweep Next-Edit, Zeta or Instinct, or set the prompt format.`,
            'Download Model…',
            'Set the Format',
          )
          .then((choice) => {
            if (choice === 'Download Model…') void vscode.commands.executeCommand('alembic.downloadModel');
            if (choice === 'Set the Format')
              void vscode.commands.executeCommand('workbench.action.openSettings', 'alembic.nextEdit.format');
          });
      }
      return;
    }
    this.pipeline.setModel({ id, family: detected.family });
    const label = NEXT_EDIT_FORMATS[detected.family].label;
    this.setState({ model: `${loaded.name} (${label} format)` });
    this.log.info(`next edits use ${loaded.name} (${label} format, from ${detected.reason})`);
  }

  private setState(state: NesState): void {
    if (state.off) {
      this.scheduler.cancel();
      this.dismissView();
    }
    this.state = state;
    this.status.refresh();
  }
}

function settings() {
  return { timeoutMs: getSetting('nextEdit.timeoutMs'), inputLookup: getSetting('nextEdit.inputLookup') };
}

/** A file of the workspace, or the one in the active editor. */
function isRelevant(uri: string): boolean {
  if (vscode.window.activeTextEditor?.document.uri.toString() === uri) return true;
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(uri)) !== undefined;
}

function enabledFor(languageId: string): boolean {
  return getSetting('nextEdit.languages')[languageId] !== false;
}

/** The engine's foreground work: an inline completion, its warm-up or a chat answer in flight ("busy"). */
function foregroundOf(engine: EngineService): ForegroundWork & vscode.Disposable {
  const idle = new Emitter<void>();
  const subscription = engine.onDidChangeBusy((busy) => {
    if (!busy) idle.fire();
  });
  return {
    get busy() {
      return engine.engine.busy;
    },
    onIdle: (listener) => idle.event(listener),
    dispose: () => {
      subscription.dispose();
      idle.dispose();
    },
  };
}
