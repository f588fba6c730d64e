// Feeds the edit history from VS Code's document events and tells which changes the user made.
// A change counts as the user's when it happens in the active editor's document and leaves it
// dirty (typing, paste, undo, multi-cursor edits); a change to a document no editor is focused on,
// or one that makes it clean again (revert, reload from disk after a checkout), is not, and resets
// that file's history. Only the documents on screen are followed (a shadow copy each, bounded).
import * as vscode from 'vscode';
import { displayPath } from '../../core/completion/documentWindow';
import type { EditHistory, HistoryDocument, TextChange } from '../../core/nes/editHistory';
import { DisposableStore } from '../disposable';
import { asCompletionDocument, isCodeDocument } from '../completion/documentAdapter';

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
    if (!isCodeDocument(e.document) || e.contentChanges.length === 0) return;
    const doc = historyDocument(e.document);
    const active = vscode.window.activeTextEditor?.document === e.document;
    if (!active || !e.document.isDirty) {
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
    this.edited.fire({ document: e.document, cursor });
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
