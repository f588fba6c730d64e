// Feeds the edit history from VS Code's document events and tells which changes the user made.
// A change counts as the user's when it happens in the active editor's document and leaves it
// dirty (typing, paste, undo, multi-cursor edits); a change to a document no editor is focused on,
// or one that leaves it clean (revert, reload from disk after a checkout), is not, and resets
// that file's history. Only the documents on screen are followed (a shadow copy each, bounded).
import * as vscode from 'vscode';
import { displayPath } from '../../core/completion/documentWindow';
import type { EditHistory, HistoryDocument, TextChange } from '../../core/nes/editHistory';
import { DisposableStore } from '../disposable';
import { asCompletionDocument, isCodeDocument } from '../completion/documentAdapter';

/** How long a change that left its document clean waits for the dirty flag. */
const SETTLE_MS = 250;

export interface UserEdit {
  readonly document: vscode.TextDocument;
  /** Where the cursor lands after the change (the end of its last inserted text). */
  readonly cursor: vscode.Position;
}

export class NesEditFeed extends DisposableStore {
  private readonly edited = this.register(new vscode.EventEmitter<UserEdit>());
  /** A user edit, after the history has recorded it. */
  readonly onUserEdit = this.edited.event;
  /** Set while the extension itself applies an accepted suggestion: still a user edit for the
   * history (the user chose it), but not one that should restart the typing pause. */
  applying = false;
  /** A change that left its document clean, until its dirty flag tells whose it was. */
  private unsettled?: { document: vscode.TextDocument; cursor: vscode.Position; timer: ReturnType<typeof setTimeout> };

  constructor(private readonly history: EditHistory) {
    super();
    for (const editor of vscode.window.visibleTextEditors) this.observe(editor.document);
    this.register(
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.observe(e.document))),
    );
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => history.forget(doc.uri.toString())));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)));
  }

  private observe(document: vscode.TextDocument): void {
    if (isCodeDocument(document)) this.history.observe(historyDocument(document));
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    if (!isCodeDocument(e.document)) return;
    if (this.unsettled?.document === e.document) this.settle();
    if (e.contentChanges.length === 0) return; // a dirty-state change (it settled the edit above)
    const doc = historyDocument(e.document);
    const active = vscode.window.activeTextEditor?.document === e.document;
    if (!active) {
      this.history.onExternalChange(doc);
      return;
    }
    const changes: TextChange[] = e.contentChanges.map((c) => ({
      range: {
        start: { line: c.range.start.line, character: c.range.start.character },
        end: { line: c.range.end.line, character: c.range.end.character },
      },
      text: c.text,
    }));
    this.history.onUserChange(doc, changes);
    if (this.applying) return;
    const last = e.contentChanges[0]!;
    const lines = last.text.split(/\r?\n/);
    const cursor =
      lines.length === 1
        ? last.range.start.translate(0, last.text.length)
        : new vscode.Position(last.range.start.line + lines.length - 1, lines[lines.length - 1]!.length);
    if (e.document.isDirty) {
      this.edited.fire({ document: e.document, cursor });
      return;
    }
    // Clean after the change: a revert or a reload from disk, or the first keystroke in a saved
    // file (VS Code sends the change before the dirty flag, which follows in its own event). Wait
    // for that flag: dirty means the user typed; still clean means the file changed under us.
    this.unsettled = { document: e.document, cursor, timer: setTimeout(() => this.settle(), SETTLE_MS) };
  }

  /** Decides an edit that left its document clean: the user's if the document is dirty now. */
  private settle(): void {
    const unsettled = this.unsettled;
    if (!unsettled) return;
    this.unsettled = undefined;
    clearTimeout(unsettled.timer);
    if (unsettled.document.isDirty) this.edited.fire({ document: unsettled.document, cursor: unsettled.cursor });
    else this.history.onExternalChange(historyDocument(unsettled.document));
  }

  override dispose(): void {
    if (this.unsettled) clearTimeout(this.unsettled.timer);
    super.dispose();
  }
}

export function historyDocument(document: vscode.TextDocument): HistoryDocument {
  const adapter = asCompletionDocument(document);
  return {
    uri: adapter.uri,
    get path() {
      return displayPath(adapter);
    },
    get lineCount() {
      return adapter.lineCount;
    },
    lineAt: (i: number) => adapter.lineAt(i),
  };
}
