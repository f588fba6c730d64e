// VS Code's TextDocument seen as the completion core's CompletionDocument: lines are read one by
// one on demand (never getText() of the whole document), so per-keystroke work stays bounded.
import * as vscode from 'vscode';
import { cutLine, type CompletionDocument } from '../../core/completion/documentWindow';

const adapters = new WeakMap<vscode.TextDocument, CompletionDocument>();

/** The adapter for a document: made once and kept while VS Code keeps the document (the provider
 * and the editor-event feeds ask for it on every keystroke). */
export function asCompletionDocument(document: vscode.TextDocument): CompletionDocument {
  let adapter = adapters.get(document);
  if (!adapter) {
    adapter = createAdapter(document);
    adapters.set(document, adapter);
  }
  return adapter;
}

function createAdapter(document: vscode.TextDocument): CompletionDocument {
  let relativePath: string | undefined;
  return {
    uri: document.uri.toString(),
    get languageId() {
      return document.languageId;
    },
    get version() {
      return document.version;
    },
    get lineCount() {
      return document.lineCount;
    },
    // The extension host holds each line as a string already: cutting it copies at most maxChars.
    lineAt: (i: number, maxChars?: number) => cutLine(document.lineAt(i).text, maxChars),
    get relativePath() {
      return (relativePath ??= vscode.workspace.asRelativePath(document.uri, false));
    },
  };
}

/** Documents whose edits and views feed completion context (real files, not output or settings UIs). */
export function isCodeDocument(document: vscode.TextDocument): boolean {
  return (
    document.uri.scheme === 'file' || document.uri.scheme === 'untitled' || document.uri.scheme === 'vscode-remote'
  );
}
